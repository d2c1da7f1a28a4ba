#include "tools/hoso/ingest_runner.h"

#include <signal.h>

#include <chrono>
#include <cstdio>

#include "connectors/file/dead_letter_file.h"
#include "connectors/file/jsonl_file_source.h"
#include "connectors/rocksdb/rocks_kv_store.h"

namespace hoso::tools {

core::Result<IngestSummary> RunIngest(const IngestOptions& options, const Reference& reference) {
  const auto started = std::chrono::steady_clock::now();
  auto store = connectors::RocksKvStore::Open(options.db_path);
  if (!store.ok()) return store.status();
  runtime::EngineOptions engine_options;
  engine_options.machine = reference.machine->options();
  auto engine = runtime::Engine::Open(store->get(), reference.machine.get(), engine_options);
  if (!engine.ok()) return engine.status();

  runtime::PositionLookup lookup = [&](std::string_view id) { return (*engine)->LoadPosition(id); };
  connectors::JsonlFileSource source(options.events_path);
  HOSO_RETURN_IF_ERROR(source.Start(lookup));
  IngestSummary summary;
  summary.dead_letter_path = options.dead_letter_path.empty()
                                 ? options.db_path + ".dead-letter.jsonl"
                                 : options.dead_letter_path;
  connectors::DeadLetterFile dead_letters(summary.dead_letter_path, source.source_id());
  HOSO_RETURN_IF_ERROR(dead_letters.Start(lookup));
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
  summary.logged_events = (*engine)->logged_events();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace hoso::tools
