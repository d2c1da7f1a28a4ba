#include "schemas/codec/event_codec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/event.h"
#include "engine/core/instant.h"
#include "engine/core/rejection.h"
#include "tests/schemas/codec/event_equality.h"

namespace hoso::codec {
namespace {

using core::Channel;
using core::Event;
using core::EventType;
using core::Instant;
using core::Outcome;
using core::ProcessingKind;
using core::ProcessingTime;
using core::RejectCode;
using testing::FirstDifference;

Instant At(std::string_view text) { return core::ParseRfc3339(text).value(); }

// The envelope of every test event, followed by `rest` (the type's fields,
// starting with a comma).
std::string Record(std::string_view type, std::string_view rest) {
  return std::string(R"({"event_id":"evt-1","dossier_id":"HBT-2019-000123","type":")") +
         std::string(type) +
         R"(","occurred_at":"2019-06-10T09:15:00+07:00","agency_id":"ward-bach-dang")" +
         std::string(rest) + "}";
}

std::string Received(std::string_view extra = "") {
  return Record("received", std::string(R"(,"procedure_id":"1.001612","channel":"direct")") +
                                std::string(extra));
}

class EventCodecTest : public ::testing::Test {
 protected:
  // Decodes and expects success.
  Event Accept(std::string_view bytes) {
    Event event;
    core::Rejection rejection;
    EXPECT_TRUE(decoder_.Decode(bytes, &event, &rejection))
        << RejectCodeName(rejection.code) << ": " << rejection.message << "\n  in " << bytes;
    return event;
  }
  // Decodes and expects a rejection; returns it.
  core::Rejection Reject(std::string_view bytes) {
    Event event;
    core::Rejection rejection;
    EXPECT_FALSE(decoder_.Decode(bytes, &event, &rejection)) << "accepted: " << bytes;
    return rejection;
  }
  void ExpectSchemaError(std::string_view bytes, std::string_view field) {
    const core::Rejection rejection = Reject(bytes);
    EXPECT_EQ(rejection.code, RejectCode::kSchema) << rejection.message << "\n  in " << bytes;
    EXPECT_EQ(rejection.message.rfind(std::string(field) + ":", 0), 0u)
        << "message should start with the field '" << field << "': " << rejection.message;
  }
  // EncodeEvent then Decode gives the same event, and re-encoding is stable.
  void ExpectRoundTrip(const Event& event) {
    const std::string encoded = EncodeEvent(event);
    const Event decoded = Accept(encoded);
    EXPECT_EQ(FirstDifference(event, decoded), "") << encoded;
    EXPECT_EQ(EncodeEvent(decoded), encoded);
  }

