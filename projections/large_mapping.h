// Large anonymous memory (hash tables sized up front, segment decompression
// buffers) in transparent huge pages where the kernel gives them.
//
// Why: on the reference virtual machine the first write to a 4 KB page costs
// about 4.5 us even when MAP_POPULATE supplied it (presumably the hypervisor
// mapping the page then), and about 15 us when it did not: 3 MB of
// fresh pages took 3.6 ms to write once populated, 45 us the second time.
// A 2 MB huge page costs one such step: 2 MB took 0.15 ms (BENCHMARKS.md,
// "Huge pages"). The kernel's transparent_hugepage setting `madvise` (the
// reference machine's) or `always` honours the advice; `never` ignores it,
// and a kernel before 5.14 ignores the prefault: both still work, slower.
//
// MapLarge rounds `bytes` up to whole huge pages (2 MB) and aligns the
// mapping on one, advises huge pages and prefaults them writable. The memory
// is zero-filled. nullptr when the mapping fails. UnmapLarge takes the same
// `bytes`.
//
// Thread-safety: both are safe from any thread.
#ifndef HOSO_PROJECTIONS_LARGE_MAPPING_H_
#define HOSO_PROJECTIONS_LARGE_MAPPING_H_

#include <cstddef>

namespace hoso::projections {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// The bytes a mapping of `bytes` spans: whole huge pages.
constexpr size_t LargeMappingBytes(size_t bytes) {
  return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
}

void* MapLarge(size_t bytes);
void UnmapLarge(void* memory, size_t bytes);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_LARGE_MAPPING_H_
