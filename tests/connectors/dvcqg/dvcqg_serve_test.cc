// serve's topics.dvcqg (docs/dvcqg.md "In serve") through the built `hoso`
// binary, `hoso broker` and kcat: the portal's sync records go onto a topic
// keyed by MaHoSo, serve turns them into events on its input topic and
// applies them, and the figures equal the same dossiers sent as native
// events. Refused records reach the dead-letter topic with their reason and
// never their content; a restart reads on from the tracks' checkpoint
// instead of re-reading the topic, unless the file is cut short; a restart whose bridge finds
// nothing committed produces every event again, and the engine keeps one of each; serve SIGKILLed
// at random points (checkpoints every second) ends with the figures of `hoso import dvcqg`. Tests
// never sleep blindly: they poll a condition with a deadline.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/connectors/dvcqg/lifecycle_fixture.h"
#include "tests/testing/broker_process.h"
#include "tests/testing/child_process.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/kpi_report.h"
#include "tests/testing/metrics_text.h"
#include "tests/testing/serve_test_config.h"

namespace hoso {
namespace {

using testing::BrokerProcess;
using testing::Child;
using testing::ExpectNoPersonalData;
using testing::RunHoso;
using testing::RunProgram;
using testing::TempDir;
using testing::WaitFor;

constexpr char kKcat[] = "/usr/bin/kcat";
constexpr char kSyncTopic[] = "hoso.dvcqg";

// Produces each line of `records` to the sync topic, keyed by its MaHoSo
// ("-" when it has none), as a mirror of the portal's sync feed would.
void ProduceRecords(const TempDir& dir, const std::string& bootstrap, const std::string& records) {
  std::ostringstream keyed;
  std::istringstream in(records);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    std::string key = "-";
    if (record.is_object() && record.contains("MaHoSo")) key = record["MaHoSo"].get<std::string>();
    ASSERT_EQ(line.find('\x1f'), std::string::npos);
    keyed << key << '\x1f' << line << "\n";
  }
  const std::string path = dir.File("keyed-" + std::to_string(records.size()) + ".txt");
  testing::WriteFile(path, keyed.str());
  auto sent = RunProgram("/bin/sh", {"-c", std::string(kKcat) + " -P -b " + bootstrap + " -t " +
                                               kSyncTopic + " -K $(printf '\\037') < " + path});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
}

// Every message of `topic` as kcat's JSON envelope (key, payload, headers).
std::vector<nlohmann::json> ReadTopic(const std::string& bootstrap, const std::string& topic) {
  auto read = RunProgram(kKcat, {"-C", "-b", bootstrap, "-t", topic, "-J", "-e", "-q"});
  std::vector<nlohmann::json> messages;
  std::istringstream lines(read.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) messages.push_back(nlohmann::json::parse(line, nullptr, false));
  }
  return messages;
}

std::map<std::string, std::string> Headers(const nlohmann::json& message) {
  std::map<std::string, std::string> headers;
  if (!message.contains("headers")) return headers;
  const nlohmann::json& h = message["headers"];
  for (size_t i = 0; i + 1 < h.size(); i += 2) headers[h[i]] = h[i + 1];
  return headers;
}

// The value of an unlabelled series of serve's /metrics; -1 when absent.
int64_t Metric(const std::string& port_file, const std::string& series) {
  const std::string port = testing::ReadFile(port_file);
  if (port.empty()) return -1;
  httplib::Client client("127.0.0.1", std::stoi(port));
  auto response = client.Get("/metrics");
  if (!response || response->status != 200) return -1;
  return testing::MetricValue(response->body, series).value_or(-1);
}

std::string ServeConfig(const TempDir& dir, const std::string& bootstrap, const std::string& group,
                        const std::string& db, const std::string& port_file = "") {
  nlohmann::json extra = {
      {"topics", {{"dvcqg", kSyncTopic}}},
      {"dvcqg", {{"mapping", testing::kDvcqgSiteMapping}, {"checkpoint_interval_ms", 1000}}},
      {"batch_max_records", 500}};
  if (!port_file.empty()) {
    extra["http"] = {{"listen", "127.0.0.1:0"}, {"port_file", port_file}, {"refresh_ms", 0}};
  }
  return testing::WriteServeConfig(dir.File("serve-" + group + ".json"), bootstrap, group, db,
                                   extra);
}

