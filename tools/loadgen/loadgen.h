// Load generator: a deterministic, simulated year of dossier events for Hai Bà
// Trưng district (docs/domain.md "Hai Bà Trưng for the simulator"), written as
// JSONL in the event contract of docs/events.md.
//
// What the simulated year looks like (all figures are targets of the model,
// drawn per dossier, not quotas):
//  - about three quarters of dossiers at ward level (mostly same-day
//    certification and civil status), the rest received at the district
//    one-stop desk and transferred to the competent district office;
//  - receipts mostly inside office hours of working days, Mondays busier,
//    a rush in the four weeks before Tết and a lull after it, a few receipts
//    just before 08:00, just after 17:00 and on Saturday mornings; online
//    dossiers (under 10%, only for procedures offered at level >= 3, with
//    online_level <= the level offered) arrive at any hour of any day; a few
//    postal receipts for multi-day procedures;
//  - one_stop false for a small share (0.3%), so the one-stop KPI is not 100%;
//  - about 5% of dossiers paused once by a request for more documents,
//    resumed some working days later; some ward dossiers sent to the district
//    Justice office for an opinion and back;
//  - about 1% withdrawn (some while paused), 0.5% rejected, under 0.1% left
//    open for good (mostly land and construction); the rest resolved, under
//    1% of them denied;
//  - about 98% resolved on time or early; the late tail sits mostly in land
//    and construction procedures; most late dossiers carry an apology (mostly
//    timely, some late, a few missing, rarely a second one). A same-day
//    dossier that runs late can only be apologized for late: the last timely
//    day is the working day before its due date.
// Lateness is intended, never accidental: due instants come from
// core::ComputeDueAt and pauses from WorkingMinutesBetween/AddWorkingMinutes,
// exactly as docs/time-rules.md states, and Stats counts what core::Classify says.
//
// Thread-safety: Generate() keeps no global state; concurrent calls with
// distinct output streams are safe.
#ifndef HOSO_TOOLS_LOADGEN_LOADGEN_H_
#define HOSO_TOOLS_LOADGEN_LOADGEN_H_

#include <array>
#include <cstdint>
#include <ostream>

#include "engine/core/event.h"
#include "engine/core/reference_data.h"
#include "engine/core/status.h"
#include "engine/core/working_calendar.h"

namespace hoso::loadgen {

// Upper bound on Options::dossiers: keeps the per-day arithmetic in int64
// and the run finite. Default run sizes are far below it.
inline constexpr int64_t kMaxDossiers = 100'000'000;

struct Options {
  // Seed of the pseudo-random generator. Same seed, same bytes. Default: 1.
  uint64_t seed = 1;
  // Dossiers received over the year, exactly (0 writes nothing). Daily volume
  // is scaled to hit it. Valid: 0..kMaxDossiers. Default: 300000.
  int64_t dossiers = 300000;
  // Calendar year of the receipts. Events of dossiers received late in the
  // year may fall in the next year. Default: 2019.
  int year = 2019;
};

struct Stats {
  int64_t dossiers = 0;                                         // received events written
  int64_t events = 0;                                           // lines written
  std::array<int64_t, core::kEventTypeCount> events_by_type{};  // indexed by core::EventType

  int64_t ward_level = 0;      // dossiers of ward-level procedures
  int64_t district_level = 0;  // dossiers of district-level procedures
  int64_t online = 0;          // received with channel online
  int64_t postal = 0;          // received with channel postal
  int64_t not_one_stop = 0;    // received with one_stop false

  int64_t resolved = 0;  // dossiers with a resolved event
  int64_t resolved_early = 0;
  int64_t resolved_on_time = 0;
  int64_t late_expected = 0;  // resolved late (core::Classify against the pause-adjusted due)
  int64_t denied = 0;         // resolved with outcome denied
  int64_t withdrawn = 0;
  int64_t rejected = 0;
  int64_t left_open = 0;         // never finished in the output
  int64_t open_at_year_end = 0;  // not finished by 23:59:59 of 31 December of Options::year

  int64_t supplement_requests = 0;
  int64_t apologies = 0;         // first apologies
  int64_t apologies_timely = 0;  // first apologies timely (core::IsApologyTimely)
  int64_t second_apologies = 0;
  int64_t dialogues = 0;        // dialogue_held events written (not dossier events)
  int64_t feedback = 0;         // feedbacks (PAKN) generated
  int64_t feedback_events = 0;  // their feedback_* events written (not dossier events)
};

// Writes the simulated year to `out`: one JSON event per line ('\n'), in
// non-decreasing occurred_at order; ties are broken by dossier (in order of
// receipt) and then by the event's place in its dossier. The bytes depend only
// on `options` and the reference data: the same on every run and machine (the
// generator uses its own integer PRNG and integer arithmetic only).
//
// Besides the dossiers, every ward's dialogues with citizens of the year
// (dialogue_held, dialogue_id "HBT-<year>-<unit>-DT<n>"; see PlanDialogues in
// loadgen.cc for who holds how many), and every unit's feedback (PAKN:
// feedback_* events, feedback_id "HBT-<year>-<unit>-PAKN<n>"; PlanFeedback).
//
// Events follow docs/events.md: event_id "<dossier_id>:<n>" (n = 1, 2, ... in
// the dossier), dossier_id "HBT-<year>-<unit>-<seq>" with unit W01..W20 for the
// wards in the order of `agencies` and D00 for the district desk; occurred_at
// from core::FormatLocal. Received events carry due_at for direct and postal
// receipts (the appointment printed on the receipt); online ones leave it to
// the catalog. No field holds personal data.
//
// Memory stays bounded by the events still pending for dossiers in progress,
// not by the length of the year.
//
// Receipts run from 1 January to 31 December of options.year, but stop 150
// days before the calendar's last day so that every dossier finishes inside
// the calendar's known range (so a 2026 run ends its receipts in early August).
//
// `stats` may be null; when given it is reset, then filled.
// Fails with InvalidArgument for options out of range, or reference data the
// model cannot use (a ward procedure but no ward, a district procedure but no
// district unit, no procedure at all); OutOfRange when the year lies outside
// the calendar; IOError when `out` fails. On failure part of the output may
// have been written.
core::Status Generate(const Options& options, const core::ProcedureCatalog& catalog,
                      const core::AgencyList& agencies, const core::WorkingCalendar& calendar,
                      std::ostream& out, Stats* stats);

}  // namespace hoso::loadgen

#endif  // HOSO_TOOLS_LOADGEN_LOADGEN_H_