  EventDecoder decoder_;
};

// --- Valid events: every type, every field -------------------------------------

TEST_F(EventCodecTest, ReceivedWithEveryFieldDecodes) {
  const Event event =
      Accept(Record("received", R"(,"schema_version":1,"procedure_id":"1.001612",)"
                                R"("channel":"online","online_level":4,"one_stop":false,)"
                                R"("due_at":"2019-06-13T09:15:00+07:00",)"
                                R"("processing":{"working_days":3})"));
  EXPECT_EQ(event.event_id, "evt-1");
  EXPECT_EQ(event.dossier_id, "HBT-2019-000123");
  EXPECT_EQ(event.type, EventType::kReceived);
  EXPECT_EQ(event.occurred_at, At("2019-06-10T02:15:00Z"));
  EXPECT_EQ(event.agency_id, "ward-bach-dang");
  EXPECT_EQ(event.schema_version, 1);
  EXPECT_EQ(event.procedure_id, "1.001612");
  EXPECT_EQ(event.channel, Channel::kOnline);
  EXPECT_EQ(event.online_level, 4);
  EXPECT_FALSE(event.one_stop);
  EXPECT_EQ(event.due_at, At("2019-06-13T09:15:00+07:00"));
  EXPECT_EQ(event.processing, (ProcessingTime{ProcessingKind::kWorkingDays, 3}));
}

TEST_F(EventCodecTest, ReceivedDefaultsWhenOptionalFieldsAreAbsent) {
  const Event event = Accept(Received());
  EXPECT_EQ(event.channel, Channel::kDirect);
  EXPECT_EQ(event.online_level, 0);
  EXPECT_TRUE(event.one_stop);
  EXPECT_FALSE(event.due_at.has_value());
  EXPECT_FALSE(event.processing.has_value());
  EXPECT_EQ(event.schema_version, 1);
}

TEST_F(EventCodecTest, ReceivedProcessingKinds) {
  EXPECT_EQ(Accept(Received(R"(,"processing":{"same_day":true})")).processing,
            (ProcessingTime{ProcessingKind::kSameDay, 0}));
  EXPECT_EQ(Accept(Received(R"(,"processing":{"calendar_days":3650})")).processing,
            (ProcessingTime{ProcessingKind::kCalendarDays, 3650}));
  EXPECT_EQ(Accept(Received(R"(,"processing":{"working_days":365})")).processing,
            (ProcessingTime{ProcessingKind::kWorkingDays, 365}));
  EXPECT_EQ(Accept(Record("received", R"(,"procedure_id":"p","channel":"postal")")).channel,
            Channel::kPostal);
}

TEST_F(EventCodecTest, TransferredDecodes) {
  Event event =
      Accept(Record("transferred", R"(,"to_agency_id":"office-justice","reason":"liên thông")"));
  EXPECT_EQ(event.type, EventType::kTransferred);
  EXPECT_EQ(event.to_agency_id, "office-justice");
  EXPECT_EQ(event.reason, "liên thông");
  event = Accept(Record("transferred", R"(,"to_agency_id":"office-justice")"));
  EXPECT_EQ(event.reason, "");
}

TEST_F(EventCodecTest, SupplementRequestedAndReceivedDecode) {
  Event event = Accept(Record("supplement_requested", R"(,"reason":"thiếu bản sao")"));
  EXPECT_EQ(event.type, EventType::kSupplementRequested);
  EXPECT_EQ(event.reason, "thiếu bản sao");
  event = Accept(Record("supplement_received", ""));
  EXPECT_EQ(event.type, EventType::kSupplementReceived);
  EXPECT_FALSE(event.due_at.has_value());
  event = Accept(Record("supplement_received", R"(,"due_at":"2019-06-20T10:00:00+07:00")"));
  EXPECT_EQ(event.due_at, At("2019-06-20T03:00:00Z"));
}

TEST_F(EventCodecTest, ResolvedOverdueDecode) {
  EXPECT_EQ(Accept(Record("resolved", R"(,"outcome":"approved")")).outcome, Outcome::kApproved);
  const Event denied = Accept(Record("resolved", R"(,"outcome":"denied")"));
  EXPECT_EQ(denied.type, EventType::kResolved);
  EXPECT_EQ(denied.outcome, Outcome::kDenied);
  const Event overdue = Accept(Record("overdue", R"(,"due_at":"2019-06-11T09:00:00+07:00")"));
  EXPECT_EQ(overdue.type, EventType::kOverdue);
  EXPECT_EQ(overdue.due_at, At("2019-06-11T09:00:00+07:00"));
}

TEST_F(EventCodecTest, ApologizedDecodes) {
  const Event event = Accept(
      Record("apologized", R"(,"new_due_at":"2019-06-14T16:00:00+07:00","reason":"chờ xác minh",)"
                           R"("responsible_agency_id":"office-land")"));
  EXPECT_EQ(event.type, EventType::kApologized);
  EXPECT_EQ(event.new_due_at, At("2019-06-14T16:00:00+07:00"));
  EXPECT_EQ(event.reason, "chờ xác minh");
  EXPECT_EQ(event.responsible_agency_id, "office-land");
}

TEST_F(EventCodecTest, WithdrawnAndRejectedDecode) {
  Event event = Accept(Record("withdrawn", ""));
  EXPECT_EQ(event.type, EventType::kWithdrawn);
  EXPECT_EQ(event.reason, "");
  event = Accept(Record("withdrawn", R"(,"reason":"rút hồ sơ")"));
  EXPECT_EQ(event.reason, "rút hồ sơ");
  event = Accept(Record("rejected", R"(,"reason":"không đủ điều kiện")"));
  EXPECT_EQ(event.type, EventType::kRejected);
  EXPECT_EQ(event.reason, "không đủ điều kiện");
}

TEST_F(EventCodecTest, OccurredAtKeepsMillisecondsAndAnyOffset) {
  EXPECT_EQ(Accept(Record("withdrawn", "")).occurred_at.epoch_ms, 1560132900000);
  const std::string utc = R"({"event_id":"e","dossier_id":"d","type":"withdrawn",)"
                          R"("occurred_at":"2019-06-10T02:15:00.1239Z","agency_id":"a"})";
  EXPECT_EQ(Accept(utc).occurred_at.epoch_ms, 1560132900123);
}

TEST_F(EventCodecTest, IntegralFloatIsAnInteger) {
  // JSON Schema: 3.0 is the integer 3 (the schema files agree).
  EXPECT_EQ(
      Accept(Record("received", R"(,"procedure_id":"p","channel":"online","online_level":3.0)"))
          .online_level,
      3);
  EXPECT_EQ(Accept(Received(R"(,"processing":{"working_days":1e1})")).processing->days, 10);
}

TEST_F(EventCodecTest, LengthsCountCharactersNotBytes) {
  std::string id;
  for (int i = 0; i < 128; ++i) id += "ư";  // 2 bytes each
  EXPECT_EQ(Accept(Record("received", R"(,"channel":"direct","procedure_id":")" + id + "\""))
                .procedure_id,
            id);
  ExpectSchemaError(Record("received", R"(,"channel":"direct","procedure_id":")" + id + "ư\""),
                    "procedure_id");
}

// --- Reject codes, in the order of docs/events.md --------------------------------

