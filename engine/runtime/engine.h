// Engine: the working state of the pipeline and the rules that change it.
//
//   raw records -> codec (decode + validate) -> unknown_procedure -> duplicate
//   event_id -> input guards -> fire timers due before the event (event-time
//   clock) -> state machine -> projections in memory (dossier states, KPI
//   cells, timers, alerts) and the batch's log segment
//
// Everything lives in memory (docs/storage.md): open dossier states, the
// timer queue, the event-id dedup table, the KPI cells. RocksDB makes it
// durable in amortized writes: Seal() turns what was applied since the last
// Seal into one atomic Commit — one log segment and its index, one delta of
// what queries read (changed KPI cells, changed open dossiers), the alerts
// raised, the engine meta and the source positions — and, every
// checkpoint_events events (or checkpoint_interval_ms), a checkpoint: the
// records of every dossier touched since the previous one, the KPI cells
// changed since, written in the same atomic batch as the positions they
// reflect. Open() loads the last checkpoint and re-applies the log written
// after it, so a restart continues exactly where the last durable commit
// left the state.
//
// Exactly-once effect: a caller passes the source positions reached with each
// Seal; they are in the same atomic write as what those records changed, so
// a source that resumes from LoadPosition() after a crash neither loses nor
// double counts anything.
//
// Thread-safety: one thread owns an Engine. Commits may be written by another
// thread (runtime/committer.h) but must be written in the order Seal returned
// them. A failed write leaves the in-memory state ahead of the store: the
// caller must then drop the engine and open a new one (which recovers from
// the store).
#ifndef HOSO_ENGINE_RUNTIME_ENGINE_H_
#define HOSO_ENGINE_RUNTIME_ENGINE_H_

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/alert.h"
#include "engine/core/dossier_state_machine.h"
#include "engine/core/id_table.h"
#include "engine/core/rejection.h"
#include "engine/core/status.h"
#include "engine/runtime/chain_hash.h"
#include "engine/runtime/dossier_change.h"
#include "projections/alert_log.h"
#include "projections/batch_delta.h"
#include "projections/dossier_table.h"
#include "projections/event_log.h"
#include "projections/fingerprint_table.h"
#include "projections/kpi_cells.h"
#include "projections/kv_store.h"
#include "projections/open_dossiers.h"
#include "projections/timer_queue.h"
#include "schemas/codec/event_codec.h"

namespace hoso::runtime {

struct RawRecord {
  RawRecord() = default;
  RawRecord(std::string_view record_bytes, int32_t input_partition, int64_t input_offset)
      : bytes(record_bytes), partition(input_partition), offset(input_offset) {}
  std::string_view bytes;  // must stay valid during Apply
  int32_t partition = 0;   // input partition (0 for a file)
  int64_t offset = 0;      // input offset (byte offset of the line for a file)
  std::string_view key;    // the record's key (Kafka), valid as long as `bytes`
  // When `bytes` is only the head of a record too long for its source to
  // hold (a file line longer than the read buffer): the record's true size
  // and the SHA-256 of all of it in hex, valid as long as `bytes`. Otherwise
  // -1 and empty: `bytes` is the whole record.
  int64_t full_size = -1;
  std::string_view full_sha256_hex;
};

struct RejectedRecord {
  size_t index = 0;  // into the records passed to Apply
  core::Rejection rejection;
};

struct BatchResult {
  int64_t applied = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
  int64_t derived_events = 0;  // overdue events the engine logged itself
  std::array<int64_t, core::kRejectCodeCount> rejected_by_code{};
  std::vector<RejectedRecord> rejections;
  // Raised by this call (stored with the next Seal); filled only when
  // EngineOptions::collect_alerts (the pipeline reads Commit::alerts).
  std::vector<core::Alert> alerts;
  std::array<int64_t, core::kAlertKindCount> alerts_by_kind{};  // always counted

