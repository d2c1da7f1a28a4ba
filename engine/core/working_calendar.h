// WorkingCalendar: which local days are working days, and arithmetic in
// working minutes inside office hours (docs/time-rules.md).
//
// A working day is Monday–Friday, minus the official days off, plus official
// make-up Saturdays (counted unless CalendarOptions says otherwise). The
// calendar only knows the days its CalendarData covers; asking about any
// other day is an OutOfRange error, never a guess.
//
// Office hours are [open, close) local: 17:00 sharp is outside. Working
// minutes are whole minutes inside office hours of working days.
//
// Immutable after Create(); thread-safe for concurrent reads.
#ifndef HOSO_ENGINE_CORE_WORKING_CALENDAR_H_
#define HOSO_ENGINE_CORE_WORKING_CALENDAR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/instant.h"
#include "engine/core/status.h"

namespace hoso::core {

// One year of official notices. `covers_from`/`covers_to` bound the days this
// entry speaks for (a whole year unless the data says otherwise, e.g. 2018
// covers only December).
struct CalendarYear {
  int year = 0;
  CivilDate covers_from;
  CivilDate covers_to;
  std::vector<CivilDate> days_off;          // weekdays off: holidays, compensatory, swapped
  std::vector<CivilDate> makeup_saturdays;  // Saturdays worked instead
  std::vector<std::string> sources;         // the notices this entry comes from
};

struct CalendarData {
  std::string version;  // e.g. "vn-civil-service-2026.1"; recorded in audit bundles
  std::vector<CalendarYear> years;
};

struct CalendarOptions {
  // Count official make-up Saturdays as working days. Default: true (they are).
  bool count_makeup_saturdays = true;
  // Office hours as minutes of the local day. Default: [08:00, 17:00).
  int office_open_minute = 8 * 60;
  int office_close_minute = 17 * 60;
  // Same-day procedures received inside office hours at or after this minute
  // are due at the close of the next working day. Default: 15:00.
  int same_day_cutoff_minute = 15 * 60;
};

class WorkingCalendar {
 public:
  // Validates the data: years must be contiguous with no overlap, every day
  // off must be a Monday–Friday inside its year's coverage, every make-up day
  // a Saturday. Fails with InvalidArgument naming the offending entry.
  static Result<WorkingCalendar> Create(const CalendarData& data, CalendarOptions options = {});

  const CalendarOptions& options() const { return options_; }
  const std::string& version() const { return version_; }
  int64_t first_day() const { return first_day_; }  // local day numbers, inclusive
  int64_t last_day() const { return last_day_; }
  int minutes_per_working_day() const {
    return options_.office_close_minute - options_.office_open_minute;
  }

  // OutOfRange for a day outside [first_day(), last_day()].
  Result<bool> IsWorkingDay(int64_t day) const;
  // The first working day strictly after / strictly before `day`.
  Result<int64_t> NextWorkingDay(int64_t day) const;
  Result<int64_t> PreviousWorkingDay(int64_t day) const;
  // Working days in the inclusive range [from_day, to_day]; 0 when empty.
  Result<int64_t> CountWorkingDays(int64_t from_day, int64_t to_day) const;

  // True when `minute` lies inside office hours of a working day.
  Result<bool> IsOfficeMinute(LocalMinute minute) const;
  // `minute` itself when it is an office minute, else the next opening.
  Result<LocalMinute> NextOfficeMinute(LocalMinute minute) const;
  // Working minutes in [from, to); 0 when to <= from.
  Result<int64_t> WorkingMinutesBetween(LocalMinute from, LocalMinute to) const;
  // The instant `minutes` working minutes after `from` (moved to the next
  // office minute first). A count that ends exactly at a closing gives that
  // day's closing (17:00), not the next opening. minutes == 0 gives
  // NextOfficeMinute(from). REQUIRES: minutes >= 0.
  Result<LocalMinute> AddWorkingMinutes(LocalMinute from, int64_t minutes) const;
  // The instant `minutes` working minutes before `to`, counted backwards
  // inside office hours. A count that ends exactly at an opening gives that
  // day's opening (08:00). REQUIRES: minutes >= 0.
  Result<LocalMinute> SubtractWorkingMinutes(LocalMinute to, int64_t minutes) const;

 private:
  WorkingCalendar() = default;
  Status CheckDay(int64_t day) const;

  CalendarOptions options_;
  std::string version_;
  int64_t first_day_ = 0;
  int64_t last_day_ = -1;
  // working_[i] is true when first_day_ + i is a working day.
  std::vector<bool> working_;
  // working_prefix_[i] = working days in [first_day_, first_day_ + i).
  std::vector<int32_t> working_prefix_;
  // working_offsets_[k] = offset from first_day_ of the k-th working day
  // (0-based): the inverse of working_prefix_, so minute arithmetic is O(1).
  std::vector<int32_t> working_offsets_;
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_WORKING_CALENDAR_H_
