// Lifecycles told as DVCQG snapshots (fixtures/lifecycles.snapshots.jsonl)
// give the KPIs of the same dossiers sent as native events
// (fixtures/lifecycles.native.jsonl): on time, late, a supplement round, a
// withdrawal, processing stopped, an online dossier still open, a dossier
// refused at reception (no dossier at all), and - from progress steps - a
// late dossier with its apology (the site's code, fixtures/site-mapping.json)
// and a transfer whose snapshot arrives before the step that dates it.
// Every record is sent twice, one arrives late (older: ignored), one carries
// an unknown code (refused). Checked two ways: the converter run twice from
// scratch (a replay) into `hoso ingest`, and `hoso import dvcqg` run twice;
// and no personal value of the feed reaches the database, the derived
// events or the dead letters.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connectors/dvcqg/feed_converter.h"
#include "tests/connectors/dvcqg/lifecycle_fixture.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/kpi_report.h"

namespace hoso::connectors::dvcqg {
namespace {

using testing::RunHoso;
using testing::TempDir;

using testing::ExpectNoPersonalData;
const std::string& kFeed = testing::kDvcqgFeed;
const std::string& kNative = testing::kDvcqgNative;
const std::string& kSiteMapping = testing::kDvcqgSiteMapping;

FeedConversion Convert() {
  static const StatusMapping mapping = [] {
    auto site = ApplyMappingFile(testing::ReadFile(kSiteMapping), DefaultStatusMapping());
    EXPECT_TRUE(site.ok()) << site.status().ToString();
    return site.ok() ? *site : DefaultStatusMapping();
  }();
  DiffOptions options;
  options.mapping = &mapping;
  std::ifstream in(kFeed);
  std::map<std::string, DossierTrack> tracks;
  auto converted = ConvertFeed(in, options, &tracks);
  EXPECT_TRUE(converted.ok()) << converted.status().ToString();
  return converted.ok() ? std::move(*converted) : FeedConversion{};
}

void ExpectTheNativeKpis(const std::string& db, const std::string& native_db) {
  for (const char* period : {"2019-06", "2019"}) {
    const testing::KpiByAgency expected = testing::KpiByAgencyOfDb(native_db, period);
    ASSERT_FALSE(expected.empty()) << period;
    EXPECT_EQ(expected.at("TOTAL").at("received"), 8) << testing::Describe(expected);
    EXPECT_EQ(expected.at("TOTAL").at("late_apologized"), 1) << testing::Describe(expected);
    const testing::KpiByAgency actual = testing::KpiByAgencyOfDb(db, period);
    EXPECT_EQ(actual, expected) << period << "\nnative: " << testing::Describe(expected)
                                << "\nfrom snapshots: " << testing::Describe(actual);
  }
}

class DvcqgLifecyclesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    native_db_ = dir_.File("native-db");
    auto ingest = RunHoso({"ingest", "--events", kNative, "--db", native_db_, "--no-progress"});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
    ASSERT_NE(ingest.out.find("rejected    0"), std::string::npos) << ingest.out;
  }

  TempDir dir_;
  std::string native_db_;
};