TEST_F(EventCodecTest, TooLargeIsCheckedBeforeParsing) {
  std::string record = Received();
  record.insert(record.size() - 1, std::string(core::kMaxEventBytes + 1 - record.size(), ' '));
  ASSERT_EQ(record.size(), core::kMaxEventBytes + 1);
  EXPECT_EQ(Reject(record).code, RejectCode::kTooLarge);
  // Not JSON at all, still too_large: size comes first.
  EXPECT_EQ(Reject(std::string(core::kMaxEventBytes + 1, '{')).code, RejectCode::kTooLarge);
  // Exactly at the limit is fine.
  record.erase(record.size() - 2, 1);
  ASSERT_EQ(record.size(), core::kMaxEventBytes);
  Accept(record);
}

TEST_F(EventCodecTest, InvalidJson) {
  for (const std::string& bytes :
       {std::string(""), std::string("   "), std::string("{"), std::string("{\"type\":}"),
        std::string("not json"), std::string("[]"), std::string("\"received\""), std::string("42"),
        std::string("null"), Received() + Received(), Received() + ",",
        std::string("{\"type\":\"received\",}"), std::string("{'type':'received'}"),
        std::string("{\"type\":\"received\",\"x\":NaN}"),
        std::string("{\"type\":\"re\xff\xfe\"}")}) {
    const core::Rejection rejection = Reject(bytes);
    EXPECT_EQ(rejection.code, RejectCode::kInvalidJson) << bytes << " -> " << rejection.message;
  }
}

TEST_F(EventCodecTest, EveryTruncatedLineIsInvalidJson) {
  const std::string record = Record("apologized", R"(,"new_due_at":"2019-06-14T16:00:00+07:00",)"
                                                  R"("reason":"chờ \"xác\" minh")");
  Accept(record);
  for (size_t length = 0; length < record.size(); ++length) {
    const core::Rejection rejection = Reject(record.substr(0, length));
    EXPECT_EQ(rejection.code, RejectCode::kInvalidJson) << "prefix of " << length << " bytes";
  }
}

TEST_F(EventCodecTest, UnknownTypeOnlyForAStringThatIsNoType) {
  core::Rejection rejection = Reject(Record("closed", ""));
  EXPECT_EQ(rejection.code, RejectCode::kUnknownType);
  EXPECT_EQ(rejection.message, "type: unknown event type 'closed'");
  EXPECT_EQ(Reject(Record("Received", "")).code, RejectCode::kUnknownType);
  // An unknown type outranks every schema problem of the record.
  EXPECT_EQ(Reject(R"({"type":"closed","citizen_name":"x"})").code, RejectCode::kUnknownType);
  // Missing or non-string type: schema.
  ExpectSchemaError(R"({"event_id":"e"})", "type");
  ExpectSchemaError(R"({"type":7})", "type");
  ExpectSchemaError(R"({"type":null})", "type");
  ExpectSchemaError(R"({"type":["received"]})", "type");
}

TEST_F(EventCodecTest, SchemaMissingField) {
  const std::vector<std::pair<std::string, std::string>> envelope = {
      {"event_id", R"("e")"},
      {"dossier_id", R"("d")"},
      {"type", R"("withdrawn")"},
      {"occurred_at", R"("2019-06-10T09:15:00+07:00")"},
      {"agency_id", R"("a")"}};
  for (const auto& [missing, ignored] : envelope) {
    std::string record;
    for (const auto& [name, value] : envelope) {
      if (name == missing) continue;
      record += (record.empty() ? "{\"" : ",\"") + name + "\":" + value;
    }
    record += "}";
    ExpectSchemaError(record, missing);
  }
  ExpectSchemaError(Record("received", R"(,"channel":"direct")"), "procedure_id");
  ExpectSchemaError(Record("received", R"(,"procedure_id":"p")"), "channel");
  ExpectSchemaError(Record("transferred", ""), "to_agency_id");
  ExpectSchemaError(Record("supplement_requested", ""), "reason");
  ExpectSchemaError(Record("resolved", ""), "outcome");
  ExpectSchemaError(Record("overdue", ""), "due_at");
  ExpectSchemaError(Record("apologized", R"(,"reason":"r")"), "new_due_at");
  ExpectSchemaError(Record("apologized", R"(,"new_due_at":"2019-06-14T16:00:00+07:00")"), "reason");
  ExpectSchemaError(Record("rejected", ""), "reason");
}

