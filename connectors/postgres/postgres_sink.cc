#include "connectors/postgres/postgres_sink.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "connectors/postgres/logger.h"
#include "connectors/postgres/pg_schema.h"
#include "engine/core/event.h"
#include "engine/core/kpi_counters.h"
#include "projections/alert_log.h"
#include "projections/event_log.h"

namespace hoso::connectors::postgres {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);

std::string MonthDate(int month_key) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-01", month_key / 100, month_key % 100);
  return buffer;
}

std::string StatusName(const runtime::DossierChange& d) {
  if (d.status != core::DossierStatus::kFinished) {
    return std::string(core::DossierStatusName(d.status));  // open, paused
  }
  return std::string(core::FinishKindName(d.finish));  // resolved, withdrawn, rejected
}

// Per connection: a bound on any statement (a server that hangs instead
// of failing must not hold the sink, nor serve's shutdown, forever; a year's
// catch-up takes seconds), and the temp tables rows are staged in, emptied
// at every commit.
constexpr char kStagingTables[] =
    "SET statement_timeout = '300s';\n"
    "CREATE TEMP TABLE kpi_in (LIKE hoso.kpi_cells INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;\n"
    "CREATE TEMP TABLE dossiers_in (LIKE hoso.dossiers INCLUDING DEFAULTS) "
    "ON COMMIT DELETE ROWS;\n"
    "CREATE TEMP TABLE alerts_in (LIKE hoso.alerts INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;";

std::string KpiUpsert() {
  std::string columns = "month, agency_id, procedure_id, partition";
  std::string set;
  for (int i = 0; i < core::kKpiFieldCount; ++i) {
    const std::string f(core::KpiFieldName(static_cast<core::KpiField>(i)));
    set += f + " = EXCLUDED." + f + ", ";
  }
  std::string before = "(", after = "(";
  for (int i = 0; i < core::kKpiFieldCount; ++i) {
    const std::string f(core::KpiFieldName(static_cast<core::KpiField>(i)));
    before += std::string(i == 0 ? "" : ", ") + "t." + f;
    after += std::string(i == 0 ? "" : ", ") + "EXCLUDED." + f;
  }
  return "INSERT INTO hoso.kpi_cells AS t SELECT * FROM kpi_in ON CONFLICT (" + columns +
         ") DO UPDATE SET " + set +
         "source_position = EXCLUDED.source_position, updated_at = EXCLUDED.updated_at WHERE " +
         before + ") IS DISTINCT FROM " + after + ");\n";
}

std::string KpiCopy() {
  std::string sql = "COPY kpi_in (month, agency_id, procedure_id, partition";
  for (int i = 0; i < core::kKpiFieldCount; ++i) {
    sql += ", ";
    sql += core::KpiFieldName(static_cast<core::KpiField>(i));
  }
  return sql + ", source_position) FROM STDIN";
}

constexpr char kDossierColumns[] =
    "dossier_id, agency_id, holder_agency_id, procedure_id, channel, online_level, one_stop, "
    "received_at, due_at, status, classification, resolved_at, finished_at, source_position";
// A row changes only when something but its position did: an unchanged
// row (a catch-up, a repeated commit) costs no write.
constexpr char kDossierUpsert[] =
    "INSERT INTO hoso.dossiers AS t SELECT * FROM dossiers_in ON CONFLICT (dossier_id) DO UPDATE "
    "SET agency_id = EXCLUDED.agency_id, holder_agency_id = EXCLUDED.holder_agency_id, "
    "procedure_id = EXCLUDED.procedure_id, channel = EXCLUDED.channel, "
    "online_level = EXCLUDED.online_level, one_stop = EXCLUDED.one_stop, "
    "received_at = EXCLUDED.received_at, due_at = EXCLUDED.due_at, status = EXCLUDED.status, "
    "classification = EXCLUDED.classification, resolved_at = EXCLUDED.resolved_at, "
    "finished_at = EXCLUDED.finished_at, source_position = EXCLUDED.source_position, "
    "updated_at = EXCLUDED.updated_at "
    "WHERE (t.agency_id, t.holder_agency_id, t.procedure_id, t.channel, t.online_level, "
    "t.one_stop, t.received_at, t.due_at, t.status, t.classification, t.resolved_at, "
    "t.finished_at) IS DISTINCT FROM (EXCLUDED.agency_id, EXCLUDED.holder_agency_id, "
    "EXCLUDED.procedure_id, EXCLUDED.channel, EXCLUDED.online_level, EXCLUDED.one_stop, "
    "EXCLUDED.received_at, EXCLUDED.due_at, EXCLUDED.status, EXCLUDED.classification, "
    "EXCLUDED.resolved_at, EXCLUDED.finished_at);\n";
