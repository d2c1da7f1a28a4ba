// `hoso backup` and `hoso restore` (docs/operations.md "Backup and
// restore"): a backup taken while `hoso serve` commits batch after batch,
// restored elsewhere, passes `verify` and gives the KPIs of the source at
// the backup's position (one partition: the first P records of the file,
// ingested alone); a database nobody writes is backed up directly; and the
// mistakes an operator can make are refused. serve logs JSON lines here
// (log.format json), which the test parses.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/testing/child_process.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/serve_test_config.h"

namespace hoso {
namespace {

using testing::Child;
using testing::RunHoso;
using testing::TempDir;
using testing::WaitFor;

constexpr char kEventsSource[] = "kafka:hoso.dossier-events/0";

std::string KpiJson(const std::string& db, const std::string& by = "agency") {
  auto result = RunHoso({"kpi", "--db", db, "--period", "2019", "--by", by, "--format", "json"});
  return result.exit_code == 0 ? result.out : "error: " + result.err;
}

// The first `count` lines of `from`, written to `to`.
void WriteHead(const std::string& from, const std::string& to, int64_t count) {
  std::ifstream in(from);
  std::ofstream out(to);
  std::string line;
  for (int64_t i = 0; i < count && std::getline(in, line); ++i) out << line << "\n";
}

int64_t CountLines(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int64_t lines = 0;
  while (std::getline(in, line)) lines += line.empty() ? 0 : 1;
  return lines;
}

TEST(BackupTest, ABackupOfARunningServeRestoresToTheKpisOfItsPosition) {
  TempDir dir;
  const std::string events = dir.File("year.jsonl");
  ASSERT_EQ(RunHoso({"loadgen", "--out", events, "--seed", "11", "--dossiers", "8000"}).exit_code,
            0);
  const int64_t total = CountLines(events);
  // One partition: a position P means the first P records of the file.
  const std::string bootstrap_file = dir.File("bootstrap");
  Child broker({HOSO_CLI, "broker", "--partitions", "1", "--bootstrap-file", bootstrap_file},
               dir.File("broker.log"));
  ASSERT_TRUE(
      WaitFor([&] { return std::filesystem::exists(bootstrap_file); }, std::chrono::seconds(20)));
  std::string bootstrap = testing::ReadFile(bootstrap_file);
  bootstrap.erase(bootstrap.find_last_not_of("\n") + 1);
  auto produced = RunHoso({"produce", "--brokers", bootstrap, "--file", events, "--no-progress"});
  ASSERT_EQ(produced.exit_code, 0) << produced.err;

  // Small batches: serve commits thousands of times, so the backup lands
  // while it writes.
  const std::string db = dir.File("serve-db");
  const nlohmann::json extra = {{"batch_max_records", 5},
                                {"log", {{"format", "json"}, {"level", "info"}}}};
  Child serve({HOSO_CLI, "serve", "--config",
               testing::WriteServeConfig(dir.File("serve.json"), bootstrap, "g-backup", db, extra)},
              dir.File("serve.log"));
  // Wait until serve has committed some records: its figures differ from
  // those of an empty database.
  testing::WriteFile(dir.File("empty.jsonl"), "");
  ASSERT_EQ(RunHoso({"ingest", "--events", dir.File("empty.jsonl"), "--db", dir.File("empty-db"),
                     "--no-progress"})
                .exit_code,
            0);
  const std::string empty = KpiJson(dir.File("empty-db"));
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string now = KpiJson(db);
        return now.rfind("error", 0) != 0 && now != empty;
      },
      std::chrono::seconds(30)))
      << testing::ReadFile(dir.File("serve.log"));

  const std::string backup_dir = dir.File("backup");
  auto backup = RunHoso({"backup", "--db", db, "--out", backup_dir, "--timeout-s", "60"});
  ASSERT_EQ(backup.exit_code, 0) << backup.err << testing::ReadFile(dir.File("serve.log"));
  auto report = nlohmann::json::parse(backup.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << backup.out;
  EXPECT_NE(report.value("made_by", "").find("hoso serve"), std::string::npos) << backup.out;
  ASSERT_TRUE(report["positions"].contains(kEventsSource)) << backup.out;
  const int64_t position = std::stoll(report["positions"][kEventsSource].get<std::string>());
  EXPECT_GT(position, 0) << backup.out;
  // Taken while serve was still consuming, not after it had caught up.
  EXPECT_LT(position, total) << backup.out;

  // The backup did not stop serve: SIGTERM still ends it cleanly.
  const int stopped = serve.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0) << stopped;

  // Restored elsewhere: verify passes, the KPIs are those of the first
  // `position` records ingested alone.
  const std::string restored = dir.File("restored");
  auto restore = RunHoso({"restore", "--from", backup_dir, "--db", restored});
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  auto verify = RunHoso({"verify", "--db", restored});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const std::string head = dir.File("head.jsonl");
  WriteHead(events, head, position);
  const std::string expected_db = dir.File("expected-db");
  auto ingest = RunHoso({"ingest", "--events", head, "--db", expected_db, "--no-progress"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_EQ(KpiJson(restored), KpiJson(expected_db));
  EXPECT_EQ(KpiJson(restored, "procedure"), KpiJson(expected_db, "procedure"));
  EXPECT_EQ(KpiJson(restored).rfind("error", 0), std::string::npos) << KpiJson(restored);

  // Every line serve wrote is a JSON object with time, level, logger and
  // message; the backup it made is among them.
  std::istringstream log(testing::ReadFile(dir.File("serve.log")));
  std::string line;
  int lines = 0;
  bool told_backup = false;
  while (std::getline(log, line)) {
    if (line.empty()) continue;
    ++lines;
    auto json = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(json.is_object()) << line;
    for (const char* key : {"time", "level", "logger", "message"}) {
      EXPECT_TRUE(json.contains(key)) << key << " in " << line;
    }
    told_backup =
        told_backup || json.value("message", "").find("checkpointed into") != std::string::npos;
  }
  EXPECT_GT(lines, 0);
  EXPECT_TRUE(told_backup) << testing::ReadFile(dir.File("serve.log"));
}

TEST(BackupTest, ADatabaseNobodyWritesIsBackedUpDirectly) {
  TempDir dir;
  const std::string db = dir.File("db");
  auto ingest = RunHoso({"ingest", "--events",
                         testing::SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "--db",
                         db, "--no-progress"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  auto backup = RunHoso({"backup", "--db", db, "--out", dir.File("backup")});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_NE(backup.out.find("not in use"), std::string::npos) << backup.out;
  auto restore = RunHoso({"restore", "--from", dir.File("backup"), "--db", dir.File("restored")});
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(RunHoso({"verify", "--db", dir.File("restored")}).exit_code, 0);
  auto source = RunHoso({"kpi", "--db", db, "--period", "2019-06", "--format", "json"});
  auto copy =
      RunHoso({"kpi", "--db", dir.File("restored"), "--period", "2019-06", "--format", "json"});
  ASSERT_EQ(source.exit_code, 0) << source.err;
  EXPECT_EQ(copy.out, source.out);
  // The source is still a working database: ingest can open it again.
  EXPECT_EQ(RunHoso({"ingest", "--events",
                     testing::SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "--db", db,
                     "--no-progress"})
                .exit_code,
            0);
}

TEST(BackupTest, MistakesAreRefusedWithoutTouchingAnything) {
  TempDir dir;
  const std::string db = dir.File("db");
  ASSERT_EQ(RunHoso({"ingest", "--events",
                     testing::SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "--db", db,
                     "--no-progress"})
                .exit_code,
            0);
  std::filesystem::create_directories(dir.File("taken"));
  testing::WriteFile(dir.File("taken/file"), "x");
  auto onto_existing = RunHoso({"backup", "--db", db, "--out", dir.File("taken")});
  EXPECT_EQ(onto_existing.exit_code, 2) << onto_existing.err;
  EXPECT_NE(onto_existing.err.find("exists"), std::string::npos) << onto_existing.err;
  auto no_db = RunHoso({"backup", "--db", dir.File("absent"), "--out", dir.File("b")});
  EXPECT_EQ(no_db.exit_code, 2) << no_db.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("b")));

  auto not_a_backup = RunHoso({"restore", "--from", dir.File("taken"), "--db", dir.File("r")});
  EXPECT_EQ(not_a_backup.exit_code, 2) << not_a_backup.err;
  ASSERT_EQ(RunHoso({"backup", "--db", db, "--out", dir.File("backup")}).exit_code, 0);
  auto over_a_database = RunHoso({"restore", "--from", dir.File("backup"), "--db", db});
  EXPECT_EQ(over_a_database.exit_code, 2) << over_a_database.err;
  EXPECT_NE(over_a_database.err.find("exists"), std::string::npos) << over_a_database.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("r")));
}

}  // namespace
}  // namespace hoso
