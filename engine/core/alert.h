// Alerts and the timers that raise them (docs/alerts.md).
//
// A timer belongs to the appointment in force (a dossier's due_at): it is
// pending while the dossier is open, not paused, and its alert has not been
// raised for that appointment; the state machine derives the pending timers
// from the dossier's state (DossierStateMachine::PendingTimers), so nothing
// about timers is stored apart from the state. Alert ids are deterministic
// (dossier, kind, due_at), and a dossier remembers which it has raised, so a
// restart or a replay never raises one twice.
#ifndef HOSO_ENGINE_CORE_ALERT_H_
#define HOSO_ENGINE_CORE_ALERT_H_

#include <optional>
#include <string>
#include <string_view>

#include "engine/core/instant.h"

namespace hoso::core {

// The feedback kinds watch a feedback's (PAKN) answer deadline as due_soon
// and overdue watch a dossier's appointment (the chain key is the feedback's).
// kDialogueMissing is about a ward, not a dossier: no timer of a dossier
// raises it; the engine raises it when its clock passes a dialogue deadline
// (engine/core/dialogue_deadline.h), keyed by AgencyAlertKey(ward).
enum class AlertKind {
  kDueSoon,
  kApologyDue,
  kOverdue,
  kApologyMissing,
  kApologyViolation,
  kFeedbackDueSoon,
  kFeedbackOverdue,
  kDialogueMissing,
};
// At most 8: a ledger slot keeps them as bits of a u8 (RaisedLedger); a ninth
// kind needs a wider slot and a new dossier record format.
inline constexpr int kAlertKindCount = 8;
static_assert(static_cast<int>(AlertKind::kDialogueMissing) + 1 == kAlertKindCount &&
                  kAlertKindCount <= 8,
              "every kind counted; RaisedLedger keeps them as the bits of a u8");
std::string_view AlertKindName(AlertKind kind);
std::optional<AlertKind> AlertKindFromName(std::string_view name);

// A pending alert of one dossier: it fires once the clock is strictly past
// `fires_at`, if `due_at` is still the appointment in force.
struct TimerSpec {
  AlertKind kind = AlertKind::kOverdue;
  LocalMinute fires_at;
  LocalMinute due_at;
  bool operator==(const TimerSpec&) const = default;
};

// What the state machine decides when an alert is raised; the caller adds
// the names (AlertFor).
struct AlertSpec {
  AlertKind kind = AlertKind::kOverdue;
  LocalMinute due_at;
  LocalMinute fires_at;
  Instant raised_at;
};

struct Alert {
  std::string alert_id;  // "<dossier_id>|<kind>|<due_at as YYYYMMDDTHHMM local>"
  AlertKind kind = AlertKind::kOverdue;
  std::string dossier_id;    // dialogue_missing: AgencyAlertKey(agency_id), no dossier
  std::string agency_id;     // the unit holding the dossier when raised (or the ward)
  std::string procedure_id;  // empty for feedback and dialogue_missing
  LocalMinute due_at;
  LocalMinute fires_at;
  Instant raised_at;  // the engine clock when raised
  std::string message_vi;
  std::string message_en;
};

std::string MakeAlertId(std::string_view dossier_id, AlertKind kind, LocalMinute due_at);
// The same appended to *out (no other allocation).
void AppendAlertId(std::string* out, std::string_view dossier_id, AlertKind kind,
                   LocalMinute due_at);
// The alert's message for the desk, in Vietnamese or English, appended to *out
// (dialogue_missing: `due_at` is the deadline, which names the half-year).
// The text never holds a quote, a backslash or a control character, so a
// JSON writer may copy it between quotes unescaped.
void AppendAlertMessage(std::string* out, AlertKind kind, LocalMinute due_at, bool vietnamese);
// The full alert (id, names, Vietnamese and English messages) of `spec`.
Alert AlertFor(const AlertSpec& spec, std::string_view dossier_id, std::string_view agency_id,
               std::string_view procedure_id);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_ALERT_H_
