// Issue 8, defect 1: the codec accepts ids of up to 128 characters (512
// bytes of UTF-8); every one of them must survive storage. Each test ingests
// through the real CLI into RocksDB and then runs every reader of the
// database (verify, kpi, history, audit export/check): one valid record must
// never make the database unreadable.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::TempDir;

// 128 copies of a two- or three-byte character: 256 or 384 bytes.
std::string Repeat(const std::string& unit, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += unit;
  return out;
}

// Runs every reader against `db` and expects each to succeed.
void ExpectEveryReaderWorks(const TempDir& dir, const std::string& db,
                            const std::vector<std::string>& dossiers) {
  auto verify = RunHoso({"verify", "--db", db});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("ok:"), std::string::npos) << verify.out;
  auto kpi = RunHoso({"kpi", "--db", db, "--period", "2019", "--format", "json"});
  EXPECT_EQ(kpi.exit_code, 0) << kpi.err;
  auto by_procedure =
      RunHoso({"kpi", "--db", db, "--period", "2019-06", "--by", "procedure", "--format", "csv"});
  EXPECT_EQ(by_procedure.exit_code, 0) << by_procedure.err;
  for (const std::string& dossier : dossiers) {
    auto history = RunHoso({"history", dossier, "--db", db, "--format", "json"});
    ASSERT_EQ(history.exit_code, 0) << history.err;
    auto json = nlohmann::json::parse(history.out);
    EXPECT_EQ(json["dossier_id"], dossier);
    EXPECT_TRUE(json["chain_ok"].get<bool>());
  }
  const std::string bundle = dir.File("bundle");
  auto exported = RunHoso({"audit", "export", "--period", "2019", "--db", db, "--out", bundle});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto checked = RunHoso({"audit", "check", bundle});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  // A second ingest into the same database must still open it.
  auto again = RunHoso({"ingest", "--events", dir.File("events.jsonl"), "--db", db});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST(LongIdsTest, IdsOf128VietnameseCharactersRoundTripThroughEveryReader) {
  TempDir dir;
  // dossier 256 bytes, agency 384 bytes, procedure 256 bytes (with its own
  // processing time, so the catalog need not know it), event ids 384 bytes.
  const std::string dossier = Repeat("ư", 128);
  const std::string dossier2 = Repeat("đ", 127) + "x";
  const std::string agency = Repeat("ệ", 128);
  const std::string procedure = Repeat("đ", 128);
  std::ostringstream lines;
  lines << R"({"event_id":")" << Repeat("ố", 127) << R"(1","dossier_id":")" << dossier
        << R"(","type":"received","occurred_at":"2019-06-10T09:15:00+07:00","agency_id":")"
        << agency << R"(","procedure_id":")" << procedure
        << R"(","channel":"online","online_level":4,"processing":{"working_days":3}})"
        << "\n";
  lines << R"({"event_id":")" << Repeat("ố", 127) << R"(2","dossier_id":")" << dossier
        << R"(","type":"transferred","occurred_at":"2019-06-10T10:00:00+07:00","agency_id":")"
        << agency << R"(","to_agency_id":")" << Repeat("ở", 128) << R"("})"
        << "\n";
  lines << R"({"event_id":")" << Repeat("ố", 127) << R"(3","dossier_id":")" << dossier
        << R"(","type":"resolved","occurred_at":"2019-06-11T10:00:00+07:00","agency_id":")"
        << agency << R"(","outcome":"approved"})"
        << "\n";
  // A second dossier that stays open and becomes overdue: a derived event,
  // alerts and timers all carry the long id.
  lines << R"({"event_id":"e4","dossier_id":")" << dossier2
        << R"(","type":"received","occurred_at":"2019-06-10T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-xac-nhan-tinh-trang-hon-nhan","channel":"direct"})"
        << "\n";
  lines << R"({"event_id":"e5","dossier_id":"later","type":"received","occurred_at":"2019-07-01T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-xac-nhan-tinh-trang-hon-nhan","channel":"direct"})"
        << "\n";
  testing::WriteFile(dir.File("events.jsonl"), lines.str());
  const std::string db = dir.File("db");
  auto ingest = RunHoso({"ingest", "--events", dir.File("events.jsonl"), "--db", db, "--format",
                         "json"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  auto summary = nlohmann::json::parse(ingest.out);
  EXPECT_EQ(summary["applied"], 5);
  EXPECT_EQ(summary["rejected"], 0);
  EXPECT_EQ(summary["derived_overdue"], 1);
  ExpectEveryReaderWorks(dir, db, {dossier, dossier2});

  auto kpi = RunHoso({"kpi", "--db", db, "--period", "2019-06", "--format", "json"});
  ASSERT_EQ(kpi.exit_code, 0);
  auto report = nlohmann::json::parse(kpi.out);
  bool found = false;
  for (const auto& row : report["rows"]) {
    if (row["agency_id"] == agency) {
      found = true;
      EXPECT_EQ(row["received"], 1);
      EXPECT_EQ(row["resolved"], 1);
      EXPECT_EQ(row["online_received"], 1);
    }
  }
  EXPECT_TRUE(found) << "no row for the 384-byte agency id";
  auto alerts = RunHoso({"alerts", "--db", db, "--format", "json"});
  ASSERT_EQ(alerts.exit_code, 0) << alerts.err;
  EXPECT_NE(alerts.out.find(dossier2), std::string::npos);
}

TEST(LongIdsTest, EveryValidSampleOfTheContractLeavesAReadableDatabase) {
  TempDir dir;
  std::string events;
  std::vector<std::string> dossiers;
  const std::string samples = testing::SourcePath("tests/schemas/samples/valid");
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(samples)) {
    paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    // Samples may be pretty-printed: one line each for the JSONL file.
    auto json = nlohmann::json::parse(testing::ReadFile(path.string()));
    events += json.dump() + "\n";
  }
  ASSERT_GT(paths.size(), 20u);
  testing::WriteFile(dir.File("events.jsonl"), events);
  const std::string db = dir.File("db");
  auto ingest = RunHoso({"ingest", "--events", dir.File("events.jsonl"), "--db", db, "--format",
                         "json"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  auto summary = nlohmann::json::parse(ingest.out);
  EXPECT_GT(summary["applied"].get<int>(), 0) << ingest.out;
  // Every applied dossier has a history.
  for (const auto& path : paths) {
    auto json = nlohmann::json::parse(testing::ReadFile(path.string()));
    if (json["type"] != "received") continue;
    auto history = RunHoso({"history", json["dossier_id"].get<std::string>(), "--db", db});
    if (history.exit_code == 0) dossiers.push_back(json["dossier_id"]);
  }
  EXPECT_FALSE(dossiers.empty());
  ExpectEveryReaderWorks(dir, db, dossiers);
}

}  // namespace
}  // namespace hoso