TEST_F(EventCodecTest, SchemaWrongType) {
  ExpectSchemaError(R"({"event_id":1,"dossier_id":"d","type":"withdrawn",)"
                    R"("occurred_at":"2019-06-10T09:15:00+07:00","agency_id":"a"})",
                    "event_id");
  ExpectSchemaError(R"({"event_id":"e","dossier_id":null,"type":"withdrawn",)"
                    R"("occurred_at":"2019-06-10T09:15:00+07:00","agency_id":"a"})",
                    "dossier_id");
  ExpectSchemaError(R"({"event_id":"e","dossier_id":"d","type":"withdrawn",)"
                    R"("occurred_at":1560133500,"agency_id":"a"})",
                    "occurred_at");
  ExpectSchemaError(Received(R"(,"one_stop":"false")"), "one_stop");
  ExpectSchemaError(Received(R"(,"one_stop":0)"), "one_stop");
  ExpectSchemaError(
      Record("received", R"(,"procedure_id":"p","channel":"online","online_level":"3")"),
      "online_level");
  ExpectSchemaError(
      Record("received", R"(,"procedure_id":"p","channel":"online","online_level":3.5)"),
      "online_level");
  ExpectSchemaError(Received(R"(,"due_at":20190613)"), "due_at");
  ExpectSchemaError(Received(R"(,"processing":3)"), "processing");
  ExpectSchemaError(Received(R"(,"processing":{"working_days":"3"})"), "processing.working_days");
  ExpectSchemaError(Received(R"(,"processing":{"same_day":1})"), "processing.same_day");
  ExpectSchemaError(Record("resolved", R"(,"outcome":true)"), "outcome");
  ExpectSchemaError(Record("withdrawn", R"(,"reason":null)"), "reason");
  ExpectSchemaError(Record("withdrawn", R"(,"schema_version":"1")"), "schema_version");
}

TEST_F(EventCodecTest, SchemaUnknownField) {
  ExpectSchemaError(Received(R"(,"citizen_name":"Nguyễn Văn A")"), "citizen_name");
  // A field of another type is unknown for this one.
  ExpectSchemaError(Received(R"(,"outcome":"approved")"), "outcome");
  ExpectSchemaError(Record("resolved", R"(,"outcome":"approved","due_at":"2019-06-11T09:00:00Z")"),
                    "due_at");
  // Control characters of a hostile key never reach the message.
  const core::Rejection rejection = Reject(Received(R"(,"a\nb\u0007":1)"));
  EXPECT_EQ(rejection.message, "a?b?: unknown field");
}

TEST_F(EventCodecTest, SchemaDuplicateKey) {
  ExpectSchemaError(Record("resolved", R"(,"outcome":"approved","outcome":"denied")"), "outcome");
  ExpectSchemaError(Received(R"(,"processing":{"working_days":3,"working_days":3})"), "processing");
  ExpectSchemaError(R"({"type":"withdrawn","type":"withdrawn"})", "type");
}

TEST_F(EventCodecTest, SchemaBadDateTime) {
  for (const char* text :
       {"2019-06-10T09:15:00", "2019-06-10 09:15:00+07:00", "2019-06-10", "2019-02-30T09:15:00Z",
        "2019-06-10T24:00:00Z", "2016-12-31T23:59:60Z", "2019-06-10T09:15:00+0700",
        "2019-06-10T09:15:00.+07:00", "2019-06-10T09:15:00Z ", "0000-01-01T00:00:00+07:01",
        "9999-12-31T17:00:00Z", ""}) {
    const std::string record =
        R"({"event_id":"e","dossier_id":"d","type":"withdrawn","occurred_at":")" +
        std::string(text) + R"(","agency_id":"a"})";
    ExpectSchemaError(record, "occurred_at");
  }
  const core::Rejection rejection = Reject(Received(R"(,"due_at":"tomorrow")"));
  EXPECT_EQ(rejection.message, "due_at: not an RFC 3339 date-time with offset");
}

TEST_F(EventCodecTest, SchemaOnlineLevelRules) {
  const core::Rejection missing =
      Reject(Record("received", R"(,"procedure_id":"p","channel":"online")"));
  EXPECT_EQ(missing.code, RejectCode::kSchema);
  EXPECT_EQ(missing.message, "online_level: required when channel is online");
  ExpectSchemaError(Received(R"(,"online_level":3)"), "online_level");
  ExpectSchemaError(
      Record("received", R"(,"procedure_id":"p","channel":"postal","online_level":null)"),
      "online_level");
  ExpectSchemaError(
      Record("received", R"(,"procedure_id":"p","channel":"online","online_level":2)"),
      "online_level");
  ExpectSchemaError(Record("received", R"(,"procedure_id":"p","channel":"fax")"), "channel");
}

TEST_F(EventCodecTest, SchemaProcessingShapes) {
  ExpectSchemaError(Received(R"(,"processing":{"working_days":3,"calendar_days":5})"),
                    "processing");
  ExpectSchemaError(Received(R"(,"processing":{})"), "processing");
  ExpectSchemaError(Received(R"(,"processing":{"hours":4})"), "processing");
  ExpectSchemaError(Received(R"(,"processing":{"working_days":0})"), "processing.working_days");
  ExpectSchemaError(Received(R"(,"processing":{"working_days":366})"), "processing.working_days");
  ExpectSchemaError(Received(R"(,"processing":{"working_days":2.5})"), "processing.working_days");
  ExpectSchemaError(Received(R"(,"processing":{"working_days":18446744073709551615})"),
                    "processing.working_days");
  ExpectSchemaError(Received(R"(,"processing":{"calendar_days":3651})"),
                    "processing.calendar_days");
  ExpectSchemaError(Received(R"(,"processing":{"calendar_days":-1})"), "processing.calendar_days");
  ExpectSchemaError(Received(R"(,"processing":{"same_day":false})"), "processing.same_day");
}

