#include "engine/runtime/engine.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "engine/core/dialogue_deadline.h"
#include "projections/coding.h"
#include "projections/dossier_record.h"
#include "projections/key_prefix.h"
#include "projections/meta.h"
#include "projections/month_end_figures.h"
#include "schemas/codec/json_text.h"

namespace hoso::runtime {

using core::Result;
using core::Status;
using projections::Column;
using projections::DossierTable;

namespace {

constexpr uint32_t kNone = DossierTable::kNone;

// The open summary of a dossier before a batch touched it, to find at Seal
// the dossiers whose summary changed (what queries count as open).
struct SummaryBits {
  bool open = false;
  bool paused = false;
  bool paused_late = false;
  core::LocalMinute due_at;
  bool operator==(const SummaryBits&) const = default;
};

SummaryBits BitsOf(const core::DossierState& state) {
  return SummaryBits{state.is_open(), state.status == core::DossierStatus::kPaused,
                     state.paused_late, state.due_at};
}

std::string EncodeInstant(core::Instant instant) {
  std::string out;
  projections::PutI64(&out, instant.epoch_ms);
  return out;
}

}  // namespace

// What was applied since the last Seal.
struct Engine::Pending {
  bool changed = false;
  bool segment_started = false;
  projections::SegmentBuilder segment;
  projections::AlertBatchWriter alerts;
  uint64_t first_alert_sequence = 0;
  CommittedAlerts committed_alerts;
  struct Touched {
    uint32_t handle;
    uint32_t generation;
    SummaryBits before;
  };
  std::vector<Touched> touched;
  projections::BatchDeltaWriter delta;
  // Meta values to store with the batch: month-end figures taken or made
  // stale, the next month end, the next dialogue deadline.
  std::vector<std::pair<std::string, std::string>> meta_puts;

  void Clear() {
    changed = false;
    segment_started = false;
    alerts.Clear();
    first_alert_sequence = 0;
    committed_alerts.clear();
    touched.clear();
    delta.Clear();
    meta_puts.clear();
  }
};

void BatchResult::Add(const BatchResult& other) {
  applied += other.applied;
  duplicates += other.duplicates;
  rejected += other.rejected;
  derived_events += other.derived_events;
  for (int i = 0; i < core::kRejectCodeCount; ++i) rejected_by_code[i] += other.rejected_by_code[i];
  for (int i = 0; i < core::kAlertKindCount; ++i) alerts_by_kind[i] += other.alerts_by_kind[i];
}

void CommittedAlerts::Add(std::string_view dossier_id, core::AlertKind kind,
                          core::LocalMinute fires_at, std::string_view json, bool quiet) {
  Ref ref{text_.size(), json.size(), text_.size() + json.size(), dossier_id.size(), kind,
          fires_at,     quiet};
  text_.append(json);
  text_.append(dossier_id);
  refs_.push_back(ref);
}

Engine::Engine(projections::KvStore* store, const core::DossierStateMachine* machine,
               EngineOptions options)
    : store_(store),
      machine_(machine),
      options_(std::move(options)),
      kpi_(&ids_),
      pending_(std::make_unique<Pending>()) {
  if (const core::AgencyList* agencies = machine_->agencies()) {
    for (const core::Agency& agency : agencies->all()) {
      if (agency.kind == "ward") wards_.push_back(agency.agency_id);
    }
    // Raised in id order, whatever the order of the agency file.
    std::sort(wards_.begin(), wards_.end());
  }
}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Open(projections::KvStore* store,
                                             const core::DossierStateMachine* machine,
                                             EngineOptions options) {
  std::unique_ptr<Engine> engine(new Engine(store, machine, std::move(options)));
  if (engine->options_.persist) HOSO_RETURN_IF_ERROR(engine->Recover());
  engine->last_checkpoint_wall_ = engine->WallNow();
  return engine;
}

core::Instant Engine::WallNow() const {
  if (options_.wall_now) return options_.wall_now();
  return core::Instant{std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()};
}

// ---------------------------------------------------------------------------
// Recovery: the last checkpoint, then the log written after it.

Status Engine::Recover() {
  std::string tag;
  Status s = store_->Get(Column::kMeta, projections::kMetaProjection, &tag);
  if (s.ok()) {
    if (tag != projections::ProjectionTag()) {
      return Status::VersionMismatch("this database was written by projection version '" + tag +
                                     "' and this hoso reads '" + projections::ProjectionTag() +
                                     "'; rebuild it from its event log with `hoso replay`");
    }
  } else if (s.code() == core::StatusCode::kNotFound) {
    auto any = store_->NewIterator(Column::kLog);
    any->SeekToFirst();
    if (any->Valid()) {
      return Status::VersionMismatch(
          "this database holds a log but no projection version; rebuild it with `hoso replay`");
    }
    auto batch = store_->NewBatch();
    batch->Put(Column::kMeta, projections::kMetaProjection, projections::ProjectionTag());
    HOSO_RETURN_IF_ERROR(store_->Write(*batch));
  } else {
    return s;
  }

  // Handles in records and deltas are those of the stored names table.
  HOSO_RETURN_IF_ERROR(projections::LoadNames(*store_, &ids_));
  names_stored_ = ids_.size();
  auto meta = projections::ReadEngineMeta(*store_);
  if (!meta.ok()) return meta.status();
  if (meta->has_value()) {
    clock_ = (*meta)->clock;
    log_sequence_ = (*meta)->log_sequence;
    batch_serial_ = (*meta)->batch_serial;
    alert_sequence_ = (*meta)->alert_sequence;
  }
  auto checkpoint = projections::ReadCheckpointMeta(*store_);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->has_value()) {
    checkpoint_log_sequence_ = (*checkpoint)->log_sequence;
    checkpoint_alert_sequence_ = (*checkpoint)->alert_sequence;
  }

  // Dossiers open at the checkpoint.
  auto open = store_->NewIterator(Column::kOpenDossiers);
  std::string id;
  for (open->SeekToFirst(); open->Valid(); open->Next()) {
    core::DossierState state;
    HOSO_RETURN_IF_ERROR(projections::DecodeDossierRecord(open->value(), ids_, &state, &id));
    const uint32_t handle = dossiers_.Insert(id);
    dossiers_.state(handle) = std::move(state);
    dossiers_.stored_open(handle) = true;
  }
  HOSO_RETURN_IF_ERROR(open->status());
  HOSO_RETURN_IF_ERROR(kpi_.Load(*store_, &ids_));
  HOSO_RETURN_IF_ERROR(LoadMonthEnds());
  HOSO_RETURN_IF_ERROR(LoadDialogueDeadline());
  HOSO_RETURN_IF_ERROR(LoadDedup());
  HOSO_RETURN_IF_ERROR(ReapplyTail(checkpoint_log_sequence_ + 1, checkpoint_alert_sequence_ + 1));
  RebuildTimers();
  return Status::Ok();
}

Status Engine::LoadMonthEnds() {
  std::string value;
  Status s = store_->Get(Column::kMeta, projections::kMetaMonthEndNext, &value);
  if (s.ok()) {
    projections::Reader in(value);
    next_month_end_ = core::Instant{in.I64()};
    if (in.failed()) return projections::Corrupt("month_end_next");
  } else if (s.code() != core::StatusCode::kNotFound) {
    return s;
  } else if (log_sequence_ > 0) {
    // A store written before month-end figures existed: the dates of its
    // events are not known without reading the log, so the first month end
    // taken is one no event of it can be dated after (the clock, or the
    // latest instant the future guard lets through). `hoso replay` takes
    // them all.
    const int64_t guard_ms = WallNow().epoch_ms + options_.future_skew_ms;
    next_month_end_ =
        projections::MonthEndInstant(core::MonthKeyOf(std::max(clock_, core::Instant{guard_ms})));
    pending_->meta_puts.emplace_back(std::string(projections::kMetaMonthEndNext),
                                     EncodeInstant(next_month_end_));
  }
  std::vector<int> stale;
  auto it = store_->NewIterator(Column::kMeta);
  const std::string_view stale_prefix = projections::kMetaMonthEndStalePrefix;
  for (it->Seek(stale_prefix); it->Valid() && it->key().starts_with(stale_prefix); it->Next()) {
    stale.push_back(std::atoi(std::string(it->key().substr(stale_prefix.size())).c_str()));
  }
  HOSO_RETURN_IF_ERROR(it->status());
  const std::string_view prefix = projections::kMetaMonthEndPrefix;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const int month_key = std::atoi(std::string(it->key().substr(prefix.size())).c_str());
    const bool is_stale = std::find(stale.begin(), stale.end(), month_key) != stale.end();
    month_ends_.push_back({month_key, projections::MonthEndInstant(month_key), is_stale});
    latest_month_end_ = std::max(latest_month_end_, month_ends_.back().as_of);
  }
  return it->status();
}

