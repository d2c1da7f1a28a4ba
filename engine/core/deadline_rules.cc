#include "engine/core/deadline_rules.h"

#include <string>

namespace hoso::core {
namespace {

Status CheckDays(const ProcessingTime& processing) {
  if (processing.days >= 1) return Status::Ok();
  return Status::InvalidArgument("processing time needs days >= 1, got " +
                                 std::to_string(processing.days));
}

// The N-th working day after `day` (`day` itself not counted), in O(1): N
// full working days of minutes counted from the closing of `day` end at the
// closing of that working day (AddWorkingMinutes stops at a closing rather
// than the next opening). One minute back from there is inside that day even
// when the office closes at midnight.
Result<int64_t> NthWorkingDayAfter(const WorkingCalendar& calendar, int64_t day, int count) {
  const LocalMinute closing = LocalMinute::AtDay(day, calendar.options().office_close_minute);
  Result<LocalMinute> end =
      calendar.AddWorkingMinutes(closing, int64_t{count} * calendar.minutes_per_working_day());
  if (!end.ok()) return end.status();
  return LocalMinute{end->value - 1}.day();
}

}  // namespace

Result<LocalMinute> EffectiveStart(const WorkingCalendar& calendar, LocalMinute received) {
  // The three cases of docs/time-rules.md are exactly "the next office minute":
  // itself inside hours, the opening before hours, else the next opening.
  return calendar.NextOfficeMinute(received);
}

Result<LocalMinute> ComputeDueAt(const WorkingCalendar& calendar, LocalMinute received,
                                 ProcessingTime processing) {
  Result<LocalMinute> start = EffectiveStart(calendar, received);
  if (!start.ok()) return start;
  const int64_t start_day = start->day();
  const int clock_minute = start->minute_of_day();
  const CalendarOptions& options = calendar.options();
  switch (processing.kind) {
    case ProcessingKind::kWorkingDays: {
      HOSO_RETURN_IF_ERROR(CheckDays(processing));
      Result<int64_t> due_day = NthWorkingDayAfter(calendar, start_day, processing.days);
      if (!due_day.ok()) return due_day.status();
      return LocalMinute::AtDay(*due_day, clock_minute);
    }
    case ProcessingKind::kSameDay: {
      // The cutoff looks at r, not S: only a dossier that arrived during
      // office hours late in the day moves; one that arrived at night already
      // starts the next morning and is due that evening.
      Result<bool> in_office = calendar.IsOfficeMinute(received);
      if (!in_office.ok()) return in_office.status();
      if (*in_office && received.minute_of_day() >= options.same_day_cutoff_minute) {
        Result<int64_t> next = calendar.NextWorkingDay(start_day);
        if (!next.ok()) return next.status();
        return LocalMinute::AtDay(*next, options.office_close_minute);
      }
      return LocalMinute::AtDay(start_day, options.office_close_minute);
    }
    case ProcessingKind::kCalendarDays: {
      HOSO_RETURN_IF_ERROR(CheckDays(processing));
      const int64_t due_day = start_day + processing.days;
      Result<bool> working = calendar.IsWorkingDay(due_day);
      if (!working.ok()) return working.status();
      if (*working) return LocalMinute::AtDay(due_day, clock_minute);
      Result<int64_t> next = calendar.NextWorkingDay(due_day);
      if (!next.ok()) return next.status();
      return LocalMinute::AtDay(*next, clock_minute);
    }
  }
  return Status::InvalidArgument("unknown processing kind " +
                                 std::to_string(static_cast<int>(processing.kind)));
}

std::string_view ClassificationName(Classification classification) {
  switch (classification) {
    case Classification::kEarly:
      return "early";
    case Classification::kOnTime:
      return "on_time";
    case Classification::kLate:
      return "late";
  }
  return "unknown";
}

Classification Classify(LocalMinute finished, LocalMinute due) {
  if (finished > due) return Classification::kLate;
  if (finished.day() < due.day()) return Classification::kEarly;
  return Classification::kOnTime;
}

Result<int64_t> LastApologyDay(const WorkingCalendar& calendar, LocalMinute due) {
  return calendar.PreviousWorkingDay(due.day());
}

Result<bool> IsApologyTimely(const WorkingCalendar& calendar, LocalMinute issued, LocalMinute due) {
  Result<int64_t> last_day = LastApologyDay(calendar, due);
  if (!last_day.ok()) return last_day.status();
  // Any time on the last day counts, even after office hours: the decree
  // speaks of days, not hours.
  return issued.day() <= *last_day;
}

Result<LocalMinute> DueSoonFiresAt(const WorkingCalendar& calendar, LocalMinute due,
                                   int64_t lead_minutes) {
  return calendar.SubtractWorkingMinutes(due, lead_minutes);
}

Result<LocalMinute> ApologyDueFiresAt(const WorkingCalendar& calendar, LocalMinute due) {
  Result<int64_t> last_day = LastApologyDay(calendar, due);
  if (!last_day.ok()) return last_day.status();
  return LocalMinute::AtDay(*last_day, calendar.options().office_open_minute);
}

}  // namespace hoso::core
