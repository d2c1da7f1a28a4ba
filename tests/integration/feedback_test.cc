// Feedback and petitions (PAKN, issue 13 part 3) through the real binary on
// RocksDB in a temp dir: feedback_* events beside dossier events in one
// file, their rejections in the dead letters, the 766 5.2 deadlines and the
// counters against a hand count, the scorecard's PAKN column, the feedback
// alerts, --as-of, and replay / verify / history covering them like dossiers.
//
// Hand count (calendar: 15 April and 29 April-1 May 2019 are off, Saturday
// 4 May is worked):
//   OT   Bách Khoa, online, received Fri 12/4 10:00, due Wed 8/5 10:00;
//        answered 8/5 09:00 (working day 15, on time), published 9/5 (on
//        time: due 10/5 09:00), rated dissatisfied.
//   LATE Bách Khoa, phone, received 12/4 10:00; answered Thu 9/5 09:00
//        (day 16, late), published 10/5 (on time: due 13/5 09:00).
//   REJ  Bạch Đằng, direct, received 12/4 10:00; rejected Thu 18/4 09:30
//        (day 3; a rejection is due on day 2, 17/4 10:00: late).
//   MK   Minh Khai, online, received Tue 16/4 14:00; accepted Fri 19/4: on time.
//   OPEN Bạch Đằng, mail, received Thu 2/5 09:00, due Wed 22/5 09:00; never
//        answered: feedback_due_soon on 21/5 09:00, feedback_overdue on 22/5.
#include <gtest/gtest.h>

#include <algorithm>
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

// One feedback_* line; `extra` is the type's own field(s), JSON without braces.
std::string Feedback(const std::string& event_id, const std::string& feedback_id,
                     const std::string& type, const std::string& occurred_at,
                     const std::string& agency, const std::string& extra = "") {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on chains of +.
  std::string line = R"({"event_id": ")";
  line += event_id;
  line += R"(", "feedback_id": ")";
  line += feedback_id;
  line += R"(", "type": ")";
  line += type;
  line += R"(", "occurred_at": ")";
  line += occurred_at;
  line += R"(", "agency_id": ")";
  line += agency;
  line += '"';
  if (!extra.empty()) {
    line += ", ";
    line += extra;
  }
  line += "}\n";
  return line;
}