TEST_F(EventCodecTest, SchemaStringLengths) {
  ExpectSchemaError(R"({"event_id":"","dossier_id":"d","type":"withdrawn",)"
                    R"("occurred_at":"2019-06-10T09:15:00+07:00","agency_id":"a"})",
                    "event_id");
  const std::string id_128(128, 'd');
  Accept(R"({"event_id":"e","dossier_id":")" + id_128 +
         R"(","type":"withdrawn","occurred_at":"2019-06-10T09:15:00+07:00","agency_id":"a"})");
  ExpectSchemaError(
      R"({"event_id":"e","dossier_id":")" + id_128 +
          R"(d","type":"withdrawn","occurred_at":"2019-06-10T09:15:00+07:00","agency_id":"a"})",
      "dossier_id");
  ExpectSchemaError(R"({"event_id":"e","dossier_id":"d","type":"withdrawn",)"
                    R"("occurred_at":"2019-06-10T09:15:00+07:00","agency_id":""})",
                    "agency_id");
  Accept(Record("rejected", R"(,"reason":")" + std::string(1024, 'r') + "\""));
  ExpectSchemaError(Record("rejected", R"(,"reason":")" + std::string(1025, 'r') + "\""), "reason");
  ExpectSchemaError(Record("transferred", R"(,"to_agency_id":"x","reason":"")"), "reason");
  ExpectSchemaError(Record("withdrawn", R"(,"schema_version":2)"), "schema_version");
}

// --- Robustness ------------------------------------------------------------------

TEST_F(EventCodecTest, DecoderIsReusableAfterLargeAndRejectedRecords) {
  std::string large = Record("rejected", R"(,"reason":")" + std::string(1000, 'x') + "\"");
  large.insert(large.size() - 1, std::string(60000, ' '));
  Accept(large);
  Reject("{\"type\":");
  // A short record after a long one must not see the long one's bytes.
  const Event event = Accept(Record("withdrawn", ""));
  EXPECT_EQ(event.reason, "");
  EXPECT_EQ(event.type, EventType::kWithdrawn);
}

TEST_F(EventCodecTest, DeepNestingIsSchemaNotInvalidJson) {
  const int depth = 20000;
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  ExpectSchemaError(Record("withdrawn", ",\"reason\":" + nested), "reason");
}

TEST_F(EventCodecTest, RandomBytesNeverCrash) {
  const uint32_t seed = 20190610;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  const std::string base = Record("apologized", R"(,"new_due_at":"2019-06-14T16:00:00+07:00",)"
                                                R"("reason":"r","responsible_agency_id":"x")");
  Event event;
  core::Rejection rejection;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = base;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      bytes[random() % bytes.size()] = static_cast<char>(random() % 256);
    }
    if (decoder_.Decode(bytes, &event, &rejection)) {
      ExpectRoundTrip(event);
    } else {
      EXPECT_FALSE(rejection.message.empty());
    }
  }
}

// --- Round trip ------------------------------------------------------------------

Event Envelope(EventType type) {
  Event event;
  event.event_id = "evt-\"quoted\"\\1";
  event.dossier_id = "HBT-2019-000123\n";
  event.type = type;
  event.occurred_at = At("2019-06-10T09:15:00.25+07:00");
  event.agency_id = "phường Bạch Đằng";
  return event;
}

TEST_F(EventCodecTest, RoundTripEveryType) {
  Event received = Envelope(EventType::kReceived);
  received.procedure_id = "1.001612";
  ExpectRoundTrip(received);
  received.channel = Channel::kOnline;
  received.online_level = 4;
  received.one_stop = false;
  received.due_at = At("2019-06-13T09:15:00+07:00");
  for (const ProcessingTime processing : {ProcessingTime{ProcessingKind::kWorkingDays, 3},
                                          ProcessingTime{ProcessingKind::kSameDay, 0},
                                          ProcessingTime{ProcessingKind::kCalendarDays, 30}}) {
    received.processing = processing;
    ExpectRoundTrip(received);
  }
  received.channel = Channel::kPostal;
  received.online_level = 0;
  ExpectRoundTrip(received);

  Event transferred = Envelope(EventType::kTransferred);
  transferred.to_agency_id = "office-justice";
  ExpectRoundTrip(transferred);
  transferred.reason = "liên thông\t\x01";
  ExpectRoundTrip(transferred);

  Event requested = Envelope(EventType::kSupplementRequested);
  requested.reason = "thiếu giấy tờ";
  ExpectRoundTrip(requested);

  Event supplied = Envelope(EventType::kSupplementReceived);
  ExpectRoundTrip(supplied);
  supplied.due_at = At("2019-06-20T10:00:00Z");
  ExpectRoundTrip(supplied);

  Event resolved = Envelope(EventType::kResolved);
  ExpectRoundTrip(resolved);
  resolved.outcome = Outcome::kDenied;
  ExpectRoundTrip(resolved);

  Event overdue = Envelope(EventType::kOverdue);
  overdue.due_at = At("2019-06-11T09:00:00+07:00");
  ExpectRoundTrip(overdue);

  Event apologized = Envelope(EventType::kApologized);
  apologized.new_due_at = At("2019-06-14T16:00:00+07:00");
  apologized.reason = "chờ xác minh";
  ExpectRoundTrip(apologized);
  apologized.responsible_agency_id = "office-land";
  ExpectRoundTrip(apologized);

  Event withdrawn = Envelope(EventType::kWithdrawn);
  ExpectRoundTrip(withdrawn);
  withdrawn.reason = "rút";
  ExpectRoundTrip(withdrawn);

  Event rejected = Envelope(EventType::kRejected);
  rejected.reason = "không đủ điều kiện";
  ExpectRoundTrip(rejected);
}

