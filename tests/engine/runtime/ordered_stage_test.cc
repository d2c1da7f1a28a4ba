// OrderedStage, the thread behind the Committer and the pipeline's
// publisher: commits come back in the order they went in, at most
// `max_in_flight` wait, and a failed step is sticky and drops what waits.
#include "engine/runtime/ordered_stage.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace hoso::runtime {
namespace {

std::unique_ptr<Commit> CommitNumbered(uint64_t serial) {
  auto commit = std::make_unique<Commit>();
  commit->batch_serial = serial;
  return commit;
}

// A step that blocks until released, recording the serials it was given.
class Gate {
 public:
  core::Status Step(Commit* commit) {
    std::unique_lock lock(mutex_);
    seen_.push_back(commit->batch_serial);
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_ >= seen_.size(); });
    if (commit->batch_serial == fail_at) return core::Status::Unavailable("broker gone");
    return core::Status::Ok();
  }
  void Release(size_t through) {
    std::lock_guard lock(mutex_);
    released_ = through;
    changed_.notify_all();
  }
  void WaitSeen(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return seen_.size() >= count; });
  }
  std::vector<uint64_t> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  uint64_t fail_at = 0;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<uint64_t> seen_;
  size_t released_ = 0;
};

TEST(OrderedStageTest, HandsCommitsBackInOrderOnceTheirStepIsDone) {
  Gate gate;
  OrderedStage stage(
      "test-stage", [&](Commit* commit) { return gate.Step(commit); }, /*threaded=*/true, 3);
  for (uint64_t serial = 1; serial <= 3; ++serial) {
    ASSERT_TRUE(stage.Submit(CommitNumbered(serial)).ok());
  }
  gate.WaitSeen(1);
  std::vector<std::unique_ptr<Commit>> done;
  ASSERT_TRUE(stage.TakeDone(&done).ok());
  EXPECT_TRUE(done.empty()) << "nothing is done while the first step waits";
  EXPECT_EQ(stage.in_flight(), 3u);

  gate.Release(2);
  gate.WaitSeen(3);
  ASSERT_TRUE(stage.TakeDone(&done).ok());
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0]->batch_serial, 1u);
  EXPECT_EQ(done[1]->batch_serial, 2u);

  gate.Release(3);
  ASSERT_TRUE(stage.Drain().ok());
  ASSERT_TRUE(stage.TakeDone(&done).ok());
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[2]->batch_serial, 3u);
  EXPECT_EQ(gate.seen(), (std::vector<uint64_t>{1, 2, 3}));
}

TEST(OrderedStageTest, SubmitWaitsWhileTheStageIsFull) {
  Gate gate;
  OrderedStage stage(
      "test-stage", [&](Commit* commit) { return gate.Step(commit); }, /*threaded=*/true, 2);
  ASSERT_TRUE(stage.Submit(CommitNumbered(1)).ok());
  ASSERT_TRUE(stage.Submit(CommitNumbered(2)).ok());
  gate.WaitSeen(1);
  // The third waits for room: it is accepted only after the first is done.
  std::thread submitter([&] { EXPECT_TRUE(stage.Submit(CommitNumbered(3)).ok()); });
  EXPECT_EQ(stage.in_flight(), 2u);
  gate.Release(1);
  submitter.join();
  gate.Release(3);
  ASSERT_TRUE(stage.Drain().ok());
  std::vector<std::unique_ptr<Commit>> done;
  ASSERT_TRUE(stage.TakeDone(&done).ok());
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(gate.seen(), (std::vector<uint64_t>{1, 2, 3}));
}

