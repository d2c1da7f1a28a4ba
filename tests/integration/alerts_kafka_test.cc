// Alerts through Kafka (docs/alerts.md): a separate `hoso broker` process,
// `hoso serve`, and kcat reading hoso.alerts. The docs/domain.md alerts of D4 and
// D6 reach the topic; a serve killed with SIGKILL and restarted publishes no
// alert twice; stored-but-unpublished alerts go out at start; with a wall
// clock (clock_start, advancing in real time) an alert is raised within one
// second of its instant. Tests poll with deadlines, never sleep blindly.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/testing/child_process.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/fixture_expectations.h"
#include "tests/testing/serve_test_config.h"

namespace hoso {
namespace {

using testing::Child;
using testing::RunHoso;
using testing::RunProgram;
using testing::SourcePath;
using testing::TempDir;
using testing::WaitFor;
using Clock = std::chrono::steady_clock;

constexpr char kKcat[] = "/usr/bin/kcat";
constexpr char kFixture[] = "tests/data/fixture_bach_khoa_2019_06.jsonl";

class AlertsKafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string file = dir_.File("bootstrap");
    // One partition: with the event-time clock serve fires a dossier's timers
    // before its own partition's next event (docs/scale.md "Restore"), and the
    // fixture's alerts are those of one clock over all of its dossiers.
    broker_ = std::make_unique<Child>(
        std::vector<std::string>{HOSO_CLI, "broker", "--partitions", "1", "--bootstrap-file", file},
        dir_.File("broker.log"));
    ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(file); }, std::chrono::seconds(20)));
    std::ifstream in(file);
    std::getline(in, bootstrap_);
    db_ = dir_.File("db");
  }

  std::string Config(nlohmann::json extra) {
    return testing::WriteServeConfig(dir_.File("serve.json"), bootstrap_, "alerts-test", db_,
                                     extra);
  }

  std::unique_ptr<Child> Serve(const std::string& config) {
    ++serves_;
    return std::make_unique<Child>(
        std::vector<std::string>{HOSO_CLI, "-v", "serve", "--config", config}, ServeLog());
  }
  std::string ServeLog() const { return dir_.File("serve" + std::to_string(serves_) + ".log"); }
  bool ServeLogHas(const std::string& text) const {
    return testing::ReadFile(ServeLog()).find(text) != std::string::npos;
  }

  void Produce(const std::string& file) {
    auto produced = RunHoso({"produce", "--brokers", bootstrap_, "--file", file, "--no-progress"});
    ASSERT_EQ(produced.exit_code, 0) << produced.err;
  }

  // Every message on hoso.alerts (kcat -J envelopes), values parsed.
  std::vector<nlohmann::json> ReadAlerts() {
    auto read = RunProgram(kKcat, {"-C", "-b", bootstrap_, "-t", "hoso.alerts", "-e", "-J", "-q"});
    std::vector<nlohmann::json> alerts;
    std::istringstream lines(read.out);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      nlohmann::json envelope = nlohmann::json::parse(line, nullptr, false);
      if (envelope.is_discarded() || !envelope["payload"].is_string()) continue;
      nlohmann::json alert = nlohmann::json::parse(envelope["payload"].get<std::string>());
      EXPECT_EQ(envelope["key"], alert["dossier_id"]);
      alerts.push_back(alert);
    }
    return alerts;
  }
  // alert_id -> how many times it was published.
  std::map<std::string, int> Published() {
    std::map<std::string, int> out;
    for (const auto& alert : ReadAlerts()) ++out[alert["alert_id"].get<std::string>()];
    return out;
  }
  static std::set<std::string> Summary(const std::vector<nlohmann::json>& alerts,
                                       const std::set<std::string>& dossiers) {
    std::set<std::string> out;
    for (const auto& alert : alerts) {
      if (dossiers.count(alert["dossier_id"]) == 0) continue;
      out.insert(alert["dossier_id"].get<std::string>() + " " + alert["kind"].get<std::string>() +
                 " " + alert["fires_at"].get<std::string>());
    }
    return out;
  }
  static void ExpectNoDuplicate(const std::map<std::string, int>& published) {
    for (const auto& [id, count] : published) EXPECT_EQ(count, 1) << id << " published twice";
  }

  TempDir dir_;
  std::unique_ptr<Child> broker_;
  std::string bootstrap_;
  std::string db_;
  int serves_ = 0;
};

const std::set<std::string>& kD4D6 = testing::FixtureD4D6Alerts();

