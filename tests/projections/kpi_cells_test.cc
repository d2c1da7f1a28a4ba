// KPI cells (docs/kpis.md; docs/storage.md "Column families", "Checkpoints"): keys and counters
// round-trip at their limits and sort by month; a store's cells are its
// checkpointed base with every later batch delta folded in, in order.
#include "projections/kpi_cells.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <vector>

#include "projections/batch_delta.h"
#include "projections/memory_kv_store.h"
#include "tests/projections/long_ids.h"

namespace hoso::projections {
namespace {

using testing::LongestId;

TEST(KpiCellsTest, KeyAndCountersRoundTripAtTheirLimits) {
  KpiKey key{999912, LongestId('\x80'), LongestId('\x81'), std::numeric_limits<int32_t>::min()};
  auto decoded = DecodeKpiKey(EncodeKpiKey(key));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, key);
  KpiKey earlier{999911, LongestId('\x81'), "", std::numeric_limits<int32_t>::max()};
  EXPECT_LT(EncodeKpiKey(earlier), EncodeKpiKey(key));  // month first, whatever the ids
  core::KpiCounters counters;
  for (size_t i = 0; i < counters.values.size(); ++i) {
    counters.values[i] =
        i % 2 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  auto back = DecodeKpiCounters(EncodeKpiCounters(counters));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, counters);
  EXPECT_FALSE(DecodeKpiKey(EncodeKpiKey(key).substr(0, 20)).ok());
  EXPECT_FALSE(DecodeKpiCounters(EncodeKpiCounters(counters).substr(1)).ok());
}

TEST(KpiCellsTest, AStoreReadsAsItsCheckpointPlusLaterDeltas) {
  MemoryKvStore store;
  core::IdTable ids;
  const uint32_t agency = ids.Intern("phuong-a");
  const uint32_t procedure = ids.Intern(LongestId('\x80'));
  KpiCells cells(&ids);
  uint64_t serial = 0;
  // Three batches; a checkpoint after the second.
  auto commit_batch = [&](bool checkpoint) {
    BatchDeltaWriter delta;
    std::vector<KpiChange> changed;
    cells.TakeBatchChanges(&delta, &changed);
    auto batch = store.NewBatch();
    ++serial;
    if (checkpoint) {
      cells.WriteCheckpoint(batch.get());
      batch->DeleteRange(Column::kDeltas, DeltaKey(0), DeltaKey(serial + 1));
    } else {
      std::string buffer;
      batch->Put(Column::kDeltas, DeltaKey(serial), EncodeBatchDelta(delta.Take({}), &buffer));
    }
    EXPECT_TRUE(store.Write(*batch).ok());
    return changed;
  };
  cells.Add(201906, agency, procedure, 0, core::KpiField::kReceived);
  cells.Add(201906, agency, procedure, 1, core::KpiField::kReceived);
  auto changed = commit_batch(false);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0].key(), (KpiKey{201906, "phuong-a", LongestId('\x80'), 0}));
  EXPECT_EQ(changed[1].key(), (KpiKey{201906, "phuong-a", LongestId('\x80'), 1}));
  EXPECT_EQ(changed[0].counters[core::KpiField::kReceived], 1);
  // One copy of the ids for every cell of an agency and procedure.
  EXPECT_EQ(changed[0].names, changed[1].names);
  cells.Add(201906, agency, procedure, 0, core::KpiField::kResolvedLate);
  commit_batch(true);
  cells.Add(201906, agency, procedure, 0, core::KpiField::kReceived);
  cells.Add(201907, agency, procedure, 0, core::KpiField::kReceived);
  changed = commit_batch(false);
  ASSERT_EQ(changed.size(), 2u);

  auto loaded = LoadKpiCells(store);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*loaded, cells.Snapshot());
  const KpiKey june{201906, "phuong-a", LongestId('\x80'), 0};
  EXPECT_EQ(loaded->at(june)[core::KpiField::kReceived], 2);
  EXPECT_EQ(loaded->at(june)[core::KpiField::kResolvedLate], 1);

  // A restarted engine loads the same cells and knows which the next
  // checkpoint must write.
  core::IdTable reloaded_ids;
  KpiCells reloaded(&reloaded_ids);
  ASSERT_TRUE(reloaded.Load(store, &reloaded_ids).ok());
  EXPECT_EQ(reloaded.Snapshot(), cells.Snapshot());
  auto batch = store.NewBatch();
  reloaded.WriteCheckpoint(batch.get());
  batch->DeleteRange(Column::kDeltas, DeltaKey(0), DeltaKey(serial + 1));
  ASSERT_TRUE(store.Write(*batch).ok());
  EXPECT_TRUE(store.table(Column::kDeltas).empty());
  auto after = LoadKpiCells(store);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, cells.Snapshot());
}

TEST(KpiCellsTest, SummedOverPartitionsSumsEachCellsPartitionsInKeyOrder) {
  core::IdTable ids;
  KpiCells cells(&ids);
  // Interned out of name order: the sums come out in KpiKey order anyway.
  const uint32_t ward_b = ids.Intern("ward-b");
  const uint32_t ward_a = ids.Intern("ward-a");
  const uint32_t p2 = ids.Intern("p2");
  const uint32_t p1 = ids.Intern("p1");
  cells.Add(201906, ward_b, p1, 3, core::KpiField::kReceived);
  cells.Add(201906, ward_b, p1, 0, core::KpiField::kReceived);
  cells.Add(201906, ward_b, p1, 7, core::KpiField::kResolvedLate);
  cells.Add(201906, ward_a, p2, 1, core::KpiField::kReceived);
  cells.Add(201906, ward_a, p1, 2, core::KpiField::kReceived);
  cells.Add(201907, ward_a, p1, 2, core::KpiField::kReceived);
  cells.Add(201905, ward_a, p1, 2, core::KpiField::kReceived);  // before the window

  const std::vector<SummedKpiCell> summed = cells.SummedOverPartitions(201906);
  ASSERT_EQ(summed.size(), 4u);
  std::map<KpiKey, core::KpiCounters> expected;
  for (const auto& [key, counters] : cells.Snapshot()) {
    if (key.month_key < 201906) continue;
    expected[KpiKey{key.month_key, key.agency_id, key.procedure_id, 0}] += counters;
  }
  auto want = expected.begin();
  for (const SummedKpiCell& cell : summed) {
    ASSERT_NE(want, expected.end());
    EXPECT_EQ(cell.month_key, want->first.month_key);
    EXPECT_EQ(cell.agency_id, want->first.agency_id);
    EXPECT_EQ(cell.procedure_id, want->first.procedure_id);
    EXPECT_EQ(cell.counters, want->second);
    ++want;
  }
  EXPECT_EQ(summed[2].agency_id, "ward-b");
  EXPECT_EQ(summed[2].counters[core::KpiField::kReceived], 2);
  EXPECT_EQ(summed[2].counters[core::KpiField::kResolvedLate], 1);
}

}  // namespace
}  // namespace hoso::projections