TEST_F(EventCodecTest, RoundTripAtTheEdgesOfTheLocalYearRange) {
  // Accepted instants are those with a four-digit local (+07:00) year, so
  // that their canonical encoding decodes again.
  for (const char* text :
       {"0000-01-01T00:00:00+07:00", "0000-01-01T00:00:00-23:59", "9999-12-31T16:59:59.999Z",
        "9998-12-31T23:59:59-23:59", "1969-12-31T23:59:59.999Z"}) {
    Event event = Envelope(EventType::kOverdue);
    event.occurred_at = At(text);
    event.due_at = At(text);
    SCOPED_TRACE(text);
    ExpectRoundTrip(event);
  }
}

TEST_F(EventCodecTest, EncodingIsCanonical) {
  Event event = Envelope(EventType::kReceived);
  event.event_id = "e";
  event.dossier_id = "d";
  event.agency_id = "a";
  event.occurred_at = At("2019-06-10T02:15:00Z");
  event.procedure_id = "p";
  event.channel = Channel::kOnline;
  event.online_level = 3;
  event.processing = ProcessingTime{ProcessingKind::kSameDay, 0};
  EXPECT_EQ(
      EncodeEvent(event),
      R"({"event_id":"e","dossier_id":"d","type":"received","occurred_at":"2019-06-10T09:15:00+07:00",)"
      R"("agency_id":"a","procedure_id":"p","channel":"online","online_level":3,)"
      R"("processing":{"same_day":true}})");
  event.one_stop = false;
  event.channel = Channel::kDirect;
  event.online_level = 0;
  event.processing.reset();
  event.due_at = At("2019-06-13T09:15:00.5+07:00");
  EXPECT_EQ(
      EncodeEvent(event),
      R"({"event_id":"e","dossier_id":"d","type":"received","occurred_at":"2019-06-10T09:15:00+07:00",)"
      R"("agency_id":"a","procedure_id":"p","channel":"direct","one_stop":false,)"
      R"("due_at":"2019-06-13T09:15:00.500+07:00"})");
}

TEST_F(EventCodecTest, RoundTripEveryValidSample) {
  const std::filesystem::path dir =
      std::filesystem::path(HOSO_SOURCE_DIR) / "tests/schemas/samples/valid";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().filename().string());
    ExpectRoundTrip(Accept(bytes));
    ++count;
  }
  EXPECT_GE(count, 9);
}

}  // namespace
}  // namespace hoso::codec

namespace hoso::codec {
namespace {

// dialogue_held (issue 13): an agency event keyed by dialogue_id.
class DialogueCodecTest : public ::testing::Test {
 protected:
  static std::string Dialogue(std::string_view fields) {
    return std::string(R"({"event_id":"dl-1","type":"dialogue_held",)") +
           R"("occurred_at":"2019-03-20T17:00:00+07:00","agency_id":"phuong-bach-khoa")" +
           std::string(fields) + "}";
  }
  static constexpr std::string_view kFields =
      R"(,"dialogue_id":"BK-2019-1","held_on":"2019-03-20","topic":"administrative_procedures","participants":45,"minutes_ref":"BB-12/2019")";

