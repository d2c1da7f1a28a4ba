// Committer: writes the engine's commits to the store, in the order they were
// sealed, on a thread of its own, so that the engine applies the next batch
// while RocksDB writes the previous one (docs/storage.md "Writing").
//
// At most `max_in_flight` commits wait or are being written; Submit blocks
// beyond that (backpressure: memory stays bounded). A written commit is
// handed back through TakeDurable, in order, for what must follow
// durability: Engine::Committed, publishing alerts and KPI changes,
// committing Kafka offsets. A failed write is sticky: every later call
// returns it, and the caller must stop and let a restart recover from the
// store.
//
// Thread-safety: one thread calls Submit, TakeDurable and Drain; the writer
// thread is internal. With `threaded` false (MemoryKvStore, which is not
// thread-safe, and tests), Submit writes at once.
#ifndef HOSO_ENGINE_RUNTIME_COMMITTER_H_
#define HOSO_ENGINE_RUNTIME_COMMITTER_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/core/status.h"
#include "engine/runtime/engine.h"
#include "projections/kv_store.h"

namespace hoso::runtime {

class Committer {
 public:
  // `store` must outlive the committer.
  Committer(projections::KvStore* store, bool threaded, size_t max_in_flight = 2);
  // Waits for every submitted commit, then stops the thread.
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  core::Status Submit(std::unique_ptr<Commit> commit);
  // Moves the commits written since the last call into *durable, in order.
  core::Status TakeDurable(std::vector<std::unique_ptr<Commit>>* durable);
  // Waits until every submitted commit is written.
  core::Status Drain();
  size_t in_flight() const;

 private:
  void Run();

  projections::KvStore* store_;
  const bool threaded_;
  const size_t max_in_flight_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Commit>> queue_;     // waiting or being written (front)
  std::vector<std::unique_ptr<Commit>> durable_;  // written, not yet taken
  core::Status error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_COMMITTER_H_
