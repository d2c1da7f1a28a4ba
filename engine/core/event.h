// Event: one validated dossier lifecycle event (docs/events.md), or an agency
// event (`dialogue_held`, the `feedback_*` lifecycle of a citizen's feedback
// or petition), as the codec hands it to the engine. Only the
// fields of its type are set; the codec guarantees that required fields are
// present and well-formed.
//
// An agency event has no dossier: it is keyed by its own id, and its chain in
// the event log is `dossier_id` = kDialogueChainPrefix + dialogue_id (a
// one-event chain) or kFeedbackChainPrefix + feedback_id (the feedback's
// lifecycle), docs/plan-targets.md "Dialogues" and "Feedback (PAKN)".
//
// Personal data of applicants (or of a dialogue's participants) has no field:
// the engine never needs it.
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
  kDialogueHeld,  // a ward's or office's dialogue with citizens (Kế hoạch 23/KH-UBND)
  // A citizen's feedback or petition on procedures (phản ánh, kiến nghị).
  kFeedbackReceived,
  kFeedbackAnswered,
  kFeedbackPublished,
  kFeedbackRated,
};
inline constexpr int kEventTypeCount = 14;

// True for the feedback_* types (keyed by feedback_id).
constexpr bool IsFeedbackEvent(EventType type) {
  return type == EventType::kFeedbackReceived || type == EventType::kFeedbackAnswered ||
         type == EventType::kFeedbackPublished || type == EventType::kFeedbackRated;
}

// The chain key of a dialogue in the log and the dossier table; the codec
// refuses dossier ids with this prefix, so the two never collide.
inline constexpr std::string_view kDialogueChainPrefix = "dialogue:";
// dialogue_id is at most this long, so its chain key stays within 128 characters.
inline constexpr size_t kMaxDialogueIdChars = 119;
// The chain key of a feedback; dossier ids may not take this prefix either.
inline constexpr std::string_view kFeedbackChainPrefix = "feedback:";
// feedback_id is at most this long, so its chain key stays within 128 characters.
inline constexpr size_t kMaxFeedbackIdChars = 119;

// True when `chain_key` (a dossier_id of the log) is an agency event's chain
// (a dialogue or a feedback), not a dossier: such chains are not counted as
// open dossiers nor sent to PostgreSQL's dossier table.
constexpr bool IsAgencyChain(std::string_view chain_key) {
  return chain_key.starts_with(kDialogueChainPrefix) || chain_key.starts_with(kFeedbackChainPrefix);
}

// How a feedback reached the unit (766/QĐ-TTg counts the online share).
enum class FeedbackChannel { kOnline, kDirect, kPhone, kMail };
std::string_view FeedbackChannelName(FeedbackChannel channel);
std::optional<FeedbackChannel> FeedbackChannelFromName(std::string_view name);

// The answer to a feedback: accepted (the petition is granted), rejected
// (refused, e.g. not within the unit's competence: due within 2 working
// days of receipt) or answered (explained).
enum class FeedbackOutcome { kAccepted, kRejected, kAnswered };
std::string_view FeedbackOutcomeName(FeedbackOutcome outcome);
std::optional<FeedbackOutcome> FeedbackOutcomeFromName(std::string_view name);

// The citizen's rating of the answer.
enum class FeedbackRating { kSatisfied, kDissatisfied };
std::string_view FeedbackRatingName(FeedbackRating rating);
std::optional<FeedbackRating> FeedbackRatingFromName(std::string_view name);

// What a dialogue was about: only one on administrative procedures counts
// for the plan's target.
enum class DialogueTopic { kAdministrativeProcedures, kOther };
std::string_view DialogueTopicName(DialogueTopic topic);

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
  // dialogue_held (dossier_id holds the chain key; DialogueId() the id)
  CivilDate held_on;
  DialogueTopic topic = DialogueTopic::kAdministrativeProcedures;
  int64_t participants = 0;
  std::string minutes_ref;
  // feedback_* (dossier_id holds the chain key; FeedbackId() the id);
  // feedback_received may carry procedure_id (empty when absent).
  FeedbackChannel feedback_channel = FeedbackChannel::kOnline;    // feedback_received
  FeedbackOutcome feedback_outcome = FeedbackOutcome::kAnswered;  // feedback_answered
  FeedbackRating rating = FeedbackRating::kSatisfied;             // feedback_rated

  // feedback_id of a feedback_* event (its chain key without the prefix).
  std::string_view FeedbackId() const {
    return std::string_view(dossier_id).substr(kFeedbackChainPrefix.size());
  }

  // dialogue_id of a dialogue_held event (its chain key without the prefix).
  std::string_view DialogueId() const {
    return std::string_view(dossier_id).substr(kDialogueChainPrefix.size());
  }
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_EVENT_H_
