// Bad input mixed into valid events: every valid event counts, every bad one
// is rejected with its reason and written to the dead-letter file.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::TempDir;

std::string Received(const std::string& dossier, const std::string& id, const std::string& at) {
  return R"({"event_id":")" + id + R"(","dossier_id":")" + dossier +
         R"(","type":"received","occurred_at":")" + at +
         R"(","agency_id":"phuong-bach-khoa","procedure_id":"ward-xac-nhan-tinh-trang-hon-nhan","channel":"direct"})";
}

TEST(IngestBadInputTest, EveryRecordIsCountedOrRejectedWithItsReason) {
  TempDir dir;
  std::ostringstream lines;
  // Valid: A received + resolved, B received.
  lines << Received("A", "a1", "2019-06-03T09:00:00+07:00") << "\n";
  lines
      << R"({"event_id":"a2","dossier_id":"A","type":"resolved","occurred_at":"2019-06-04T09:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"})"
      << "\n";
  lines << Received("B", "b1", "2019-06-03T10:00:00+07:00") << "\n";
  // Duplicate of a1 (same event_id): ignored and counted.
  lines << Received("A", "a1", "2019-06-03T09:00:00+07:00") << "\n";
  // Truncated line.
  lines << R"({"event_id":"x1","dossier_id":"B","type":"resol)"
        << "\n";
  // Wrong type of a field.
  lines
      << R"({"event_id":"x2","dossier_id":"B","type":"resolved","occurred_at":12,"agency_id":"phuong-bach-khoa","outcome":"approved"})"
      << "\n";
  // Unknown type.
  lines
      << R"({"event_id":"x3","dossier_id":"B","type":"teleported","occurred_at":"2019-06-04T09:00:00+07:00","agency_id":"phuong-bach-khoa"})"
      << "\n";
  // Unknown procedure without due_at/processing.
  lines
      << R"({"event_id":"x4","dossier_id":"C","type":"received","occurred_at":"2019-06-04T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"no-such","channel":"direct"})"
      << "\n";
  // Impossible transitions: a second resolved, supplement_received on an open dossier.
  lines
      << R"({"event_id":"x5","dossier_id":"A","type":"resolved","occurred_at":"2019-06-05T09:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"})"
      << "\n";
  lines
      << R"({"event_id":"x6","dossier_id":"B","type":"supplement_received","occurred_at":"2019-06-05T09:00:00+07:00","agency_id":"phuong-bach-khoa"})"
      << "\n";
  // Unknown dossier.
  lines
      << R"({"event_id":"x7","dossier_id":"Z","type":"resolved","occurred_at":"2019-06-05T09:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"})"
      << "\n";
  // Time travel: earlier than B's receipt.
  lines
      << R"({"event_id":"x8","dossier_id":"B","type":"transferred","occurred_at":"2019-06-01T09:00:00+07:00","agency_id":"phuong-bach-khoa","to_agency_id":"hbt-phong-tu-phap"})"
      << "\n";
  // Too large.
  lines << R"({"event_id":"x9","reason":")" << std::string(70 * 1024, 'a') << "\"}\n";
  // Not JSON at all, and an empty line (skipped, not a record).
  lines << "hello\n\n";
  // A valid event after all that still counts.
  lines
      << R"({"event_id":"b2","dossier_id":"B","type":"resolved","occurred_at":"2019-06-06T09:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"denied"})"
      << "\n";
  const std::string events = dir.File("events.jsonl");
  testing::WriteFile(events, lines.str());
  const std::string db = dir.File("db");

  auto result = RunHoso({"ingest", "--events", events, "--db", db, "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json summary = nlohmann::json::parse(result.out);
  EXPECT_EQ(summary["applied"], 4);
  EXPECT_EQ(summary["duplicates"], 1);
  EXPECT_EQ(summary["rejected"], 10);
  const nlohmann::json expected_reasons = {
      {"too_large", 1},         {"invalid_json", 2},    {"unknown_type", 1},   {"schema", 1},
      {"unknown_procedure", 1}, {"unknown_dossier", 1}, {"bad_transition", 2}, {"time_travel", 1}};
  for (const auto& [reason, count] : expected_reasons.items()) {
    EXPECT_EQ(summary["rejected_by_reason"].value(reason, 0), count.get<int>()) << reason;
  }

  // The dead-letter file holds each rejected line with its reason and offset.
  std::istringstream dead(testing::ReadFile(db + ".dead-letter.jsonl"));
  std::string line;
  int dead_letters = 0;
  while (std::getline(dead, line)) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    EXPECT_TRUE(entry.contains("reason"));
    EXPECT_TRUE(entry.contains("message"));
    EXPECT_TRUE(entry.contains("offset"));
    EXPECT_TRUE(entry.contains("record"));
    ++dead_letters;
  }
  EXPECT_EQ(dead_letters, 10);

  auto kpi = RunHoso({"kpi", "--db", db, "--period", "2019-06", "--format", "json"});
  ASSERT_EQ(kpi.exit_code, 0) << kpi.err;
  const nlohmann::json total = nlohmann::json::parse(kpi.out)["total"];
  EXPECT_EQ(total["received"], 2);
  EXPECT_EQ(total["resolved"], 2);
}

TEST(IngestBadInputTest, UsageErrorsExitWithTwo) {
  TempDir dir;
  EXPECT_EQ(RunHoso({"ingest", "--db", dir.File("db")}).exit_code, 2);  // --events missing
  EXPECT_EQ(RunHoso({"kpi", "--db", dir.File("none"), "--period", "2019-06"}).exit_code, 2);
  EXPECT_EQ(RunHoso({"kpi", "--db", dir.File("none"), "--period", "June"}).exit_code, 2);
  auto missing = RunHoso({"ingest", "--events", dir.File("absent.jsonl"), "--db", dir.File("db")});
  EXPECT_EQ(missing.exit_code, 2);  // bad usage (issue 8), nothing created
  EXPECT_FALSE(std::filesystem::exists(dir.File("db")));
  EXPECT_NE(missing.err.find("absent.jsonl"), std::string::npos);
}

TEST(DeadlineCommandTest, PrintsExactlyTheContractFields) {
  auto result =
      RunHoso({"deadline", "--received", "2019-04-12T10:00:00+07:00", "--working-days", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(
      nlohmann::json::parse(result.out),
      nlohmann::json::parse(
          R"({"effective_start":"2019-04-12T10:00:00+07:00","due_at":"2019-04-18T10:00:00+07:00"})"));
  auto saturday =
      RunHoso({"deadline", "--received", "2019-03-09T09:00:00+07:00", "--working-days", "3"});
  EXPECT_EQ(nlohmann::json::parse(saturday.out)["effective_start"], "2019-03-11T08:00:00+07:00");
  EXPECT_EQ(nlohmann::json::parse(saturday.out)["due_at"], "2019-03-14T08:00:00+07:00");
  // Outside the known calendar years: an error, never a guess.
  EXPECT_EQ(
      RunHoso({"deadline", "--received", "2031-01-05T09:00:00+07:00", "--same-day"}).exit_code, 2);
  EXPECT_EQ(RunHoso({"deadline", "--received", "2019-03-09T09:00:00+07:00"}).exit_code, 2);
}

}  // namespace
}  // namespace hoso
