// DossierState: what the engine knows about one dossier after the events
// applied so far. A fixed-size value (ids are IdTable handles), so the engine
// keeps every open dossier in memory without an allocation per dossier and
// copies one in a few hundred bytes; stored (encoded) in the dossier
// projection (projections/dossier_record.h).
#ifndef HOSO_ENGINE_CORE_DOSSIER_STATE_H_
#define HOSO_ENGINE_CORE_DOSSIER_STATE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "engine/core/alert.h"
#include "engine/core/deadline_rules.h"
#include "engine/core/event.h"
#include "engine/core/id_table.h"
#include "engine/core/instant.h"

namespace hoso::core {

enum class DossierStatus { kOpen = 0, kPaused = 1, kFinished = 2 };
enum class FinishKind { kNone = 0, kResolved = 1, kWithdrawn = 2, kRejected = 3 };
std::string_view DossierStatusName(DossierStatus status);
std::string_view FinishKindName(FinishKind kind);

// How far a feedback (PAKN) chain got; kNone for dossiers and dialogues.
enum class FeedbackStage { kNone = 0, kReceived = 1, kAnswered = 2, kPublished = 3 };
std::string_view FeedbackStageName(FeedbackStage stage);  // "received", …; "none"

// The alerts a dossier has raised, as a set of kinds per appointment
// (due_at): an alert id (dossier, kind, due_at) is raised once, even when its
// timer comes back (a late dossier resumed with the same appointment, an
// appointment set again, a third apology). Three appointments are kept
// inline; more (rare: several supplement cycles each raising alerts) spill
// to the heap.
class RaisedLedger {
 public:
  struct Slot {
    LocalMinute due_at;
    uint8_t kinds = 0;  // bit 1 << AlertKind
    bool operator==(const Slot&) const = default;
  };
  bool Has(AlertKind kind, LocalMinute due_at) const;
  void Add(AlertKind kind, LocalMinute due_at);
  // Every slot, inline ones first, in the order they were added.
  std::vector<Slot> Slots() const;
  size_t size() const { return inline_count_ + overflow_.size(); }
  const Slot& slot(size_t i) const {
    return i < inline_count_ ? inline_[i] : overflow_[i - inline_count_];
  }
  bool operator==(const RaisedLedger&) const = default;

 private:
  Slot* Find(LocalMinute due_at);
  const Slot* Find(LocalMinute due_at) const;
  std::array<Slot, 3> inline_{};
  uint8_t inline_count_ = 0;
  std::vector<Slot> overflow_;
};

struct DossierState {
  DossierStatus status = DossierStatus::kOpen;
  FinishKind finish = FinishKind::kNone;

  // Reception; the KPI agency is the unit that received the dossier. Ids are
  // handles of the caller's IdTable.
  uint32_t receiving_agency = IdTable::kNone;
  uint32_t holder_agency = IdTable::kNone;  // changes with transfers
  uint32_t procedure = IdTable::kNone;
  Channel channel = Channel::kDirect;
  int32_t online_level = 0;
  bool one_stop = true;
  Instant received_at;
  LocalMinute effective_start;
  LocalMinute initial_due_at;  // the appointment set at reception
  int64_t budget_minutes = 0;  // working minutes [effective_start, initial_due_at)

  // The appointment in force (pause-adjusted), and the fire instants of its
  // timers, computed when it is set (docs/alerts.md): due_soon and apology_due
  // only when the budget exceeds the lead.
  LocalMinute due_at;
  bool lead_timers = false;
  LocalMinute due_soon_fires_at;
  LocalMinute apology_due_fires_at;

  // Pause (supplement requested) bookkeeping.
  LocalMinute paused_at;
  int64_t remaining_minutes = 0;  // working minutes left when paused
  bool paused_late = false;       // paused at or after due_at: stays late
  int32_t supplement_requests = 0;

  // Apologies: only the first counts for standing.
  int32_t apology_count = 0;
  bool first_apology_timely = false;
  LocalMinute promised_due_at;  // new_due_at of the first apology

  bool overdue_logged = false;  // an `overdue` event is in the log

  // Finish.
  Instant finished_at;        // occurred_at of the finishing event
  LocalMinute classified_at;  // e of docs/time-rules.md (pause instant if resolved while paused)
  Classification classification = Classification::kOnTime;  // for kResolved only

  Instant last_event_at;  // occurred_at of the last applied event (derived ones excluded)
  // The input partition the dossier's events arrive on (its first event's;
  // all of a dossier's events share its key, hence its partition), or -1
  // when unknown (a record written before partitions were kept). Maintained
  // by the runtime: it decides which instance's clock fires the dossier's
  // timers (docs/scale.md).
  int32_t input_partition = -1;
  uint32_t event_count = 0;  // events in the log; the next event's sequence number

  // Maintained by the runtime: the log sequence numbers of the dossier's
  // first and last logged events, and the SHA-256 chain head after the last.
  uint64_t first_log_sequence = 0;
  uint64_t last_log_sequence = 0;
  std::array<uint8_t, 32> chain_head{};

  RaisedLedger raised;

  // Feedback (PAKN) chains only (docs/plan-targets.md "Feedback and petitions (PAKN)").
  // The other fields keep their meaning where it carries over: received_at,
  // effective_start, due_at (the answer's 15-working-day deadline, which the
  // timers watch), budget_minutes, lead_timers, due_soon_fires_at;
  // classified_at and classification: the answer, against the deadline of its
  // outcome; promised_due_at: the publication deadline (2 working days after
  // the answer). status: open until answered, then paused (nothing the
  // timers watch), finished once published and rated.
  FeedbackStage feedback_stage = FeedbackStage::kNone;
  FeedbackChannel feedback_channel = FeedbackChannel::kOnline;
  bool feedback_rated = false;

  bool is_feedback() const { return feedback_stage != FeedbackStage::kNone; }
  bool is_open() const { return status != DossierStatus::kFinished; }
  bool operator==(const DossierState&) const = default;
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_DOSSIER_STATE_H_
