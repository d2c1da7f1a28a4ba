// `hoso alerts` on the docs/domain.md fixture (ingested with the event-time
// clock), and every alert validated against schemas/alert.schema.json.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "tests/testing/cli_runner.h"
#include "tests/testing/fixture_expectations.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::RunProgram;
using testing::SourcePath;
using testing::TempDir;

class AlertsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("db");
    auto result = RunHoso({"ingest", "--events",
                           SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "--db", db_});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  nlohmann::json Alerts(std::vector<std::string> extra) {
    std::vector<std::string> args = {"alerts", "--db", db_, "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = RunHoso(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }

  // "dossier kind fires_at" of each alert.
  static std::set<std::string> Summary(const nlohmann::json& alerts) {
    std::set<std::string> out;
    for (const auto& alert : alerts) {
      out.insert(alert["dossier_id"].get<std::string>() + " " + alert["kind"].get<std::string>() +
                 " " + alert["fires_at"].get<std::string>());
    }
    return out;
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(AlertsCliTest, ListsExactlyTheAlertsOfDomainMd) {
  const nlohmann::json alerts = Alerts({});
  std::set<std::string> d4_d5_d6;
  for (const std::string& line : Summary(alerts)) {
    if (line.rfind("BK-2019-D4 ", 0) == 0 || line.rfind("BK-2019-D5 ", 0) == 0 ||
        line.rfind("BK-2019-D6 ", 0) == 0) {
      d4_d5_d6.insert(line);
    }
  }
  const std::set<std::string>& expected = testing::FixtureD4D6Alerts();
  EXPECT_EQ(d4_d5_d6, expected);
  // fires_at order.
  for (size_t i = 1; i < alerts.size(); ++i) {
    EXPECT_LE(alerts[i - 1]["fires_at"].get<std::string>(),
              alerts[i]["fires_at"].get<std::string>());
  }
  // With the event clock raised_at is the later of fires_at and the
  // dossier's last event, never before fires_at.
  for (const auto& alert : alerts) {
    EXPECT_GE(alert["raised_at"].get<std::string>(), alert["fires_at"].get<std::string>());
    EXPECT_EQ(alert["alert_id"], alert["dossier_id"].get<std::string>() + "|" +
                                     alert["kind"].get<std::string>() + "|" +
                                     alert["due_at"].get<std::string>().substr(0, 4) +
                                     alert["due_at"].get<std::string>().substr(5, 2) +
                                     alert["due_at"].get<std::string>().substr(8, 2) + "T" +
                                     alert["due_at"].get<std::string>().substr(11, 2) +
                                     alert["due_at"].get<std::string>().substr(14, 2));
  }
}

TEST_F(AlertsCliTest, OpenKeepsOnlyDossiersStillOpen) {
  // D4 is resolved; D6 is the only open dossier with alerts (D5 raised none yet).
  const std::set<std::string> expected = {
      "BK-2019-D6 apology_due 2019-06-19T08:00:00+07:00",
      "BK-2019-D6 due_soon 2019-06-19T09:00:00+07:00",
      "BK-2019-D6 overdue 2019-06-20T09:00:00+07:00",
      "BK-2019-D6 apology_missing 2019-06-20T09:00:00+07:00",
  };
  EXPECT_EQ(Summary(Alerts({"--open"})), expected);
}

TEST_F(AlertsCliTest, FiltersByKindAndAgency) {
  EXPECT_EQ(Summary(Alerts({"--kind", "overdue"})),
            (std::set<std::string>{"BK-2019-D4 overdue 2019-06-11T09:00:00+07:00",
                                   "BK-2019-D6 overdue 2019-06-20T09:00:00+07:00"}));
  // Every dossier of the fixture is Bách Khoa's; the other 19 wards only
  // have their dialogue_missing of 15 June (the fixture holds no dialogue).
  const nlohmann::json bach_khoa = Alerts({"--agency", "phuong-bach-khoa"});
  for (const auto& alert : bach_khoa) EXPECT_EQ(alert["agency_id"], "phuong-bach-khoa");
  EXPECT_EQ(bach_khoa.size() + 19, Alerts({}).size());
  EXPECT_TRUE(Alerts({"--agency", "no-such-agency"}).empty());
  EXPECT_EQ(Alerts({"--open", "--kind", "apology_missing"}).size(), 1u);
}

// The fixture runs from 24 May to 24 June 2019 with no dialogue: the clock
// passes 15 June 00:00, so each of the 20 wards of the built-in agency list
// is alerted once, keyed agency:<id>; no district office is.
TEST_F(AlertsCliTest, EveryWardWithoutADialogueByFifteenJuneIsAlerted) {
  const nlohmann::json missing = Alerts({"--kind", "dialogue_missing"});
  ASSERT_EQ(missing.size(), 20u);
  std::set<std::string> wards;
  for (const auto& alert : missing) {
    const std::string agency = alert["agency_id"];
    wards.insert(agency);
    EXPECT_EQ(agency.rfind("phuong-", 0), 0u) << agency;
    EXPECT_EQ(alert["dossier_id"], "agency:" + agency);
    EXPECT_EQ(alert["alert_id"], "agency:" + agency + "|dialogue_missing|20190615T0000");
    EXPECT_EQ(alert["procedure_id"], "");
    EXPECT_EQ(alert["due_at"], "2019-06-15T00:00:00+07:00");
    EXPECT_EQ(alert["fires_at"], "2019-06-15T00:00:00+07:00");
    EXPECT_EQ(alert["raised_at"], "2019-06-15T00:00:00+07:00");
  }
  EXPECT_EQ(wards.size(), 20u);
  // A ward's alert names no dossier: never among the open ones.
  EXPECT_TRUE(Alerts({"--open", "--kind", "dialogue_missing"}).empty());
  auto table = RunHoso({"alerts", "--db", db_, "--kind", "dialogue_missing"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("agency:phuong-vinh-tuy"), std::string::npos);
  EXPECT_NE(table.out.find("20 alerts"), std::string::npos);
}

TEST_F(AlertsCliTest, TableFormatAndBadUsage) {
  auto table = RunHoso({"alerts", "--db", db_, "--open"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("BK-2019-D6"), std::string::npos);
  EXPECT_NE(table.out.find("4 alerts"), std::string::npos);
  EXPECT_EQ(RunHoso({"alerts", "--db", db_, "--kind", "late"}).exit_code, 2);
  EXPECT_NE(RunHoso({"alerts", "--db", dir_.File("missing")}).exit_code, 0);
}

TEST_F(AlertsCliTest, EveryAlertValidatesAgainstTheSchema) {
  auto listed = RunHoso({"alerts", "--db", db_, "--format", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  ASSERT_GE(nlohmann::json::parse(listed.out).size(), 7u);
  const std::string file = dir_.File("alerts.json");
  testing::WriteFile(file, listed.out);
  auto checked = RunProgram("/usr/bin/python3", {SourcePath("tests/integration/validate_alerts.py"),
                                                 SourcePath("schemas/alert.schema.json"), file});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
}

TEST_F(AlertsCliTest, SchemaRefusesAnAlertWithAnUnknownKindOrField) {
  const std::string file = dir_.File("bad.jsonl");
  nlohmann::json alert = Alerts({})[0];
  alert["kind"] = "late";
  nlohmann::json extra = Alerts({})[0];
  extra["severity"] = "high";
  testing::WriteFile(file, alert.dump() + "\n" + extra.dump() + "\n");
  auto checked = RunProgram("/usr/bin/python3", {SourcePath("tests/integration/validate_alerts.py"),
                                                 SourcePath("schemas/alert.schema.json"), file});
  EXPECT_EQ(checked.exit_code, 1) << checked.out << checked.err;
}

// Issue 8, defect 7: with the event-time clock, which other dossier's event
// moves the clock past a timer (a file's order, serve's merge of Kafka
// partitions, a replay) must not change the alert: raised_at is the later of
// fires_at and the dossier's own last event, so A's alerts are stored byte
// for byte the same whether B's or C's receipt comes first.
TEST(AlertsDeterminismTest, RaisedAtDoesNotDependOnWhichEventMovedTheClock) {
  TempDir dir;
  auto received = [](const std::string& dossier, const std::string& at) {
    return R"({"event_id":")" + dossier + R"(-1","dossier_id":")" + dossier +
           R"(","type":"received","occurred_at":")" + at +
           R"(","agency_id":"phuong-bach-khoa","procedure_id":"ward-xac-nhan-tinh-trang-hon-nhan","channel":"direct"})" +
           "\n";
  };
  const std::string a = received("A", "2019-06-03T09:00:00+07:00");  // due Thu 06-06 09:00
  const std::string b = received("B", "2019-06-10T09:00:00+07:00");
  const std::string c = received("C", "2019-06-11T09:00:00+07:00");
  testing::WriteFile(dir.File("abc.jsonl"), a + b + c);
  testing::WriteFile(dir.File("acb.jsonl"), a + c + b);
  auto alerts_of_a = [&](const std::string& events, const std::string& db) {
    EXPECT_EQ(RunHoso({"ingest", "--events", events, "--db", db}).exit_code, 0);
    auto result = RunHoso({"alerts", "--db", db, "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::vector<std::string> out;
    for (const auto& alert : nlohmann::json::parse(result.out)) {
      if (alert["dossier_id"] == "A") out.push_back(alert.dump());
    }
    return out;
  };
  const auto first = alerts_of_a(dir.File("abc.jsonl"), dir.File("db1"));
  const auto second = alerts_of_a(dir.File("acb.jsonl"), dir.File("db2"));
  ASSERT_EQ(first.size(), 4u);  // apology_due, due_soon, overdue, apology_missing
  EXPECT_EQ(first, second);
  for (const std::string& alert : first) {
    auto json = nlohmann::json::parse(alert);
    EXPECT_EQ(json["raised_at"], json["fires_at"]) << alert;
  }
}

}  // namespace
}  // namespace hoso