constexpr char kAlertColumns[] =
    "alert_id, dossier_id, kind, agency_id, procedure_id, due_at, fires_at, raised_at, "
    "source_position";
// An alert never changes once raised (its id names dossier, kind and
// appointment; docs/alerts.md): a repeat is skipped.
constexpr char kAlertInsert[] =
    "INSERT INTO hoso.alerts SELECT * FROM alerts_in ON CONFLICT (alert_id) DO NOTHING;\n";

// Appends the COPY text row of `d` (kDossierColumns) to *rows.
void AppendDossierRow(std::string* rows, const runtime::DossierChange& d,
                      std::string_view position) {
  char time[48];
  auto add_time = [&](core::Instant instant) {
    AppendCopyField(rows, std::string_view(time, core::FormatLocalTo(instant, time)));
  };
  AppendCopyField(rows, d.dossier_id, true);
  AppendCopyField(rows, d.agency_id);
  if (d.holder_agency_id.empty()) {
    AppendCopyNull(rows);
  } else {
    AppendCopyField(rows, d.holder_agency_id);
  }
  AppendCopyField(rows, d.procedure_id);
  AppendCopyField(rows, core::ChannelName(d.channel));
  AppendCopyField(rows, std::to_string(d.online_level));
  AppendCopyField(rows, d.one_stop ? "t" : "f");
  add_time(d.received_at);
  add_time(core::ToInstant(d.due_at));
  AppendCopyField(rows, StatusName(d));
  const bool finished = d.status == core::DossierStatus::kFinished;
  if (finished && d.finish == core::FinishKind::kResolved) {
    AppendCopyField(rows, core::ClassificationName(d.classification));
    add_time(d.finished_at);
  } else {
    AppendCopyNull(rows);
    AppendCopyNull(rows);
  }
  if (finished) {
    add_time(d.finished_at);
  } else {
    AppendCopyNull(rows);
  }
  AppendCopyField(rows, position);
  *rows += '\n';
}

}  // namespace

// What one commit (or the catch-up) hands to the sink thread: shared or
// copied in a few allocations, so the engine's thread does no per-row work.
struct PostgresSink::Chunk {
  std::vector<projections::KpiChange> cells;
  std::shared_ptr<const std::vector<runtime::DossierChange>> dossiers;
  runtime::CommittedAlerts alerts;  // JSON as stored (schemas/alert.schema.json)
  uint64_t log_sequence = 0;
  uint64_t alert_sequence = 0;
  Clock::time_point queued_at;
  size_t rows() const { return cells.size() + (dossiers ? dossiers->size() : 0) + alerts.size(); }
};

// What the sink thread holds for its next transaction, coalesced: cells by
// key, dossiers by id (the latest state wins), alerts as views into the
// chunks it keeps.
struct PostgresSink::Batch {
  std::vector<std::unique_ptr<Chunk>> held;
  std::map<projections::KpiKey, core::KpiCounters> cells;
  std::unordered_map<std::string_view, const runtime::DossierChange*> dossiers;
  std::vector<std::string_view> alerts;
  uint64_t log_sequence = 0;
  uint64_t alert_sequence = 0;
  size_t rows() const { return cells.size() + dossiers.size() + alerts.size(); }
  void Add(std::unique_ptr<Chunk> chunk) {
    for (const projections::KpiChange& change : chunk->cells) cells[change.key()] = change.counters;
    if (chunk->dossiers) {
      for (const runtime::DossierChange& d : *chunk->dossiers) {
        // A dialogue's or a feedback's chain is no dossier (docs/plan-targets.md).
        if (core::IsAgencyChain(d.dossier_id)) continue;
        dossiers[d.dossier_id] = &d;
      }
    }
    for (size_t i = 0; i < chunk->alerts.size(); ++i) alerts.push_back(chunk->alerts.json(i));
    log_sequence = std::max(log_sequence, chunk->log_sequence);
    alert_sequence = std::max(alert_sequence, chunk->alert_sequence);
    held.push_back(std::move(chunk));
  }
  void Clear() {
    cells.clear();
    dossiers.clear();
    alerts.clear();
    held.clear();
  }
};

