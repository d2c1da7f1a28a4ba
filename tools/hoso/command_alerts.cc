// hoso alerts --db DIR [--open] [--agency A] [--kind K] [--format json|table]:
// the alerts the engine raised (projections/alert_log.h), in fires_at
// order. Each JSON object follows schemas/alert.schema.json exactly (the
// stored value is the published one), so `--format json` output can be
// validated and diffed against hoso.alerts.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/alert.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/queries.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string db_path;
  bool open_only = false;
  std::string agency_id;
  std::string kind;
  std::string format = "table";
};

int RunAlerts(const Args& args) {
  auto store = OpenForQuery(args.db_path);
  if (!store.ok()) return ReportError("alerts", store.status());
  AlertRequest request;
  request.open_only = args.open_only;
  request.agency_id = args.agency_id;
  request.kind = args.kind;
  auto alerts = QueryAlerts(**store, request, nullptr);
  if (!alerts.ok()) return ReportError("alerts", alerts.status());
  if (args.format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (auto& alert : *alerts) out.push_back(std::move(alert));
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-25s %-17s %-22s %-20s %-25s %s\n", "fires_at", "kind", "dossier_id", "agency_id",
              "due_at", "message");
  for (const auto& alert : *alerts) {
    std::printf("%-25s %-17s %-22s %-20s %-25s %s\n", alert.value("fires_at", "").c_str(),
                alert.value("kind", "").c_str(), alert.value("dossier_id", "").c_str(),
                alert.value("agency_id", "").c_str(), alert.value("due_at", "").c_str(),
                alert.value("message_vi", "").c_str());
  }
  std::printf("%zu alert%s\n", alerts->size(), alerts->size() == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace

void RegisterAlerts(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  // Every kind the engine knows, so the list never lags behind core::AlertKind.
  std::vector<std::string> kinds;
  std::string kind_list;
  for (int kind = 0; kind < core::kAlertKindCount; ++kind) {
    kinds.emplace_back(core::AlertKindName(static_cast<core::AlertKind>(kind)));
    if (!kind_list.empty()) kind_list += ", ";
    kind_list += kinds.back();
  }
  CLI::App* command =
      app.add_subcommand("alerts", "list the alerts raised (" + kind_list + "), in fires_at order");
  command->add_option("--db", args->db_path, "database directory")->required();
  command->add_flag("--open", args->open_only,
                    "only alerts of dossiers (or feedback) still open or paused; never "
                    "dialogue_missing, which names no dossier");
  command->add_option("--agency", args->agency_id,
                      "only alerts of this agency (holding the dossier, or the ward)");
  command->add_option("--kind", args->kind, "only alerts of this kind")
      ->check(CLI::IsMember(kinds));
  command->add_option("--format", args->format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  command->callback([args, exit_code] { *exit_code = RunAlerts(*args); });
}

}  // namespace hoso::tools
