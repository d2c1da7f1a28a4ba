// EventSource: where raw dossier events come from (a JSONL file, Kafka).
//
// A source reads batches of raw records and reports, with each batch, the
// positions it reached (source id -> position text). The engine stores those
// positions in the same atomic batch as the projections; on start the source
// resumes from them (Start's lookup), which is what makes a killed and
// restarted ingest end with exactly the figures of an uninterrupted run.
//
// Thread-safety: one thread drives a source.
#ifndef HOSO_ENGINE_RUNTIME_EVENT_SOURCE_H_
#define HOSO_ENGINE_RUNTIME_EVENT_SOURCE_H_

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/status.h"
#include "engine/runtime/engine.h"

namespace hoso::runtime {

// A change of the partitions a consumer-group member owns, for
// Engine::AssignPartition / RevokePartition (docs/scale.md "Restore").
struct PartitionChange {
  enum class Kind { kAssigned, kRevoked };
  int32_t partition = 0;
  Kind kind = Kind::kAssigned;
  int64_t restore_until = -1;  // kAssigned: the offset its restore ends at, or -1
};

struct SourceBatch {
  std::vector<RawRecord> records;  // bytes valid until the next NextBatch call
  Positions positions;
  bool end_of_source = false;  // a finite source has nothing more
  // Ownership changes that happened while the batch was read, in order; the
  // engine takes them before the batch's records.
  std::vector<PartitionChange> partition_changes;
  void Clear() {
    records.clear();
    positions.clear();
    end_of_source = false;
    partition_changes.clear();
  }
};

using PositionLookup =
    std::function<core::Result<std::optional<std::string>>(std::string_view source_id)>;

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Resumes from the stored positions. Called once, before NextBatch.
  virtual core::Status Start(const PositionLookup& lookup) = 0;
  // Fills `batch` with up to `max_records` records. Returns a failed status
  // only for a source failure (unreadable file, fatal broker error).
  virtual core::Status NextBatch(size_t max_records, SourceBatch* batch) = 0;
  // A short description for logs and progress ("file events.jsonl").
  virtual std::string Describe() const = 0;
  // The positions of a batch are durable (stored with its commit): a source
  // may tell its upstream (Kafka offsets, for lag tools). Default: nothing.
  virtual void Committed(const Positions& positions) { (void)positions; }
  // Called before the source gives records up (a Kafka revoke): `drain` makes
  // every commit in flight durable and reports it through Committed, so the
  // next owner starts exactly after what was stored. Default: unused.
  virtual void SetDrain(std::function<void()> drain) { (void)drain; }
};

// Receives the records the engine rejected (the dead-letter sink).
class RejectSink {
 public:
  virtual ~RejectSink() = default;
  virtual core::Status Write(const RawRecord& record, const core::Rejection& rejection) = 0;
  // Makes what was written durable before the batch that rejected it commits.
  virtual core::Status Flush() = 0;
  // A position to store with every commit (a dead-letter file's size, cut
  // back to on restart), or none.
  virtual std::optional<std::pair<std::string, std::string>> Position() const {
    return std::nullopt;
  }
};

// What follows a durable commit: publishing its alerts and KPI changes
// (hoso.alerts, hoso.kpi). Called in commit order, on the pipeline's thread,
// or on its publishing thread with PipelineOptions::publish_on_thread.
class CommitSink {
 public:
  virtual ~CommitSink() = default;
  // A failure stops the pipeline.
  virtual core::Status Published(const Commit& commit) = 0;
  // Several durable commits at once, in commit order: those that waited
  // together for a publishing thread that fell behind. The same effect as
  // Published of each in turn, which is what this default does; a sink may
  // merge them (EngineSinks sends each changed KPI cell once, at its latest
  // value). Each is published once this returns Ok.
  virtual core::Status PublishedAll(std::span<const Commit* const> commits) {
    for (const Commit* commit : commits) HOSO_RETURN_IF_ERROR(Published(*commit));
    return core::Status::Ok();
  }
};

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_EVENT_SOURCE_H_
