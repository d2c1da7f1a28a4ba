// Deadline rules of docs/time-rules.md: effective start, appointment (due_at),
// classification and apology timeliness, plus the alert fire instants of docs/alerts.md.
//
// Every input instant is a LocalMinute: callers truncate to the minute before
// a rule applies (ToLocalMinute does). All functions are pure; they fail only
// when a date falls outside the calendar's known years (OutOfRange).
#ifndef HOSO_ENGINE_CORE_DEADLINE_RULES_H_
#define HOSO_ENGINE_CORE_DEADLINE_RULES_H_

#include <cstdint>
#include <string_view>

#include "engine/core/instant.h"
#include "engine/core/status.h"
#include "engine/core/working_calendar.h"

namespace hoso::core {

enum class ProcessingKind { kWorkingDays, kSameDay, kCalendarDays };

// Statutory processing time. `days` is used by kWorkingDays and kCalendarDays
// (>= 1) and ignored by kSameDay.
struct ProcessingTime {
  ProcessingKind kind = ProcessingKind::kWorkingDays;
  int days = 1;
  bool operator==(const ProcessingTime&) const = default;
};

// r itself when inside office hours of a working day; the opening of that day
// when before it on a working day; otherwise the next working day's opening.
Result<LocalMinute> EffectiveStart(const WorkingCalendar& calendar, LocalMinute received);

// The appointment for a dossier received at `received` (docs/time-rules.md):
//  - kWorkingDays N: the N-th working day after the date of S, at S's clock time;
//  - kSameDay: closing of S's date, or of the next working day when `received`
//    was inside office hours at or after the same-day cutoff (15:00);
//  - kCalendarDays N: S's date + N days, moved forward to a working day, at S's clock time.
Result<LocalMinute> ComputeDueAt(const WorkingCalendar& calendar, LocalMinute received,
                                 ProcessingTime processing);

enum class Classification { kEarly, kOnTime, kLate };
std::string_view ClassificationName(Classification classification);

// late if finished > due; early if finished's local date is before due's; else on time.
Classification Classify(LocalMinute finished, LocalMinute due);

// The last working day strictly before the local date of `due` (the last day
// an apology is timely, Decree 61/2018).
Result<int64_t> LastApologyDay(const WorkingCalendar& calendar, LocalMinute due);
// True when an apology issued at `issued` is timely against the due_at in force.
Result<bool> IsApologyTimely(const WorkingCalendar& calendar, LocalMinute issued, LocalMinute due);

// Alert fire instants (docs/alerts.md).
// due_soon: `lead_minutes` working minutes before `due`, counted backwards.
Result<LocalMinute> DueSoonFiresAt(const WorkingCalendar& calendar, LocalMinute due,
                                   int64_t lead_minutes);
// apology_due: the opening (08:00) of LastApologyDay(due).
Result<LocalMinute> ApologyDueFiresAt(const WorkingCalendar& calendar, LocalMinute due);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_DEADLINE_RULES_H_
