// An ingest killed (SIGKILL) at several points and run again ends with
// exactly the KPIs and dead letters of an uninterrupted run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::RunHosoWithEnv;
using testing::TempDir;

std::string WithBadLines(const std::string& events) {
  std::istringstream in(events);
  std::ostringstream out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    out << line << "\n";
    if (++n % 997 == 0)
      out << R"({"event_id":"bad-)" << n << R"(","type":"nope"})"
          << "\n";
  }
  return out.str();
}

nlohmann::json Kpi(const std::string& db) {
  auto result = RunHoso({"kpi", "--db", db, "--period", "2019", "--by", "procedure", "--format",
                         "json", "--as-of", "2020-06-30T00:00:00+07:00"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return nlohmann::json::parse(result.out);
}

TEST(IngestCrashTest, KilledAtAnyBatchResumesToTheSameFigures) {
  TempDir dir;
  const std::string generated = dir.File("generated.jsonl");
  auto gen = RunHoso({"loadgen", "--out", generated, "--seed", "7", "--dossiers", "4000"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string events = dir.File("events.jsonl");
  testing::WriteFile(events, WithBadLines(testing::ReadFile(generated)));

  const std::string reference_db = dir.File("reference");
  auto reference = RunHoso({"ingest", "--events", events, "--db", reference_db, "--batch", "300"});
  ASSERT_EQ(reference.exit_code, 0) << reference.err;

  const std::string crashed_db = dir.File("crashed");
  // Each run counts its own batches; SIGKILL comes before the batch's
  // write (its dead letters already written) or just after it.
  for (const char* kill_point : {"2:before", "5:after", "3:before", "4:after", "6:before"}) {
    auto run = RunHosoWithEnv({"ingest", "--events", events, "--db", crashed_db, "--batch", "300"},
                              {std::string("HOSO_TEST_KILL_AT_BATCH=") + kill_point});
    ASSERT_EQ(run.exit_code, 128 + 9) << "expected SIGKILL at " << kill_point << ": " << run.err;
  }
  auto final_run = RunHoso({"ingest", "--events", events, "--db", crashed_db, "--batch", "300"});
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;

  EXPECT_EQ(Kpi(crashed_db), Kpi(reference_db));
  EXPECT_EQ(testing::ReadFile(crashed_db + ".dead-letter.jsonl"),
            testing::ReadFile(reference_db + ".dead-letter.jsonl"));
  EXPECT_FALSE(testing::ReadFile(reference_db + ".dead-letter.jsonl").empty());
}

// A kill after the first batch's dead letters are written but before that
// batch commits (nothing stored yet) must not leave them behind twice: the
// database records where its dead letters start before the first batch.
TEST(IngestCrashTest, KilledBeforeTheFirstCommitWritesNoDeadLetterTwice) {
  TempDir dir;
  const std::string events = dir.File("events.jsonl");
  testing::WriteFile(events, "not json\n" + testing::ReadFile(testing::SourcePath(
                                                "tests/data/fixture_bach_khoa_2019_06.jsonl")));
  const std::string reference_db = dir.File("reference");
  ASSERT_EQ(RunHoso({"ingest", "--events", events, "--db", reference_db}).exit_code, 0);
  const std::string crashed_db = dir.File("crashed");
  auto killed = RunHosoWithEnv({"ingest", "--events", events, "--db", crashed_db},
                               {"HOSO_TEST_KILL_AT_BATCH=1:before"});
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  ASSERT_FALSE(testing::ReadFile(crashed_db + ".dead-letter.jsonl").empty());
  ASSERT_EQ(RunHoso({"ingest", "--events", events, "--db", crashed_db}).exit_code, 0);
  EXPECT_EQ(testing::ReadFile(crashed_db + ".dead-letter.jsonl"),
            testing::ReadFile(reference_db + ".dead-letter.jsonl"));
  EXPECT_EQ(Kpi(crashed_db), Kpi(reference_db));
}

// A query of a database a crash left (its write-ahead log not replayed by a
// restart yet) answers with the figures of its last commit: `kpi` opens only
// the families it reads, and those come from the log.
TEST(IngestCrashTest, KpiOfACrashLeftDatabaseIsItsLastCommit) {
  TempDir dir;
  const std::string generated = dir.File("generated.jsonl");
  auto gen = RunHoso({"loadgen", "--out", generated, "--seed", "7", "--dossiers", "4000"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  std::istringstream in(testing::ReadFile(generated));
  std::ostringstream first_batches;
  std::string line;
  for (int n = 0; n < 5 * 300 && std::getline(in, line); ++n) first_batches << line << "\n";
  const std::string head = dir.File("head.jsonl");
  testing::WriteFile(head, first_batches.str());

  const std::string crashed_db = dir.File("crashed");
  auto killed =
      RunHosoWithEnv({"ingest", "--events", generated, "--db", crashed_db, "--batch", "300"},
                     {"HOSO_TEST_KILL_AT_BATCH=5:after"});
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  const std::string reference_db = dir.File("reference");
  ASSERT_EQ(RunHoso({"ingest", "--events", head, "--db", reference_db, "--batch", "300"}).exit_code,
            0);

  auto kpi = [](const std::string& db) {
    auto result = RunHoso({"kpi", "--db", db, "--period", "2019", "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  };
  const std::string crashed = kpi(crashed_db);
  EXPECT_EQ(crashed, kpi(reference_db));
  EXPECT_GT(nlohmann::json::parse(crashed)["total"]["received"].get<int>(), 0) << crashed;
}

}  // namespace
}  // namespace hoso
