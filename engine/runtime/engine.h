// Engine: the pipeline driver shared by every source (file, Kafka, replay).
//
//   raw records -> codec (decode + validate) -> unknown_procedure -> duplicate
//   event_id -> fire timers due before the event (event-time clock) -> state
//   machine -> one atomic KvBatch: event log + dedup ids + dossier states +
//   KPI counters + timers + raised alerts + source positions + clock.
//
// Exactly-once effect: the caller passes the source positions reached by the
// batch; they are written in the same batch as the projections, so a source
// that resumes from LoadPosition() after a crash neither loses nor double
// counts anything.
//
// Thread-safety: one thread owns an Engine. A failed write leaves the
// in-memory indexes ahead of the store: the engine then refuses further work
// (every call returns the failure) and must be reopened.
#ifndef HOSO_ENGINE_RUNTIME_ENGINE_H_
#define HOSO_ENGINE_RUNTIME_ENGINE_H_

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/core/alert.h"
#include "engine/core/dossier_state_machine.h"
#include "engine/core/rejection.h"
#include "engine/core/status.h"
#include "engine/runtime/chain_hash.h"
#include "projections/kv_store.h"
#include "projections/records.h"
#include "schemas/codec/event_codec.h"

namespace hoso::runtime {

struct RawRecord {
  RawRecord() = default;
  RawRecord(std::string_view record_bytes, int32_t input_partition, int64_t input_offset)
      : bytes(record_bytes), partition(input_partition), offset(input_offset) {}
  std::string_view bytes;  // must stay valid during ApplyBatch
  int32_t partition = 0;   // input partition (0 for a file)
  int64_t offset = 0;      // input offset (byte offset of the line for a file)
  // When `bytes` is only the head of a record too long for its source to
  // hold (a file line longer than the read buffer): the record's true size
  // and the SHA-256 of all of it in hex, valid as long as `bytes`. Otherwise
  // -1 and empty: `bytes` is the whole record.
  int64_t full_size = -1;
  std::string_view full_sha256_hex;
};

struct RejectedRecord {
  size_t index = 0;  // into the records passed to ApplyBatch
  core::Rejection rejection;
};

struct BatchResult {
  int64_t applied = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
  int64_t derived_events = 0;  // overdue events the engine logged itself
  std::array<int64_t, core::kRejectCodeCount> rejected_by_code{};
  std::vector<RejectedRecord> rejections;
  std::vector<core::Alert> alerts;               // raised (and stored) by this batch
  std::vector<projections::KpiKey> changed_kpi;  // cells whose counters changed

