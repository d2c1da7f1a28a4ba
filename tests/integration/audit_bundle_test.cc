// Audit bundles (issue 16): an honest export of an untouched database always
// checks, whatever order its events were logged in, and its KPI report is what
// `hoso kpi --as-of <period end>` reports.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using Json = nlohmann::json;
using testing::ReadFile;
using testing::RunHoso;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<Json> BundleEvents(const std::string& bundle) {
  std::vector<Json> events;
  for (const std::string& line : Lines(ReadFile(bundle + "/events.jsonl"))) {
    events.push_back(Json::parse(line));
  }
  return events;
}

// occurred_at of a bundle line. Every event here is at +07:00, so the RFC
// 3339 texts order like the instants.
std::string OccurredAt(const Json& line) {
  return Json::parse(line["event"].get<std::string>())["occurred_at"].get<std::string>();
}

struct PeriodCase {
  std::string period;
  std::string last_day;  // `kpi --as-of` this day = the bundle's as_of
};

// Exports `period`, checks the bundle and compares its KPI report with
// `hoso kpi` on the database as of the period's end.
void ExportCheckAndCompare(const std::string& db, const PeriodCase& c, const std::string& bundle) {
  SCOPED_TRACE(c.period);
  auto exported = RunHoso({"audit", "export", "--period", c.period, "--db", db, "--out", bundle});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto check = RunHoso({"audit", "check", bundle});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  auto kpi =
      RunHoso({"kpi", "--db", db, "--period", c.period, "--as-of", c.last_day, "--format", "json"});
  ASSERT_EQ(kpi.exit_code, 0) << kpi.err;
  const Json differences =
      Json::diff(Json::parse(kpi.out), Json::parse(ReadFile(bundle + "/kpi.json")));
  EXPECT_TRUE(differences.empty()) << "kpi.json against `hoso kpi`: " << differences.dump();
}

TEST(AuditBundleTest, AnEventLoggedAfterALaterDatedOneKeepsItsChainAPrefix) {
  TempDir dir;
  // A's resolution (December) moves the event-time clock past B's due instant
  // (2019-07-05 09:00) before B arrives, so the engine logs B's derived
  // overdue, dated July, before B's supplement request dated June 28.
  const std::string events = dir.File("events.jsonl");
  WriteFile(
      events,
      R"({"event_id":"a1","dossier_id":"A","type":"received","occurred_at":"2019-01-02T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-chung-thuc-ban-sao","channel":"direct"}
{"event_id":"a2","dossier_id":"A","type":"resolved","occurred_at":"2019-12-02T09:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"}
{"event_id":"b1","dossier_id":"B","type":"received","occurred_at":"2019-06-28T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-dang-ky-giam-ho","channel":"direct","processing":{"working_days":5}}
{"event_id":"b2","dossier_id":"B","type":"supplement_requested","occurred_at":"2019-06-28T10:00:00+07:00","agency_id":"phuong-bach-khoa","reason":"birth certificate missing"}
)");
  const std::string db = dir.File("db");
  auto ingest = RunHoso({"ingest", "--events", events, "--db", db});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  ASSERT_NE(ingest.out.find("applied     4"), std::string::npos) << ingest.out;
  auto verify = RunHoso({"verify", "--db", db});
  ASSERT_EQ(verify.exit_code, 0) << verify.out;

  const std::string bundle = dir.File("h1");
  ExportCheckAndCompare(db, {"2019-H1", "2019-06-30"}, bundle);
  // B's chain in sequence order: received, the derived overdue dated July,
  // then the June request that was logged after it.
  std::vector<std::pair<std::string, bool>> b_chain;
  for (const Json& line : BundleEvents(bundle)) {
    if (line["dossier_id"] != "B") continue;
    EXPECT_EQ(line["sequence"], b_chain.size());
    b_chain.push_back({OccurredAt(line), line["derived"].get<bool>()});
  }
  const std::vector<std::pair<std::string, bool>> expected = {{"2019-06-28T09:00:00+07:00", false},
                                                              {"2019-07-05T09:00:00+07:00", true},
                                                              {"2019-06-28T10:00:00+07:00", false}};
  EXPECT_EQ(b_chain, expected);
  // The June request counts in June: B is open and paused before its due
  // instant, so not overdue; A (due 2019-01-02 17:00) is open and overdue.
  const Json kpi = Json::parse(ReadFile(bundle + "/kpi.json"));
  EXPECT_EQ(kpi["total"]["received"], 2);
  EXPECT_EQ(kpi["total"]["open"], 2);
  EXPECT_EQ(kpi["total"]["open_overdue"], 1);
  const Json rules = Json::parse(ReadFile(bundle + "/rules.json"));
  EXPECT_EQ(rules["kpi_counts_events_by"], "occurred_at");
  EXPECT_EQ(rules["chain_selection"], "prefix-to-last-event-before-period-end");

  // July holds B's derived overdue; its bundle checks too.
  ExportCheckAndCompare(db, {"2019-07", "2019-07-31"}, dir.File("july"));
}

}  // namespace
}  // namespace hoso
