#include "engine/core/event.h"

#include <array>

namespace hoso::core {
namespace {

constexpr std::array<std::string_view, kEventTypeCount> kEventTypeNames = {
    "received", "transferred",  "supplement_requested", "supplement_received",
    "resolved", "overdue",      "apologized",           "withdrawn",
    "rejected", "dialogue_held"};

}  // namespace

std::string_view EventTypeName(EventType type) { return kEventTypeNames[static_cast<int>(type)]; }

std::optional<EventType> EventTypeFromName(std::string_view name) {
  for (int i = 0; i < kEventTypeCount; ++i) {
    if (kEventTypeNames[i] == name) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kDirect:
      return "direct";
    case Channel::kPostal:
      return "postal";
    case Channel::kOnline:
      return "online";
  }
  return "direct";
}

std::optional<Channel> ChannelFromName(std::string_view name) {
  if (name == "direct") return Channel::kDirect;
  if (name == "postal") return Channel::kPostal;
  if (name == "online") return Channel::kOnline;
  return std::nullopt;
}

std::string_view DialogueTopicName(DialogueTopic topic) {
  return topic == DialogueTopic::kAdministrativeProcedures ? "administrative_procedures" : "other";
}

std::string_view OutcomeName(Outcome outcome) {
  return outcome == Outcome::kApproved ? "approved" : "denied";
}

}  // namespace hoso::core
