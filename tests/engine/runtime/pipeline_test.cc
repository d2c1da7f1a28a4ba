// runtime::Pipeline with its publication on a thread of its own
// (PipelineOptions::publish_on_thread, the Kafka loop of serve): the source
// is told a commit's positions only once the sink has published that commit,
// in order, and Finish leaves nothing unpublished. Engine over MemoryKvStore,
// loadgen records, a sink the test holds back.
#include "engine/runtime/pipeline.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/dossier_state_machine.h"
#include "engine/runtime/committer.h"
#include "projections/memory_kv_store.h"
#include "tests/testing/loadgen_year.h"

namespace hoso::runtime {
namespace {

constexpr size_t kRecordsPerBatch = 100;

// Loadgen lines in batches; the position of batch i is "i".
class LinesSource final : public EventSource {
 public:
  explicit LinesSource(std::vector<std::string> lines) : lines_(std::move(lines)) {}
  core::Status Start(const PositionLookup&) override { return core::Status::Ok(); }
  core::Status NextBatch(size_t, SourceBatch* batch) override {
    batch->Clear();
    const size_t end = std::min(lines_.size(), next_ + kRecordsPerBatch);
    for (; next_ < end; ++next_) {
      batch->records.emplace_back(lines_[next_], 0, static_cast<int64_t>(next_));
    }
    batch->positions.emplace_back("test", std::to_string(batches_++));
    batch->end_of_source = next_ == lines_.size();
    return core::Status::Ok();
  }
  std::string Describe() const override { return "test lines"; }
  void Committed(const Positions& positions) override {
    std::lock_guard lock(mutex_);
    for (const auto& [source, position] : positions) told_.push_back(std::stoi(position));
  }
  std::vector<int> told() {
    std::lock_guard lock(mutex_);
    return told_;
  }
  size_t batches() const { return batches_; }

 private:
  std::vector<std::string> lines_;
  size_t next_ = 0;
  size_t batches_ = 0;
  std::mutex mutex_;
  std::vector<int> told_;
};

// Publishes once the test lets it; remembers the positions it published.
class HeldSink final : public CommitSink {
 public:
  core::Status Published(const Commit& commit) override {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    for (const auto& [source, position] : commit.positions) {
      published_.insert(std::stoi(position));
    }
    alerts_ += commit.alerts.size();
    return core::Status::Ok();
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void WaitEntered() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return entered_ > 0; });
  }
  bool published(int position) {
    std::lock_guard lock(mutex_);
    return published_.contains(position);
  }
  size_t alerts() {
    std::lock_guard lock(mutex_);
    return alerts_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  int entered_ = 0;
  std::set<int> published_;
  size_t alerts_ = 0;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    machine_ = testing::BuiltInMachine();
    EngineOptions options;
    options.collect_alerts = false;
    auto engine = Engine::Open(&store_, machine_.get(), options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  projections::MemoryKvStore store_;
  std::unique_ptr<core::DossierStateMachine> machine_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(PipelineTest, TheSourceHearsOfACommitOnlyOnceItIsPublished) {
  LinesSource source(testing::LoadgenLines(400, 7));
  HeldSink sink;
  Committer committer(&store_, /*threaded=*/false);
  PipelineOptions options;
  options.publish_on_thread = true;
  options.max_publishing = 2;
  Pipeline pipeline(engine_.get(), &source, &committer, nullptr, &sink, options);
  PipelineStats stats;
  core::Status run_status;
  std::thread loop([&] {
    run_status = pipeline.Run(&stats);
    if (run_status.ok()) run_status = pipeline.Finish(/*checkpoint=*/true, &stats);
  });
  // While the sink holds the first commit, the engine goes on (up to two
  // commits wait for publication), but the source hears of none of them.
  sink.WaitEntered();
  EXPECT_TRUE(source.told().empty());
  sink.Open();
  loop.join();
  ASSERT_TRUE(run_status.ok()) << run_status.ToString();

  const std::vector<int> told = source.told();
  ASSERT_EQ(told.size(), source.batches()) << "every batch's position is told once";
  for (size_t i = 0; i < told.size(); ++i) {
    EXPECT_EQ(told[i], static_cast<int>(i)) << "in order";
    EXPECT_TRUE(sink.published(told[i])) << "batch " << told[i] << " told before published";
  }
  EXPECT_EQ(sink.alerts(), static_cast<size_t>(stats.alerts)) << "every alert raised published";
  EXPECT_GT(stats.alerts, 0);
}

TEST_F(PipelineTest, PublishingOnTheLoopsThreadKeepsTheSameOrder) {
  LinesSource source(testing::LoadgenLines(200, 11));
  HeldSink sink;
  sink.Open();
  Committer committer(&store_, /*threaded=*/false);
  Pipeline pipeline(engine_.get(), &source, &committer, nullptr, &sink, PipelineOptions{});
  PipelineStats stats;
  ASSERT_TRUE(pipeline.Run(&stats).ok());
  ASSERT_TRUE(pipeline.Finish(/*checkpoint=*/true, &stats).ok());
  const std::vector<int> told = source.told();
  ASSERT_EQ(told.size(), source.batches());
  for (size_t i = 0; i < told.size(); ++i) {
    EXPECT_EQ(told[i], static_cast<int>(i));
    EXPECT_TRUE(sink.published(told[i]));
  }
  EXPECT_EQ(sink.alerts(), static_cast<size_t>(stats.alerts));
}

}  // namespace
}  // namespace hoso::runtime
