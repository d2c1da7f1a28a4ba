// TimerQueue: the pending timers of every open dossier, ordered by fire
// instant (docs/alerts.md). Timers are derived from dossier states
// (DossierStateMachine::PendingTimers); the queue only orders them. An entry
// is never removed when its dossier changes: the engine checks each entry it
// pops against the dossier's current state (lazy invalidation) and rebuilds
// the queue when stale entries outnumber live ones, so a change costs a push,
// not a search. Ties fire in a deterministic order: by kind, appointment and
// the dossier's first log sequence (never by memory address or slot).
// Not thread-safe.
//
// Layout: a radix heap over fires_at. The engine pops in fire order while it
// pushes mostly later timers, and a binary heap of a million entries (stale
// ones included) missed the cache at nearly every level of each pop
// (BENCHMARKS.md, twenty-second session). Here an entry later than the last
// minute handed out waits in the bucket of the highest bit in which its
// minute differs from that one, appended in push order; once the entries at
// or before that minute are gone, the lowest non-empty bucket is spread over
// lower buckets around its earliest minute, and that minute's entries go to a
// small binary heap that orders ties. Each entry is thus moved at most once
// per bit, by sequential scans, and the order is exactly the one above.
#ifndef HOSO_PROJECTIONS_TIMER_QUEUE_H_
#define HOSO_PROJECTIONS_TIMER_QUEUE_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <queue>
#include <utility>
#include <vector>

#include "engine/core/alert.h"

namespace hoso::projections {

struct TimerEntry {
  core::LocalMinute fires_at;
  core::AlertKind kind = core::AlertKind::kOverdue;
  core::LocalMinute due_at;
  uint64_t dossier_order = 0;  // the dossier's first log sequence
  uint32_t handle = 0;         // the dossier's slot in the engine's table
  uint32_t generation = 0;     // the slot's generation when pushed
  core::TimerSpec spec() const { return core::TimerSpec{kind, fires_at, due_at}; }
};

class TimerQueue {
 public:
  TimerQueue() = default;
  // A moved-from queue is empty and usable.
  TimerQueue(TimerQueue&& other) noexcept { *this = std::move(other); }
  TimerQueue& operator=(TimerQueue&& other) noexcept {
    if (this == &other) return *this;  // the buckets point into blocks_
    buckets_ = std::exchange(other.buckets_, {});
    free_ = std::exchange(other.free_, nullptr);
    blocks_ = std::move(other.blocks_);
    other.blocks_.clear();
    due_ = std::exchange(other.due_, {});
    last_minute_ = std::exchange(other.last_minute_, 0);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  void Push(const TimerEntry& entry) {
    const uint64_t minute = MinuteKey(entry);
    // At or before the last minute handed out (a timer already due when it
    // is scheduled): straight among the ties being handed out.
    if (minute <= last_minute_) {
      due_.push(entry);
    } else {
      Append(BucketOf(minute), entry);
    }
    ++size_;
  }
  bool empty() const { return size_ == 0; }
  // The earliest entry. REQUIRES: !empty().
  const TimerEntry& top() {
    if (due_.empty()) Spread();
    return due_.top();
  }
  // Removes top(). REQUIRES: !empty().
  void Pop() {
    if (due_.empty()) Spread();
    due_.pop();
    --size_;
  }
  size_t size() const { return size_; }
  // Empties the queue; its blocks are kept for the next pushes.
  void Clear() {
    for (Block*& head : buckets_) {
      while (head != nullptr) head = Release(head);
    }
    due_ = {};
    last_minute_ = 0;
    size_ = 0;
  }

 private:
  struct Later {
    bool operator()(const TimerEntry& a, const TimerEntry& b) const {
      if (a.fires_at != b.fires_at) return a.fires_at > b.fires_at;
      if (a.kind != b.kind) return a.kind > b.kind;
      if (a.due_at != b.due_at) return a.due_at > b.due_at;
      return a.dossier_order > b.dossier_order;
    }
  };
  // Buckets are lists of fixed blocks from one pool, so that the blocks a
  // spread bucket gives back fill the lower ones at once: the queue's memory
  // follows the number of entries, not the sum of every bucket's largest
  // size (separate vectors kept ~2.5 times as much, all of it fresh pages
  // the kernel zeroes, which cost what the radix heap saved).
  static constexpr uint32_t kBlockEntries = 100;  // ~4 KB
  struct Block {
    Block* next = nullptr;
    uint32_t count = 0;
    TimerEntry entries[kBlockEntries];
  };

  // fires_at as an unsigned key of the same order.
  static uint64_t MinuteKey(const TimerEntry& entry) {
    return static_cast<uint64_t>(entry.fires_at.value) ^ (uint64_t{1} << 63);
  }
  // 1..64: one more than the highest bit where `minute` differs from the
  // last minute handed out. REQUIRES: minute > last_minute_.
  int BucketOf(uint64_t minute) const { return 64 - __builtin_clzll(minute ^ last_minute_); }

  void Append(int bucket, const TimerEntry& entry) {
    Block* head = buckets_[bucket];
    if (head == nullptr || head->count == kBlockEntries) {
      Block* block;
      if (free_ != nullptr) {
        block = free_;
        free_ = block->next;
      } else {
        blocks_.push_back(std::make_unique<Block>());
        block = blocks_.back().get();
      }
      block->next = head;
      block->count = 0;
      buckets_[bucket] = head = block;
    }
    head->entries[head->count++] = entry;
  }
  // Returns `block` to the pool; its successor.
  Block* Release(Block* block) {
    Block* next = block->next;
    block->next = free_;
    free_ = block;
    return next;
  }

  // Moves the earliest minute's entries into due_. Every entry in a bucket
  // is later than last_minute_, and the new last minute (the earliest in the
  // lowest non-empty bucket) shares every bit above that bucket's with the
  // old one: the other buckets stay valid, and this bucket's entries land in
  // lower ones. REQUIRES: due_.empty(), !empty().
  void Spread() {
    size_t lowest = 1;
    while (buckets_[lowest] == nullptr) ++lowest;
    uint64_t earliest = UINT64_MAX;
    for (const Block* block = buckets_[lowest]; block != nullptr; block = block->next) {
      for (uint32_t i = 0; i < block->count; ++i) {
        earliest = std::min(earliest, MinuteKey(block->entries[i]));
      }
    }
    last_minute_ = earliest;
    Block* block = buckets_[lowest];
    buckets_[lowest] = nullptr;
    while (block != nullptr) {
      for (uint32_t i = 0; i < block->count; ++i) {
        const TimerEntry& entry = block->entries[i];
        const uint64_t minute = MinuteKey(entry);
        if (minute == earliest) {
          due_.push(entry);
        } else {
          Append(BucketOf(minute), entry);
        }
      }
      block = Release(block);
    }
  }

  // buckets_[b] (b >= 1): entries whose minute first differs from
  // last_minute_ at bit b - 1, newest block first; buckets_[0] stays empty.
  std::array<Block*, 65> buckets_{};
  Block* free_ = nullptr;
  std::vector<std::unique_ptr<Block>> blocks_;  // every block, in use or free
  // Entries at or before last_minute_, in fire order.
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, Later> due_;
  uint64_t last_minute_ = 0;
  size_t size_ = 0;
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_TIMER_QUEUE_H_
