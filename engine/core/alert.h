// Alerts and the timers that raise them (design.md §7).
//
// A timer is armed by a state change (reception, resumption) and stored in
// the `timers` column family ordered by fire instant; when the clock passes
// `fires_at` while its condition still holds, it raises an Alert. Alert ids
// are deterministic (dossier, kind, due_at) so a restart or a replay never
// publishes one twice.
#ifndef HOSO_ENGINE_CORE_ALERT_H_
#define HOSO_ENGINE_CORE_ALERT_H_

#include <optional>
#include <string>
#include <string_view>

#include "engine/core/instant.h"

namespace hoso::core {

enum class AlertKind { kDueSoon, kApologyDue, kOverdue, kApologyMissing, kApologyViolation };
inline constexpr int kAlertKindCount = 5;
std::string_view AlertKindName(AlertKind kind);
std::optional<AlertKind> AlertKindFromName(std::string_view name);

// A pending alert of one dossier. `due_at` is the appointment it was armed
// for; a change of appointment cancels it and arms a new one.
struct TimerSpec {
  AlertKind kind = AlertKind::kOverdue;
  LocalMinute fires_at;
  LocalMinute due_at;
  bool operator==(const TimerSpec&) const = default;
};

struct Alert {
  std::string alert_id;  // "<dossier_id>|<kind>|<due_at as YYYYMMDDTHHMM local>"
  AlertKind kind = AlertKind::kOverdue;
  std::string dossier_id;
  std::string agency_id;  // the unit holding the dossier when raised
  std::string procedure_id;
  LocalMinute due_at;
  LocalMinute fires_at;
  Instant raised_at;  // the engine clock when raised
  std::string message_vi;
  std::string message_en;
};

std::string MakeAlertId(std::string_view dossier_id, AlertKind kind, LocalMinute due_at);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_ALERT_H_
