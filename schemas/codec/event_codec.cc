// EventDecoder: hand-written checks of schemas/envelope.schema.json and
// schemas/events/<type>.schema.json over a full simdjson DOM parse.
//
// Why the DOM parser and not On-Demand: On-Demand validates lazily, so a
// record with an unknown field followed by a syntax error would be reported
// as `schema` instead of `invalid_json`. The DOM parser validates the whole
// document (structure, UTF-8, numbers) first, which gives the check order of
// docs/events.md for free, and it still runs at millions of small records per
// second. Only the error-code API is used: no exception can leave Decode.
//
// JSON Schema semantics followed on purpose (tests/schemas checks agreement):
//  - "integer" accepts a number with a zero fraction (3.0 is the integer 3);
//  - string lengths count Unicode code points, not bytes;
//  - a key that appears twice in one object is a `schema` violation (JSON
//    Schema cannot express it; the agreement script rejects it at load).
#include "schemas/codec/event_codec.h"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "engine/core/dialogue_deadline.h"

namespace hoso::codec {
namespace {

using core::Event;
using core::EventType;
using core::RejectCode;

// Every field any event type may carry. The order of the envelope part and
// of each type's part is the canonical order of EncodeEvent.
enum Field : int {
  kEventId,
  kDossierId,
  kType,
  kOccurredAt,
  kAgencyId,
  kSchemaVersion,
  kProcedureId,
  kChannel,
  kOnlineLevel,
  kOneStop,
  kDueAt,
  kProcessing,
  kToAgencyId,
  kReason,
  kOutcome,
  kNewDueAt,
  kResponsibleAgencyId,
  kDialogueId,
  kHeldOn,
  kTopic,
  kParticipants,
  kMinutesRef,
  kFeedbackId,
  kRating,
  kFieldCount,
};

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {"event_id",
                                                                   "dossier_id",
                                                                   "type",
                                                                   "occurred_at",
                                                                   "agency_id",
                                                                   "schema_version",
                                                                   "procedure_id",
                                                                   "channel",
                                                                   "online_level",
                                                                   "one_stop",
                                                                   "due_at",
                                                                   "processing",
                                                                   "to_agency_id",
                                                                   "reason",
                                                                   "outcome",
                                                                   "new_due_at",
                                                                   "responsible_agency_id",
                                                                   "dialogue_id",
                                                                   "held_on",
                                                                   "topic",
                                                                   "participants",
                                                                   "minutes_ref",
                                                                   "feedback_id",
                                                                   "rating"};

using FieldMask = uint32_t;
constexpr FieldMask Bit(Field field) { return FieldMask{1} << field; }

// dossier_id is a field of every dossier event, not of agency events
// (dialogue_held keyed by dialogue_id, feedback_* by feedback_id): it is in
// each type's rule.
constexpr FieldMask kEnvelopeFields =
    Bit(kEventId) | Bit(kType) | Bit(kOccurredAt) | Bit(kAgencyId) | Bit(kSchemaVersion);
constexpr FieldMask kEnvelopeRequired =
    Bit(kEventId) | Bit(kType) | Bit(kOccurredAt) | Bit(kAgencyId);
constexpr FieldMask kDossier = Bit(kDossierId);

struct TypeRule {
  FieldMask allowed;   // the type's own fields (the envelope's are always allowed)
  FieldMask required;  // the type's own required fields
};

// Indexed by core::EventType; mirrors schemas/events/*.schema.json.
constexpr std::array<TypeRule, core::kEventTypeCount> kTypeRules = {{
    // received (online_level: required iff channel is online, checked apart)
    {kDossier | Bit(kProcedureId) | Bit(kChannel) | Bit(kOnlineLevel) | Bit(kOneStop) |
         Bit(kDueAt) | Bit(kProcessing),
     kDossier | Bit(kProcedureId) | Bit(kChannel)},
    // transferred
    {kDossier | Bit(kToAgencyId) | Bit(kReason), kDossier | Bit(kToAgencyId)},
    // supplement_requested
    {kDossier | Bit(kReason), kDossier | Bit(kReason)},
    // supplement_received
    {kDossier | Bit(kDueAt), kDossier},
    // resolved
    {kDossier | Bit(kOutcome), kDossier | Bit(kOutcome)},
    // overdue
    {kDossier | Bit(kDueAt), kDossier | Bit(kDueAt)},
    // apologized
    {kDossier | Bit(kNewDueAt) | Bit(kReason) | Bit(kResponsibleAgencyId),
     kDossier | Bit(kNewDueAt) | Bit(kReason)},
    // withdrawn
    {kDossier | Bit(kReason), kDossier},
    // rejected
    {kDossier | Bit(kReason), kDossier | Bit(kReason)},
    // dialogue_held
    {Bit(kDialogueId) | Bit(kHeldOn) | Bit(kTopic) | Bit(kParticipants) | Bit(kMinutesRef),
     Bit(kDialogueId) | Bit(kHeldOn) | Bit(kTopic) | Bit(kParticipants) | Bit(kMinutesRef)},
    // feedback_received
    {Bit(kFeedbackId) | Bit(kChannel) | Bit(kProcedureId), Bit(kFeedbackId) | Bit(kChannel)},
    // feedback_answered
    {Bit(kFeedbackId) | Bit(kOutcome), Bit(kFeedbackId) | Bit(kOutcome)},
    // feedback_published
    {Bit(kFeedbackId), Bit(kFeedbackId)},
    // feedback_rated
    {Bit(kFeedbackId) | Bit(kRating), Bit(kFeedbackId) | Bit(kRating)},
}};

// Limits of the schema files, in Unicode code points.
constexpr size_t kMaxIdChars = 128;
constexpr size_t kMaxReasonChars = 1024;
constexpr int64_t kMaxWorkingDays = 365;
constexpr int64_t kMaxCalendarDays = 3650;
constexpr int64_t kMaxParticipants = 100000;

// The DOM parser needs one depth level per nested container; a record within
// the size limit can never nest deeper than half its bytes. Sizing the parser
// for that keeps deep-but-valid JSON a `schema` reject instead of a parser
// depth error reported as invalid_json.
constexpr size_t kMaxDepth = core::kMaxEventBytes / 2 + 1;

// The field named `name`, or -1; the search starts at `first`. Encoders
// write the fields in kFieldNames' order, so starting after the previous
// key's field finds most keys at the first comparison.
int FieldFromName(std::string_view name, int first) {
  for (int i = first; i < kFieldCount; ++i) {
    if (kFieldNames[i] == name) return i;
  }
  for (int i = 0; i < first; ++i) {
    if (kFieldNames[i] == name) return i;
  }
  return -1;
}

// A key as it may appear in a message: printable ASCII only, bounded, so a
// hostile key cannot inject control characters or bulk into logs.
std::string PrintableKey(std::string_view key) {
  constexpr size_t kMaxShown = 64;
  std::string out;
  for (size_t i = 0; i < key.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (key.size() > kMaxShown) out += "...";
  return out;
}

// Code points of valid UTF-8 (simdjson has validated it): bytes that are not
// continuation bytes.
size_t CodePoints(std::string_view utf8) {
  size_t count = 0;
  for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// Collects the first failure; every check returns false once it fails so the
// caller can stop.
class Checker {
 public:
  explicit Checker(core::Rejection* rejection) : rejection_(rejection) {}

  bool Fail(RejectCode code, std::string_view field, std::string_view what) {
    rejection_->code = code;
    rejection_->message.assign(field);
    if (!field.empty()) rejection_->message += ": ";
    rejection_->message += what;
    return false;
  }
  bool Fail(std::string_view field, std::string_view what) {
    return Fail(RejectCode::kSchema, field, what);
  }

  // A string of [min_chars, max_chars] code points.
  bool String(simdjson::dom::element element, Field field, size_t min_chars, size_t max_chars,
              std::string_view* out) {
    if (element.get_string().get(*out) != simdjson::SUCCESS) {
      return Fail(kFieldNames[field], "not a string");
    }
    // Bytes bound code points from above, so counting is needed only when
    // the byte length is over the limit.
    if (out->size() < min_chars) {
      return Fail(kFieldNames[field], "empty (at least " + std::to_string(min_chars) +
                                          " character" + (min_chars == 1 ? "" : "s") + ")");
    }
    if (out->size() > max_chars && CodePoints(*out) > max_chars) {
      return Fail(kFieldNames[field], "longer than " + std::to_string(max_chars) + " characters");
    }
    return true;
  }

  bool Id(simdjson::dom::element element, Field field, std::string* out) {
    std::string_view text;
    if (!String(element, field, 1, kMaxIdChars, &text)) return false;
    out->assign(text);
    return true;
  }

  bool Reason(simdjson::dom::element element, std::string* out) {
    std::string_view text;
    if (!String(element, kReason, 1, kMaxReasonChars, &text)) return false;
    out->assign(text);
    return true;
  }

  bool DateTime(simdjson::dom::element element, Field field, core::Instant* out) {
    std::string_view text;
    if (element.get_string().get(text) != simdjson::SUCCESS) {
      return Fail(kFieldNames[field], "not a string");
    }
    core::Result<core::Instant> instant = core::ParseRfc3339(text);
    if (!instant.ok()) return Fail(kFieldNames[field], "not an RFC 3339 date-time with offset");
    // EncodeEvent writes local time (+07:00) with a four-digit year; an
    // instant outside local years 0000..9999 could not be decoded again.
    // Offsets are under a day, so an instant written with a year of
    // 0001..9998 falls within them whatever its offset: only the two edge
    // years are converted.
    const std::string_view written_year = text.substr(0, 4);
    if (written_year == "0000" || written_year == "9999") {
      const int local_year = core::CivilFromDays(core::ToLocalMinute(*instant).day()).year;
      if (local_year < 0 || local_year > 9999) {
        return Fail(kFieldNames[field], "outside local (+07:00) years 0000..9999");
      }
    }
    *out = *instant;
    return true;
  }

  // JSON Schema "integer": any number with a zero fraction. Values beyond
  // int64 are clamped so that range checks reject them.
  bool Integer(simdjson::dom::element element, std::string_view field, int64_t* out) {
    switch (element.type()) {
      case simdjson::dom::element_type::INT64:
        return element.get_int64().get(*out) == simdjson::SUCCESS || Fail(field, "not an integer");
      case simdjson::dom::element_type::UINT64:
        *out = std::numeric_limits<int64_t>::max();
        return true;
      case simdjson::dom::element_type::DOUBLE: {
        double value = 0;
        if (element.get_double().get(value) != simdjson::SUCCESS || !std::isfinite(value) ||
            std::floor(value) != value) {
          return Fail(field, "not an integer");
        }
        constexpr double kLimit = 9.0e18;
        *out = value > kLimit    ? std::numeric_limits<int64_t>::max()
               : value < -kLimit ? std::numeric_limits<int64_t>::min()
                                 : static_cast<int64_t>(value);
        return true;
      }
      default:
        return Fail(field, "not an integer");
    }
  }

  bool Bool(simdjson::dom::element element, std::string_view field, bool* out) {
    return element.get_bool().get(*out) == simdjson::SUCCESS || Fail(field, "not a boolean");
  }

  // {"working_days": N} | {"same_day": true} | {"calendar_days": N}.
  bool Processing(simdjson::dom::element element, core::ProcessingTime* out) {
    constexpr std::string_view kName = "processing";
    simdjson::dom::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) {
      return Fail(kName, "not an object");
    }
    if (object.size() != 1) {
      return Fail(kName, "needs exactly one of working_days, same_day, calendar_days");
    }
    const simdjson::dom::key_value_pair entry = *object.begin();
    if (entry.key == "same_day") {
      bool same_day = false;
      if (!Bool(entry.value, "processing.same_day", &same_day)) return false;
      if (!same_day) return Fail("processing.same_day", "must be true");
      *out = {core::ProcessingKind::kSameDay, 0};
      return true;
    }
    const bool working = entry.key == "working_days";
    if (!working && entry.key != "calendar_days") {
      return Fail(kName, "unknown key '" + PrintableKey(entry.key) +
                             "' (expected working_days, same_day or calendar_days)");
    }
    const std::string_view name = working ? "processing.working_days" : "processing.calendar_days";
    const int64_t max_days = working ? kMaxWorkingDays : kMaxCalendarDays;
    int64_t days = 0;
    if (!Integer(entry.value, name, &days)) return false;
    if (days < 1 || days > max_days) {
      return Fail(name, "out of range 1.." + std::to_string(max_days));
    }
    *out = {working ? core::ProcessingKind::kWorkingDays : core::ProcessingKind::kCalendarDays,
            static_cast<int>(days)};
    return true;
  }

 private:
  core::Rejection* rejection_;
};

// Clears *event for reuse; keeps string capacity so steady-state decoding
// does not allocate.
void ResetEvent(Event* event) {
  event->event_id.clear();
  event->dossier_id.clear();
  event->type = EventType::kReceived;
  event->occurred_at = {};
  event->agency_id.clear();
  event->schema_version = 1;
  event->procedure_id.clear();
  event->channel = core::Channel::kDirect;
  event->online_level = 0;
  event->one_stop = true;
  event->due_at.reset();
  event->processing.reset();
  event->to_agency_id.clear();
  event->reason.clear();
  event->outcome = core::Outcome::kApproved;
  event->new_due_at.reset();
  event->responsible_agency_id.clear();
  event->held_on = {};
  event->topic = core::DialogueTopic::kAdministrativeProcedures;
  event->participants = 0;
  event->minutes_ref.clear();
  event->feedback_channel = core::FeedbackChannel::kOnline;
  event->feedback_outcome = core::FeedbackOutcome::kAnswered;
  event->rating = core::FeedbackRating::kSatisfied;
}

// --- Encoding -----------------------------------------------------------------

void AppendString(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (byte < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[byte >> 4]);
          out->push_back(kHex[byte & 0xF]);
        } else {
          out->push_back(c);  // UTF-8 passes through unchanged
        }
    }
  }
  out->push_back('"');
}

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  void Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendString(out_, key);
    out_->push_back(':');
  }
  void String(std::string_view key, std::string_view value) {
    Key(key);
    AppendString(out_, value);
  }
  void Instant(std::string_view key, core::Instant value) { String(key, core::FormatLocal(value)); }
  void Int(std::string_view key, int64_t value) {
    Key(key);
    *out_ += std::to_string(value);
  }
  void Bool(std::string_view key, bool value) {
    Key(key);
    *out_ += value ? "true" : "false";
  }
  void Close() { out_->push_back('}'); }

 private:
  std::string* out_;
  bool first_ = true;
};

}  // namespace

