// OrderedStage: one step of the pipeline after a commit is sealed, run on a
// thread of its own for each commit in the order they were handed over, so
// that the engine applies the next batch meanwhile. The Committer's step
// writes a commit to the store; the Publisher's hands it to the sinks.
//
// At most `max_in_flight` commits wait or are in the step; Submit blocks
// beyond that (backpressure: memory stays bounded). A commit whose step
// succeeded is handed back through TakeDone, in order, for what must follow
// it; or, when the stage has a `next` stage, submitted to it from the
// stage's thread (the Committer's two: prepare, then write), and handed back
// by the last one. A failed step is sticky: every later call returns its
// status, the commits still waiting are dropped, and the caller must stop; a
// failure of `next` stops this stage too.
//
// Thread-safety: a threaded stage's Submit, TakeDone and Drain may be called
// from different threads (the previous stage's submits, the engine's takes);
// the stage's thread is internal. With `threaded` false, Submit runs the step at once on
// the caller's thread (MemoryKvStore, which is not thread-safe, and tests).
//
// A grouped stage (the GroupStep constructor) hands its step every commit
// waiting when its thread turns to them, in order, at once: the Publisher's,
// whose sink sends a run of commits' KPI changes once, at their latest
// values, when it fell behind. Every commit of a group is done (or failed)
// together.
#ifndef HOSO_ENGINE_RUNTIME_ORDERED_STAGE_H_
#define HOSO_ENGINE_RUNTIME_ORDERED_STAGE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/status.h"
#include "engine/runtime/engine.h"

namespace hoso::runtime {

class OrderedStage {
 public:
  using Step = std::function<core::Status(Commit* commit)>;
  using GroupStep = std::function<core::Status(std::span<Commit* const> commits)>;

  // `thread_name` names the thread for ps/top/perf (at most 15 bytes).
  // `next`, if not null, must outlive this stage (declare it first).
  OrderedStage(std::string thread_name, Step step, bool threaded, size_t max_in_flight,
               OrderedStage* next = nullptr);
  // A grouped stage (see above).
  OrderedStage(std::string thread_name, GroupStep step, bool threaded, size_t max_in_flight);
  // Waits for every submitted commit (or a failure), then stops the thread.
  ~OrderedStage();
  OrderedStage(const OrderedStage&) = delete;
  OrderedStage& operator=(const OrderedStage&) = delete;

  core::Status Submit(std::unique_ptr<Commit> commit);
  // Moves the commits whose step succeeded since the last call into *done,
  // in order.
  core::Status TakeDone(std::vector<std::unique_ptr<Commit>>* done);
  // Waits until every submitted commit has been through the step (and, with
  // a next stage, through it as well).
  core::Status Drain();
  // Commits waiting or in the step (or being handed to the next stage).
  size_t in_flight() const;

 private:
  void Run();
  void Start(std::string thread_name);
  // After the step: the commit goes to the next stage, or to done_.
  core::Status HandOn(std::unique_ptr<Commit> commit);

  // Over one commit, or (grouped_) every commit waiting.
  const GroupStep step_;
  const bool grouped_;
  OrderedStage* const next_;
  const bool threaded_;
  const size_t max_in_flight_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Commit>> queue_;  // waiting or in the step (front)
  std::vector<std::unique_ptr<Commit>> done_;  // through the step, not yet taken
  core::Status error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_ORDERED_STAGE_H_
