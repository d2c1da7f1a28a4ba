#include "tools/hoso/serve_status.h"

#include <algorithm>
#include <cstdio>

#include "engine/core/alert.h"
#include "engine/core/rejection.h"
#include "tools/hoso/prometheus_text.h"

namespace hoso::tools {

void ServeStatus::Update(const runtime::PipelineStats& stats,
                         std::vector<std::pair<int32_t, int64_t>> lag_by_partition,
                         size_t pending_timers, int64_t alerts_published) {
  std::lock_guard lock(mutex_);
  running_ = true;
  if (stats.checkpoints != stats_.checkpoints) last_checkpoint_ = std::chrono::steady_clock::now();
  alerts_published_ = alerts_published;
  stats_.totals.applied = stats.totals.applied;
  stats_.totals.duplicates = stats.totals.duplicates;
  stats_.totals.rejected = stats.totals.rejected;
  stats_.totals.derived_events = stats.totals.derived_events;
  stats_.totals.rejected_by_code = stats.totals.rejected_by_code;
  stats_.records = stats.records;
  stats_.alerts = stats.alerts;
  stats_.alerts_by_kind = stats.alerts_by_kind;
  stats_.batches = stats.batches;
  stats_.commits = stats.commits;
  stats_.checkpoints = stats.checkpoints;
  stats_.commit_seconds_buckets = stats.commit_seconds_buckets;
  stats_.commit_seconds_sum = stats.commit_seconds_sum;
  lag_by_partition_ = std::move(lag_by_partition);
  pending_timers_ = pending_timers;
}

void ServeStatus::SetRestore(int partitions, int64_t records_remaining) {
  std::lock_guard lock(mutex_);
  restoring_partitions_ = partitions;
  restore_records_remaining_ = records_remaining;
}

bool ServeStatus::SetLivePartitions(std::vector<int32_t> partitions) {
  std::lock_guard lock(mutex_);
  if (partitions == live_partitions_) return false;
  live_partitions_ = std::move(partitions);
  return true;
}

bool ServeStatus::PartitionLive(int32_t partition) const {
  std::lock_guard lock(mutex_);
  return std::binary_search(live_partitions_.begin(), live_partitions_.end(), partition);
}

size_t ServeStatus::live_partition_count() const {
  std::lock_guard lock(mutex_);
  return live_partitions_.size();
}

std::string ServeStatus::Metrics() const {
  std::lock_guard lock(mutex_);
  std::string out;
  AppendFamily(&out, "hoso_records_consumed_total", "counter",
               "Records read from the input topic since serve started.");
  AppendSample(&out, "hoso_records_consumed_total", stats_.records);
  AppendFamily(&out, "hoso_events_applied_total", "counter",
               "Events applied since serve started (derived overdue events included).");
  AppendSample(&out, "hoso_events_applied_total", stats_.totals.applied);
  AppendFamily(&out, "hoso_events_duplicate_total", "counter",
               "Records skipped as exact duplicates of an applied event.");
  AppendSample(&out, "hoso_events_duplicate_total", stats_.totals.duplicates);
  AppendFamily(&out, "hoso_events_rejected_total", "counter",
               "Records rejected into the dead letters, by reason code.");
  for (int code = 0; code < core::kRejectCodeCount; ++code) {
    AppendSample(&out,
                 "hoso_events_rejected_total{reason=\"" +
                     std::string(core::RejectCodeName(static_cast<core::RejectCode>(code))) + "\"}",
                 stats_.totals.rejected_by_code[code]);
  }
  AppendFamily(&out, "hoso_derived_events_total", "counter",
               "Overdue events the engine logged itself at due_at.");
  AppendSample(&out, "hoso_derived_events_total", stats_.totals.derived_events);
  AppendFamily(&out, "hoso_batches_total", "counter", "Input batches applied.");
  AppendSample(&out, "hoso_batches_total", stats_.batches);
  AppendFamily(&out, "hoso_commits_total", "counter", "Engine commits made durable in RocksDB.");
  AppendSample(&out, "hoso_commits_total", stats_.commits);
  AppendFamily(&out, "hoso_commit_duration_seconds", "histogram",
               "Engine commits from sealed to durable (the writer thread's queue and the RocksDB "
               "write).");
  AppendHistogram<int64_t>(&out, "hoso_commit_duration_seconds", "", runtime::kCommitSecondsBuckets,
                           stats_.commit_seconds_buckets, stats_.commits,
                           stats_.commit_seconds_sum);
  AppendFamily(&out, "hoso_checkpoints_total", "counter", "Checkpoints written.");
  AppendSample(&out, "hoso_checkpoints_total", stats_.checkpoints);
  AppendFamily(&out, "hoso_alerts_raised_total", "counter", "Alerts raised, by kind.");
  for (int kind = 0; kind < core::kAlertKindCount; ++kind) {
    AppendSample(&out,
                 "hoso_alerts_raised_total{kind=\"" +
                     std::string(core::AlertKindName(static_cast<core::AlertKind>(kind))) + "\"}",
                 stats_.alerts_by_kind[kind]);
  }
  AppendFamily(&out, "hoso_alerts_published_total", "counter",
               "Alerts acknowledged by the broker on the alerts topic (at least once).");
  AppendSample(&out, "hoso_alerts_published_total", alerts_published_);
  if (last_checkpoint_) {
    AppendFamily(&out, "hoso_last_checkpoint_age_seconds", "gauge",
                 "Seconds since the last checkpoint this process wrote became durable.");
    char age[32];
    std::snprintf(
        age, sizeof age, "%.3f",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - *last_checkpoint_)
            .count());
    out += std::string("hoso_last_checkpoint_age_seconds ") + age + "\n";
  }
  AppendFamily(&out, "hoso_consumer_lag", "gauge",
               "Records of the input topic not yet consumed, per assigned partition.");
  for (const auto& [partition, lag] : lag_by_partition_) {
    AppendSample(&out, "hoso_consumer_lag{partition=\"" + std::to_string(partition) + "\"}", lag);
  }
  AppendFamily(&out, "hoso_pending_timers", "gauge",
               "Alert timers armed in the engine (derived from the open dossiers).");
  AppendSample(&out, "hoso_pending_timers", static_cast<int64_t>(pending_timers_));
  AppendFamily(&out, "hoso_restoring_partitions", "gauge",
               "Assigned input partitions still restoring their state (docs/scale.md).");
  AppendSample(&out, "hoso_restoring_partitions", int64_t{restoring_partitions_});
  AppendFamily(&out, "hoso_restore_records_remaining", "gauge",
               "Records the restoring partitions still have to read.");
  AppendSample(&out, "hoso_restore_records_remaining", restore_records_remaining_);
  return out;
}