TEST(OrderedStageTest, AFailedStepIsStickyAndDropsWhatWaits) {
  Gate gate;
  gate.fail_at = 2;
  OrderedStage stage(
      "test-stage", [&](Commit* commit) { return gate.Step(commit); }, /*threaded=*/true, 4);
  for (uint64_t serial = 1; serial <= 3; ++serial) {
    ASSERT_TRUE(stage.Submit(CommitNumbered(serial)).ok());
  }
  gate.Release(3);
  const core::Status drained = stage.Drain();
  EXPECT_EQ(drained.code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(stage.Submit(CommitNumbered(4)).code(), core::StatusCode::kUnavailable);
  std::vector<std::unique_ptr<Commit>> done;
  EXPECT_EQ(stage.TakeDone(&done).code(), core::StatusCode::kUnavailable);
  ASSERT_EQ(done.size(), 1u) << "only the commit before the failure went through";
  EXPECT_EQ(done[0]->batch_serial, 1u);
  EXPECT_EQ(gate.seen(), (std::vector<uint64_t>{1, 2})) << "the third never reached the step";
}

TEST(OrderedStageTest, WithoutAThreadTheStepRunsInSubmit) {
  std::vector<uint64_t> seen;
  OrderedStage stage(
      "test-stage",
      [&](Commit* commit) {
        seen.push_back(commit->batch_serial);
        return commit->batch_serial == 2 ? core::Status::IOError("disk full") : core::Status::Ok();
      },
      /*threaded=*/false, 1);
  ASSERT_TRUE(stage.Submit(CommitNumbered(1)).ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{1}));
  EXPECT_EQ(stage.Submit(CommitNumbered(2)).code(), core::StatusCode::kIOError);
  EXPECT_EQ(stage.Submit(CommitNumbered(3)).code(), core::StatusCode::kIOError);
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2}));
  std::vector<std::unique_ptr<Commit>> done;
  EXPECT_EQ(stage.TakeDone(&done).code(), core::StatusCode::kIOError);
  ASSERT_EQ(done.size(), 1u);
}

