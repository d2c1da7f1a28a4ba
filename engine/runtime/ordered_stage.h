// OrderedStage: one step of the pipeline after a commit is sealed, run on a
// thread of its own for each commit in the order they were handed over, so
// that the engine applies the next batch meanwhile. The Committer's step
// writes a commit to the store; the Publisher's hands it to the sinks.
//
// At most `max_in_flight` commits wait or are in the step; Submit blocks
// beyond that (backpressure: memory stays bounded). A commit whose step
// succeeded is handed back through TakeDone, in order, for what must follow
// it. A failed step is sticky: every later call returns its status, the
// commits still waiting are dropped, and the caller must stop.
//
// Thread-safety: one thread calls Submit, TakeDone and Drain; the stage's
// thread is internal. With `threaded` false, Submit runs the step at once on
// the caller's thread (MemoryKvStore, which is not thread-safe, and tests).
#ifndef HOSO_ENGINE_RUNTIME_ORDERED_STAGE_H_
#define HOSO_ENGINE_RUNTIME_ORDERED_STAGE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/status.h"
#include "engine/runtime/engine.h"

namespace hoso::runtime {

class OrderedStage {
 public:
  using Step = std::function<core::Status(Commit* commit)>;

  // `thread_name` names the thread for ps/top/perf (at most 15 bytes).
  OrderedStage(std::string thread_name, Step step, bool threaded, size_t max_in_flight);
  // Waits for every submitted commit (or a failure), then stops the thread.
  ~OrderedStage();
  OrderedStage(const OrderedStage&) = delete;
  OrderedStage& operator=(const OrderedStage&) = delete;

  core::Status Submit(std::unique_ptr<Commit> commit);
  // Moves the commits whose step succeeded since the last call into *done,
  // in order.
  core::Status TakeDone(std::vector<std::unique_ptr<Commit>>* done);
  // Waits until every submitted commit has been through the step.
  core::Status Drain();
  // Commits waiting or in the step.
  size_t in_flight() const;

 private:
  void Run();

  const Step step_;
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
