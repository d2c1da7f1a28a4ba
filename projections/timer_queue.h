// TimerQueue: the pending timers of every open dossier, ordered by fire
// instant (docs/alerts.md). Timers are derived from dossier states
// (DossierStateMachine::PendingTimers); the queue only orders them. An entry
// is never removed when its dossier changes: the engine checks each entry it
// pops against the dossier's current state (lazy invalidation) and rebuilds
// the queue when stale entries outnumber live ones, so a change costs a push,
// not a search. Ties fire in a deterministic order: by kind, appointment and
// the dossier's first log sequence (never by memory address or slot).
// Not thread-safe.
#ifndef HOSO_PROJECTIONS_TIMER_QUEUE_H_
#define HOSO_PROJECTIONS_TIMER_QUEUE_H_

#include <cstdint>
#include <queue>
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
  void Push(const TimerEntry& entry) { heap_.push(entry); }
  bool empty() const { return heap_.empty(); }
  const TimerEntry& top() const { return heap_.top(); }
  void Pop() { heap_.pop(); }
  size_t size() const { return heap_.size(); }
  void Clear() { heap_ = {}; }

 private:
  struct Later {
    bool operator()(const TimerEntry& a, const TimerEntry& b) const {
      if (a.fires_at != b.fires_at) return a.fires_at > b.fires_at;
      if (a.kind != b.kind) return a.kind > b.kind;
      if (a.due_at != b.due_at) return a.due_at > b.due_at;
      return a.dossier_order > b.dossier_order;
    }
  };
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, Later> heap_;
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_TIMER_QUEUE_H_
