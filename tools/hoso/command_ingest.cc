// hoso ingest --events F.jsonl --db DIR: the engine pipeline from a file.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/ingest_runner.h"

namespace hoso::tools {
namespace {

struct Args {
  IngestOptions ingest;
  ReferenceOptions reference;
  std::string format = "text";
  bool no_progress = false;
};

int RunIngestCommand(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("ingest", reference.status());
  IngestOptions options = args.ingest;
  options.progress = !args.no_progress && StderrIsTerminal();
  if (const char* kill = std::getenv("HOSO_TEST_KILL_AT_BATCH")) {
    options.kill_at_batch = std::strtoll(kill, nullptr, 10);
    options.kill_before_commit = std::strstr(kill, ":before") != nullptr;
  }
  auto summary = RunIngest(options, **reference);
  if (!summary.ok()) return ReportError("ingest", summary.status());
  const runtime::BatchResult& t = summary->totals;
  nlohmann::ordered_json rejected_by_reason = nlohmann::ordered_json::object();
  for (int i = 0; i < core::kRejectCodeCount; ++i) {
    if (t.rejected_by_code[i] > 0) {
      rejected_by_reason[std::string(core::RejectCodeName(static_cast<core::RejectCode>(i)))] =
          t.rejected_by_code[i];
    }
  }
  if (args.format == "json") {
    nlohmann::ordered_json json;
    json["applied"] = t.applied;
    json["duplicates"] = t.duplicates;
    json["rejected"] = t.rejected;
    json["rejected_by_reason"] = rejected_by_reason;
    json["blank_lines_skipped"] = summary->blank_lines;
    json["derived_overdue"] = t.derived_events;
    json["alerts_raised"] = summary->alerts;
    json["resumed_from_byte"] = summary->resumed_from_bytes;
    json["dead_letter_file"] = summary->dead_letter_path;
    if (!args.ingest.postgres_dsn.empty()) {
      json["postgres"] = {{"transactions", summary->postgres_transactions},
                          {"rows", summary->postgres_rows}};
    }
    json["seconds"] = summary->seconds;
    std::printf("%s\n", json.dump(2).c_str());
  } else {
    if (summary->resumed_from_bytes > 0) {
      std::printf("resumed at byte %lld (already ingested before)\n",
                  static_cast<long long>(summary->resumed_from_bytes));
    }
    std::printf("applied     %lld\nduplicates  %lld\nrejected    %lld\n",
                static_cast<long long>(t.applied), static_cast<long long>(t.duplicates),
                static_cast<long long>(t.rejected));
    for (const auto& [reason, count] : rejected_by_reason.items()) {
      std::printf("  %-18s %lld\n", reason.c_str(), static_cast<long long>(count.get<int64_t>()));
    }
    if (summary->blank_lines > 0) {
      std::printf("blank lines skipped %lld\n", static_cast<long long>(summary->blank_lines));
    }
    std::printf("derived overdue events %lld, alerts raised %lld\n",
                static_cast<long long>(t.derived_events), static_cast<long long>(summary->alerts));
    if (t.rejected > 0) std::printf("rejected records: %s\n", summary->dead_letter_path.c_str());
    if (!args.ingest.postgres_dsn.empty()) {
      std::printf("PostgreSQL: %lld rows in %lld transactions\n",
                  static_cast<long long>(summary->postgres_rows),
                  static_cast<long long>(summary->postgres_transactions));
    }
    std::printf(
        "%.2f s, %.0f events/s\n", summary->seconds,
        summary->seconds > 0 ? (t.applied + t.duplicates + t.rejected) / summary->seconds : 0.0);
  }
  return kExitOk;
}

}  // namespace

void RegisterIngest(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "ingest",
      "apply a JSONL file of dossier events to a database (resumes where a previous run stopped)");
  command->add_option("--events", args->ingest.events_path, "JSONL file, one event per line")
      ->required();
  command->add_option("--db", args->ingest.db_path, "database directory (created if absent)")
      ->required();
  command->add_option("--dead-letter", args->ingest.dead_letter_path,
                      "file for rejected lines (default: <db>.dead-letter.jsonl)");
  command->add_option("--batch", args->ingest.batch_records, "events per atomic batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  command
      ->add_option("--max-ahead-days", args->ingest.max_ahead_days,
                   "reject an event more than this many days ahead of the event-time clock "
                   "(checked once 1,000 events are logged; raise it for a backfill with gaps; "
                   "-1: off)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{-1}, int64_t{36500}));
  command
      ->add_option("--future-skew-minutes", args->ingest.future_skew_minutes,
                   "reject an event dated more than this many minutes after the real current "
                   "time (-1: off)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{-1}, int64_t{525600}));
  command
      ->add_option("--min-free-disk-mb", args->ingest.min_free_disk_mb,
                   "stop cleanly (resumable) when the database's disk has less free (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  command
      ->add_option("--dead-letter-max-bytes", args->ingest.dead_letter_max_bytes,
                   "keep a rejected line whole up to this size in the dead-letter file; beyond "
                   "it its head, true size and SHA-256")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{65537}, int64_t{1} << 30));
  command->add_option("--postgres", args->ingest.postgres_dsn,
                      "also mirror KPI cells, dossiers and alerts into PostgreSQL (libpq DSN; "
                      "password from PGPASSWORD or ~/.pgpass; schema from `hoso postgres init`)");
  command->add_option("--format", args->format, "summary format")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  command->add_flag("--no-progress", args->no_progress, "no progress line even on a terminal");
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunIngestCommand(*args); });
}

}  // namespace hoso::tools
