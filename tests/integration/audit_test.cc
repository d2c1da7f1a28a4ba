// Audit (issue 5): replay equals live byte for byte, --until equals a live
// ingest cut at the same instant, verify detects edits, deletions and
// reorderings, and an exported bundle checks on its own.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/runtime/chain_hash.h"
#include "projections/records.h"
#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

connectors::RocksOptions ReadOnly() {
  connectors::RocksOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return options;
}
[[maybe_unused]] connectors::RocksOptions Existing() {
  connectors::RocksOptions options;
  options.create_if_missing = false;
  return options;
}

using projections::Column;
using testing::RunHoso;
using testing::SourcePath;
using testing::TempDir;

// SHA-256 over every key and value of every column family, except source
// positions (they describe the input, not the projections).
std::string Digest(const std::string& db) {
  auto store = connectors::RocksKvStore::Open(db, ReadOnly());
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  std::string digest;
  for (int c = 0; c < projections::kColumnCount; ++c) {
    std::string material;
    auto it = (*store)->NewIterator(static_cast<Column>(c));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (c == static_cast<int>(Column::kMeta) && it->key().rfind("position/", 0) == 0) continue;
      material += std::to_string(it->key().size()) + ":" + std::string(it->key()) +
                  std::to_string(it->value().size()) + ":" + std::string(it->value());
    }
    digest += std::string(projections::ColumnName(static_cast<Column>(c))) + "=" +
              runtime::ToHex(runtime::ChainHash("", material)) + "\n";
  }
  return digest;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    events_ = dir_.File("year.jsonl");
    auto gen = RunHoso({"loadgen", "--out", events_, "--seed", "3", "--dossiers", "3000"});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    live_ = dir_.File("live");
    auto ingest = RunHoso({"ingest", "--events", events_, "--db", live_, "--batch", "500"});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  }
  TempDir dir_;
  std::string events_;
  std::string live_;
};

TEST_F(AuditTest, ReplayIsByteIdenticalToLive) {
  const std::string rebuilt = dir_.File("rebuilt");
  auto replay = RunHoso({"replay", "--db", live_, "--into", rebuilt});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(Digest(rebuilt), Digest(live_));
}

TEST_F(AuditTest, ReplayUntilEqualsALiveIngestCutAtTheSameInstant) {
  const std::string cut_instant = "2019-06-30T23:59:59+07:00";
  // The live cut: only the lines up to the instant (the file is in time order).
  std::istringstream lines(testing::ReadFile(events_));
  std::string line, kept;
  while (std::getline(lines, line)) {
    const auto at = nlohmann::json::parse(line)["occurred_at"].get<std::string>();
    if (at <= "2019-06-30T23:59:59+07:00") kept += line + "\n";
  }
  const std::string cut_file = dir_.File("cut.jsonl");
  testing::WriteFile(cut_file, kept);
  const std::string cut_db = dir_.File("cut");
  ASSERT_EQ(RunHoso({"ingest", "--events", cut_file, "--db", cut_db}).exit_code, 0);
  const std::string replayed = dir_.File("replayed");
  auto replay = RunHoso({"replay", "--db", live_, "--into", replayed, "--until", cut_instant});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(Digest(replayed), Digest(cut_db));
  // And kpi --as-of on the full live database gives the same figures.
  auto as_of = RunHoso(
      {"kpi", "--db", live_, "--period", "2019-H1", "--as-of", cut_instant, "--format", "json"});
  auto from_cut = RunHoso(
      {"kpi", "--db", cut_db, "--period", "2019-H1", "--as-of", cut_instant, "--format", "json"});
  EXPECT_EQ(as_of.out, from_cut.out);
}

