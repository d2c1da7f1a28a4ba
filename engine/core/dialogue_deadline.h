// The `dialogue_missing` deadlines (docs/alerts.md "dialogue_missing").
//
// Kế hoạch 23/KH-UBND asks every ward for a dialogue with citizens on
// administrative procedures in each half-year. The engine checks it at two
// fixed instants a year, 15 June 00:00 (January–June) and 15 December 00:00
// (July–December), local time: once its clock is strictly past one, every
// ward of the agency list with no such dialogue held in that half-year (and
// recorded by then) gets a `dialogue_missing` alert, which leaves the ward a
// fortnight to hold one before the half-year ends.
//
// A ward's alert names no dossier: its key (the alert's dossier_id, its
// Kafka key, the first part of its alert_id) is AgencyAlertKey(agency_id).
//
// Pure: no I/O, no clock.
#ifndef HOSO_ENGINE_CORE_DIALOGUE_DEADLINE_H_
#define HOSO_ENGINE_CORE_DIALOGUE_DEADLINE_H_

#include <string>
#include <string_view>

#include "engine/core/instant.h"

namespace hoso::core {

// The months (yyyymm, inclusive) whose dialogues a deadline checks.
struct DialogueHalfYear {
  int first_month_key = 0;  // January or July
  int last_month_key = 0;   // June or December
};

// The first deadline the clock at `clock` has not passed: the earliest
// 15 June or 15 December 00:00 at or after it (a deadline fires once the
// clock is strictly past it).
LocalMinute FirstDialogueDeadlineFrom(Instant clock);
// The deadline after `deadline` (REQUIRES: `deadline` is one).
LocalMinute DialogueDeadlineAfter(LocalMinute deadline);
// The half-year `deadline` (15 June or 15 December 00:00) checks.
DialogueHalfYear HalfYearOfDialogueDeadline(LocalMinute deadline);

// The key of an alert about a unit rather than a dossier:
// kAgencyAlertPrefix + agency_id. An id too long for the 128 characters of a
// dossier_id is cut to its first 104 characters followed by "~" and the 16 hex
// digits of its 64-bit FNV-1a digest, so the key stays within the contract
// and distinct.
inline constexpr std::string_view kAgencyAlertPrefix = "agency:";
std::string AgencyAlertKey(std::string_view agency_id);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_DIALOGUE_DEADLINE_H_