TEST_F(DvcqgLifecyclesTest, TheConverterRunTwiceGivesTheNativeKpis) {
  const FeedConversion first = Convert();
  std::map<std::string, int> refused;
  for (const RefusedRecord& r : first.refused)
    ++refused[std::string(SyncRejectCodeName(r.rejection.code))];
  EXPECT_EQ(refused,
            (std::map<std::string, int>{{"dvcqg_older_snapshot", 2}, {"dvcqg_unknown_status", 2}}));
  const FeedConversion replay = Convert();
  ASSERT_EQ(replay.events.size(), first.events.size());
  std::string derived;
  for (const FeedConversion* run : {&first, &replay}) {
    for (const DerivedEvent& event : run->events) derived += event.json + "\n";
  }
  for (size_t i = 0; i < first.events.size(); ++i) {
    EXPECT_EQ(replay.events[i].json, first.events[i].json) << "deterministic: event " << i;
  }
  ExpectNoPersonalData("the derived events", derived);
  testing::WriteFile(dir_.File("derived.jsonl"), derived);
  const std::string db = dir_.File("derived-db");
  auto ingest =
      RunHoso({"ingest", "--events", dir_.File("derived.jsonl"), "--db", db, "--no-progress"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("rejected    0"), std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find("duplicates  " + std::to_string(first.events.size())),
            std::string::npos)
      << "the replay's events are the first run's: " << ingest.out;
  ExpectTheNativeKpis(db, native_db_);
}

TEST_F(DvcqgLifecyclesTest, ImportGivesTheNativeKpisOnceAndKeepsNoPersonalData) {
  const std::string db = dir_.File("db");
  auto import = RunHoso({"import", "dvcqg", "--file", kFeed, "--db", db, "--mapping", kSiteMapping,
                         "--report", "--format", "json", "--no-progress"});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  const nlohmann::json summary = nlohmann::json::parse(import.out);
  EXPECT_EQ(summary["records"], 52);
  EXPECT_EQ(summary["changes_unapplied"], 1) << "D10's new unit before its step, reported once";
  EXPECT_EQ(summary["refused_by_reason"],
            nlohmann::json::parse(R"({"dvcqg_older_snapshot": 2, "dvcqg_unknown_status": 2})"));
  EXPECT_EQ(summary["rejected_by_engine"], 0);
  EXPECT_EQ(summary["applied"], summary["events_derived"]);
  // Sync completeness: D1-D4, D6 and D9 complete, D7 open, D10 complete in
  // the unit it moved to, D5 refused at reception (complete, never
  // received: no month). D8's records were all refused: it is in the dead
  // letters, not in the report.
  EXPECT_EQ(summary["completeness"], nlohmann::json::parse(R"([
    {"agency_id": "hbt-phong-tu-phap", "month": "2019-06", "reported": 1, "complete": 1,
     "incomplete": []},
    {"agency_id": "phuong-bach-khoa", "month": null, "reported": 1, "complete": 1, "incomplete": []},
    {"agency_id": "phuong-bach-khoa", "month": "2019-06", "reported": 7, "complete": 6,
     "incomplete": ["D7"]}])"))
      << summary["completeness"].dump();
  ExpectTheNativeKpis(db, native_db_);

  auto again = RunHoso({"import", "dvcqg", "--file", kFeed, "--db", db, "--mapping", kSiteMapping,
                        "--format", "json", "--no-progress"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["applied"], 0) << again.out;
  ExpectTheNativeKpis(db, native_db_);

  // Nothing the engine stores comes from elsewhere than the derived events;
  // all of it, decoded, is in the audit bundle. The raw files are read too.
  auto bundle =
      RunHoso({"audit", "export", "--db", db, "--period", "2019", "--out", dir_.File("bundle")});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  int files = 0;
  for (const std::string& root : {db, db + ".dvcqg", dir_.File("bundle")}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      ExpectNoPersonalData(entry.path().string(), testing::ReadFile(entry.path().string()));
    }
  }
  EXPECT_GT(files, 5);
  const std::string dead_letters = testing::ReadFile(db + ".dvcqg-dead-letter.jsonl");
  EXPECT_NE(dead_letters.find("dvcqg_unknown_status"), std::string::npos) << dead_letters;
  ExpectNoPersonalData("the dead letters", dead_letters);
}

TEST_F(DvcqgLifecyclesTest, ASecondImportContinuesTheFirstOnesDossiers) {
  // The feed in two files: D1's reception and first step in the first, its
  // end (and everything else) in the second, which also reopens D1 after
  // its result was returned.
  const std::string feed = testing::ReadFile(kFeed);
  size_t split = 0;
  for (int lines = 0; lines < 4; ++lines) split = feed.find('\n', split) + 1;
  ASSERT_NE(feed.substr(0, split).find("\"TrangThaiHoSo\": \"4\""), std::string::npos);
  ASSERT_EQ(feed.substr(0, split).find("\"TrangThaiHoSo\": \"9\""), std::string::npos);
  testing::WriteFile(dir_.File("a.jsonl"), feed.substr(0, split));
  testing::WriteFile(
      dir_.File("b.jsonl"),
      feed.substr(split) +
          R"({"MaHoSo": "D1", "MaTTHC": "ward-dang-ky-khai-sinh", "DonViXuLy": "phuong-bach-khoa", )"
          R"("HinhThuc": "1", "NgayTiepNhan": "20190603090000", "NgayHenTra": "20190610090000", )"
          R"("TrangThaiHoSo": "4", "NgayKetThucXuLy": "20190607100000", "NgayTra": "20190608080000"})"
          "\n");
  const std::string db = dir_.File("db");
  for (const char* part : {"a.jsonl", "b.jsonl"}) {
    auto import = RunHoso({"import", "dvcqg", "--file", dir_.File(part), "--db", db, "--mapping",
                           kSiteMapping, "--format", "json", "--no-progress"});
    ASSERT_EQ(import.exit_code, 0) << import.err;
    const nlohmann::json summary = nlohmann::json::parse(import.out);
    EXPECT_EQ(summary["rejected_by_engine"], 0) << part;
    if (std::string(part) == "b.jsonl") {
      EXPECT_EQ(summary["refused_by_reason"]["dvcqg_contradiction"], 1)
          << "only the first import's track knows D1 ended: " << import.out;
      EXPECT_EQ(summary["duplicates"], 0) << "nothing of the first file derived again";
    }
  }
  ExpectTheNativeKpis(db, native_db_);
  const std::string dead_letters = testing::ReadFile(db + ".dvcqg-dead-letter.jsonl");
  EXPECT_NE(dead_letters.find("\"MaHoSo\":\"D1\",\"reason\":\"dvcqg_contradiction\""),
            std::string::npos)
      << dead_letters;
}

}  // namespace
}  // namespace hoso::connectors::dvcqg