struct EventDecoder::Impl {
  simdjson::dom::parser parser;
  // The record copied with SIMDJSON_PADDING readable bytes after it, as the
  // parser requires; allocated once for the largest record accepted.
  std::unique_ptr<char[]> buffer{new char[core::kMaxEventBytes + simdjson::SIMDJSON_PADDING]()};
  Impl() {
    // Pre-sizing avoids reallocations and sets the depth limit. On failure
    // (out of memory) parse() allocates again and reports each record as
    // invalid_json with simdjson's MEMALLOC message: degraded, never a crash.
    if (parser.allocate(core::kMaxEventBytes, kMaxDepth) != simdjson::SUCCESS) return;
  }
};

EventDecoder::EventDecoder() : impl_(std::make_unique<Impl>()) {}
EventDecoder::~EventDecoder() = default;

bool EventDecoder::Decode(std::string_view bytes, core::Event* event, core::Rejection* rejection) {
  Checker check(rejection);
  if (bytes.size() > core::kMaxEventBytes) {
    return check.Fail(RejectCode::kTooLarge, "",
                      "record is " + std::to_string(bytes.size()) + " bytes, over the " +
                          std::to_string(core::kMaxEventBytes) + "-byte limit");
  }
  char* buffer = impl_->buffer.get();
  if (!bytes.empty()) std::memcpy(buffer, bytes.data(), bytes.size());
  std::memset(buffer + bytes.size(), 0, simdjson::SIMDJSON_PADDING);

  simdjson::dom::element root;
  const simdjson::error_code parse_error =
      impl_->parser.parse(buffer, bytes.size(), /*realloc_if_needed=*/false).get(root);
  if (parse_error != simdjson::SUCCESS) {
    return check.Fail(RejectCode::kInvalidJson, "",
                      std::string("not valid JSON: ") + simdjson::error_message(parse_error));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return check.Fail(RejectCode::kInvalidJson, "", "not a JSON object");
  }

  // One pass over the keys: known fields by slot, duplicates, first unknown.
  std::array<simdjson::dom::element, kFieldCount> values;
  FieldMask present = 0;
  FieldMask duplicated = 0;
  std::string_view unknown_key;
  bool has_unknown = false;
  int next_field = 0;
  for (const simdjson::dom::key_value_pair entry : object) {
    const int field = FieldFromName(entry.key, next_field);
    if (field < 0) {
      if (!has_unknown) unknown_key = entry.key;
      has_unknown = true;
      continue;
    }
    const FieldMask bit = Bit(static_cast<Field>(field));
    duplicated |= present & bit;
    present |= bit;
    values[field] = entry.value;
    next_field = (field + 1) % kFieldCount;
  }

  // Type first: it selects the schema (unknown_type outranks schema).
  if (!(present & Bit(kType))) return check.Fail("type", "missing");
  if (duplicated & Bit(kType)) return check.Fail("type", "duplicate key");
  std::string_view type_name;
  if (values[kType].get_string().get(type_name) != simdjson::SUCCESS) {
    return check.Fail("type", "not a string");
  }
  const std::optional<EventType> type = core::EventTypeFromName(type_name);
  if (!type) {
    return check.Fail(RejectCode::kUnknownType, "type",
                      "unknown event type '" + PrintableKey(type_name) + "'");
  }
  const TypeRule& rule = kTypeRules[static_cast<int>(*type)];

  if (duplicated) {
    for (int i = 0; i < kFieldCount; ++i) {
      if (duplicated & Bit(static_cast<Field>(i)))
        return check.Fail(kFieldNames[i], "duplicate key");
    }
  }
  if (has_unknown) return check.Fail(PrintableKey(unknown_key), "unknown field");
  const FieldMask not_allowed = present & ~(kEnvelopeFields | rule.allowed);
  if (not_allowed) {
    for (int i = 0; i < kFieldCount; ++i) {
      if (not_allowed & Bit(static_cast<Field>(i))) {
        return check.Fail(kFieldNames[i],
                          std::string("not a field of a '") + std::string(type_name) + "' event");
      }
    }
  }
  const FieldMask missing = (kEnvelopeRequired | rule.required) & ~present;
  if (missing) {
    for (int i = 0; i < kFieldCount; ++i) {
      if (missing & Bit(static_cast<Field>(i))) return check.Fail(kFieldNames[i], "missing");
    }
  }

  ResetEvent(event);
  event->type = *type;
  if (!check.Id(values[kEventId], kEventId, &event->event_id) ||
      (*type != EventType::kDialogueHeld && !core::IsFeedbackEvent(*type) &&
       !check.Id(values[kDossierId], kDossierId, &event->dossier_id)) ||
      !check.DateTime(values[kOccurredAt], kOccurredAt, &event->occurred_at) ||
      !check.Id(values[kAgencyId], kAgencyId, &event->agency_id)) {
    return false;
  }
  if (event->dossier_id.starts_with(core::kDialogueChainPrefix)) {
    return check.Fail("dossier_id", "must not start with 'dialogue:' (the chain key of dialogues)");
  }
  if (event->dossier_id.starts_with(core::kFeedbackChainPrefix)) {
    return check.Fail("dossier_id", "must not start with 'feedback:' (the chain key of feedback)");
  }
  if (event->dossier_id.starts_with(core::kAgencyAlertPrefix)) {
    // dialogue_missing alerts are keyed "agency:<ward>" where dossiers' are
    // keyed by their id (hoso.alerts, alert ids, `hoso alerts`).
    return check.Fail("dossier_id", "must not start with 'agency:' (the key of a ward's alerts)");
  }
  if (core::IsFeedbackEvent(*type)) {
    std::string_view id;
    if (!check.String(values[kFeedbackId], kFeedbackId, 1, core::kMaxFeedbackIdChars, &id)) {
      return false;
    }
    event->dossier_id.assign(core::kFeedbackChainPrefix);
    event->dossier_id.append(id);
  }
  if (present & Bit(kSchemaVersion)) {
    int64_t version = 0;
    if (!check.Integer(values[kSchemaVersion], "schema_version", &version)) return false;
    if (version != 1) return check.Fail("schema_version", "must be 1");
  }

  auto read_instant = [&](Field field, std::optional<core::Instant>* out) {
    if (!(present & Bit(field))) return true;
    core::Instant instant;
    if (!check.DateTime(values[field], field, &instant)) return false;
    *out = instant;
    return true;
  };
  auto read_reason = [&] {
    return !(present & Bit(kReason)) || check.Reason(values[kReason], &event->reason);
  };

  switch (*type) {
    case EventType::kReceived: {
      if (!check.Id(values[kProcedureId], kProcedureId, &event->procedure_id)) return false;
      std::string_view channel_name;
      if (values[kChannel].get_string().get(channel_name) != simdjson::SUCCESS) {
        return check.Fail("channel", "not a string");
      }
      const std::optional<core::Channel> channel = core::ChannelFromName(channel_name);
      if (!channel) return check.Fail("channel", "must be direct, postal or online");
      event->channel = *channel;
      const bool online = *channel == core::Channel::kOnline;
      if (present & Bit(kOnlineLevel)) {
        if (!online) return check.Fail("online_level", "only allowed when channel is online");
        int64_t level = 0;
        if (!check.Integer(values[kOnlineLevel], "online_level", &level)) return false;
        if (level != 3 && level != 4) return check.Fail("online_level", "must be 3 or 4");
        event->online_level = static_cast<int>(level);
      } else if (online) {
        return check.Fail("online_level", "required when channel is online");
      }
      if ((present & Bit(kOneStop)) &&
          !check.Bool(values[kOneStop], "one_stop", &event->one_stop)) {
        return false;
      }
      if (!read_instant(kDueAt, &event->due_at)) return false;
      if (present & Bit(kProcessing)) {
        core::ProcessingTime processing;
        if (!check.Processing(values[kProcessing], &processing)) return false;
        event->processing = processing;
      }
      return true;
    }
    case EventType::kTransferred:
      return check.Id(values[kToAgencyId], kToAgencyId, &event->to_agency_id) && read_reason();
    case EventType::kSupplementRequested:
    case EventType::kWithdrawn:
    case EventType::kRejected:
      return read_reason();  // required-ness was checked above
    case EventType::kSupplementReceived:
    case EventType::kOverdue:
      return read_instant(kDueAt, &event->due_at);
    case EventType::kResolved: {
      std::string_view outcome;
      if (values[kOutcome].get_string().get(outcome) != simdjson::SUCCESS) {
        return check.Fail("outcome", "not a string");
      }
      if (outcome == "approved") {
        event->outcome = core::Outcome::kApproved;
      } else if (outcome == "denied") {
        event->outcome = core::Outcome::kDenied;
      } else {
        return check.Fail("outcome", "must be approved or denied");
      }
      return true;
    }
    case EventType::kApologized:
      return read_instant(kNewDueAt, &event->new_due_at) && read_reason() &&
             (!(present & Bit(kResponsibleAgencyId)) ||
              check.Id(values[kResponsibleAgencyId], kResponsibleAgencyId,
                       &event->responsible_agency_id));
    case EventType::kDialogueHeld: {
      std::string_view id;
      if (!check.String(values[kDialogueId], kDialogueId, 1, core::kMaxDialogueIdChars, &id)) {
        return false;
      }
      event->dossier_id.assign(core::kDialogueChainPrefix);
      event->dossier_id.append(id);
      std::string_view held_on;
      if (values[kHeldOn].get_string().get(held_on) != simdjson::SUCCESS) {
        return check.Fail("held_on", "not a string");
      }
      core::Result<core::CivilDate> date = core::ParseCivilDate(held_on);
      if (!date.ok()) return check.Fail("held_on", "not a date YYYY-MM-DD");
      event->held_on = *date;
      std::string_view topic;
      if (values[kTopic].get_string().get(topic) != simdjson::SUCCESS) {
        return check.Fail("topic", "not a string");
      }
      if (topic == "administrative_procedures") {
        event->topic = core::DialogueTopic::kAdministrativeProcedures;
      } else if (topic == "other") {
        event->topic = core::DialogueTopic::kOther;
      } else {
        return check.Fail("topic", "must be administrative_procedures or other");
      }
      if (!check.Integer(values[kParticipants], "participants", &event->participants)) {
        return false;
      }
      if (event->participants < 1 || event->participants > kMaxParticipants) {
        return check.Fail("participants", "must be 1 to " + std::to_string(kMaxParticipants));
      }
      return check.Id(values[kMinutesRef], kMinutesRef, &event->minutes_ref);
    }
    case EventType::kFeedbackReceived: {
      std::string_view channel_name;
      if (values[kChannel].get_string().get(channel_name) != simdjson::SUCCESS) {
        return check.Fail("channel", "not a string");
      }
      const std::optional<core::FeedbackChannel> channel =
          core::FeedbackChannelFromName(channel_name);
      if (!channel) return check.Fail("channel", "must be online, direct, phone or mail");
      event->feedback_channel = *channel;
      return !(present & Bit(kProcedureId)) ||
             check.Id(values[kProcedureId], kProcedureId, &event->procedure_id);
    }
    case EventType::kFeedbackAnswered: {
      std::string_view outcome;
      if (values[kOutcome].get_string().get(outcome) != simdjson::SUCCESS) {
        return check.Fail("outcome", "not a string");
      }
      const std::optional<core::FeedbackOutcome> parsed = core::FeedbackOutcomeFromName(outcome);
      if (!parsed) return check.Fail("outcome", "must be accepted, rejected or answered");
      event->feedback_outcome = *parsed;
      return true;
    }
    case EventType::kFeedbackPublished:
      return true;
    case EventType::kFeedbackRated: {
      std::string_view rating;
      if (values[kRating].get_string().get(rating) != simdjson::SUCCESS) {
        return check.Fail("rating", "not a string");
      }
      const std::optional<core::FeedbackRating> parsed = core::FeedbackRatingFromName(rating);
      if (!parsed) return check.Fail("rating", "must be satisfied or dissatisfied");
      event->rating = *parsed;
      return true;
    }
  }
  return check.Fail("type", "unhandled event type");  // unreachable: the switch is exhaustive
}

