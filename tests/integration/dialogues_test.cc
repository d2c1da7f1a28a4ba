// Dialogues with citizens (issue 13) through the real binary on RocksDB in a
// temp dir: dialogue_held events beside dossier events in one file, their
// rejections in the dead letters, the scorecard's dialogue column against a
// hand count, --as-of, and replay / verify covering them like dossiers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::ReadFile;
using testing::RunHoso;
using testing::TempDir;
using testing::WriteFile;

std::string Dialogue(const std::string& event_id, const std::string& dialogue_id,
                     const std::string& agency, const std::string& held_on,
                     const std::string& recorded_at, const std::string& topic,
                     const std::string& participants = "40") {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on chains of +.
  std::string line = R"({"event_id": ")";
  line += event_id;
  line += R"(", "dialogue_id": ")";
  line += dialogue_id;
  line += R"(", "type": "dialogue_held", "occurred_at": ")";
  line += recorded_at;
  line += R"(", "agency_id": ")";
  line += agency;
  line += R"(", "held_on": ")";
  line += held_on;
  line += R"(", "topic": ")";
  line += topic;
  line += R"(", "participants": )";
  line += participants;
  line += R"(, "minutes_ref": "BB-)";
  line += dialogue_id;
  line += "\"}\n";
  return line;
}

// Bạch Đằng: March and September (met). Bách Khoa: March and April (missed:
// nothing in the second half-year). Bạch Mai: March on procedures and
// September on another topic (missed: the second is not counted). Phòng Tư
// pháp, an office: one in May (shown, not judged). Then four bad records and
// one exact repeat.
std::string Events() {
  const std::string tthc = "administrative_procedures";
  std::string events;
  events += Dialogue("d1", "BD-2019-1", "phuong-bach-dang", "2019-03-15",
                     "2019-03-15T17:00:00+07:00", tthc);
  events += Dialogue("d2", "BK-2019-1", "phuong-bach-khoa", "2019-03-10",
                     "2019-03-11T08:30:00+07:00", tthc);
  events += Dialogue("d3", "BM-2019-1", "phuong-bach-mai", "2019-03-05",
                     "2019-03-05T16:00:00+07:00", tthc);
  events +=
      R"({"event_id": "r1", "dossier_id": "DL-D1", "type": "received", "occurred_at": "2019-03-18T09:00:00+07:00", "agency_id": "phuong-bach-dang", "procedure_id": "ward-dang-ky-khai-sinh", "channel": "direct"})"
      "\n";
  events +=
      R"({"event_id": "r2", "dossier_id": "DL-D1", "type": "resolved", "occurred_at": "2019-03-18T10:00:00+07:00", "agency_id": "phuong-bach-dang", "outcome": "approved"})"
      "\n";
  events += Dialogue("d4", "BK-2019-2", "phuong-bach-khoa", "2019-04-12",
                     "2019-04-12T17:00:00+07:00", tthc);
  events += Dialogue("d5", "TP-2019-1", "hbt-phong-tu-phap", "2019-05-20",
                     "2019-05-20T17:00:00+07:00", tthc);
  // Bad: a unit not in the agency list; no participant; the id of d2 again.
  events += Dialogue("bad1", "XX-2019-1", "phuong-khong-ton-tai", "2019-05-21",
                     "2019-05-21T17:00:00+07:00", tthc);
  events += Dialogue("bad2", "BD-2019-9", "phuong-bach-dang", "2019-05-22",
                     "2019-05-22T17:00:00+07:00", tthc, "0");
  events += Dialogue("bad3", "BK-2019-1", "phuong-bach-khoa", "2019-05-23",
                     "2019-05-23T17:00:00+07:00", tthc);
  // Bad: recorded before it was held.
  events += Dialogue("bad4", "BM-2019-9", "phuong-bach-mai", "2019-05-25",
                     "2019-05-24T17:00:00+07:00", tthc);
  events += Dialogue("d5", "TP-2019-1", "hbt-phong-tu-phap", "2019-05-20",
                     "2019-05-20T17:00:00+07:00", tthc);  // an exact repeat
  events += Dialogue("d6", "BD-2019-2", "phuong-bach-dang", "2019-09-20",
                     "2019-09-20T17:00:00+07:00", tthc);
  events += Dialogue("d7", "BM-2019-2", "phuong-bach-mai", "2019-09-10",
                     "2019-09-10T17:00:00+07:00", "other");
  return events;
}

class DialoguesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("db");
    WriteFile(dir_.File("events.jsonl"), Events());
    auto ingest =
        RunHoso({"ingest", "--events", dir_.File("events.jsonl"), "--db", db_, "--format", "json"});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
    summary_ = nlohmann::json::parse(ingest.out);
  }

  nlohmann::json Scorecard(const std::string& db, std::vector<std::string> extra) {
    std::vector<std::string> args = {"scorecard", "--db", db, "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = RunHoso(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }

  // The dialogue cell of `agency` ("total" for the district): "held [h1 h2] status".
  static std::string Cell(const nlohmann::json& card, const std::string& agency) {
    const nlohmann::json* row = &card["total"];
    for (const auto& r : card["rows"]) {
      if (r["agency_id"] == agency) row = &r;
    }
    if (agency != "total" && row == &card["total"]) return "<no row>";
    const nlohmann::json& cell = (*row)["results"]["dialogues"];
    std::string out = cell["value"].dump() + " [";
    for (const auto& [half, held] : cell["half_years"].items()) {
      out += (out.back() == '[' ? "" : " ") + half + "=" + held.dump();
    }
    return out + "] " + cell["status"].get<std::string>();
  }

  TempDir dir_;
  std::string db_;
  nlohmann::json summary_;
};

TEST_F(DialoguesTest, BadDialoguesGoToTheDeadLettersWithTheirReason) {
  EXPECT_EQ(summary_["applied"], 9);  // 7 dialogues, 2 dossier events
  EXPECT_EQ(summary_["duplicates"], 1);
  EXPECT_EQ(summary_["rejected"], 4);
  EXPECT_EQ(summary_["rejected_by_reason"],
            nlohmann::json::parse(
                R"({"schema": 1, "bad_transition": 1, "time_travel": 1, "unknown_agency": 1})"));
  std::istringstream lines(ReadFile(db_ + ".dead-letter.jsonl"));
  std::vector<std::string> reasons;
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json letter = nlohmann::json::parse(line);
    reasons.push_back(
        letter["reason"].get<std::string>() + " " +
        nlohmann::json::parse(letter["record"].get<std::string>())["event_id"].get<std::string>());
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"unknown_agency bad1", "schema bad2",
                                               "bad_transition bad3", "time_travel bad4"}));
}

TEST_F(DialoguesTest, TheScorecardJudgesEachWardPerHalfYear) {
  const nlohmann::json card = Scorecard(db_, {"--period", "2019"});
  ASSERT_EQ(card["targets"][5]["measure"], "dialogues");
  EXPECT_EQ(card["targets"][5]["per_half_year"], 1);
  EXPECT_EQ(card["targets"][5]["per_year"], 2);
  EXPECT_EQ(Cell(card, "phuong-bach-dang"), "2 [2019-H1=1 2019-H2=1] met");
  EXPECT_EQ(Cell(card, "phuong-bach-khoa"), "2 [2019-H1=2 2019-H2=0] missed");
  EXPECT_EQ(Cell(card, "phuong-bach-mai"), "1 [2019-H1=1 2019-H2=0] missed");
  EXPECT_EQ(Cell(card, "phuong-minh-khai"), "0 [2019-H1=0 2019-H2=0] missed");
  EXPECT_EQ(Cell(card, "hbt-phong-tu-phap"), "1 [2019-H1=1 2019-H2=0] no_data");
  EXPECT_EQ(Cell(card, "total"), "6 [2019-H1=5 2019-H2=1] missed");

  // The first half-year alone: one is enough.
  const nlohmann::json h1 = Scorecard(db_, {"--period", "2019-H1"});
  EXPECT_EQ(Cell(h1, "phuong-bach-khoa"), "2 [2019-H1=2] met");
  EXPECT_EQ(Cell(h1, "phuong-bach-mai"), "1 [2019-H1=1] met");
  // A quarter is not judged: the target is set per half-year.
  const nlohmann::json q1 = Scorecard(db_, {"--period", "2019-Q1"});
  EXPECT_EQ(Cell(q1, "phuong-bach-dang"), "1 [] no_data");
}