  void Add(const BatchResult& other);  // sums counters; appends nothing else
};

enum class ClockMode {
  kEventTime,  // the highest occurred_at among applied events (ingest, replay, demo)
  kWallTime,   // AdvanceClock(now) from a wall clock (serve)
};

struct EngineOptions {
  core::StateMachineOptions machine;
  ClockMode clock_mode = ClockMode::kEventTime;
  // false: a fold in memory only (`kpi --as-of`, audit bundles): nothing is
  // logged, no timer fires (they change no figure), finished dossiers are
  // forgotten at once, and Seal() is never needed. Default: true.
  bool persist = true;
  // Stop applying (but still count) events with occurred_at after this
  // instant; used by `replay --until` and `kpi --as-of`. Default: none.
  std::optional<core::Instant> until;
  // Input guards (docs/decisions.md "Events and rejections"). An event dated
  // after the real current time (`wall_now`, read once per batch applied)
  // plus `future_skew_ms` is rejected as future_instant; with the event-time
  // clock, once `guard_after_events` events are logged, an event more than
  // `max_ahead_ms` ahead of the engine clock is rejected as ahead_of_clock.
  // Negative values turn a guard off. Replays of a log (ApplyLogged) never
  // apply them.
  int64_t future_skew_ms = 10 * 60 * 1000;            // Default: 10 minutes.
  int64_t max_ahead_ms = int64_t{31} * 86400 * 1000;  // Default: 31 days.
  uint64_t guard_after_events = 1000;                 // Default: 1,000.
  // The real current time for the future guard and the checkpoint interval.
  // Default: the system clock.
  std::function<core::Instant()> wall_now;
  // AdvanceClock fires at most this many timers (earliest first) per call, so
  // a burst of due alerts streams out in bounded commits; callers tick again
  // while next_timer_at() < now. Default: 20,000.
  size_t max_timers_per_advance = 20000;
  // Also hand every raised alert back in BatchResult::alerts as a full
  // core::Alert (tests, tools); the pipeline reads them from its commits
  // instead. Default: true.
  bool collect_alerts = true;
  // Also hand each commit the alerts it stores (Commit::alerts), for the
  // sinks that publish them (hoso.alerts, PostgreSQL). Off where no sink
  // reads them (replay): the alerts are stored all the same. Default: true.
  bool commit_alerts = true;
  // Index every logged event's id for duplicate checks. Off for an engine
  // that applies only logged events (a rebuild: `hoso replay`): their ids
  // were checked when first applied, and a logged event is never checked
  // again, so only ids in the derived namespace are indexed, for the check
  // of each overdue event the engine derives (an id outside it can never
  // equal a derived one). Saves a lookup per event and the index's memory
  // (32 MB for the 1M-event year). Apply (new input) then fails with
  // InvalidArgument: it would need the whole index. The next Open of the
  // store loads the whole index from the log. Default: true.
  bool index_input_event_ids = true;
  // A Seal writes a checkpoint once this many events were logged since the
  // previous one, or `checkpoint_interval_ms` of wall time passed (0: never
  // by time). They bound the log a restart re-applies. Defaults: 262,144
  // events, 60 s.
  uint64_t checkpoint_events = 262144;
  int64_t checkpoint_interval_ms = 60000;
  // Also list, in every commit, the current state of each dossier it
  // changed (Commit::changed_dossiers), for a sink that mirrors dossiers
  // (connectors/postgres). Costs a few string copies per changed dossier on
  // the engine thread. Default: false.
  bool collect_changed_dossiers = false;
  // A consumer-group member (serve on Kafka, docs/scale.md "Restore"): the
  // caller says which input partitions this instance owns (AssignPartition,
  // RevokePartition). With the event-time clock every partition runs on its
  // own clock: a dossier's timers fire before its partition's next event,
  // never because another partition's events moved a clock, so a
  // partition's state is a function of its input alone, whichever instance
  // applies it. With the wall clock, timers of a partition that is not live
  // (restoring, or not assigned) are parked and fire only before its own
  // events. Alerts raised while a partition restores are stored but not
  // published (Commit alerts marked quiet), and its KPI cells go out once,
  // all of them, when it becomes live. false: one clock, every partition is
  // live (ingest, replay, a single consumer). Default: false.
  bool partition_ownership = false;
};

using Positions = std::vector<std::pair<std::string, std::string>>;

// The alerts one commit stores, as views into one buffer (no allocation per
// alert on the hot path).
class CommittedAlerts {
 public:
  // `quiet`: stored but not published (raised while its partition restored:
  // the partition's previous owner published it).
  void Add(std::string_view dossier_id, core::AlertKind kind, core::LocalMinute fires_at,
           std::string_view json, bool quiet = false);
  size_t size() const { return refs_.size(); }
  bool empty() const { return refs_.empty(); }
  std::string_view json(size_t i) const { return View(refs_[i].json_at, refs_[i].json_length); }
  std::string_view dossier_id(size_t i) const {
    return View(refs_[i].dossier_at, refs_[i].dossier_length);
  }
  core::AlertKind kind(size_t i) const { return refs_[i].kind; }
  core::LocalMinute fires_at(size_t i) const { return refs_[i].fires_at; }
  bool quiet(size_t i) const { return refs_[i].quiet; }
  void clear() {
    text_.clear();
    refs_.clear();
  }