  core::Rejection Reject(std::string_view bytes) {
    core::Event event;
    core::Rejection rejection;
    EXPECT_FALSE(decoder_.Decode(bytes, &event, &rejection)) << "accepted: " << bytes;
    return rejection;
  }
  EventDecoder decoder_;
};

TEST_F(DialogueCodecTest, DecodesToItsChainKeyAndEncodesBack) {
  core::Event event;
  core::Rejection rejection;
  const std::string bytes = Dialogue(kFields);
  ASSERT_TRUE(decoder_.Decode(bytes, &event, &rejection)) << rejection.message;
  EXPECT_EQ(event.type, core::EventType::kDialogueHeld);
  EXPECT_EQ(event.dossier_id, "dialogue:BK-2019-1");
  EXPECT_EQ(event.DialogueId(), "BK-2019-1");
  EXPECT_EQ(event.held_on, (core::CivilDate{2019, 3, 20}));
  EXPECT_EQ(event.topic, core::DialogueTopic::kAdministrativeProcedures);
  EXPECT_EQ(event.participants, 45);
  EXPECT_EQ(event.minutes_ref, "BB-12/2019");
  const std::string encoded = EncodeEvent(event);
  EXPECT_EQ(encoded.find("dossier_id"), std::string::npos) << encoded;
  core::Event again;
  ASSERT_TRUE(decoder_.Decode(encoded, &again, &rejection)) << rejection.message;
  EXPECT_EQ(testing::FirstDifference(event, again), "") << encoded;
  EXPECT_EQ(EncodeEvent(again), encoded);
}

TEST_F(DialogueCodecTest, EveryBadFieldIsASchemaRejectionNamingIt) {
  const std::pair<std::string, std::string> cases[] = {
      {Dialogue(R"(,"held_on":"2019-03-20","topic":"other","participants":4,"minutes_ref":"x")"),
       "dialogue_id"},
      {Dialogue(std::string(kFields) + R"(,"dossier_id":"D-1")"), "dossier_id"},
      {Dialogue(
           R"(,"dialogue_id":"","held_on":"2019-03-20","topic":"other","participants":4,"minutes_ref":"x")"),
       "dialogue_id"},
      {Dialogue(R"(,"dialogue_id":")" + std::string(120, 'd') +
                R"(","held_on":"2019-03-20","topic":"other","participants":4,"minutes_ref":"x")"),
       "dialogue_id"},
      {Dialogue(
           R"(,"dialogue_id":"a","held_on":"2019-02-30","topic":"other","participants":4,"minutes_ref":"x")"),
       "held_on"},
      {Dialogue(
           R"(,"dialogue_id":"a","held_on":"20.3.2019","topic":"other","participants":4,"minutes_ref":"x")"),
       "held_on"},
      {Dialogue(
           R"(,"dialogue_id":"a","held_on":"2019-03-20","topic":"land","participants":4,"minutes_ref":"x")"),
       "topic"},
      {Dialogue(
           R"(,"dialogue_id":"a","held_on":"2019-03-20","topic":"other","participants":0,"minutes_ref":"x")"),
       "participants"},
      {Dialogue(
           R"(,"dialogue_id":"a","held_on":"2019-03-20","topic":"other","participants":"many","minutes_ref":"x")"),
       "participants"},
      {Dialogue(
           R"(,"dialogue_id":"a","held_on":"2019-03-20","topic":"other","participants":4,"minutes_ref":"")"),
       "minutes_ref"},
      {Dialogue(std::string(kFields) + R"(,"participant_names":["x"])"), "participant_names"},
  };
  for (const auto& [bytes, field] : cases) {
    const core::Rejection rejection = Reject(bytes);
    EXPECT_EQ(rejection.code, core::RejectCode::kSchema) << rejection.message << " in " << bytes;
    EXPECT_EQ(rejection.message.rfind(field + ":", 0), 0u) << rejection.message << " in " << bytes;
  }
}

TEST_F(DialogueCodecTest, ADossierCannotTakeTheDialogueChainPrefix) {
  const core::Rejection rejection = Reject(
      R"({"event_id":"e","dossier_id":"dialogue:BK-2019-1","type":"withdrawn","occurred_at":"2019-03-20T17:00:00+07:00","agency_id":"a"})");
  EXPECT_EQ(rejection.code, core::RejectCode::kSchema);
  EXPECT_EQ(rejection.message.rfind("dossier_id:", 0), 0u) << rejection.message;
}

// feedback_* (PAKN, issue 13 part 3): agency events keyed by feedback_id.
class FeedbackCodecTest : public ::testing::Test {
 protected:
  static std::string Feedback(std::string_view type, std::string_view fields) {
    std::string out = R"({"event_id":"fb-1","feedback_id":"BK-PAKN-1","type":")";
    out += type;
    out += R"(","occurred_at":"2019-04-12T10:00:00+07:00","agency_id":"phuong-bach-khoa")";
    out += fields;
    out += "}";
    return out;
  }

  core::Event Decode(std::string_view bytes) {
    core::Event event;
    core::Rejection rejection;
    EXPECT_TRUE(decoder_.Decode(bytes, &event, &rejection)) << rejection.message << " in " << bytes;
    return event;
  }
  core::Rejection Reject(std::string_view bytes) {
    core::Event event;
    core::Rejection rejection;
    EXPECT_FALSE(decoder_.Decode(bytes, &event, &rejection)) << "accepted: " << bytes;
    return rejection;
  }
  // Decoding the canonical encoding gives the same event and the same bytes.
  void ExpectRoundTrip(const core::Event& event) {
    const std::string encoded = EncodeEvent(event);
    EXPECT_EQ(encoded.find("dossier_id"), std::string::npos) << encoded;
    const core::Event again = Decode(encoded);
    EXPECT_EQ(testing::FirstDifference(event, again), "") << encoded;
    EXPECT_EQ(EncodeEvent(again), encoded);
  }
  EventDecoder decoder_;
};