std::string Events() {
  const std::string bk = "phuong-bach-khoa", bd = "phuong-bach-dang", mk = "phuong-minh-khai";
  std::string e;
  e += Feedback("f1", "OT", "feedback_received", "2019-04-12T10:00:00+07:00", bk,
                R"("channel": "online")");
  e += Feedback("f2", "LATE", "feedback_received", "2019-04-12T10:00:00+07:00", bk,
                R"("channel": "phone", "procedure_id": "ward-dang-ky-khai-sinh")");
  e += Feedback("f3", "REJ", "feedback_received", "2019-04-12T10:00:00+07:00", bd,
                R"("channel": "direct")");
  // Bad: answered before it was received (no such feedback yet); a unit not
  // in the agency list; a channel the contract does not know.
  e += Feedback("bad1", "MK", "feedback_answered", "2019-04-15T09:00:00+07:00", mk,
                R"("outcome": "answered")");
  e += Feedback("bad2", "XX", "feedback_received", "2019-04-15T09:00:00+07:00",
                "phuong-khong-ton-tai", R"("channel": "online")");
  e += Feedback("bad3", "FAX", "feedback_received", "2019-04-15T09:00:00+07:00", bd,
                R"("channel": "fax")");
  e += Feedback("f4", "MK", "feedback_received", "2019-04-16T14:00:00+07:00", mk,
                R"("channel": "online")");
  e += Feedback("f5", "REJ", "feedback_answered", "2019-04-18T09:30:00+07:00", bd,
                R"("outcome": "rejected")");
  e += Feedback("f6", "MK", "feedback_answered", "2019-04-19T14:00:00+07:00", mk,
                R"("outcome": "accepted")");
  // Bad: published before its answer.
  e += Feedback("bad4", "OT", "feedback_published", "2019-04-19T15:00:00+07:00", bk);
  e += Feedback("f7", "OPEN", "feedback_received", "2019-05-02T09:00:00+07:00", bd,
                R"("channel": "mail")");
  // Bad: dated before the feedback's receipt.
  e += Feedback("bad5", "OPEN", "feedback_answered", "2019-05-01T09:00:00+07:00", bd,
                R"("outcome": "answered")");
  e += Feedback("f8", "OT", "feedback_answered", "2019-05-08T09:00:00+07:00", bk,
                R"("outcome": "answered")");
  e += Feedback("f8", "OT", "feedback_answered", "2019-05-08T09:00:00+07:00", bk,
                R"("outcome": "answered")");  // an exact repeat
  e += Feedback("f9", "LATE", "feedback_answered", "2019-05-09T09:00:00+07:00", bk,
                R"("outcome": "answered")");
  // Bad: answered twice.
  e += Feedback("bad6", "OT", "feedback_answered", "2019-05-09T10:00:00+07:00", bk,
                R"("outcome": "accepted")");
  e += Feedback("f10", "OT", "feedback_published", "2019-05-09T11:00:00+07:00", bk);
  e += Feedback("f11", "LATE", "feedback_published", "2019-05-10T11:00:00+07:00", bk);
  e += Feedback("f12", "OT", "feedback_rated", "2019-05-12T11:00:00+07:00", bk,
                R"("rating": "dissatisfied")");
  // A dossier in June moves the event-time clock past OPEN's deadline.
  e +=
      R"({"event_id": "r1", "dossier_id": "FB-D1", "type": "received", "occurred_at": "2019-06-03T09:00:00+07:00", "agency_id": "phuong-bach-dang", "procedure_id": "ward-dang-ky-khai-sinh", "channel": "direct"})"
      "\n";
  return e;
}

class FeedbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("db");
    WriteFile(dir_.File("events.jsonl"), Events());
    auto ingest =
        RunHoso({"ingest", "--events", dir_.File("events.jsonl"), "--db", db_, "--format", "json"});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
    summary_ = nlohmann::json::parse(ingest.out);
  }

  nlohmann::json Json(std::vector<std::string> args) {
    args.push_back("--format");
    args.push_back("json");
    auto result = RunHoso(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }

  // The PAKN cell of `agency` ("total" for the district): "value status".
  static std::string Cell(const nlohmann::json& card, const std::string& agency) {
    const nlohmann::json* row = &card["total"];
    for (const auto& r : card["rows"]) {
      if (r["agency_id"] == agency) row = &r;
    }
    if (agency != "total" && row == &card["total"]) return "<no row>";
    const nlohmann::json& cell = (*row)["results"]["feedback_on_time_ratio"];
    return cell["value"].dump() + " " + cell["status"].get<std::string>();
  }

  TempDir dir_;
  std::string db_;
  nlohmann::json summary_;
};

TEST_F(FeedbackTest, BadFeedbackGoesToTheDeadLettersWithItsReason) {
  EXPECT_EQ(summary_["applied"], 13);  // 12 feedback events, 1 dossier event
  EXPECT_EQ(summary_["duplicates"], 1);
  EXPECT_EQ(summary_["rejected"], 6);
  std::istringstream lines(ReadFile(db_ + ".dead-letter.jsonl"));
  std::vector<std::string> reasons;
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json letter = nlohmann::json::parse(line);
    reasons.push_back(
        letter["reason"].get<std::string>() + " " +
        nlohmann::json::parse(letter["record"].get<std::string>())["event_id"].get<std::string>());
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"unknown_dossier bad1", "unknown_agency bad2",
                                               "schema bad3", "bad_transition bad4",
                                               "time_travel bad5", "bad_transition bad6"}));
}

