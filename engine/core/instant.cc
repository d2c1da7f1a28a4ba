#include "engine/core/instant.h"

#include <array>
#include <cstdio>

namespace hoso::core {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at `pos`; false when any is not a digit.
bool ReadDigits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsDigit(text[i])) return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool ValidDate(int year, int month, int day) {
  return month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(year, month);
}

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days algorithms.
int64_t DaysFromCivil(CivilDate date) {
  int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (date.month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + date.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return CivilDate{year, month, day};
}

int WeekdayOfDay(int64_t days) {
  // 1970-01-01 was a Thursday (4).
  int64_t weekday = (days + 4) % 7;
  return static_cast<int>(weekday < 0 ? weekday + 7 : weekday);
}

LocalMinute ToLocalMinute(Instant instant) {
  return LocalMinute{LocalMinute::FloorDiv(instant.epoch_ms, kMsPerMinute) +
                     kLocalUtcOffsetMinutes};
}

Instant ToInstant(LocalMinute minute) {
  return Instant{(minute.value - kLocalUtcOffsetMinutes) * kMsPerMinute};
}

Result<CivilDate> ParseCivilDate(std::string_view text) {
  CivilDate date;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !ReadDigits(text, 0, 4, &date.year) || !ReadDigits(text, 5, 2, &date.month) ||
      !ReadDigits(text, 8, 2, &date.day) || !ValidDate(date.year, date.month, date.day)) {
    return Status::InvalidArgument("not a date YYYY-MM-DD: '" + std::string(text) + "'");
  }
  return date;
}

std::string FormatCivilDate(CivilDate date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", date.year, date.month, date.day);
  return buffer;
}

Result<Instant> ParseRfc3339(std::string_view text) {
  auto fail = [&](const char* what) {
    return Status::InvalidArgument(std::string("not an RFC 3339 date-time with offset (") + what +
                                   "): '" + std::string(text.substr(0, 64)) + "'");
  };
  CivilDate date;
  int hour = 0, minute = 0, second = 0;
  if (text.size() < 20) return fail("too short");
  if (!ReadDigits(text, 0, 4, &date.year) || text[4] != '-' ||
      !ReadDigits(text, 5, 2, &date.month) || text[7] != '-' ||
      !ReadDigits(text, 8, 2, &date.day)) {
    return fail("date");
  }
  if (!ValidDate(date.year, date.month, date.day)) return fail("no such date");
  if (text[10] != 'T' && text[10] != 't') return fail("missing 'T'");
  if (!ReadDigits(text, 11, 2, &hour) || text[13] != ':' || !ReadDigits(text, 14, 2, &minute) ||
      text[16] != ':' || !ReadDigits(text, 17, 2, &second)) {
    return fail("time");
  }
  // Leap seconds (60) are not representable in the local office clock; refuse them.
  if (hour > 23 || minute > 59 || second > 59) return fail("time out of range");
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t start = pos;
    int64_t scale = 100;
    while (pos < text.size() && IsDigit(text[pos])) {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return fail("empty fraction");
  }
  if (pos >= text.size()) return fail("missing offset");
  int64_t offset_minutes = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int off_hour = 0, off_minute = 0;
    if (!ReadDigits(text, pos + 1, 2, &off_hour) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !ReadDigits(text, pos + 4, 2, &off_minute) || off_hour > 23 ||
        off_minute > 59) {
      return fail("offset");
    }
    offset_minutes = (off_hour * 60 + off_minute) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return fail("offset");
  }
  if (pos != text.size()) return fail("trailing characters");
  const int64_t days = DaysFromCivil(date);
  const int64_t local_seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  const int64_t utc_seconds = local_seconds - offset_minutes * 60;
  return Instant{utc_seconds * 1000 + millis};
}

namespace {

// Writes `value` as exactly `width` decimal digits (zero-padded).
char* PutDigits(char* out, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

// Hand-written rather than snprintf: alerts format three instants each on
// the engine's hot path, and snprintf cost more than the rest of an alert.
size_t FormatLocalTo(Instant instant, char* buffer) {
  const int64_t local_ms = instant.epoch_ms + kLocalUtcOffsetMinutes * kMsPerMinute;
  const int64_t local_seconds = LocalMinute::FloorDiv(local_ms, 1000);
  const int64_t millis = local_ms - local_seconds * 1000;
  const int64_t days = LocalMinute::FloorDiv(local_seconds, 86400);
  const int64_t second_of_day = local_seconds - days * 86400;
  const CivilDate date = CivilFromDays(days);
  if (date.year < 0 || date.year > 9999) {
    const int written = std::snprintf(buffer, 48, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", date.year,
                                      date.month, date.day, static_cast<int>(second_of_day / 3600),
                                      static_cast<int>(second_of_day / 60 % 60),
                                      static_cast<int>(second_of_day % 60));
    return written > 0 ? static_cast<size_t>(written) : 0;
  }
  char* out = buffer;
  out = PutDigits(out, date.year, 4);
  *out++ = '-';
  out = PutDigits(out, date.month, 2);
  *out++ = '-';
  out = PutDigits(out, date.day, 2);
  *out++ = 'T';
  out = PutDigits(out, second_of_day / 3600, 2);
  *out++ = ':';
  out = PutDigits(out, second_of_day / 60 % 60, 2);
  *out++ = ':';
  out = PutDigits(out, second_of_day % 60, 2);
  if (millis != 0) {
    *out++ = '.';
    out = PutDigits(out, millis, 3);
  }
  for (char c : std::string_view("+07:00")) *out++ = c;
  return static_cast<size_t>(out - buffer);
}

std::string FormatLocal(Instant instant) {
  char buffer[48];
  return std::string(buffer, FormatLocalTo(instant, buffer));
}

std::string FormatLocal(LocalMinute minute) { return FormatLocal(ToInstant(minute)); }

int MonthKeyOf(Instant instant) {
  const CivilDate date = CivilFromDays(ToLocalMinute(instant).day());
  return date.year * 100 + date.month;
}

}  // namespace hoso::core
