#include "tools/hoso/query_heap.h"

#include <algorithm>
#include <cstdlib>

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
  if (page_bytes <= 0 || free_pages <= 0 ||
      static_cast<uint64_t>(free_pages) * static_cast<uint64_t>(page_bytes) / 4 < bytes) {
    return heap;
  }
  void* block = std::malloc(bytes);
  if (block == nullptr) return heap;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(block);
  const uintptr_t end = begin + bytes;
  const uintptr_t huge_begin = AlignUp(begin, kHugePageBytes);
  const uintptr_t huge_end = AlignDown(end, kHugePageBytes);
  if (huge_begin < huge_end) {
    heap.huge_pages_requested =
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

QueryHeap PrepareQueryHeap(size_t bytes) {
  static const QueryHeap prepared = Prepare(bytes);
  return prepared;
}

}  // namespace hoso::tools