core::Result<std::unique_ptr<PostgresSink>> PostgresSink::Create(
    PostgresSinkOptions options, const core::ProcedureCatalog* catalog,
    const core::AgencyList* agencies) {
  auto redacted = RedactDsn(options.dsn);
  if (!redacted.ok()) return redacted.status();
  std::unique_ptr<PostgresSink> sink(
      new PostgresSink(std::move(options), catalog, agencies, *redacted));
  core::Status s = sink->EnsureConnected();
  if (s.ok()) {
    auto position = sink->StoredPosition();
    if (!position.ok()) return position.status();
    sink->start_position_ = *position;
    sink->stats_.connected = true;
    sink->stats_.written_log_sequence = sink->stats_.queued_log_sequence = (*position)->first;
    sink->pg_log_sequence_ = (*position)->first;
  } else if (s.code() != core::StatusCode::kUnavailable || sink->options_.require_up) {
    return s;
  } else {
    Log().warn("PostgreSQL at {} does not answer; the BI tables catch up once it does ({})",
               sink->redacted_dsn_, s.message());
    sink->conn_.reset();
  }
  sink->thread_ = std::thread([raw = sink.get()] { raw->Run(); });
  return sink;
}

PostgresSink::PostgresSink(PostgresSinkOptions options, const core::ProcedureCatalog* catalog,
                           const core::AgencyList* agencies, std::string redacted_dsn)
    : options_(std::move(options)),
      catalog_(catalog),
      agencies_(agencies),
      redacted_dsn_(std::move(redacted_dsn)) {}

PostgresSink::~PostgresSink() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

core::Status PostgresSink::EnsureConnected() {
  if (conn_ != nullptr && conn_->healthy()) return core::Status::Ok();
  conn_.reset();
  auto conn = PgConnection::Connect(options_.dsn, options_.connect_timeout_s);
  if (!conn.ok()) return conn.status();
  HOSO_RETURN_IF_ERROR(CheckSchema(**conn, redacted_dsn_));
  HOSO_RETURN_IF_ERROR((*conn)->Exec(kStagingTables));
  conn_ = std::move(*conn);
  reference_written_ = false;
  return core::Status::Ok();
}

