// Issue 9: a database of the previous storage layout (projection versions 1
// and 2: one `events` key per event, keyed by dossier) is refused by every
// command with the advice to replay, never changed, and `hoso replay` rebuilds
// it in the current layout with the figures an ingest of the same events
// gives.
//
// The old database is written here byte for byte in the old layout (its
// encoder no longer exists in the product), from the fixture's events.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::TempDir;

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

struct OldEvent {
  std::string dossier_id;
  uint32_t dossier_sequence;
  uint64_t global_sequence;
  bool derived;
  int64_t offset;
  std::string bytes;
};

// Writes `events` as version `version` (1 or 2) of the old layout would have.
void WriteOldDatabase(const std::string& path, const std::string& version,
                      const std::vector<OldEvent>& events) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                           {"events", {}},
                                                           {"dedup", {}},
                                                           {"dossiers", {}},
                                                           {"kpi", {}},
                                                           {"timers", {}},
                                                           {"alerts", {}},
                                                           {"meta", {}},
                                                           {"heads", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path, families, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteBatch batch;
  for (const OldEvent& e : events) {
    std::string key;
    key.push_back(static_cast<char>(e.dossier_id.size()));  // short ids: u8 and varint agree
    key += e.dossier_id;
    PutU32(&key, e.dossier_sequence);
    std::string value;
    value.push_back(1);  // format
    PutU64(&value, e.global_sequence);
    value.push_back(e.derived ? 1 : 0);
    PutU32(&value, e.derived ? 0xFFFFFFFFu : 0);
    PutU64(&value, static_cast<uint64_t>(e.offset) ^ (uint64_t{1} << 63));
    value.push_back(32);
    value += std::string(32, '\x5a');  // the chain hash: replay recomputes it
    value += e.bytes;
    ASSERT_TRUE(batch.Put(handles[1], key, value).ok());
  }
  ASSERT_TRUE(batch.Put(handles[7], "projection", "hoso-projections/" + version).ok());
  std::string count;
  PutU64(&count, events.size());
  ASSERT_TRUE(batch.Put(handles[7], "log_sequence", count).ok());
  ASSERT_TRUE(batch.Put(handles[7], "position/file:events.jsonl", "4242").ok());
  ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
  for (auto* handle : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
}

// The fixture as the old engine logged it, plus one derived event (which a
// replay skips: the new engine derives its own).
std::vector<OldEvent> FixtureAsLogged() {
  std::istringstream lines(
      testing::ReadFile(testing::SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl")));
  std::vector<OldEvent> events;
  std::map<std::string, uint32_t> per_dossier;
  std::string line;
  int64_t offset = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const std::string dossier = nlohmann::json::parse(line)["dossier_id"];
    events.push_back({dossier, per_dossier[dossier]++, events.size() + 1, false, offset, line});
    offset += static_cast<int64_t>(line.size()) + 1;
    if (events.size() == 5) {
      const std::string derived =
          R"({"event_id":"hoso-overdue:X:20190611T0900","dossier_id":"X","type":"overdue"})";
      events.push_back({"X", 0, events.size() + 1, true, -1, derived});
    }
  }
  return events;
}

class LegacyLayoutTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    old_ = dir_.File("old");
    WriteOldDatabase(old_, GetParam(), FixtureAsLogged());
  }
  TempDir dir_;
  std::string old_;
};

TEST_P(LegacyLayoutTest, EveryCommandRefusesItWithTheAdviceToReplay) {
  const auto before = std::filesystem::last_write_time(old_ + "/CURRENT");
  for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
           {"kpi", "--db", old_, "--period", "2019-06"},
           {"history", "BK-2019-D4", "--db", old_},
           {"verify", "--db", old_},
           {"ingest", "--events", dir_.File("none.jsonl"), "--db", old_}}) {
    testing::WriteFile(dir_.File("none.jsonl"), "");
    auto result = RunHoso(command);
    EXPECT_NE(result.exit_code, 0) << command[0];
    EXPECT_NE(result.err.find("hoso-projections/" + GetParam()), std::string::npos)
        << command[0] << ": " << result.err;
    EXPECT_NE(result.err.find("hoso replay --db " + old_), std::string::npos)
        << command[0] << ": " << result.err;
  }
  EXPECT_EQ(std::filesystem::last_write_time(old_ + "/CURRENT"), before);
}

TEST_P(LegacyLayoutTest, ReplayRebuildsItWithTheFiguresOfAnIngest) {
  const std::string rebuilt = dir_.File("rebuilt");
  auto replay = RunHoso({"replay", "--db", old_, "--into", rebuilt});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  const auto summary = nlohmann::json::parse(replay.out);
  EXPECT_EQ(summary["replayed"], 17);        // the derived event is not replayed...
  EXPECT_EQ(summary["derived_overdue"], 2);  // ...the engine derives its own

  const std::string ingested = dir_.File("ingested");
  ASSERT_EQ(
      RunHoso({"ingest", "--events",
               testing::SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "--db", ingested})
          .exit_code,
      0);
  for (const char* by : {"agency", "procedure"}) {
    auto a =
        RunHoso({"kpi", "--db", rebuilt, "--period", "2019-06", "--by", by, "--format", "json"});
    auto b =
        RunHoso({"kpi", "--db", ingested, "--period", "2019-06", "--by", by, "--format", "json"});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(a.out, b.out) << by;
  }
  EXPECT_EQ(RunHoso({"verify", "--db", rebuilt}).exit_code, 0);
  auto history = RunHoso({"history", "BK-2019-D4", "--db", rebuilt, "--format", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_EQ(nlohmann::json::parse(history.out)["chain_ok"], true);
}

INSTANTIATE_TEST_SUITE_P(Versions, LegacyLayoutTest, ::testing::Values("1", "2"));

}  // namespace
}  // namespace hoso