std::optional<std::string> ServeStatus::NotReadyReason() const {
  std::lock_guard lock(mutex_);
  if (!running_) return std::string("recovering: the engine has not started consuming yet");
  if (restoring_partitions_ > 0) {
    return "restoring " + std::to_string(restoring_partitions_) + " partitions (" +
           std::to_string(restore_records_remaining_) + " records remaining)";
  }
  int64_t lag = 0;
  for (const auto& [partition, partition_lag] : lag_by_partition_) lag += partition_lag;
  if (lag > ready_max_lag_) {
    return "consumer lag " + std::to_string(lag) + " records is over http.ready_max_lag (" +
           std::to_string(ready_max_lag_) + ")";
  }
  return std::nullopt;
}

std::string PostgresSinkMetrics(const connectors::postgres::PostgresSink::Stats& stats) {
  std::string out;
  AppendFamily(&out, "hoso_postgres_lag_seconds", "gauge",
               "Seconds since the oldest commit not yet in PostgreSQL became durable (0: caught "
               "up).");
  AppendSample(&out, "hoso_postgres_lag_seconds", stats.lag_seconds);
  AppendFamily(&out, "hoso_postgres_lag_events", "gauge",
               "Events the engine has logged that the PostgreSQL tables do not reflect yet.");
  AppendSample(
      &out, "hoso_postgres_lag_events",
      static_cast<int64_t>(stats.queued_log_sequence -
                           std::min(stats.queued_log_sequence, stats.written_log_sequence)));
  AppendFamily(&out, "hoso_postgres_pending_rows", "gauge",
               "KPI cells, dossiers and alerts waiting for PostgreSQL (coalesced).");
  AppendSample(&out, "hoso_postgres_pending_rows", stats.pending_rows);
  AppendFamily(&out, "hoso_postgres_transactions_total", "counter",
               "Transactions committed in PostgreSQL by the sink.");
  AppendSample(&out, "hoso_postgres_transactions_total", stats.transactions);
  AppendFamily(&out, "hoso_postgres_rows_written_total", "counter",
               "Rows upserted into PostgreSQL by the sink.");
  AppendSample(&out, "hoso_postgres_rows_written_total", stats.rows_written);
  AppendFamily(&out, "hoso_postgres_failures_total", "counter",
               "Failed PostgreSQL attempts (connection or transaction), each retried.");
  AppendSample(&out, "hoso_postgres_failures_total", stats.failures);
  AppendFamily(&out, "hoso_postgres_up", "gauge",
               "1 while the sink's last PostgreSQL attempt succeeded.");
  AppendSample(&out, "hoso_postgres_up", int64_t{stats.connected ? 1 : 0});
  AppendFamily(&out, "hoso_postgres_overflowed", "gauge",
               "1 when the sink dropped its queue (too much waiting) and stopped mirroring "
               "until the next start.");
  AppendSample(&out, "hoso_postgres_overflowed", int64_t{stats.overflowed ? 1 : 0});
  return out;
}

