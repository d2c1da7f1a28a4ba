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

#include <memory>
#include <vector>

#include "engine/core/status.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/ordered_stage.h"
#include "projections/kv_store.h"

namespace hoso::runtime {

class Committer {
 public:
  // `store` must outlive the committer.
  Committer(projections::KvStore* store, bool threaded, size_t max_in_flight = 2);

  core::Status Submit(std::unique_ptr<Commit> commit) { return stage_.Submit(std::move(commit)); }
  // Moves the commits written since the last call into *durable, in order.
  core::Status TakeDurable(std::vector<std::unique_ptr<Commit>>* durable) {
    return stage_.TakeDone(durable);
  }
  // Waits until every submitted commit is written.
  core::Status Drain() { return stage_.Drain(); }
  size_t in_flight() const { return stage_.in_flight(); }

 private:
  OrderedStage stage_;  // last: its thread stops before anything it uses goes
};

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_COMMITTER_H_
