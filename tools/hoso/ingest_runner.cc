#include "tools/hoso/ingest_runner.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "connectors/file/dead_letter_file.h"
#include "connectors/file/jsonl_file_source.h"
#include "connectors/rocksdb/rocks_kv_store.h"
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
  connectors::RocksOptions rocks_options;
  rocks_options.min_free_bytes = static_cast<uint64_t>(options.min_free_disk_mb) << 20;
  auto store = OpenForWrite(options.db_path, rocks_options);
  if (!store.ok()) return store.status();
  runtime::EngineOptions engine_options;
  engine_options.machine = reference.machine->options();
  engine_options.max_ahead_ms =
      options.max_ahead_days < 0 ? -1 : options.max_ahead_days * 86400 * 1000;
  engine_options.future_skew_ms =
      options.future_skew_minutes < 0 ? -1 : options.future_skew_minutes * 60 * 1000;
  auto engine = runtime::Engine::Open(store->get(), reference.machine.get(), engine_options);
  if (!engine.ok()) return engine.status();

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
    auto stored = (*engine)->ApplyBatch({}, {dead_letters.Position()});
    if (!stored.ok()) return stored.status();
  }
  summary.resumed_from_bytes = source.start_position_bytes();

  runtime::SourceBatch batch;
  auto last_draw = started;
  int64_t events_seen = 0;
  int64_t batch_number = 0;
  for (;;) {
    ++batch_number;
    const bool kill_here = options.kill_at_batch == batch_number;
    HOSO_RETURN_IF_ERROR(source.NextBatch(options.batch_records, &batch));
    if (batch.records.empty() && batch.end_of_source) break;
    events_seen += static_cast<int64_t>(batch.records.size());
    auto result = (*engine)->ApplyBatch(
        batch.records, batch.positions,
        [&](const runtime::BatchResult& applied, runtime::Engine::Positions* positions) {
          for (const runtime::RejectedRecord& rejected : applied.rejections) {
            HOSO_RETURN_IF_ERROR(
                dead_letters.Write(batch.records[rejected.index], rejected.rejection));
          }
          if (!applied.rejections.empty()) HOSO_RETURN_IF_ERROR(dead_letters.Flush());
          positions->push_back(dead_letters.Position());
          if (kill_here && options.kill_before_commit) ::raise(SIGKILL);
          return core::Status::Ok();
        });
    if (!result.ok()) return result.status();
    if (kill_here && !options.kill_before_commit) ::raise(SIGKILL);
    summary.totals.Add(*result);
    summary.alerts += static_cast<int64_t>(result->alerts.size());
    if (options.progress) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_draw > std::chrono::milliseconds(250) || batch.end_of_source) {
        last_draw = now;
        const double seconds = std::chrono::duration<double>(now - started).count();
        const double done = source.size_bytes() > 0 ? 100.0 * source.position_bytes() /
                                                          static_cast<double>(source.size_bytes())
                                                    : 100.0;
        std::fprintf(stderr, "\ringest: %5.1f%%  %lld events  %.0f events/s  rejected %lld   ",
                     done, static_cast<long long>(events_seen), events_seen / seconds,
                     static_cast<long long>(summary.totals.rejected));
      }
    }
    if (batch.end_of_source) break;
  }
  if (options.progress) std::fprintf(stderr, "\n");
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
