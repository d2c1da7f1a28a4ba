#include "engine/runtime/engine.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <iterator>

namespace hoso::runtime {

using core::Result;
using core::Status;
using projections::Column;

namespace {

// 64-bit FNV-1a: a fingerprint for the in-memory "maybe present" sets.
uint64_t Fingerprint(std::string_view id) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

// Everything one atomic batch changes, overlaid on the store while it is built.
struct Engine::Batch {
  std::unique_ptr<projections::KvBatch> writes;
  std::unordered_map<std::string, core::DossierState> dossiers;  // loaded or changed
  std::unordered_set<std::string> dirty_dossiers;
  // Ids applied by this batch -> their bytes (records of the batch, or
  // derived_bytes below), for the conflicting-duplicate check.
  std::unordered_map<std::string, std::string_view> new_event_ids;
  std::deque<std::string> derived_bytes;
  std::unordered_set<std::string> new_alert_ids;
  std::set<projections::KpiKey> dirty_kpi;
  // Net timer changes: key -> true (put) / false (delete). A timer armed and
  // cancelled inside one batch (most same-day dossiers) costs no write.
  std::map<std::string, bool> timer_changes;
  std::set<std::string> timers_new_in_batch;
  // Chain head of each dossier after its last event of a month, written once per batch.
  std::map<std::pair<int, std::string>, std::string> month_heads;
  BatchResult result;
};

void BatchResult::Add(const BatchResult& other) {
  applied += other.applied;
  duplicates += other.duplicates;
  rejected += other.rejected;
  derived_events += other.derived_events;
  for (int i = 0; i < core::kRejectCodeCount; ++i) rejected_by_code[i] += other.rejected_by_code[i];
}

Engine::Engine(projections::KvStore* store, const core::DossierStateMachine* machine,
               EngineOptions options)
    : store_(store), machine_(machine), options_(options) {}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Open(projections::KvStore* store,
                                             const core::DossierStateMachine* machine,
                                             EngineOptions options) {
  std::unique_ptr<Engine> engine(new Engine(store, machine, options));
  HOSO_RETURN_IF_ERROR(engine->Load());
  return engine;
}

Status Engine::Load() {
  std::string value;
  Status s = store_->Get(Column::kMeta, projections::kMetaProjection, &value);
  if (s.ok()) {
    if (value != projections::ProjectionTag()) {
      return Status::VersionMismatch("this database was written by projection version '" + value +
                                     "' and this hoso reads '" + projections::ProjectionTag() +
                                     "'; rebuild it from its event log with `hoso replay`");
    }
  } else if (s.code() == core::StatusCode::kNotFound) {
    auto any = store_->NewIterator(Column::kDossiers);
    any->SeekToFirst();
    if (any->Valid()) {
      return Status::VersionMismatch(
          "this database holds dossiers but no projection version; rebuild it with `hoso replay`");
    }
    auto batch = store_->NewBatch();
    batch->Put(Column::kMeta, projections::kMetaProjection, projections::ProjectionTag());
    HOSO_RETURN_IF_ERROR(store_->Write(*batch));
  } else {
    return s;
  }

  s = store_->Get(Column::kMeta, projections::kMetaClock, &value);
  if (s.ok()) {
    auto clock = projections::DecodeFixed64(value);
    if (!clock.ok()) return clock.status();
    clock_ = core::Instant{static_cast<int64_t>(*clock)};
  } else if (s.code() != core::StatusCode::kNotFound) {
    return s;
  }
  s = store_->Get(Column::kMeta, projections::kMetaLogSequence, &value);
  if (s.ok()) {
    auto sequence = projections::DecodeFixed64(value);
    if (!sequence.ok()) return sequence.status();
    log_sequence_ = *sequence;
  } else if (s.code() != core::StatusCode::kNotFound) {
    return s;
  }

  auto kpi = store_->NewIterator(Column::kKpi);
  for (kpi->SeekToFirst(); kpi->Valid(); kpi->Next()) {
    auto key = projections::DecodeKpiKey(kpi->key());
    if (!key.ok()) return key.status();
    auto counters = projections::DecodeKpiCounters(kpi->value());
    if (!counters.ok()) return counters.status();
    kpi_cells_[*key] = *counters;
  }
  HOSO_RETURN_IF_ERROR(kpi->status());
  // Fingerprints of every id already stored, so that absent ids (the common
  // case: new events, new dossiers, new alerts) need no read at all.
  for (auto [column, ids] :
       {std::pair{Column::kDedup, &event_ids_}, std::pair{Column::kAlerts, &alert_ids_}}) {
    auto it = store_->NewIterator(column);
    for (it->SeekToFirst(); it->Valid(); it->Next()) ids->insert(Fingerprint(it->key()));
    HOSO_RETURN_IF_ERROR(it->status());
  }
  auto dossiers = store_->NewIterator(Column::kDossiers);
  for (dossiers->SeekToFirst(); dossiers->Valid(); dossiers->Next()) {
    dossier_ids_.insert(Fingerprint(dossiers->key()));
    auto state = projections::DecodeDossierState(dossiers->value());
    if (!state.ok()) return state.status();
    if (state->is_open()) open_states_.emplace(std::string(dossiers->key()), std::move(*state));
  }
  HOSO_RETURN_IF_ERROR(dossiers->status());
  auto timers = store_->NewIterator(Column::kTimers);
  for (timers->SeekToFirst(); timers->Valid(); timers->Next()) {
    timer_keys_.emplace(timers->key());
  }
  return timers->status();
}

std::optional<core::Instant> Engine::next_timer_at() const {
  if (timer_keys_.empty()) return std::nullopt;
  auto timer = projections::DecodeTimerKey(*timer_keys_.begin());
  if (!timer.ok()) return std::nullopt;
  return core::ToInstant(timer->first.fires_at);
}

Result<std::optional<std::string>> Engine::LoadPosition(std::string_view source_id) {
  std::string value;
  Status s =
      store_->Get(Column::kMeta,
                  std::string(projections::kMetaPositionPrefix) + std::string(source_id), &value);
  if (s.ok()) return std::optional<std::string>(std::move(value));
  if (s.code() == core::StatusCode::kNotFound) return std::optional<std::string>();
  return s;
}

Result<core::DossierState*> Engine::LoadState(Batch& batch, const std::string& dossier_id) {
  auto it = batch.dossiers.find(dossier_id);
  if (it != batch.dossiers.end()) return &it->second;
  // Open dossiers are all in memory; a dossier never seen needs no read.
  // Moved (not copied) into the batch; Commit moves open states back.
  auto open = open_states_.extract(dossier_id);
  if (!open.empty()) return &batch.dossiers.insert(std::move(open)).position->second;
  if (dossier_ids_.count(Fingerprint(dossier_id)) == 0) {
    return static_cast<core::DossierState*>(nullptr);
  }
  std::string value;
  Status s = store_->Get(Column::kDossiers, dossier_id, &value);
  if (s.code() == core::StatusCode::kNotFound) return static_cast<core::DossierState*>(nullptr);
  if (!s.ok()) return s;
  auto state = projections::DecodeDossierState(value);
  if (!state.ok()) return state.status();
  auto [inserted, unused] = batch.dossiers.emplace(dossier_id, std::move(*state));
  (void)unused;
  return &inserted->second;
}

Result<std::string> Engine::AppliedBytes(Batch& batch, const std::string& event_id) {
  auto in_batch = batch.new_event_ids.find(event_id);
  if (in_batch != batch.new_event_ids.end()) return std::string(in_batch->second);
  std::string key;
  HOSO_RETURN_IF_ERROR(store_->Get(Column::kDedup, event_id, &key));
  std::string value;
  Status s = store_->Get(Column::kEvents, key, &value);
  if (s.code() == core::StatusCode::kNotFound) {
    return Status::Corruption("event id " + event_id + " is known but its logged event is missing");
  }
  HOSO_RETURN_IF_ERROR(s);
  auto logged = projections::DecodeLoggedEvent(value);
  if (!logged.ok()) return logged.status();
  return std::move(logged->bytes);
}

bool Engine::PassesGuards(const core::Event& event, core::Rejection* rejection) const {
  if (replaying_log_) return true;
  if (options_.future_skew_ms >= 0) {
    const core::Instant now =
        options_.wall_now ? options_.wall_now()
                          : core::Instant{std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count()};
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

Result<bool> Engine::IsKnownEventId(Batch& batch, const std::string& event_id) {
  if (batch.new_event_ids.count(event_id) > 0) return true;
  if (!options_.keep_log || event_ids_.count(Fingerprint(event_id)) == 0) return false;
  std::string value;
  Status s = store_->Get(Column::kDedup, event_id, &value);
  if (s.ok()) return true;
  if (s.code() == core::StatusCode::kNotFound) return false;
  return s;
}

void Engine::LogEvent(Batch& batch, core::DossierState* state, std::string_view bytes,
                      core::Instant occurred_at, int32_t partition, int64_t offset, bool derived) {
  ++log_sequence_;
  hasher_.Chain(state->chain_head, bytes, &chain_scratch_);
  state->chain_head.swap(chain_scratch_);
  if (!options_.keep_log) return;
  batch.month_heads[{core::MonthKeyOf(occurred_at), state->dossier_id}] = state->chain_head;
  projections::LoggedEvent logged;
  logged.global_sequence = log_sequence_;
  logged.derived = derived;
  logged.partition = partition;
  logged.offset = offset;
  logged.chain_hash = state->chain_head;
  logged.bytes = std::string(bytes);
  batch.writes->Put(Column::kEvents,
                    projections::EventKey(state->dossier_id, state->event_count - 1),
                    projections::EncodeLoggedEvent(logged));
}

Status Engine::RaiseAlert(Batch& batch, const core::Alert& alert) {
  if (batch.new_alert_ids.count(alert.alert_id) > 0) return Status::Ok();
  const uint64_t fingerprint = Fingerprint(alert.alert_id);
  if (alert_ids_.count(fingerprint) > 0) {
    std::string value;
    Status s = store_->Get(Column::kAlerts, alert.alert_id, &value);
    if (s.ok()) return Status::Ok();  // raised before: never twice
    if (s.code() != core::StatusCode::kNotFound) return s;
  }
  batch.new_alert_ids.insert(alert.alert_id);
  alert_ids_.insert(fingerprint);
  batch.writes->Put(Column::kAlerts, alert.alert_id, EncodeAlertJson(alert));
  batch.result.alerts.push_back(alert);
  return Status::Ok();
}

void Engine::Record(Batch& batch, const core::Transition& transition, int32_t partition) {
  const core::DossierState& state = transition.state;
  for (const core::TimerSpec& timer : transition.cancelled_timers) {
    RemoveTimer(batch, projections::EncodeTimerKey(timer, state.dossier_id));
  }
  for (const core::TimerSpec& timer : transition.armed_timers) {
    std::string key = projections::EncodeTimerKey(timer, state.dossier_id);
    if (timer_keys_.insert(key).second) {
      if (batch.timer_changes.count(key) == 0) batch.timers_new_in_batch.insert(key);
      batch.timer_changes[key] = true;
    }
  }
  // Increments of one transition share agency and procedure and nearly
  // always the month: look the cell up once per month, not per counter.
  core::KpiCounters* cell = nullptr;
  int cell_month = 0;
  for (const core::CounterIncrement& increment : transition.counters) {
    if (cell == nullptr || increment.month_key != cell_month) {
      projections::KpiKey key{increment.month_key, state.receiving_agency_id, state.procedure_id,
                              partition};
      cell = &kpi_cells_[key];
      cell_month = increment.month_key;
      batch.dirty_kpi.insert(std::move(key));
    }
    ++(*cell)[increment.field];
  }
}

void Engine::RemoveTimer(Batch& batch, const std::string& key) {
  if (timer_keys_.erase(key) == 0) return;
  if (batch.timers_new_in_batch.erase(key) > 0) {
    batch.timer_changes.erase(key);  // armed and cancelled in this batch: nothing to write
  } else {
    batch.timer_changes[key] = false;
  }
}

Status Engine::FireTimersBefore(Batch& batch, core::Instant limit, core::Instant raised_at,
                                size_t max_fires) {
  size_t fired_count = 0;
  while (!timer_keys_.empty() && fired_count < max_fires) {
    auto decoded = projections::DecodeTimerKey(*timer_keys_.begin());
    if (!decoded.ok()) return decoded.status();
    const auto& [timer, dossier_id] = *decoded;
    if (!(core::ToInstant(timer.fires_at) < limit)) break;
    auto state = LoadState(batch, dossier_id);
    if (!state.ok()) return state.status();
    if (*state == nullptr) {
      // A timer without its dossier cannot be raised; drop it rather than loop.
      RemoveTimer(batch, *timer_keys_.begin());
      continue;
    }
    ++fired_count;
    std::optional<core::Event> derived;
    // With the event-time clock, which event moves the clock past fires_at
    // depends on the order of other dossiers' events (a file, a merge of
    // Kafka partitions): raised_at is therefore taken from the dossier's own
    // history, the later of fires_at and its last event, so that ingest,
    // serve and replay store the same alert byte for byte.
    const core::Instant when =
        options_.clock_mode == ClockMode::kEventTime
            ? std::max(core::ToInstant(timer.fires_at), (*state)->last_event_at)
            : raised_at;
    core::Transition fired = machine_->Fire(**state, timer, when, &derived);
    RemoveTimer(batch, projections::EncodeTimerKey(timer, dossier_id));
    fired.cancelled_timers.clear();
    Record(batch, fired, 0);
    **state = std::move(fired.state);
    batch.dirty_dossiers.insert(dossier_id);
    for (const core::Alert& alert : fired.alerts) HOSO_RETURN_IF_ERROR(RaiseAlert(batch, alert));
    if (derived) {
      auto known = IsKnownEventId(batch, derived->event_id);
      if (!known.ok()) return known.status();
      if (!*known) {
        const std::string& bytes = batch.derived_bytes.emplace_back(codec::EncodeEvent(*derived));
        std::optional<core::Rejection> rejected;
        HOSO_RETURN_IF_ERROR(ApplyOne(batch, bytes, *derived, -1, -1, /*derived=*/true, &rejected));
        if (rejected) {
          // Fire() derives an overdue only for an open dossier: a rejection
          // here is an engine bug, not bad input.
          return Status::Corruption("the engine's own overdue event for " + derived->dossier_id +
                                    " was rejected: " + rejected->message);
        }
        ++batch.result.derived_events;
      }
    }
  }
  return Status::Ok();
}

// Applies one decoded event whose id is not known yet. A state-machine
// rejection is handed back in *rejected (the status stays OK); store failures
// are returned.
Status Engine::ApplyOne(Batch& batch, std::string_view bytes, const core::Event& event,
                        int32_t partition, int64_t offset, bool derived,
                        std::optional<core::Rejection>* rejected) {
  auto prior = LoadState(batch, event.dossier_id);
  if (!prior.ok()) return prior.status();
  core::Transition transition;
  core::Rejection rejection;
  if (!machine_->Apply(*prior, event, derived, &transition, &rejection)) {
    *rejected = std::move(rejection);
    return Status::Ok();
  }
  if (transition.duplicate) {
    ++batch.result.duplicates;
    return Status::Ok();
  }
  Record(batch, transition, partition);
  for (const core::Alert& alert : transition.alerts) HOSO_RETURN_IF_ERROR(RaiseAlert(batch, alert));
  core::DossierState* state = *prior;
  if (state == nullptr) {
    state = &batch.dossiers.emplace(event.dossier_id, core::DossierState{}).first->second;
  }
  *state = std::move(transition.state);
  LogEvent(batch, state, bytes, event.occurred_at, partition, offset, derived);
  batch.dirty_dossiers.insert(event.dossier_id);
  if (options_.keep_log) {
    // The dedup value locates the logged event, for the content comparison
    // of a later duplicate.
    batch.writes->Put(Column::kDedup, event.event_id,
                      projections::EventKey(state->dossier_id, state->event_count - 1));
    event_ids_.insert(Fingerprint(event.event_id));
  }
  batch.new_event_ids.emplace(event.event_id, bytes);
  if (!derived) {
    ++batch.result.applied;
    if (options_.clock_mode == ClockMode::kEventTime && clock_ < event.occurred_at) {
      clock_ = event.occurred_at;
    }
  }
  return Status::Ok();
}

Result<BatchResult> Engine::ApplyBatch(std::span<const RawRecord> records, Positions positions,
                                       const BeforeCommit& before_commit) {
  if (!broken_.ok()) return broken_;
  Batch batch;
  batch.writes = store_->NewBatch();
  core::Event event;
  core::Rejection rejection;
  auto reject = [&](size_t index, core::Rejection r) {
    ++batch.result.rejected;
    ++batch.result.rejected_by_code[static_cast<int>(r.code)];
    batch.result.rejections.push_back({index, std::move(r)});
  };
  for (size_t i = 0; i < records.size(); ++i) {
    const RawRecord& record = records[i];
    if (!decoder_.Decode(record.bytes, &event, &rejection) ||
        !machine_->CheckProcedure(event, &rejection)) {
      if (rejection.code == core::RejectCode::kTooLarge && record.full_size >= 0) {
        // The source kept only the head of the record: state its true size.
        rejection.message = "record is " + std::to_string(record.full_size) + " bytes, over the " +
                            std::to_string(core::kMaxEventBytes) + "-byte limit";
      }
      reject(i, rejection);
      continue;
    }
    if (options_.until && options_.until < event.occurred_at) continue;
    auto known = IsKnownEventId(batch, event.event_id);
    if (!known.ok()) return broken_ = known.status();
    if (*known) {
      // Idempotency is same id and same content (compared in canonical form,
      // so key order and spacing do not matter); other content under a known
      // id is an upstream bug, made visible. The first event is kept.
      auto original = AppliedBytes(batch, event.event_id);
      if (!original.ok()) return broken_ = original.status();
      core::Event first;
      if (!decoder_.Decode(*original, &first, &rejection)) {
        return broken_ = Status::Corruption("logged event " + event.event_id + " does not decode");
      }
      if (codec::EncodeEvent(first) == codec::EncodeEvent(event)) {
        ++batch.result.duplicates;
      } else {
        reject(i, core::Rejection{
                      core::RejectCode::kConflictingDuplicate,
                      "event_id " + event.event_id +
                          " was applied before with other content (dossier " + first.dossier_id +
                          ", " + std::string(core::EventTypeName(first.type)) + " at " +
                          core::FormatLocal(first.occurred_at) + "); the first is kept"});
      }
      continue;
    }
    if (!PassesGuards(event, &rejection)) {
      reject(i, rejection);
      continue;
    }
    // The clock passes every timer before max(clock, occurred_at), including
    // timers armed in the past by earlier events (a late resumption).
    const core::Instant limit = std::max(clock_, event.occurred_at);
    if (options_.clock_mode == ClockMode::kEventTime && !timer_keys_.empty() &&
        next_timer_at() < limit) {
      // Timers due before this event fire first, but only if the event will
      // be applied: a rejected event never moves the clock.
      auto prior = LoadState(batch, event.dossier_id);
      if (!prior.ok()) return broken_ = prior.status();
      core::Transition dry_run;
      if (!machine_->Apply(*prior, event, false, &dry_run, &rejection)) {
        reject(i, rejection);
        continue;
      }
      Status fired = FireTimersBefore(batch, limit, limit, SIZE_MAX);
      if (!fired.ok()) return broken_ = fired;
    }
    std::optional<core::Rejection> rejected;
    Status s =
        ApplyOne(batch, record.bytes, event, record.partition, record.offset, false, &rejected);
    if (!s.ok()) return broken_ = s;
    if (rejected) reject(i, std::move(*rejected));
  }
  if (before_commit) {
    Status hook = before_commit(batch.result, &positions);
    if (!hook.ok()) return broken_ = hook;
  }
  Status s = Commit(batch, positions);
  if (!s.ok()) return broken_ = s;
  return std::move(batch.result);
}

Result<BatchResult> Engine::ApplyLogged(std::span<const LoggedInput> inputs) {
  if (!broken_.ok()) return broken_;
  std::vector<RawRecord> records;
  records.reserve(inputs.size());
  for (const LoggedInput& input : inputs) {
    if (input.derived) continue;
    records.push_back(RawRecord{input.bytes, input.partition, input.offset});
  }
  // The log holds only accepted events: no guard applies to them again.
  replaying_log_ = true;
  auto result = ApplyBatch(records, {});
  replaying_log_ = false;
  return result;
}

Result<BatchResult> Engine::AdvanceClock(core::Instant now) {
  if (!broken_.ok()) return broken_;
  Batch batch;
  batch.writes = store_->NewBatch();
  Status s = FireTimersBefore(batch, now, now, options_.max_timers_per_advance);
  if (!s.ok()) return broken_ = s;
  if (options_.clock_mode == ClockMode::kWallTime && clock_ < now) clock_ = now;
  s = Commit(batch, {});
  if (!s.ok()) return broken_ = s;
  return std::move(batch.result);
}

Status Engine::Commit(Batch& batch, const Positions& positions) {
  for (const std::string& dossier_id : batch.dirty_dossiers) {
    batch.writes->Put(Column::kDossiers, dossier_id,
                      projections::EncodeDossierState(batch.dossiers.at(dossier_id)));
    dossier_ids_.insert(Fingerprint(dossier_id));
  }
  for (auto it = batch.dossiers.begin(); it != batch.dossiers.end();) {
    auto next = std::next(it);
    if (it->second.is_open()) open_states_.insert(batch.dossiers.extract(it));
    it = next;
  }
  for (const projections::KpiKey& key : batch.dirty_kpi) {
    batch.writes->Put(Column::kKpi, projections::EncodeKpiKey(key),
                      projections::EncodeKpiCounters(kpi_cells_.at(key)));
    batch.result.changed_kpi.push_back(key);
  }
  for (const auto& [month_dossier, head] : batch.month_heads) {
    batch.writes->Put(Column::kHeads,
                      projections::EncodeHeadKey(month_dossier.first, month_dossier.second), head);
  }
  for (const auto& [key, put] : batch.timer_changes) {
    if (put) {
      batch.writes->Put(Column::kTimers, key, "");
    } else {
      batch.writes->Delete(Column::kTimers, key);
    }
  }
  for (const auto& [source_id, position] : positions) {
    batch.writes->Put(Column::kMeta, std::string(projections::kMetaPositionPrefix) + source_id,
                      position);
  }
  if (batch.writes->Count() == 0) return Status::Ok();
  batch.writes->Put(Column::kMeta, projections::kMetaClock,
                    projections::EncodeFixed64(static_cast<uint64_t>(clock_.epoch_ms)));
  batch.writes->Put(Column::kMeta, projections::kMetaLogSequence,
                    projections::EncodeFixed64(log_sequence_));
  return store_->Write(*batch.writes);
}

namespace {

// Appends `text` as a JSON string. Hand-written because one alert in four
// events is encoded on the hot path (nlohmann cost ~12% of ingest).
void AppendJsonString(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendField(std::string* out, std::string_view name, std::string_view value, bool first) {
  if (!first) out->push_back(',');
  AppendJsonString(out, name);
  out->push_back(':');
  AppendJsonString(out, value);
}

}  // namespace

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
