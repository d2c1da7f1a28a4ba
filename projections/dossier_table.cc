#include "projections/dossier_table.h"

#include <bit>

#include "projections/event_log.h"

namespace hoso::projections {

uint32_t DossierTable::Hash(std::string_view id) { return HashOfFingerprint(Fingerprint(id)); }

uint32_t DossierTable::Find(std::string_view dossier_id, uint32_t hash) const {
  if (buckets_.empty()) return kNone;
  const size_t mask = buckets_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const uint64_t bucket = buckets_[i];
    if (bucket == kEmpty) return kNone;
    if (bucket == kTombstone || static_cast<uint32_t>(bucket >> 32) != hash) continue;
    const uint32_t handle = static_cast<uint32_t>(bucket);
    if (id(handle) == dossier_id) return handle;
  }
}

bool DossierTable::PrefetchSlot(uint32_t hash) const {
  if (buckets_.empty()) return false;
  const size_t mask = buckets_.size() - 1;
  // A few buckets at most: the table is at most half full.
  for (size_t i = hash & mask, probes = 0; probes < 4; i = (i + 1) & mask, ++probes) {
    const uint64_t bucket = buckets_[i];
    if (bucket == kEmpty) return false;
    if (bucket == kTombstone || static_cast<uint32_t>(bucket >> 32) != hash) continue;
    __builtin_prefetch(&slot(static_cast<uint32_t>(bucket)));
    return true;
  }
  return true;  // not settled within the probes looked at
}

uint32_t DossierTable::Insert(std::string_view dossier_id, uint32_t hash) {
  if ((used_buckets_ + 1) * 2 > buckets_.size()) {
    Rehash(std::max<size_t>(1024, std::bit_ceil((live_ + 1) * 4)));
  }
  uint32_t handle;
  if (!free_.empty()) {
    handle = free_.back();
    free_.pop_back();
  } else {
    handle = slot_count_++;
    if ((handle >> kChunkBits) == chunks_.size()) {
      chunks_.push_back(std::make_unique<Slot[]>(size_t{1} << kChunkBits));
    }
  }
  Slot& s = slot(handle);
  const uint32_t generation = s.generation;
  s = Slot{};
  s.generation = generation;
  s.live = true;
  s.hash = hash;
  s.id_offset = static_cast<uint32_t>(arena_.size());
  s.id_length = static_cast<uint32_t>(dossier_id.size());
  arena_.append(dossier_id);
  const size_t mask = buckets_.size() - 1;
  size_t i = s.hash & mask;
  while (!Free(buckets_[i])) i = (i + 1) & mask;
  if (buckets_[i] == kEmpty) ++used_buckets_;
  buckets_[i] = Bucket(handle, s.hash);
  ++live_;
  return handle;
}

void DossierTable::Erase(uint32_t handle) {
  Slot& slot = this->slot(handle);
  const size_t mask = buckets_.size() - 1;
  const uint64_t bucket = Bucket(handle, slot.hash);
  for (size_t i = slot.hash & mask;; i = (i + 1) & mask) {
    if (buckets_[i] == bucket) {
      buckets_[i] = kTombstone;
      break;
    }
  }
  arena_garbage_ += slot.id_length;
  slot.live = false;
  slot.state = core::DossierState{};
  ++slot.generation;
  free_.push_back(handle);
  --live_;
  if (arena_garbage_ > (size_t{1} << 20) && arena_garbage_ * 2 > arena_.size()) CompactArena();
}

void DossierTable::Rehash(size_t buckets) {
  buckets_.assign(buckets, kEmpty);
  used_buckets_ = 0;
  const size_t mask = buckets - 1;
  for (uint32_t h = 0; h < slot_count_; ++h) {
    if (!slot(h).live) continue;
    size_t i = slot(h).hash & mask;
    while (buckets_[i] != kEmpty) i = (i + 1) & mask;
    buckets_[i] = Bucket(h, slot(h).hash);
    ++used_buckets_;
  }
}

void DossierTable::CompactArena() {
  std::string compact;
  compact.reserve(arena_.size() - arena_garbage_);
  for (uint32_t h = 0; h < slot_count_; ++h) {
    Slot& s = slot(h);
    if (!s.live) continue;
    const uint32_t offset = static_cast<uint32_t>(compact.size());
    compact.append(arena_, s.id_offset, s.id_length);
    s.id_offset = offset;
  }
  arena_ = std::move(compact);
  arena_garbage_ = 0;
}

}  // namespace hoso::projections