void Engine::PassMonthEnd(core::Instant occurred_at, uint32_t changed_handle) {
  if (next_month_end_ != kNoMonthEnd) {
    // Every event logged so far is dated at or before next_month_end_: the
    // state now is the fold of the log up to it (month_end_figures.h).
    const core::Instant as_of = next_month_end_;
    const int month_key = core::MonthKeyOf(as_of);
    const std::vector<projections::SummedKpiCell> cells =
        kpi_.SummedOverPartitions(projections::MonthEndWindowStart(month_key));
    // Applied already: the changed dossier counts as it was before this event.
    pending_->meta_puts.emplace_back(
        projections::MonthEndKey(month_key),
        projections::EncodeMonthEndFigures(as_of, log_sequence_ + 1, cells,
                                           CountOpenAsBefore(as_of, changed_handle)));
    month_ends_.push_back({month_key, as_of, false});
    latest_month_end_ = as_of;
  }
  next_month_end_ = projections::MonthEndInstant(core::MonthKeyOf(occurred_at));
  pending_->meta_puts.emplace_back(std::string(projections::kMetaMonthEndNext),
                                   EncodeInstant(next_month_end_));
  pending_->changed = true;
}

void Engine::StaleMonthEnds(core::Instant occurred_at) {
  for (MonthEnd& month_end : month_ends_) {
    if (month_end.stale || month_end.as_of < occurred_at) continue;
    month_end.stale = true;
    pending_->meta_puts.emplace_back(projections::MonthEndStaleKey(month_end.month_key),
                                     std::string());
  }
  pending_->changed = true;
}

Status Engine::LoadDialogueDeadline() {
  std::string value;
  Status s = store_->Get(Column::kMeta, projections::kMetaDialogueNext, &value);
  if (s.ok()) {
    projections::Reader in(value);
    next_dialogue_deadline_ = core::Instant{in.I64()};
    if (in.failed() || !in.done()) return projections::Corrupt("dialogue_next");
    return Status::Ok();
  }
  if (s.code() != core::StatusCode::kNotFound) return s;
  if (log_sequence_ > 0) {
    // A store written before dialogue_missing existed (or while the agency
    // list had no ward): the deadlines its clock passed are not raised now
    // (`hoso replay` raises them); the first is the next one it has not.
    ArmDialogueDeadlines(clock_.epoch_ms == INT64_MIN ? WallNow() : clock_);
  }
  return Status::Ok();
}

void Engine::ArmDialogueDeadlines(core::Instant clock) {
  if (wards_.empty()) return;  // nobody to check
  next_dialogue_deadline_ = core::ToInstant(core::FirstDialogueDeadlineFrom(clock));
  pending_->meta_puts.emplace_back(std::string(projections::kMetaDialogueNext),
                                   EncodeInstant(next_dialogue_deadline_));
  pending_->changed = true;
}

void Engine::PassDialogueDeadline(core::Instant raised_at, BatchResult* result) {
  const core::LocalMinute deadline = core::ToLocalMinute(next_dialogue_deadline_);
  const core::DialogueHalfYear half = core::HalfYearOfDialogueDeadline(deadline);
  // The cells hold every dialogue recorded so far, by the month it was held:
  // one recorded after this instant, even if held before, counts for the
  // scorecard but does not undo the alert.
  const std::vector<int64_t> held =
      kpi_.SumByAgency(half.first_month_key, half.last_month_key, core::KpiField::kDialoguesHeld);
  core::AlertSpec spec;
  spec.kind = core::AlertKind::kDialogueMissing;
  spec.due_at = deadline;
  spec.fires_at = deadline;
  // With the event-time clock, which event passes the deadline depends on
  // the order of the input: raised_at is the deadline itself, so that
  // ingest, serve and replay store the same alert byte for byte.
  spec.raised_at =
      options_.clock_mode == ClockMode::kEventTime ? next_dialogue_deadline_ : raised_at;
  for (const std::string& ward : wards_) {
    const uint32_t handle = ids_.Find(ward);
    if (handle != core::IdTable::kNone && handle < held.size() && held[handle] > 0) continue;
    RaiseAlertFor(core::AgencyAlertKey(ward), ward, std::string_view(), spec, result);
  }
  next_dialogue_deadline_ = core::ToInstant(core::DialogueDeadlineAfter(deadline));
  pending_->meta_puts.emplace_back(std::string(projections::kMetaDialogueNext),
                                   EncodeInstant(next_dialogue_deadline_));
  pending_->changed = true;
}

void Engine::ReserveIds(uint64_t events, uint64_t dossiers) {
  if (options_.index_input_event_ids) event_ids_.Reserve(event_ids_.size() + events);
  dossier_ids_.Reserve(dossier_ids_.size() + dossiers);
}

Status Engine::LoadDedup() {
  event_ids_.Reserve(log_sequence_);
  auto it = store_->NewIterator(Column::kLogIndex);
  std::vector<projections::IndexEntry> entries;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = projections::DecodeLogKey(it->key());
    if (!key.ok()) return key.status();
    HOSO_RETURN_IF_ERROR(projections::DecodeLogIndex(it->value(), &entries));
    for (size_t i = 0; i < entries.size(); ++i) {
      event_ids_.Insert(entries[i].event_id_fingerprint, key->first + i);
      // A dossier's first event is its receipt: one entry per dossier is
      // enough, but a repeated fingerprint costs only a slot.
      if (!dossier_ids_.Contains(entries[i].dossier_fingerprint)) {
        dossier_ids_.Insert(entries[i].dossier_fingerprint, 0);
      }
    }
  }
  return it->status();
}

Status Engine::ReapplyTail(uint64_t from_sequence, uint64_t from_alert) {
  projections::LogReader log(store_);
  std::string next_head;
  core::Rejection rejection;
  HOSO_RETURN_IF_ERROR(log.ForEach(from_sequence, [&](const projections::LogEntry& entry) {
    if (!decoder_.Decode(entry.bytes, &event_, &rejection)) {
      return Status::Corruption("logged event " + std::to_string(entry.sequence) +
                                " no longer decodes: " + rejection.message);
    }
    const uint32_t hash = projections::DossierTable::Hash(event_.dossier_id);
    uint32_t handle = dossiers_.Find(event_.dossier_id, hash);
    const bool is_new = handle == kNone;
    if (is_new) handle = dossiers_.Insert(event_.dossier_id, hash);
    core::DossierState& state = dossiers_.state(handle);
    const std::string_view previous =
        is_new ? std::string_view()
               : std::string_view(reinterpret_cast<const char*>(state.chain_head.data()), 32);
    hasher_.Chain(previous, entry.bytes, &next_head);
    if (next_head != entry.chain_hash ||
        entry.dossier_sequence != (is_new ? 0 : state.event_count)) {
      return Status::Corruption("logged event " + std::to_string(entry.sequence) + " of dossier " +
                                event_.dossier_id +
                                " does not continue its chain; run `hoso verify`");
    }
    if (!machine_->Apply(&state, is_new, event_, entry.derived, &ids_, &effects_, &rejection)) {
      return Status::Corruption("logged event " + std::to_string(entry.sequence) + " of dossier " +
                                event_.dossier_id + " does not apply again: " + rejection.message);
    }
    std::copy(next_head.begin(), next_head.end(), reinterpret_cast<char*>(state.chain_head.data()));
    if (is_new) {
      state.first_log_sequence = entry.sequence;
      state.input_partition = entry.partition;
    }
    state.last_log_sequence = entry.sequence;
    if (dossiers_.checkpoint_mark(handle) != checkpoint_epoch_) {
      dossiers_.checkpoint_mark(handle) = checkpoint_epoch_;
      checkpoint_touched_.emplace_back(handle, dossiers_.generation(handle));
    }
    return Status::Ok();
  }));
  // The alerts raised after the checkpoint, into their dossiers' ledgers.
  return projections::ForEachAlert(*store_, from_alert, [&](const projections::StoredAlert& alert) {
    // A ward's alert belongs to no dossier (its deadline is in meta).
    if (alert.kind == core::AlertKind::kDialogueMissing) return Status::Ok();
    const uint32_t handle = dossiers_.Find(alert.dossier_id);
    if (handle == kNone) return Status::Ok();  // finished and stored before the checkpoint
    dossiers_.state(handle).raised.Add(alert.kind, alert.due_at);
    if (dossiers_.checkpoint_mark(handle) != checkpoint_epoch_) {
      dossiers_.checkpoint_mark(handle) = checkpoint_epoch_;
      checkpoint_touched_.emplace_back(handle, dossiers_.generation(handle));
    }
    return Status::Ok();
  });
}

// ---------------------------------------------------------------------------
// Lookups.

Result<std::optional<std::string>> Engine::LoadPosition(std::string_view source_id) {
  std::string value;
  Status s =
      store_->Get(Column::kMeta,
                  std::string(projections::kMetaPositionPrefix) + std::string(source_id), &value);
  if (s.ok()) return std::optional<std::string>(std::move(value));
  if (s.code() == core::StatusCode::kNotFound) return std::optional<std::string>();
  return s;
}

Engine::IdFingerprints Engine::FingerprintsOf(const core::Event& event) {
  return IdFingerprints{projections::Fingerprint(event.dossier_id),
                        projections::Fingerprint(event.event_id)};
}

