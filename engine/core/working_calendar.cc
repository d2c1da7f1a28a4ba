#include "engine/core/working_calendar.h"

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <utility>

namespace hoso::core {
namespace {

constexpr int kSaturday = 6;

bool IsMondayToFriday(int64_t day) {
  const int weekday = WeekdayOfDay(day);
  return weekday >= 1 && weekday <= 5;
}

std::string DayText(int64_t day) { return FormatCivilDate(CivilFromDays(day)); }

std::string WeekdayName(int64_t day) {
  static constexpr const char* kNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};
  return kNames[WeekdayOfDay(day)];
}

// "years[3] (2021)": the same path the JSON loader uses, so a message from
// Create() points at the entry in the data file.
std::string YearPath(size_t index, const CalendarYear& year) {
  return "years[" + std::to_string(index) + "] (" + std::to_string(year.year) + ")";
}

Status ValidateOptions(const CalendarOptions& options) {
  if (options.office_open_minute < 0 || options.office_close_minute > kMinutesPerDay ||
      options.office_open_minute >= options.office_close_minute) {
    return Status::InvalidArgument("office hours must satisfy 0 <= open < close <= 1440, got [" +
                                   std::to_string(options.office_open_minute) + ", " +
                                   std::to_string(options.office_close_minute) + ")");
  }
  if (options.same_day_cutoff_minute < 0 || options.same_day_cutoff_minute > kMinutesPerDay) {
    return Status::InvalidArgument("same_day_cutoff_minute must be within 0..1440, got " +
                                   std::to_string(options.same_day_cutoff_minute));
  }
  return Status::Ok();
}

// Checks one entry on its own: coverage inside its year, days off on
// Monday–Friday and make-up days on Saturdays, all inside the coverage, none twice.
Status ValidateYear(size_t index, const CalendarYear& year) {
  const std::string path = YearPath(index, year);
  if (year.covers_from.year != year.year || year.covers_to.year != year.year) {
    return Status::InvalidArgument(path + ": covers_from " + FormatCivilDate(year.covers_from) +
                                   " and covers_to " + FormatCivilDate(year.covers_to) +
                                   " must lie in the year " + std::to_string(year.year));
  }
  const int64_t from_day = DaysFromCivil(year.covers_from);
  const int64_t to_day = DaysFromCivil(year.covers_to);
  if (from_day > to_day) {
    return Status::InvalidArgument(path + ": covers_from " + FormatCivilDate(year.covers_from) +
                                   " is after covers_to " + FormatCivilDate(year.covers_to));
  }
  std::set<int64_t> seen;
  auto check_days = [&](const std::vector<CivilDate>& dates, const char* field,
                        bool want_saturday) -> Status {
    for (size_t j = 0; j < dates.size(); ++j) {
      const int64_t day = DaysFromCivil(dates[j]);
      const std::string where =
          path + "." + field + "[" + std::to_string(j) + "] " + FormatCivilDate(dates[j]) + ": ";
      if (day < from_day || day > to_day) {
        return Status::InvalidArgument(where + "outside the entry's coverage " +
                                       FormatCivilDate(year.covers_from) + ".." +
                                       FormatCivilDate(year.covers_to));
      }
      if (want_saturday ? WeekdayOfDay(day) != kSaturday : !IsMondayToFriday(day)) {
        return Status::InvalidArgument(where +
                                       (want_saturday ? "a make-up day must be a Saturday"
                                                      : "a day off must be Monday–Friday") +
                                       ", this is a " + WeekdayName(day));
      }
      if (!seen.insert(day).second) return Status::InvalidArgument(where + "listed twice");
    }
    return Status::Ok();
  };
  HOSO_RETURN_IF_ERROR(check_days(year.days_off, "days_off", /*want_saturday=*/false));
  return check_days(year.makeup_saturdays, "makeup_saturdays", /*want_saturday=*/true);
}

// The offset (from the calendar's first day) of the working day with 0-based
// ordinal `ordinal`, or -1 when the calendar has no such working day.
int64_t OffsetOfWorkingOrdinal(const std::vector<int32_t>& working_offsets, int64_t ordinal) {
  if (ordinal < 0 || ordinal >= static_cast<int64_t>(working_offsets.size())) return -1;
  return working_offsets[static_cast<size_t>(ordinal)];
}

}  // namespace

