// DossierStateMachine: applies one validated event to a dossier's state
// (docs/events.md transitions, docs/time-rules.md, docs/kpis.md counters, docs/alerts.md timers).
//
//   event                                 from            to
//   received                              (new)           open
//   transferred, apologized, overdue      open, paused    unchanged
//   supplement_requested                  open            paused
//   supplement_received                   paused          open
//   resolved, withdrawn, rejected         open, paused    finished
//   dialogue_held                         (new)           finished (a one-event chain)
//   feedback_received                     (new)           open (stage received)
//   feedback_answered                     received        answered (status paused)
//   feedback_published                    answered        published
//   feedback_rated                        answered, published (once)
//   (a feedback published and rated is finished)
//
// Rejections, in the order they are checked: unknown_procedure
// (CheckProcedure, before the duplicate check done by the caller), then
// unknown_dossier, bad_transition, time_travel, calendar_range. A
// dialogue_held: bad_transition (its dialogue_id was recorded before),
// unknown_agency (not in the agency list, when one is given), time_travel
// (held_on after the local date of occurred_at: recorded before it was held).
// It counts kDialoguesHeld in the month of held_on, only when its topic is
// administrative procedures. A feedback_* event (ApplyFeedback): unknown_agency
// (feedback_received), unknown_dossier (any other before it), bad_transition
// (received twice, answered twice, published before the answer or twice,
// rated before the answer or twice), time_travel (before its last event),
// calendar_range. Its deadlines (766/QĐ-TTg indicator 5.2) are those of a
// dossier's `processing: working_days` rule: the answer within 15 working
// days of receipt (a rejection within 2), publication within 2 of the
// answer; late when after them. Timers: feedback_due_soon and
// feedback_overdue against the 15-day deadline, until answered.
//
// The state is changed in place and only on success; what else the event
// causes (KPI increments, an alert raised at once) comes back as Effects,
// with bounded sizes and no allocation. Timers are not stored: which are
// pending follows from the state (PendingTimers), so a caller re-reads them
// whenever Effects::timers_changed.
//
// Pure: no I/O, no clock; the caller supplies state and time. Immutable after
// construction and safe to share between threads. The calendar and catalog
// must outlive the state machine.
#ifndef HOSO_ENGINE_CORE_DOSSIER_STATE_MACHINE_H_
#define HOSO_ENGINE_CORE_DOSSIER_STATE_MACHINE_H_

#include <optional>
#include <string>

#include "engine/core/alert.h"
#include "engine/core/dossier_state.h"
#include "engine/core/event.h"
#include "engine/core/id_table.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/reference_data.h"
#include "engine/core/rejection.h"
#include "engine/core/small_vector.h"
#include "engine/core/working_calendar.h"

namespace hoso::core {

struct StateMachineOptions {
  // due_soon fires this many working minutes before due_at, and only for
  // dossiers whose budget exceeds it (docs/alerts.md). Default: 540 (one day).
  int64_t due_soon_lead_minutes = 540;
};

// One counter increment for the dossier's (receiving agency, procedure).
struct CounterIncrement {
  int month_key = 0;  // yyyymm, local
  KpiField field = KpiField::kReceived;
};

struct Effects {
  bool duplicate = false;  // a second `overdue`: counted as duplicate, not logged, state unchanged
  SmallVector<CounterIncrement, 8> counters;
  SmallVector<AlertSpec, 1> alerts;  // raised at once (apology_violation)
  bool timers_changed = false;       // the pending timers may differ: re-read PendingTimers
};

// What firing one timer does.
struct FireResult {
  SmallVector<AlertSpec, 2> alerts;  // overdue comes with apology_missing
  bool derive_overdue = false;       // log the engine's own `overdue` event (DerivedOverdue)
};

class DossierStateMachine {
 public:
  // `agencies` (may be null: no check) must outlive the state machine too;
  // agency events from a unit not in it are rejected (dossier events are not
  // checked: docs/decisions.md).
  DossierStateMachine(const WorkingCalendar* calendar, const ProcedureCatalog* catalog,
                      StateMachineOptions options = {}, const AgencyList* agencies = nullptr);

  // unknown_procedure: a `received` event without due_at or processing whose
  // procedure is not in the catalog. True when the event passes.
  bool CheckProcedure(const Event& event, Rejection* rejection) const;

  // Applies `event` to `*state` (a dossier never seen when `is_new`; the
  // state's content is then ignored). On success returns true, updates
  // `*state` and fills `*effects`; otherwise returns false with `*state`
  // unchanged and fills `*rejection`. Agency and procedure ids are interned
  // in `ids`. `derived` marks an event the engine made itself (an `overdue`
  // at due_at): it skips the time_travel check and does not move the
  // dossier's last_event_at, since the clock raised it after the fact.
  bool Apply(DossierState* state, bool is_new, const Event& event, bool derived, IdTable* ids,
             Effects* effects, Rejection* rejection) const;

  // The timers pending for `state` (at most three: due_soon, apology_due,
  // overdue; a feedback's feedback_due_soon, feedback_overdue), in no
  // particular order.
  SmallVector<TimerSpec, 3> PendingTimers(const DossierState& state) const;

  // Fires `timer` (one of PendingTimers(*state), or a stale copy of one) at
  // `raised_at`: records and returns the alerts it raises. A timer that is no
  // longer pending (another appointment, the dossier paused or finished, its
  // alert raised already) raises nothing.
  FireResult Fire(DossierState* state, const TimerSpec& timer, Instant raised_at) const;

  // The engine's own `overdue` event for the appointment in force, and its id.
  static Event DerivedOverdue(std::string_view dossier_id, std::string_view holder_agency_id,
                              LocalMinute due_at);
  static std::string DerivedOverdueEventId(std::string_view dossier_id, LocalMinute due_at);
  // What every derived overdue event id begins with: only an event id with
  // it can equal one the engine derives.
  static constexpr std::string_view kDerivedOverduePrefix = "hoso-overdue:";

  const WorkingCalendar& calendar() const { return *calendar_; }
  const ProcedureCatalog& catalog() const { return *catalog_; }
  const StateMachineOptions& options() const { return options_; }
  // The agency list agency events are checked against; null when none was given.
  const AgencyList* agencies() const { return agencies_; }

 private:
  bool ApplyReceived(const Event& event, IdTable* ids, DossierState* state, Effects* effects,
                     Rejection* rejection) const;
  bool ApplyDialogue(DossierState* target, bool is_new, const Event& event, IdTable* ids,
                     Effects* effects, Rejection* rejection) const;
  bool ApplyFeedback(DossierState* target, bool is_new, const Event& event, IdTable* ids,
                     Effects* effects, Rejection* rejection) const;
  // Computes the fire instants of the appointment in force.
  bool SetTimers(DossierState* state, Rejection* rejection) const;

  const WorkingCalendar* calendar_;
  const ProcedureCatalog* catalog_;
  StateMachineOptions options_;
  const AgencyList* agencies_;
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_DOSSIER_STATE_MACHINE_H_
