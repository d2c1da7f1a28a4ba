// The file-ingest loop shared by `hoso ingest`, `hoso bench ingest` and the
// demo: JSONL file -> Engine -> RocksDB, dead letters to a file next to the
// database, positions stored with every batch.
#ifndef HOSO_TOOLS_HOSO_INGEST_RUNNER_H_
#define HOSO_TOOLS_HOSO_INGEST_RUNNER_H_

#include <cstdint>
#include <string>

#include "engine/core/status.h"
#include "engine/runtime/engine.h"
#include "tools/hoso/context.h"

namespace hoso::tools {

struct IngestOptions {
  std::string events_path;
  std::string db_path;
  std::string dead_letter_path;  // empty: "<db>.dead-letter.jsonl"
  size_t batch_records = 8192;
  bool progress = false;  // draw a progress line on stderr
  // Input guards (runtime::EngineOptions): events more than this many days
  // ahead of the event-time clock, or this many minutes after the real
  // current time, are rejected. Negative: off.
  int64_t max_ahead_days = 31;
  int64_t future_skew_minutes = 10;
  // Stop cleanly when the database's filesystem has less free (0: off).
  int64_t min_free_disk_mb = 256;
  // Dead letters keep a rejected line in full up to this many bytes, beyond
  // it its head, true size and SHA-256.
  int64_t dead_letter_max_bytes = int64_t{1} << 20;
  // Mirror into PostgreSQL (connectors/postgres, docs/bi.md): a libpq
  // connection string; empty: off. Ingest fails at start when the server
  // does not answer or lacks the schema, and at the end when PostgreSQL
  // could not take everything within `postgres_wait_seconds` of silence
  // (the database holds it all: running ingest again catches up).
  std::string postgres_dsn;
  int64_t postgres_wait_seconds = 30;
  // Fault injection for crash tests: SIGKILL this process at batch number
  // `kill_at_batch` (1-based), before its write (after its dead letters are
  // written) or right after it. Set from HOSO_TEST_KILL_AT_BATCH="N:before|after".
  int64_t kill_at_batch = 0;
  bool kill_before_commit = false;
};

struct IngestSummary {
  runtime::BatchResult totals;
  int64_t alerts = 0;
  int64_t bytes_read = 0;
  int64_t resumed_from_bytes = 0;
  int64_t blank_lines = 0;  // skipped, not events
  double seconds = 0;
  std::string dead_letter_path;
  uint64_t logged_events = 0;
  // With postgres_dsn: transactions and rows written to PostgreSQL.
  int64_t postgres_transactions = 0;
  int64_t postgres_rows = 0;
};

core::Result<IngestSummary> RunIngest(const IngestOptions& options, const Reference& reference);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_INGEST_RUNNER_H_
