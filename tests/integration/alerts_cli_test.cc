// `hoso alerts` on the domain.md fixture (ingested with the event-time
// clock), and every alert validated against schemas/alert.schema.json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
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
  // The engine clock when D4's overdue was raised is D4's next applied event
  // after 06-11 09:00 (event time), never before fires_at.
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
  EXPECT_EQ(Alerts({"--agency", "phuong-bach-khoa"}).size(), Alerts({}).size());
  EXPECT_TRUE(Alerts({"--agency", "no-such-agency"}).empty());
  EXPECT_EQ(Alerts({"--open", "--kind", "apology_missing"}).size(), 1u);
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

}  // namespace
}  // namespace hoso
