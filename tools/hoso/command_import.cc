// hoso import dvcqg --file RECORDS.jsonl --db DIR: the national portal's
// sync records (dossier snapshots and progress steps, docs/dvcqg.md) turned
// into lifecycle events and applied like `hoso ingest`.
//
// Each record is compared with what the previous imports kept of its
// dossier (<db>.dvcqg/tracks.jsonl, written once the events are applied).
// The derived events (no personal data) are written to a file named after
// their SHA-256 under <db>.dvcqg/, then ingested from it: an interrupted
// import resumes where it stopped, and what a later import derives again is
// made of repeated event ids, which the engine counts as duplicates.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "connectors/dvcqg/feed_converter.h"
#include "connectors/file/whole_file.h"
#include "engine/runtime/chain_hash.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/dvcqg_setup.h"
#include "tools/hoso/ingest_runner.h"

namespace hoso::tools {
namespace {

namespace dvcqg = connectors::dvcqg;

struct Args {
  std::string file;
  std::string db;
  std::string mapping_path;
  std::string dead_letter_path;  // empty: <db>.dvcqg-dead-letter.jsonl
  bool report = false;
  std::string format = "text";
  bool no_progress = false;
  ReferenceOptions reference;
};

nlohmann::ordered_json RefusedJson(const std::string& file, const dvcqg::RefusedRecord& refused) {
  nlohmann::ordered_json line;
  line["file"] = file;
  line["line"] = refused.line;
  if (!refused.dossier_id.empty()) line["MaHoSo"] = refused.dossier_id;
  line["reason"] = dvcqg::SyncRejectCodeName(refused.rejection.code);
  line["message"] = refused.rejection.message;
  return line;
}

int RunImportDvcqg(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("import dvcqg", reference.status());
  auto setup = LoadDvcqgSetup(args.mapping_path, (*reference)->catalog);
  if (!setup.ok()) return ReportError("import dvcqg", setup.status());
  std::ifstream feed(args.file, std::ios::binary);
  if (!feed) return ReportError("import dvcqg", core::Status::NotFound("cannot open " + args.file));
  const dvcqg::DiffOptions& options = (*setup)->options;
  // What the previous imports kept of each dossier: this one continues it.
  const std::string derived_dir = args.db + ".dvcqg";
  const std::string tracks_path = derived_dir + "/tracks.jsonl";
  std::map<std::string, dvcqg::DossierTrack> tracks;
  if (std::filesystem::exists(tracks_path)) {
    auto text = connectors::ReadWholeFile(tracks_path);
    if (!text.ok()) return ReportError("import dvcqg", text.status());
    auto decoded = dvcqg::DecodeTracks(*text);
    if (!decoded.ok()) return ReportError("import dvcqg", decoded.status());
    tracks = std::move(*decoded);
  }
  auto converted = dvcqg::ConvertFeed(feed, options, &tracks);
  if (!converted.ok()) return ReportError("import dvcqg", converted.status());

  std::string events;
  for (const dvcqg::DerivedEvent& event : converted->events) events += event.json + "\n";
  std::error_code ec;
  std::filesystem::create_directories(derived_dir, ec);
  if (ec) {
    return ReportError("import dvcqg",
                       core::Status::IOError("cannot create " + derived_dir + ": " + ec.message()));
  }
  const std::string events_path = derived_dir + "/events-" +
                                  runtime::ToHex(runtime::ChainHash("", events)).substr(0, 16) +
                                  ".jsonl";
  if (!std::filesystem::exists(events_path) && !WriteFileAtomically(events_path, events)) {
    return ReportError("import dvcqg", core::Status::IOError("cannot write " + events_path));
  }
  const std::string dead_letter_path =
      args.dead_letter_path.empty() ? args.db + ".dvcqg-dead-letter.jsonl" : args.dead_letter_path;
  std::string dead_letters;
  for (const auto* list : {&converted->refused, &converted->unapplied}) {
    for (const dvcqg::RefusedRecord& refused : *list)
      dead_letters += RefusedJson(args.file, refused).dump() + "\n";
  }
  if (!dead_letters.empty()) {
    // Appended: each import adds its own, naming its file.
    std::ofstream out(dead_letter_path, std::ios::binary | std::ios::app);
    out << dead_letters;
    out.close();
    if (!out)
      return ReportError("import dvcqg", core::Status::IOError("cannot write " + dead_letter_path));
  }

  IngestOptions ingest;
  ingest.events_path = events_path;
  ingest.db_path = args.db;
  ingest.progress = !args.no_progress && StderrIsTerminal();
  // The portal's instants are history: no "ahead of the clock" guard.
  ingest.max_ahead_days = -1;
  auto summary = RunIngest(ingest, **reference);
  if (!summary.ok()) return ReportError("import dvcqg", summary.status());
  // Only once the events are applied: a crash before leaves the previous
  // tracks, and the next import derives these events again (repeated ids).
  if (!WriteFileAtomically(tracks_path, dvcqg::EncodeTracks(tracks))) {
    return ReportError("import dvcqg", core::Status::IOError("cannot write " + tracks_path));
  }

  std::map<std::string, int64_t> refused_by_reason;
  for (const dvcqg::RefusedRecord& refused : converted->refused) {
    ++refused_by_reason[std::string(dvcqg::SyncRejectCodeName(refused.rejection.code))];
  }
  const runtime::BatchResult& t = summary->totals;
  nlohmann::ordered_json json;
  json["records"] = converted->records;
  json["events_derived"] = converted->events.size();
  json["records_refused"] = converted->refused.size();
  json["refused_by_reason"] = refused_by_reason;
  json["changes_unapplied"] = converted->unapplied.size();
  json["applied"] = t.applied;
  json["duplicates"] = t.duplicates;
  json["rejected_by_engine"] = t.rejected;
  json["events_file"] = events_path;
  json["dead_letter_file"] = dead_letter_path;
  json["engine_dead_letter_file"] = summary->dead_letter_path;
  if (args.report) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& [key, row] : converted->report) {
      nlohmann::ordered_json entry;
      entry["agency_id"] = key.first;
      entry["month"] =
          key.second.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(key.second);
      entry["reported"] = row.reported;
      entry["complete"] = row.complete;
      entry["incomplete"] = row.incomplete;
      rows.push_back(std::move(entry));
    }
    json["completeness"] = rows;
  }
  if (args.format == "json") {
    std::printf("%s\n", json.dump(2).c_str());
    return kExitOk;
  }
  std::printf("records     %lld (%lld refused, %lld changes not applied)\n",
              static_cast<long long>(converted->records),
              static_cast<long long>(converted->refused.size()),
              static_cast<long long>(converted->unapplied.size()));
  for (const auto& [reason, count] : refused_by_reason) {
    std::printf("  %-22s %lld\n", reason.c_str(), static_cast<long long>(count));
  }
  std::printf("events      %lld derived: applied %lld, duplicates %lld, rejected %lld\n",
              static_cast<long long>(converted->events.size()), static_cast<long long>(t.applied),
              static_cast<long long>(t.duplicates), static_cast<long long>(t.rejected));
  if (!dead_letters.empty()) std::printf("refused records: %s\n", dead_letter_path.c_str());
  if (t.rejected > 0) std::printf("rejected events: %s\n", summary->dead_letter_path.c_str());
  if (args.report) {
    std::printf("\n%-28s %-8s %9s %9s  %s\n", "agency", "month", "reported", "complete",
                "incomplete");
    for (const auto& [key, row] : converted->report) {
      std::string incomplete;
      for (const std::string& id : row.incomplete)
        incomplete += (incomplete.empty() ? "" : " ") + id;
      std::printf("%-28s %-8s %9lld %9lld  %s\n", key.first.empty() ? "-" : key.first.c_str(),
                  key.second.empty() ? "-" : key.second.c_str(),
                  static_cast<long long>(row.reported), static_cast<long long>(row.complete),
                  incomplete.c_str());
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterImport(CLI::App& app, int* exit_code) {
  CLI::App* import = app.add_subcommand("import", "import records of other systems");
  import->require_subcommand(1);
  auto args = std::make_shared<Args>();
  CLI::App* command = import->add_subcommand(
      "dvcqg",
      "turn the national portal's sync records (DongBoHoSoMC snapshots and CapNhatTienDoHoSoMC "
      "progress steps, one JSON object a line) into lifecycle events and apply them "
      "(docs/dvcqg.md)");
  command
      ->add_option("--file", args->file, "JSONL file of sync records, in the order they were sent")
      ->required();
  command->add_option("--db", args->db, "database directory (created if absent)")->required();
  command->add_option("--mapping", args->mapping_path,
                      "site code mapping over the national default "
                      "(schemas/dvcqg-mapping.schema.json)");
  command->add_option("--dead-letter", args->dead_letter_path,
                      "file refused records are appended to: file, line, MaHoSo, reason, message - "
                      "never the record (default: <db>.dvcqg-dead-letter.jsonl)");
  command->add_flag("--report", args->report,
                    "sync completeness per agency and month: dossiers reported, complete "
                    "lifecycles, the incomplete ones");
  command->add_option("--format", args->format, "summary format")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  command->add_flag("--no-progress", args->no_progress, "no progress line even on a terminal");
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunImportDvcqg(*args); });
}

}  // namespace hoso::tools
