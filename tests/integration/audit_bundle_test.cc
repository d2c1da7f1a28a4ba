// Audit bundles (issue 16): an honest export of an untouched database always
// checks, whatever order its events were logged in, and its KPI report is what
// `hoso kpi --as-of <period end>` reports; one edited byte anywhere in a
// bundle, or a malformed bundle, is a failed check (exit 3) that names the
// problem, never an exception.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/chain_hash.h"
#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::ReadFile;
using testing::RunHoso;
using testing::TempDir;
using testing::WriteFile;

constexpr int kVerifyFailed = 3;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<Json> BundleEvents(const std::string& bundle) {
  std::vector<Json> events;
  for (const std::string& line : Lines(ReadFile(bundle + "/events.jsonl"))) {
    events.push_back(Json::parse(line));
  }
  return events;
}

// occurred_at of a bundle line. Every event here is at +07:00, so the RFC
// 3339 texts order like the instants.
std::string OccurredAt(const Json& line) {
  return Json::parse(line["event"].get<std::string>())["occurred_at"].get<std::string>();
}

// Events of the bundle logged after a later-dated event of their dossier:
// what broke bundles before issue 16.
int LateLogged(const std::vector<Json>& events) {
  std::map<std::string, std::string> latest;
  int late = 0;
  for (const Json& line : events) {
    std::string& seen = latest[line["dossier_id"].get<std::string>()];
    const std::string at = OccurredAt(line);
    if (at < seen) ++late;
    seen = std::max(seen, at);
  }
  return late;
}

struct PeriodCase {
  std::string period;
  std::string last_day;  // `kpi --as-of` this day = the bundle's as_of
};

std::vector<PeriodCase> HalvesAndMonthsOf2019() {
  std::vector<PeriodCase> cases = {{"2019-H1", "2019-06-30"}, {"2019-H2", "2019-12-31"}};
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int month = 1; month <= 12; ++month) {
    char period[16], last_day[16];
    std::snprintf(period, sizeof period, "2019-%02d", month);
    std::snprintf(last_day, sizeof last_day, "2019-%02d-%02d", month, kDays[month - 1]);
    cases.push_back({period, last_day});
  }
  return cases;
}

// Exports `period`, checks the bundle and compares its KPI report with
// `hoso kpi` on the database as of the period's end.
void ExportCheckAndCompare(const std::string& db, const PeriodCase& c, const std::string& bundle) {
  SCOPED_TRACE(c.period);
  auto exported = RunHoso({"audit", "export", "--period", c.period, "--db", db, "--out", bundle});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto check = RunHoso({"audit", "check", bundle});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  auto kpi =
      RunHoso({"kpi", "--db", db, "--period", c.period, "--as-of", c.last_day, "--format", "json"});
  ASSERT_EQ(kpi.exit_code, 0) << kpi.err;
  const Json differences =
      Json::diff(Json::parse(kpi.out), Json::parse(ReadFile(bundle + "/kpi.json")));
  EXPECT_TRUE(differences.empty()) << "kpi.json against `hoso kpi`: " << differences.dump();
}