TEST_F(FeedbackTest, TheKpiReportCountsFeedbackByTheMonthOfEachStep) {
  const nlohmann::json year = Json({"kpi", "--db", db_, "--period", "2019"});
  const nlohmann::json& total = year["total"];
  EXPECT_EQ(total["feedback_received"], 5);
  EXPECT_EQ(total["feedback_received_online"], 2);
  EXPECT_EQ(total["feedback_received_direct"], 1);  // REJ
  EXPECT_EQ(total["feedback_received_phone"], 1);   // LATE
  EXPECT_EQ(total["feedback_received_mail"], 1);    // OPEN
  EXPECT_EQ(total["feedback_answered_on_time"], 2);
  EXPECT_EQ(total["feedback_answered_late"], 2);
  EXPECT_EQ(total["feedback_published_on_time"], 2);
  EXPECT_EQ(total["feedback_published_late"], 0);
  EXPECT_EQ(total["feedback_rated"], 1);
  EXPECT_EQ(total["feedback_rated_dissatisfied"], 1);
  EXPECT_EQ(total["feedback_on_time_ratio"], 0.5);
  EXPECT_EQ(total["feedback_online_share"], 0.4);
  EXPECT_EQ(total["feedback_satisfaction"], 0.25);  // (4 - 2 late - 1 dissatisfied) / 4
  EXPECT_EQ(total["received"], 1) << "one dossier";
  EXPECT_EQ(total["open"], 1) << "open feedback is not an open dossier";
  EXPECT_EQ(total["feedback_open"], 1);  // OPEN; the others are answered
  EXPECT_EQ(total["feedback_open_overdue"], 1);
  // As of 8 May at noon LATE (due at 10:00) and OPEN awaited their answers.
  const nlohmann::json may8 =
      Json({"kpi", "--db", db_, "--period", "2019", "--as-of", "2019-05-08T12:00:00+07:00"});
  EXPECT_EQ(may8["total"]["feedback_open"], 2);
  EXPECT_EQ(may8["total"]["feedback_open_overdue"], 1);
  for (const auto& row : may8["rows"]) {
    if (row["agency_id"] == "phuong-bach-khoa") {
      EXPECT_EQ(row["feedback_open_overdue"], 1);
    }
    if (row["agency_id"] == "phuong-bach-dang") {
      EXPECT_EQ(row["feedback_open"], 1);
    }
  }
  const nlohmann::json by_procedure =
      Json({"kpi", "--db", db_, "--period", "2019", "--by", "procedure"});
  for (const auto& row : by_procedure["rows"]) EXPECT_NE(row["procedure_id"], "");
  EXPECT_EQ(by_procedure["total"]["feedback_open"], 1);

  const nlohmann::json april = Json({"kpi", "--db", db_, "--period", "2019-04"});
  EXPECT_EQ(april["total"]["feedback_received"], 4);
  EXPECT_EQ(april["total"]["feedback_answered_late"], 1);     // REJ
  EXPECT_EQ(april["total"]["feedback_answered_on_time"], 1);  // MK
  const nlohmann::json may = Json({"kpi", "--db", db_, "--period", "2019-05"});
  EXPECT_EQ(may["total"]["feedback_answered_late"], 1);  // LATE
  EXPECT_EQ(may["total"]["feedback_rated_dissatisfied"], 1);
}

TEST_F(FeedbackTest, TheScorecardJudgesFeedbackAnsweredOnTime) {
  const nlohmann::json card = Json({"scorecard", "--db", db_, "--period", "2019"});
  ASSERT_EQ(card["targets"].back()["measure"], "feedback_on_time_ratio");
  EXPECT_EQ(card["targets"].back()["minimum"], 1.0);
  EXPECT_EQ(Cell(card, "phuong-bach-khoa"), "0.5 missed");
  EXPECT_EQ(Cell(card, "phuong-bach-dang"), "0.0 missed");
  EXPECT_EQ(Cell(card, "phuong-minh-khai"), "1.0 met");
  EXPECT_EQ(Cell(card, "phuong-bach-mai"), "null no_data");
  EXPECT_EQ(Cell(card, "total"), "0.5 missed");
  // As of 8 May at noon LATE was not answered yet: Bách Khoa was on time.
  const nlohmann::json may8 =
      Json({"scorecard", "--db", db_, "--period", "2019", "--as-of", "2019-05-08T12:00:00+07:00"});
  EXPECT_EQ(Cell(may8, "phuong-bach-khoa"), "1.0 met");
}