TEST(OrderedStageTest, ChainedStagesHandBackThroughTheLastAndDrainBoth) {
  // The Committer's shape: a first stage hands each commit to a second,
  // which hands it back.
  Gate second_gate;
  std::vector<uint64_t> first_seen;
  std::mutex first_mutex;
  OrderedStage second(
      "test-second", [&](Commit* commit) { return second_gate.Step(commit); }, /*threaded=*/true,
      1);
  OrderedStage first(
      "test-first",
      [&](Commit* commit) {
        std::lock_guard lock(first_mutex);
        first_seen.push_back(commit->batch_serial);
        return core::Status::Ok();
      },
      /*threaded=*/true, 3, &second);
  ASSERT_TRUE(first.Submit(CommitNumbered(1)).ok());
  ASSERT_TRUE(first.Submit(CommitNumbered(2)).ok());
  ASSERT_TRUE(first.Submit(CommitNumbered(3)).ok());
  second_gate.WaitSeen(1);
  // 1 is in the second step; 2 waits for room in the second stage, so it
  // still counts in the first; 3 waits in the first.
  EXPECT_GE(first.in_flight(), 1u);
  std::vector<std::unique_ptr<Commit>> done;
  ASSERT_TRUE(first.TakeDone(&done).ok());
  EXPECT_TRUE(done.empty()) << "a stage with a next one hands nothing back itself";

  std::thread drainer([&] { EXPECT_TRUE(first.Drain().ok()); });
  second_gate.Release(3);
  drainer.join();
  // Drain returned: everything went through both steps.
  EXPECT_EQ(first.in_flight(), 0u);
  EXPECT_EQ(second.in_flight(), 0u);
  ASSERT_TRUE(second.TakeDone(&done).ok());
  ASSERT_EQ(done.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(done[i]->batch_serial, i + 1);
  std::lock_guard lock(first_mutex);
  EXPECT_EQ(first_seen, (std::vector<uint64_t>{1, 2, 3}));
}

TEST(OrderedStageTest, AFailureOfTheNextStageStopsTheFirst) {
  Gate second_gate;
  second_gate.fail_at = 1;
  OrderedStage second(
      "test-second", [&](Commit* commit) { return second_gate.Step(commit); }, /*threaded=*/true,
      1);
  OrderedStage first(
      "test-first", [](Commit*) { return core::Status::Ok(); }, /*threaded=*/true, 1, &second);
  ASSERT_TRUE(first.Submit(CommitNumbered(1)).ok());
  ASSERT_TRUE(first.Submit(CommitNumbered(2)).ok());  // waits for room in the second stage
  second_gate.Release(2);
  EXPECT_EQ(first.Drain().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(first.Submit(CommitNumbered(3)).code(), core::StatusCode::kUnavailable);
  std::vector<std::unique_ptr<Commit>> done;
  EXPECT_EQ(second.TakeDone(&done).code(), core::StatusCode::kUnavailable);
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(second_gate.seen(), (std::vector<uint64_t>{1}));
}

TEST(OrderedStageTest, ChainedStagesWithoutThreadsRunBothStepsInSubmit) {
  std::vector<std::string> steps;
  OrderedStage second(
      "test-second",
      [&](Commit* commit) {
        steps.push_back("second " + std::to_string(commit->batch_serial));
        return core::Status::Ok();
      },
      /*threaded=*/false, 1);
  OrderedStage first(
      "test-first",
      [&](Commit* commit) {
        steps.push_back("first " + std::to_string(commit->batch_serial));
        return core::Status::Ok();
      },
      /*threaded=*/false, 1, &second);
  ASSERT_TRUE(first.Submit(CommitNumbered(1)).ok());
  EXPECT_EQ(steps, (std::vector<std::string>{"first 1", "second 1"}));
  std::vector<std::unique_ptr<Commit>> done;
  ASSERT_TRUE(second.TakeDone(&done).ok());
  ASSERT_EQ(done.size(), 1u);
}

TEST(OrderedStageTest, AGroupedStageTakesWhatWaitedTogetherInOrder) {
  // The step records each group and blocks the first one until released, so
  // the three submitted meanwhile wait together.
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::vector<uint64_t>> groups;
  bool released = false;
  OrderedStage stage("test-grouped", OrderedStage::GroupStep([&](std::span<Commit* const> commits) {
                       std::unique_lock lock(mutex);
                       std::vector<uint64_t>& group = groups.emplace_back();
                       for (Commit* commit : commits) group.push_back(commit->batch_serial);
                       changed.notify_all();
                       changed.wait(lock, [&] { return released; });
                       return core::Status::Ok();
                     }),
                     /*threaded=*/true, 8);
  ASSERT_TRUE(stage.Submit(CommitNumbered(1)).ok());
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return !groups.empty(); });
  }
  for (uint64_t serial = 2; serial <= 4; ++serial) {
    ASSERT_TRUE(stage.Submit(CommitNumbered(serial)).ok());
  }
  {
    std::lock_guard lock(mutex);
    released = true;
    changed.notify_all();
  }
  ASSERT_TRUE(stage.Drain().ok());
  EXPECT_EQ(groups, (std::vector<std::vector<uint64_t>>{{1}, {2, 3, 4}}));
  std::vector<std::unique_ptr<Commit>> done;
  ASSERT_TRUE(stage.TakeDone(&done).ok());
  ASSERT_EQ(done.size(), 4u);
  for (uint64_t i = 0; i < 4; ++i) EXPECT_EQ(done[i]->batch_serial, i + 1);
}

TEST(OrderedStageTest, AFailedGroupFailsAllOfItsCommits) {
  OrderedStage stage("test-grouped", OrderedStage::GroupStep([&](std::span<Commit* const> commits) {
                       return commits.front()->batch_serial == 1
                                  ? core::Status::Unavailable("broker gone")
                                  : core::Status::Ok();
                     }),
                     /*threaded=*/false, 8);
  EXPECT_EQ(stage.Submit(CommitNumbered(1)).code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(stage.Submit(CommitNumbered(2)).code(), core::StatusCode::kUnavailable);
  std::vector<std::unique_ptr<Commit>> done;
  EXPECT_EQ(stage.TakeDone(&done).code(), core::StatusCode::kUnavailable);
  EXPECT_TRUE(done.empty());
}

}  // namespace
}  // namespace hoso::runtime
