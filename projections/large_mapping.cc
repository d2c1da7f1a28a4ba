#include "projections/large_mapping.h"

#include <sys/mman.h>

#include <cstdint>

namespace hoso::projections {

void* MapLarge(size_t bytes) {
  const size_t size = LargeMappingBytes(bytes);
  // One huge page more than needed, to cut an aligned range out of it.
  void* raw = ::mmap(nullptr, size + kHugePageBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t raw_start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (raw_start + kHugePageBytes - 1) & ~uintptr_t{kHugePageBytes - 1};
  const size_t head = start - raw_start;
  if (head > 0) ::munmap(raw, head);
  if (head < kHugePageBytes) {
    ::munmap(reinterpret_cast<void*>(start + size), kHugePageBytes - head);
  }
  void* memory = reinterpret_cast<void*>(start);
  // Advice only: without huge pages (THP off, none free) the range is made
  // of ordinary pages, and without MADV_POPULATE_WRITE (Linux < 5.14) they
  // are supplied on first touch.
  ::madvise(memory, size, MADV_HUGEPAGE);
  ::madvise(memory, size, MADV_POPULATE_WRITE);
  return memory;
}

void UnmapLarge(void* memory, size_t bytes) { ::munmap(memory, LargeMappingBytes(bytes)); }

}  // namespace hoso::projections
