// Rejection: why an input record was not applied, with a stable reason code.
//
// The codes are part of the public contract (dead-letter headers, ingest
// summaries, docs/events.md): never rename one. Checks run in the order of the
// enum (docs/events.md); the first failing check names the record's reason.
#ifndef HOSO_ENGINE_CORE_REJECTION_H_
#define HOSO_ENGINE_CORE_REJECTION_H_

#include <optional>
#include <string>
#include <string_view>

namespace hoso::core {

enum class RejectCode {
  kTooLarge,          // "too_large": over 64 KiB
  kInvalidJson,       // "invalid_json"
  kUnknownType,       // "unknown_type"
  kSchema,            // "schema": violates schemas/<type>.schema.json
  kUnknownProcedure,  // "unknown_procedure": received without due_at/processing, procedure not in
                      // catalog
  // "conflicting_duplicate": the event_id of an applied event, with other
  // content (an upstream bug; the first is kept). Same id and same content is
  // an ordinary duplicate, counted, not rejected.
  kConflictingDuplicate,
  kFutureInstant,  // "future_instant": occurred_at after the real current time plus the skew
  kAheadOfClock,   // "ahead_of_clock": occurred_at further ahead of the engine clock than the bound
  kUnknownDossier,  // "unknown_dossier": first event of a dossier is not `received`
  kBadTransition,   // "bad_transition": not allowed from the dossier's state
  kTimeTravel,      // "time_travel": occurred_at before the dossier's last applied event
  kCalendarRange,   // "calendar_range": a time rule needs a date outside the known calendar years
  kUnknownAgency,   // "unknown_agency": an agency event from a unit not in the agency list
};
inline constexpr int kRejectCodeCount = 13;

std::string_view RejectCodeName(RejectCode code);
std::optional<RejectCode> RejectCodeFromName(std::string_view name);

// Size limit of one input record, in bytes (docs/events.md).
inline constexpr size_t kMaxEventBytes = 64 * 1024;

struct Rejection {
  RejectCode code = RejectCode::kSchema;
  std::string message;  // human-readable; names the field or transition; never personal data
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_REJECTION_H_
