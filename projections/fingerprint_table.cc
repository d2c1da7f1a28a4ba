#include "projections/fingerprint_table.h"

#include <bit>

namespace hoso::projections {

void FingerprintTable::Insert(uint64_t fingerprint, uint64_t value) {
  if ((size_ + 1) * 2 > slots_.size()) Grow(slots_.empty() ? 1024 : slots_.size() * 2);
  const uint64_t fp = Normalize(fingerprint);
  size_t i = Home(fp);
  while (slots_[i].fingerprint != 0) i = (i + 1) & mask_;
  slots_[i] = Slot{fp, value};
  ++size_;
}

bool FingerprintTable::Contains(uint64_t fingerprint) const {
  bool found = false;
  ForEach(fingerprint, [&](uint64_t) {
    found = true;
    return false;
  });
  return found;
}

void FingerprintTable::Reserve(size_t entries) {
  if (entries * 2 > slots_.size()) Grow(std::bit_ceil(entries * 2));
}

void FingerprintTable::Grow(size_t capacity) {
  std::vector<Slot, PopulatedAllocator<Slot>> old = std::move(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  shift_ = 64 - std::countr_zero(capacity);
  for (const Slot& slot : old) {
    if (slot.fingerprint == 0) continue;
    size_t i = Home(slot.fingerprint);
    while (slots_[i].fingerprint != 0) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
}

}  // namespace hoso::projections