Result<uint32_t> Engine::LoadDossier(std::string_view dossier_id, uint64_t dossier_fingerprint) {
  const uint32_t handle =
      dossiers_.Find(dossier_id, projections::DossierTable::HashOfFingerprint(dossier_fingerprint));
  if (handle != kNone || !options_.persist) return handle;
  // Not in memory: never seen, or finished and stored by a checkpoint.
  if (!dossier_ids_.Contains(dossier_fingerprint)) return kNone;
  finished_on_disk_ = core::DossierState{};
  Status s = projections::FindDossierRecord(*store_, dossier_id, ids_, &finished_on_disk_);
  if (s.code() == core::StatusCode::kNotFound) return kNone;
  HOSO_RETURN_IF_ERROR(s);
  if (finished_on_disk_.is_open()) {
    return Status::Corruption("dossier " + std::string(dossier_id) +
                              " is open on disk but not in memory");
  }
  return kFinishedOnDisk;
}

Result<std::optional<DossierChange>> Engine::FindDossierChange(std::string_view dossier_id) {
  auto found = LoadDossier(dossier_id, projections::Fingerprint(dossier_id));
  if (!found.ok()) return found.status();
  if (*found == kNone) return std::optional<DossierChange>();
  const core::DossierState& state =
      *found == kFinishedOnDisk ? finished_on_disk_ : dossiers_.state(*found);
  return std::optional<DossierChange>(MakeDossierChange(dossier_id, state, ids_));
}

Status Engine::IndexedSegment::Load(std::string_view segment) {
  events.clear();
  reader.reset();
  value.assign(segment);
  auto opened = projections::SegmentReader::Open(value);
  if (!opened.ok()) return opened.status();
  reader.emplace(std::move(*opened));
  first_sequence = reader->first_sequence();
  projections::LogEntry entry;
  Status status;
  while (reader->Next(&entry, &status)) {
    if (entry.sequence != first_sequence + events.size()) {
      events.clear();
      return Status::Corruption("log segment at event " + std::to_string(first_sequence) +
                                " does not number its events in order");
    }
    events.push_back(entry.bytes);
  }
  if (!status.ok()) events.clear();
  return status;
}

Result<std::string> Engine::LoggedBytes(uint64_t sequence) {
  std::string_view bytes;
  if (pending_->segment_started && sequence >= pending_->segment.first_sequence()) {
    if (pending_->segment.BytesOf(sequence, &bytes)) return std::string(bytes);
  }
  IndexedSegment& indexed = indexed_segment_;
  if (!indexed.Holds(sequence)) {
    // The sealed segment holding `sequence`: one whose commit is not
    // durable yet, or else the last key at or before it in the store.
    std::string_view segment;
    auto unsettled = unsettled_segments_.upper_bound(sequence);
    if (unsettled != unsettled_segments_.begin()) {
      --unsettled;
      if (sequence >= unsettled->first) segment = unsettled->second;
    }
    std::unique_ptr<projections::KvIterator> it;
    if (segment.empty()) {
      it = store_->NewIterator(Column::kLog);
      it->SeekForPrev(projections::LogKey(sequence, UINT64_MAX));
      HOSO_RETURN_IF_ERROR(it->status());
      if (!it->Valid())
        return Status::Corruption("no log segment holds event " + std::to_string(sequence));
      segment = it->value();
    }
    HOSO_RETURN_IF_ERROR(indexed.Load(segment));
  }
  if (!indexed.Holds(sequence)) {
    return Status::Corruption("log event " + std::to_string(sequence) + " is missing");
  }
  return std::string(indexed.events[sequence - indexed.first_sequence]);
}

Result<Engine::Repeat> Engine::CheckRepeat(const core::Event& event, uint64_t event_fingerprint,
                                           std::string* first_summary) {
  std::vector<uint64_t> candidates;
  event_ids_.ForEach(event_fingerprint, [&](uint64_t sequence) {
    candidates.push_back(sequence);
    return true;
  });
  for (uint64_t sequence : candidates) {
    auto bytes = LoggedBytes(sequence);
    if (!bytes.ok()) return bytes.status();
    core::Event first;
    core::Rejection rejection;
    if (!decoder_.Decode(*bytes, &first, &rejection)) {
      return Status::Corruption("logged event " + std::to_string(sequence) + " does not decode");
    }
    if (first.event_id != event.event_id) continue;  // another id with the same fingerprint
    // Idempotency is same id and same content (compared in canonical form,
    // so key order and spacing do not matter); other content under a known
    // id is an upstream bug, made visible. The first event is kept.
    if (codec::EncodeEvent(first) == codec::EncodeEvent(event)) return Repeat::kDuplicate;
    *first_summary = "dossier " + first.dossier_id + ", " +
                     std::string(core::EventTypeName(first.type)) + " at " +
                     core::FormatLocal(first.occurred_at);
    return Repeat::kConflicting;
  }
  return Repeat::kNew;
}

