#include "engine/runtime/pipeline.h"

#include <chrono>

namespace hoso::runtime {

Pipeline::Pipeline(Engine* engine, EventSource* source, Committer* committer, RejectSink* rejects,
                   CommitSink* sink, PipelineOptions options)
    : engine_(engine),
      source_(source),
      committer_(committer),
      rejects_(rejects),
      sink_(sink),
      options_(std::move(options)),
      publisher_("hoso-publish", OrderedStage::GroupStep([sink](std::span<Commit* const> commits) {
                   return sink != nullptr ? sink->PublishedAll(commits) : core::Status::Ok();
                 }),
                 /*threaded=*/sink != nullptr && options_.publish_on_thread,
                 options_.max_publishing) {}

core::Instant Pipeline::Now() const {
  if (options_.now) return options_.now();
  return core::Instant{std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()};
}

void Pipeline::Count(const BatchResult& result, PipelineStats* stats) {
  stats->totals.Add(result);
  for (int kind = 0; kind < core::kAlertKindCount; ++kind) {
    stats->alerts_by_kind[kind] += result.alerts_by_kind[kind];
    stats->alerts += result.alerts_by_kind[kind];
  }
}

core::Status Pipeline::Settle(PipelineStats* stats) {
  std::vector<std::unique_ptr<Commit>> durable;
  core::Status s = committer_->TakeDurable(&durable);
  for (std::unique_ptr<Commit>& commit : durable) {
    engine_->Committed(*commit);
    ++stats->commits;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - commit->sealed_at).count();
    for (size_t i = 0; i < kCommitSecondsBuckets.size(); ++i) {
      if (seconds <= kCommitSecondsBuckets[i]) ++stats->commit_seconds_buckets[i];
    }
    stats->commit_seconds_sum += seconds;
    if (commit->checkpoint) ++stats->checkpoints;
    HOSO_RETURN_IF_ERROR(publisher_.Submit(std::move(commit)));
  }
  // Published before the source is told: a consumer group's committed
  // offset says what a partition's next owner restores quietly, so it must
  // never pass alerts not yet acknowledged (docs/scale.md "Restore").
  std::vector<std::unique_ptr<Commit>> published;
  core::Status publishing = publisher_.TakeDone(&published);
  for (const std::unique_ptr<Commit>& commit : published) {
    if (source_ != nullptr && !commit->positions.empty()) source_->Committed(commit->positions);
  }
  HOSO_RETURN_IF_ERROR(s);
  return publishing;
}

core::Status Pipeline::DrainAll(PipelineStats* stats) {
  HOSO_RETURN_IF_ERROR(committer_->Drain());
  HOSO_RETURN_IF_ERROR(Settle(stats));
  HOSO_RETURN_IF_ERROR(publisher_.Drain());
  return Settle(stats);
}

core::Status Pipeline::Submit(core::Result<std::unique_ptr<Commit>> commit) {
  if (!commit.ok()) return commit.status();
  if (*commit == nullptr) return core::Status::Ok();
  (*commit)->sealed_at = std::chrono::steady_clock::now();
  return committer_->Submit(std::move(*commit));
}

core::Status Pipeline::SealAndSubmit(Positions positions, bool checkpoint, PipelineStats* stats) {
  if (checkpoint) {
    HOSO_RETURN_IF_ERROR(
        Submit(engine_->Seal(std::move(positions), Engine::CheckpointPolicy::kNow)));
    return Settle(stats);
  }
  // A due checkpoint is its own commit, after the batch's: encoding and
  // writing one takes a while (about 0.3 s each at 260,000 changed dossiers
  // on the reference machine), and the batch's alerts and KPI changes must
  // not wait for it. Both commits are consistent states: the first is the
  // previous checkpoint plus a longer log tail, the second the new one.
  HOSO_RETURN_IF_ERROR(
      Submit(engine_->Seal(std::move(positions), Engine::CheckpointPolicy::kLater)));
  if (!engine_->checkpoint_due()) return Settle(stats);
  // Against the wall clock, what the batch raised goes to the sink before
  // the engine thread spends its time on the checkpoint's records.
  if (options_.wall_clock) HOSO_RETURN_IF_ERROR(committer_->Drain());
  HOSO_RETURN_IF_ERROR(Settle(stats));
  HOSO_RETURN_IF_ERROR(Submit(engine_->Seal({}, Engine::CheckpointPolicy::kNow)));
  return Settle(stats);
}