core::Result<std::optional<std::pair<uint64_t, uint64_t>>> PostgresSink::StoredPosition() {
  auto rows =
      conn_->Query("SELECT log_sequence, alert_sequence FROM hoso.sink_position WHERE source = $1",
                   {options_.source_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<std::pair<uint64_t, uint64_t>>(std::pair{0, 0});
  const Row& row = (*rows)[0];
  return std::optional<std::pair<uint64_t, uint64_t>>(
      std::pair{std::stoull(row[0].value_or("0")), std::stoull(row[1].value_or("0"))});
}

core::Status PostgresSink::CatchUp(runtime::Engine& engine, projections::KvStore& store) {
  const uint64_t engine_log = engine.logged_events();
  const uint64_t engine_alerts = engine.raised_alerts();
  uint64_t from_log = 0, from_alert = 0;  // the first sequences PostgreSQL lacks
  if (start_position_ && start_position_->first <= engine_log &&
      start_position_->second <= engine_alerts) {
    if (start_position_->first == engine_log && start_position_->second == engine_alerts) {
      return core::Status::Ok();
    }
    from_log = start_position_->first + 1;
    from_alert = start_position_->second + 1;
  } else {
    if (start_position_) {
      Log().warn("PostgreSQL holds position {} of {}, ahead of its {} events: writing everything",
                 start_position_->first, options_.source_id, engine_log);
    }
    from_log = 1;
    from_alert = 1;
  }
  const auto started = Clock::now();
  auto chunk = std::make_unique<Chunk>();
  chunk->log_sequence = engine_log;
  chunk->alert_sequence = engine_alerts;
  for (const auto& [key, counters] : engine.kpi_cells()) {
    chunk->cells.push_back(projections::MakeKpiChange(key, counters));
  }
  auto dossiers = std::make_shared<std::vector<runtime::DossierChange>>();
  // The dossiers named by the log since the position, in their state now.
  std::set<std::string, std::less<>> ids;
  projections::LogReader log(&store);
  HOSO_RETURN_IF_ERROR(log.ForEach(from_log, [&](const projections::LogEntry& entry) {
    if (core::IsAgencyChain(entry.dossier_id)) return core::Status::Ok();
    if (ids.find(entry.dossier_id) == ids.end()) ids.emplace(entry.dossier_id);
    return core::Status::Ok();
  }));
  for (const std::string& id : ids) {
    auto change = engine.FindDossierChange(id);
    if (!change.ok()) return change.status();
    if (*change) dossiers->push_back(std::move(**change));
  }
  chunk->dossiers = std::move(dossiers);
  HOSO_RETURN_IF_ERROR(
      projections::ForEachAlert(store, from_alert, [&](const projections::StoredAlert& alert) {
        chunk->alerts.Add(alert.dossier_id, alert.kind, alert.due_at, alert.json);
        return core::Status::Ok();
      }));
  Log().info(
      "catching PostgreSQL up from event {}: {} KPI cells, {} dossiers, {} alerts read in "
      "{:.2f} s",
      from_log, chunk->cells.size(), chunk->dossiers->size(), chunk->alerts.size(),
      std::chrono::duration<double>(Clock::now() - started).count());
  Enqueue(std::move(chunk));
  return core::Status::Ok();
}

core::Status PostgresSink::Published(const runtime::Commit& commit) {
  auto chunk = std::make_unique<Chunk>();
  chunk->cells = commit.changed_kpi;
  chunk->dossiers = commit.changed_dossiers;
  chunk->alerts = commit.alerts;
  chunk->log_sequence = commit.logged_events;
  chunk->alert_sequence = commit.raised_alerts;
  Enqueue(std::move(chunk));
  return core::Status::Ok();
}

void PostgresSink::Enqueue(std::unique_ptr<Chunk> chunk) {
  chunk->queued_at = Clock::now();
  bool overflowed_now = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stats_.overflowed) return;
    stats_.queued_log_sequence = std::max(stats_.queued_log_sequence, chunk->log_sequence);
    const size_t rows = chunk->rows();
    if (queued_rows_ + static_cast<size_t>(stats_.pending_rows) + rows >
        options_.max_pending_rows) {
      // Everything held is dropped; the next start catches up from RocksDB.
      stats_.overflowed = true;
      queue_.clear();
      queued_rows_ = 0;
      overflowed_now = true;
    } else {
      if (!oldest_unwritten_) oldest_unwritten_ = chunk->queued_at;
      queued_rows_ += rows;
      queue_.push_back(std::move(chunk));
    }
  }
  if (overflowed_now) {
    Log().error(
        "PostgreSQL sink: more than {} rows waiting for {}; it stops mirroring. Restart hoso once "
        "PostgreSQL is back: it catches up from RocksDB",
        options_.max_pending_rows, redacted_dsn_);
  }
  wake_.notify_one();
}

bool PostgresSink::WaitCaughtUp(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return written_.wait_for(lock, timeout,
                           [&] { return !stats_.overflowed && queue_.empty() && !busy_; });
}

PostgresSink::Stats PostgresSink::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Stats stats = stats_;
  stats.pending_rows += static_cast<int64_t>(queued_rows_);
  stats.lag_seconds = oldest_unwritten_
                          ? std::chrono::duration<double>(Clock::now() - *oldest_unwritten_).count()
                          : 0.0;
  return stats;
}

