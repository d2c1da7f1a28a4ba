// Replays the event log of one store into an Engine over another store, in
// the original order of application (the global sequence of each logged
// event). Used by `hoso replay` and by `hoso kpi --as-of` for instants before
// the last applied event.
#ifndef HOSO_ENGINE_RUNTIME_LOG_REPLAYER_H_
#define HOSO_ENGINE_RUNTIME_LOG_REPLAYER_H_

#include <cstdint>
#include <functional>

#include "engine/core/status.h"
#include "engine/runtime/engine.h"
#include "projections/kv_store.h"

namespace hoso::runtime {

struct ReplayOptions {
  size_t batch_records = 4096;
  // Called after each batch with (events replayed, events in the log).
  std::function<void(uint64_t done, uint64_t total)> on_progress;
};

// Reads every logged event of `log`, sorts by global sequence and applies the
// non-derived ones to `target` (which derives its own overdue events). The
// target's `until` option cuts the replay at an instant.
core::Result<BatchResult> ReplayLog(projections::KvStore& log, Engine& target,
                                    const ReplayOptions& options);

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_LOG_REPLAYER_H_
