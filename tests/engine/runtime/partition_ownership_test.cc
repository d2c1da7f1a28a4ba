// Partition ownership (EngineOptions::partition_ownership, docs/scale.md
// "Restore"): a consumer-group member fires the timers of the partitions it
// owns only, with the event-time clock each partition on its own clock; a
// partition it takes over restores on its own clock, with its alerts stored
// but not published, and publishes its KPI cells once, all of them, when it
// becomes live. Driven through runtime::Engine over
// MemoryKvStore with the built-in reference; time is an input.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/core/dossier_state_machine.h"
#include "engine/runtime/engine.h"
#include "projections/memory_kv_store.h"
#include "schemas/codec/event_codec.h"
#include "tests/testing/loadgen_year.h"

namespace hoso::runtime {
namespace {

using core::AlertKind;
using core::Event;
using core::EventType;
using core::Instant;

Instant At(const char* text) {
  auto instant = core::ParseRfc3339(text);
  EXPECT_TRUE(instant.ok()) << text;
  return *instant;
}

// One input record: an event on a partition at an offset.
struct Input {
  Event event;
  int32_t partition = 0;
  int64_t offset = 0;
};

// What one applied and committed batch did.
struct Applied {
  BatchResult result;
  std::vector<std::string> published;  // "dossier kind" of the alerts not quiet
  std::vector<std::string> quiet;      // "dossier kind" of the quiet ones
  std::vector<int32_t> republished;    // partitions whose every KPI cell the commit carries
  std::set<int32_t> kpi_partitions;    // partitions of the KPI cells the commit publishes
  core::KpiCounters kpi_sum;           // their sum
};

class PartitionOwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override { machine_ = testing::BuiltInMachine(); }

