// FingerprintTable: an open-addressing multimap from 64-bit fingerprints to
// 64-bit values, for the engine's "seen before?" indexes (event ids -> the
// sequence of the logged event, dossier ids). A fingerprint absent from the
// table proves the id absent; a present one is only a candidate, which the
// caller confirms against the stored id (dedup stays exact). Entries are
// never removed. 16 bytes per entry at a load factor of at most 1/2.
// Not thread-safe.
#ifndef HOSO_PROJECTIONS_FINGERPRINT_TABLE_H_
#define HOSO_PROJECTIONS_FINGERPRINT_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "projections/populated_allocator.h"

namespace hoso::projections {

class FingerprintTable {
 public:
  void Insert(uint64_t fingerprint, uint64_t value);
  bool Contains(uint64_t fingerprint) const;
  // Calls visit(value) for each entry with `fingerprint`; stops early when it
  // returns false.
  template <typename Visit>
  void ForEach(uint64_t fingerprint, Visit&& visit) const {
    if (slots_.empty()) return;
    const uint64_t fp = Normalize(fingerprint);
    for (size_t i = Home(fp);; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.fingerprint == 0) return;
      if (slot.fingerprint == fp && !visit(slot.value)) return;
    }
  }
  size_t size() const { return size_; }
  void Reserve(size_t entries);
  // A hint for a lookup or insert of `fingerprint` soon: requests its home
  // slot's cache line. Changes nothing.
  void Prefetch(uint64_t fingerprint) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Home(Normalize(fingerprint))]);
  }

 private:
  struct Slot {
    uint64_t fingerprint = 0;  // 0: empty
    uint64_t value = 0;
  };
  static uint64_t Normalize(uint64_t fingerprint) { return fingerprint == 0 ? 1 : fingerprint; }
  size_t Home(uint64_t fp) const {
    return static_cast<size_t>((fp * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void Grow(size_t capacity);

  std::vector<Slot, PopulatedAllocator<Slot>> slots_;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t size_ = 0;
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_FINGERPRINT_TABLE_H_
