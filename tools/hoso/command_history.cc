// hoso history DOSSIER --db DIR [--format table|json]: the dossier's
// timeline with its hash-chain links, the due instant after each event and
// the classification.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/core/event.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/queries.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string dossier_id;
  std::string db_path;
  std::string format = "table";
  ReferenceOptions reference;
};

int RunHistory(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("history", reference.status());
  // The families a history reads: the dossier's record, the log and its index.
  constexpr uint32_t kHistoryColumns = connectors::ColumnBit(projections::Column::kMeta) |
                                       connectors::ColumnBit(projections::Column::kOpenDossiers) |
                                       connectors::ColumnBit(projections::Column::kDossiers) |
                                       connectors::ColumnBit(projections::Column::kLog) |
                                       connectors::ColumnBit(projections::Column::kLogIndex);
  auto store = OpenForQuery(args.db_path, QueryReads::kLogSegments, kHistoryColumns);
  if (!store.ok()) return ReportError("history", store.status());

  auto history = QueryHistory(**store, **reference, args.dossier_id);
  if (!history.ok()) {
    if (history.status().code() == core::StatusCode::kNotFound) {
      return ReportError("history", core::Status::NotFound("no dossier '" + args.dossier_id +
                                                           "' in " + args.db_path));
    }
    return ReportError("history", history.status());
  }
  const nlohmann::ordered_json& summary = *history;
  const nlohmann::ordered_json& events = summary["events"];
  const bool chain_ok = summary["chain_ok"].get<bool>();
  if (args.format == "json") {
    std::printf("%s\n", summary.dump(2).c_str());
    return kExitOk;
  }
  // A dialogue's or a feedback's chain (issue 13) names no procedure.
  const bool dialogue = args.dossier_id.starts_with(core::kDialogueChainPrefix);
  const bool feedback = args.dossier_id.starts_with(core::kFeedbackChainPrefix);
  std::printf("%s %s  (%s, chain %s)\n",
              dialogue   ? "dialogue"
              : feedback ? "feedback"
                         : "dossier",
              args.dossier_id.c_str(),
              dialogue   ? "citizen dialogue"
              : feedback ? "citizen feedback (PAKN)"
                         : summary.value("procedure_id", "").c_str(),
              chain_ok ? "ok" : "BROKEN");
  std::printf("%-4s %-21s %-26s %-8s %-26s %-9s %s\n", "seq", "type", "occurred_at", "status",
              "due_at after", "link", "hash");
  for (const auto& entry : events) {
    std::printf("%-4d %-21s %-26s %-8s %-26s %-9s %.16s…%s\n", entry["sequence"].get<int>(),
                entry.value("type", "?").c_str(), entry.value("occurred_at", "?").c_str(),
                entry.value("status", "").c_str(), entry.value("due_at", "").c_str(),
                entry["link_ok"].get<bool>() ? "ok" : "MISMATCH",
                entry["hash"].get<std::string>().c_str(),
                entry["derived"].get<bool>() ? "  (derived by the engine)" : "");
  }
  if (summary.contains("classification") && !summary["classification"].is_null()) {
    std::printf("classification: %s\n", summary["classification"].get<std::string>().c_str());
  }
  return kExitOk;
}

}  // namespace

void RegisterHistory(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "history", "a dossier's timeline: events, hash-chain links, due instants, classification");
  command->add_option("dossier", args->dossier_id, "dossier id")->required();
  command->add_option("--db", args->db_path, "database directory")->required();
  command->add_option("--format", args->format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunHistory(*args); });
}

}  // namespace hoso::tools
