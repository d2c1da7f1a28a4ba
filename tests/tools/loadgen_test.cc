// Tests of the load generator (tools/loadgen): determinism, the event contract
// of docs/events.md line by line, ordering, dossier lifecycles, and the shares
// the simulated district is meant to show (docs/domain.md).
#include "tools/loadgen/loadgen.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/deadline_rules.h"
#include "engine/core/dossier_state_machine.h"
#include "engine/core/event.h"
#include "engine/core/instant.h"
#include "engine/core/rejection.h"
#include "schemas/codec/calendar_loader.h"
#include "schemas/codec/event_codec.h"
#include "schemas/codec/reference_loader.h"

namespace hoso::loadgen {
namespace {

using core::LocalMinute;
using nlohmann::json;

struct Reference {
  core::ProcedureCatalog catalog;
  core::AgencyList agencies;
  std::optional<core::WorkingCalendar> calendar;
};

const Reference& LoadReference() {
  static const Reference* reference = [] {
    const std::string dir = std::string(HOSO_SOURCE_DIR) + "/schemas/reference/";
    auto* loaded = new Reference;
    core::Result<core::ProcedureCatalog> catalog =
        codec::LoadCatalogFile(dir + "hbt-2019-procedures.json");
    EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
    if (catalog.ok()) loaded->catalog = *catalog;
    core::Result<core::AgencyList> agencies =
        codec::LoadAgenciesFile(dir + "hbt-2019-agencies.json");
    EXPECT_TRUE(agencies.ok()) << agencies.status().ToString();
    if (agencies.ok()) loaded->agencies = *agencies;
    core::Result<core::CalendarData> data = codec::LoadCalendarFile(dir + "calendar-vn.json");
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    if (data.ok()) {
      core::Result<core::WorkingCalendar> calendar = core::WorkingCalendar::Create(*data);
      EXPECT_TRUE(calendar.ok()) << calendar.status().ToString();
      if (calendar.ok()) loaded->calendar = *calendar;
    }
    return loaded;
  }();
  return *reference;
}

struct Generated {
  core::Status status;
  std::string text;
  Stats stats;
};

Generated Generate(uint64_t seed, int64_t dossiers, int year = 2019) {
  const Reference& reference = LoadReference();
  Generated run;
  if (!reference.calendar.has_value()) {
    run.status = core::Status::NotFound("reference data did not load");
    return run;
  }
  Options options;
  options.seed = seed;
  options.dossiers = dossiers;
  options.year = year;
  std::ostringstream out;
  run.status = loadgen::Generate(options, reference.catalog, reference.agencies,
                                 *reference.calendar, out, &run.stats);
  run.text = out.str();
  return run;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool IsDialogue(const std::string& line) {
  return line.find(R"("type":"dialogue_held")") != std::string::npos;
}

bool IsFeedback(const std::string& line) {
  return line.find(R"("type":"feedback_)") != std::string::npos;
}

// The dossier events of `text`, without the wards' dialogues and the units'
// feedback (PAKN).
std::vector<std::string> DossierLines(const std::string& text) {
  std::vector<std::string> lines;
  for (std::string& line : Lines(text)) {
    if (!IsDialogue(line) && !IsFeedback(line)) lines.push_back(std::move(line));
  }
  return lines;
}

core::Instant ParseTime(const json& value) {
  core::Result<core::Instant> parsed = core::ParseRfc3339(value.get<std::string>());
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : core::Instant{};
}

// The 20,000-dossier year most tests look at, generated once; events_ holds
// its dossier events (the dialogues are looked at apart).
class LoadgenYearTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_ = new Generated(Generate(/*seed=*/1, /*dossiers=*/20000));
    ASSERT_TRUE(run_->status.ok()) << run_->status.ToString();
    events_ = new std::vector<json>;
    for (const std::string& line : DossierLines(run_->text)) {
      events_->push_back(json::parse(line));
    }
  }
  static void TearDownTestSuite() {
    delete run_;
    delete events_;
  }
  static Generated* run_;
  static std::vector<json>* events_;
};

Generated* LoadgenYearTest::run_ = nullptr;
std::vector<json>* LoadgenYearTest::events_ = nullptr;

TEST(LoadgenDeterminismTest, SameSeedGivesSameBytesAndAnotherSeedDiffers) {
  const Generated first = Generate(7, 3000);
  const Generated second = Generate(7, 3000);
  const Generated other = Generate(8, 3000);
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  ASSERT_TRUE(other.status.ok()) << other.status.ToString();
  EXPECT_FALSE(first.text.empty());
  EXPECT_EQ(first.text, second.text);
  EXPECT_NE(first.text, other.text);
}

TEST(LoadgenSizeTest, WritesExactlyTheRequestedNumberOfDossiers) {
  for (const int64_t dossiers : {int64_t{0}, int64_t{1}, int64_t{10}, int64_t{777}}) {
    const Generated run = Generate(3, dossiers);
    ASSERT_TRUE(run.status.ok()) << run.status.ToString();
    int64_t received = 0;
    for (const std::string& line : Lines(run.text)) {
      received += json::parse(line)["type"] == "received" ? 1 : 0;
    }
    EXPECT_EQ(received, dossiers);
    EXPECT_EQ(run.stats.dossiers, dossiers);
    EXPECT_EQ(run.stats.events, static_cast<int64_t>(Lines(run.text).size()));
  }
}

TEST(LoadgenSizeTest, RefusesBadOptions) {
  EXPECT_EQ(Generate(1, -1).status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(Generate(1, kMaxDossiers + 1).status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(Generate(1, 10, 2030).status.code(), core::StatusCode::kOutOfRange);
  EXPECT_EQ(Generate(1, 10, 2017).status.code(), core::StatusCode::kOutOfRange);
}

TEST(LoadgenSizeTest, LastCalendarYearStaysInsideTheCalendar) {
  const Generated run = Generate(5, 2000, 2026);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  const std::vector<std::string> lines = Lines(run.text);
  ASSERT_FALSE(lines.empty());
  const core::Instant last = ParseTime(json::parse(lines.back())["occurred_at"]);
  EXPECT_LE(last, core::ParseRfc3339("2026-12-31T23:59:59+07:00").value());
}

TEST_F(LoadgenYearTest, EveryLineIsAValidEventOfTheContract) {
  // Allowed fields per type (docs/events.md); required ones are checked below
  // and by the codec itself.
  const std::set<std::string> envelope = {"event_id", "dossier_id", "type", "occurred_at",
                                          "agency_id"};
  const std::map<std::string, std::set<std::string>> own_fields = {
      {"received", {"procedure_id", "channel", "online_level", "one_stop", "due_at"}},
      {"transferred", {"to_agency_id", "reason"}},
      {"supplement_requested", {"reason"}},
      {"supplement_received", {}},
      {"resolved", {"outcome"}},
      {"apologized", {"new_due_at", "reason", "responsible_agency_id"}},
      {"withdrawn", {"reason"}},
      {"rejected", {"reason"}},
  };
  const std::map<std::string, std::vector<std::string>> required = {
      {"received", {"procedure_id", "channel", "one_stop"}},
      {"transferred", {"to_agency_id"}},
      {"supplement_requested", {"reason"}},
      {"resolved", {"outcome"}},
      {"apologized", {"new_due_at", "reason"}},
      {"rejected", {"reason"}},
  };
  const Reference& reference = LoadReference();
  codec::EventDecoder decoder;
  const std::vector<std::string> lines = DossierLines(run_->text);
  std::set<std::string> event_ids;
  for (size_t i = 0; i < lines.size(); ++i) {
    const json& event = (*events_)[i];
    ASSERT_TRUE(event.is_object()) << lines[i];
    for (const std::string& field : envelope) {
      ASSERT_TRUE(event.contains(field) && event[field].is_string()) << field << ": " << lines[i];
    }
    const std::string type = event["type"];
    ASSERT_TRUE(own_fields.count(type)) << lines[i];
    for (const auto& [key, value] : event.items()) {
      EXPECT_TRUE(envelope.count(key) || own_fields.at(type).count(key))
          << "field " << key << " not allowed in " << lines[i];
    }
    if (required.count(type)) {
      for (const std::string& field : required.at(type)) {
        EXPECT_TRUE(event.contains(field)) << field << " missing: " << lines[i];
      }
    }
    EXPECT_TRUE(event_ids.insert(event["event_id"].get<std::string>()).second)
        << "duplicate event_id: " << lines[i];
    EXPECT_EQ(
        event["event_id"].get<std::string>().rfind(event["dossier_id"].get<std::string>() + ":", 0),
        0u)
        << lines[i];
    EXPECT_NE(reference.agencies.Find(event["agency_id"]), nullptr) << lines[i];
    if (event.contains("to_agency_id")) {
      EXPECT_NE(reference.agencies.Find(event["to_agency_id"]), nullptr) << lines[i];
    }
    if (type == "received") {
      const core::Procedure* procedure = reference.catalog.Find(event["procedure_id"]);
      ASSERT_NE(procedure, nullptr) << lines[i];
      if (event["channel"] == "online") {
        ASSERT_TRUE(event.contains("online_level")) << lines[i];
        const int level = event["online_level"];
        EXPECT_TRUE(level == 3 || level == 4) << lines[i];
        EXPECT_LE(level, procedure->online_level_offered) << lines[i];
      } else {
        EXPECT_FALSE(event.contains("online_level")) << lines[i];
      }
    }
    // The project's own decoder must accept every line as it is.
    core::Event decoded;
    core::Rejection rejection;
    EXPECT_TRUE(decoder.Decode(lines[i], &decoded, &rejection))
        << rejection.message << ": " << lines[i];
  }
}

TEST_F(LoadgenYearTest, OutputIsSortedByOccurredAt) {
  core::Instant previous{INT64_MIN};
  for (const json& event : *events_) {
    const core::Instant at = ParseTime(event["occurred_at"]);
    ASSERT_GE(at, previous) << event.dump();
    previous = at;
  }
}

TEST_F(LoadgenYearTest, EachDossierStartsWithReceivedAndNeverGoesBackInTimeOrPastItsEnd) {
  struct Seen {
    core::Instant last;
    int count = 0;
    bool finished = false;
    bool paused = false;
  };
  std::map<std::string, Seen> dossiers;
  for (const json& event : *events_) {
    const std::string type = event["type"];
    const core::Instant at = ParseTime(event["occurred_at"]);
    auto [it, is_new] = dossiers.try_emplace(event["dossier_id"].get<std::string>());
    Seen& seen = it->second;
    if (is_new) {
      ASSERT_EQ(type, "received") << event.dump();
    } else {
      ASSERT_NE(type, "received") << event.dump();
      ASSERT_FALSE(seen.finished) << "event after the end: " << event.dump();
      ASSERT_GE(at, seen.last) << "time travel: " << event.dump();
    }
    ++seen.count;
    EXPECT_EQ(event["event_id"],
              event["dossier_id"].get<std::string>() + ":" + std::to_string(seen.count));
    if (type == "supplement_requested") {
      EXPECT_FALSE(seen.paused) << event.dump();
      seen.paused = true;
    }
    if (type == "supplement_received") {
      EXPECT_TRUE(seen.paused) << event.dump();
      seen.paused = false;
    }
    if (type == "resolved") {
      EXPECT_FALSE(seen.paused) << event.dump();
    }
    seen.finished = type == "resolved" || type == "withdrawn" || type == "rejected";
    seen.last = at;
  }
  EXPECT_EQ(dossiers.size(), 20000u);
}

// Re-derives every dossier's due instant with the rules of docs/time-rules.md and
// checks the generator's own count of late dossiers against it.
TEST_F(LoadgenYearTest, LatenessFollowsTheDeadlineRules) {
  const Reference& reference = LoadReference();
  const core::WorkingCalendar& calendar = *reference.calendar;
  struct State {
    LocalMinute due;
    std::optional<LocalMinute> paused_at;
  };
  std::map<std::string, State> open;
  int64_t late = 0, on_time_or_early = 0;
  for (const json& event : *events_) {
    const std::string type = event["type"];
    const std::string id = event["dossier_id"];
    const LocalMinute at = core::ToLocalMinute(ParseTime(event["occurred_at"]));
    if (type == "received") {
      const core::Procedure* procedure = reference.catalog.Find(event["procedure_id"]);
      ASSERT_NE(procedure, nullptr);
      core::Result<LocalMinute> due = core::ComputeDueAt(calendar, at, procedure->processing);
      ASSERT_TRUE(due.ok()) << due.status().ToString();
      if (event.contains("due_at")) {
        EXPECT_EQ(core::ToLocalMinute(ParseTime(event["due_at"])), *due) << event.dump();
      }
      open[id] = State{*due, std::nullopt};
      continue;
    }
    State& state = open.at(id);
    if (type == "supplement_requested") {
      ASSERT_LT(at, state.due) << "paused after its due: " << event.dump();
      state.paused_at = at;
    } else if (type == "supplement_received") {
      const int64_t remaining = calendar.WorkingMinutesBetween(*state.paused_at, state.due).value();
      state.due = calendar.AddWorkingMinutes(at, remaining).value();
      state.paused_at.reset();
    } else if (type == "resolved") {
      if (core::Classify(at, state.due) == core::Classification::kLate) {
        ++late;
      } else {
        ++on_time_or_early;
        // On-time results are handed over inside office hours.
        EXPECT_TRUE(calendar.IsOfficeMinute(at).value()) << event.dump();
      }
    } else if (type == "apologized") {
      EXPECT_GT(core::ToLocalMinute(ParseTime(event["new_due_at"])), state.due) << event.dump();
    }
  }
  EXPECT_EQ(late, run_->stats.late_expected);
  EXPECT_EQ(late + on_time_or_early, run_->stats.resolved);
}

TEST_F(LoadgenYearTest, SharesLookLikeTheDistrict) {
  const Reference& reference = LoadReference();
  const Stats& stats = run_->stats;
  int64_t received = 0, ward = 0, online = 0, not_one_stop = 0, resolved = 0, weekend_direct = 0;
  int64_t transferred_district = 0, district = 0;
  std::set<std::string> wards_seen, dossiers_with_transfer;
  std::map<std::string, std::string> level_of;
  for (const json& event : *events_) {
    const std::string type = event["type"];
    if (type == "transferred") dossiers_with_transfer.insert(event["dossier_id"]);
    if (type == "resolved") ++resolved;
    if (type != "received") continue;
    ++received;
    const core::Procedure* procedure = reference.catalog.Find(event["procedure_id"]);
    ASSERT_NE(procedure, nullptr);
    const core::Agency* agency = reference.agencies.Find(event["agency_id"]);
    ASSERT_NE(agency, nullptr);
    if (procedure->level == core::AgencyLevel::kWard) {
      ++ward;
      EXPECT_EQ(agency->kind, "ward") << event.dump();
      wards_seen.insert(agency->agency_id);
    } else {
      ++district;
      EXPECT_NE(agency->kind, "ward") << event.dump();
      level_of[event["dossier_id"]] = "district";
    }
    if (event["channel"] == "online") ++online;
    if (!event["one_stop"].get<bool>()) ++not_one_stop;
    const LocalMinute at = core::ToLocalMinute(ParseTime(event["occurred_at"]));
    if (event["channel"] == "direct" && !reference.calendar->IsWorkingDay(at.day()).value()) {
      ++weekend_direct;
    }
  }
  for (const auto& [id, level] : level_of) {
    transferred_district += dossiers_with_transfer.count(id) ? 1 : 0;
  }
  ASSERT_EQ(received, 20000);
  EXPECT_NEAR(static_cast<double>(ward) / received, 0.75, 0.1);
  EXPECT_LT(static_cast<double>(online) / received, 0.10);
  EXPECT_GT(online, 0);
  EXPECT_GT(not_one_stop, 0);
  EXPECT_LT(static_cast<double>(not_one_stop) / received, 0.02);
  EXPECT_GT(weekend_direct, 0);
  EXPECT_EQ(transferred_district, district);  // every district dossier goes to an office
  const double late_share = static_cast<double>(stats.late_expected) / resolved;
  EXPECT_GT(late_share, 0.005);
  EXPECT_LT(late_share, 0.05);
  EXPECT_EQ(wards_seen.size(), 20u);
  // Most late dossiers carry an apology, mostly a timely one.
  EXPECT_GT(stats.apologies, stats.late_expected / 2);
  EXPECT_GT(stats.apologies_timely, stats.apologies / 2);
  EXPECT_GT(stats.withdrawn, 0);
  EXPECT_GT(stats.rejected, 0);
  EXPECT_GT(stats.supplement_requests, received / 50);
  EXPECT_LT(stats.supplement_requests, received / 10);
}

// Kế hoạch 23/KH-UBND: a dialogue per ward and half-year. The generator
// makes most wards meet it and a few miss it, each dialogue a valid event.
TEST_F(LoadgenYearTest, WardsHoldDialoguesMostTwiceAFewOnceOneNever) {
  const Reference& reference = LoadReference();
  codec::EventDecoder decoder;
  std::map<std::string, std::pair<int, int>> by_ward;  // procedure dialogues per half-year
  int off_topic = 0;
  for (const core::Agency& agency : reference.agencies.all()) {
    if (agency.kind == "ward") by_ward[agency.agency_id] = {0, 0};
  }
  int64_t dialogues = 0;
  for (const std::string& line : Lines(run_->text)) {
    if (!IsDialogue(line)) continue;
    ++dialogues;
    core::Event event;
    core::Rejection rejection;
    ASSERT_TRUE(decoder.Decode(line, &event, &rejection)) << rejection.message << ": " << line;
    ASSERT_TRUE(by_ward.count(event.agency_id)) << "not a ward: " << line;
    EXPECT_EQ(event.held_on.year, 2019) << line;
    EXPECT_TRUE(reference.calendar->IsWorkingDay(core::DaysFromCivil(event.held_on)).value())
        << line;
    EXPECT_LE(event.held_on, core::CivilFromDays(core::ToLocalMinute(event.occurred_at).day()))
        << line;
    if (event.topic != core::DialogueTopic::kAdministrativeProcedures) {
      ++off_topic;
      continue;
    }
    auto& [first, second] = by_ward[event.agency_id];
    ++(event.held_on.month <= 6 ? first : second);
  }
  EXPECT_EQ(dialogues, run_->stats.dialogues);
  int met = 0, never = 0, once = 0;
  for (const auto& [ward, halves] : by_ward) {
    met += halves.first >= 1 && halves.second >= 1;
    never += halves.first + halves.second == 0;
    once += halves.first + halves.second == 1;
  }
  EXPECT_EQ(by_ward.size(), 20u);
  EXPECT_EQ(met, 15);
  EXPECT_EQ(never, 1);
  EXPECT_EQ(once, 3);  // two hold only one, one holds its second off topic
  EXPECT_EQ(off_topic, 1);
}

// Feedback (PAKN): every feedback_* line is a valid event the state machine
// accepts in file order; channels are mixed; four wards answer some late (one
// also rejects one on working day 3), the other units none, so the
// scorecard's PAKN column shows both met and missed.
TEST_F(LoadgenYearTest, FeedbackIsValidMixedAndSomeWardsAnswerLate) {
  const Reference& reference = LoadReference();
  codec::EventDecoder decoder;
  const core::DossierStateMachine machine(&*reference.calendar, &reference.catalog, {},
                                          &reference.agencies);
  core::IdTable ids;
  std::map<std::string, core::DossierState> states;
  std::map<std::string, int64_t> late_by_agency;
  std::map<std::string, int64_t> by_channel;
  int64_t feedback_events = 0, received = 0, late_rejections = 0;
  for (const std::string& line : Lines(run_->text)) {
    if (!IsFeedback(line)) continue;
    ++feedback_events;
    core::Event event;
    core::Rejection rejection;
    ASSERT_TRUE(decoder.Decode(line, &event, &rejection)) << rejection.message << ": " << line;
    const bool is_new = states.count(event.dossier_id) == 0;
    core::DossierState& state = states[event.dossier_id];
    core::Effects effects;
    ASSERT_TRUE(machine.Apply(&state, is_new, event, false, &ids, &effects, &rejection))
        << rejection.message << ": " << line;
    if (event.type == core::EventType::kFeedbackReceived) {
      ++received;
      ++by_channel[std::string(core::FeedbackChannelName(event.feedback_channel))];
    }
    if (event.type == core::EventType::kFeedbackAnswered &&
        state.classification == core::Classification::kLate) {
      ++late_by_agency[event.agency_id];
      late_rejections += event.feedback_outcome == core::FeedbackOutcome::kRejected;
    }
  }
  EXPECT_EQ(received, run_->stats.feedback);
  EXPECT_GT(received, 200);
  EXPECT_EQ(late_by_agency.size(), 4u);
  for (const auto& [agency, late] : late_by_agency) {
    EXPECT_EQ(agency.rfind("phuong-", 0), 0u) << "only wards answer late: " << agency;
    EXPECT_LE(late, 3) << agency;
  }
  EXPECT_EQ(late_rejections, 1);
  for (const char* channel : {"online", "direct", "phone", "mail"}) {
    EXPECT_GT(by_channel[channel], received / 20) << channel;
  }
  EXPECT_GT(by_channel["online"], by_channel["direct"]);
}

TEST(LoadgenDialoguesTest, AnEmptyYearHasNoDialogues) {
  const Generated run = Generate(3, 0);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_TRUE(run.text.empty());
}

}  // namespace
}  // namespace hoso::loadgen
