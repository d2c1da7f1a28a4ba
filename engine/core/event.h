// Event: one validated dossier lifecycle event (design.md §2), as the codec
// hands it to the engine. Only the fields of its type are set; the codec
// guarantees that required fields are present and well-formed.
//
// Personal data of applicants has no field: the engine never needs it.
#ifndef HOSO_ENGINE_CORE_EVENT_H_
#define HOSO_ENGINE_CORE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/deadline_rules.h"
#include "engine/core/instant.h"

namespace hoso::core {

enum class EventType {
  kReceived,
  kTransferred,
  kSupplementRequested,
  kSupplementReceived,
  kResolved,
  kOverdue,
  kApologized,
  kWithdrawn,
  kRejected,
};
inline constexpr int kEventTypeCount = 9;

// The wire name ("supplement_requested"), and back (nullopt when unknown).
std::string_view EventTypeName(EventType type);
std::optional<EventType> EventTypeFromName(std::string_view name);

enum class Channel { kDirect, kPostal, kOnline };
std::string_view ChannelName(Channel channel);
std::optional<Channel> ChannelFromName(std::string_view name);

enum class Outcome { kApproved, kDenied };
std::string_view OutcomeName(Outcome outcome);

struct Event {
  // Envelope.
  std::string event_id;
  std::string dossier_id;
  EventType type = EventType::kReceived;
  Instant occurred_at;
  std::string agency_id;
  int schema_version = 1;

  // received
  std::string procedure_id;
  Channel channel = Channel::kDirect;
  int online_level = 0;  // 3 or 4 when channel is online, else 0
  bool one_stop = true;
  std::optional<Instant> due_at;  // also: overdue, supplement_received
  std::optional<ProcessingTime> processing;
  // transferred
  std::string to_agency_id;
  // supplement_requested, apologized, withdrawn, rejected, transferred
  std::string reason;
  // resolved
  Outcome outcome = Outcome::kApproved;
  // apologized
  std::optional<Instant> new_due_at;
  std::string responsible_agency_id;
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_EVENT_H_
