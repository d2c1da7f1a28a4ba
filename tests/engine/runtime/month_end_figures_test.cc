// Month-end figures (projections/month_end_figures.h; docs/storage.md
// "Month-end figures"): what the engine stores when it passes a month's end
// equals a fold of the whole log as of that instant, and an event logged
// later but dated at or before it makes those figures (and every later
// month's) stale, never wrong.
#include "projections/month_end_figures.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/engine.h"
#include "engine/runtime/log_replayer.h"
#include "projections/memory_kv_store.h"
#include "projections/open_dossiers.h"
#include "tests/testing/loadgen_year.h"

namespace hoso::runtime {
namespace {

using projections::MemoryKvStore;

// Applies `records` in batches of `batch_size`, writing every commit.
void Ingest(MemoryKvStore* store, const core::DossierStateMachine& machine,
            const std::vector<std::string>& records, size_t batch_size) {
  EngineOptions options;
  options.checkpoint_events = 500;
  options.checkpoint_interval_ms = 0;
  auto engine = Engine::Open(store, &machine, options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  for (size_t at = 0; at < records.size(); at += batch_size) {
    std::vector<RawRecord> batch;
    for (size_t i = at; i < std::min(records.size(), at + batch_size); ++i) {
      batch.emplace_back(records[i], 0, static_cast<int64_t>(i));
    }
    auto applied = (*engine)->ApplyBatch(batch, {{"test", std::to_string(at + batch.size())}});
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }
}

// What a fold of the whole log as of `as_of` says, in the stored form: cells
// of the figures' window summed over partitions, and the open counts.
projections::MonthEndFigures Fold(MemoryKvStore& store, const core::DossierStateMachine& machine,
                                  core::Instant as_of) {
  EngineOptions options;
  options.persist = false;
  options.until = as_of;
  auto engine = Engine::Open(nullptr, &machine, options);
  EXPECT_TRUE(engine.ok());
  EXPECT_TRUE(ReplayLog(store, **engine, nullptr, ReplayOptions{}).ok());
  projections::MonthEndFigures folded;
  folded.month_key = core::MonthKeyOf(as_of);
  const int first_month = projections::MonthEndWindowStart(folded.month_key);
  for (const auto& [key, counters] : (*engine)->kpi_cells()) {
    if (key.month_key < first_month) continue;
    projections::KpiKey summed = key;
    summed.partition = 0;
    folded.cells[summed] += counters;
  }
  folded.open = projections::CountOpen((*engine)->OpenDossiers(), as_of);
  return folded;
}

void ExpectSameFigures(const projections::MonthEndFigures& stored,
                       const projections::MonthEndFigures& folded, int month_key) {
  EXPECT_EQ(stored.cells, folded.cells) << month_key;
  ASSERT_EQ(stored.open.size(), folded.open.size()) << month_key;
  for (size_t i = 0; i < stored.open.size(); ++i) {
    EXPECT_EQ(stored.open[i].agency_id, folded.open[i].agency_id) << month_key;
    EXPECT_EQ(stored.open[i].procedure_id, folded.open[i].procedure_id) << month_key;
    EXPECT_EQ(stored.open[i].open, folded.open[i].open) << month_key;
    EXPECT_EQ(stored.open[i].open_overdue, folded.open[i].open_overdue) << month_key;
    EXPECT_EQ(stored.open[i].feedback_open, folded.open[i].feedback_open) << month_key;
    EXPECT_EQ(stored.open[i].feedback_open_overdue, folded.open[i].feedback_open_overdue)
        << month_key;
  }
}

TEST(MonthEndFiguresTest, EveryStoredMonthEndEqualsAFoldOfTheLog) {
  const core::DossierStateMachine machine(&hoso::testing::BuiltIn().calendar,
                                          &hoso::testing::BuiltIn().catalog);
  MemoryKvStore store;
  Ingest(&store, machine, hoso::testing::LoadgenLines(600, 5), 97);
  int stored_months = 0;
  for (int month = 1; month <= 12; ++month) {
    const int month_key = 201900 + month;
    const core::Instant as_of = projections::MonthEndInstant(month_key);
    auto stored = projections::ReadMonthEndFigures(store, as_of);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    if (!stored->has_value()) continue;
    ++stored_months;
    EXPECT_EQ((*stored)->month_key, month_key);
    EXPECT_FALSE((*stored)->cells.empty());
    ExpectSameFigures(**stored, Fold(store, machine, as_of), month_key);
  }
  // The loadgen year runs into early 2020: every month of 2019 was passed.
  EXPECT_GE(stored_months, 11);
  // Not a month's last second: nothing to read.
  auto mid_month = projections::ReadMonthEndFigures(
      store, core::Instant{projections::MonthEndInstant(201906).epoch_ms - 86400 * 1000});
  ASSERT_TRUE(mid_month.ok());
  EXPECT_FALSE(mid_month->has_value());
}

TEST(MonthEndFiguresTest, ALateEventMakesItsMonthAndLaterOnesStale) {
  const core::DossierStateMachine machine(&hoso::testing::BuiltIn().calendar,
                                          &hoso::testing::BuiltIn().catalog);
  std::vector<std::string> records = hoso::testing::LoadgenLines(300, 9);
  // A dossier received in March 2019, arriving after the rest of the year.
  std::string late;
  for (const std::string& record : records) {
    if (record.find("\"type\":\"received\"") != std::string::npos &&
        record.find("\"occurred_at\":\"2019-03-") != std::string::npos) {
      late = record;
      break;
    }
  }
  ASSERT_FALSE(late.empty());
  const std::string id_field = "\"dossier_id\":\"";
  const size_t id_at = late.find(id_field) + id_field.size();
  late.insert(id_at, "LATE-");
  const std::string event_field = "\"event_id\":\"";
  late.insert(late.find(event_field) + event_field.size(), "LATE-");

  MemoryKvStore store;
  Ingest(&store, machine, records, 101);
  for (int month_key : {201902, 201903, 201906}) {
    auto before = projections::ReadMonthEndFigures(store, projections::MonthEndInstant(month_key));
    ASSERT_TRUE(before.ok() && before->has_value()) << month_key;
  }
  Ingest(&store, machine, {late}, 1);

  auto february = projections::ReadMonthEndFigures(store, projections::MonthEndInstant(201902));
  ASSERT_TRUE(february.ok());
  ASSERT_TRUE(february->has_value()) << "the late event is dated after February";
  ExpectSameFigures(**february, Fold(store, machine, projections::MonthEndInstant(201902)), 201902);
  for (int month_key : {201903, 201906, 201912}) {
    auto after = projections::ReadMonthEndFigures(store, projections::MonthEndInstant(month_key));
    ASSERT_TRUE(after.ok());
    EXPECT_FALSE(after->has_value()) << month_key << " should be stale";
  }
}

TEST(MonthEndFiguresTest, TheLastSecondOfEachLocalMonth) {
  EXPECT_EQ(core::FormatLocal(projections::MonthEndInstant(201902)), "2019-02-28T23:59:59+07:00");
  EXPECT_EQ(core::FormatLocal(projections::MonthEndInstant(201912)), "2019-12-31T23:59:59+07:00");
  EXPECT_EQ(projections::MonthEndWindowStart(201912), 201801);
  EXPECT_EQ(projections::MonthEndWindowStart(202001), 201802);
}

}  // namespace
}  // namespace hoso::runtime
