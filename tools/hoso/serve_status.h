// ServeStatus: what `hoso serve`'s pipeline shows on /metrics and /readyz
// (docs/http.md): a snapshot taken on the pipeline thread after every
// iteration, read by the HTTP server's threads.
//
// Thread-safety: Update from one thread; Metrics and NotReadyReason from any.
#ifndef HOSO_TOOLS_HOSO_SERVE_STATUS_H_
#define HOSO_TOOLS_HOSO_SERVE_STATUS_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/dvcqg/sync_topic_bridge.h"
#include "connectors/kafka/district_view.h"
#include "connectors/postgres/postgres_sink.h"
#include "engine/runtime/pipeline.h"

namespace hoso::tools {

class ServeStatus {
 public:
  explicit ServeStatus(int64_t ready_max_lag) : ready_max_lag_(ready_max_lag) {}
  // After an iteration of the pipeline: its counters, the consumer lag per
  // partition (as known), and the timers pending in the engine.
  // `alerts_published`: acknowledged by the broker since serve started.
  void Update(const runtime::PipelineStats& stats,
              std::vector<std::pair<int32_t, int64_t>> lag_by_partition, size_t pending_timers,
              int64_t alerts_published);
  // The partitions restoring and the records they still have to read
  // (docs/scale.md "Restore").
  void SetRestore(int partitions, int64_t records_remaining);
  // The input partitions live in the engine (ascending); true when they
  // differ from the last ones set.
  bool SetLivePartitions(std::vector<int32_t> partitions);
  // Whether `partition` is live here, and how many are, as last set.
  bool PartitionLive(int32_t partition) const;
  size_t live_partition_count() const;
  // Prometheus text: events applied / duplicate / rejected by reason,
  // batches, commits, checkpoints, alerts raised by kind, consumer lag per
  // partition, pending timers.
  std::string Metrics() const;
  // nullopt when ready: the engine has recovered and run, no partition is
  // restoring, and the consumer lag is at most ready_max_lag.
  std::optional<std::string> NotReadyReason() const;

 private:
  const int64_t ready_max_lag_;
  mutable std::mutex mutex_;
  bool running_ = false;  // the first iteration has run (recovery is over)
  runtime::PipelineStats stats_;
  std::vector<std::pair<int32_t, int64_t>> lag_by_partition_;
  size_t pending_timers_ = 0;
  int64_t alerts_published_ = 0;
  int restoring_partitions_ = 0;
  int64_t restore_records_remaining_ = 0;
  std::vector<int32_t> live_partitions_;  // ascending
  // When this process last saw a checkpoint become durable (none yet: the
  // age is not exported, since a checkpoint records no wall time).
  std::optional<std::chrono::steady_clock::time_point> last_checkpoint_;
};

// Prometheus text of the PostgreSQL sink (docs/bi.md "Lag"): its lag in
// seconds and events, rows waiting, transactions, rows written, failures,
// whether it is connected, and whether it overflowed.
std::string PostgresSinkMetrics(const connectors::postgres::PostgresSink::Stats& stats);
// Prometheus text of the district view (docs/scale.md "District-wide
// answers"): cells held, caught up, instances announced, records skipped.
std::string DistrictViewMetrics(const connectors::kafka::DistrictView::Stats& stats);
// The series of topics.dvcqg's bridge (docs/dvcqg.md "In serve").
std::string DvcqgBridgeMetrics(const connectors::dvcqg::SyncTopicBridge::Stats& stats);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_SERVE_STATUS_H_