TEST(AuditBundleTest, AnEventLoggedAfterALaterDatedOneKeepsItsChainAPrefix) {
  TempDir dir;
  // A's resolution (December) moves the event-time clock past B's due instant
  // (2019-07-05 09:00) before B arrives, so the engine logs B's derived
  // overdue, dated July, before B's supplement request dated June 28.
  const std::string events = dir.File("events.jsonl");
  WriteFile(
      events,
      R"({"event_id":"a1","dossier_id":"A","type":"received","occurred_at":"2019-01-02T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-chung-thuc-ban-sao","channel":"direct"}
{"event_id":"a2","dossier_id":"A","type":"resolved","occurred_at":"2019-12-02T09:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"}
{"event_id":"b1","dossier_id":"B","type":"received","occurred_at":"2019-06-28T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-dang-ky-giam-ho","channel":"direct","processing":{"working_days":5}}
{"event_id":"b2","dossier_id":"B","type":"supplement_requested","occurred_at":"2019-06-28T10:00:00+07:00","agency_id":"phuong-bach-khoa","reason":"birth certificate missing"}
)");
  const std::string db = dir.File("db");
  auto ingest = RunHoso({"ingest", "--events", events, "--db", db});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  ASSERT_NE(ingest.out.find("applied     4"), std::string::npos) << ingest.out;
  auto verify = RunHoso({"verify", "--db", db});
  ASSERT_EQ(verify.exit_code, 0) << verify.out;

  const std::string bundle = dir.File("h1");
  ExportCheckAndCompare(db, {"2019-H1", "2019-06-30"}, bundle);
  // B's chain in sequence order: received, the derived overdue dated July,
  // then the June request that was logged after it.
  std::vector<std::pair<std::string, bool>> b_chain;
  for (const Json& line : BundleEvents(bundle)) {
    if (line["dossier_id"] != "B") continue;
    EXPECT_EQ(line["sequence"], b_chain.size());
    b_chain.push_back({OccurredAt(line), line["derived"].get<bool>()});
  }
  const std::vector<std::pair<std::string, bool>> expected = {{"2019-06-28T09:00:00+07:00", false},
                                                              {"2019-07-05T09:00:00+07:00", true},
                                                              {"2019-06-28T10:00:00+07:00", false}};
  EXPECT_EQ(b_chain, expected);
  // The June request counts in June: B is open and paused before its due
  // instant, so not overdue; A (due 2019-01-02 17:00) is open and overdue.
  const Json kpi = Json::parse(ReadFile(bundle + "/kpi.json"));
  EXPECT_EQ(kpi["total"]["received"], 2);
  EXPECT_EQ(kpi["total"]["open"], 2);
  EXPECT_EQ(kpi["total"]["open_overdue"], 1);
  const Json rules = Json::parse(ReadFile(bundle + "/rules.json"));
  EXPECT_EQ(rules["kpi_counts_events_by"], "occurred_at");
  EXPECT_EQ(rules["chain_selection"], "prefix-to-last-event-before-period-end");

  // July holds B's derived overdue; its bundle checks too.
  ExportCheckAndCompare(db, {"2019-07", "2019-07-31"}, dir.File("july"));
}

uint64_t PropertySeed() {
  if (const char* fixed = std::getenv("HOSO_TEST_SEED")) return std::strtoull(fixed, nullptr, 10);
  return std::random_device{}();
}

// Loadgen's year with a share of its dossiers delivered late: each keeps its
// own order, but all its events move later in the file by a random number of
// lines. The event-time clock then runs ahead of them, so the engine logs
// derived overdues before earlier-dated events, across month and half-year
// boundaries.
std::string DeliverLate(const std::string& text, std::mt19937_64& rng) {
  const std::vector<std::string> lines = Lines(text);
  std::uniform_real_distribution<double> share(0.2, 0.6);
  std::bernoulli_distribution late(share(rng));
  std::uniform_int_distribution<size_t> delay(0, lines.size());
  std::map<std::string, size_t> delays;
  std::vector<std::pair<size_t, size_t>> keys;  // (position + delay, position)
  for (size_t i = 0; i < lines.size(); ++i) {
    // A dialogue (issue 13) has its own id; its chain key is "dialogue:<id>".
    const Json event = Json::parse(lines[i]);
    std::string dossier = event.contains("dossier_id") ? "" : "dialogue:";
    dossier += event.value(event.contains("dossier_id") ? "dossier_id" : "dialogue_id", "");
    auto [it, fresh] = delays.emplace(dossier, 0);
    if (fresh && late(rng)) it->second = delay(rng);
    keys.push_back({i + it->second, i});
  }
  std::sort(keys.begin(), keys.end());
  std::string out;
  for (const auto& [key, position] : keys) out += lines[position] + "\n";
  return out;
}