// Unreadable records, each carrying personal data the dead letters must not.
const char kBadRecords[] =
    R"({"MaHoSo": "B1", "TrangThaiHoSo": "2", "NgayTiepNhan": "03/06/2019", "ChuHoSo": "Lê Thị Cúc"}
{"TrangThaiHoSo": "2", "SoDienThoai": "0987654321"}
{"MaHoSo": "B3", "ThoiDiemXuLy": "20190604090000", "NguoiXuLy": "Ngô Văn Em"}
)";

TEST(DvcqgServeTest, SyncRecordsOnATopicGiveTheNativeKpisOnceThroughARestart) {
  TempDir dir;
  BrokerProcess broker(dir, 4);
  ASSERT_FALSE(broker.bootstrap().empty());
  const std::string native_db = dir.File("native-db");
  auto ingest =
      RunHoso({"ingest", "--events", testing::kDvcqgNative, "--db", native_db, "--no-progress"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  ProduceRecords(dir, broker.bootstrap(), testing::ReadFile(testing::kDvcqgFeed) + kBadRecords);

  const std::string db = dir.File("db");
  const std::string port_file = dir.File("port");
  Child serve(
      {HOSO_CLI, "serve", "--config", ServeConfig(dir, broker.bootstrap(), "g1", db, port_file)},
      dir.File("serve.log"));
  const auto kpis_equal = [&] {
    for (const char* period : {"2019-06", "2019"}) {
      const testing::KpiByAgency expected = testing::KpiByAgencyOfDb(native_db, period);
      if (expected.empty() || testing::KpiByAgencyOfDb(db, period) != expected) return false;
    }
    return true;
  };
  ASSERT_TRUE(WaitFor(kpis_equal, std::chrono::seconds(60)))
      << testing::Describe(testing::KpiByAgencyOfDb(db, "2019-06")) << "\nnative:\n"
      << testing::Describe(testing::KpiByAgencyOfDb(native_db, "2019-06")) << "\nserve log:\n"
      << testing::ReadFile(dir.File("serve.log"));
  EXPECT_EQ(testing::KpiByAgencyOfDb(db, "2019-06").at("TOTAL").at("late_apologized"), 1);

  // Refused records and the change that gave no event: reason, MaHoSo and
  // position, never the record.
  std::vector<nlohmann::json> letters;
  ASSERT_TRUE(WaitFor(
      [&] {
        letters = ReadTopic(broker.bootstrap(), "hoso.dead-letter");
        return letters.size() >= 8;
      },
      std::chrono::seconds(30)))
      << letters.size();
  std::map<std::string, int> reasons;
  for (const nlohmann::json& letter : letters) {
    const auto headers = Headers(letter);
    ++reasons[headers.at("reason")];
    EXPECT_EQ(headers.at("source_topic"), kSyncTopic);
    EXPECT_FALSE(headers.at("source_offset").empty());
    const nlohmann::json value = nlohmann::json::parse(letter["payload"].get<std::string>());
    EXPECT_EQ(value["reason"], headers.at("reason"));
  }
  EXPECT_EQ(reasons, (std::map<std::string, int>{{"dvcqg_older_snapshot", 2},
                                                 {"dvcqg_unknown_status", 2},
                                                 {"dvcqg_no_instant", 1},
                                                 {"dvcqg_bad_instant", 1},
                                                 {"dvcqg_missing_field", 1},
                                                 {"dvcqg_not_received", 1}}));
  std::string passed_on;
  for (const char* topic : {"hoso.dead-letter", "hoso.dossier-events"}) {
    for (const nlohmann::json& message : ReadTopic(broker.bootstrap(), topic)) {
      passed_on += message.dump() + "\n";
    }
  }
  ExpectNoPersonalData("the dead-letter and events topics", passed_on);

  int64_t produced = -1;
  EXPECT_TRUE(WaitFor(
      [&] {
        produced = Metric(port_file, "hoso_dvcqg_events_produced_total");
        return produced > 0 && Metric(port_file, "hoso_events_applied_total") == produced;
      },
      std::chrono::seconds(10)))
      << produced << " produced, " << Metric(port_file, "hoso_events_applied_total") << " applied";
  EXPECT_EQ(Metric(port_file, "hoso_dvcqg_rebuild_remaining"), 0);
  int status = serve.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  // The same group again: the tracks come from the checkpoint written at
  // the stop, so the restart reads only what is new (here the feed's last
  // record sent again: the same snapshot, no event), not the whole topic.
  {
    const std::string port_file_restart = dir.File("port-restart");
    Child restarted({HOSO_CLI, "serve", "--config",
                     ServeConfig(dir, broker.bootstrap(), "g1", db, port_file_restart)},
                    dir.File("serve-restart.log"));
    int64_t from_checkpoint = -1;
    ASSERT_TRUE(WaitFor(
        [&] {
          from_checkpoint = Metric(port_file_restart, "hoso_dvcqg_checkpoint_dossiers");
          return from_checkpoint > 0;
        },
        std::chrono::seconds(30)))
        << testing::ReadFile(dir.File("serve-restart.log"));
    EXPECT_EQ(Metric(port_file_restart, "hoso_dvcqg_dossiers"), from_checkpoint);
    const std::string feed = testing::ReadFile(testing::kDvcqgFeed);
    const size_t last_line = feed.rfind('\n', feed.size() - 2) + 1;
    ProduceRecords(dir, broker.bootstrap(), feed.substr(last_line));
    EXPECT_TRUE(WaitFor([&] { return Metric(port_file_restart, "hoso_dvcqg_records_total") == 1; },
                        std::chrono::seconds(30)))
        << Metric(port_file_restart, "hoso_dvcqg_records_total") << " records read\n"
        << testing::ReadFile(dir.File("serve-restart.log"));
    EXPECT_EQ(Metric(port_file_restart, "hoso_dvcqg_events_produced_total"), 0);
    status = restarted.Stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }

  // A checkpoint cut short (its last line, the count, lost) is never taken:
  // the tracks are rebuilt from the topic's first record, and nothing is
  // produced again (every record is before the committed offsets).
  {
    const std::string checkpoint = db + ".dvcqg/serve-tracks-g1.dvcqg.jsonl";
    std::string text = testing::ReadFile(checkpoint);
    ASSERT_GT(text.size(), 2u) << checkpoint;
    text.erase(text.rfind('\n', text.size() - 2) + 1);
    testing::WriteFile(checkpoint, text);
    const std::string port_file_cut = dir.File("port-cut");
    Child rebuilt({HOSO_CLI, "serve", "--config",
                   ServeConfig(dir, broker.bootstrap(), "g1", db, port_file_cut)},
                  dir.File("serve-cut.log"));
    const int64_t topic_records = 52 + 3 + 1;  // the feed, the bad records, the last one again
    EXPECT_TRUE(
        WaitFor([&] { return Metric(port_file_cut, "hoso_dvcqg_records_total") == topic_records; },
                std::chrono::seconds(30)))
        << Metric(port_file_cut, "hoso_dvcqg_records_total") << " records read\n"
        << testing::ReadFile(dir.File("serve-cut.log"));
    EXPECT_EQ(Metric(port_file_cut, "hoso_dvcqg_checkpoint_dossiers"), 0);
    EXPECT_EQ(Metric(port_file_cut, "hoso_dvcqg_events_produced_total"), 0);
    EXPECT_NE(testing::ReadFile(dir.File("serve-cut.log")).find("cut short"), std::string::npos);
    status = rebuilt.Stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }

  // Another group: its bridge finds nothing committed, as if the first run
  // had died after the broker acknowledged every event and before any
  // commit. It produces every event again; the engine keeps one of each.
  const std::string port_file_2 = dir.File("port-2");
  Child again(
      {HOSO_CLI, "serve", "--config", ServeConfig(dir, broker.bootstrap(), "g2", db, port_file_2)},
      dir.File("serve-2.log"));
  // The bridge counts its events once the broker has acknowledged them all
  // (at its next commit), which can come after the engine has read them.
  EXPECT_TRUE(WaitFor(
      [&] {
        return Metric(port_file_2, "hoso_events_duplicate_total") == produced &&
               Metric(port_file_2, "hoso_dvcqg_events_produced_total") == produced;
      },
      std::chrono::seconds(60)))
      << Metric(port_file_2, "hoso_events_duplicate_total") << " duplicates and "
      << Metric(port_file_2, "hoso_dvcqg_events_produced_total") << " produced of " << produced
      << "\n"
      << testing::ReadFile(dir.File("serve-2.log"));
  EXPECT_EQ(Metric(port_file_2, "hoso_events_applied_total"), 0);
  status = again.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(kpis_equal());

  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(db)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    ExpectNoPersonalData(entry.path().string(), testing::ReadFile(entry.path().string()));
  }
  EXPECT_GT(files, 3);
}

// The fixture's dossiers 600 times over (MaHoSo R<n>-D<k>, 31,200 records),
// with serve SIGKILLed up to three times at random points while it converts
// and applies them: the final figures equal
// `hoso import dvcqg` of the same records.
TEST(DvcqgServeTest, KilledServeEndsWithTheFiguresOfImport) {
  TempDir dir;
  BrokerProcess broker(dir, 4);
  ASSERT_FALSE(broker.bootstrap().empty());
  const std::string fixture = testing::ReadFile(testing::kDvcqgFeed);
  constexpr int kCopies = 600;
  std::string records;
  for (int copy = 0; copy < kCopies; ++copy) {
    std::istringstream lines(fixture);
    std::string line;
    while (std::getline(lines, line)) {
      const std::string from = R"("MaHoSo": "D)";
      const size_t at = line.find(from);
      ASSERT_NE(at, std::string::npos) << line;
      line.replace(at, from.size(), R"("MaHoSo": "R)" + std::to_string(copy) + "-D");
      records += line + "\n";
    }
  }
  const std::string records_path = dir.File("records.jsonl");
  testing::WriteFile(records_path, records);
  const std::string import_db = dir.File("import-db");
  auto import = RunHoso({"import", "dvcqg", "--file", records_path, "--db", import_db, "--mapping",
                         testing::kDvcqgSiteMapping, "--no-progress"});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  const testing::KpiByAgency expected = testing::KpiByAgencyOfDb(import_db, "2019");
  ASSERT_EQ(expected.at("TOTAL").at("received"), 8 * kCopies);

  ProduceRecords(dir, broker.bootstrap(), records);
  const std::string db = dir.File("db");
  const std::string config = ServeConfig(dir, broker.bootstrap(), "g-kill", db);
  std::mt19937 random(20191231);
  int kills = 0;
  for (int round = 0; round < 3; ++round) {
    Child serve({HOSO_CLI, "serve", "--config", config}, dir.File("serve.log"));
    // Killed once this run has applied something new, after a random
    // extra delay; a run that finds everything applied ends the kills.
    const testing::KpiByAgency before = testing::KpiByAgencyOfDb(db, "2019");
    if (before == expected) break;
    ASSERT_TRUE(WaitFor([&] { return testing::KpiByAgencyOfDb(db, "2019") != before; },
                        std::chrono::seconds(30)))
        << "round " << round << ": nothing applied\n"
        << testing::ReadFile(dir.File("serve.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 300));
    const int status = serve.Stop(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round << " ended before the kill";
    ++kills;
  }
  EXPECT_GE(kills, 1);
  Child serve({HOSO_CLI, "serve", "--config", config}, dir.File("serve.log"));
  EXPECT_TRUE(WaitFor([&] { return testing::KpiByAgencyOfDb(db, "2019") == expected; },
                      std::chrono::seconds(90)))
      << testing::Describe(testing::KpiByAgencyOfDb(db, "2019")) << "\nimport:\n"
      << testing::Describe(expected) << "\n"
      << testing::ReadFile(dir.File("serve.log"));
}

}  // namespace
}  // namespace hoso
