// Replays logged events into an Engine, in the order of application: `hoso
// replay` (into a new database, through a Committer) and the folds of `kpi
// --as-of` and audit bundles (an engine with persist off, no committer). The
// target derives its own overdue events; its `until` option cuts the replay
// at an instant.
#ifndef HOSO_ENGINE_RUNTIME_LOG_REPLAYER_H_
#define HOSO_ENGINE_RUNTIME_LOG_REPLAYER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/runtime/committer.h"
#include "engine/runtime/engine.h"
#include "projections/kv_store.h"

namespace hoso::runtime {

struct ReplayOptions {
  // Called after each batch with (events replayed, events in the log).
  std::function<void(uint64_t done, uint64_t total)> on_progress;
  // Sizes the target's dedup indexes for the whole log before the first
  // event (Engine::ReserveIds), for a replay that applies all of it (`hoso
  // replay`); not for a fold that stops at an earlier instant, which would
  // pay for memory it never fills.
  bool size_for_whole_log = false;
};

// Applies every logged event of `log` to `target`, one commit per segment of
// the source when `committer` is set (the target then must persist), and a
// final checkpoint. Fails on a store failure or a log that does not decode.
core::Result<BatchResult> ReplayLog(projections::KvStore& log, Engine& target, Committer* committer,
                                    const ReplayOptions& options);

// The same for logs of another shape (the previous storage layout): the
// caller adds events in order and ends a batch where it likes.
class Replayer {
 public:
  // `total` (events in the source, 0 when unknown) is for progress only.
  Replayer(Engine* target, Committer* committer, ReplayOptions options, uint64_t total);
  // Adds one event to the batch; its bytes are copied.
  void Add(const Engine::LoggedInput& input);
  size_t batch_size() const { return inputs_.size(); }
  // Applies the batch and commits it.
  core::Status EndBatch();
  // Ends the last batch, writes a final checkpoint and waits for it.
  core::Result<BatchResult> Finish();

 private:
  Engine* target_;
  Committer* committer_;
  ReplayOptions options_;
  uint64_t total_;
  uint64_t done_ = 0;
  BatchResult totals_;
  std::string arena_;
  std::vector<Engine::LoggedInput> inputs_;
  std::vector<size_t> offsets_;
};

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_LOG_REPLAYER_H_