Result<WorkingCalendar> WorkingCalendar::Create(const CalendarData& data, CalendarOptions options) {
  HOSO_RETURN_IF_ERROR(ValidateOptions(options));
  if (data.years.empty()) return Status::InvalidArgument("calendar data has no years");
  for (size_t i = 0; i < data.years.size(); ++i) {
    HOSO_RETURN_IF_ERROR(ValidateYear(i, data.years[i]));
    if (i == 0) continue;
    // Entries must follow each other day after day: a gap would be a stretch
    // of days the calendar pretends to know.
    const int64_t previous_to = DaysFromCivil(data.years[i - 1].covers_to);
    const int64_t from = DaysFromCivil(data.years[i].covers_from);
    if (from != previous_to + 1) {
      return Status::InvalidArgument(
          YearPath(i, data.years[i]) + ": covers_from " +
          FormatCivilDate(data.years[i].covers_from) + " must be the day after covers_to " +
          FormatCivilDate(data.years[i - 1].covers_to) + " of " +
          YearPath(i - 1, data.years[i - 1]) + " (years must be contiguous, in order)");
    }
  }

  WorkingCalendar calendar;
  calendar.options_ = options;
  calendar.version_ = data.version;
  calendar.first_day_ = DaysFromCivil(data.years.front().covers_from);
  calendar.last_day_ = DaysFromCivil(data.years.back().covers_to);
  const int64_t day_count = calendar.last_day_ - calendar.first_day_ + 1;
  calendar.working_.resize(static_cast<size_t>(day_count));
  for (int64_t i = 0; i < day_count; ++i) {
    calendar.working_[static_cast<size_t>(i)] = IsMondayToFriday(calendar.first_day_ + i);
  }
  for (const CalendarYear& year : data.years) {
    for (const CivilDate& date : year.days_off) {
      calendar.working_[static_cast<size_t>(DaysFromCivil(date) - calendar.first_day_)] = false;
    }
    if (!options.count_makeup_saturdays) continue;
    for (const CivilDate& date : year.makeup_saturdays) {
      calendar.working_[static_cast<size_t>(DaysFromCivil(date) - calendar.first_day_)] = true;
    }
  }
  calendar.working_prefix_.assign(static_cast<size_t>(day_count) + 1, 0);
  for (size_t i = 0; i < static_cast<size_t>(day_count); ++i) {
    calendar.working_prefix_[i + 1] = calendar.working_prefix_[i] + (calendar.working_[i] ? 1 : 0);
    if (calendar.working_[i]) calendar.working_offsets_.push_back(static_cast<int32_t>(i));
  }
  return calendar;
}

Status WorkingCalendar::CheckDay(int64_t day) const {
  if (day >= first_day_ && day <= last_day_) return Status::Ok();
  return Status::OutOfRange("day " + DayText(day) + " is outside the working calendar " +
                            DayText(first_day_) + ".." + DayText(last_day_) + " (version " +
                            version_ + ")");
}

Result<bool> WorkingCalendar::IsWorkingDay(int64_t day) const {
  HOSO_RETURN_IF_ERROR(CheckDay(day));
  return static_cast<bool>(working_[static_cast<size_t>(day - first_day_)]);
}

Result<int64_t> WorkingCalendar::NextWorkingDay(int64_t day) const {
  HOSO_RETURN_IF_ERROR(CheckDay(day));
  // Working days before or on `day` are ordinals 0..count-1; the next is `count`.
  const int64_t ordinal = working_prefix_[static_cast<size_t>(day - first_day_) + 1];
  const int64_t offset = OffsetOfWorkingOrdinal(working_offsets_, ordinal);
  if (offset < 0) {
    return Status::OutOfRange("no working day after " + DayText(day) +
                              " within the working calendar, which ends " + DayText(last_day_) +
                              " (version " + version_ + ")");
  }
  return first_day_ + offset;
}

Result<int64_t> WorkingCalendar::PreviousWorkingDay(int64_t day) const {
  HOSO_RETURN_IF_ERROR(CheckDay(day));
  const int64_t ordinal = working_prefix_[static_cast<size_t>(day - first_day_)] - 1;
  const int64_t offset = OffsetOfWorkingOrdinal(working_offsets_, ordinal);
  if (offset < 0) {
    return Status::OutOfRange("no working day before " + DayText(day) +
                              " within the working calendar, which starts " + DayText(first_day_) +
                              " (version " + version_ + ")");
  }
  return first_day_ + offset;
}

Result<int64_t> WorkingCalendar::CountWorkingDays(int64_t from_day, int64_t to_day) const {
  HOSO_RETURN_IF_ERROR(CheckDay(from_day));
  HOSO_RETURN_IF_ERROR(CheckDay(to_day));
  if (to_day < from_day) return int64_t{0};
  return int64_t{working_prefix_[static_cast<size_t>(to_day - first_day_) + 1]} -
         working_prefix_[static_cast<size_t>(from_day - first_day_)];
}

Result<bool> WorkingCalendar::IsOfficeMinute(LocalMinute minute) const {
  HOSO_RETURN_IF_ERROR(CheckDay(minute.day()));
  const int of_day = minute.minute_of_day();
  return working_[static_cast<size_t>(minute.day() - first_day_)] &&
         of_day >= options_.office_open_minute && of_day < options_.office_close_minute;
}