TEST_F(FeedbackCodecTest, EachTypeDecodesToTheFeedbacksChainAndEncodesBack) {
  const core::Event received =
      Decode(Feedback("feedback_received", R"(,"channel":"phone","procedure_id":"1.001")"));
  EXPECT_EQ(received.type, core::EventType::kFeedbackReceived);
  EXPECT_EQ(received.dossier_id, "feedback:BK-PAKN-1");
  EXPECT_EQ(received.FeedbackId(), "BK-PAKN-1");
  EXPECT_EQ(received.feedback_channel, core::FeedbackChannel::kPhone);
  EXPECT_EQ(received.procedure_id, "1.001");
  ExpectRoundTrip(received);
  const core::Event no_procedure = Decode(Feedback("feedback_received", R"(,"channel":"mail")"));
  EXPECT_EQ(no_procedure.procedure_id, "");
  EXPECT_EQ(no_procedure.feedback_channel, core::FeedbackChannel::kMail);
  ExpectRoundTrip(no_procedure);
  const core::Event answered = Decode(Feedback("feedback_answered", R"(,"outcome":"rejected")"));
  EXPECT_EQ(answered.feedback_outcome, core::FeedbackOutcome::kRejected);
  ExpectRoundTrip(answered);
  const core::Event published = Decode(Feedback("feedback_published", ""));
  EXPECT_EQ(published.type, core::EventType::kFeedbackPublished);
  ExpectRoundTrip(published);
  const core::Event rated = Decode(Feedback("feedback_rated", R"(,"rating":"dissatisfied")"));
  EXPECT_EQ(rated.rating, core::FeedbackRating::kDissatisfied);
  ExpectRoundTrip(rated);
}

TEST_F(FeedbackCodecTest, EveryBadFieldIsASchemaRejectionNamingIt) {
  const std::pair<std::string, std::string> cases[] = {
      {Feedback("feedback_received", R"(,"channel":"postal")"), "channel"},
      {Feedback("feedback_received", ""), "channel"},
      {Feedback("feedback_received", R"(,"channel":"online","procedure_id":"")"), "procedure_id"},
      {Feedback("feedback_received", R"(,"channel":"online","citizen_phone":"0912")"),
       "citizen_phone"},
      {Feedback("feedback_received", R"(,"channel":"online","dossier_id":"D-1")"), "dossier_id"},
      {Feedback("feedback_answered", R"(,"outcome":"approved")"), "outcome"},
      {Feedback("feedback_answered", ""), "outcome"},
      {Feedback("feedback_published", R"(,"outcome":"answered")"), "outcome"},
      {Feedback("feedback_rated", R"(,"rating":"neutral")"), "rating"},
      {Feedback("feedback_rated", R"(,"rating":4)"), "rating"},
      {std::string(R"({"event_id":"e","type":"feedback_published",)") +
           R"("occurred_at":"2019-04-12T10:00:00+07:00","agency_id":"a"})",
       "feedback_id"},
      {std::string(R"({"event_id":"e","feedback_id":")") + std::string(120, 'f') +
           R"(","type":"feedback_published","occurred_at":"2019-04-12T10:00:00+07:00","agency_id":"a"})",
       "feedback_id"},
  };
  for (const auto& [bytes, field] : cases) {
    const core::Rejection rejection = Reject(bytes);
    EXPECT_EQ(rejection.code, core::RejectCode::kSchema) << rejection.message << " in " << bytes;
    EXPECT_EQ(rejection.message.rfind(field + ":", 0), 0u) << rejection.message << " in " << bytes;
  }
}

TEST_F(FeedbackCodecTest, ADossierCannotTakeTheFeedbackChainPrefix) {
  const core::Rejection rejection = Reject(
      R"({"event_id":"e","dossier_id":"feedback:BK-PAKN-1","type":"withdrawn","occurred_at":"2019-04-12T10:00:00+07:00","agency_id":"a"})");
  EXPECT_EQ(rejection.code, core::RejectCode::kSchema);
  EXPECT_EQ(rejection.message.rfind("dossier_id:", 0), 0u) << rejection.message;
}

// "agency:<ward>" keys a ward's dialogue_missing alerts on hoso.alerts and in
// alert ids: no dossier may take it.
TEST_F(FeedbackCodecTest, ADossierCannotTakeTheWardAlertPrefix) {
  const core::Rejection rejection = Reject(
      R"({"event_id":"e","dossier_id":"agency:phuong-bach-khoa","type":"withdrawn","occurred_at":"2019-04-12T10:00:00+07:00","agency_id":"a"})");
  EXPECT_EQ(rejection.code, core::RejectCode::kSchema);
  EXPECT_EQ(rejection.message.rfind("dossier_id: must not start with 'agency:'", 0), 0u)
      << rejection.message;
}

}  // namespace
}  // namespace hoso::codec
