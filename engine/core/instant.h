// Instants, civil dates and the local clock of Vietnam (UTC+07:00, no DST).
//
// An Instant is milliseconds since the Unix epoch (UTC), as precise as the
// event said. Time rules (docs/time-rules.md) work on whole local minutes: a
// LocalMinute counts minutes since 1970-01-01T00:00 *local time*; converting
// an Instant to it truncates toward the earlier minute.
//
// Pure value types and functions; thread-safe.
#ifndef HOSO_ENGINE_CORE_INSTANT_H_
#define HOSO_ENGINE_CORE_INSTANT_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace hoso::core {

inline constexpr int64_t kLocalUtcOffsetMinutes = 7 * 60;
inline constexpr int64_t kMinutesPerDay = 24 * 60;
inline constexpr int64_t kMsPerMinute = 60 * 1000;

struct Instant {
  int64_t epoch_ms = 0;
  auto operator<=>(const Instant&) const = default;
};

// Minutes since 1970-01-01T00:00 in local time (UTC+07:00).
struct LocalMinute {
  int64_t value = 0;
  auto operator<=>(const LocalMinute&) const = default;
  // Local day number: days since 1970-01-01 (local).
  int64_t day() const { return FloorDiv(value, kMinutesPerDay); }
  // Minute of the local day, 0..1439.
  int minute_of_day() const { return static_cast<int>(value - day() * kMinutesPerDay); }
  static int64_t FloorDiv(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
  }
  static LocalMinute AtDay(int64_t day, int minute_of_day) {
    return LocalMinute{day * kMinutesPerDay + minute_of_day};
  }
};

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  auto operator<=>(const CivilDate&) const = default;
};

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(CivilDate date);
CivilDate CivilFromDays(int64_t days);
// 0 = Sunday … 6 = Saturday.
int WeekdayOfDay(int64_t days);

// Truncates to the local minute (floor, also for instants before 1970).
LocalMinute ToLocalMinute(Instant instant);
Instant ToInstant(LocalMinute minute);

// Parses "YYYY-MM-DD" (strict).
Result<CivilDate> ParseCivilDate(std::string_view text);
std::string FormatCivilDate(CivilDate date);

// Parses an RFC 3339 date-time with a mandatory offset ("Z" or ±HH:MM), an
// optional fraction of a second (kept to the millisecond, truncated).
// Fails with InvalidArgument naming what is wrong.
Result<Instant> ParseRfc3339(std::string_view text);
// Formats in local time with offset, seconds precision, milliseconds only when
// non-zero: "2019-06-10T08:00:00+07:00".
std::string FormatLocal(Instant instant);
std::string FormatLocal(LocalMinute minute);
// The same into `buffer` (at least 40 bytes); returns the length written.
size_t FormatLocalTo(Instant instant, char* buffer);

// Local calendar month of an instant as yyyymm (e.g. 201906).
int MonthKeyOf(Instant instant);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_INSTANT_H_
