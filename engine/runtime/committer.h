// Committer: writes the engine's commits to the store, in the order they were
// sealed, on threads of its own, so that the engine applies the next batch
// while RocksDB writes the previous one (docs/storage.md "One batch, one atomic write"). Two
// stages, each a thread: "hoso-prepare" runs a commit's Prepare (compresses
// its log segment, alerts and delta; adds a checkpoint's records),
// "hoso-commit" writes it, so a checkpoint's preparation overlaps the write
// of the commit before it.
//
// At most `max_in_flight` commits wait for each stage or are in it; Submit
// blocks beyond that (backpressure: memory stays bounded). A written commit is
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
  // `store` must outlive the committer. Four in flight per stage: the
  // engine keeps applying through a checkpoint's write (~0.4 s), which two
  // did not (docs/storage.md "One batch, one atomic write").
  Committer(projections::KvStore* store, bool threaded, size_t max_in_flight = 4);

  core::Status Submit(std::unique_ptr<Commit> commit) { return prepare_.Submit(std::move(commit)); }
  // Moves the commits written since the last call into *durable, in order.
  core::Status TakeDurable(std::vector<std::unique_ptr<Commit>>* durable) {
    core::Status written = write_.TakeDone(durable);
    core::Status prepared = prepare_.TakeDone(durable);  // hands on to write_: takes nothing
    return written.ok() ? prepared : written;
  }
  // Waits until every submitted commit is written.
  core::Status Drain() { return prepare_.Drain(); }
  size_t in_flight() const { return prepare_.in_flight() + write_.in_flight(); }

 private:
  // Declared in the order data flows back: prepare_ is destroyed first, so
  // its thread has handed on everything before write_'s stops.
  OrderedStage write_;
  OrderedStage prepare_;
};

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_COMMITTER_H_
