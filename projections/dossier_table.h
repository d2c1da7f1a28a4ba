// DossierTable: the dossier states the engine works on, in memory (docs/
// storage.md "Dossier states"): every open dossier, and finished ones until
// the checkpoint that stores them is durable. Each dossier has a compact
// slot (a handle) found by id through an open-addressing index over an id
// arena, so looking up a dossier allocates nothing and a state never moves
// (slots live in chunks of 4,096 that are never reallocated). A freed slot is
// reused; its generation changes, so a handle kept elsewhere (the timer
// queue) can tell.
// Not thread-safe.
#ifndef HOSO_PROJECTIONS_DOSSIER_TABLE_H_
#define HOSO_PROJECTIONS_DOSSIER_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/dossier_state.h"
#include "projections/populated_allocator.h"

namespace hoso::projections {

class DossierTable {
 public:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  // The hash Find and the prefetch hints below use: the id's fingerprint
  // (projections/event_log.h, which the engine's dedup indexes use too)
  // folded to 32 bits, so an engine that has the fingerprint hashes no id
  // twice. Hash(id) == HashOfFingerprint(Fingerprint(id)).
  static uint32_t Hash(std::string_view id);
  static uint32_t HashOfFingerprint(uint64_t fingerprint) {
    return static_cast<uint32_t>(fingerprint ^ (fingerprint >> 32));
  }
  // The handle of `dossier_id`, or kNone. REQUIRES: hash == Hash(dossier_id)
  // where given.
  uint32_t Find(std::string_view dossier_id) const { return Find(dossier_id, Hash(dossier_id)); }
  uint32_t Find(std::string_view dossier_id, uint32_t hash) const;
  // Hints for a Find of an id with hash `hash` a few events ahead: the engine
  // is bound by trips to memory, and a lookup takes up to three in a row
  // (bucket, slot, id). PrefetchBucket requests the bucket; PrefetchSlot,
  // called once the bucket is likely in, the slot of the first bucket whose
  // hash matches; it returns false when the bucket shows that no such id is
  // in the table. Neither changes what a lookup returns.
  void PrefetchBucket(uint32_t hash) const {
    if (!buckets_.empty()) __builtin_prefetch(&buckets_[hash & (buckets_.size() - 1)]);
  }
  bool PrefetchSlot(uint32_t hash) const;
  // Hints for an Erase of `handle` soon, which reads its slot and then its
  // bucket: PrefetchHandle requests the slot; PrefetchErase, called once the
  // slot is likely in, the bucket. REQUIRES: handle < slots made so far.
  void PrefetchHandle(uint32_t handle) const { __builtin_prefetch(&slot(handle)); }
  void PrefetchErase(uint32_t handle) const { PrefetchBucket(slot(handle).hash); }
  // A new slot with a default state. REQUIRES: Find(dossier_id) == kNone,
  // and hash == Hash(dossier_id) where given.
  uint32_t Insert(std::string_view dossier_id) { return Insert(dossier_id, Hash(dossier_id)); }
  uint32_t Insert(std::string_view dossier_id, uint32_t hash);
  // Frees a slot (its generation changes). REQUIRES: live(handle).
  void Erase(uint32_t handle);

  bool live(uint32_t handle) const { return handle < slot_count_ && slot(handle).live; }
  core::DossierState& state(uint32_t handle) { return slot(handle).state; }
  const core::DossierState& state(uint32_t handle) const { return slot(handle).state; }
  std::string_view id(uint32_t handle) const {
    const Slot& s = slot(handle);
    return std::string_view(arena_).substr(s.id_offset, s.id_length);
  }
  uint32_t generation(uint32_t handle) const { return slot(handle).generation; }
  // Per-slot marks for the engine's bookkeeping (the last batch and
  // checkpoint interval that touched the dossier); reset by Insert.
  uint64_t& batch_mark(uint32_t handle) { return slot(handle).batch_mark; }
  uint64_t& checkpoint_mark(uint32_t handle) { return slot(handle).checkpoint_mark; }
  // Whether a checkpoint stored the dossier among the open ones (its record
  // must then be deleted there when it is stored as finished).
  bool& stored_open(uint32_t handle) { return slot(handle).stored_open; }

  size_t size() const { return live_; }
  // Calls f(handle) for every live slot.
  template <typename F>
  void ForEach(F&& f) const {
    for (uint32_t h = 0; h < slot_count_; ++h) {
      if (slot(h).live) f(h);
    }
  }

 private:
  // What a lookup reads (the id's place) comes first, in the cache line of
  // the state's start.
  struct Slot {
    uint32_t id_offset = 0;
    uint32_t id_length = 0;
    uint32_t hash = 0;
    uint32_t generation = 0;
    bool live = false;
    bool stored_open = false;
    uint64_t batch_mark = 0;
    uint64_t checkpoint_mark = 0;
    core::DossierState state;
  };
  // A bucket: the slot handle in the low half and the id's hash in the high
  // half, so a probe past other ids reads no slot. Empty and tombstone
  // buckets carry no hash (no handle comes near 2^32 - 2: slots take
  // ~300 bytes each).
  static constexpr uint64_t kEmpty = 0xFFFFFFFFu;
  static constexpr uint64_t kTombstone = 0xFFFFFFFEu;
  static uint64_t Bucket(uint32_t handle, uint32_t hash) { return (uint64_t{hash} << 32) | handle; }
  static bool Free(uint64_t bucket) { return bucket == kEmpty || bucket == kTombstone; }
  void Rehash(size_t buckets);
  void CompactArena();

  static constexpr uint32_t kChunkBits = 12;
  Slot& slot(uint32_t handle) {
    return chunks_[handle >> kChunkBits][handle & ((1u << kChunkBits) - 1)];
  }
  const Slot& slot(uint32_t handle) const {
    return chunks_[handle >> kChunkBits][handle & ((1u << kChunkBits) - 1)];
  }

  std::vector<std::unique_ptr<Slot[]>> chunks_;
  uint32_t slot_count_ = 0;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
  std::string arena_;  // the ids of the slots, back to back
  size_t arena_garbage_ = 0;
  // Bucket(handle, hash), kEmpty or kTombstone.
  std::vector<uint64_t, PopulatedAllocator<uint64_t>> buckets_;
  size_t used_buckets_ = 0;  // live + tombstones
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_DOSSIER_TABLE_H_
