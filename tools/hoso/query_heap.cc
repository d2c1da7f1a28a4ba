#include "tools/hoso/query_heap.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#define HOSO_QUERY_HEAP_SUPPORTED 1
#endif

#if defined(HOSO_QUERY_HEAP_SUPPORTED) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older C library headers lack it
#endif

namespace hoso::tools {

namespace {

// A limit this large is no limit (cgroup v1 writes "unlimited" as
// 9223372036854771712).
constexpr uint64_t kNoLimit = uint64_t{1} << 62;

// The number a cgroup file holds; nullopt for "max", an absent file or
// anything else.
std::optional<uint64_t> ReadCgroupNumber(const std::string& path) {
  std::ifstream file(path);
  std::string text;
  if (!(file >> text)) return std::nullopt;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Folds the room of the cgroup directory `dir` into `room`.
void FoldRoom(const std::string& dir, const char* limit_file, const char* usage_file,
              std::optional<uint64_t>* room) {
  const std::optional<uint64_t> limit = ReadCgroupNumber(dir + "/" + limit_file);
  if (!limit || *limit >= kNoLimit) return;
  const uint64_t usage = ReadCgroupNumber(dir + "/" + usage_file).value_or(0);
  const uint64_t left = usage < *limit ? *limit - usage : 0;
  if (!*room || left < **room) *room = left;
}

// Folds the room of `path` (a cgroup path, "/a/b") and each ancestor under
// `mount` into `room`.
void FoldRoomUpwards(const std::string& mount, std::string path, const char* limit_file,
                     const char* usage_file, std::optional<uint64_t>* room) {
  while (true) {
    FoldRoom(mount + path, limit_file, usage_file, room);
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos || path.empty()) return;
    path.resize(slash);
  }
}

// Whether the comma-separated `controllers` of a /proc/self/cgroup line
// include `name`.
bool NamesController(std::string_view controllers, std::string_view name) {
  while (true) {
    const size_t comma = controllers.find(',');
    if (controllers.substr(0, comma) == name) return true;
    if (comma == std::string_view::npos) return false;
    controllers.remove_prefix(comma + 1);
  }
}

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kTableReadingBytes = 16 * kMiB;
constexpr size_t kMostBytes = 256 * kMiB;

#ifdef HOSO_QUERY_HEAP_SUPPORTED

constexpr uintptr_t kHugePageBytes = uintptr_t{2} << 20;

uintptr_t AlignUp(uintptr_t value, uintptr_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}
uintptr_t AlignDown(uintptr_t value, uintptr_t alignment) { return value & ~(alignment - 1); }

QueryHeap Prepare(size_t bytes) {
  QueryHeap heap;
  // Both settings stop glibc from adjusting its mmap threshold as blocks are
  // freed. Every block below 512 MiB comes from the main heap, and the heap
  // is trimmed only when more than 1 GiB is free at its top.
  if (mallopt(M_MMAP_THRESHOLD, 512 << 20) == 0) return heap;
  if (mallopt(M_TRIM_THRESHOLD, 1 << 30) == 0) return heap;
  if (bytes == 0) return heap;
  const long page_bytes = ::sysconf(_SC_PAGESIZE);
  const long free_pages = ::sysconf(_SC_AVPHYS_PAGES);
  if (page_bytes <= 0 || free_pages <= 0) return heap;
  uint64_t room = static_cast<uint64_t>(free_pages) * static_cast<uint64_t>(page_bytes);
  std::ifstream proc_cgroup("/proc/self/cgroup");
  const std::string cgroups((std::istreambuf_iterator<char>(proc_cgroup)),
                            std::istreambuf_iterator<char>());
  if (const auto cgroup_room = CgroupRoomBytes(cgroups, "/sys/fs/cgroup")) {
    room = std::min(room, *cgroup_room);
  }
  if (room / 4 < bytes) return heap;
  void* block = std::malloc(bytes);
  if (block == nullptr) return heap;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(block);
  const uintptr_t end = begin + bytes;
  const uintptr_t huge_begin = AlignUp(begin, kHugePageBytes);
  const uintptr_t huge_end = AlignDown(end, kHugePageBytes);
  if (huge_begin < huge_end) {
    heap.huge_pages_advised =
        ::madvise(reinterpret_cast<void*>(huge_begin), huge_end - huge_begin, MADV_HUGEPAGE) == 0;
  }
  const uintptr_t page_begin = AlignUp(begin, static_cast<uintptr_t>(page_bytes));
  const uintptr_t page_end = AlignDown(end, static_cast<uintptr_t>(page_bytes));
  if (page_begin < page_end && ::madvise(reinterpret_cast<void*>(page_begin), page_end - page_begin,
                                         MADV_POPULATE_WRITE) == 0) {
    heap.populated_bytes = page_end - page_begin;
  }
  std::free(block);
  return heap;
}

#else

QueryHeap Prepare(size_t) { return QueryHeap(); }

#endif

}  // namespace

size_t QueryHeapBytes(uint64_t wal_bytes) {
  const uint64_t wanted = kTableReadingBytes + 2 * std::min<uint64_t>(wal_bytes, kMostBytes);
  return static_cast<size_t>(std::min<uint64_t>(wanted, kMostBytes));
}

std::optional<uint64_t> CgroupRoomBytes(std::string_view proc_cgroup, const std::string& root) {
  std::optional<uint64_t> room;
  // Lines "ID:CONTROLLERS:PATH": "0::PATH" is cgroup v2, a line whose
  // controllers include "memory" is v1's memory controller.
  while (!proc_cgroup.empty()) {
    const size_t line_end = proc_cgroup.find('\n');
    const std::string_view line = proc_cgroup.substr(0, line_end);
    proc_cgroup =
        line_end == std::string_view::npos ? std::string_view() : proc_cgroup.substr(line_end + 1);
    const size_t first = line.find(':');
    const size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    std::string path(line.substr(second + 1));
    if (path == "/") path.clear();
    if (line.substr(0, first) == "0" && controllers.empty()) {
      for (const char* mount : {"", "/unified"}) {
        FoldRoomUpwards(root + mount, path, "memory.max", "memory.current", &room);
      }
    } else if (NamesController(controllers, "memory")) {
      FoldRoomUpwards(root + "/memory", path, "memory.limit_in_bytes", "memory.usage_in_bytes",
                      &room);
    }
  }
  return room;
}

QueryHeap PrepareQueryHeap(size_t bytes) {
  static const QueryHeap prepared = Prepare(bytes);
  return prepared;
}

}  // namespace hoso::tools
