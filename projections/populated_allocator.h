// PopulatedAllocator: a std::allocator for large tables whose every page is
// written soon after it is allocated (hash tables, arrays sized up front).
//
// An allocation of kPopulateMinBytes or more is a MapLarge mapping
// (large_mapping.h): huge pages, supplied in one call instead of one page
// fault on the first touch of each 4 KB page. On the reference virtual
// machine a first-touch fault costs about 15 us, and a huge page about 0.15
// ms for 2 MB (BENCHMARKS.md, "Page faults", "Huge pages"), so a table of 64
// MB costs ~0.25 s of faults the first way and ~5 ms the second. Smaller
// allocations use std::allocator. The memory is zero-filled.
//
// Thread-safety: stateless, like std::allocator.
#ifndef HOSO_PROJECTIONS_POPULATED_ALLOCATOR_H_
#define HOSO_PROJECTIONS_POPULATED_ALLOCATOR_H_

#include <cstddef>
#include <memory>
#include <new>

#include "projections/large_mapping.h"

namespace hoso::projections {

inline constexpr size_t kPopulateMinBytes = size_t{1} << 20;

template <typename T>
class PopulatedAllocator {
 public:
  using value_type = T;

  PopulatedAllocator() noexcept = default;
  template <typename U>
  PopulatedAllocator(const PopulatedAllocator<U>&) noexcept {}  // NOLINT: rebinding

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kPopulateMinBytes) return std::allocator<T>().allocate(n);
    void* mapped = MapLarge(bytes);
    if (mapped == nullptr) throw std::bad_alloc();
    return static_cast<T*>(mapped);
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kPopulateMinBytes) {
      std::allocator<T>().deallocate(p, n);
      return;
    }
    UnmapLarge(p, bytes);
  }

  template <typename U>
  bool operator==(const PopulatedAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_POPULATED_ALLOCATOR_H_
