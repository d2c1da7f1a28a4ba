#include "engine/runtime/log_replayer.h"

#include <span>
#include <utility>
#include <vector>

#include "projections/event_log.h"
#include "projections/meta.h"

namespace hoso::runtime {

namespace {

core::Status Settle(Engine& target, Committer* committer) {
  std::vector<std::unique_ptr<Commit>> durable;
  core::Status s = committer->TakeDurable(&durable);
  for (const auto& commit : durable) target.Committed(*commit);
  return s;
}

// Applies one batch of logged inputs and hands its commit to the committer.
// `source_segment`: the stored segment the inputs come from, if one.
core::Status ApplyAndCommit(Engine& target, Committer* committer,
                            std::span<const Engine::LoggedInput> inputs, BatchResult* totals,
                            SourceSegment source_segment = {}) {
  auto result = target.ApplyLogged(inputs);
  if (!result.ok()) return result.status();
  totals->Add(*result);
  if (committer == nullptr) return core::Status::Ok();
  auto commit = target.Seal({}, Engine::CheckpointPolicy::kWhenDue, std::move(source_segment));
  if (!commit.ok()) return commit.status();
  if (*commit) HOSO_RETURN_IF_ERROR(committer->Submit(std::move(*commit)));
  return Settle(target, committer);
}

core::Status FinalCheckpoint(Engine& target, Committer* committer) {
  if (committer == nullptr) return core::Status::Ok();
  auto commit = target.Seal({}, Engine::CheckpointPolicy::kNow);
  if (!commit.ok()) return commit.status();
  if (*commit) HOSO_RETURN_IF_ERROR(committer->Submit(std::move(*commit)));
  HOSO_RETURN_IF_ERROR(committer->Drain());
  return Settle(target, committer);
}

}  // namespace

core::Result<BatchResult> ReplayLog(projections::KvStore& log, Engine& target, Committer* committer,
                                    const ReplayOptions& options) {
  auto meta = projections::ReadEngineMeta(log);
  if (!meta.ok()) return meta.status();
  const uint64_t total = meta->has_value() ? (*meta)->log_sequence : 0;
  // The log's events are known; its dossiers are not (the source keeps no
  // count): half the events (the simulated year has 2.4 events a dossier).
  // A wrong guess costs one doubling more, or slots never used.
  if (options.size_for_whole_log) target.ReserveIds(total, total / 2);
  BatchResult totals;
  std::vector<Engine::LoggedInput> inputs;
  uint64_t done = 0;
  auto it = log.NewIterator(projections::Column::kLog);
  // One batch per segment of the source: the rebuilt log is numbered and
  // grouped as the source was (byte-identical for an event-time source).
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto segment = projections::SegmentReader::Open(it->value());
    if (!segment.ok()) return segment.status();
    inputs.clear();
    projections::LogEntry entry;
    core::Status status;
    while (segment->Next(&entry, &status)) {
      inputs.push_back(
          Engine::LoggedInput{entry.bytes, entry.partition, entry.offset, entry.derived});
    }
    HOSO_RETURN_IF_ERROR(status);
    HOSO_RETURN_IF_ERROR(
        ApplyAndCommit(target, committer, inputs, &totals,
                       {it->value(), segment->shared_entries(), segment->shared_entries_size()}));
    done += segment->count();
    if (options.on_progress) options.on_progress(done, total);
  }
  HOSO_RETURN_IF_ERROR(it->status());
  HOSO_RETURN_IF_ERROR(FinalCheckpoint(target, committer));
  return totals;
}

Replayer::Replayer(Engine* target, Committer* committer, ReplayOptions options, uint64_t total)
    : target_(target), committer_(committer), options_(std::move(options)), total_(total) {}

void Replayer::Add(const Engine::LoggedInput& input) {
  offsets_.push_back(arena_.size());
  arena_.append(input.bytes);
  inputs_.push_back(input);
}

core::Status Replayer::EndBatch() {
  if (inputs_.empty()) return core::Status::Ok();
  // The arena may have moved while growing: point the views at it now.
  for (size_t i = 0; i < inputs_.size(); ++i) {
    inputs_[i].bytes = std::string_view(arena_).substr(offsets_[i], inputs_[i].bytes.size());
  }
  HOSO_RETURN_IF_ERROR(ApplyAndCommit(*target_, committer_, inputs_, &totals_));
  done_ += inputs_.size();
  if (options_.on_progress) options_.on_progress(done_, total_);
  inputs_.clear();
  offsets_.clear();
  arena_.clear();
  return core::Status::Ok();
}

core::Result<BatchResult> Replayer::Finish() {
  HOSO_RETURN_IF_ERROR(EndBatch());
  HOSO_RETURN_IF_ERROR(FinalCheckpoint(*target_, committer_));
  return totals_;
}

}  // namespace hoso::runtime
