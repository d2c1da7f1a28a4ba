#include "engine/core/dialogue_deadline.h"

#include <cstdint>
#include <cstdio>

namespace hoso::core {

namespace {

constexpr int kDeadlineDay = 15;

LocalMinute Deadline(int year, int month) {
  return LocalMinute::AtDay(DaysFromCivil(CivilDate{year, month, kDeadlineDay}), 0);
}

size_t Utf8Length(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// The first `chars` characters of `text`.
std::string_view Utf8Prefix(std::string_view text, size_t chars) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && count++ == chars) {
      return text.substr(0, i);
    }
  }
  return text;
}

}  // namespace

LocalMinute FirstDialogueDeadlineFrom(Instant clock) {
  const int year = CivilFromDays(ToLocalMinute(clock).day()).year;
  for (const LocalMinute candidate : {Deadline(year, 6), Deadline(year, 12)}) {
    if (!(ToInstant(candidate) < clock)) return candidate;
  }
  return Deadline(year + 1, 6);
}

LocalMinute DialogueDeadlineAfter(LocalMinute deadline) {
  const CivilDate date = CivilFromDays(deadline.day());
  return date.month < 12 ? Deadline(date.year, 12) : Deadline(date.year + 1, 6);
}

DialogueHalfYear HalfYearOfDialogueDeadline(LocalMinute deadline) {
  const CivilDate date = CivilFromDays(deadline.day());
  const int first_month = date.month <= 6 ? 1 : 7;
  return DialogueHalfYear{date.year * 100 + first_month, date.year * 100 + first_month + 5};
}

std::string AgencyAlertKey(std::string_view agency_id) {
  // A dossier_id holds at most 128 characters (design.md §2).
  constexpr size_t kMaxIdChars = 128 - kAgencyAlertPrefix.size();
  constexpr size_t kKeptChars = kMaxIdChars - 17;
  std::string key(kAgencyAlertPrefix);
  if (Utf8Length(agency_id) <= kMaxIdChars) {
    key += agency_id;
    return key;
  }
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : agency_id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char hex[24];
  std::snprintf(hex, sizeof hex, "~%016llx", static_cast<unsigned long long>(hash));
  key += Utf8Prefix(agency_id, kKeptChars);
  key += hex;
  return key;
}

}  // namespace hoso::core
