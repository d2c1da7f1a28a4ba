#include "engine/core/dialogue_deadline.h"

#include "engine/core/bounded_id.h"

namespace hoso::core {

namespace {

constexpr int kDeadlineDay = 15;

LocalMinute Deadline(int year, int month) {
  return LocalMinute::AtDay(DaysFromCivil(CivilDate{year, month, kDeadlineDay}), 0);
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
  // A dossier_id holds at most 128 characters (docs/events.md).
  std::string key(kAgencyAlertPrefix);
  AppendBoundedId(&key, agency_id, 128 - kAgencyAlertPrefix.size());
  return key;
}

}  // namespace hoso::core