Result<LocalMinute> WorkingCalendar::NextOfficeMinute(LocalMinute minute) const {
  const int64_t day = minute.day();
  HOSO_RETURN_IF_ERROR(CheckDay(day));
  if (working_[static_cast<size_t>(day - first_day_)]) {
    const int of_day = minute.minute_of_day();
    if (of_day < options_.office_open_minute) {
      return LocalMinute::AtDay(day, options_.office_open_minute);
    }
    if (of_day < options_.office_close_minute) return minute;
  }
  Result<int64_t> next = NextWorkingDay(day);
  if (!next.ok()) return next.status();
  return LocalMinute::AtDay(*next, options_.office_open_minute);
}

// All minute arithmetic goes through one number: the working minutes from the
// opening of the calendar's first day up to `minute`. It is flat outside
// office hours, so differences of it are working minutes and the inverse only
// has to decide which end of a flat stretch to return.
Result<int64_t> WorkingCalendar::WorkingMinutesBetween(LocalMinute from, LocalMinute to) const {
  HOSO_RETURN_IF_ERROR(CheckDay(from.day()));
  HOSO_RETURN_IF_ERROR(CheckDay(to.day()));
  if (to <= from) return int64_t{0};
  auto cumulative = [this](LocalMinute minute) -> int64_t {
    const size_t offset = static_cast<size_t>(minute.day() - first_day_);
    const int64_t per_day = minutes_per_working_day();
    int64_t within_day = 0;
    if (working_[offset]) {
      within_day =
          std::clamp<int64_t>(minute.minute_of_day() - options_.office_open_minute, 0, per_day);
    }
    return int64_t{working_prefix_[offset]} * per_day + within_day;
  };
  return cumulative(to) - cumulative(from);
}

Result<LocalMinute> WorkingCalendar::AddWorkingMinutes(LocalMinute from, int64_t minutes) const {
  if (minutes < 0) {
    return Status::InvalidArgument("AddWorkingMinutes needs minutes >= 0, got " +
                                   std::to_string(minutes));
  }
  Result<LocalMinute> start = NextOfficeMinute(from);
  if (!start.ok() || minutes == 0) return start;
  const int64_t per_day = minutes_per_working_day();
  const size_t start_offset = static_cast<size_t>(start->day() - first_day_);
  const int64_t target = int64_t{working_prefix_[start_offset]} * per_day +
                         (start->minute_of_day() - options_.office_open_minute) + minutes;
  // target > 0 here. Taking the working day that holds minute (target - 1)
  // makes a count that ends on a day boundary stop at that day's closing
  // rather than the next opening.
  const int64_t ordinal = (target - 1) / per_day;
  const int64_t offset = OffsetOfWorkingOrdinal(working_offsets_, ordinal);
  if (offset < 0) {
    return Status::OutOfRange(std::to_string(minutes) + " working minutes after " +
                              FormatLocal(from) + " go past the working calendar, which ends " +
                              DayText(last_day_) + " (version " + version_ + ")");
  }
  const int64_t within_day = target - ordinal * per_day;  // 1..per_day
  return LocalMinute::AtDay(first_day_ + offset,
                            options_.office_open_minute + static_cast<int>(within_day));
}

Result<LocalMinute> WorkingCalendar::SubtractWorkingMinutes(LocalMinute to, int64_t minutes) const {
  if (minutes < 0) {
    return Status::InvalidArgument("SubtractWorkingMinutes needs minutes >= 0, got " +
                                   std::to_string(minutes));
  }
  HOSO_RETURN_IF_ERROR(CheckDay(to.day()));
  // Zero minutes before `to` is `to` itself, even outside office hours: the
  // answer must never be later than `to`.
  if (minutes == 0) return to;
  const int64_t per_day = minutes_per_working_day();
  Result<int64_t> before = WorkingMinutesBetween(LocalMinute::AtDay(first_day_, 0), to);
  if (!before.ok()) return before.status();
  const int64_t target = *before - minutes;
  if (target < 0) {
    return Status::OutOfRange(std::to_string(minutes) + " working minutes before " +
                              FormatLocal(to) + " go past the working calendar, which starts " +
                              DayText(first_day_) + " (version " + version_ + ")");
  }
  // Taking the working day that holds minute `target` makes a count that ends
  // on a day boundary stop at that day's opening rather than the previous closing.
  const int64_t ordinal = target / per_day;
  const int64_t offset = OffsetOfWorkingOrdinal(working_offsets_, ordinal);
  // target < cumulative(to), so the ordinal's working day exists.
  return LocalMinute::AtDay(first_day_ + offset,
                            options_.office_open_minute + static_cast<int>(target % per_day));
}

}  // namespace hoso::core