  void Add(const BatchResult& other);  // sums counters; appends nothing else
};

enum class ClockMode {
  kEventTime,  // the highest occurred_at among applied events (ingest, replay, demo)
  kWallTime,   // AdvanceClock(now) from a wall clock (serve)
};

struct EngineOptions {
  core::StateMachineOptions machine;
  ClockMode clock_mode = ClockMode::kEventTime;
  // Keep the event log and dedup ids. Off only for in-memory "as of" folds,
  // which read a log that is already deduplicated.
  bool keep_log = true;
  // Stop applying (but still count) events with occurred_at after this
  // instant; used by `replay --until` and `kpi --as-of`. Default: none.
  std::optional<core::Instant> until;
  // Input guards (issue 8, docs/decisions.md "Input guards"). An event dated
  // after the real current time (`wall_now`) plus `future_skew_ms` is
  // rejected as future_instant; with the event-time clock, once
  // `guard_after_events` events are logged (a stream with an established
  // rhythm), an event more than `max_ahead_ms` ahead of the engine clock is
  // rejected as ahead_of_clock, so one mistyped date cannot move the clock
  // for everyone. Negative values turn a guard off. Replays of a log (which
  // only holds accepted events) never apply them.
  int64_t future_skew_ms = 10 * 60 * 1000;            // Default: 10 minutes.
  int64_t max_ahead_ms = int64_t{31} * 86400 * 1000;  // Default: 31 days.
  uint64_t guard_after_events = 1000;                 // Default: 1,000.
  // The real current time for the future guard. Default: the system clock.
  std::function<core::Instant()> wall_now;
  // AdvanceClock fires at most this many timers (earliest first) per call, so
  // a burst of due alerts streams out in bounded commits instead of one huge
  // batch; callers tick again while next_timer_at() < now. Default: 20,000.
  size_t max_timers_per_advance = 20000;
};

class Engine {
 public:
  // Opens the projections in `store`, refusing a store written by another
  // projection version (VersionMismatch, with the advice to replay). `store`
  // and `machine` must outlive the engine.
  static core::Result<std::unique_ptr<Engine>> Open(projections::KvStore* store,
                                                    const core::DossierStateMachine* machine,
                                                    EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies `records` in order and commits them in one atomic batch together
  // with `positions` (source id -> position text, stored under meta
  // "position/<id>"). Bad records are rejected and reported, never fatal.
  // Fails only when the store fails.
  //
  // `before_commit`, when set, runs after the batch is applied in memory and
  // before it is written: a dead-letter sink writes and flushes the batch's
  // rejections there and may add its own position. Its failure aborts the
  // batch (nothing is written) and breaks the engine.
  using Positions = std::vector<std::pair<std::string, std::string>>;
  using BeforeCommit = std::function<core::Status(const BatchResult& result, Positions* positions)>;
  core::Result<BatchResult> ApplyBatch(std::span<const RawRecord> records, Positions positions,
                                       const BeforeCommit& before_commit = nullptr);

  // Applies already-decoded events of a log being replayed (no codec), with
  // their original chain bytes. Derived events in the log are skipped: the
  // replaying engine derives its own.
  struct LoggedInput {
    std::string_view bytes;
    int32_t partition = 0;
    int64_t offset = 0;
    bool derived = false;
  };
  core::Result<BatchResult> ApplyLogged(std::span<const LoggedInput> inputs);

  // Wall-clock mode: raises the timers with fires_at before `now` (at most
  // options.max_timers_per_advance of them, earliest first) and commits.
  core::Result<BatchResult> AdvanceClock(core::Instant now);

  // The stored position of a source, if any.
  core::Result<std::optional<std::string>> LoadPosition(std::string_view source_id);

  core::Instant clock() const { return clock_; }
  uint64_t logged_events() const { return log_sequence_; }
  // Every KPI cell (summed later over partitions); kept in memory, small.
  const std::map<projections::KpiKey, core::KpiCounters>& kpi_cells() const { return kpi_cells_; }
  // The earliest pending timer, if any.
  std::optional<core::Instant> next_timer_at() const;
  size_t pending_timers() const { return timer_keys_.size(); }

 private:
  struct Batch;
  Engine(projections::KvStore* store, const core::DossierStateMachine* machine,
         EngineOptions options);
  core::Status Load();
  core::Status ApplyOne(Batch& batch, std::string_view bytes, const core::Event& event,
                        int32_t partition, int64_t offset, bool derived,
                        std::optional<core::Rejection>* rejected);
  core::Result<core::DossierState*> LoadState(Batch& batch, const std::string& dossier_id);
  core::Result<bool> IsKnownEventId(Batch& batch, const std::string& event_id);
  // The bytes of the applied event with this id (which must be known).
  core::Result<std::string> AppliedBytes(Batch& batch, const std::string& event_id);
  // Rejects `event` when a guard of EngineOptions refuses it.
  bool PassesGuards(const core::Event& event, core::Rejection* rejection) const;
  core::Status FireTimersBefore(Batch& batch, core::Instant limit, core::Instant raised_at,
                                size_t max_fires);
  core::Status Commit(Batch& batch, const Positions& positions);
  void Record(Batch& batch, const core::Transition& transition, int32_t partition);
  core::Status RaiseAlert(Batch& batch, const core::Alert& alert);
  void RemoveTimer(Batch& batch, const std::string& key);
  void LogEvent(Batch& batch, core::DossierState* state, std::string_view bytes,
                core::Instant occurred_at, int32_t partition, int64_t offset, bool derived);

  projections::KvStore* store_;
  const core::DossierStateMachine* machine_;
  EngineOptions options_;
  codec::EventDecoder decoder_;
  core::Status broken_;
  core::Instant clock_{INT64_MIN};
  uint64_t log_sequence_ = 0;
  std::map<projections::KpiKey, core::KpiCounters> kpi_cells_;
  std::set<std::string> timer_keys_;  // encoded timer keys, ordered by fire instant
  // Every open dossier's state (what most events need), and fingerprints of
  // every stored dossier, event and alert id: a fingerprint that is absent
  // proves the id is absent, so the common case needs no store read. Memory
  // grows with open dossiers and with 8 bytes (+ set overhead) per stored id.
  std::unordered_map<std::string, core::DossierState> open_states_;
  std::unordered_set<uint64_t> dossier_ids_;
  std::unordered_set<uint64_t> event_ids_;
  std::unordered_set<uint64_t> alert_ids_;
  bool replaying_log_ = false;  // inside ApplyLogged: the guards do not apply
  ChainHasher hasher_;          // one digest context, reused for every logged event
  std::string chain_scratch_;
};

// The JSON of an alert as published on hoso.alerts (schemas/alert.schema.json).
std::string EncodeAlertJson(const core::Alert& alert);

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_ENGINE_H_