void PostgresSink::Run() {
  Batch batch;
  bool holding = false;  // `batch` holds commits not yet written
  auto backoff = kFirstBackoff;
  bool failing = false;
  for (;;) {
    std::deque<std::unique_ptr<Chunk>> taken;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!holding) {
        wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      } else if (failing) {
        wake_.wait_for(lock, backoff, [&] { return stop_; });
      }
      if (stop_) return;
      if (stats_.overflowed) {
        holding = false;
        batch.Clear();
        stats_.pending_rows = 0;
        busy_ = false;
        written_.notify_all();
        continue;
      }
      taken.swap(queue_);
      queued_rows_ = 0;
      busy_ = true;
    }
    for (auto& chunk : taken) batch.Add(std::move(chunk));
    taken.clear();
    holding = true;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stats_.pending_rows = static_cast<int64_t>(batch.rows());
    }
    const auto started = Clock::now();
    core::Status s = EnsureConnected();
    if (s.ok()) s = Write(batch);
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (!s.ok()) {
      if (!failing) {
        Log().warn("PostgreSQL sink: {}; retrying with back-off, the engine goes on", s.message());
      }
      failing = true;
      if (conn_ != nullptr && conn_->healthy()) {
        conn_->Exec("ROLLBACK").IgnoreError("the failure above is the one reported");
      }
      conn_.reset();
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.failures;
      stats_.connected = false;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(options_.max_backoff_ms));
      continue;
    }
    if (failing) Log().warn("PostgreSQL sink: writing again to {}", redacted_dsn_);
    failing = false;
    backoff = kFirstBackoff;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.transactions;
      stats_.rows_written += static_cast<int64_t>(batch.rows());
      stats_.written_log_sequence = batch.log_sequence;
      pg_log_sequence_ = batch.log_sequence;
      stats_.last_transaction_seconds = seconds;
      stats_.connected = true;
      stats_.pending_rows = 0;
      oldest_unwritten_.reset();
      if (!queue_.empty()) oldest_unwritten_ = queue_.front()->queued_at;
      busy_ = false;
    }
    written_.notify_all();
    batch.Clear();
    holding = false;
  }
}

core::Result<bool> PostgresSink::CopyDirect(const std::string& table, const char* columns,
                                            const std::string& rows) {
  HOSO_RETURN_IF_ERROR(conn_->Exec("SAVEPOINT direct_copy"));
  core::Status s = conn_->CopyIn("COPY " + table + " (" + columns + ") FROM STDIN", rows);
  if (s.ok()) {
    HOSO_RETURN_IF_ERROR(conn_->Exec("RELEASE SAVEPOINT direct_copy"));
    return true;
  }
  if (s.code() == core::StatusCode::kUnavailable || !conn_->healthy()) return s;
  Log().info("PostgreSQL sink: rows already in {} ({}); upserting them instead", table,
             s.message());
  HOSO_RETURN_IF_ERROR(conn_->Exec("ROLLBACK TO SAVEPOINT direct_copy"));
  return false;
}