bool Engine::PassesGuards(const core::Event& event, std::optional<core::Instant>* wall_now,
                          core::Rejection* rejection) const {
  if (options_.future_skew_ms >= 0) {
    if (!*wall_now) *wall_now = WallNow();
    const core::Instant now = **wall_now;
    if (event.occurred_at.epoch_ms > now.epoch_ms + options_.future_skew_ms) {
      rejection->code = core::RejectCode::kFutureInstant;
      rejection->message = "occurred_at " + core::FormatLocal(event.occurred_at) +
                           " is in the future (now " + core::FormatLocal(now) + ", allowed skew " +
                           std::to_string(options_.future_skew_ms / 60000) + " min)";
      return false;
    }
  }
  if (options_.clock_mode == ClockMode::kEventTime && options_.max_ahead_ms >= 0 &&
      log_sequence_ >= options_.guard_after_events && clock_.epoch_ms != INT64_MIN &&
      event.occurred_at.epoch_ms > clock_.epoch_ms + options_.max_ahead_ms) {
    rejection->code = core::RejectCode::kAheadOfClock;
    rejection->message = "occurred_at " + core::FormatLocal(event.occurred_at) + " is " +
                         std::to_string((event.occurred_at.epoch_ms - clock_.epoch_ms) / 86400000) +
                         " days ahead of the engine clock " + core::FormatLocal(clock_) +
                         " (bound " + std::to_string(options_.max_ahead_ms / 86400000) +
                         " days; raise it for a backfill)";
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Applying.

void Engine::Touch(uint32_t handle, bool is_new, const core::DossierState& before) {
  if (!options_.persist) return;
  pending_->changed = true;
  if (dossiers_.batch_mark(handle) != batch_serial_ + 1) {
    dossiers_.batch_mark(handle) = batch_serial_ + 1;
    pending_->touched.push_back(
        {handle, dossiers_.generation(handle), is_new ? SummaryBits{} : BitsOf(before)});
  }
  if (dossiers_.checkpoint_mark(handle) != checkpoint_epoch_) {
    dossiers_.checkpoint_mark(handle) = checkpoint_epoch_;
    checkpoint_touched_.emplace_back(handle, dossiers_.generation(handle));
  }
}

void Engine::LogEvent(uint32_t handle, std::string_view event_id, std::string_view bytes,
                      const IdFingerprints& fingerprints, int32_t partition, int64_t offset,
                      bool derived) {
  core::DossierState& state = dossiers_.state(handle);
  ++log_sequence_;
  if (!pending_->segment_started) {
    pending_->segment.Reset(batch_serial_ + 1, log_sequence_);
    pending_->segment_started = true;
  }
  const bool first = state.event_count == 1;
  const std::string_view previous =
      first ? std::string_view()
            : std::string_view(reinterpret_cast<const char*>(state.chain_head.data()), 32);
  hasher_.Chain(previous, bytes, &chain_scratch_);
  std::copy(chain_scratch_.begin(), chain_scratch_.end(),
            reinterpret_cast<char*>(state.chain_head.data()));
  projections::LogEntry entry;
  entry.sequence = log_sequence_;
  entry.derived = derived;
  entry.partition = partition;
  entry.offset = offset;
  entry.dossier_sequence = state.event_count - 1;
  entry.chain_hash = chain_scratch_;
  entry.dossier_id = dossiers_.id(handle);
  entry.bytes = bytes;
  pending_->segment.Add(entry, fingerprints.event);
  if (options_.index_input_event_ids || derived ||
      event_id.starts_with(core::DossierStateMachine::kDerivedOverduePrefix)) {
    event_ids_.Insert(fingerprints.event, log_sequence_);
  }
  if (first) {
    state.first_log_sequence = log_sequence_;
    dossier_ids_.Insert(fingerprints.dossier, 0);
  }
  state.last_log_sequence = log_sequence_;
}

void Engine::ScheduleTimers(uint32_t handle) {
  const core::DossierState& state = dossiers_.state(handle);
  projections::TimerQueue& queue = QueueOf(state);
  for (const core::TimerSpec& timer : machine_->PendingTimers(state)) {
    queue.Push(projections::TimerEntry{timer.fires_at, timer.kind, timer.due_at,
                                       state.first_log_sequence, handle,
                                       dossiers_.generation(handle)});
  }
  // Stale entries are dropped lazily; rebuild when they dominate.
  if (queue.size() > 4 * pending_timers_ + 65536) RebuildTimers();
}

void Engine::RebuildTimers() {
  timers_stale_ = false;
  timers_.Clear();
  for (auto& [partition, parked] : parked_) parked.timers.Clear();
  pending_timers_ = 0;
  if (!options_.persist) return;
  dossiers_.ForEach([&](uint32_t handle) {
    const core::DossierState& state = dossiers_.state(handle);
    projections::TimerQueue& queue = QueueOf(state);
    for (const core::TimerSpec& timer : machine_->PendingTimers(state)) {
      queue.Push(projections::TimerEntry{timer.fires_at, timer.kind, timer.due_at,
                                         state.first_log_sequence, handle,
                                         dossiers_.generation(handle)});
      ++pending_timers_;
    }
  });
}

projections::TimerQueue& Engine::QueueOf(const core::DossierState& state) {
  if (state.input_partition < 0 ||
      (!own_partition_clocks() && partition_live(state.input_partition))) {
    return timers_;
  }
  return Parked(state.input_partition).timers;
}

Engine::ParkedPartition& Engine::Parked(int32_t partition) {
  const auto index = static_cast<size_t>(partition);
  if (index < parked_index_.size() && parked_index_[index] != nullptr) {
    return *parked_index_[index];
  }
  if (index >= parked_index_.size()) parked_index_.resize(index + 1, nullptr);
  return *(parked_index_[index] = &parked_[partition]);
}

bool Engine::partition_live(int32_t partition) const {
  return !options_.partition_ownership || partition < 0 || live_partitions_.contains(partition);
}

size_t Engine::restoring_partitions() const {
  size_t restoring = 0;
  for (const auto& [partition, parked] : parked_) {
    if (parked.phase == Phase::kRestoring) ++restoring;
  }
  return restoring;
}

void Engine::AssignPartition(int32_t partition, int64_t restore_until_offset) {
  if (!options_.partition_ownership || live_partitions_.contains(partition)) return;
  if (restore_until_offset < 0) {
    // Back with nothing to restore: if every cell of it went out in this
    // engine's commits, hoso.kpi already holds them (an eager rebalance
    // gives every instance its partitions back at each membership change).
    GoLive(partition, /*republish=*/!cells_sent_.contains(partition));
    return;
  }
  ParkedPartition& parked = parked_[partition];
  parked.phase = Phase::kRestoring;
  parked.restore_until = restore_until_offset;
}

void Engine::RevokePartition(int32_t partition) {
  if (!options_.partition_ownership) return;
  if (live_partitions_.erase(partition) > 0) {
    parked_[partition].phase = Phase::kNotAssigned;
    // A republication not sealed yet is taken back: it is owed next time.
    if (std::erase(republish_, partition) > 0) cells_sent_.erase(partition);
    // Its timers leave the engine's queue before anything fires next (once
    // for a whole revoke, not once per partition).
    if (!own_partition_clocks()) timers_stale_ = true;
    return;
  }
  auto parked = parked_.find(partition);
  if (parked != parked_.end()) {
    parked->second.phase = Phase::kNotAssigned;
    parked->second.restore_until = -1;
  }
}

void Engine::GoLive(int32_t partition, bool republish) {
  live_partitions_.insert(partition);
  if (republish) {
    republish_.push_back(partition);
    pending_->changed = true;  // the commit carries its KPI cells
  }
  if (own_partition_clocks()) {
    parked_[partition].phase = Phase::kLive;  // its timers stay on its own clock
    return;
  }
  auto parked = parked_.find(partition);
  if (parked == parked_.end()) return;
  projections::TimerQueue& timers = parked->second.timers;
  while (!timers.empty()) {
    timers_.Push(timers.top());
    timers.Pop();
  }
  if (static_cast<size_t>(partition) < parked_index_.size()) {
    parked_index_[static_cast<size_t>(partition)] = nullptr;
  }
  parked_.erase(parked);
}

bool Engine::TimerValid(const projections::TimerEntry& entry) const {
  if (!dossiers_.live(entry.handle) || dossiers_.generation(entry.handle) != entry.generation) {
    return false;
  }
  for (const core::TimerSpec& timer : machine_->PendingTimers(dossiers_.state(entry.handle))) {
    if (timer == entry.spec()) return true;
  }
  return false;
}

std::optional<core::Instant> Engine::next_timer_at() {
  if (timers_stale_) RebuildTimers();
  while (!timers_.empty() && !TimerValid(timers_.top())) timers_.Pop();
  std::optional<core::Instant> next;
  if (!timers_.empty()) next = core::ToInstant(timers_.top().fires_at);
  if (next_dialogue_deadline_ != kNoDialogueDeadline &&
      (!next || next_dialogue_deadline_ < *next)) {
    next = next_dialogue_deadline_;
  }
  return next;
}

void Engine::RaiseAlert(uint32_t handle, const core::AlertSpec& spec, BatchResult* result) {
  const core::DossierState& state = dossiers_.state(handle);
  RaiseAlertFor(dossiers_.id(handle), ids_.Name(state.holder_agency), ids_.Name(state.procedure),
                spec, result);
}

void Engine::RaiseAlertFor(std::string_view dossier_id, std::string_view agency,
                           std::string_view procedure, const core::AlertSpec& spec,
                           BatchResult* result) {
  ++result->alerts_by_kind[static_cast<int>(spec.kind)];
  if (options_.collect_alerts) {
    result->alerts.push_back(core::AlertFor(spec, dossier_id, agency, procedure));
  }
  if (!options_.persist) return;
  alert_json_.clear();
  AppendAlertJson(&alert_json_, spec, dossier_id, agency, procedure, &alert_scratch_);
  ++alert_sequence_;
  if (pending_->alerts.count() == 0) pending_->first_alert_sequence = alert_sequence_;
  pending_->alerts.Add(dossier_id, spec.kind, spec.due_at, alert_json_);
  if (options_.commit_alerts) {
    pending_->committed_alerts.Add(dossier_id, spec.kind, spec.fires_at, alert_json_,
                                   quiet_alerts_);
  }
  pending_->changed = true;
}

Status Engine::ApplyOne(const core::Event& event, const IdFingerprints& fingerprints,
                        std::string_view bytes, int32_t partition, int64_t offset, bool derived,
                        BatchResult* result, std::optional<core::Rejection>* rejected) {
  auto found = LoadDossier(event.dossier_id, fingerprints.dossier);
  if (!found.ok()) return found.status();
  core::Rejection rejection;
  if (*found == kFinishedOnDisk) {
    // Nothing applies to a finished dossier: the state machine says why.
    if (machine_->Apply(&finished_on_disk_, false, event, derived, &ids_, &effects_, &rejection)) {
      return Status::Corruption("an event applied to finished dossier " + event.dossier_id);
    }
    *rejected = std::move(rejection);
    return Status::Ok();
  }
  uint32_t handle = *found;
  const bool is_new = handle == kNone;
  size_t pending_before = 0;
  if (is_new) {
    new_state_ = core::DossierState{};
    if (!machine_->Apply(&new_state_, true, event, derived, &ids_, &effects_, &rejection)) {
      *rejected = std::move(rejection);
      return Status::Ok();
    }
    new_state_.input_partition = partition;
    handle = dossiers_.Insert(event.dossier_id,
                              projections::DossierTable::HashOfFingerprint(fingerprints.dossier));
    Touch(handle, true, new_state_);
    dossiers_.state(handle) = std::move(new_state_);
  } else {
    core::DossierState& state = dossiers_.state(handle);
    before_state_ = state;
    pending_before = machine_->PendingTimers(state).size();
    if (!machine_->Apply(&state, false, event, derived, &ids_, &effects_, &rejection)) {
      *rejected = std::move(rejection);
      return Status::Ok();
    }
    if (effects_.duplicate) {
      ++result->duplicates;
      return Status::Ok();
    }
    Touch(handle, false, before_state_);
  }
  if (options_.persist && !derived && event.occurred_at > next_month_end_) [[unlikely]] {
    // The first event to be logged dated after the month end: the figures
    // as of it are those before this event (its dossier as it was).
    PassMonthEnd(event.occurred_at, is_new ? kNone : handle);
    // The first input event logged passes "no month end yet" too: dialogue
    // deadlines count from the clock it sets (none before it is raised).
    if (next_dialogue_deadline_ == kNoDialogueDeadline) [[unlikely]] {
      ArmDialogueDeadlines(std::max(clock_, event.occurred_at));
    }
  }
  const core::DossierState& state = dossiers_.state(handle);
  for (const core::CounterIncrement& increment : effects_.counters) {
    kpi_.Add(increment.month_key, state.receiving_agency, state.procedure, partition,
             increment.field);
  }
  if (options_.persist) {
    LogEvent(handle, event.event_id, bytes, fingerprints, partition, offset, derived);
    if (!derived && event.occurred_at <= latest_month_end_) [[unlikely]] {
      StaleMonthEnds(event.occurred_at);  // a late event: those folds now differ
    }
    for (const core::AlertSpec& spec : effects_.alerts) RaiseAlert(handle, spec, result);
    const size_t pending_after = machine_->PendingTimers(state).size();
    pending_timers_ = pending_timers_ + pending_after - pending_before;
    if (effects_.timers_changed) ScheduleTimers(handle);
  } else if (!state.is_open()) {
    dossiers_.Erase(handle);  // a fold never needs a finished dossier again
  }
  if (!derived) {
    ++result->applied;
    if (options_.clock_mode == ClockMode::kEventTime && clock_ < event.occurred_at) {
      clock_ = event.occurred_at;
    }
  }
  return Status::Ok();
}

Status Engine::FireTimersBefore(projections::TimerQueue* queue, core::Instant limit,
                                core::Instant raised_at, size_t max_fires, BatchResult* result) {
  // A partition on its own clock (parked_): its alerts are dated from the
  // dossier's history, as with the event-time clock.
  const bool own_clock = queue != &timers_;
  size_t fired = 0;
  while (fired < max_fires) {
    const bool timer_due = !queue->empty() && core::ToInstant(queue->top().fires_at) < limit;
    if (!own_clock && next_dialogue_deadline_ < limit &&
        (!timer_due || next_dialogue_deadline_ < core::ToInstant(timers_.top().fires_at)))
        [[unlikely]] {
      // In fires_at order with the timers (after those due at the same
      // minute: their kinds order before dialogue_missing).
      PassDialogueDeadline(raised_at, result);
      ++fired;
      continue;
    }
    if (!timer_due) break;
    const projections::TimerEntry entry = queue->top();
    queue->Pop();
    if (!TimerValid(entry)) continue;
    const uint32_t handle = entry.handle;
    core::DossierState& state = dossiers_.state(handle);
    // With the event-time clock, which event moves the clock past fires_at
    // depends on the order of other dossiers' events (a file, a merge of
    // Kafka partitions): raised_at is therefore taken from the dossier's own
    // history, the later of fires_at and its last event, so that ingest,
    // serve and replay store the same alert byte for byte.
    const core::Instant when = options_.clock_mode == ClockMode::kEventTime || own_clock
                                   ? std::max(core::ToInstant(entry.fires_at), state.last_event_at)
                                   : raised_at;
    before_state_ = state;
    const size_t pending_before = machine_->PendingTimers(state).size();
    const core::FireResult fire = machine_->Fire(&state, entry.spec(), when);
    pending_timers_ = pending_timers_ + machine_->PendingTimers(state).size() - pending_before;
    if (fire.alerts.empty() && !fire.derive_overdue) continue;
    ++fired;
    Touch(handle, false, before_state_);
    for (const core::AlertSpec& spec : fire.alerts) RaiseAlert(handle, spec, result);
    if (!fire.derive_overdue) continue;
    const core::Event derived = core::DossierStateMachine::DerivedOverdue(
        dossiers_.id(handle), ids_.Name(state.holder_agency), entry.due_at);
    std::string ignored;
    const IdFingerprints fingerprints = FingerprintsOf(derived);
    auto repeat = CheckRepeat(derived, fingerprints.event, &ignored);
    if (!repeat.ok()) return repeat.status();
    if (*repeat != Repeat::kNew) continue;
    const std::string bytes = codec::EncodeEvent(derived);
    std::optional<core::Rejection> rejected;
    HOSO_RETURN_IF_ERROR(
        ApplyOne(derived, fingerprints, bytes, -1, -1, /*derived=*/true, result, &rejected));
    if (rejected) {
      // Fire() derives an overdue only for an open dossier: a rejection here
      // is an engine bug, not bad input.
      return Status::Corruption("the engine's own overdue event for " + derived.dossier_id +
                                " was rejected: " + rejected->message);
    }
    ++result->derived_events;
  }
  return Status::Ok();
}

namespace {

// How many records ahead the first lookup is requested; the second half of
// the way, the slot it names.
constexpr size_t kPrefetchDistance = 8;

// Asks for the cache lines of a record's first `limit` bytes. The records of
// a Kafka batch lie in the buffers of many fetches (the merge interleaves
// partitions), where the hardware prefetcher does not follow: reading each
// record's text first was a cache miss per record in a restore.
void PrefetchText(std::string_view bytes, size_t limit) {
  const size_t end = std::min(bytes.size(), limit);
  for (size_t at = 0; at < end; at += 64) __builtin_prefetch(bytes.data() + at);
}

}  // namespace

void Engine::PrefetchLookups(std::span<const RawRecord> records) {
  look_ahead_.resize(records.size());
  constexpr size_t kTextAhead = 4;
  for (size_t i = 0; i < std::min(records.size(), kTextAhead); ++i) {
    PrefetchText(records[i].bytes, 128);
  }
  for (size_t i = 0; i < records.size(); ++i) {
    // The ids lead a record written as docs/events.md shows it.
    if (i + kTextAhead < records.size()) PrefetchText(records[i + kTextAhead].bytes, 128);
    LookAhead& ahead = look_ahead_[i];
    ahead.bytes = records[i].bytes;
    // Hints only: the decoder is what reads a record.
    ahead.known = LeadingIds(records[i].bytes, &ahead.event_id, &ahead.dossier_id);
    if (!ahead.known) {
      const auto dossier_id = CompactStringField(records[i].bytes, "dossier_id");
      const auto event_id = CompactStringField(records[i].bytes, "event_id");
      ahead.known = dossier_id.has_value() && event_id.has_value();
      if (!ahead.known) continue;
      ahead.dossier_id = *dossier_id;
      ahead.event_id = *event_id;
    }
    ahead.fingerprints.dossier = projections::Fingerprint(ahead.dossier_id);
    ahead.fingerprints.event = projections::Fingerprint(ahead.event_id);
    ahead.dossier_hash = projections::DossierTable::HashOfFingerprint(ahead.fingerprints.dossier);
  }
  const size_t first = std::min(records.size(), kPrefetchDistance);
  for (size_t i = 0; i < first; ++i) {
    if (look_ahead_[i].known) dossiers_.PrefetchBucket(look_ahead_[i].dossier_hash);
  }
}

void Engine::PrefetchFor(size_t index) {
  // The whole text for the decoder (an event is ~250 bytes), which reads it
  // long after PrefetchLookups did when the batch is large.
  const size_t next = index + kPrefetchDistance / 2;
  if (next < look_ahead_.size()) PrefetchText(look_ahead_[next].bytes, 512);
  const size_t far = index + kPrefetchDistance;
  if (far < look_ahead_.size() && look_ahead_[far].known) {
    dossiers_.PrefetchBucket(look_ahead_[far].dossier_hash);
    if (options_.index_input_event_ids) event_ids_.Prefetch(look_ahead_[far].fingerprints.event);
  }
  const size_t near = index + kPrefetchDistance / 2;
  if (near < look_ahead_.size() && look_ahead_[near].known &&
      !dossiers_.PrefetchSlot(look_ahead_[near].dossier_hash)) {
    dossier_ids_.Prefetch(look_ahead_[near].fingerprints.dossier);  // a new dossier, or on disk
  }
}

Result<BatchResult> Engine::ApplyRecords(std::span<const RawRecord> records, bool logged) {
  if (!broken_.ok()) return broken_;
  if (timers_stale_) RebuildTimers();
  BatchResult result;
  core::Rejection rejection;
  auto reject = [&](size_t index, core::Rejection r) {
    ++result.rejected;
    ++result.rejected_by_code[static_cast<int>(r.code)];
    result.rejections.push_back({index, std::move(r)});
  };
  std::string first_summary;
  // The future guard's "now", read once per batch: a batch is applied within
  // milliseconds, the guard's skew is minutes, and a clock read per event
  // was 2 % of the engine thread in a restore (BENCHMARKS.md, twenty-ninth
  // session).
  std::optional<core::Instant> batch_wall_now;
  // Partition ownership: the record being applied fires its partition's
  // own timers (event-time ownership: always; wall clock: while the
  // partition is not live), and while the partition restores its alerts are
  // quiet. A restore ends once the record just before its offset is
  // applied, or at a record at or past it.
  ParkedPartition* own_partition = nullptr;
  int32_t own_partition_id = -1;
  int64_t own_offset = 0;
  auto end_restore = [&](ParkedPartition* parked, int32_t partition) {
    parked->restore_until = -1;
    GoLive(partition, /*republish=*/true);  // may invalidate `parked`
  };
  auto settle_own = [&] {
    quiet_alerts_ = false;
    if (own_partition == nullptr) return;
    ParkedPartition* parked = own_partition;
    own_partition = nullptr;
    if (parked->phase == Phase::kRestoring && own_offset + 1 >= parked->restore_until) {
      end_restore(parked, own_partition_id);
    }
  };
  PrefetchLookups(records);
  for (size_t i = 0; i < records.size(); ++i) {
    PrefetchFor(i);
    settle_own();
    const RawRecord& record = records[i];
    if (options_.partition_ownership && !logged && record.partition >= 0 &&
        (own_partition_clocks() || !partition_live(record.partition))) {
      ParkedPartition* parked = &Parked(record.partition);
      if (parked->phase == Phase::kRestoring && record.offset >= parked->restore_until) {
        end_restore(parked, record.partition);
        // With the wall clock the partition left parked_: its timers are the
        // engine's now. Own clocks keep it there, live.
        if (!own_partition_clocks()) parked = nullptr;
      }
      if (parked != nullptr) {
        own_partition = parked;
        own_partition_id = record.partition;
        own_offset = record.offset;
        quiet_alerts_ = parked->phase != Phase::kLive;
      }
    }
    if (!decoder_.Decode(record.bytes, &event_, &rejection) ||
        !machine_->CheckProcedure(event_, &rejection)) {
      if (rejection.code == core::RejectCode::kTooLarge && record.full_size >= 0) {
        // The source kept only the head of the record: state its true size.
        rejection.message = "record is " + std::to_string(record.full_size) + " bytes, over the " +
                            std::to_string(core::kMaxEventBytes) + "-byte limit";
      }
      reject(i, rejection);
      continue;
    }
    if (options_.until && options_.until < event_.occurred_at) continue;
    // The look-ahead's fingerprints, once its ids are seen to be the decoded
    // ones: it read the raw text, and stays a hint.
    const LookAhead& ahead = look_ahead_[i];
    const IdFingerprints fingerprints =
        ahead.known && ahead.event_id == event_.event_id && ahead.dossier_id == event_.dossier_id
            ? ahead.fingerprints
            : FingerprintsOf(event_);
    if (options_.persist && !logged) {
      auto repeat = CheckRepeat(event_, fingerprints.event, &first_summary);
      if (!repeat.ok()) return broken_ = repeat.status();
      if (*repeat == Repeat::kDuplicate) {
        ++result.duplicates;
        continue;
      }
      if (*repeat == Repeat::kConflicting) {
        reject(i, core::Rejection{core::RejectCode::kConflictingDuplicate,
                                  "event_id " + event_.event_id +
                                      " was applied before with other content (" + first_summary +
                                      "); the first is kept"});
        continue;
      }
    }
    if (!logged && !PassesGuards(event_, &batch_wall_now, &rejection)) {
      reject(i, rejection);
      continue;
    }
    // The clock passes every timer before max(clock, occurred_at), including
    // timers armed in the past by earlier events (a late resumption).
    const core::Instant limit = std::max(clock_, event_.occurred_at);
    bool fire_engine_timers = false;
    if (options_.persist && options_.clock_mode == ClockMode::kEventTime) {
      const std::optional<core::Instant> next = next_timer_at();
      fire_engine_timers = next && *next < limit;
    }
    // A partition that is not live fires its timers before its own events only.
    projections::TimerQueue* own_timers = nullptr;
    if (options_.persist && own_partition != nullptr) {
      projections::TimerQueue& parked = own_partition->timers;
      while (!parked.empty() && !TimerValid(parked.top())) parked.Pop();
      if (!parked.empty() && core::ToInstant(parked.top().fires_at) < event_.occurred_at) {
        own_timers = &parked;
      }
    }
    if (fire_engine_timers || own_timers != nullptr) {
      // Timers due before this event fire first, but only if the event will
      // be applied: a rejected event never moves the clock.
      auto found = LoadDossier(event_.dossier_id, fingerprints.dossier);
      if (!found.ok()) return broken_ = found.status();
      bool applies = false;
      if (*found == kFinishedOnDisk) {
        applies = false;
        machine_->Apply(&finished_on_disk_, false, event_, false, &ids_, &effects_, &rejection);
      } else {
        dry_run_ = *found == kNone ? core::DossierState{} : dossiers_.state(*found);
        applies = machine_->Apply(&dry_run_, *found == kNone, event_, false, &ids_, &effects_,
                                  &rejection);
      }
      if (!applies) {
        reject(i, rejection);
        continue;
      }
      if (fire_engine_timers) {
        // The engine's own timers belong to live partitions: never quiet.
        const bool quiet = quiet_alerts_;
        quiet_alerts_ = false;
        Status fired = FireTimersBefore(&timers_, limit, limit, SIZE_MAX, &result);
        quiet_alerts_ = quiet;
        if (!fired.ok()) return broken_ = fired;
      }
      if (own_timers != nullptr) {
        Status fired =
            FireTimersBefore(own_timers, event_.occurred_at, event_.occurred_at, SIZE_MAX, &result);
        if (!fired.ok()) return broken_ = fired;
      }
    }
    std::optional<core::Rejection> rejected;
    Status s = ApplyOne(event_, fingerprints, record.bytes, record.partition, record.offset, false,
                        &result, &rejected);
    if (!s.ok()) return broken_ = s;
    if (rejected) reject(i, std::move(*rejected));
  }
  settle_own();
  return result;
}

Result<BatchResult> Engine::Apply(std::span<const RawRecord> records) {
  if (!options_.index_input_event_ids) {
    return Status::InvalidArgument(
        "an engine that indexes only derived event ids applies logged events only");
  }
  return ApplyRecords(records, /*logged=*/false);
}

Result<BatchResult> Engine::ApplyLogged(std::span<const LoggedInput> inputs) {
  std::vector<RawRecord> records;
  records.reserve(inputs.size());
  for (const LoggedInput& input : inputs) {
    if (input.derived) continue;
    records.emplace_back(input.bytes, input.partition, input.offset);
  }
  return ApplyRecords(records, /*logged=*/true);
}

Result<BatchResult> Engine::AdvanceClock(core::Instant now) {
  if (!broken_.ok()) return broken_;
  if (timers_stale_) RebuildTimers();
  BatchResult result;
  if (options_.persist) {
    Status s = FireTimersBefore(&timers_, now, now, options_.max_timers_per_advance, &result);
    if (!s.ok()) return broken_ = s;
  }
  if (options_.clock_mode == ClockMode::kWallTime && clock_ < now) clock_ = now;
  return result;
}

projections::OpenDossiers Engine::OpenDossiers() const {
  projections::OpenDossiers open;
  dossiers_.ForEach([&](uint32_t handle) {
    const core::DossierState& state = dossiers_.state(handle);
    if (state.is_open())
      open[std::string(dossiers_.id(handle))] = projections::SummaryOf(state, ids_);
  });
  return open;
}

std::vector<core::OpenCell> Engine::CountOpenAsBefore(core::Instant as_of,
                                                      uint32_t changed_handle) const {
  projections::OpenCounter counter(as_of);
  dossiers_.ForEach([&](uint32_t handle) {
    const core::DossierState& state =
        handle == changed_handle ? before_state_ : dossiers_.state(handle);
    if (state.is_open()) counter.Add(dossiers_.id(handle), state, ids_);
  });
  return counter.Take();
}

// ---------------------------------------------------------------------------
// Sealing and checkpoints.

bool Engine::checkpoint_due() const {
  if (checkpoint_touched_.empty() && log_sequence_ == checkpoint_log_sequence_) return false;
  if (log_sequence_ - checkpoint_log_sequence_ >= options_.checkpoint_events) return true;
  return options_.checkpoint_interval_ms > 0 &&
         WallNow().epoch_ms - last_checkpoint_wall_.epoch_ms >= options_.checkpoint_interval_ms;
}

// A checkpoint's dossier records, encoded by the engine thread into one
// buffer; the writer thread sorts them by id (RocksDB's memtable inserts a
// sorted run much faster than keys in arrival order) and adds them to the
// commit's batch.
struct Engine::CheckpointRecords {
  struct Record {
    projections::KeyPrefix key_prefix;  // set by the writer thread, for the sort
    size_t key_at;
    size_t key_length;
    size_t value_at;
    size_t value_length;
    bool open;
    bool delete_open;  // finished: its record of a previous checkpoint among the open ones goes
  };
  std::string bytes;
  std::vector<Record> records;

  void AddTo(projections::KvBatch* batch) {
    auto key = [&](const Record& r) {
      return std::string_view(bytes).substr(r.key_at, r.key_length);
    };
    // The prefixes are read here, on the writer thread, not on the engine's.
    for (Record& r : records) r.key_prefix = projections::KeyPrefix(key(r));
    std::sort(records.begin(), records.end(), [&](const Record& a, const Record& b) {
      return projections::KeyPrefix::Less(a.key_prefix, key(a), b.key_prefix, key(b));
    });
    for (const Record& r : records) {
      const std::string_view value = std::string_view(bytes).substr(r.value_at, r.value_length);
      batch->Put(r.open ? Column::kOpenDossiers : Column::kDossiers, key(r), value);
      if (r.delete_open) batch->Delete(Column::kOpenDossiers, key(r));
    }
  }
};

Result<std::unique_ptr<Commit>> Engine::Seal(Positions positions, CheckpointPolicy policy,
                                             SourceSegment source_segment) {
  if (!broken_.ok()) return broken_;
  if (!options_.persist) return Status::InvalidArgument("a fold engine (persist off) never seals");
  bool checkpoint = false;
  switch (policy) {
    case CheckpointPolicy::kWhenDue:
      checkpoint = checkpoint_due();
      break;
    case CheckpointPolicy::kNow:
      checkpoint = !checkpoint_touched_.empty() || log_sequence_ != checkpoint_log_sequence_;
      break;
    case CheckpointPolicy::kLater:
      break;
  }
  if (!pending_->changed && positions.empty() && !checkpoint) return std::unique_ptr<Commit>();
  auto commit = std::make_unique<Commit>();
  std::shared_ptr<CheckpointRecords> records;
  if (checkpoint) records = EncodeCheckpointRecords(commit.get());
  // Sized up front: a write batch that grows by doubling copies itself over
  // and over (a checkpoint holds tens of megabytes of records). About 8
  // bytes of framing per entry.
  commit->batch = store_->NewBatch(
      pending_->segment.Segment().size() / 4 + pending_->segment.Index().size() +
      (size_t{1} << 20) +
      (records ? records->bytes.size() + records->records.size() * 16 + kpi_.size() * 64 : 0));
  projections::KvBatch& batch = *commit->batch;
  Pending& pending = *pending_;

  // What queries read between checkpoints: changed KPI cells, changed open
  // summaries.
  kpi_.TakeBatchChanges(&pending.delta, &commit->changed_kpi);
  if (options_.partition_ownership) {
    // A restoring partition's cells go out once it is live, all at once: its
    // previous owner's figures are never replaced by a partial restore.
    std::sort(republish_.begin(), republish_.end());
    auto republished = [&](int32_t partition) {
      return std::binary_search(republish_.begin(), republish_.end(), partition);
    };
    std::erase_if(commit->changed_kpi, [&](const auto& cell) {
      if (republished(cell.partition)) return true;  // every cell of it follows
      if (partition_live(cell.partition)) return false;
      // A change nobody publishes: its partition is republished when it is
      // next live here.
      cells_sent_.erase(cell.partition);
      return true;
    });
    if (!republish_.empty()) {
      for (auto& cell : kpi_.CellsOfPartitions(republish_)) {
        commit->changed_kpi.push_back(std::move(cell));
      }
      cells_sent_.insert(republish_.begin(), republish_.end());
    }
    commit->partitions_republished = std::move(republish_);
    republish_.clear();
  }
  std::shared_ptr<std::vector<DossierChange>> changed_dossiers;
  if (options_.collect_changed_dossiers) {
    changed_dossiers = std::make_shared<std::vector<DossierChange>>();
    changed_dossiers->reserve(pending.touched.size());
  }
  for (const Pending::Touched& touched : pending.touched) {
    if (!dossiers_.live(touched.handle) ||
        dossiers_.generation(touched.handle) != touched.generation) {
      continue;
    }
    const core::DossierState& state = dossiers_.state(touched.handle);
    if (changed_dossiers) {
      changed_dossiers->push_back(MakeDossierChange(dossiers_.id(touched.handle), state, ids_));
    }
    if (BitsOf(state) == touched.before) continue;
    if (state.is_open()) {
      pending.delta.AddOpen(dossiers_.id(touched.handle), state.receiving_agency, state.procedure,
                            state.received_at, state.due_at,
                            state.status == core::DossierStatus::kPaused, state.paused_late);
    } else {
      pending.delta.AddClosed(dossiers_.id(touched.handle));
    }
  }
  // Only a batch that stores something is numbered (a segment, alerts, a
  // delta): batches of rejections and duplicates, and a checkpoint of
  // batches already numbered, are not, so a replay numbers its batches as
  // the live run did and rebuilds the store byte for byte.
  const bool numbered =
      pending.segment_started || pending.alerts.count() > 0 || !pending.delta.empty();
  const uint64_t serial = numbered ? ++batch_serial_ : batch_serial_;
  commit->batch_serial = serial;
  if (pending.segment_started) {
    const std::string key = pending.segment.Key();
    batch.Put(Column::kLogIndex, key, pending.segment.Index());
    commit->segment_first_sequence = pending.segment.first_sequence();
    // The segment stays here, uncompressed (moved, not copied), until it is
    // durable, for duplicate checks of its events; the writer thread
    // compresses it into the batch. The map node outlives the write.
    const std::string* segment = &unsettled_segments_
                                      .emplace(pending.segment.first_sequence(),
                                               pending.segment.TakeSegment(spare_segments_.Take()))
                                      .first->second;
    commit->prepare.push_back(
        [key, segment, source = std::string(source_segment.stored),
         source_entries = std::move(source_segment.entries),
         source_entries_size = source_segment.entries_size](projections::KvBatch* batch) mutable {
          // Buffers per writer thread, reused for every segment.
          thread_local std::string compressed;
          thread_local std::string decompressed;
          // A faithful replay's segment is the source's: checking that costs a
          // fraction of compressing it again, and less with the entries the
          // replay decompressed already.
          const bool stored_as_source =
              !source.empty() &&
              projections::StoresSegment(
                  source, *segment, &decompressed,
                  source_entries ? std::string_view(source_entries.get(), source_entries_size)
                                 : std::string_view());
          source_entries.reset();  // the replay's reader takes its buffer back
          if (stored_as_source) {
            batch->Put(Column::kLog, key, source);
            return;
          }
          batch->Put(Column::kLog, key, projections::CompressSegment(*segment, &compressed));
        });
  }
  if (pending.alerts.count() > 0) {
    // Like the segment: the alerts stay here until durable, and the writer
    // thread compresses them into the batch.
    const projections::AlertBatch* alerts =
        &unsettled_alerts_
             .emplace(pending.first_alert_sequence,
                      pending.alerts.Take(spare_alert_entries_.Take()))
             .first->second;
    commit->prepare.push_back([key = projections::AlertsKey(pending.first_alert_sequence),
                               alerts](projections::KvBatch* batch) {
      thread_local std::string compressed;  // per writer thread, reused
      batch->Put(Column::kAlerts, key, projections::EncodeAlertBatch(*alerts, &compressed));
    });
    commit->first_alert_sequence = pending.first_alert_sequence;
    commit->alerts = std::move(pending.committed_alerts);
    pending.committed_alerts = CommittedAlerts();
  }
  if (checkpoint) {
    WriteCheckpoint(std::move(records), commit.get());
  } else if (!pending.delta.empty()) {
    // Compressed by the writer thread too.
    const std::string* delta =
        &unsettled_deltas_.emplace(serial, pending.delta.Take(spare_deltas_.Take())).first->second;
    commit->prepare.push_back(
        [key = projections::DeltaKey(serial), delta](projections::KvBatch* batch) {
          thread_local std::string compressed;  // per writer thread, reused
          batch->Put(Column::kDeltas, key, projections::EncodeBatchDelta(*delta, &compressed));
        });
  }
  if (ids_.size() > names_stored_) {
    // New agencies or procedures: the records and deltas of this batch name
    // them by handle.
    batch.Put(Column::kMeta, projections::kMetaNames, projections::EncodeNames(ids_));
    names_stored_ = ids_.size();
  }
  for (const auto& [key, value] : pending.meta_puts) batch.Put(Column::kMeta, key, value);
  batch.Put(Column::kMeta, projections::kMetaEngine,
            projections::EncodeEngineMeta({clock_, log_sequence_, batch_serial_, alert_sequence_}));
  for (const auto& [source_id, position] : positions) {
    batch.Put(Column::kMeta, std::string(projections::kMetaPositionPrefix) + source_id, position);
  }
  commit->positions = std::move(positions);
  commit->changed_dossiers = std::move(changed_dossiers);
  commit->logged_events = log_sequence_;
  commit->raised_alerts = alert_sequence_;
  pending.Clear();
  return commit;
}

std::shared_ptr<Engine::CheckpointRecords> Engine::EncodeCheckpointRecords(Commit* commit) {
  // The buffer of the previous checkpoint, once its writer is done with it
  // (long before: checkpoints are far apart), so no checkpoint allocates and
  // faults in tens of megabytes anew.
  std::shared_ptr<CheckpointRecords> records = last_checkpoint_records_;
  if (records == nullptr || records.use_count() > 2) {
    records = std::make_shared<CheckpointRecords>();
  }
  last_checkpoint_records_ = records;
  records->bytes.clear();
  records->records.clear();
  records->records.reserve(checkpoint_touched_.size());
  records->bytes.reserve(checkpoint_touched_.size() * 160);
  for (const auto& [handle, generation] : checkpoint_touched_) {
    if (!dossiers_.live(handle) || dossiers_.generation(handle) != generation) continue;
    const core::DossierState& state = dossiers_.state(handle);
    const std::string_view id = dossiers_.id(handle);
    CheckpointRecords::Record record{};
    record.key_at = records->bytes.size();
    record.key_length = id.size();
    records->bytes.append(id);
    record.value_at = records->bytes.size();
    projections::EncodeDossierRecord(id, state, &records->bytes);
    record.value_length = records->bytes.size() - record.value_at;
    record.open = state.is_open();
    record.delete_open = !record.open && dossiers_.stored_open(handle);
    records->records.push_back(record);
    if (record.open) {
      dossiers_.stored_open(handle) = true;
    } else {
      commit->evictable.emplace_back(handle, generation);
    }
  }
  return records;
}

void Engine::WriteCheckpoint(std::shared_ptr<CheckpointRecords> records, Commit* commit) {
  projections::KvBatch& batch = *commit->batch;
  commit->prepare.push_back([records](projections::KvBatch* batch) { records->AddTo(batch); });
  kpi_.WriteCheckpoint(&batch);
  batch.DeleteRange(Column::kDeltas, projections::DeltaKey(0),
                    projections::DeltaKey(commit->batch_serial + 1));
  batch.Put(
      Column::kMeta, projections::kMetaCheckpoint,
      projections::EncodeCheckpointMeta({commit->batch_serial, log_sequence_, alert_sequence_}));
  commit->checkpoint = true;
  checkpoint_touched_.clear();
  ++checkpoint_epoch_;
  checkpoint_log_sequence_ = log_sequence_;
  checkpoint_alert_sequence_ = alert_sequence_;
  last_checkpoint_wall_ = WallNow();
}

void Engine::Committed(const Commit& commit) {
  if (commit.segment_first_sequence != 0) {
    auto settled = unsettled_segments_.find(commit.segment_first_sequence);
    if (settled != unsettled_segments_.end()) {
      spare_segments_.Give(std::move(settled->second));
      unsettled_segments_.erase(settled);
    }
  }
  if (commit.first_alert_sequence != 0) {
    auto settled = unsettled_alerts_.find(commit.first_alert_sequence);
    if (settled != unsettled_alerts_.end()) {
      spare_alert_entries_.Give(std::move(settled->second.entries));
      unsettled_alerts_.erase(settled);
    }
  }
  // A commit with a delta took a batch serial of its own (a later commit
  // without one may share it, and finds nothing: this one settled first).
  if (auto settled = unsettled_deltas_.find(commit.batch_serial);
      settled != unsettled_deltas_.end()) {
    spare_deltas_.Give(std::move(settled->second));
    unsettled_deltas_.erase(settled);
  }
  // Each eviction reads a slot and then a bucket at random (a checkpoint
  // evicts up to hundreds of thousands): both are requested ahead.
  constexpr size_t kSlotAhead = 16;
  constexpr size_t kBucketAhead = 8;
  const auto& evictable = commit.evictable;
  for (size_t i = 0; i < evictable.size(); ++i) {
    if (i + kSlotAhead < evictable.size()) {
      dossiers_.PrefetchHandle(evictable[i + kSlotAhead].first);
    }
    if (i + kBucketAhead < evictable.size()) {
      dossiers_.PrefetchErase(evictable[i + kBucketAhead].first);
    }
    const auto [handle, generation] = evictable[i];
    if (!dossiers_.live(handle) || dossiers_.generation(handle) != generation) continue;
    if (dossiers_.state(handle).is_open()) continue;
    dossiers_.Erase(handle);
  }
}

Result<BatchResult> Engine::ApplyBatch(std::span<const RawRecord> records, Positions positions,
                                       const BeforeCommit& before_commit) {
  auto result = Apply(records);
  if (!result.ok()) return result;
  if (before_commit) {
    Status hook = before_commit(*result, &positions);
    if (!hook.ok()) return broken_ = hook;
  }
  auto commit = Seal(std::move(positions));
  if (!commit.ok()) return commit.status();
  if (*commit) {
    (*commit)->Prepare();
    Status written = store_->Write(*(*commit)->batch);
    if (!written.ok()) return broken_ = written;
    Committed(**commit);
  }
  return result;
}

// ---------------------------------------------------------------------------

namespace {

// `"name":"value"`, both escaped, after a comma unless first.
void AppendField(std::string* out, std::string_view name, std::string_view value, bool first) {
  if (!first) out->push_back(',');
  codec::AppendJsonString(out, name);
  out->push_back(':');
  codec::AppendJsonString(out, value);
}

}  // namespace

void AppendAlertJson(std::string* out, const core::AlertSpec& spec, std::string_view dossier_id,
                     std::string_view agency_id, std::string_view procedure_id,
                     std::string* scratch) {
  // One alert in four events is encoded on the hot path. The keys are
  // written pre-quoted, and the values the engine makes itself (the kind,
  // local times, the messages: alert.h says they need no escape) are copied
  // between quotes; only the ids, which come from input, are escaped.
  char instant[48];
  auto raw_field = [&](std::string_view quoted_key, std::string_view value) {
    out->append(quoted_key);
    out->push_back('"');
    out->append(value);
    out->push_back('"');
  };
  auto instant_field = [&](std::string_view quoted_key, core::Instant value) {
    raw_field(quoted_key, std::string_view(instant, core::FormatLocalTo(value, instant)));
  };
  scratch->clear();
  core::AppendAlertId(scratch, dossier_id, spec.kind, spec.due_at);
  out->append("{\"alert_id\":");
  codec::AppendJsonString(out, *scratch);
  raw_field(",\"kind\":", core::AlertKindName(spec.kind));
  out->append(",\"dossier_id\":");
  codec::AppendJsonString(out, dossier_id);
  out->append(",\"agency_id\":");
  codec::AppendJsonString(out, agency_id);
  out->append(",\"procedure_id\":");
  codec::AppendJsonString(out, procedure_id);
  instant_field(",\"due_at\":", core::ToInstant(spec.due_at));
  instant_field(",\"fires_at\":", core::ToInstant(spec.fires_at));
  instant_field(",\"raised_at\":", spec.raised_at);
  out->append(",\"message_vi\":\"");
  core::AppendAlertMessage(out, spec.kind, spec.due_at, true);
  out->append("\",\"message_en\":\"");
  core::AppendAlertMessage(out, spec.kind, spec.due_at, false);
  out->append("\"}");
}

std::optional<std::string_view> CompactStringField(std::string_view json, std::string_view name) {
  // The pattern `"name":"` is built on the stack (a name too long for it on
  // the heap) and found with memmem: string_view::find stops at every quote
  // of the text, and this runs once or twice per event.
  char stack_pattern[48];
  std::string heap_pattern;
  const size_t pattern_size = name.size() + 4;
  char* pattern = stack_pattern;
  if (pattern_size > sizeof stack_pattern) {
    heap_pattern.resize(pattern_size);
    pattern = heap_pattern.data();
  }
  pattern[0] = '"';
  std::memcpy(pattern + 1, name.data(), name.size());
  std::memcpy(pattern + 1 + name.size(), "\":\"", 3);
  const void* hit = ::memmem(json.data(), json.size(), pattern, pattern_size);
  if (hit == nullptr) return std::nullopt;
  const size_t start =
      static_cast<size_t>(static_cast<const char*>(hit) - json.data()) + pattern_size;
  const size_t end = json.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view value = json.substr(start, end - start);
  if (value.find('\\') != std::string_view::npos) return std::nullopt;
  return value;
}

bool LeadingIds(std::string_view json, std::string_view* event_id, std::string_view* dossier_id) {
  constexpr std::string_view kEventKey = "{\"event_id\":\"";
  constexpr std::string_view kDossierKey = ",\"dossier_id\":\"";
  // The value that starts at `start` and ends at the next quote, unescaped.
  auto value_at = [&](size_t start, std::string_view* value) {
    const size_t end = json.find('"', start);
    if (end == std::string_view::npos) return false;
    *value = json.substr(start, end - start);
    return value->find('\\') == std::string_view::npos;
  };
  if (!json.starts_with(kEventKey)) return false;
  std::string_view event;
  if (!value_at(kEventKey.size(), &event)) return false;
  const size_t dossier_key_at = kEventKey.size() + event.size() + 1;
  if (json.substr(dossier_key_at, kDossierKey.size()) != kDossierKey) return false;
  std::string_view dossier;
  if (!value_at(dossier_key_at + kDossierKey.size(), &dossier)) return false;
  *event_id = event;
  *dossier_id = dossier;
  return true;
}

std::string EncodeAlertJson(const core::Alert& alert) {
  std::string out;
  out.reserve(256 + alert.message_vi.size() + alert.message_en.size());
  out.push_back('{');
  AppendField(&out, "alert_id", alert.alert_id, true);
  AppendField(&out, "kind", core::AlertKindName(alert.kind), false);
  AppendField(&out, "dossier_id", alert.dossier_id, false);
  AppendField(&out, "agency_id", alert.agency_id, false);
  AppendField(&out, "procedure_id", alert.procedure_id, false);
  AppendField(&out, "due_at", core::FormatLocal(alert.due_at), false);
  AppendField(&out, "fires_at", core::FormatLocal(alert.fires_at), false);
  AppendField(&out, "raised_at", core::FormatLocal(alert.raised_at), false);
  AppendField(&out, "message_vi", alert.message_vi, false);
  AppendField(&out, "message_en", alert.message_en, false);
  out.push_back('}');
  return out;
}

}  // namespace hoso::runtime