core::Status Pipeline::Tick(PipelineStats* stats) {
  // Every loop, records or not: the source's poll wait is capped, so an
  // alert is raised within one tick of its instant. A burst of due timers is
  // fired in bounded commits (EngineOptions::max_timers_per_advance).
  const core::Instant now = Now();
  for (;;) {
    auto advanced = engine_->AdvanceClock(now);
    if (!advanced.ok()) return advanced.status();
    Count(*advanced, stats);
    HOSO_RETURN_IF_ERROR(SealAndSubmit({}, false, stats));
    const std::optional<core::Instant> next = engine_->next_timer_at();
    if (!next || !(*next < now) || (options_.stop && options_.stop())) return core::Status::Ok();
  }
}

core::Status Pipeline::Run(PipelineStats* stats) {
  source_->SetDrain([this, stats] {
    DrainAll(stats).IgnoreError(
        "a failed write or publication is reported by the loop's next "
        "Submit or Settle");
  });
  // The hook lives only while Run polls the source: closing the source later
  // (its destructor revokes what it holds) must not reach this pipeline or
  // `stats`, which may be gone by then.
  struct ClearDrain {
    EventSource* source;
    ~ClearDrain() { source->SetDrain(nullptr); }
  } clear_drain{source_};
  SourceBatch batch;
  int64_t batch_number = 0;
  for (;;) {
    if (options_.stop && options_.stop()) break;
    HOSO_RETURN_IF_ERROR(source_->NextBatch(options_.batch_max_records, &batch));
    for (const PartitionChange& change : batch.partition_changes) {
      switch (change.kind) {
        case PartitionChange::Kind::kAssigned:
          engine_->AssignPartition(change.partition, change.restore_until);
          break;
        case PartitionChange::Kind::kRevoked:
          engine_->RevokePartition(change.partition);
          break;
      }
    }
    if (!batch.records.empty() || !batch.positions.empty() || !batch.partition_changes.empty()) {
      ++batch_number;
      auto result = engine_->Apply(batch.records);
      if (!result.ok()) return result.status();
      if (rejects_ != nullptr) {
        // Dead letters are durable before the batch commits: a crash may
        // write one twice (its source position tells), never lose one.
        for (const RejectedRecord& rejected : result->rejections) {
          HOSO_RETURN_IF_ERROR(rejects_->Write(batch.records[rejected.index], rejected.rejection));
        }
        if (!result->rejections.empty()) HOSO_RETURN_IF_ERROR(rejects_->Flush());
        if (auto position = rejects_->Position()) batch.positions.push_back(*position);
      }
      stats->records += static_cast<int64_t>(batch.records.size());
      if (!batch.records.empty()) ++stats->batches;
      Count(*result, stats);
      if (options_.before_seal) options_.before_seal(batch_number);
      HOSO_RETURN_IF_ERROR(SealAndSubmit(std::move(batch.positions), false, stats));
      if (options_.after_submit) options_.after_submit(batch_number);
    } else {
      HOSO_RETURN_IF_ERROR(Settle(stats));
    }
    if (options_.wall_clock) HOSO_RETURN_IF_ERROR(Tick(stats));
    if (options_.progress) options_.progress(*stats);
    if (batch.end_of_source || (options_.done && options_.done(*stats))) break;
  }
  return core::Status::Ok();
}

core::Status Pipeline::Finish(bool checkpoint, PipelineStats* stats) {
  HOSO_RETURN_IF_ERROR(SealAndSubmit({}, checkpoint, stats));
  return DrainAll(stats);
}

}  // namespace hoso::runtime
