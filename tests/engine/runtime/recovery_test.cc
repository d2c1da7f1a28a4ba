// Recovery from a checkpoint plus the log tail (issue 9; docs/storage.md
// "Recovery, and why it is exact"), on the in-memory store:
//  - an engine dropped after any commit (or with a batch applied but never
//    written) and reopened continues to exactly the store an engine that
//    never stopped writes, byte for byte;
//  - a property test: random batch sizes, forced checkpoints and restarts
//    give the same projections (KPI cells, open dossiers, dossier records,
//    alerts, the logged events) as one uninterrupted run, and between
//    commits the store reads as the engine's memory;
//  - duplicates of stored events are confirmed in any order;
//  - a rebuild by `hoso replay`'s engine, which indexes only derived event
//    ids, writes the live log.
// The events are a loadgen year with duplicates and bad records mixed in.
// HOSO_TEST_SEED=<seed> reruns one property case.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/committer.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/log_replayer.h"
#include "projections/alert_log.h"
#include "projections/event_log.h"
#include "projections/kpi_cells.h"
#include "projections/memory_kv_store.h"
#include "projections/open_dossiers.h"
#include "tests/testing/loadgen_year.h"

namespace hoso::runtime {
namespace {

using projections::Column;
using projections::MemoryKvStore;

constexpr char kSource[] = "test";

// A loadgen year of `dossiers` dossiers, with every 97th line repeated (a
// duplicate), every 89th followed by a line that is not an event, and one
// event whose id is reused with other content (a conflicting duplicate).
std::vector<std::string> Events(int64_t dossiers, uint64_t seed) {
  std::vector<std::string> records;
  const std::vector<std::string> lines = hoso::testing::LoadgenLines(dossiers, seed);
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    records.push_back(line);
    if (n % 97 == 5) records.push_back(line);
    if (n % 89 == 7) records.push_back("{\"not\": \"an event\"}");
    if (n == 300) {
      std::string conflicting = line;
      conflicting.insert(conflicting.size() - 1, ",\"x_note\":\"edited\"");
      records.push_back(conflicting);
    }
  }
  return records;
}

// Drives one engine over a store as the pipeline does, and can drop it.
class Driver {
 public:
  // Records [from, from + count) as the source hands them over: partition 0,
  // the offset being the record's index.
  static std::vector<RawRecord> BatchOf(const std::vector<std::string>& records, size_t from,
                                        size_t count) {
    std::vector<RawRecord> batch;
    for (size_t i = from; i < std::min(records.size(), from + count); ++i) {
      batch.emplace_back(records[i], 0, static_cast<int64_t>(i));
    }
    return batch;
  }

  Driver(MemoryKvStore* store, uint64_t checkpoint_events)
      : store_(store),
        machine_(&hoso::testing::BuiltIn().calendar, &hoso::testing::BuiltIn().catalog),
        checkpoint_events_(checkpoint_events) {
    Reopen();
  }

