// Audit (issue 5): replay equals live byte for byte, --until equals a live
// ingest cut at the same instant, verify detects edits, deletions and
// reorderings, and an exported bundle checks on its own.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/runtime/chain_hash.h"
#include "projections/alert_log.h"
#include "projections/meta.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/log_surgery.h"

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

// The same digest over what the projections say rather than how batches
// grouped it: the log's entries and the stored alerts one by one, the
// records and cells byte for byte, the meta without batch numbers. Two
// stores built from the same events in different batches agree on it.
std::string LogicalDigest(const std::string& db) {
  auto opened = connectors::RocksKvStore::Open(db, ReadOnly());
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  projections::KvStore& store = **opened;
  std::string digest;
  auto add = [&](std::string_view name, const std::string& material) {
    digest += std::string(name) + "=" + runtime::ToHex(runtime::ChainHash("", material)) + "\n";
  };
  std::string material;
  for (const testing::StoredSegment& segment : testing::ReadSegments(store)) {
    for (const testing::OwnedEntry& e : segment.entries) {
      material += std::to_string(e.derived) + "," + std::to_string(e.partition) + "," +
                  std::to_string(e.offset) + "," + std::to_string(e.dossier_sequence) + "," +
                  e.chain_hash + e.dossier_id + "\n" + e.bytes + "\n";
    }
  }
  add("log", material);
  material.clear();
  EXPECT_TRUE(projections::ForEachAlert(store, 0, [&](const projections::StoredAlert& alert) {
                material += std::to_string(alert.sequence) + std::string(alert.json) + "\n";
                return core::Status::Ok();
              }).ok());
  add("alerts", material);
  for (Column c : {Column::kOpenDossiers, Column::kDossiers, Column::kKpi, Column::kDeltas}) {
    material.clear();
    auto it = store.NewIterator(c);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      material += std::to_string(it->key().size()) + ":" + std::string(it->key()) +
                  std::to_string(it->value().size()) + ":" + std::string(it->value());
    }
    add(projections::ColumnName(c), material);
  }
  auto engine = projections::ReadEngineMeta(store);
  auto checkpoint = projections::ReadCheckpointMeta(store);
  EXPECT_TRUE(engine.ok() && engine->has_value() && checkpoint.ok() && checkpoint->has_value());
  if (engine.ok() && engine->has_value() && checkpoint.ok() && checkpoint->has_value()) {
    digest += "clock=" + std::to_string((*engine)->clock.epoch_ms) +
              " logged=" + std::to_string((*engine)->log_sequence) +
              " alerts=" + std::to_string((*engine)->alert_sequence) +
              " checkpoint=" + std::to_string((*checkpoint)->log_sequence) + "/" +
              std::to_string((*checkpoint)->alert_sequence) + "\n";
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
  // The cut was ingested in other batches than the replayed log: the same
  // events, alerts, records and cells, grouped differently.
  EXPECT_EQ(LogicalDigest(replayed), LogicalDigest(cut_db));
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

// Where a dossier's first two events are in the stored log.
struct EventPair {
  std::string dossier_id;
  size_t first_segment = 0, first_entry = 0;
  size_t second_segment = 0, second_entry = 0;
};

// The first dossier with two events, both in one segment when `same_segment`.
EventPair FindPair(const std::vector<testing::StoredSegment>& log, bool same_segment) {
  std::map<std::string, std::pair<size_t, size_t>> first_event;
  for (size_t s = 0; s < log.size(); ++s) {
    for (size_t e = 0; e < log[s].entries.size(); ++e) {
      const testing::OwnedEntry& entry = log[s].entries[e];
      if (entry.dossier_sequence == 0) first_event[entry.dossier_id] = {s, e};
      if (entry.dossier_sequence != 1) continue;
      const auto [fs, fe] = first_event.at(entry.dossier_id);
      if (same_segment && fs != s) continue;
      return EventPair{entry.dossier_id, fs, fe, s, e};
    }
  }
  ADD_FAILURE() << "no dossier with two events";
  return {};
}

nlohmann::json VerifyBroken(const std::string& db) {
  auto verify = RunHoso({"verify", "--db", db, "--format", "json"});
  EXPECT_EQ(verify.exit_code, 3) << verify.out;
  return nlohmann::json::parse(verify.out);
}

// Each edit is made as an attacker with write access would: the segment is
// decoded, changed and stored again in the engine's own layout, chain
// hashes untouched (recomputing them cannot match the dossier state and
// month roots either; see docs/storage.md "Tamper evidence").
class TamperTest : public AuditTest {
 protected:
  void SetUp() override {
    AuditTest::SetUp();
    auto store = connectors::RocksKvStore::Open(live_, Existing());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    log_ = testing::ReadSegments(*store_);
    ASSERT_GT(log_.size(), 1u);
  }
  // Writes back the segments `edit` changed and closes the store.
  void Store(std::initializer_list<size_t> segments) {
    for (size_t s : segments) testing::WriteSegment(*store_, log_[s]);
    store_.reset();
  }
  std::unique_ptr<projections::KvStore> store_;
  std::vector<testing::StoredSegment> log_;
};

TEST_F(TamperTest, EditingOneByteOfOneEventIsNamed) {
  const EventPair pair = FindPair(log_, false);
  std::string& bytes = log_[pair.first_segment].entries[pair.first_entry].bytes;
  bytes.back() = bytes.back() == '}' ? ' ' : '}';  // one byte of the event JSON
  Store({pair.first_segment});
  const auto report = VerifyBroken(live_);
  EXPECT_EQ(report["dossier_id"], pair.dossier_id);
  EXPECT_EQ(report["sequence"], 0);
}

TEST_F(TamperTest, DeletingAnEventIsNamed) {
  // Both events in one segment, so the dossier's broken chain is the first
  // problem met; otherwise the walk first meets the gap in the global
  // sequence, a problem of the log rather than of one dossier.
  const EventPair pair = FindPair(log_, true);
  auto& entries = log_[pair.first_segment].entries;
  entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(pair.first_entry));
  Store({pair.first_segment});
  const auto report = VerifyBroken(live_);
  EXPECT_EQ(report["dossier_id"], pair.dossier_id);
  EXPECT_NE(report["problem"].get<std::string>().find("missing"), std::string::npos)
      << report.dump();
}

TEST_F(TamperTest, DeletingASegmentIsFound) {
  auto batch = store_->NewBatch();
  batch->Delete(Column::kLog, log_[1].key);
  batch->Delete(Column::kLogIndex, log_[1].key);
  ASSERT_TRUE(store_->Write(*batch).ok());
  store_.reset();
  const auto report = VerifyBroken(live_);
  EXPECT_NE(report["problem"].get<std::string>().find("missing"), std::string::npos)
      << report.dump();
}

TEST_F(TamperTest, ReorderingTwoEventsIsNamed) {
  const EventPair pair = FindPair(log_, false);
  std::swap(log_[pair.first_segment].entries[pair.first_entry].bytes,
            log_[pair.second_segment].entries[pair.second_entry].bytes);
  Store({pair.first_segment, pair.second_segment});
  EXPECT_EQ(VerifyBroken(live_)["dossier_id"], pair.dossier_id);
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
