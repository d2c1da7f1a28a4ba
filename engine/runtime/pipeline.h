// Pipeline: the one loop every command runs (ingest, serve, demo, replay,
// the benchmarks):
//
//   source -> Engine::Apply (decode, state machine, projections in memory)
//   -> dead letters written and flushed -> Engine::Seal (one atomic commit
//   with the source positions) -> Committer (RocksDB, on its own thread,
//   overlapping the next batch) -> once durable: Engine::Committed, then the
//   sink (alerts, KPI changes; on a thread of its own with
//   `publish_on_thread`) -> once published: source told (Kafka offsets)
//   -> wall clock: AdvanceClock in bounded commits.
//
// The CLI configures it; it owns none of its parts.
// Thread-safety: Run and Finish on one thread.
#ifndef HOSO_ENGINE_RUNTIME_PIPELINE_H_
#define HOSO_ENGINE_RUNTIME_PIPELINE_H_

#include <array>
#include <cstdint>
#include <functional>

#include "engine/core/status.h"
#include "engine/runtime/committer.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/event_source.h"
#include "engine/runtime/ordered_stage.h"

namespace hoso::runtime {

// Upper bounds, in seconds, of the commit-duration histogram (sealed ->
// durable): a Prometheus histogram's `le` values.
inline constexpr std::array<double, 10> kCommitSecondsBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                 0.05,  0.1,    0.25,  1.0,  5.0};

struct PipelineStats {
  BatchResult totals;
  int64_t records = 0;  // read from the source
  int64_t alerts = 0;
  std::array<int64_t, core::kAlertKindCount> alerts_by_kind{};
  int64_t batches = 0;  // source batches with records
  int64_t commits = 0;  // durable commits
  int64_t checkpoints = 0;
  // Durations of the durable commits, from Seal to durable (the writer's
  // queue and the RocksDB write): cumulative counts per bucket bound, sum.
  std::array<int64_t, kCommitSecondsBuckets.size()> commit_seconds_buckets{};
  double commit_seconds_sum = 0;
};

struct PipelineOptions {
  // Most records per source batch. Default: 8,192.
  size_t batch_max_records = 8192;
  // Wall-clock mode: AdvanceClock(now()) after every batch, in commits of at
  // most EngineOptions::max_timers_per_advance timers. Default: off.
  bool wall_clock = false;
  // The wall clock. Default: the system clock.
  std::function<core::Instant()> now;
  // Checked before every batch; true ends Run (the batch in hand is
  // finished and committed first). May be empty.
  std::function<bool()> stop;
  // Checked after every batch; true ends Run. May be empty.
  std::function<bool(const PipelineStats&)> done;
  // Called after every batch. May be empty.
  std::function<void(const PipelineStats&)> progress;
  // Called after Apply and the dead letters of a batch, before its commit is
  // sealed (crash tests kill the process here). May be empty.
  std::function<void(int64_t batch_number)> before_seal;
  // Called once the commit of a batch is submitted. May be empty.
  std::function<void(int64_t batch_number)> after_submit;
  // Publish durable commits (CommitSink::Published) on a thread of their
  // own, in order, while the engine applies the next batches: a Kafka sink
  // waits for the broker's acknowledgements there, not on the engine's
  // thread. The source is told a commit's positions only once it is
  // published, either way. With it on, nothing else may call the sink's
  // Published while Run, Tick, Settle or Finish work, and the commits that
  // wait for the thread together go to CommitSink::PublishedAll at once.
  // Default: off.
  bool publish_on_thread = false;
  // Most durable commits waiting for or in publication with
  // `publish_on_thread`; Settle blocks beyond it (a slow broker slows the
  // engine down instead of filling memory). Default: 8.
  size_t max_publishing = 8;
};

class Pipeline {
 public:
  // Every part must outlive the pipeline; `rejects` and `sink` may be null,
  // and `source` too when only Tick, Settle and Finish are used.
  Pipeline(Engine* engine, EventSource* source, Committer* committer, RejectSink* rejects,
           CommitSink* sink, PipelineOptions options);

  // Runs until the source ends (a finite source), `done` or `stop` says so,
  // or something fails (a source, store or sink failure; never a bad record).
  core::Status Run(PipelineStats* stats);
  // Seals what is left (a checkpoint when `checkpoint`, as a clean shutdown
  // writes) and waits for every commit to be durable and published.
  core::Status Finish(bool checkpoint, PipelineStats* stats);

  // One step of the wall clock (Run calls it after every batch in
  // wall-clock mode): raises the timers due before now(), in bounded
  // commits, and publishes what became durable.
  core::Status Tick(PipelineStats* stats);
  // Publishes the commits that became durable since the last call (the
  // engine is told, then the sink, then the source), without waiting for
  // commits still being written or (with `publish_on_thread`) published.
  core::Status Settle(PipelineStats* stats);

 private:
  core::Status Submit(core::Result<std::unique_ptr<Commit>> commit);
  // Waits for every commit submitted to be written and published, and tells
  // the source.
  core::Status DrainAll(PipelineStats* stats);
  core::Status SealAndSubmit(Positions positions, bool checkpoint, PipelineStats* stats);
  void Count(const BatchResult& result, PipelineStats* stats);
  core::Instant Now() const;

  Engine* engine_;
  EventSource* source_;
  Committer* committer_;
  RejectSink* rejects_;
  CommitSink* sink_;
  PipelineOptions options_;
  // Durable commits on their way to the sink; last, so that its thread
  // stops before anything it uses goes.
  OrderedStage publisher_;
};

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_PIPELINE_H_