core::Status PostgresSink::Write(const Batch& batch) {
  const std::string position = std::to_string(batch.log_sequence);
  HOSO_RETURN_IF_ERROR(conn_->Exec("BEGIN"));
  if (!reference_written_) HOSO_RETURN_IF_ERROR(UpsertReference(*conn_, *catalog_, *agencies_));
  std::string upserts;
  std::string rows;
  if (!batch.cells.empty()) {
    rows.reserve(batch.cells.size() * 96);
    for (const auto& [key, counters] : batch.cells) {
      AppendCopyField(&rows, MonthDate(key.month_key), true);
      AppendCopyField(&rows, key.agency_id);
      AppendCopyField(&rows, key.procedure_id);
      AppendCopyField(&rows, std::to_string(key.partition));
      for (int64_t v : counters.values) AppendCopyField(&rows, std::to_string(v));
      AppendCopyField(&rows, position);
      rows += '\n';
    }
    HOSO_RETURN_IF_ERROR(conn_->CopyIn(KpiCopy(), rows));
    upserts += KpiUpsert();
  }
  if (!batch.dossiers.empty()) {
    // A dossier PostgreSQL has never seen (its first event is after the
    // position it holds) goes straight into hoso.dossiers; the others are
    // staged and upserted.
    std::string new_rows;
    rows.clear();
    rows.reserve(batch.dossiers.size() * 240);
    new_rows.reserve(batch.dossiers.size() * 240);
    for (const auto& [id, d] : batch.dossiers) {
      AppendDossierRow(d->first_log_sequence > pg_log_sequence_ ? &new_rows : &rows, *d, position);
    }
    if (!new_rows.empty()) {
      auto copied = CopyDirect("hoso.dossiers", kDossierColumns, new_rows);
      if (!copied.ok()) return copied.status();
      if (!*copied) rows += new_rows;
    }
    if (!rows.empty()) {
      HOSO_RETURN_IF_ERROR(conn_->CopyIn(
          std::string("COPY dossiers_in (") + kDossierColumns + ") FROM STDIN", rows));
      upserts += kDossierUpsert;
    }
  }
  if (!batch.alerts.empty()) {
    rows.clear();
    rows.reserve(batch.alerts.size() * 200);
    constexpr std::array<const char*, 8> kFields = {"alert_id",  "dossier_id",   "kind",
                                                    "agency_id", "procedure_id", "due_at",
                                                    "fires_at",  "raised_at"};
    for (std::string_view text : batch.alerts) {
      std::array<std::optional<std::string>, kFields.size()> values;
      bool parsed = true;
      for (size_t f = 0; f < kFields.size() && parsed; ++f) {
        auto value = runtime::CompactStringField(text, kFields[f]);
        if (value) {
          values[f] = std::string(*value);
        } else {
          parsed = false;
        }
      }
      if (!parsed) {
        // Escaped characters (or a field missing): the whole object, parsed.
        const nlohmann::json alert = nlohmann::json::parse(text, nullptr, false);
        if (!alert.is_object()) {
          Log().error("PostgreSQL sink: a stored alert is not a JSON object; skipped");
          continue;
        }
        for (size_t f = 0; f < kFields.size(); ++f) {
          auto it = alert.find(kFields[f]);
          values[f] = it != alert.end() && it->is_string()
                          ? std::optional<std::string>(it->get<std::string>())
                          : std::nullopt;
        }
        if (!values[0]) {
          Log().error("PostgreSQL sink: a stored alert has no alert_id; skipped");
          continue;
        }
      }
      for (size_t f = 0; f < kFields.size(); ++f) {
        if (values[f]) {
          AppendCopyField(&rows, *values[f], f == 0);
        } else {
          AppendCopyNull(&rows, f == 0);
        }
      }
      AppendCopyField(&rows, position);
      rows += '\n';
    }
    // Alerts never change, and those of this batch are after the position
    // PostgreSQL holds: straight into hoso.alerts, staged only if one is
    // there already.
    auto copied = CopyDirect("hoso.alerts", kAlertColumns, rows);
    if (!copied.ok()) return copied.status();
    if (!*copied) {
      HOSO_RETURN_IF_ERROR(
          conn_->CopyIn(std::string("COPY alerts_in (") + kAlertColumns + ") FROM STDIN", rows));
      upserts += kAlertInsert;
    }
  }
  if (!upserts.empty()) HOSO_RETURN_IF_ERROR(conn_->Exec(upserts));
  HOSO_RETURN_IF_ERROR(
      conn_
          ->Query("INSERT INTO hoso.sink_position (source, log_sequence, alert_sequence) "
                  "VALUES ($1, $2, $3) ON CONFLICT (source) DO UPDATE SET "
                  "log_sequence = EXCLUDED.log_sequence, alert_sequence = "
                  "EXCLUDED.alert_sequence, updated_at = now()",
                  {options_.source_id, position, std::to_string(batch.alert_sequence)})
          .status());
  HOSO_RETURN_IF_ERROR(conn_->Exec("COMMIT"));
  reference_written_ = true;
  return core::Status::Ok();
}

}  // namespace hoso::connectors::postgres