 private:
  struct Ref {
    size_t json_at;
    size_t json_length;
    size_t dossier_at;
    size_t dossier_length;
    core::AlertKind kind;
    core::LocalMinute fires_at;
    bool quiet;
  };
  std::string_view View(size_t at, size_t length) const {
    return std::string_view(text_).substr(at, length);
  }
  std::string text_;
  std::vector<Ref> refs_;
};

// One atomic write: what was applied since the previous Seal, with the source
// positions it reached.
struct Commit {
  std::unique_ptr<projections::KvBatch> batch;
  // When the pipeline sealed it (for the commit-duration metric).
  std::chrono::steady_clock::time_point sealed_at{};
  uint64_t batch_serial = 0;
  bool checkpoint = false;
  uint64_t first_alert_sequence = 0;  // of alerts[0]
  // The alerts stored by this commit, in sequence order, with their JSON
  // (schemas/alert.schema.json) as published; empty without
  // EngineOptions::commit_alerts.
  CommittedAlerts alerts;
  // The KPI cells this commit changed, with their new absolute values (with
  // EngineOptions::partition_ownership: those of live partitions, and every
  // cell of the partitions_republished).
  std::vector<projections::KpiChange> changed_kpi;
  // Partitions whose every KPI cell this commit carries (partition_ownership),
  // ascending: those that became live in it, except one given back to this
  // engine with nothing to restore whose every cell already went out in its
  // commits (docs/scale.md "Restore").
  std::vector<int32_t> partitions_republished;
  // The dossiers this commit changed, with their state after it; set only
  // when EngineOptions::collect_changed_dossiers. Shared, so a sink keeps
  // them past the commit without copying (never changed once sealed).
  std::shared_ptr<const std::vector<DossierChange>> changed_dossiers;
  // The engine's counts after this commit: events logged (the log sequence
  // of its last event) and alerts raised (the sequence of its last alert).
  // A sink that records them knows which commit it reflects.
  uint64_t logged_events = 0;
  uint64_t raised_alerts = 0;
  Positions positions;
  uint64_t segment_first_sequence = 0;  // 0: no segment
  // Work the writer does on its own thread before writing `batch`, in order
  // (the log segment, the alerts and the delta are compressed, a
  // checkpoint's records are sorted and added). Run them with Prepare().
  std::vector<std::function<void(projections::KvBatch* batch)>> prepare;
  void Prepare() {
    for (const auto& step : prepare) step(batch.get());
    prepare.clear();
  }
  // Finished dossiers the engine forgets once this checkpoint is durable.
  std::vector<std::pair<uint32_t, uint32_t>> evictable;  // (handle, generation)
};

// In a replay, the stored segment of the source log that a batch
// replayed (Engine::Seal): the writer stores it instead of compressing the
// batch's own segment when that is the same (projections::StoresSegment).
struct SourceSegment {
  std::string_view stored;  // the value as stored; copied by Seal
  // Its entries as the replay's reader decompressed them
  // (SegmentReader::shared_entries), compared instead of decompressing
  // `stored` again; null to decompress it. Released once compared.
  std::shared_ptr<const char[]> entries;
  size_t entries_size = 0;
};

class Engine {
 public:
  // Opens the projections in `store`: refuses a store written by another
  // projection version (VersionMismatch, with the advice to replay), loads the
  // last checkpoint and re-applies the log written after it. `store` and
  // `machine` must outlive the engine.
  static core::Result<std::unique_ptr<Engine>> Open(projections::KvStore* store,
                                                    const core::DossierStateMachine* machine,
                                                    EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies `records` in order, in memory. Bad records are rejected and
  // reported, never fatal. Fails only when the store cannot be read, or
  // (InvalidArgument) in an engine without index_input_event_ids.
  core::Result<BatchResult> Apply(std::span<const RawRecord> records);

  // Applies the events of a log being replayed (no input guard applies: the
  // log holds only accepted events). Derived events in it are skipped: the
  // replaying engine derives its own.
  struct LoggedInput {
    std::string_view bytes;
    int32_t partition = 0;
    int64_t offset = 0;
    bool derived = false;
  };
  core::Result<BatchResult> ApplyLogged(std::span<const LoggedInput> inputs);

  // Wall-clock mode: raises the timers with fires_at before `now` (at most
  // options.max_timers_per_advance of them, earliest first).
  core::Result<BatchResult> AdvanceClock(core::Instant now);

  // Whether a commit carries a checkpoint.
  enum class CheckpointPolicy {
    kWhenDue,  // when checkpoint_due()
    kNow,      // whenever anything happened since the last checkpoint
    kLater,    // never; the caller seals one next (Pipeline: its own commit)
  };
  // Everything applied since the previous Seal, with `positions` (source id
  // -> position text, stored under meta "position/<id>"), as one atomic
  // commit, with a checkpoint as `checkpoint` says. Null when nothing
  // changed, no position is given and no checkpoint is made. The caller
  // writes it (in order) and then calls Committed. `source_segment`: see
  // SourceSegment.
  core::Result<std::unique_ptr<Commit>> Seal(
      Positions positions, CheckpointPolicy checkpoint = CheckpointPolicy::kWhenDue,
      SourceSegment source_segment = {});
  // A checkpoint is due: checkpoint_events events were logged since the
  // last one, or checkpoint_interval_ms of wall time passed with changes.
  bool checkpoint_due() const;
  // Sizes the dedup indexes (event ids, dossier ids) for `events` more
  // logged events of `dossiers` more dossiers, now, instead of by doubling
  // as they come. A caller that knows how much follows (a replay: the
  // source's log) saves the memory of the doublings it skips, all of it
  // fresh memory, which a virtual machine makes dear to touch
  // (BENCHMARKS.md, "What fresh memory costs"). Changes nothing else. The
  // event ids' index is not sized without index_input_event_ids.
  void ReserveIds(uint64_t events, uint64_t dossiers);
  // Tells the engine that `commit` is durable: finished dossiers its
  // checkpoint stored are forgotten.
  void Committed(const Commit& commit);

  // For single-threaded callers and tests: Apply, then `before_commit` (a
  // dead-letter sink writes and flushes the batch's rejections there and may
  // add its own position), then Seal and write. Fails when the store fails;
  // the engine must then be reopened.
  using BeforeCommit = std::function<core::Status(const BatchResult& result, Positions* positions)>;
  core::Result<BatchResult> ApplyBatch(std::span<const RawRecord> records, Positions positions,
                                       const BeforeCommit& before_commit = nullptr);

  // The stored position of a source, if any (reads the store).
  core::Result<std::optional<std::string>> LoadPosition(std::string_view source_id);

  // Partition ownership (EngineOptions::partition_ownership; otherwise no-ops).
  // This instance now owns `partition`. Its records below
  // `restore_until_offset` (the group's committed offset: what the previous
  // owner applied and published; < 0: none) restore it: their alerts are
  // quiet and its timers fire only before its own events. Then it is live.
  void AssignPartition(int32_t partition, int64_t restore_until_offset);
  // This instance no longer owns `partition`: its dossiers stay as they are
  // (a later assignment resumes them from this instance's stored position)
  // and their timers are parked.
  void RevokePartition(int32_t partition);
  // Whether the timers and alerts of `partition` run (always true without
  // partition_ownership).
  bool partition_live(int32_t partition) const;
  // Assigned partitions still restoring (below their restore offset).
  size_t restoring_partitions() const;
  // The partitions live here, ascending (partition_ownership only; empty
  // without it).
  const std::set<int32_t>& live_partitions() const { return live_partitions_; }

  // The current state of a dossier (in memory, else its stored record), or
  // nullopt when it was never logged. Fails only when the store cannot be
  // read. On the engine's thread, like every other call.
  core::Result<std::optional<DossierChange>> FindDossierChange(std::string_view dossier_id);

  core::Instant clock() const { return clock_; }
  uint64_t logged_events() const { return log_sequence_; }
  uint64_t raised_alerts() const { return alert_sequence_; }
  // Every KPI cell, by name (summed later over partitions).
  std::map<projections::KpiKey, core::KpiCounters> kpi_cells() const { return kpi_.Snapshot(); }
  // The dossiers open now, by id (for figures at an instant after the last
  // applied event, in folds).
  projections::OpenDossiers OpenDossiers() const;
  // CountOpen(OpenDossiers(), as_of), counted straight from the dossier
  // table: no id copy or map node per open dossier.
  std::vector<core::OpenCell> CountOpen(core::Instant as_of) const {
    return CountOpenAsBefore(as_of, projections::DossierTable::kNone);
  }
  // The earliest instant the clock must pass to raise something: the first
  // pending timer or the next dialogue deadline, if any.
  std::optional<core::Instant> next_timer_at();
  size_t pending_timers() const { return pending_timers_; }
  size_t dossiers_in_memory() const { return dossiers_.size(); }

 private:
  struct Pending;
  Engine(projections::KvStore* store, const core::DossierStateMachine* machine,
         EngineOptions options);
  core::Status Recover();
  core::Status LoadDedup();
  // Month-end figures (projections/month_end_figures.h): which were taken,
  // which are stale, the month end to pass next.
  core::Status LoadMonthEnds();
  // An input event dated after next_month_end_, accepted by the state
  // machine and not yet counted: stores the figures as of next_month_end_
  // (unless none is known yet) and waits for the end of the event's month.
  // `changed_handle` (kNone for a new dossier) was changed by the event;
  // before_state_ holds its state before.
  void PassMonthEnd(core::Instant occurred_at, uint32_t changed_handle);
  // CountOpen, with the dossier `changed_handle` (kNone: none) counted as
  // before_state_ holds it.
  std::vector<core::OpenCell> CountOpenAsBefore(core::Instant as_of, uint32_t changed_handle) const;
  // A logged input event dated at or before a month end already taken.
  void StaleMonthEnds(core::Instant occurred_at);
  // Dialogue deadlines (engine/core/dialogue_deadline.h): loads the next one
  // to pass; arms them at the first input event (the first deadline the
  // engine clock `clock` has not passed); raises dialogue_missing for the
  // wards with no dialogue in the half-year of next_dialogue_deadline_ and
  // moves to the next deadline (stored in the same commit as the alerts).
  core::Status LoadDialogueDeadline();
  void ArmDialogueDeadlines(core::Instant clock);
  void PassDialogueDeadline(core::Instant raised_at, BatchResult* result);
  core::Status ReapplyTail(uint64_t from_sequence, uint64_t from_alert);

  core::Result<BatchResult> ApplyRecords(std::span<const RawRecord> records, bool logged);
  // The slot of a dossier; kNone when it was never seen, kFinishedOnDisk
  // when it is finished and stored (its state then in finished_on_disk_).
  static constexpr uint32_t kFinishedOnDisk = projections::DossierTable::kNone - 1;
  // `dossier_fingerprint` is projections::Fingerprint(dossier_id).
  core::Result<uint32_t> LoadDossier(std::string_view dossier_id, uint64_t dossier_fingerprint);
  // The fingerprints of an event's ids (projections::Fingerprint), hashed
  // once per event: the dossier table, both dedup indexes and the log's
  // index all key on them.
  struct IdFingerprints {
    uint64_t dossier = 0;
    uint64_t event = 0;
  };
  static IdFingerprints FingerprintsOf(const core::Event& event);
  // Whether `event` repeats an applied one: a duplicate, or (other content
  // under its id) a conflicting one, described in *first_summary.
  enum class Repeat { kNew, kDuplicate, kConflicting };
  core::Result<Repeat> CheckRepeat(const core::Event& event, uint64_t event_fingerprint,
                                   std::string* first_summary);
  // The bytes of the logged event with this sequence.
  core::Result<std::string> LoggedBytes(uint64_t sequence);
  // The input guards; *wall_now is the real current time, read on first use
  // and kept by the caller for the rest of its batch.
  bool PassesGuards(const core::Event& event, std::optional<core::Instant>* wall_now,
                    core::Rejection* rejection) const;
  // Applies one decoded event whose id is new: a state-machine rejection is
  // handed back in *rejected (the status stays OK).
  core::Status ApplyOne(const core::Event& event, const IdFingerprints& fingerprints,
                        std::string_view bytes, int32_t partition, int64_t offset, bool derived,
                        BatchResult* result, std::optional<core::Rejection>* rejected);
  // Fires the timers of `queue` (the engine's, or a parked partition's) due
  // before `limit`; the dialogue deadline only with the engine's own queue.
  core::Status FireTimersBefore(projections::TimerQueue* queue, core::Instant limit,
                                core::Instant raised_at, size_t max_fires, BatchResult* result);
  // The queue a dossier's timers go to: the engine's, or its partition's
  // parked queue.
  projections::TimerQueue& QueueOf(const core::DossierState& state);
  // Makes `partition` live and moves its parked timers into the engine's
  // queue; with `republish`, the next commit carries every KPI cell of it.
  void GoLive(int32_t partition, bool republish);

  void RaiseAlert(uint32_t handle, const core::AlertSpec& spec, BatchResult* result);
  // Raises an alert under `dossier_id` (a dossier's, or an AgencyAlertKey).
  void RaiseAlertFor(std::string_view dossier_id, std::string_view agency,
                     std::string_view procedure, const core::AlertSpec& spec, BatchResult* result);
  // Records that a batch changed the dossier (`before`: its state before).
  void Touch(uint32_t handle, bool is_new, const core::DossierState& before);
  void ScheduleTimers(uint32_t handle);
  void RebuildTimers();
  bool TimerValid(const projections::TimerEntry& entry) const;
  // `event_id`: the event's, for the choice to index it
  // (EngineOptions::index_input_event_ids).
  void LogEvent(uint32_t handle, std::string_view event_id, std::string_view bytes,
                const IdFingerprints& fingerprints, int32_t partition, int64_t offset,
                bool derived);
  struct CheckpointRecords;
  // A checkpoint's dossier records, encoded (the commit receives the
  // finished dossiers it may then forget).
  std::shared_ptr<CheckpointRecords> EncodeCheckpointRecords(Commit* commit);
  void WriteCheckpoint(std::shared_ptr<CheckpointRecords> records, Commit* commit);
  core::Instant WallNow() const;

  projections::KvStore* store_;
  const core::DossierStateMachine* machine_;
  EngineOptions options_;
  codec::EventDecoder decoder_;
  core::Status broken_;

  core::IdTable ids_;        // agencies and procedures
  size_t names_stored_ = 0;  // how many of ids_ the stored names table holds
  std::shared_ptr<CheckpointRecords> last_checkpoint_records_;
  projections::DossierTable dossiers_;
  // The lookups of the records a few places ahead in ApplyRecords, for
  // prefetching: what a record's raw text says its ids are, read and hashed
  // before decoding (`known` false when an id is not in compact form
  // there). The fingerprints then serve the record's own lookups once its
  // decoded ids are seen to equal these.
  struct LookAhead {
    bool known = false;
    uint32_t dossier_hash = 0;
    std::string_view dossier_id;
    std::string_view event_id;
    IdFingerprints fingerprints;
    std::string_view bytes;  // the record, for PrefetchFor
  };
  void PrefetchLookups(std::span<const RawRecord> records);
  void PrefetchFor(size_t index);
  std::vector<LookAhead> look_ahead_;          // reused per batch
  projections::FingerprintTable event_ids_;    // event-id fingerprint -> log sequence
  projections::FingerprintTable dossier_ids_;  // every dossier ever logged (fingerprints)
  projections::KpiCells kpi_;
  projections::TimerQueue timers_;
  size_t pending_timers_ = 0;
  // Partition ownership: the partitions assigned and live; the partitions
  // whose timers run on their own clock, with their phase and timers (every
  // partition holding dossiers with the event-time clock; with the wall
  // clock those not live: revoked, never assigned, or restoring); the
  // partitions that became live since the last Seal; and whether the alerts
  // raised now are quiet (a restoring partition's).
  enum class Phase {
    kNotAssigned,  // another instance's (or nobody's yet)
    kRestoring,    // assigned, below restore_until: quiet, own clock
    kLive,         // assigned and restored (kept here: event-time, own clock)
  };
  struct ParkedPartition {
    projections::TimerQueue timers;
    Phase phase = Phase::kNotAssigned;
    int64_t restore_until = -1;
  };
  // Event-time ownership: every partition keeps its timers in parked_ and
  // fires them before its own events.
  bool own_partition_clocks() const {
    return options_.partition_ownership && options_.clock_mode == ClockMode::kEventTime;
  }
  std::set<int32_t> live_partitions_;
  std::map<int32_t, ParkedPartition> parked_;
  // parked_[partition], added when absent, through an index by partition
  // (map nodes stay put until erased): a tree walk per event and per timer
  // scheduled was 1 % of the engine thread in a restore. REQUIRES:
  // partition >= 0.
  ParkedPartition& Parked(int32_t partition);
  std::vector<ParkedPartition*> parked_index_;
  std::vector<int32_t> republish_;  // partitions the next commit republishes
  // Partitions whose every KPI cell, as it is now, went out in this engine's
  // commits: republished or changed while live since. A change left out of a
  // commit (the partition was not live) takes its partition out. Empty when
  // the engine opens: a crash may have lost the publication of the last
  // commits before it.
  std::set<int32_t> cells_sent_;
  bool quiet_alerts_ = false;
  bool timers_stale_ = false;  // a revoke left timers to move out of timers_

  core::Instant clock_{INT64_MIN};
  uint64_t log_sequence_ = 0;
  uint64_t batch_serial_ = 0;      // the last sealed batch
  uint64_t alert_sequence_ = 0;    // the last alert raised
  uint64_t checkpoint_epoch_ = 1;  // advances at every checkpoint (touch marks)
  uint64_t checkpoint_log_sequence_ = 0;
  core::Instant last_checkpoint_wall_{INT64_MIN};
  uint64_t checkpoint_alert_sequence_ = 0;

  // Buffers of durable commits, handed to the next batches so that what
  // they build lands in memory already touched, not in fresh pages.
  class SpareBuffers {
   public:
    std::string Take() {
      if (buffers_.empty()) return {};
      std::string buffer = std::move(buffers_.back());
      buffers_.pop_back();
      return buffer;
    }
    void Give(std::string buffer) {
      if (buffers_.size() < kKept) buffers_.push_back(std::move(buffer));
    }

   private:
    static constexpr size_t kKept = 4;
    std::vector<std::string> buffers_;
  };

  // What was applied since the last Seal.
  std::unique_ptr<Pending> pending_;
  // Segments sealed but maybe not durable yet, for LoggedBytes of recent
  // events (first sequence -> segment value); dropped when committed.
  std::map<uint64_t, std::string> unsettled_segments_;
  SpareBuffers spare_segments_;
  // Each commit's alerts, sealed but maybe not durable yet (first alert
  // sequence -> entries), for the writer thread to compress; dropped when
  // committed, their buffers reused.
  std::map<uint64_t, projections::AlertBatch> unsettled_alerts_;
  SpareBuffers spare_alert_entries_;
  // And each commit's delta (batch serial -> uncompressed delta).
  std::map<uint64_t, std::string> unsettled_deltas_;
  SpareBuffers spare_deltas_;
  // The last sealed segment a duplicate check read (from the store, or one
  // whose commit is not durable yet), opened, with where each of its events
  // is: duplicate checks read the same segments over and over when a file
  // is ingested twice, and decompressing a whole segment (a few megabytes)
  // for each duplicate confirmed 1,250 of them a second. A sealed segment
  // never changes, so it stays valid once its commit is durable.
  struct IndexedSegment {
    std::string value;  // as sealed (an uncompressed reader points into it)
    std::optional<projections::SegmentReader> reader;  // owns the entries
    uint64_t first_sequence = 0;
    std::vector<std::string_view> events;  // event first_sequence + i
    bool Holds(uint64_t sequence) const {
      return sequence >= first_sequence && sequence - first_sequence < events.size();
    }
    // Copies and opens `segment`; on failure holds nothing.
    core::Status Load(std::string_view segment);
  };
  IndexedSegment indexed_segment_;

  // Month-end figures taken (oldest first), the latest one's instant, and
  // the next month end to pass (kNoMonthEnd: no input event logged yet).
  struct MonthEnd {
    int month_key;
    core::Instant as_of;
    bool stale;
  };
  static constexpr core::Instant kNoMonthEnd{INT64_MIN};
  std::vector<MonthEnd> month_ends_;
  core::Instant latest_month_end_{INT64_MIN};
  core::Instant next_month_end_ = kNoMonthEnd;

  // The wards of the agency list (by id) and the next dialogue deadline the
  // clock must pass (kNoDialogueDeadline: not armed, no input event logged
  // yet or no ward; it then never compares below a clock).
  static constexpr core::Instant kNoDialogueDeadline{INT64_MAX};
  std::vector<std::string> wards_;
  core::Instant next_dialogue_deadline_ = kNoDialogueDeadline;

  // Dossiers touched since the last checkpoint (handle, generation).
  std::vector<std::pair<uint32_t, uint32_t>> checkpoint_touched_;

  ChainHasher hasher_;  // one digest context, reused for every logged event
  std::string chain_scratch_;
  // Reused per event: decode target, effects and state copies keep their
  // capacity, so the hot path allocates nothing for them.
  core::Event event_;
  core::Effects effects_;
  core::DossierState new_state_;
  core::DossierState before_state_;
  core::DossierState dry_run_;
  core::DossierState finished_on_disk_;
  std::string alert_scratch_;
  std::string alert_json_;
};

// The JSON of an alert as published on hoso.alerts (schemas/alert.schema.json).
std::string EncodeAlertJson(const core::Alert& alert);
// The value of the string field `name` in compact JSON ("name":"value", as
// EncodeAlertJson and loadgen write it), by a scan for its first occurrence;
// nullopt when absent or escaped (then the caller parses the whole object).
// The scan cannot be fooled by a value (a quote inside a string is escaped),
// but it does not know nesting: for flat objects, or as a hint.
std::optional<std::string_view> CompactStringField(std::string_view json, std::string_view name);
// The ids of an event whose text begins {"event_id":"E","dossier_id":"D" (the
// order codec::EncodeEvent and loadgen write): sets *event_id to E and
// *dossier_id to D, what CompactStringField finds for them, without a scan.
// False, changing nothing, for any other beginning or an escaped id.
bool LeadingIds(std::string_view json, std::string_view* event_id, std::string_view* dossier_id);
// The same JSON for EncodeAlertJson(core::AlertFor(spec, ...)), appended to
// *out without building the alert (`scratch` is reused for its id).
void AppendAlertJson(std::string* out, const core::AlertSpec& spec, std::string_view dossier_id,
                     std::string_view agency_id, std::string_view procedure_id,
                     std::string* scratch);

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_ENGINE_H_
