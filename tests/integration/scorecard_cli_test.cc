// `hoso scorecard` (docs/plan-targets.md) through the real binary on RocksDB
// in a temp dir: a two-ward fixture whose every cell is computed by hand
// below, --as-of, the three formats, and --targets.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::TempDir;
using testing::WriteFile;

// Ward Bạch Đằng (A): 4 dossiers in March 2019.
//   A1 direct, ward-dang-ky-khai-sinh (same day), resolved within the hour: on time.
//   A2 online level 3, same procedure, resolved the same morning: on time, online.
//   A3 online level 4, ward-trich-luc-ho-tich (same day), resolved within the hour.
//   A4 direct, not one-stop, ward-xac-nhan-tinh-trang-hon-nhan (3 working days),
//      received Tue 5 March, resolved Tue 12 March: late, and no apology.
// Ward Bạch Mai (B): 5 online level-3/4 dossiers on 5 of the 6 ward procedures
// offered online, each resolved within the hour.
const char* kEvents = R"(
{"event_id": "sc-A1-1", "dossier_id": "SC-A1", "type": "received", "occurred_at": "2019-03-04T09:00:00+07:00", "agency_id": "phuong-bach-dang", "procedure_id": "ward-dang-ky-khai-sinh", "channel": "direct"}
{"event_id": "sc-A2-1", "dossier_id": "SC-A2", "type": "received", "occurred_at": "2019-03-04T09:10:00+07:00", "agency_id": "phuong-bach-dang", "procedure_id": "ward-dang-ky-khai-sinh", "channel": "online", "online_level": 3}
{"event_id": "sc-A1-2", "dossier_id": "SC-A1", "type": "resolved", "occurred_at": "2019-03-04T10:00:00+07:00", "agency_id": "phuong-bach-dang", "outcome": "approved"}
{"event_id": "sc-A2-2", "dossier_id": "SC-A2", "type": "resolved", "occurred_at": "2019-03-04T11:00:00+07:00", "agency_id": "phuong-bach-dang", "outcome": "approved"}
{"event_id": "sc-A3-1", "dossier_id": "SC-A3", "type": "received", "occurred_at": "2019-03-05T09:00:00+07:00", "agency_id": "phuong-bach-dang", "procedure_id": "ward-trich-luc-ho-tich", "channel": "online", "online_level": 4}
{"event_id": "sc-A4-1", "dossier_id": "SC-A4", "type": "received", "occurred_at": "2019-03-05T09:30:00+07:00", "agency_id": "phuong-bach-dang", "procedure_id": "ward-xac-nhan-tinh-trang-hon-nhan", "channel": "direct", "one_stop": false}
{"event_id": "sc-A3-2", "dossier_id": "SC-A3", "type": "resolved", "occurred_at": "2019-03-05T10:00:00+07:00", "agency_id": "phuong-bach-dang", "outcome": "approved"}
{"event_id": "sc-B1-1", "dossier_id": "SC-B1", "type": "received", "occurred_at": "2019-03-06T09:00:00+07:00", "agency_id": "phuong-bach-mai", "procedure_id": "ward-dang-ky-khai-sinh", "channel": "online", "online_level": 3}
{"event_id": "sc-B2-1", "dossier_id": "SC-B2", "type": "received", "occurred_at": "2019-03-06T09:05:00+07:00", "agency_id": "phuong-bach-mai", "procedure_id": "ward-dang-ky-ket-hon", "channel": "online", "online_level": 3}
{"event_id": "sc-B3-1", "dossier_id": "SC-B3", "type": "received", "occurred_at": "2019-03-06T09:10:00+07:00", "agency_id": "phuong-bach-mai", "procedure_id": "ward-dang-ky-khai-tu", "channel": "online", "online_level": 3}
{"event_id": "sc-B4-1", "dossier_id": "SC-B4", "type": "received", "occurred_at": "2019-03-06T09:15:00+07:00", "agency_id": "phuong-bach-mai", "procedure_id": "ward-trich-luc-ho-tich", "channel": "online", "online_level": 4}
{"event_id": "sc-B5-1", "dossier_id": "SC-B5", "type": "received", "occurred_at": "2019-03-06T09:20:00+07:00", "agency_id": "phuong-bach-mai", "procedure_id": "ward-xac-nhan-tinh-trang-hon-nhan", "channel": "online", "online_level": 3}
{"event_id": "sc-B1-2", "dossier_id": "SC-B1", "type": "resolved", "occurred_at": "2019-03-06T10:00:00+07:00", "agency_id": "phuong-bach-mai", "outcome": "approved"}
{"event_id": "sc-B2-2", "dossier_id": "SC-B2", "type": "resolved", "occurred_at": "2019-03-06T10:05:00+07:00", "agency_id": "phuong-bach-mai", "outcome": "approved"}
{"event_id": "sc-B3-2", "dossier_id": "SC-B3", "type": "resolved", "occurred_at": "2019-03-06T10:10:00+07:00", "agency_id": "phuong-bach-mai", "outcome": "approved"}
{"event_id": "sc-B4-2", "dossier_id": "SC-B4", "type": "resolved", "occurred_at": "2019-03-06T10:15:00+07:00", "agency_id": "phuong-bach-mai", "outcome": "denied"}
{"event_id": "sc-B5-2", "dossier_id": "SC-B5", "type": "resolved", "occurred_at": "2019-03-06T10:20:00+07:00", "agency_id": "phuong-bach-mai", "outcome": "approved"}
{"event_id": "sc-A4-2", "dossier_id": "SC-A4", "type": "resolved", "occurred_at": "2019-03-12T10:00:00+07:00", "agency_id": "phuong-bach-dang", "outcome": "approved"}
)";

class ScorecardCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("db");
    WriteFile(dir_.File("events.jsonl"), kEvents);
    auto ingest = RunHoso({"ingest", "--events", dir_.File("events.jsonl"), "--db", db_});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  }

  nlohmann::json Scorecard(std::vector<std::string> extra = {},
                           const std::string& period = "2019") {
    std::vector<std::string> args = {"scorecard", "--db",     db_,   "--period",
                                     period,      "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = RunHoso(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }

  static const nlohmann::json& Row(const nlohmann::json& card, const std::string& agency) {
    for (const auto& row : card["rows"]) {
      if (row["agency_id"] == agency) return row;
    }
    static const nlohmann::json kMissing;
    ADD_FAILURE() << "no row for " << agency;
    return kMissing;
  }

  // "value status" of one result, e.g. "0.75 missed" or "null no_data".
  static std::string Cell(const nlohmann::json& row, const std::string& measure) {
    const nlohmann::json& result = row["results"][measure];
    return result["value"].dump() + " " + result["status"].get<std::string>();
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(ScorecardCliTest, EveryCellOfTheTwoWardsMatchesTheHandCount) {
  const nlohmann::json card = Scorecard();
  EXPECT_EQ(card["period"], "2019");
  EXPECT_EQ(card["plan"]["version"], "hbt-23-kh-ubnd-2019");
  ASSERT_EQ(card["targets"].size(), 7u);
  EXPECT_EQ(card["targets"][5]["measure"], "dialogues");
  EXPECT_EQ(card["targets"][6]["measure"], "feedback_on_time_ratio");
  EXPECT_EQ(card["targets"][0]["measure"], "on_time_ratio");
  EXPECT_EQ(card["targets"][0]["minimum"], 0.95);

  const nlohmann::json& a = Row(card, "phuong-bach-dang");
  EXPECT_EQ(a["kind"], "ward");
  EXPECT_EQ(a["name"], "UBND phường Bạch Đằng");
  EXPECT_EQ(Cell(a, "on_time_ratio"), "0.75 missed");           // A1, A2, A3 of 4
  EXPECT_EQ(Cell(a, "online_coverage"), "0.3333 missed");       // khai sinh, trích lục of 6
  EXPECT_EQ(Cell(a, "online_processing_share"), "0.6667 met");  // A2, A3 of A1, A2, A3
  EXPECT_EQ(Cell(a, "one_stop_share"), "0.75 missed");          // A4 not one-stop
  EXPECT_EQ(Cell(a, "apology_compliance"), "0.0 missed");       // A4 late, no apology
  EXPECT_EQ(a["results"]["on_time_ratio"]["target"], 0.95);
  EXPECT_EQ(a["results"]["dialogues"]["status"], "missed");      // none held
  EXPECT_EQ(Cell(a, "feedback_on_time_ratio"), "null no_data");  // no feedback in the fixture
  EXPECT_EQ(a["met"], 1);
  EXPECT_EQ(a["missed"], 5);
  EXPECT_EQ(a["no_data"], 1);
  EXPECT_EQ(a["all_met"], false);

  const nlohmann::json& b = Row(card, "phuong-bach-mai");
  EXPECT_EQ(Cell(b, "on_time_ratio"), "1.0 met");            // 5 of 5 (a denial counts)
  EXPECT_EQ(Cell(b, "online_coverage"), "0.8333 met");       // 5 of the 6 ward procedures
  EXPECT_EQ(Cell(b, "online_processing_share"), "1.0 met");  // 5 of 5
  EXPECT_EQ(Cell(b, "one_stop_share"), "1.0 met");
  EXPECT_EQ(Cell(b, "apology_compliance"), "null no_data");  // nothing late
  EXPECT_EQ(b["met"], 4);
  EXPECT_EQ(b["missed"], 1);   // no dialogue held
  EXPECT_EQ(b["no_data"], 2);  // nothing late to apologise for, no feedback
  EXPECT_EQ(b["all_met"], false);

  // A ward without a dossier: no ratio has a denominator except coverage,
  // whose denominator is the 6 ward procedures offered online (none used).
  const nlohmann::json& idle = Row(card, "phuong-minh-khai");
  EXPECT_EQ(Cell(idle, "on_time_ratio"), "null no_data");
  EXPECT_EQ(Cell(idle, "online_coverage"), "0.0 missed");

  // The district: 9 dossiers; coverage over the 9 procedures offered at
  // level >= 3 at any level (5 used online); processing over the procedures
  // that received an online dossier: 7 resolved online of 9 resolved.
  const nlohmann::json& total = card["total"];
  EXPECT_EQ(total["kind"], "district");
  EXPECT_EQ(Cell(total, "on_time_ratio"), "0.8889 missed");
  EXPECT_EQ(Cell(total, "online_coverage"), "0.5556 missed");
  EXPECT_EQ(Cell(total, "online_processing_share"), "0.7778 met");
  EXPECT_EQ(Cell(total, "one_stop_share"), "0.8889 missed");
  EXPECT_EQ(Cell(total, "apology_compliance"), "0.0 missed");

  // One row per ward and district office of the list, the district itself only as the total.
  int wards = 0, offices = 0;
  for (const auto& row : card["rows"]) {
    wards += row["kind"] == "ward";
    offices += row["kind"] == "district_office";
    EXPECT_NE(row["agency_id"], "quan-hai-ba-trung");
  }
  EXPECT_EQ(wards, 20);
  EXPECT_EQ(offices, 5);
}

TEST_F(ScorecardCliTest, AsOfShowsTheFiguresAsTheyStoodThen) {
  // At the end of 5 March, A4 was still open: 3 of 3 resolved on time, nothing late.
  const nlohmann::json card = Scorecard({"--as-of", "2019-03-05"});
  EXPECT_EQ(card["as_of"], "2019-03-05T23:59:59+07:00");
  const nlohmann::json& a = Row(card, "phuong-bach-dang");
  EXPECT_EQ(Cell(a, "on_time_ratio"), "1.0 met");
  EXPECT_EQ(Cell(a, "apology_compliance"), "null no_data");
  EXPECT_EQ(Cell(a, "one_stop_share"), "0.75 missed");  // counted at receipt
  const nlohmann::json& b = Row(card, "phuong-bach-mai");
  EXPECT_EQ(Cell(b, "on_time_ratio"), "null no_data");  // nothing received yet
}

// Decision 766/QĐ-TTg indicator 2.1 counts a dossier still open and not yet
// due as on time; the plan's ratio counts only resolved dossiers. A4 (3
// working days from Tue 5 March 09:30) is due Fri 8 March 09:30 and
// resolved late on Tue 12 March.
TEST_F(ScorecardCliTest, The766OnTimeRatioCountsOpenDossiersNotYetDue) {
  auto ward_a = [&](const std::string& as_of) {
    const nlohmann::json card = Scorecard({"--as-of", as_of}, "2019-03");
    return Row(card, "phuong-bach-dang");
  };
  // 7 March: A1–A3 on time, A4 open and not due: 4 of 4; the plan's 3 of 3.
  nlohmann::json a = ward_a("2019-03-07");
  EXPECT_EQ(a["indicators_766"]["2.1"]["value"], 1.0);
  EXPECT_EQ(a["indicators_766"]["2.1"]["points"], 20.0);
  EXPECT_EQ(Cell(a, "on_time_ratio"), "1.0 met");
  // 8 March 09:29, a minute before its due time: still not due.
  a = ward_a("2019-03-08T09:29:00+07:00");
  EXPECT_EQ(a["indicators_766"]["2.1"]["value"], 1.0);
  // 8 March 09:31 and 9 March: A4 open and overdue: 3 of 4; the plan still 3 of 3.
  a = ward_a("2019-03-08T09:31:00+07:00");
  EXPECT_EQ(a["indicators_766"]["2.1"]["value"], 0.75);
  a = ward_a("2019-03-09");
  EXPECT_EQ(a["indicators_766"]["2.1"]["value"], 0.75);
  EXPECT_EQ(a["indicators_766"]["2.1"]["points"], 15.0);
  EXPECT_EQ(Cell(a, "on_time_ratio"), "1.0 met");
  // End of March: A4 resolved late; both ratios 3 of 4.
  a = ward_a("2019-03-31");
  EXPECT_EQ(a["indicators_766"]["2.1"]["value"], 0.75);
  EXPECT_EQ(Cell(a, "on_time_ratio"), "0.75 missed");
  // No feedback in the fixture: 5.2 and 5.3 have nothing to score; 3.3 is
  // A2 and A3 online of the 4 dossiers on procedures offered online.
  EXPECT_EQ(a["indicators_766"]["5.2"]["points"], nullptr);
  EXPECT_EQ(a["indicators_766"]["3.3"]["value"], 0.5);
  EXPECT_EQ(a["indicators_766"]["3.3"]["points"], 3.0);
  EXPECT_EQ(a["points_766"], 18.0);
  EXPECT_EQ(a["max_points_766"], 26.0);
  // As of a later instant than the period's end, the open counts are not
  // the period's: 2.1 has no value rather than a wrong one.
  a = ward_a("2019-04-30");
  EXPECT_EQ(a["indicators_766"]["2.1"]["value"], nullptr);
  EXPECT_EQ(a["indicators_766"]["2.1"]["points"], nullptr);
  // Nor before the period began: April as of 7 March would count A4, open
  // then, as processed in April.
  const nlohmann::json april = Scorecard({"--as-of", "2019-03-07"}, "2019-04");
  EXPECT_EQ(Row(april, "phuong-bach-dang")["indicators_766"]["2.1"]["value"], nullptr);
}

TEST_F(ScorecardCliTest, TheScorecardUsesTheKpiCommandsFigures) {
  auto kpi = RunHoso({"kpi", "--db", db_, "--period", "2019", "--format", "json"});
  ASSERT_EQ(kpi.exit_code, 0) << kpi.err;
  const nlohmann::json report = nlohmann::json::parse(kpi.out);
  const nlohmann::json card = Scorecard();
  for (const auto& row : report["rows"]) {
    const std::string agency = row["agency_id"];
    if (agency == "quan-hai-ba-trung") continue;
    for (const auto& target : card["targets"]) {
      const std::string measure = target["measure"];
      if (measure == "dialogues") {
        EXPECT_EQ(Row(card, agency)["results"][measure]["value"], row["dialogues_held"]);
        continue;
      }
      EXPECT_EQ(Row(card, agency)["results"][measure]["value"], row[measure])
          << agency << " " << measure;
    }
    for (const auto& indicator : card["indicators_766"]) {
      EXPECT_EQ(Row(card, agency)["indicators_766"][indicator["code"].get<std::string>()]["value"],
                row[indicator["measure"].get<std::string>()])
          << agency << " " << indicator["code"];
    }
  }
}

TEST_F(ScorecardCliTest, TableAndCsvSayTheSame) {
  auto table = RunHoso({"scorecard", "--db", db_, "--period", "2019"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Kế hoạch 23/KH-UBND"), std::string::npos) << table.out;
  const size_t a = table.out.find("phuong-bach-dang");
  ASSERT_NE(a, std::string::npos) << table.out;
  const std::string a_line = table.out.substr(a, table.out.find('\n', a) - a);
  EXPECT_NE(a_line.find("1/6"), std::string::npos) << a_line;
  EXPECT_NE(a_line.find("75.0% ✗"), std::string::npos) << a_line;
  EXPECT_NE(a_line.find("66.7% ✓"), std::string::npos) << a_line;
  const size_t b = table.out.find("phuong-bach-mai");
  ASSERT_NE(b, std::string::npos);
  const std::string b_line = table.out.substr(b, table.out.find('\n', b) - b);
  EXPECT_NE(b_line.find("4/5"), std::string::npos) << b_line;
  EXPECT_NE(b_line.find(" - "), std::string::npos) << b_line;    // apology: no data
  EXPECT_NE(b_line.find("0+0 ✗"), std::string::npos) << b_line;  // no dialogue in either half
  // The 766 section: B's 5 of 5 on time (20 points) and online (6 points).
  const size_t section = table.out.find("Decision 766/QĐ-TTg");
  ASSERT_NE(section, std::string::npos) << table.out;
  const size_t b766 = table.out.find("phuong-bach-mai", section);
  ASSERT_NE(b766, std::string::npos) << table.out;
  const std::string b766_line = table.out.substr(b766, table.out.find('\n', b766) - b766);
  EXPECT_NE(b766_line.find("26.00/26.00"), std::string::npos) << b766_line;
  EXPECT_NE(b766_line.find("100.0% 20.00"), std::string::npos) << b766_line;

  auto csv = RunHoso({"scorecard", "--db", db_, "--period", "2019", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
            "agency_id,kind,on_time_ratio,on_time_ratio_target,on_time_ratio_status,"
            "online_coverage,online_coverage_target,online_coverage_status,"
            "online_processing_share,online_processing_share_target,"
            "online_processing_share_status,one_stop_share,one_stop_share_target,"
            "one_stop_share_status,apology_compliance,apology_compliance_target,"
            "apology_compliance_status,dialogues,dialogues_target,dialogues_status,"
            "feedback_on_time_ratio,feedback_on_time_ratio_target,feedback_on_time_ratio_status,"
            "met,missed,no_data,766_2.1,766_2.1_points,766_3.3,766_3.3_points,766_5.2,"
            "766_5.2_points,766_5.3,766_5.3_points,points_766,max_points_766");
  EXPECT_NE(csv.out.find("\nphuong-bach-mai,ward,1.0000,0.95,met,0.8333,0.8,met,1.0000,0.4,met,"
                         "1.0000,1,met,,1,no_data,0,1,missed,,1,no_data,4,1,2,"
                         "1.0000,20.00,1.0000,6.00,,,,,26.00,26.00\n"),
            std::string::npos)
      << csv.out;
  EXPECT_NE(csv.out.find("\ntotal,district,0.8889,0.95,missed,"), std::string::npos) << csv.out;
}

TEST_F(ScorecardCliTest, AnotherPlanIsAFile) {
  WriteFile(dir_.File("plan.json"), R"({
    "version": "test-plan", "title": "A laxer plan",
    "targets": [
      {"measure": "on_time_ratio", "minimum": 0.7, "title": "on time 70 %"},
      {"measure": "online_share", "minimum": 0.5, "title": "online 50 %"}
    ]})");
  const nlohmann::json card = Scorecard({"--targets", dir_.File("plan.json")});
  EXPECT_EQ(card["plan"]["title"], "A laxer plan");
  ASSERT_EQ(card["targets"].size(), 2u);
  const nlohmann::json& a = Row(card, "phuong-bach-dang");
  EXPECT_EQ(a["results"].size(), 2u);
  EXPECT_EQ(Cell(a, "on_time_ratio"), "0.75 met");
  EXPECT_EQ(Cell(a, "online_share"), "0.5 met");  // A2, A3 of A1..A4, all offered online
  EXPECT_EQ(a["all_met"], true);
}

TEST_F(ScorecardCliTest, ABadTargetsFileIsBadInputNamingTheField) {
  WriteFile(dir_.File("bad.json"), R"({"version": "x", "title": "x",
    "targets": [{"measure": "on_time_ratio", "minimum": 95, "title": "95 %"}]})");
  auto result =
      RunHoso({"scorecard", "--db", db_, "--period", "2019", "--targets", dir_.File("bad.json")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("targets[0].minimum"), std::string::npos) << result.err;
  auto period = RunHoso({"scorecard", "--db", db_, "--period", "2019-13"});
  EXPECT_EQ(period.exit_code, 2);
}

}  // namespace
}  // namespace hoso