TEST_F(FeedbackTest, AlertsWatchTheAnswerDeadline) {
  const nlohmann::json alerts = Json({"alerts", "--db", db_});
  std::vector<std::string> ids;
  for (const auto& alert : alerts) {
    ids.push_back(alert["alert_id"].get<std::string>());
    EXPECT_EQ(alert["procedure_id"], "");
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"feedback:LATE|feedback_due_soon|20190508T1000",
                                           "feedback:LATE|feedback_overdue|20190508T1000",
                                           "feedback:OPEN|feedback_due_soon|20190522T0900",
                                           "feedback:OPEN|feedback_overdue|20190522T0900",
                                           "feedback:OT|feedback_due_soon|20190508T1000"}));
  const nlohmann::json overdue = Json({"alerts", "--db", db_, "--kind", "feedback_overdue"});
  EXPECT_EQ(overdue.size(), 2u);
  // Each one is an alert of the contract (schemas/alert.schema.json).
  const std::string file = dir_.File("alerts.json");
  WriteFile(file, alerts.dump());
  auto checked = testing::RunProgram("/usr/bin/python3",
                                     {testing::SourcePath("tests/integration/validate_alerts.py"),
                                      testing::SourcePath("schemas/alert.schema.json"), file});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
}

TEST_F(FeedbackTest, ReplayVerifyAndHistoryCoverFeedbackLikeDossiers) {
  auto verify = RunHoso({"verify", "--db", db_});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const std::string rebuilt = dir_.File("rebuilt");
  auto replay = RunHoso({"replay", "--db", db_, "--into", rebuilt});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(Json({"kpi", "--db", rebuilt, "--period", "2019"}),
            Json({"kpi", "--db", db_, "--period", "2019"}));
  EXPECT_EQ(Json({"alerts", "--db", rebuilt}), Json({"alerts", "--db", db_}));
  // Cut before LATE was answered.
  const std::string cut = dir_.File("cut");
  auto until =
      RunHoso({"replay", "--db", db_, "--into", cut, "--until", "2019-05-08T12:00:00+07:00"});
  ASSERT_EQ(until.exit_code, 0) << until.err;
  EXPECT_EQ(Json({"kpi", "--db", cut, "--period", "2019"})["total"]["feedback_answered_late"], 1);

  const nlohmann::json timeline = Json({"history", "feedback:OT", "--db", db_});
  EXPECT_EQ(timeline["chain_ok"], true);
  ASSERT_EQ(timeline["events"].size(), 4u);
  EXPECT_EQ(timeline["events"][3]["type"], "feedback_rated");
  EXPECT_EQ(timeline["status"], "finished");
  EXPECT_EQ(timeline["channel"], "online");
  EXPECT_EQ(timeline["answer_due_at"], "2019-05-08T10:00:00+07:00");
  EXPECT_EQ(timeline["classification"], "on_time");
  EXPECT_EQ(timeline["publication_due_at"], "2019-05-10T09:00:00+07:00");
  EXPECT_FALSE(timeline.contains("procedure_id"));
  const nlohmann::json rejected = Json({"history", "feedback:REJ", "--db", db_});
  EXPECT_EQ(rejected["classification"], "late");
  auto table = RunHoso({"history", "feedback:OT", "--db", db_});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("feedback feedback:OT  (citizen feedback (PAKN), chain ok)\n", 0), 0u)
      << table.out;
}

}  // namespace
}  // namespace hoso
