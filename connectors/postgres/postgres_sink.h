// PostgresSink: mirrors what the engine commits into the PostgreSQL schema
// `hoso` (pg_schema.h, docs/bi.md) for BI tools, without ever holding the
// engine back.
//
//   engine thread: Published(commit) copies the commit's changed KPI cells,
//     dossier states and alerts into a bounded queue and returns (no I/O).
//   sink thread:   drains the queue, coalescing by key (cells by their key,
//     dossiers by id: absolute values, so the latest wins), and writes all it
//     holds in ONE transaction: COPY into temp tables, INSERT ... ON CONFLICT
//     DO UPDATE, and the engine position the rows reflect in
//     hoso.sink_position. While it writes, further commits queue up and go
//     into the next transaction (one transaction per group of batches).
//
// Nothing is ever counted in PostgreSQL: every row holds absolute values
// read from the engine, so a transaction that is retried, or a commit
// written twice after a crash, changes nothing.
//
// PostgreSQL down or slow: the sink thread retries with back-off (up to
// max_backoff_ms) and keeps coalescing; the engine goes on. Stats() shows the
// lag. The queue is bounded (max_pending_rows): beyond it the sink drops what
// it holds, stops mirroring and says so (Stats().overflowed, an error log);
// the next start catches up from RocksDB.
//
// After a crash: CatchUp() (at start, before the pipeline runs) compares the
// position stored in PostgreSQL with the engine's and queues everything that
// changed since: every KPI cell, the dossiers named by the log after that
// position (their current state), the alerts stored after it. When the
// position is unknown (PostgreSQL unreachable at start) or ahead of the
// engine (another database at the same path), it queues everything
// (docs/bi.md "Catching up" has the measured cost).
//
// Thread-safety: Published, CatchUp and WaitCaughtUp on the pipeline's
// thread; Stats from any thread.
#ifndef HOSO_CONNECTORS_POSTGRES_POSTGRES_SINK_H_
#define HOSO_CONNECTORS_POSTGRES_POSTGRES_SINK_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "engine/core/reference_data.h"
#include "engine/core/status.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/event_source.h"
#include "projections/kv_store.h"

namespace hoso::connectors::postgres {

struct PostgresSinkOptions {
  // libpq connection string or URI (password: PGPASSWORD or ~/.pgpass).
  // Required.
  std::string dsn;
  // Names the RocksDB database in hoso.sink_position (its absolute path), so
  // several engines can feed one PostgreSQL database. Required.
  std::string source_id;
  // At start, a server that does not answer is an error (ingest) rather
  // than a lag to catch up later (serve). Default: false.
  bool require_up = false;
  // libpq connect_timeout, in seconds, unless the DSN sets one. Default: 5.
  int connect_timeout_s = 5;
  // Longest wait between two attempts while PostgreSQL fails, in ms (the
  // wait doubles from 100 ms). Default: 5000.
  int max_backoff_ms = 5000;
  // Most rows (KPI cells + dossiers + alerts) waiting for PostgreSQL, queued
  // and coalesced; beyond it the sink stops mirroring until the next start.
  // About 250 bytes each. Default: 4,000,000.
  size_t max_pending_rows = 4000000;
};

class PostgresSink final : public runtime::CommitSink {
 public:
  // Checks the DSN and the schema and starts the sink thread. Errors
  // (InvalidArgument / VersionMismatch) name what to fix: a DSN libpq cannot
  // parse, a server that refuses the connection, a missing or old schema
  // ("run: hoso postgres init --dsn ..."). A server that does not answer is
  // Unavailable with `require_up`, else a warning: the sink starts behind.
  // `catalog` and `agencies` must outlive the sink.
  static core::Result<std::unique_ptr<PostgresSink>> Create(PostgresSinkOptions options,
                                                            const core::ProcedureCatalog* catalog,
                                                            const core::AgencyList* agencies);
  // Stops the sink thread; what it had not written stays behind (the next
  // start catches up).
  ~PostgresSink() override;
  PostgresSink(const PostgresSink&) = delete;
  PostgresSink& operator=(const PostgresSink&) = delete;

  // Queues what PostgreSQL lacks of the engine's current state (see above).
  // Call once, after Engine::Open and before the pipeline runs; `store` is
  // the engine's. Fails only when the store or the engine cannot be read.
  core::Status CatchUp(runtime::Engine& engine, projections::KvStore& store);

  // Queues the commit's changes; never waits for PostgreSQL. The engine must
  // run with EngineOptions::collect_changed_dossiers. Always OK.
  core::Status Published(const runtime::Commit& commit) override;

  // Waits until everything queued is in PostgreSQL, or `timeout` passes;
  // true when caught up.
  bool WaitCaughtUp(std::chrono::milliseconds timeout);

  struct Stats {
    bool connected = false;
    bool overflowed = false;
    // The engine position last queued and the one PostgreSQL holds.
    uint64_t queued_log_sequence = 0;
    uint64_t written_log_sequence = 0;
    // Seconds since the oldest commit not yet in PostgreSQL became durable
    // (0 when caught up).
    double lag_seconds = 0;
    // Rows waiting (queued and coalesced).
    int64_t pending_rows = 0;
    int64_t transactions = 0;
    int64_t rows_written = 0;
    int64_t failures = 0;
    double last_transaction_seconds = 0;
  };
  Stats stats() const;

 private:
  struct Chunk;
  struct Batch;
  PostgresSink(PostgresSinkOptions options, const core::ProcedureCatalog* catalog,
               const core::AgencyList* agencies, std::string redacted_dsn);
  void Enqueue(std::unique_ptr<Chunk> chunk);
  void Run();
  core::Status EnsureConnected();
  core::Status Write(const Batch& batch);
  // COPYs `rows` straight into `table` under a savepoint: true when they are
  // in, false when the COPY failed on the server (a row already there) and
  // was rolled back, so the caller upserts them instead; an error when the
  // connection is lost.
  core::Result<bool> CopyDirect(const std::string& table, const char* columns,
                                const std::string& rows);
  core::Result<std::optional<std::pair<uint64_t, uint64_t>>> StoredPosition();

  const PostgresSinkOptions options_;
  const core::ProcedureCatalog* catalog_;
  const core::AgencyList* agencies_;
  const std::string redacted_dsn_;
  // The position PostgreSQL held when Create read it (nullopt: unknown).
  std::optional<std::pair<uint64_t, uint64_t>> start_position_;
  // The log sequence PostgreSQL holds (the last transaction's position);
  // the sink thread's own. A dossier whose first event is later is new there.
  uint64_t pg_log_sequence_ = 0;

  // Sink thread only.
  std::unique_ptr<PgConnection> conn_;
  bool reference_written_ = false;

  mutable std::mutex mutex_;
  std::condition_variable wake_;     // the sink thread: work or stop
  std::condition_variable written_;  // WaitCaughtUp: a transaction committed
  std::deque<std::unique_ptr<Chunk>> queue_;
  size_t queued_rows_ = 0;
  bool stop_ = false;
  bool busy_ = false;  // the sink thread holds rows not yet written
  Stats stats_;
  // When the oldest commit not yet written was queued.
  std::optional<std::chrono::steady_clock::time_point> oldest_unwritten_;
  std::thread thread_;
};

}  // namespace hoso::connectors::postgres

#endif  // HOSO_CONNECTORS_POSTGRES_POSTGRES_SINK_H_
