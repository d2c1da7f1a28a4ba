// The heap of a process that opens a database to read it once (kpi,
// scorecard, history, alerts, audit, backup, and replay's source): grown
// once, up front, in pages the kernel fills in one call.
//
// Why: a query is short and most of what it allocates is fresh memory.
// RocksDB reads each write-ahead log record into a string that grows by
// doubling, copies it once more into a write batch, and decompresses table
// blocks into new buffers. On the virtual machines measured, the first write
// to a 4 KB page costs ~15 us (BENCHMARKS.md "Page faults"), and a `kpi` of
// a database a crash left with a checkpoint in its 25 MB of WAL spent most
// of its 200 ms taking 12,600 of them. Long-running commands get huge pages
// by executing again with glibc's tunable (huge_page_malloc.h); a query
// cannot afford that (~20 ms), so it prepares its heap from inside.
//
// PrepareQueryHeap keeps every allocation in glibc's main heap (no mapping
// of its own for a large block, nothing given back on free), then allocates
// `bytes`, asks for transparent huge pages over them (MADV_HUGEPAGE), has
// the kernel populate them (MADV_POPULATE_WRITE, Linux 5.14) and frees them:
// what the query allocates afterwards reuses those pages. The process keeps
// that memory until it exits, which a query soon does. Never in a process
// that runs on (serve, http): it keeps all freed memory for good. Replay,
// which also calls it, measured the same with it (6 alternated pairs, wall
// time ratio 0.97) and already runs with glibc's huge pages.
#ifndef HOSO_TOOLS_HOSO_QUERY_HEAP_H_
#define HOSO_TOOLS_HOSO_QUERY_HEAP_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hoso::tools {

// The bytes to prepare for a query of a database whose write-ahead log
// files hold `wal_bytes` (what a read-only open replays into memory): 16 MiB
// for reading tables, plus twice the log (the record string at its doubled
// capacity, and the batch copy), at most 256 MiB.
[[nodiscard]] size_t QueryHeapBytes(uint64_t wal_bytes);

// What PrepareQueryHeap did: the bytes the kernel populated (0 when it could
// not: not Linux with glibc, a kernel before 5.14, or less memory left than
// four times `bytes`), and whether the kernel took the advice to back them
// with huge pages (it may still give 4 KB pages where it has none).
struct QueryHeap {
  size_t populated_bytes = 0;
  bool huge_pages_advised = false;
};

// Prepares the heap as above. Only the first call in a process acts; later
// ones return what it did. It prepares nothing when `bytes` is more than a
// quarter of the memory left: the system's free memory, and what the
// process's cgroups still allow (CgroupRoomBytes), so that a query in a
// container with a small memory limit is not killed for memory it may never
// have used.
QueryHeap PrepareQueryHeap(size_t bytes);

// The room left under the memory limits of the cgroups a process is in:
// the smallest (limit - usage) over its cgroup and every ancestor, with
// cgroup v2 (memory.max, memory.current; mounted at `root` or at
// `root`/unified) and v1 (memory/…/memory.limit_in_bytes,
// memory.usage_in_bytes). `proc_cgroup` is the text of /proc/self/cgroup,
// `root` where cgroupfs is mounted (/sys/fs/cgroup). nullopt when no limit
// is set or none can be read.
[[nodiscard]] std::optional<uint64_t> CgroupRoomBytes(std::string_view proc_cgroup,
                                                      const std::string& root);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_QUERY_HEAP_H_