std::string EncodeEvent(const core::Event& event) {
  std::string out;
  out.reserve(256);
  JsonWriter json(&out);
  json.String("event_id", event.event_id);
  if (event.type == EventType::kDialogueHeld) {
    json.String("dialogue_id", event.DialogueId());
  } else if (core::IsFeedbackEvent(event.type)) {
    json.String("feedback_id", event.FeedbackId());
  } else {
    json.String("dossier_id", event.dossier_id);
  }
  json.String("type", core::EventTypeName(event.type));
  json.Instant("occurred_at", event.occurred_at);
  json.String("agency_id", event.agency_id);
  // Version 1 is the default and the only one; another value is written so
  // that the decoder refuses it rather than silently downgrading it.
  if (event.schema_version != 1) json.Int("schema_version", event.schema_version);
  switch (event.type) {
    case EventType::kReceived:
      json.String("procedure_id", event.procedure_id);
      json.String("channel", core::ChannelName(event.channel));
      if (event.channel == core::Channel::kOnline) json.Int("online_level", event.online_level);
      if (!event.one_stop) json.Bool("one_stop", false);
      if (event.due_at) json.Instant("due_at", *event.due_at);
      if (event.processing) {
        json.Key("processing");
        JsonWriter processing(&out);
        switch (event.processing->kind) {
          case core::ProcessingKind::kWorkingDays:
            processing.Int("working_days", event.processing->days);
            break;
          case core::ProcessingKind::kSameDay:
            processing.Bool("same_day", true);
            break;
          case core::ProcessingKind::kCalendarDays:
            processing.Int("calendar_days", event.processing->days);
            break;
        }
        processing.Close();
      }
      break;
    case EventType::kTransferred:
      json.String("to_agency_id", event.to_agency_id);
      if (!event.reason.empty()) json.String("reason", event.reason);
      break;
    case EventType::kSupplementRequested:
    case EventType::kRejected:
      json.String("reason", event.reason);
      break;
    case EventType::kWithdrawn:
      if (!event.reason.empty()) json.String("reason", event.reason);
      break;
    case EventType::kSupplementReceived:
      if (event.due_at) json.Instant("due_at", *event.due_at);
      break;
    case EventType::kOverdue:
      // Required: an event without it encodes to a record the decoder refuses.
      if (event.due_at) json.Instant("due_at", *event.due_at);
      break;
    case EventType::kResolved:
      json.String("outcome", core::OutcomeName(event.outcome));
      break;
    case EventType::kApologized:
      if (event.new_due_at) json.Instant("new_due_at", *event.new_due_at);
      json.String("reason", event.reason);
      if (!event.responsible_agency_id.empty()) {
        json.String("responsible_agency_id", event.responsible_agency_id);
      }
      break;
    case EventType::kDialogueHeld:
      json.String("held_on", core::FormatCivilDate(event.held_on));
      json.String("topic", core::DialogueTopicName(event.topic));
      json.Int("participants", event.participants);
      json.String("minutes_ref", event.minutes_ref);
      break;
    case EventType::kFeedbackReceived:
      if (!event.procedure_id.empty()) json.String("procedure_id", event.procedure_id);
      json.String("channel", core::FeedbackChannelName(event.feedback_channel));
      break;
    case EventType::kFeedbackAnswered:
      json.String("outcome", core::FeedbackOutcomeName(event.feedback_outcome));
      break;
    case EventType::kFeedbackPublished:
      break;
    case EventType::kFeedbackRated:
      json.String("rating", core::FeedbackRatingName(event.rating));
      break;
  }
  json.Close();
  return out;
}

}  // namespace hoso::codec