TEST_F(DialoguesTest, AsOfCountsOnlyDialoguesRecordedByThen) {
  // On 31 May, Bạch Đằng had held only its March dialogue.
  const nlohmann::json card = Scorecard(db_, {"--period", "2019", "--as-of", "2019-05-31"});
  EXPECT_EQ(Cell(card, "phuong-bach-dang"), "1 [2019-H1=1 2019-H2=0] missed");
  EXPECT_EQ(Cell(card, "phuong-bach-khoa"), "2 [2019-H1=2 2019-H2=0] missed");
  // Before the April dialogue was recorded.
  const nlohmann::json march = Scorecard(db_, {"--period", "2019-H1", "--as-of", "2019-04-11"});
  EXPECT_EQ(Cell(march, "phuong-bach-khoa"), "1 [2019-H1=1] met");
}

TEST_F(DialoguesTest, TheKpiReportCountsThemPerAgencyAndInNoProcedure) {
  auto kpi = RunHoso({"kpi", "--db", db_, "--period", "2019", "--format", "json"});
  ASSERT_EQ(kpi.exit_code, 0) << kpi.err;
  const nlohmann::json report = nlohmann::json::parse(kpi.out);
  EXPECT_EQ(report["total"]["dialogues_held"], 6);
  EXPECT_EQ(report["total"]["received"], 1);
  auto by_procedure =
      RunHoso({"kpi", "--db", db_, "--period", "2019", "--by", "procedure", "--format", "json"});
  ASSERT_EQ(by_procedure.exit_code, 0) << by_procedure.err;
  const nlohmann::json procedures = nlohmann::json::parse(by_procedure.out);
  for (const auto& row : procedures["rows"]) {
    EXPECT_NE(row["procedure_id"], "");
    EXPECT_EQ(row["dialogues_held"], 0) << row["procedure_id"];
  }
  EXPECT_EQ(procedures["total"]["dialogues_held"], 6);
}

TEST_F(DialoguesTest, ReplayAndVerifyCoverDialoguesLikeDossiers) {
  auto verify = RunHoso({"verify", "--db", db_});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const std::string rebuilt = dir_.File("rebuilt");
  auto replay = RunHoso({"replay", "--db", db_, "--into", rebuilt});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(Scorecard(rebuilt, {"--period", "2019"}), Scorecard(db_, {"--period", "2019"}));
  // Cut before the September dialogues: the second half-year is empty again.
  const std::string cut = dir_.File("cut");
  auto until = RunHoso({"replay", "--db", db_, "--into", cut, "--until", "2019-08-31"});
  ASSERT_EQ(until.exit_code, 0) << until.err;
  EXPECT_EQ(Cell(Scorecard(cut, {"--period", "2019"}), "phuong-bach-dang"),
            "1 [2019-H1=1 2019-H2=0] missed");
  // A dialogue's chain is in the log, hash-linked like a dossier's.
  auto history = RunHoso({"history", "dialogue:BD-2019-2", "--db", db_, "--format", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  const nlohmann::json timeline = nlohmann::json::parse(history.out);
  EXPECT_EQ(timeline["chain_ok"], true);
  ASSERT_EQ(timeline["events"].size(), 1u);
  EXPECT_EQ(timeline["events"][0]["type"], "dialogue_held");
  EXPECT_EQ(timeline["receiving_agency_id"], "phuong-bach-dang");
  EXPECT_FALSE(timeline.contains("due_at"));  // a dialogue has no appointment
  EXPECT_FALSE(timeline["events"][0].contains("due_at"));
  auto table = RunHoso({"history", "dialogue:BD-2019-2", "--db", db_});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("dialogue_held"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.rfind("dialogue dialogue:BD-2019-2  (citizen dialogue, chain ok)\n", 0), 0u)
      << table.out;
}

}  // namespace
}  // namespace hoso