  void Open(ClockMode mode, bool ownership = true) {
    engine_.reset();
    EngineOptions options;
    options.clock_mode = mode;
    options.partition_ownership = ownership;
    options.checkpoint_interval_ms = 0;
    auto engine = Engine::Open(&store_, machine_.get(), options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  Event Received(const std::string& dossier, const char* at) {
    Event event = Make(EventType::kReceived, dossier, at);
    event.procedure_id = "ward-xac-nhan-tinh-trang-hon-nhan";
    event.processing = core::ProcessingTime{core::ProcessingKind::kWorkingDays, 3};
    return event;
  }
  Event Resolved(const std::string& dossier, const char* at) {
    return Make(EventType::kResolved, dossier, at);
  }

  Applied Apply(const std::vector<Input>& inputs) {
    std::vector<std::string> bytes;
    for (const Input& input : inputs) bytes.push_back(codec::EncodeEvent(input.event));
    std::vector<RawRecord> records;
    for (size_t i = 0; i < inputs.size(); ++i) {
      records.emplace_back(bytes[i], inputs[i].partition, inputs[i].offset);
    }
    Applied applied;
    auto result = engine_->Apply(records);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return applied;
    EXPECT_EQ(result->rejected, 0)
        << (result->rejections.empty() ? std::string() : result->rejections[0].rejection.message);
    applied.result = std::move(*result);
    Seal(&applied);
    return applied;
  }
  Applied Advance(const char* now) {
    Applied applied;
    auto result = engine_->AdvanceClock(At(now));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (result.ok()) applied.result = std::move(*result);
    Seal(&applied);
    return applied;
  }
  void Assign(int32_t partition, int64_t restore_until) {
    engine_->AssignPartition(partition, restore_until);
  }
  // Seals what ownership changes did on their own.
  Applied Flush() {
    Applied applied;
    Seal(&applied);
    return applied;
  }
  // Seals and writes what was applied, as the pipeline does.
  void Seal(Applied* applied) {
    auto commit = engine_->Seal({});
    ASSERT_TRUE(commit.ok()) << commit.status().ToString();
    if (*commit == nullptr) return;
    const Commit& c = **commit;
    for (size_t i = 0; i < c.alerts.size(); ++i) {
      std::string line(c.alerts.dossier_id(i));
      line += ' ';
      line += core::AlertKindName(c.alerts.kind(i));
      (c.alerts.quiet(i) ? applied->quiet : applied->published).push_back(line);
    }
    applied->republished = c.partitions_republished;
    for (const projections::KpiChange& change : c.changed_kpi) {
      applied->kpi_partitions.insert(change.partition);
      applied->kpi_sum += change.counters;
    }
    (*commit)->Prepare();
    ASSERT_TRUE(store_.Write(*(*commit)->batch).ok());
    engine_->Committed(**commit);
  }

  static bool Has(const std::vector<std::string>& alerts, const std::string& line) {
    for (const std::string& alert : alerts) {
      if (alert == line) return true;
    }
    return false;
  }

  std::unique_ptr<core::DossierStateMachine> machine_;
  projections::MemoryKvStore store_;
  std::unique_ptr<Engine> engine_;

 private:
  Event Make(EventType type, const std::string& dossier, const char* at) {
    Event event;
    event.event_id = "e";
    event.event_id += std::to_string(next_id_++);
    event.dossier_id = dossier;
    event.type = type;
    event.occurred_at = At(at);
    event.agency_id = "phuong-bach-khoa";
    return event;
  }
  int next_id_ = 1;
};

TEST_F(PartitionOwnershipTest, ARevokedPartitionsTimersWaitForItsNextAssignment) {
  Open(ClockMode::kWallTime);
  Assign(0, -1);
  Assign(1, -1);
  Apply({{Received("D0", "2019-06-10T08:00:00+07:00"), 0, 0},
         {Received("D1", "2019-06-10T08:00:00+07:00"), 1, 0}});
  engine_->RevokePartition(1);
  const Applied passed = Advance("2019-07-01T08:00:00+07:00");
  EXPECT_TRUE(Has(passed.published, "D0 overdue"));
  EXPECT_FALSE(Has(passed.published, "D1 overdue")) << "another instance owns partition 1 now";
  EXPECT_TRUE(passed.quiet.empty());

  // Given back with nothing to restore (this instance resumes it from its own
  // position): live at once, its timers running. Every change of its cells
  // went out in this engine's commits, so they are not sent again.
  Assign(1, -1);
  const Applied back = Advance("2019-07-01T08:01:00+07:00");
  EXPECT_TRUE(back.republished.empty());
  EXPECT_TRUE(Has(back.published, "D1 overdue"));
}

TEST_F(PartitionOwnershipTest, CellsAreRepublishedWhenThisEngineMayNotHaveSentThem) {
  Open(ClockMode::kEventTime);
  Assign(1, -1);
  EXPECT_EQ(Flush().republished, std::vector<int32_t>{1}) << "first time live since open";
  Apply({{Received("D1", "2019-06-10T08:00:00+07:00"), 1, 0}});
  engine_->RevokePartition(1);
  Assign(1, -1);
  const Applied back = Flush();
  EXPECT_TRUE(back.republished.empty());
  EXPECT_TRUE(back.kpi_partitions.empty()) << "hoso.kpi holds them already";

  // Given back after another owner moved it on: restored, then republished.
  engine_->RevokePartition(1);
  Assign(1, 3);
  const Applied restored = Apply({{Received("D2", "2019-06-11T08:00:00+07:00"), 1, 1},
                                  {Received("D3", "2019-06-12T08:00:00+07:00"), 1, 2}});
  EXPECT_EQ(restored.republished, std::vector<int32_t>{1});
  EXPECT_EQ(restored.kpi_sum[core::KpiField::kReceived], 3);

  // A restore cut short by a revoke: what it applied never went out, so the
  // partition is republished even when it comes back with nothing more to
  // restore.
  engine_->RevokePartition(1);
  Assign(1, 5);
  EXPECT_TRUE(Apply({{Received("D4", "2019-06-13T08:00:00+07:00"), 1, 3}}).kpi_partitions.empty());
  engine_->RevokePartition(1);
  Assign(1, -1);
  const Applied cut_short = Flush();
  EXPECT_EQ(cut_short.republished, std::vector<int32_t>{1});
  EXPECT_EQ(cut_short.kpi_sum[core::KpiField::kReceived], 4);

  // After a restart nothing is known to be sent (a crash may have lost the
  // last publications), and a republication revoked before its commit is
  // owed at the next assignment.
  Open(ClockMode::kEventTime);
  Assign(1, -1);
  engine_->RevokePartition(1);
  Assign(1, -1);
  const Applied after_restart = Flush();
  EXPECT_EQ(after_restart.republished, std::vector<int32_t>{1});
  EXPECT_EQ(after_restart.kpi_sum[core::KpiField::kReceived], 4);
}

TEST_F(PartitionOwnershipTest, TimersOfPartitionsNeverAssignedDoNotFireAfterARestart) {
  Open(ClockMode::kWallTime);
  Assign(3, -1);
  Apply({{Received("D3", "2019-06-10T08:00:00+07:00"), 3, 0}});
  // A restart: until the group assigns partition 3 again, it is not this
  // instance's.
  Open(ClockMode::kWallTime);
  const Applied before = Advance("2019-07-01T08:00:00+07:00");
  EXPECT_FALSE(Has(before.published, "D3 overdue"));
  EXPECT_FALSE(Has(before.published, "D3 due_soon"));
  Assign(3, -1);
  EXPECT_TRUE(Has(Advance("2019-07-01T08:01:00+07:00").published, "D3 overdue"));
}

TEST_F(PartitionOwnershipTest, ARestoringPartitionRunsOnItsOwnClock) {
  Open(ClockMode::kEventTime);
  Assign(0, -1);
  // The engine clock is already in August (partition 0).
  Apply({{Received("A", "2019-08-01T08:00:00+07:00"), 0, 0}});
  // Partition 1 moves here; its previous owner committed offset 2.
  Assign(1, 2);
  EXPECT_EQ(engine_->restoring_partitions(), 1u);
  // D1 is resolved on time, before its appointment: on the partition's own
  // clock its overdue timer never fires, although the engine clock is past it.
  const Applied first = Apply({{Received("D1", "2019-06-10T08:00:00+07:00"), 1, 0}});
  EXPECT_TRUE(first.kpi_partitions.empty()) << "a restoring partition publishes nothing yet";
  const Applied second = Apply({{Resolved("D1", "2019-06-11T10:00:00+07:00"), 1, 1}});
  EXPECT_FALSE(Has(second.quiet, "D1 overdue"));
  EXPECT_FALSE(Has(second.published, "D1 overdue"));
  EXPECT_EQ(second.result.derived_events, 0);
  // Offset 1 was the last below 2: live, and every cell of it published.
  EXPECT_EQ(engine_->restoring_partitions(), 0u);
  EXPECT_EQ(second.republished, std::vector<int32_t>{1});
  EXPECT_EQ(second.kpi_partitions, std::set<int32_t>{1});
  EXPECT_EQ(second.kpi_sum[core::KpiField::kReceived], 1);
  EXPECT_EQ(second.kpi_sum[core::KpiField::kResolvedLate], 0);
}

TEST_F(PartitionOwnershipTest, WithoutOwnershipTheSameInputRaisesAFalseOverdue) {
  // The control for the test above: one global clock fires D1's timer before
  // its resolution arrives, because the clock is already past it.
  Open(ClockMode::kEventTime, /*ownership=*/false);
  Apply({{Received("A", "2019-08-01T08:00:00+07:00"), 0, 0}});
  Apply({{Received("D1", "2019-06-10T08:00:00+07:00"), 1, 0}});
  const Applied second = Apply({{Resolved("D1", "2019-06-11T10:00:00+07:00"), 1, 1}});
  EXPECT_TRUE(Has(second.published, "D1 overdue"));
}

TEST_F(PartitionOwnershipTest, RestoredAlertsAreQuietAndLiveOnesArePublished) {
  Open(ClockMode::kEventTime);
  Assign(0, -1);
  Apply({{Received("A", "2019-08-01T08:00:00+07:00"), 0, 0}});
  Assign(1, 2);
  // D2 goes overdue on the partition's own clock (the next record of the
  // partition is after its appointment): its previous owner published that
  // alert, so here it is stored but quiet.
  const Applied restored = Apply({{Received("D2", "2019-06-10T08:00:00+07:00"), 1, 0},
                                  {Received("D3", "2019-07-01T08:00:00+07:00"), 1, 1}});
  EXPECT_TRUE(Has(restored.quiet, "D2 overdue"));
  EXPECT_FALSE(Has(restored.published, "D2 overdue"));
  EXPECT_EQ(restored.republished, std::vector<int32_t>{1});
  // D3's appointment passed in July, before the engine clock: it fires with
  // the partition's next event (never with another partition's), published.
  const Applied other = Apply({{Received("B", "2019-08-02T08:00:00+07:00"), 0, 1}});
  EXPECT_FALSE(Has(other.published, "D3 overdue"));
  const Applied live = Apply({{Received("D4", "2019-08-02T09:00:00+07:00"), 1, 2}});
  EXPECT_TRUE(Has(live.published, "D3 overdue"));
  EXPECT_TRUE(live.quiet.empty());
}

TEST_F(PartitionOwnershipTest, WithTheEventClockEachPartitionRunsOnItsOwnClock) {
  Open(ClockMode::kEventTime);
  Assign(0, -1);
  Apply({{Received("A", "2019-08-01T08:00:00+07:00"), 0, 0}});
  // Partition 1 comes back to this instance with nothing to restore but a
  // backlog dated before the engine clock (it was paused, its producer was
  // offline, or this instance's other partitions are simply ahead).
  Assign(1, -1);
  EXPECT_EQ(Flush().republished, std::vector<int32_t>{1});
  const Applied backlog = Apply({{Received("D6", "2019-06-10T08:00:00+07:00"), 1, 0},
                                 {Resolved("D6", "2019-06-11T10:00:00+07:00"), 1, 1},
                                 {Received("D7", "2019-06-12T08:00:00+07:00"), 1, 2},
                                 {Received("D8", "2019-07-01T08:00:00+07:00"), 1, 3}});
  EXPECT_FALSE(Has(backlog.published, "D6 overdue")) << "resolved before its appointment";
  EXPECT_TRUE(Has(backlog.published, "D7 overdue")) << "a new alert: published";
  EXPECT_TRUE(backlog.quiet.empty());
  // Partition 0's events never fire partition 1's timers.
  EXPECT_FALSE(
      Has(Apply({{Received("B", "2019-08-05T08:00:00+07:00"), 0, 1}}).published, "D8 overdue"));
  EXPECT_TRUE(
      Has(Apply({{Received("D9", "2019-08-03T08:00:00+07:00"), 1, 4}}).published, "D8 overdue"));
}

TEST_F(PartitionOwnershipTest, ARecordAtTheRestoreOffsetEndsTheRestoreBeforeItApplies) {
  Open(ClockMode::kEventTime);
  Assign(0, -1);
  Apply({{Received("A", "2019-08-01T08:00:00+07:00"), 0, 0}});
  // Offsets 0..4 were compacted or were transaction markers: the first
  // record read is already at the restore offset.
  Assign(1, 5);
  const Applied first = Apply({{Received("D5", "2019-08-01T09:00:00+07:00"), 1, 5}});
  EXPECT_EQ(first.republished, std::vector<int32_t>{1});
  EXPECT_EQ(engine_->restoring_partitions(), 0u);
  EXPECT_EQ(first.kpi_sum[core::KpiField::kReceived], 1);
}

TEST_F(PartitionOwnershipTest, TheInputPartitionSurvivesACheckpointAndARestart) {
  Open(ClockMode::kWallTime);
  Assign(2, -1);
  Assign(7, -1);
  Apply({{Received("P2", "2019-06-10T08:00:00+07:00"), 2, 0},
         {Received("P7", "2019-06-10T08:00:00+07:00"), 7, 0}});
  auto commit = engine_->Seal({}, Engine::CheckpointPolicy::kNow);
  ASSERT_TRUE(commit.ok());
  ASSERT_NE(*commit, nullptr);
  (*commit)->Prepare();
  ASSERT_TRUE(store_.Write(*(*commit)->batch).ok());
  engine_->Committed(**commit);
  Open(ClockMode::kWallTime);  // loads the checkpoint's records
  Assign(7, -1);
  const Applied passed = Advance("2019-07-01T08:00:00+07:00");
  EXPECT_TRUE(Has(passed.published, "P7 overdue"));
  EXPECT_FALSE(Has(passed.published, "P2 overdue"));
}

}  // namespace
}  // namespace hoso::runtime
