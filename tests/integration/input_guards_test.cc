// Issue 8, defects 4 and 5: a reused event_id with other content is rejected
// (conflicting_duplicate), not silently dropped; one mistyped date cannot
// move the event-time clock for everyone (ahead_of_clock), and an event
// dated in the future is refused (future_instant). Through the real CLI.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::TempDir;

nlohmann::json Ingest(const std::string& events, const std::string& db,
                      std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"ingest", "--events", events, "--db", db, "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto result = RunHoso(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return nlohmann::json::parse(result.out, nullptr, false);
}

std::vector<nlohmann::json> DeadLetters(const std::string& db) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(testing::ReadFile(db + ".dead-letter.jsonl"));
  std::string line;
  while (std::getline(lines, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(InputGuardsTest, AReusedEventIdWithOtherContentIsRejectedAndTheFirstKept) {
  TempDir dir;
  const std::string received =
      R"({"event_id":"e1","dossier_id":"A","type":"received","occurred_at":"2019-06-03T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-xac-nhan-tinh-trang-hon-nhan","channel":"direct"})";
  // Same id and content, keys in another order and spaced: a duplicate.
  const std::string same =
      R"({"channel": "direct", "procedure_id": "ward-xac-nhan-tinh-trang-hon-nhan", "agency_id": "phuong-bach-khoa", "occurred_at": "2019-06-03T09:00:00+07:00", "type": "received", "dossier_id": "A", "event_id": "e1"})";
  // Same id, other content (another dossier): an upstream bug.
  const std::string other =
      R"({"event_id":"e1","dossier_id":"B","type":"received","occurred_at":"2019-06-03T10:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-xac-nhan-tinh-trang-hon-nhan","channel":"direct"})";
  const std::string resolved =
      R"({"event_id":"e2","dossier_id":"A","type":"resolved","occurred_at":"2019-06-04T09:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"})";
  // Within one batch and across batches (a second ingest of another file).
  testing::WriteFile(dir.File("a.jsonl"), received + "\n" + same + "\n" + other + "\n");
  testing::WriteFile(dir.File("b.jsonl"), other + "\n" + same + "\n" + resolved + "\n");
  const std::string db = dir.File("db");
  auto first = Ingest(dir.File("a.jsonl"), db);
  EXPECT_EQ(first["applied"], 1);
  EXPECT_EQ(first["duplicates"], 1);
  EXPECT_EQ(first["rejected"], 1);
  EXPECT_EQ(first["rejected_by_reason"]["conflicting_duplicate"], 1);
  auto second = Ingest(dir.File("b.jsonl"), db);
  EXPECT_EQ(second["applied"], 1);
  EXPECT_EQ(second["duplicates"], 1);
  EXPECT_EQ(second["rejected_by_reason"]["conflicting_duplicate"], 1);
  auto dead = DeadLetters(db);
  ASSERT_EQ(dead.size(), 2u);
  for (const auto& letter : dead) {
    EXPECT_EQ(letter["reason"], "conflicting_duplicate");
    EXPECT_EQ(letter["record"], other);
    EXPECT_NE(letter["message"].get<std::string>().find("the first is kept"), std::string::npos);
  }
  // The first is kept: A is resolved, B never existed.
  auto history = RunHoso({"history", "A", "--db", db, "--format", "json"});
  ASSERT_EQ(history.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(history.out)["events"].size(), 2u);
  EXPECT_NE(RunHoso({"history", "B", "--db", db}).exit_code, 0);
}

// A simulated year with one line dated seven years later in its middle.
TEST(InputGuardsTest, OneMistypedDateDoesNotMoveTheEventClock) {
  TempDir dir;
  const std::string year = dir.File("year.jsonl");
  ASSERT_EQ(RunHoso({"loadgen", "--out", year, "--seed", "9", "--dossiers", "2000"}).exit_code, 0);
  std::istringstream in(testing::ReadFile(year));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_GT(lines.size(), 2000u);
  const std::string typo =
      R"({"event_id":"typo-1","dossier_id":"TYPO","type":"received","occurred_at":"2026-03-02T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-xac-nhan-tinh-trang-hon-nhan","channel":"direct"})";
  std::string with_typo;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i == lines.size() / 2) with_typo += typo + "\n";
    with_typo += lines[i] + "\n";
  }
  testing::WriteFile(dir.File("typo.jsonl"), with_typo);

  auto clean = Ingest(year, dir.File("clean-db"));
  auto guarded = Ingest(dir.File("typo.jsonl"), dir.File("guarded-db"));
  EXPECT_EQ(guarded["rejected_by_reason"]["ahead_of_clock"], 1) << guarded.dump();
  EXPECT_EQ(guarded["applied"], clean["applied"]);
  EXPECT_EQ(guarded["derived_overdue"], clean["derived_overdue"]);
  EXPECT_EQ(guarded["alerts_raised"], clean["alerts_raised"]);
  auto dead = DeadLetters(dir.File("guarded-db"));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0]["reason"], "ahead_of_clock");
  EXPECT_NE(dead[0]["message"].get<std::string>().find("raise it for a backfill"),
            std::string::npos);

  // The operator can lift the bound (a backfill with a real gap): the event
  // is applied and, as before the guard, moves the clock for everyone.
  auto lifted = Ingest(dir.File("typo.jsonl"), dir.File("lifted-db"), {"--max-ahead-days", "-1"});
  EXPECT_EQ(lifted["rejected"], 0);
  EXPECT_EQ(lifted["applied"].get<int>(), clean["applied"].get<int>() + 1);
  EXPECT_GT(lifted["derived_overdue"].get<int>(), clean["derived_overdue"].get<int>());
}

TEST(InputGuardsTest, AnEventDatedInTheFutureIsRefused) {
  TempDir dir;
  const auto now = std::chrono::system_clock::now();
  const int64_t in_a_day_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 86400;
  // RFC 3339 in UTC of `in_a_day_s`.
  const std::time_t t = static_cast<std::time_t>(in_a_day_s);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  const std::string future =
      std::string(R"({"event_id":"f1","dossier_id":"F","type":"received","occurred_at":")") +
      stamp +
      R"(","agency_id":"phuong-bach-khoa","procedure_id":"ward-xac-nhan-tinh-trang-hon-nhan","channel":"direct"})";
  testing::WriteFile(dir.File("f.jsonl"), future + "\n");
  auto refused = Ingest(dir.File("f.jsonl"), dir.File("db"));
  EXPECT_EQ(refused["rejected_by_reason"]["future_instant"], 1) << refused.dump();
  auto allowed = Ingest(dir.File("f.jsonl"), dir.File("db2"), {"--future-skew-minutes", "2000"});
  EXPECT_EQ(allowed["rejected_by_reason"].count("future_instant"), 0u) << allowed.dump();
}

}  // namespace
}  // namespace hoso