TEST(AuditBundlePropertyTest, EveryHalfYearAndMonthChecksAndAnyEditedByteIsCaught) {
  const uint64_t seed = PropertySeed();
  std::cout << "seed " << seed << " (rerun with HOSO_TEST_SEED=" << seed << ")" << std::endl;
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("HOSO_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  TempDir dir;
  const std::string year = dir.File("year.jsonl");
  auto gen = RunHoso(
      {"loadgen", "--out", year, "--seed", std::to_string(seed % 1000000), "--dossiers", "150"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string events = dir.File("late.jsonl");
  WriteFile(events, DeliverLate(ReadFile(year), rng));
  const std::string db = dir.File("db");
  auto ingest = RunHoso({"ingest", "--events", events, "--db", db});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  ASSERT_EQ(RunHoso({"verify", "--db", db}).exit_code, 0);

  int late_logged = 0;
  int derived = 0;
  for (const PeriodCase& c : HalvesAndMonthsOf2019()) {
    const std::string bundle = dir.File("bundle-" + c.period);
    ExportCheckAndCompare(db, c, bundle);
    const std::vector<Json> lines = BundleEvents(bundle);
    late_logged += LateLogged(lines);
    for (const Json& line : lines) derived += line["derived"].get<bool>() ? 1 : 0;
  }
  // The generator must produce what the property is about.
  EXPECT_GT(late_logged, 0);
  EXPECT_GT(derived, 0);

  // One edited byte in any file of a bundle (manifest included): exit 3.
  const std::string bundle = dir.File("bundle-2019-H1");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(bundle)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 8u);
  std::uniform_int_distribution<int> change(1, 255);
  for (const std::string& name : names) {
    const std::string original = ReadFile(bundle + "/" + name);
    ASSERT_FALSE(original.empty()) << name;
    std::uniform_int_distribution<size_t> position(0, original.size() - 1);
    for (int edit = 0; edit < 3; ++edit) {
      const size_t at = position(rng);
      std::string edited = original;
      edited[at] = static_cast<char>((static_cast<unsigned char>(edited[at]) + change(rng)) % 256);
      const std::string copy = dir.File("edited");
      fs::remove_all(copy);
      fs::copy(bundle, copy);
      WriteFile(copy + "/" + name, edited);
      auto check = RunHoso({"audit", "check", copy});
      EXPECT_EQ(check.exit_code, kVerifyFailed) << name << " byte " << at << "\n"
                                                << check.out << check.err;
      EXPECT_EQ(check.err, "") << name << " byte " << at;
    }
  }
}

// Malformed bundles whose manifest was re-sealed after the edit, so that the
// named problem is the one the edit causes and not only a digest mismatch.
class MalformedBundleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string db = dir_->File("db");
    ASSERT_EQ(
        RunHoso({"ingest", "--events",
                 testing::SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "--db", db})
            .exit_code,
        0);
    auto exported = RunHoso(
        {"audit", "export", "--period", "2019-06", "--db", db, "--out", dir_->File("bundle")});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // A copy of the bundle with `edit` applied to `file` (and the manifest
  // re-sealed unless `reseal` is false); returns `audit check` on it.
  testing::CommandResult CheckEdited(const std::string& file,
                                     const std::function<void(std::string&)>& edit,
                                     bool reseal = true) {
    const std::string copy = scratch_.File("bundle");
    fs::remove_all(copy);
    fs::copy(dir_->File("bundle"), copy);
    std::string text = ReadFile(copy + "/" + file);
    edit(text);
    WriteFile(copy + "/" + file, text);
    if (reseal) {
      nlohmann::ordered_json manifest =
          nlohmann::ordered_json::parse(ReadFile(copy + "/manifest.json"));
      for (auto it = manifest["files"].begin(); it != manifest["files"].end(); ++it) {
        it.value() = runtime::ToHex(runtime::ChainHash("", ReadFile(copy + "/" + it.key())));
      }
      WriteFile(copy + "/manifest.json", manifest.dump(2) + "\n");
    }
    return RunHoso({"audit", "check", copy});
  }

  static void Replace(std::string& text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }

  static TempDir* dir_;
  TempDir scratch_;
};

TempDir* MalformedBundleTest::dir_ = nullptr;

#define EXPECT_NAMED_FAILURE(result, problem)                                              \
  do {                                                                                     \
    const testing::CommandResult& r = (result);                                            \
    EXPECT_EQ(r.exit_code, kVerifyFailed) << r.out << r.err;                               \
    EXPECT_NE(r.out.find(problem), std::string::npos) << "expected: " << (problem) << "\n" \
                                                      << r.out;                            \
    EXPECT_EQ(r.err, "");                                                                  \
  } while (0)

TEST_F(MalformedBundleTest, TheUntouchedBundleChecks) {
  auto check = CheckEdited("kpi.json", [](std::string&) {});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(MalformedBundleTest, BadMonthLabel) {
  EXPECT_NAMED_FAILURE(
      CheckEdited("chain.json",
                  [](std::string& text) { Replace(text, "\"2019-06\":", "\"2019-6x\":"); }),
      "month root label `2019-6x` is not YYYY-MM");
}

TEST_F(MalformedBundleTest, NonJsonLine) {
  EXPECT_NAMED_FAILURE(
      CheckEdited("events.jsonl", [](std::string& text) { text.insert(0, "not json\n"); }),
      "events.jsonl line 1: not a JSON object");
}

TEST_F(MalformedBundleTest, MissingField) {
  EXPECT_NAMED_FAILURE(CheckEdited("events.jsonl",
                                   [](std::string& text) {
                                     Replace(text, "\"global_sequence\":", "\"global_sequencx\":");
                                   }),
                       "events.jsonl line 1: missing or mistyped `global_sequence`");
}

TEST_F(MalformedBundleTest, WrongTypes) {
  EXPECT_NAMED_FAILURE(CheckEdited("events.jsonl",
                                   [](std::string& text) {
                                     Replace(text, "\"sequence\":0,", "\"sequence\":\"0\",");
                                     Replace(text, "\"derived\":false", "\"derived\":0");
                                   }),
                       "events.jsonl line 1: missing or mistyped `sequence` (an integer in [0, "
                       "2^32)), `derived` (true or false)");
  EXPECT_NAMED_FAILURE(
      CheckEdited("rules.json", [](std::string& text) { Replace(text, "\"2019-06\"", "201906"); }),
      "rules.json: `period` is missing or not a string");
  EXPECT_NAMED_FAILURE(CheckEdited("chain.json",
                                   [](std::string& text) {
                                     Replace(text, "\"heads\": {", "\"heads\": [{");
                                     Replace(text, "},\n  \"month_roots\"",
                                             "}],\n  \"month_roots\"");
                                   }),
                       "chain.json: `heads` or `month_roots` is missing or not an object");
}

TEST_F(MalformedBundleTest, RulesTheCheckDoesNotImplement) {
  EXPECT_NAMED_FAILURE(CheckEdited("rules.json",
                                   [](std::string& text) {
                                     Replace(text, "\"kpi_counts_events_by\": \"occurred_at\"",
                                             "\"kpi_counts_events_by\": \"logged_at\"");
                                   }),
                       "rules.json: `kpi_counts_events_by` is not \"occurred_at\"");
  EXPECT_NAMED_FAILURE(CheckEdited("rules.json",
                                   [](std::string& text) {
                                     Replace(text, "\"due_soon_lead_minutes\": 540",
                                             "\"due_soon_lead_minutes\": -5");
                                   }),
                       "rules.json: `due_soon_lead_minutes` is missing or not an integer");
}

TEST_F(MalformedBundleTest, UnreadableReferenceData) {
  // Assigning a std::string, not a literal: GCC 12 reports a false
  // -Wrestrict inside char_traits for `text = "..."` in these lambdas.
  EXPECT_NAMED_FAILURE(
      CheckEdited("calendar.json", [](std::string& text) { text = std::string("[1,"); }),
      "calendar.json: ");
}

TEST_F(MalformedBundleTest, ManifestProblems) {
  auto unsealed = [](const std::function<void(nlohmann::ordered_json&)>& change) {
    return [change](std::string& text) {
      nlohmann::ordered_json manifest = nlohmann::ordered_json::parse(text);
      change(manifest);
      text = manifest.dump(2) + "\n";
    };
  };
  EXPECT_NAMED_FAILURE(
      CheckEdited("manifest.json",
                  unsealed([](nlohmann::ordered_json& m) { m["files"]["kpi.json"] = 1; }), false),
      "kpi.json: digest differs from the manifest");
  EXPECT_NAMED_FAILURE(CheckEdited("manifest.json", unsealed([](nlohmann::ordered_json& m) {
                                     m["files"]["../../etc/hostname"] = "00";
                                   }),
                                   false),
                       "manifest.json lists an unknown file `../../etc/hostname`");
  EXPECT_NAMED_FAILURE(CheckEdited("manifest.json", unsealed([](nlohmann::ordered_json& m) {
                                     m["files"].erase("rules.json");
                                   }),
                                   false),
                       "manifest.json does not list rules.json");
  EXPECT_NAMED_FAILURE(
      CheckEdited("manifest.json", unsealed([](nlohmann::ordered_json& m) { m["files"] = "x"; }),
                  false),
      "manifest.json: `files` is missing or not an object");
  EXPECT_NAMED_FAILURE(
      CheckEdited(
          "manifest.json", [](std::string& text) { Replace(text, "\n  ", "\n\t"); }, false),
      "manifest.json is not byte for byte what export writes");
  EXPECT_NAMED_FAILURE(
      CheckEdited(
          "manifest.json", [](std::string& text) { text = std::string("{"); }, false),
      "manifest.json is not a JSON object");
}

}  // namespace
}  // namespace hoso
