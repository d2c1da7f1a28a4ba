#include "tools/hoso/serve_status.h"

#include <cstdio>

#include "engine/core/alert.h"
#include "engine/core/rejection.h"

namespace hoso::tools {
namespace {

void Family(std::string* out, const char* name, const char* type, const char* help) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Sample(std::string* out, const std::string& name_and_labels, int64_t value) {
  *out += name_and_labels + " " + std::to_string(value) + "\n";
}

}  // namespace

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

std::string ServeStatus::Metrics() const {
  std::lock_guard lock(mutex_);
  std::string out;
  Family(&out, "hoso_records_consumed_total", "counter",
         "Records read from the input topic since serve started.");
  Sample(&out, "hoso_records_consumed_total", stats_.records);
  Family(&out, "hoso_events_applied_total", "counter",
         "Events applied since serve started (derived overdue events included).");
  Sample(&out, "hoso_events_applied_total", stats_.totals.applied);
  Family(&out, "hoso_events_duplicate_total", "counter",
         "Records skipped as exact duplicates of an applied event.");
  Sample(&out, "hoso_events_duplicate_total", stats_.totals.duplicates);
  Family(&out, "hoso_events_rejected_total", "counter",
         "Records rejected into the dead letters, by reason code.");
  for (int code = 0; code < core::kRejectCodeCount; ++code) {
    Sample(&out,
           "hoso_events_rejected_total{reason=\"" +
               std::string(core::RejectCodeName(static_cast<core::RejectCode>(code))) + "\"}",
           stats_.totals.rejected_by_code[code]);
  }
  Family(&out, "hoso_derived_events_total", "counter",
         "Overdue events the engine logged itself at due_at.");
  Sample(&out, "hoso_derived_events_total", stats_.totals.derived_events);
  Family(&out, "hoso_batches_total", "counter", "Input batches applied.");
  Sample(&out, "hoso_batches_total", stats_.batches);
  Family(&out, "hoso_commits_total", "counter", "Engine commits made durable in RocksDB.");
  Sample(&out, "hoso_commits_total", stats_.commits);
  Family(&out, "hoso_commit_duration_seconds", "histogram",
         "Engine commits from sealed to durable (the writer thread's queue and the RocksDB "
         "write).");
  for (size_t i = 0; i < runtime::kCommitSecondsBuckets.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "%g", runtime::kCommitSecondsBuckets[i]);
    Sample(&out, std::string("hoso_commit_duration_seconds_bucket{le=\"") + le + "\"}",
           stats_.commit_seconds_buckets[i]);
  }
  Sample(&out, "hoso_commit_duration_seconds_bucket{le=\"+Inf\"}", stats_.commits);
  {
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.6f", stats_.commit_seconds_sum);
    out += std::string("hoso_commit_duration_seconds_sum ") + sum + "\n";
  }
  Sample(&out, "hoso_commit_duration_seconds_count", stats_.commits);
  Family(&out, "hoso_checkpoints_total", "counter", "Checkpoints written.");
  Sample(&out, "hoso_checkpoints_total", stats_.checkpoints);
  Family(&out, "hoso_alerts_raised_total", "counter", "Alerts raised, by kind.");
  for (int kind = 0; kind < core::kAlertKindCount; ++kind) {
    Sample(&out,
           "hoso_alerts_raised_total{kind=\"" +
               std::string(core::AlertKindName(static_cast<core::AlertKind>(kind))) + "\"}",
           stats_.alerts_by_kind[kind]);
  }
  Family(&out, "hoso_alerts_published_total", "counter",
         "Alerts acknowledged by the broker on the alerts topic (at least once).");
  Sample(&out, "hoso_alerts_published_total", alerts_published_);
  if (last_checkpoint_) {
    Family(&out, "hoso_last_checkpoint_age_seconds", "gauge",
           "Seconds since the last checkpoint this process wrote became durable.");
    char age[32];
    std::snprintf(
        age, sizeof age, "%.3f",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - *last_checkpoint_)
            .count());
    out += std::string("hoso_last_checkpoint_age_seconds ") + age + "\n";
  }
  Family(&out, "hoso_consumer_lag", "gauge",
         "Records of the input topic not yet consumed, per assigned partition.");
  for (const auto& [partition, lag] : lag_by_partition_) {
    Sample(&out, "hoso_consumer_lag{partition=\"" + std::to_string(partition) + "\"}", lag);
  }
  Family(&out, "hoso_pending_timers", "gauge",
         "Alert timers armed in the engine (derived from the open dossiers).");
  Sample(&out, "hoso_pending_timers", static_cast<int64_t>(pending_timers_));
  return out;
}

std::optional<std::string> ServeStatus::NotReadyReason() const {
  std::lock_guard lock(mutex_);
  if (!running_) return std::string("recovering: the engine has not started consuming yet");
  int64_t lag = 0;
  for (const auto& [partition, partition_lag] : lag_by_partition_) lag += partition_lag;
  if (lag > ready_max_lag_) {
    return "consumer lag " + std::to_string(lag) + " records is over http.ready_max_lag (" +
           std::to_string(ready_max_lag_) + ")";
  }
  return std::nullopt;
}

}  // namespace hoso::tools
