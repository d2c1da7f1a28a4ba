// DossierStateMachine: applies one validated event to a dossier's state
// (design.md §2 transitions, §3 time rules, §4 counters, §7 timers).
//
//   event                                 from            to
//   received                              (new)           open
//   transferred, apologized, overdue      open, paused    unchanged
//   supplement_requested                  open            paused
//   supplement_received                   paused          open
//   resolved, withdrawn, rejected         open, paused    finished
//
// Rejections, in the order they are checked: unknown_procedure
// (CheckProcedure, before the duplicate check done by the caller), then
// unknown_dossier, bad_transition, time_travel, calendar_range.
//
// Pure: no I/O, no clock; the caller supplies state and time. Immutable after
// construction and safe to share between threads. The calendar and catalog
// must outlive the state machine.
#ifndef HOSO_ENGINE_CORE_DOSSIER_STATE_MACHINE_H_
#define HOSO_ENGINE_CORE_DOSSIER_STATE_MACHINE_H_

#include <optional>
#include <vector>

#include "engine/core/alert.h"
#include "engine/core/dossier_state.h"
#include "engine/core/event.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/reference_data.h"
#include "engine/core/rejection.h"
#include "engine/core/working_calendar.h"

namespace hoso::core {

struct StateMachineOptions {
  // due_soon fires this many working minutes before due_at, and only for
  // dossiers whose budget exceeds it (design.md §7). Default: 540 (one day).
  int64_t due_soon_lead_minutes = 540;
};

// One counter increment for the dossier's (receiving agency, procedure).
struct CounterIncrement {
  int month_key = 0;  // yyyymm, local
  KpiField field = KpiField::kReceived;
};

struct Transition {
  DossierState state;      // the state after the event
  bool duplicate = false;  // a second `overdue`: counted as duplicate, not logged, state unchanged
  std::vector<CounterIncrement> counters;
  std::vector<TimerSpec> cancelled_timers;  // remove from the timer index
  std::vector<TimerSpec> armed_timers;      // add to the timer index
  std::vector<Alert> alerts;                // raised at once (apology_violation)
};

class DossierStateMachine {
 public:
  DossierStateMachine(const WorkingCalendar* calendar, const ProcedureCatalog* catalog,
                      StateMachineOptions options = {});

  // unknown_procedure: a `received` event without due_at or processing whose
  // procedure is not in the catalog. True when the event passes.
  bool CheckProcedure(const Event& event, Rejection* rejection) const;

  // Applies `event` to `prior` (nullptr for a dossier never seen). On success
  // returns true and fills *out; otherwise returns false and fills *rejection.
  // `derived` marks an event the engine made itself (an `overdue` at due_at):
  // it skips the time_travel check and does not move the dossier's
  // last_event_at, since the clock raised it after the fact.
  bool Apply(const DossierState* prior, const Event& event, bool derived, Transition* out,
             Rejection* rejection) const;

  // Fires `timer` (one of state.timers, with fires_at before `now`): removes
  // it from the state and returns the alerts it raises when its condition
  // still holds. For an `overdue` timer of a dossier whose overdue is not
  // logged yet, *derived_overdue is the event the engine must apply and log.
  Transition Fire(const DossierState& state, const TimerSpec& timer, Instant now,
                  std::optional<Event>* derived_overdue) const;

  // The event id of the engine's own `overdue` event for an appointment.
  static std::string DerivedOverdueEventId(std::string_view dossier_id, LocalMinute due_at);

  const WorkingCalendar& calendar() const { return *calendar_; }
  const ProcedureCatalog& catalog() const { return *catalog_; }
  const StateMachineOptions& options() const { return options_; }

 private:
  bool ApplyReceived(const Event& event, Transition* out, Rejection* rejection) const;
  bool ArmTimers(DossierState* state, Transition* out, Rejection* rejection) const;
  // Cancels every pending timer, or only those of `only_kind` when set.
  void CancelTimers(DossierState* state, Transition* out,
                    std::optional<AlertKind> only_kind = std::nullopt) const;
  Alert MakeAlert(const DossierState& state, AlertKind kind, LocalMinute due_at,
                  LocalMinute fires_at, Instant raised_at) const;

  const WorkingCalendar* calendar_;
  const ProcedureCatalog* catalog_;
  StateMachineOptions options_;
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_DOSSIER_STATE_MACHINE_H_