TEST_F(AlertsKafkaTest, FixtureAlertsReachTheTopicAndSigkillNeverDuplicatesThem) {
  const std::string config = Config({});
  auto serve = Serve(config);
  Produce(SourcePath(kFixture));
  ASSERT_TRUE(WaitFor(
      [&] {
        return Summary(ReadAlerts(), {"BK-2019-D4", "BK-2019-D6"}) == kD4D6;
      },
      std::chrono::seconds(60)))
      << testing::ReadFile(ServeLog());
  EXPECT_TRUE(Summary(ReadAlerts(), {"BK-2019-D5"}).empty());  // D5 raised nothing yet
  serve->Stop(SIGKILL);

  // Restart, and give the new serve something to do: D5 resolved late on
  // Tue 07-02, so its four alerts fire first (event-time clock).
  serve = Serve(config);
  const std::string more = dir_.File("more.jsonl");
  testing::WriteFile(
      more, R"({"event_id": "fx-D5-2", "dossier_id": "BK-2019-D5", "type": "resolved", )"
            R"("occurred_at": "2019-07-02T10:00:00+07:00", "agency_id": "phuong-bach-khoa", )"
            R"("outcome": "approved"})"
            "\n");
  Produce(SourcePath(kFixture));  // all duplicates now
  Produce(more);
  const std::set<std::string> d5 = {
      "BK-2019-D5 apology_due 2019-06-28T08:00:00+07:00",
      "BK-2019-D5 due_soon 2019-06-28T09:00:00+07:00",
      "BK-2019-D5 overdue 2019-07-01T09:00:00+07:00",
      "BK-2019-D5 apology_missing 2019-07-01T09:00:00+07:00",
  };
  ASSERT_TRUE(WaitFor([&] { return Summary(ReadAlerts(), {"BK-2019-D5"}) == d5; },
                      std::chrono::seconds(60)))
      << testing::ReadFile(ServeLog());
  serve->Stop(SIGKILL);
  serve = Serve(config);
  ASSERT_TRUE(
      WaitFor([&] { return ServeLogHas("alert outbox checked"); }, std::chrono::seconds(30)));
  const auto published = Published();
  EXPECT_EQ(Summary(ReadAlerts(), {"BK-2019-D4", "BK-2019-D6"}), kD4D6);
  ExpectNoDuplicate(published);
  // Same set as `hoso alerts` lists from the store (ingest of the same data).
  serve->Stop(SIGTERM);
  auto listed = RunHoso({"alerts", "--db", db_, "--format", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(nlohmann::json::parse(listed.out).size(), published.size());
}

TEST_F(AlertsKafkaTest, AlertsStoredButNeverPublishedGoOutAtStartOnce) {
  // `hoso ingest` stores alerts without publishing them: exactly the state a
  // serve killed between its commit and the broker's acknowledgement leaves.
  auto ingest = RunHoso({"ingest", "--events", SourcePath(kFixture), "--db", db_});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  const std::string config = Config({});
  auto serve = Serve(config);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Summary(ReadAlerts(), {"BK-2019-D4", "BK-2019-D6"}) == kD4D6;
      },
      std::chrono::seconds(30)))
      << testing::ReadFile(ServeLog());
  ASSERT_TRUE(
      WaitFor([&] { return ServeLogHas("alert outbox checked"); }, std::chrono::seconds(30)));
  const size_t first = ReadAlerts().size();
  serve->Stop(SIGKILL);
  serve = Serve(config);
  ASSERT_TRUE(WaitFor([&] { return ServeLogHas("alert outbox checked (0 re-published)"); },
                      std::chrono::seconds(30)))
      << testing::ReadFile(ServeLog());
  EXPECT_EQ(ReadAlerts().size(), first);
  ExpectNoDuplicate(Published());
}

TEST_F(AlertsKafkaTest, WallClockRaisesAnAlertWithinOneSecondOfItsInstant) {
  // The engine clock starts at 08:59:45 and runs in real time; D4-like
  // dossier due Tue 2019-06-11 09:00, so overdue is due ~15 s after start.
  auto serve = Serve(Config({{"clock", "wall"}, {"clock_start", "2019-06-11T08:59:45+07:00"}}));
  const std::string events = dir_.File("one.jsonl");
  testing::WriteFile(
      events, R"({"event_id": "w-1", "dossier_id": "W-1", "type": "received", )"
              R"("occurred_at": "2019-06-06T09:00:00+07:00", "agency_id": "phuong-bach-khoa", )"
              R"("procedure_id": "ward-xac-nhan-tinh-trang-hon-nhan", "channel": "direct", )"
              R"("processing": {"working_days": 3}})"
              "\n");
  Produce(events);
  nlohmann::json overdue;
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& alert : ReadAlerts()) {
          if (alert["kind"] == "overdue") overdue = alert;
        }
        return !overdue.is_null();
      },
      std::chrono::seconds(60)))
      << testing::ReadFile(ServeLog());
  EXPECT_EQ(overdue["fires_at"], "2019-06-11T09:00:00+07:00");
  // raised_at is the engine clock: fires_at + the tick delay (< 1 s).
  const std::string raised = overdue["raised_at"];
  EXPECT_TRUE(raised.rfind("2019-06-11T09:00:00", 0) == 0) << raised;
  // The earlier timers (past at the clock start) were raised at once.
  EXPECT_EQ(Summary(ReadAlerts(), {"W-1"}),
            (std::set<std::string>{"W-1 apology_due 2019-06-10T08:00:00+07:00",
                                   "W-1 due_soon 2019-06-10T09:00:00+07:00",
                                   "W-1 overdue 2019-06-11T09:00:00+07:00",
                                   "W-1 apology_missing 2019-06-11T09:00:00+07:00"}));
  ExpectNoDuplicate(Published());
}

}  // namespace
}  // namespace hoso
