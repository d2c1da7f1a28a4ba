#include "tools/hoso/ingest_runner.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "connectors/file/dead_letter_file.h"
#include "connectors/file/jsonl_file_source.h"
#include "connectors/postgres/postgres_sink.h"
#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/runtime/committer.h"
#include "engine/runtime/pipeline.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {

core::Result<IngestSummary> RunIngest(const IngestOptions& options, const Reference& reference) {
  const auto started = std::chrono::steady_clock::now();
  // A missing or unreadable input is bad usage: say so before creating
  // anything (no empty database left behind).
  if (std::FILE* probe = std::fopen(options.events_path.c_str(), "rb")) {
    std::fclose(probe);
  } else {
    return core::Status::InvalidArgument("cannot read events file " + options.events_path + ": " +
                                         std::strerror(errno));
  }
  // PostgreSQL is checked before the database is touched: a bad DSN or a
  // missing schema stops here, with what to run.
  std::unique_ptr<connectors::postgres::PostgresSink> postgres;
  if (!options.postgres_dsn.empty()) {
    connectors::postgres::PostgresSinkOptions sink_options;
    sink_options.dsn = options.postgres_dsn;
    sink_options.source_id = std::filesystem::absolute(options.db_path).lexically_normal().string();
    sink_options.require_up = true;
    auto sink = connectors::postgres::PostgresSink::Create(sink_options, &reference.catalog,
                                                           &reference.agencies);
    if (!sink.ok()) return sink.status();
    postgres = std::move(*sink);
  }
  connectors::RocksOptions rocks_options;
  rocks_options.min_free_bytes = static_cast<uint64_t>(options.min_free_disk_mb) << 20;
  auto store = OpenForWrite(options.db_path, rocks_options);
  if (!store.ok()) return store.status();
  runtime::EngineOptions engine_options;
  engine_options.machine = reference.machine->options();
  engine_options.collect_alerts = false;  // the pipeline reads them from its commits
  engine_options.max_ahead_ms =
      options.max_ahead_days < 0 ? -1 : options.max_ahead_days * 86400 * 1000;
  engine_options.future_skew_ms =
      options.future_skew_minutes < 0 ? -1 : options.future_skew_minutes * 60 * 1000;
  engine_options.collect_changed_dossiers = postgres != nullptr;
  auto engine = runtime::Engine::Open(store->get(), reference.machine.get(), engine_options);
  if (!engine.ok()) return engine.status();
  if (postgres) HOSO_RETURN_IF_ERROR(postgres->CatchUp(**engine, **store));

  runtime::PositionLookup lookup = [&](std::string_view id) { return (*engine)->LoadPosition(id); };
  connectors::JsonlFileSource source(options.events_path,
                                     static_cast<size_t>(options.dead_letter_max_bytes));
  HOSO_RETURN_IF_ERROR(source.Start(lookup));
  IngestSummary summary;
  summary.dead_letter_path = options.dead_letter_path.empty()
                                 ? options.db_path + ".dead-letter.jsonl"
                                 : options.dead_letter_path;
  connectors::DeadLetterFile dead_letters(summary.dead_letter_path, source.source_id(),
                                          static_cast<size_t>(options.dead_letter_max_bytes));
  HOSO_RETURN_IF_ERROR(dead_letters.Start(lookup));
  if (!dead_letters.has_stored_position()) {
    // Store where this database's dead letters start before the first batch
    // writes any: a crash between that batch's dead letters and its commit
    // then cuts them on restart instead of keeping them twice.
    auto stored = (*engine)->ApplyBatch({}, {*dead_letters.Position()});
    if (!stored.ok()) return stored.status();
  }
  summary.resumed_from_bytes = source.start_position_bytes();

  runtime::Committer committer(store->get(), /*threaded=*/true);
  runtime::PipelineOptions pipeline_options;
  pipeline_options.batch_max_records = options.batch_records;
  auto last_draw = started;
  pipeline_options.progress = [&](const runtime::PipelineStats& stats) {
    if (!options.progress) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw < std::chrono::milliseconds(250)) return;
    last_draw = now;
    const double seconds = std::chrono::duration<double>(now - started).count();
    const double done = source.size_bytes() > 0 ? 100.0 * source.position_bytes() /
                                                      static_cast<double>(source.size_bytes())
                                                : 100.0;
    std::fprintf(stderr, "\ringest: %5.1f%%  %lld events  %.0f events/s  rejected %lld   ", done,
                 static_cast<long long>(stats.records), stats.records / seconds,
                 static_cast<long long>(stats.totals.rejected));
  };
  // Fault injection for the crash tests: SIGKILL before a batch's commit
  // (its dead letters already written) or right after it is written.
  pipeline_options.before_seal = [&](int64_t batch_number) {
    if (options.kill_at_batch == batch_number && options.kill_before_commit) ::raise(SIGKILL);
  };
  pipeline_options.after_submit = [&](int64_t batch_number) {
    if (options.kill_at_batch == batch_number && !options.kill_before_commit) {
      committer.Drain().IgnoreError("the process is killed either way");
      ::raise(SIGKILL);
    }
  };
  runtime::Pipeline pipeline(engine->get(), &source, &committer, &dead_letters, postgres.get(),
                             pipeline_options);
  runtime::PipelineStats stats;
  HOSO_RETURN_IF_ERROR(pipeline.Run(&stats));
  // A checkpoint at the end: the next start (and every query) reads the
  // states and cells directly, with no log to re-apply.
  HOSO_RETURN_IF_ERROR(pipeline.Finish(/*checkpoint=*/true, &stats));
  if (options.progress) std::fprintf(stderr, "\n");
  if (postgres) {
    // Waits while PostgreSQL makes progress; gives up after a silence.
    auto last = postgres->stats();
    auto last_progress = std::chrono::steady_clock::now();
    while (!postgres->WaitCaughtUp(std::chrono::milliseconds(500))) {
      const auto now_stats = postgres->stats();
      if (now_stats.overflowed) break;
      if (now_stats.transactions != last.transactions) {
        last = now_stats;
        last_progress = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - last_progress >
                 std::chrono::seconds(options.postgres_wait_seconds)) {
        break;
      }
    }
    const auto final_stats = postgres->stats();
    summary.postgres_transactions = final_stats.transactions;
    summary.postgres_rows = final_stats.rows_written;
    if (final_stats.queued_log_sequence != final_stats.written_log_sequence ||
        final_stats.overflowed || final_stats.pending_rows > 0) {
      return core::Status::Unavailable(
          "the events are in the database, but PostgreSQL could not take them all (" +
          std::to_string(final_stats.queued_log_sequence - final_stats.written_log_sequence) +
          " events behind, " + std::to_string(final_stats.pending_rows) +
          " rows waiting); run the same ingest again once it is reachable to catch up");
    }
  }
  summary.totals = stats.totals;
  summary.alerts = stats.alerts;
  // Leave the database compact: a read-only open (kpi, verify, history) would
  // otherwise replay the whole write-ahead log into memory first.
  HOSO_RETURN_IF_ERROR((*store)->Flush());
  summary.bytes_read = source.position_bytes() - source.start_position_bytes();
  summary.blank_lines = source.blank_lines();
  summary.logged_events = (*engine)->logged_events();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace hoso::tools
