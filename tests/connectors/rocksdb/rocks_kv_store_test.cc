#include "connectors/rocksdb/rocks_kv_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/testing/cli_runner.h"

namespace hoso::connectors {
namespace {

using projections::Column;

// Writes one value to the KPI family and one to the log family, without a
// flush: the values live only in the write-ahead log and the memtables.
void WriteUnflushed(const std::string& path) {
  auto writer = RocksKvStore::Open(path);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  auto batch = (*writer)->NewBatch();
  batch->Put(Column::kKpi, "2019-06|agency", "counters");
  batch->Put(Column::kLog, "segment-1", std::string(1 << 20, 'x'));
  batch->Put(Column::kMeta, "engine", "meta");
  ASSERT_TRUE((*writer)->Write(*batch).ok());
}

// A query's open: read-only, of an existing database, the families in `columns`.
RocksOptions ReadOnly(uint32_t columns) {
  RocksOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  options.columns = columns;
  return options;
}

TEST(RocksKvStoreTest, ReadOnlySubsetReadsItsFamiliesFromAnUnflushedLog) {
  testing::TempDir dir;
  const std::string path = dir.File("db");
  WriteUnflushed(path);  // closed without a flush: what a crash leaves to read
  ASSERT_GT(RocksKvStore::WriteAheadLogBytes(path), uint64_t{1} << 20);
  EXPECT_EQ(RocksKvStore::WriteAheadLogBytes(dir.File("absent")), 0u);

  auto store =
      RocksKvStore::Open(path, ReadOnly(ColumnBit(Column::kKpi) | ColumnBit(Column::kMeta)));
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  std::string value;
  ASSERT_TRUE((*store)->Get(Column::kKpi, "2019-06|agency", &value).ok());
  EXPECT_EQ(value, "counters");
  ASSERT_TRUE((*store)->Get(Column::kMeta, "engine", &value).ok());
  EXPECT_EQ(value, "meta");
  auto it = (*store)->NewIterator(Column::kKpi);
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "2019-06|agency");
}

TEST(RocksKvStoreTest, AFamilyLeftOutIsAnErrorNotAnEmptyFamily) {
  testing::TempDir dir;
  const std::string path = dir.File("db");
  WriteUnflushed(path);

  auto store = RocksKvStore::Open(path, ReadOnly(ColumnBit(Column::kMeta)));
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  std::string value;
  core::Status got = (*store)->Get(Column::kLog, "segment-1", &value);
  EXPECT_EQ(got.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(got.ToString().find("'log'"), std::string::npos) << got.ToString();
  auto it = (*store)->NewIterator(Column::kKpi);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(it->status().code(), core::StatusCode::kInvalidArgument);
}

TEST(RocksKvStoreTest, TheWholeDatabaseStillReadsEverything) {
  testing::TempDir dir;
  const std::string path = dir.File("db");
  WriteUnflushed(path);

  auto store = RocksKvStore::Open(path, ReadOnly(kAllColumns));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::string value;
  ASSERT_TRUE((*store)->Get(Column::kLog, "segment-1", &value).ok());
  EXPECT_EQ(value.size(), size_t{1} << 20);
}

// A batch of checkpoint size is followed by a flush of every family: the
// memtables holding it are switched at once, so the WAL stops holding it as
// soon as RocksDB has written them (what a query after a crash replays). A
// smaller batch stays in the active memtables.
TEST(RocksKvStoreTest, ABatchOfCheckpointSizeSwitchesEveryMemtable) {
  testing::TempDir dir;
  RocksOptions options;
  options.flush_after_batch_bytes = 1 << 20;
  auto store = RocksKvStore::Open(dir.File("db"), options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto active_entries = [&](Column column) -> uint64_t {
    auto entries = (*store)->IntProperty(column, "rocksdb.num-entries-active-mem-table");
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    return entries.ok() ? *entries : 0;
  };

  auto small = (*store)->NewBatch();
  small->Put(Column::kOpenDossiers, "dossier-0", "state");
  small->Put(Column::kMeta, "engine", "meta");
  ASSERT_TRUE((*store)->Write(*small).ok());
  EXPECT_EQ(active_entries(Column::kOpenDossiers), 1u);
  EXPECT_GE(active_entries(Column::kMeta), 1u);

  auto large = (*store)->NewBatch();
  for (int i = 1; i <= 2000; ++i) {
    large->Put(Column::kOpenDossiers, "dossier-" + std::to_string(i), std::string(1024, 's'));
  }
  large->Put(Column::kMeta, "checkpoint", "meta");
  ASSERT_TRUE((*store)->Write(*large).ok());
  EXPECT_EQ(active_entries(Column::kOpenDossiers), 0u);
  EXPECT_EQ(active_entries(Column::kMeta), 0u);

  // Nothing is lost on the way to the table files.
  std::string value;
  ASSERT_TRUE((*store)->Get(Column::kOpenDossiers, "dossier-0", &value).ok());
  EXPECT_EQ(value, "state");
  ASSERT_TRUE((*store)->Get(Column::kOpenDossiers, "dossier-2000", &value).ok());
  EXPECT_EQ(value.size(), 1024u);
  ASSERT_TRUE((*store)->Get(Column::kMeta, "checkpoint", &value).ok());
  EXPECT_EQ(value, "meta");

  auto unknown = (*store)->IntProperty(Column::kMeta, "rocksdb.no-such-property");
  EXPECT_EQ(unknown.status().code(), core::StatusCode::kNotFound);
}

// Batches given back are reused: each request gets the smallest that holds
// its reservation (a small write must not take the buffer a commit needs
// next), and a new batch holds a quarter more than asked, so that it serves
// the next requests of about its size.
TEST(RocksKvStoreTest, ARecycledBatchServesTheRequestsItHolds) {
  testing::TempDir dir;
  auto store = RocksKvStore::Open(dir.File("db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  constexpr size_t kCommitBytes = 1 << 20;
  auto large = (*store)->NewBatch(kCommitBytes);
  auto small = (*store)->NewBatch(0);
  const projections::KvBatch* large_address = large.get();
  const projections::KvBatch* small_address = small.get();
  large->Put(Column::kMeta, "large", "1");
  small->Put(Column::kMeta, "small", "1");
  ASSERT_TRUE((*store)->Write(*large).ok());
  ASSERT_TRUE((*store)->Write(*small).ok());
  (*store)->Recycle(std::move(small));
  (*store)->Recycle(std::move(large));

  auto mark = (*store)->NewBatch(0);
  EXPECT_EQ(mark.get(), small_address);
  auto commit = (*store)->NewBatch(kCommitBytes + kCommitBytes / 5);
  EXPECT_EQ(commit.get(), large_address);
  EXPECT_EQ(commit->Count(), 0u);  // emptied for its new use
  auto another = (*store)->NewBatch(kCommitBytes);
  EXPECT_NE(another.get(), large_address);
  EXPECT_NE(another.get(), small_address);
}

// Checkpoints in a row switch the memtables faster than the flush thread
// writes them; RocksDB must go on taking writes meanwhile, not stop them all
// until a flush ends (which it logs as "Stopping writes"). In `serve` the
// flush after a checkpoint and the one the WAL bound asks for soon after did
// that, and the engine waited for its commits up to 0.4 s.
TEST(RocksKvStoreTest, CheckpointsInARowNeverStopWrites) {
  testing::TempDir dir;
  const std::string path = dir.File("db");
  RocksOptions options;
  options.flush_after_batch_bytes = 1 << 20;
  {
    auto store = RocksKvStore::Open(path, options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int checkpoint = 0; checkpoint < 2; ++checkpoint) {
      auto batch = (*store)->NewBatch();
      for (int i = 0; i < 1100; ++i) {
        batch->Put(Column::kOpenDossiers,
                   "dossier-" + std::to_string(checkpoint) + "-" + std::to_string(i),
                   std::string(1024, 'a' + checkpoint));
      }
      batch->Put(Column::kMeta, "checkpoint", std::to_string(checkpoint));
      ASSERT_TRUE((*store)->Write(*batch).ok());
    }
    std::string value;
    ASSERT_TRUE((*store)->Get(Column::kMeta, "checkpoint", &value).ok());
    EXPECT_EQ(value, "1");
  }
  std::ifstream log(path + "/LOG");
  ASSERT_TRUE(log.is_open());
  std::string line;
  int stops = 0;
  while (std::getline(log, line)) stops += line.find("Stopping writes") != std::string::npos;
  EXPECT_EQ(stops, 0) << "RocksDB stopped writes while memtables waited for a flush";
}

}  // namespace
}  // namespace hoso::connectors
