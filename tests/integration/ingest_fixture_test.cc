// The docs/domain.md KPI fixture (ward Bách Khoa, June 2019) through the real
// pipeline: `hoso ingest` into RocksDB in a temp dir, then `hoso kpi`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "projections/alert_log.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/fixture_expectations.h"

namespace hoso {
namespace {

connectors::RocksOptions ReadOnly() {
  connectors::RocksOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return options;
}
[[maybe_unused]] connectors::RocksOptions Existing() {
  connectors::RocksOptions options;
  options.create_if_missing = false;
  return options;
}

using testing::RunHoso;
using testing::SourcePath;
using testing::TempDir;

class FixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("db");
    auto result =
        RunHoso({"ingest", "--events", SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"),
                 "--db", db_, "--format", "json"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    summary_ = nlohmann::json::parse(result.out);
  }

  nlohmann::json Kpi(const std::string& as_of) {
    auto result =
        RunHoso({"kpi", "--db", db_, "--period", "2019-06", "--as-of", as_of, "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }

  static const nlohmann::json& Row(const nlohmann::json& report, const std::string& agency) {
    for (const auto& row : report["rows"]) {
      if (row["agency_id"] == agency) return row;
    }
    static const nlohmann::json kMissing;
    ADD_FAILURE() << "no row for " << agency;
    return kMissing;
  }

  TempDir dir_;
  std::string db_;
  nlohmann::json summary_;
};

TEST_F(FixtureTest, IngestCountsEveryEvent) {
  EXPECT_EQ(summary_["applied"], 17);
  EXPECT_EQ(summary_["duplicates"], 0);
  EXPECT_EQ(summary_["rejected"], 0);
  // D4 and D6 became overdue while open: the engine logs an overdue event for each.
  EXPECT_EQ(summary_["derived_overdue"], 2);
}

TEST_F(FixtureTest, EveryFigureOfJuneMatchesDomainMd) {
  const nlohmann::json report = Kpi("2019-06-30T23:59:59+07:00");
  EXPECT_EQ(report["period"], "2019-06");
  EXPECT_EQ(report["as_of"], "2019-06-30T23:59:59+07:00");
  for (const nlohmann::json* row : {&Row(report, "phuong-bach-khoa"), &report["total"]}) {
    const nlohmann::json& r = *row;
    EXPECT_EQ(r["received"], 8);
    EXPECT_EQ(r["online_received"], 1);
    EXPECT_EQ(r["online_received_level3"], 1);
    EXPECT_EQ(r["direct"], 7);
    EXPECT_EQ(r["received_one_stop"], 8);
    EXPECT_EQ(r["resolved"], 6);
    EXPECT_EQ(r["resolved_early"], 2);
    EXPECT_EQ(r["resolved_on_time"], 3);
    EXPECT_EQ(r["resolved_late"], 1);
    EXPECT_EQ(r["late_apologized"], 1);
    EXPECT_EQ(r["late_apologized_timely"], 1);
    EXPECT_EQ(r["resolved_online"], 1);
    EXPECT_EQ(r["withdrawn"], 1);
    EXPECT_EQ(r["rejected"], 0);
    EXPECT_EQ(r["open"], 2);
    EXPECT_EQ(r["open_overdue"], 1);
    EXPECT_DOUBLE_EQ(r["on_time_ratio"].get<double>(), 0.8333);
    EXPECT_DOUBLE_EQ(r["apology_compliance"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(r["one_stop_share"].get<double>(), 1.0);
  }
  // Another ward has no dossier: ratios are null, never 0 or 1.
  const nlohmann::json& empty = Row(report, "phuong-bach-mai");
  EXPECT_EQ(empty["received"], 0);
  EXPECT_TRUE(empty["on_time_ratio"].is_null());
  EXPECT_TRUE(empty["apology_compliance"].is_null());
}

TEST_F(FixtureTest, AsOfBeforeD4DueFoldsTheLog) {
  // Mon 2019-06-10 12:00: D1, D2, D3, D9 resolved (D9 counts in June); D4
  // apologized but not yet due; D5, D6, D7, D10 not received yet.
  const nlohmann::json r = Kpi("2019-06-10T12:00:00+07:00")["total"];
  EXPECT_EQ(r["received"], 4);  // D1 D2 D3 D4 (D9 was received in May)
  EXPECT_EQ(r["resolved"], 4);
  EXPECT_EQ(r["resolved_early"], 2);
  EXPECT_EQ(r["resolved_on_time"], 2);
  EXPECT_EQ(r["resolved_late"], 0);
  EXPECT_EQ(r["open"], 1);  // D4
  EXPECT_EQ(r["open_overdue"], 0);
  EXPECT_DOUBLE_EQ(r["on_time_ratio"].get<double>(), 1.0);
  EXPECT_TRUE(r["apology_compliance"].is_null());
}

TEST_F(FixtureTest, AsOfAfterD4DueCountsItOverdue) {
  // Tue 2019-06-11 12:00: D4 is past its 09:00 appointment and still open.
  const nlohmann::json r = Kpi("2019-06-11T12:00:00+07:00")["total"];
  EXPECT_EQ(r["received"], 5);  // + D10
  EXPECT_EQ(r["open"], 2);      // D4, D10
  EXPECT_EQ(r["open_overdue"], 1);
  EXPECT_EQ(r["resolved_late"], 0);
}

TEST_F(FixtureTest, AsOfIsTheSameEveryTime) {
  EXPECT_EQ(Kpi("2019-06-15T00:00:00+07:00"), Kpi("2019-06-15T00:00:00+07:00"));
}

TEST_F(FixtureTest, AlertsOfD4AndD6AreExactlyThoseOfDomainMd) {
  auto store = connectors::RocksKvStore::Open(db_, ReadOnly());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::set<std::string> alerts;
  auto visited = projections::ForEachAlert(**store, 0, [&](const projections::StoredAlert& stored) {
    const nlohmann::json alert = nlohmann::json::parse(stored.json);
    const std::string dossier = alert["dossier_id"];
    EXPECT_EQ(dossier, stored.dossier_id);
    if (dossier == "BK-2019-D4" || dossier == "BK-2019-D6" || dossier == "BK-2019-D5") {
      alerts.insert(dossier + " " + alert["kind"].get<std::string>() + " " +
                    alert["fires_at"].get<std::string>());
    }
    return core::Status::Ok();
  });
  ASSERT_TRUE(visited.ok()) << visited.ToString();
  const std::set<std::string>& expected = testing::FixtureD4D6Alerts();
  EXPECT_EQ(alerts, expected);
}

TEST_F(FixtureTest, HistoryShowsChainDueAndClassification) {
  auto result = RunHoso({"history", "BK-2019-D4", "--db", db_, "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json history = nlohmann::json::parse(result.out);
  EXPECT_EQ(history["chain_ok"], true);
  EXPECT_EQ(history["classification"], "late");
  EXPECT_EQ(history["first_apology_timely"], true);
  ASSERT_EQ(history["events"].size(), 4u);  // received, apologized, derived overdue, resolved
  EXPECT_EQ(history["events"][0]["due_at"], "2019-06-11T09:00:00+07:00");
  EXPECT_EQ(history["events"][2]["type"], "overdue");
  EXPECT_EQ(history["events"][2]["derived"], true);
}

TEST_F(FixtureTest, IngestingTheSameFileAgainChangesNothing) {
  const nlohmann::json before = Kpi("2019-06-30T23:59:59+07:00");
  auto again =
      RunHoso({"ingest", "--events", SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"),
               "--db", db_, "--format", "json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["applied"], 0);  // resumed at the end
  EXPECT_EQ(Kpi("2019-06-30T23:59:59+07:00"), before);
}

}  // namespace
}  // namespace hoso