  // Drops the engine (everything not written is lost) and opens a new one.
  void Reopen() {
    engine_.reset();
    EngineOptions options;
    options.checkpoint_events = checkpoint_events_;
    options.checkpoint_interval_ms = 0;
    auto engine = Engine::Open(store_, &machine_, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    auto position = engine_->LoadPosition(kSource);
    ASSERT_TRUE(position.ok());
    next_ = position->has_value() ? std::stoul(**position) : 0;
  }

  // The index of the next record to read (the stored position after a restart).
  size_t next() const { return next_; }
  Engine& engine() { return *engine_; }

  // Applies records [next, next + count) in memory.
  void Apply(const std::vector<std::string>& records, size_t count) {
    const std::vector<RawRecord> batch = BatchOf(records, next_, count);
    auto result = engine_->Apply(batch);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    next_ += batch.size();
  }
  // Applies records [from, from + count) again, as a source that delivers
  // them twice would, without moving the position; returns the duplicates
  // the engine found among them.
  int64_t Redeliver(const std::vector<std::string>& records, size_t from, size_t count) {
    auto result = engine_->Apply(BatchOf(records, from, count));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->duplicates : -1;
  }
  // Seals what was applied with the position reached and writes it.
  void Commit(bool force_checkpoint = false) {
    auto commit = engine_->Seal(
        {{kSource, std::to_string(next_)}},
        force_checkpoint ? Engine::CheckpointPolicy::kNow : Engine::CheckpointPolicy::kWhenDue);
    ASSERT_TRUE(commit.ok()) << commit.status().ToString();
    ASSERT_NE(*commit, nullptr);
    (*commit)->Prepare();
    ASSERT_TRUE(store_->Write(*(*commit)->batch).ok());
    engine_->Committed(**commit);
  }

 private:
  MemoryKvStore* store_;
  core::DossierStateMachine machine_;
  uint64_t checkpoint_events_;
  std::unique_ptr<Engine> engine_;
  size_t next_ = 0;
};

// Every table of a store, byte for byte.
std::string Everything(const MemoryKvStore& store) {
  std::string out;
  for (int c = 0; c < projections::kColumnCount; ++c) {
    out += std::string(projections::ColumnName(static_cast<Column>(c))) + "\n";
    for (const auto& [key, value] : store.table(static_cast<Column>(c))) {
      out += std::to_string(key.size()) + ":" + key + std::to_string(value.size()) + ":" + value;
    }
  }
  return out;
}

// What users see, whatever the batching: the logged events one by one, the
// alerts, the KPI cells, the open dossiers, every dossier record.
struct Projections {
  std::vector<std::string> log;
  std::vector<std::string> alerts;
  std::map<projections::KpiKey, core::KpiCounters> kpi;
  projections::OpenDossiers open;
  std::map<std::string, std::string> records;
  bool operator==(const Projections&) const = default;
};

Projections Read(MemoryKvStore& store) {
  Projections p;
  projections::LogReader log(&store);
  EXPECT_TRUE(log.ForEach(1,
                          [&](const projections::LogEntry& e) {
                            p.log.push_back(std::to_string(e.sequence) + " " +
                                            std::to_string(e.derived) + " " +
                                            std::to_string(e.offset) + " " +
                                            std::to_string(e.dossier_sequence) + " " +
                                            std::string(e.chain_hash) + std::string(e.bytes));
                            return core::Status::Ok();
                          })
                  .ok());
  EXPECT_TRUE(projections::ForEachAlert(store, 0, [&](const projections::StoredAlert& a) {
                p.alerts.push_back(std::to_string(a.sequence) + " " + std::string(a.json));
                return core::Status::Ok();
              }).ok());
  auto kpi = projections::LoadKpiCells(store);
  EXPECT_TRUE(kpi.ok());
  if (kpi.ok()) p.kpi = *kpi;
  auto open = projections::LoadOpenDossiers(store);
  EXPECT_TRUE(open.ok());
  if (open.ok()) p.open = *open;
  for (Column c : {Column::kOpenDossiers, Column::kDossiers}) {
    for (const auto& [key, value] : store.table(c)) p.records[key] = value;
  }
  return p;
}

uint64_t Seed() {
  if (const char* env = std::getenv("HOSO_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}();
}

class RecoveryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { records_ = new std::vector<std::string>(Events(400, 11)); }
  static std::vector<std::string>* records_;
};
std::vector<std::string>* RecoveryTest::records_ = nullptr;

// The uninterrupted run: batches of `batch_size`, then a final checkpoint.
std::string Uninterrupted(const std::vector<std::string>& records, size_t batch_size,
                          uint64_t checkpoint_events) {
  MemoryKvStore store;
  Driver driver(&store, checkpoint_events);
  while (driver.next() < records.size()) {
    driver.Apply(records, batch_size);
    driver.Commit();
  }
  driver.Commit(/*force_checkpoint=*/true);
  return Everything(store);
}

TEST_F(RecoveryTest, ARestartAfterAnyCommitEqualsNeverStopping) {
  constexpr size_t kBatch = 41;
  constexpr uint64_t kCheckpointEvents = 150;  // several checkpoints, tails of every length
  const std::string expected = Uninterrupted(*records_, kBatch, kCheckpointEvents);
  const size_t commits = (records_->size() + kBatch - 1) / kBatch;
  ASSERT_GT(commits, 20u);
  for (size_t crash_after = 0; crash_after < commits; crash_after += 3) {
    MemoryKvStore store;
    Driver driver(&store, kCheckpointEvents);
    for (size_t commit = 0; driver.next() < records_->size(); ++commit) {
      driver.Apply(*records_, kBatch);
      if (commit == crash_after) {
        // The next batch is applied but never written: lost with the process.
        driver.Apply(*records_, kBatch);
        driver.Reopen();
        continue;
      }
      driver.Commit();
      if (commit == crash_after + 1) driver.Reopen();  // right after a write
    }
    driver.Commit(/*force_checkpoint=*/true);
    ASSERT_EQ(Everything(store), expected) << "crash after commit " << crash_after;
  }
}

TEST_F(RecoveryTest, ARestartRightAfterACheckpointAndRightBeforeOneChangesNothing) {
  constexpr size_t kBatch = 50;
  const std::string expected = Uninterrupted(*records_, kBatch, /*checkpoint_events=*/100);
  MemoryKvStore store;
  Driver driver(&store, 100);
  while (driver.next() < records_->size()) {
    driver.Apply(*records_, kBatch);
    driver.Commit();
    driver.Reopen();  // after every commit: checkpoints and their eves alike
  }
  driver.Commit(/*force_checkpoint=*/true);
  EXPECT_EQ(Everything(store), expected);
}

// Engine::ReserveIds (`hoso replay` sizes the dedup indexes for the whole
// log before it starts) must change nothing but memory: with it and without
// it, at the start and after a restart (indexes loaded from the log, then
// grown), the store is the same, events delivered again after the sizing
// are still duplicates, and earlier dossiers are still found.
TEST_F(RecoveryTest, SizingTheDedupIndexesAheadChangesNothing) {
  constexpr size_t kBatch = 50;
  constexpr size_t kRedelivered = 400;
  // The dossiers of the first records: by the restart most have finished
  // and left memory, so they are found through the dossier index.
  std::vector<std::string> first_dossiers;
  for (size_t i = 0; i < kRedelivered; ++i) {
    const std::string& line = (*records_)[i];
    constexpr std::string_view kKey = "\"dossier_id\":\"";
    const size_t at = line.find(kKey);
    if (at == std::string::npos) continue;
    const size_t from = at + kKey.size();
    first_dossiers.push_back(line.substr(from, line.find('"', from) - from));
  }
  ASSERT_GT(first_dossiers.size(), 100u);
  auto run = [&](bool reserve, int64_t* duplicates_redelivered, size_t* dossiers_found) {
    MemoryKvStore store;
    Driver driver(&store, /*checkpoint_events=*/200);
    if (reserve) driver.engine().ReserveIds(records_->size(), records_->size() / 2);
    bool restarted = false;
    while (driver.next() < records_->size()) {
      driver.Apply(*records_, kBatch);
      driver.Commit();
      if (!restarted && driver.next() >= records_->size() / 2) {
        restarted = true;
        driver.Reopen();
        if (reserve) driver.engine().ReserveIds(records_->size() * 8, records_->size() * 4);
        *duplicates_redelivered = driver.Redeliver(*records_, 0, kRedelivered);
        *dossiers_found = 0;
        for (const std::string& id : first_dossiers) {
          auto found = driver.engine().FindDossierChange(id);
          EXPECT_TRUE(found.ok()) << found.status().ToString();
          if (found.ok() && found->has_value()) ++*dossiers_found;
        }
        driver.Commit();
      }
    }
    driver.Commit(/*force_checkpoint=*/true);
    return Everything(store);
  };
  int64_t duplicates_without = 0;
  int64_t duplicates_with = 0;
  size_t found_without = 0;
  size_t found_with = 0;
  const std::string without = run(false, &duplicates_without, &found_without);
  const std::string with = run(true, &duplicates_with, &found_with);
  EXPECT_EQ(with, without);
  EXPECT_EQ(found_without, first_dossiers.size());
  EXPECT_EQ(found_with, found_without);
  // Every event among the first records is a duplicate the second time (the
  // lines that are not events are rejected, not counted).
  EXPECT_GT(duplicates_without, static_cast<int64_t>(kRedelivered) * 9 / 10);
  EXPECT_EQ(duplicates_with, duplicates_without);
}

// `hoso replay`'s engine indexes only the event ids of the derived namespace
// (EngineOptions::index_input_event_ids off): its rebuild must be the one an
// engine indexing every id writes, and the live log. Here an input event
// holds the id of the overdue the engine would derive later for its
// dossier: live, the engine then derives none (the id is taken), and a
// rebuild must find that id too. The engine refuses new input.
TEST_F(RecoveryTest, ARebuildIndexingOnlyDerivedIdsWritesTheLiveLog) {
  std::vector<std::string> records = *records_;
  // After the loadgen year's last event (2020-01-22): X is due Tue 09:00,
  // and Y's receipt moves the clock past that.
  records.push_back(
      R"({"event_id":"X:1","dossier_id":"X","type":"received",)"
      R"("occurred_at":"2020-02-03T09:00:00+07:00","agency_id":"hbt-bo-phan-mot-cua",)"
      R"("procedure_id":"district-ket-hon-yeu-to-nuoc-ngoai","channel":"direct",)"
      R"("one_stop":true,"due_at":"2020-02-04T09:00:00+07:00"})");
  records.push_back(
      R"({"event_id":"hoso-overdue:X:20200204T0900","dossier_id":"X","type":"transferred",)"
      R"("occurred_at":"2020-02-03T10:00:00+07:00","agency_id":"hbt-bo-phan-mot-cua",)"
      R"("to_agency_id":"hbt-phong-tu-phap","reason":"Chuyển phòng chuyên môn thụ lý"})");
  records.push_back(
      R"({"event_id":"Y:1","dossier_id":"Y","type":"received",)"
      R"("occurred_at":"2020-02-05T09:00:00+07:00","agency_id":"hbt-bo-phan-mot-cua",)"
      R"("procedure_id":"district-ket-hon-yeu-to-nuoc-ngoai","channel":"direct",)"
      R"("one_stop":true,"due_at":"2020-02-20T09:00:00+07:00"})");
  MemoryKvStore live;
  {
    Driver driver(&live, /*checkpoint_events=*/150);
    while (driver.next() < records.size()) {
      driver.Apply(records, 60);
      driver.Commit();
    }
    driver.Commit(/*force_checkpoint=*/true);
  }
  size_t derived = 0;
  size_t derived_of_x = 0;
  size_t events_of_x = 0;
  ASSERT_TRUE(projections::LogReader(&live)
                  .ForEach(1,
                           [&](const projections::LogEntry& e) {
                             derived += e.derived;
                             if (e.dossier_id == "X") {
                               ++events_of_x;
                               derived_of_x += e.derived;
                             }
                             return core::Status::Ok();
                           })
                  .ok());
  EXPECT_GT(derived, 5u);  // the year's own overdue events
  EXPECT_EQ(events_of_x, 2u);
  EXPECT_EQ(derived_of_x, 0u);

  auto rebuild = [&](bool index_input_event_ids) {
    MemoryKvStore target;
    core::DossierStateMachine machine(&hoso::testing::BuiltIn().calendar,
                                      &hoso::testing::BuiltIn().catalog);
    EngineOptions options;
    options.checkpoint_events = 150;
    options.checkpoint_interval_ms = 0;
    options.index_input_event_ids = index_input_event_ids;
    auto engine = Engine::Open(&target, &machine, options);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    if (!engine.ok()) return Projections{};
    Committer committer(&target, /*threaded=*/false);
    ReplayOptions replay_options;
    replay_options.size_for_whole_log = true;
    auto replayed = ReplayLog(live, **engine, &committer, replay_options);
    EXPECT_TRUE(replayed.ok()) << replayed.status().ToString();
    if (!index_input_event_ids) {
      auto refused = (*engine)->Apply(Driver::BatchOf(records, 0, 1));
      EXPECT_EQ(refused.status().code(), core::StatusCode::kInvalidArgument);
    }
    return Read(target);
  };
  const Projections every_id = rebuild(true);
  const Projections derived_ids = rebuild(false);
  EXPECT_EQ(derived_ids, every_id);
  EXPECT_EQ(derived_ids.log, Read(live).log);
}

// Duplicates whose first copies are in the store, redelivered in log order,
// backwards and scattered (Engine::LoggedBytes keeps the last stored
// segment it read open): each is confirmed, and an id reused with other
// content is still told apart from them.
TEST_F(RecoveryTest, DuplicatesOfStoredEventsAreConfirmedInAnyOrder) {
  const std::vector<std::string>& records = *records_;
  MemoryKvStore store;
  Driver driver(&store, /*checkpoint_events=*/100);
  while (driver.next() < records.size()) {
    driver.Apply(records, 37);  // many segments
    driver.Commit();
  }
  driver.Commit(/*force_checkpoint=*/true);
  driver.Reopen();  // every first copy is now read back from the store
  const int64_t not_events =
      std::count(records.begin(), records.end(), std::string("{\"not\": \"an event\"}"));
  // Every event record but the edited one (a field its schema does not
  // know: rejected before any duplicate check).
  const int64_t expected = static_cast<int64_t>(records.size()) - not_events - 1;
  // An event of the first segments, its instant moved by a second: its id
  // with other content.
  std::string conflicting = records[10];
  const size_t at = conflicting.find("\"occurred_at\":\"");
  ASSERT_NE(at, std::string::npos);
  // The last digit of its seconds.
  char& second = conflicting[at + std::string_view("\"occurred_at\":\"").size() +
                             std::string_view("yyyy-mm-ddThh:mm:s").size()];
  second = second == '9' ? '8' : static_cast<char>(second + 1);
  auto redeliver = [&](const std::vector<size_t>& order) {
    std::vector<RawRecord> batch;
    for (size_t i : order) batch.emplace_back(records[i], 0, static_cast<int64_t>(i));
    batch.emplace_back(conflicting, 0, static_cast<int64_t>(records.size()));
    auto result = driver.engine().Apply(batch);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(*result) : BatchResult{};
  };
  std::vector<size_t> forward(records.size());
  for (size_t i = 0; i < forward.size(); ++i) forward[i] = i;
  const std::vector<size_t> backward(forward.rbegin(), forward.rend());
  std::vector<size_t> scattered;
  for (size_t i = 0; i < forward.size(); ++i) scattered.push_back(i * 7919 % forward.size());
  for (const auto& [name, order] : {std::pair("forward", forward), std::pair("backward", backward),
                                    std::pair("scattered", scattered)}) {
    const BatchResult result = redeliver(order);
    EXPECT_EQ(result.applied, 0) << name;
    EXPECT_EQ(result.duplicates, expected) << name;
    EXPECT_EQ(result.rejected_by_code[static_cast<int>(core::RejectCode::kConflictingDuplicate)], 1)
        << name;
  }
}

TEST_F(RecoveryTest, RandomBatchesCheckpointsAndRestartsGiveTheSameProjections) {
  MemoryKvStore reference_store;
  {
    Driver driver(&reference_store, 1u << 30);  // no checkpoint until the end
    driver.Apply(*records_, records_->size());
    driver.Commit(/*force_checkpoint=*/true);
  }
  const Projections expected = Read(reference_store);
  ASSERT_GT(expected.log.size(), 900u);
  ASSERT_GT(expected.alerts.size(), 20u);
  ASSERT_GT(expected.records.size(), 399u);

  for (int round = 0; round < 6; ++round) {
    const uint64_t seed = Seed();
    SCOPED_TRACE("HOSO_TEST_SEED=" + std::to_string(seed));
    std::mt19937_64 random(seed);
    MemoryKvStore store;
    Driver driver(&store, 1 + random() % 400);
    while (driver.next() < records_->size()) {
      driver.Apply(*records_, 1 + random() % 120);
      switch (random() % 8) {
        case 0:
          driver.Reopen();  // crash before the write
          break;
        case 1:
          driver.Commit(/*force_checkpoint=*/true);
          break;
        default:
          driver.Commit();
      }
      if (random() % 6 == 0) driver.Reopen();
      // Between commits the store reads as the engine's memory.
      if (random() % 5 == 0) {
        auto kpi = projections::LoadKpiCells(store);
        ASSERT_TRUE(kpi.ok());
        ASSERT_EQ(*kpi, driver.engine().kpi_cells());
        auto open = projections::LoadOpenDossiers(store);
        ASSERT_TRUE(open.ok());
        ASSERT_EQ(*open, driver.engine().OpenDossiers());
      }
    }
    driver.Commit(/*force_checkpoint=*/true);
    const Projections got = Read(store);
    EXPECT_EQ(got.log, expected.log);
    EXPECT_EQ(got.alerts, expected.alerts);
    EXPECT_EQ(got.kpi, expected.kpi);
    EXPECT_EQ(got.open, expected.open);
    EXPECT_EQ(got.records, expected.records);
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace hoso::runtime