TEST_F(AuditTest, VerifyPassesOnAnUntouchedLog) {
  auto verify = RunHoso({"verify", "--db", live_, "--format", "json"});
  ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const auto report = nlohmann::json::parse(verify.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_FALSE(report["month_roots"].empty());
}

// Applies `edit` to the events of the first dossier with >= 2 events and
// returns its id.
template <typename Edit>
std::string TamperWith(const std::string& db, Edit edit) {
  auto store = connectors::RocksKvStore::Open(db, Existing());
  EXPECT_TRUE(store.ok());
  auto it = (*store)->NewIterator(Column::kEvents);
  std::string first_key, second_key;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = projections::DecodeEventKey(it->key());
    if (key->second == 1) {
      second_key = std::string(it->key());
      first_key = projections::EventKey(key->first, 0);
      edit(**store, first_key, second_key);
      return key->first;
    }
  }
  ADD_FAILURE() << "no dossier with two events";
  return "";
}

nlohmann::json VerifyBroken(const std::string& db) {
  auto verify = RunHoso({"verify", "--db", db, "--format", "json"});
  EXPECT_EQ(verify.exit_code, 3) << verify.out;
  return nlohmann::json::parse(verify.out);
}

TEST_F(AuditTest, EditingOneByteOfOneEventIsNamed) {
  const std::string dossier = TamperWith(
      live_, [](projections::KvStore& store, const std::string& first, const std::string&) {
        std::string value;
        ASSERT_TRUE(store.Get(Column::kEvents, first, &value).ok());
        value.back() = value.back() == '}' ? ' ' : '}';  // one byte of the event JSON
        auto batch = store.NewBatch();
        batch->Put(Column::kEvents, first, value);
        ASSERT_TRUE(store.Write(*batch).ok());
      });
  const auto report = VerifyBroken(live_);
  EXPECT_EQ(report["dossier_id"], dossier);
  EXPECT_EQ(report["sequence"], 0);
}

TEST_F(AuditTest, DeletingAnEventIsNamed) {
  const std::string dossier = TamperWith(
      live_, [](projections::KvStore& store, const std::string& first, const std::string&) {
        auto batch = store.NewBatch();
        batch->Delete(Column::kEvents, first);
        ASSERT_TRUE(store.Write(*batch).ok());
      });
  EXPECT_EQ(VerifyBroken(live_)["dossier_id"], dossier);
}

TEST_F(AuditTest, ReorderingTwoEventsIsNamed) {
  const std::string dossier = TamperWith(
      live_, [](projections::KvStore& store, const std::string& first, const std::string& second) {
        std::string a, b;
        ASSERT_TRUE(store.Get(Column::kEvents, first, &a).ok());
        ASSERT_TRUE(store.Get(Column::kEvents, second, &b).ok());
        auto batch = store.NewBatch();
        batch->Put(Column::kEvents, first, b);
        batch->Put(Column::kEvents, second, a);
        ASSERT_TRUE(store.Write(*batch).ok());
      });
  EXPECT_EQ(VerifyBroken(live_)["dossier_id"], dossier);
}

TEST(AuditBundleTest, AnExportedBundleChecksWithoutTheDatabase) {
  TempDir dir;
  const std::string db = dir.File("db");
  ASSERT_EQ(RunHoso({"ingest", "--events", SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"),
                     "--db", db})
                .exit_code,
            0);
  const std::string bundle = dir.File("bundle");
  auto exported = RunHoso({"audit", "export", "--period", "2019-06", "--db", db, "--out", bundle});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  // A fresh directory with no access to the database.
  TempDir elsewhere;
  std::filesystem::copy(bundle, elsewhere.File("bundle"));
  std::filesystem::remove_all(db);
  auto check = RunHoso({"audit", "check", elsewhere.File("bundle")});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("match the report"), std::string::npos) << check.out;
  const auto kpi = nlohmann::json::parse(testing::ReadFile(elsewhere.File("bundle/kpi.json")));
  EXPECT_EQ(kpi["total"]["received"], 8);
  EXPECT_EQ(kpi["total"]["open_overdue"], 1);

  // One edited event in the bundle breaks it.
  std::string events = testing::ReadFile(elsewhere.File("bundle/events.jsonl"));
  events.replace(events.find("approved"), 8, "declined");
  testing::WriteFile(elsewhere.File("bundle/events.jsonl"), events);
  auto broken = RunHoso({"audit", "check", elsewhere.File("bundle")});
  EXPECT_EQ(broken.exit_code, 3) << broken.out;
}

}  // namespace
}  // namespace hoso
