#include "engine/core/event.h"

#include <array>

namespace hoso::core {
namespace {

constexpr std::array<std::string_view, kEventTypeCount> kEventTypeNames = {
    "received",           "transferred",   "supplement_requested", "supplement_received",
    "resolved",           "overdue",       "apologized",           "withdrawn",
    "rejected",           "dialogue_held", "feedback_received",    "feedback_answered",
    "feedback_published", "feedback_rated"};
constexpr std::array<std::string_view, 4> kFeedbackChannelNames = {"online", "direct", "phone",
                                                                   "mail"};
constexpr std::array<std::string_view, 3> kFeedbackOutcomeNames = {"accepted", "rejected",
                                                                   "answered"};
constexpr std::array<std::string_view, 2> kFeedbackRatingNames = {"satisfied", "dissatisfied"};

// The enumerator of `names` called `name`.
template <typename Enum, size_t N>
std::optional<Enum> FromName(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

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

std::string_view FeedbackChannelName(FeedbackChannel channel) {
  return kFeedbackChannelNames[static_cast<size_t>(channel)];
}
std::optional<FeedbackChannel> FeedbackChannelFromName(std::string_view name) {
  return FromName<FeedbackChannel>(kFeedbackChannelNames, name);
}
std::string_view FeedbackOutcomeName(FeedbackOutcome outcome) {
  return kFeedbackOutcomeNames[static_cast<size_t>(outcome)];
}
std::optional<FeedbackOutcome> FeedbackOutcomeFromName(std::string_view name) {
  return FromName<FeedbackOutcome>(kFeedbackOutcomeNames, name);
}
std::string_view FeedbackRatingName(FeedbackRating rating) {
  return kFeedbackRatingNames[static_cast<size_t>(rating)];
}
std::optional<FeedbackRating> FeedbackRatingFromName(std::string_view name) {
  return FromName<FeedbackRating>(kFeedbackRatingNames, name);
}

std::string_view OutcomeName(Outcome outcome) {
  return outcome == Outcome::kApproved ? "approved" : "denied";
}

}  // namespace hoso::core