std::string DistrictViewMetrics(const connectors::kafka::DistrictView::Stats& stats) {
  std::string out;
  AppendFamily(&out, "hoso_district_cells", "gauge",
               "KPI cells of every instance read from hoso.kpi (the district-wide answers).");
  AppendSample(&out, "hoso_district_cells", static_cast<int64_t>(stats.cells));
  AppendFamily(&out, "hoso_district_caught_up", "gauge",
               "1 once hoso.kpi and hoso.instances were read to their end at start.");
  AppendSample(&out, "hoso_district_caught_up", int64_t{stats.caught_up ? 1 : 0});
  AppendFamily(&out, "hoso_district_instances", "gauge", "Instances announced on hoso.instances.");
  AppendSample(&out, "hoso_district_instances", static_cast<int64_t>(stats.instances));
  AppendFamily(&out, "hoso_district_bad_records_total", "counter",
               "Records of hoso.kpi or hoso.instances skipped as unreadable.");
  AppendSample(&out, "hoso_district_bad_records_total", stats.bad_records);
  return out;
}

std::string DvcqgBridgeMetrics(const connectors::dvcqg::SyncTopicBridge::Stats& stats) {
  std::string out;
  AppendMetric(&out, "hoso_dvcqg_records_total", "counter",
               "Sync records read from topics.dvcqg since start, the rebuild included.",
               stats.records);
  AppendMetric(&out, "hoso_dvcqg_rebuild_remaining", "gauge",
               "Records before the committed offsets still to read to rebuild the tracks.",
               stats.rebuild_remaining);
  AppendMetric(&out, "hoso_dvcqg_events_produced_total", "counter",
               "Derived lifecycle events acknowledged on the events topic.", stats.events_produced);
  AppendFamily(&out, "hoso_dvcqg_dead_letters_total", "counter",
               "Dead letters of topics.dvcqg: refused records and changes that gave no event.");
  AppendSample(&out, "hoso_dvcqg_dead_letters_total{kind=\"refused\"}", stats.records_refused);
  AppendSample(&out, "hoso_dvcqg_dead_letters_total{kind=\"unapplied\"}", stats.changes_unapplied);
  AppendMetric(&out, "hoso_dvcqg_dossiers", "gauge", "Dossiers whose track the bridge keeps.",
               stats.dossiers);
  AppendMetric(&out, "hoso_dvcqg_checkpoint_dossiers", "gauge",
               "Dossiers whose track came from the checkpoint file at start (0: rebuilt from the "
               "topic).",
               stats.dossiers_from_checkpoint);
  AppendMetric(&out, "hoso_dvcqg_checkpoints_total", "counter",
               "Checkpoint files of the tracks written.", stats.checkpoints);
  return out;
}

}  // namespace hoso::tools
