// hoso alerts --db DIR [--open] [--agency A] [--kind K] [--format json|table]:
// the alerts the engine raised (projections/alert_log.h), in fires_at
// order. Each JSON object follows schemas/alert.schema.json exactly (the
// stored value is the published one), so `--format json` output can be
// validated and diffed against hoso.alerts.
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/alert.h"
#include "projections/alert_log.h"
#include "projections/open_dossiers.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
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
  // Open dossiers (paused count as open: their desk still owes the citizen
  // a result), as of the last committed batch.
  std::map<std::string, projections::OpenSummary> open;
  if (args.open_only) {
    auto loaded = projections::LoadOpenDossiers(**store);
    if (!loaded.ok()) return ReportError("alerts", loaded.status());
    open = std::move(*loaded);
  }
  std::vector<nlohmann::ordered_json> alerts;
  core::Status read =
      projections::ForEachAlert(**store, 1, [&](const projections::StoredAlert& stored) {
        nlohmann::ordered_json alert =
            nlohmann::ordered_json::parse(stored.json, nullptr, /*allow_exceptions=*/false);
        if (alert.is_discarded() || !alert.is_object()) {
          return core::Status::Corruption("unreadable alert record " +
                                          std::to_string(stored.sequence));
        }
        if (!args.kind.empty() && alert.value("kind", "") != args.kind) return core::Status::Ok();
        if (!args.agency_id.empty() && alert.value("agency_id", "") != args.agency_id) {
          return core::Status::Ok();
        }
        if (args.open_only && open.count(std::string(stored.dossier_id)) == 0) {
          return core::Status::Ok();
        }
        alerts.push_back(std::move(alert));
        return core::Status::Ok();
      });
  if (!read.ok()) return ReportError("alerts", read);
  // Local instants with the same offset sort as text; ties by id keep the
  // output deterministic.
  std::sort(alerts.begin(), alerts.end(), [](const auto& a, const auto& b) {
    return std::pair(a.value("fires_at", ""), a.value("alert_id", "")) <
           std::pair(b.value("fires_at", ""), b.value("alert_id", ""));
  });
  if (args.format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (auto& alert : alerts) out.push_back(std::move(alert));
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-25s %-17s %-22s %-20s %-25s %s\n", "fires_at", "kind", "dossier_id", "agency_id",
              "due_at", "message");
  for (const auto& alert : alerts) {
    std::printf("%-25s %-17s %-22s %-20s %-25s %s\n", alert.value("fires_at", "").c_str(),
                alert.value("kind", "").c_str(), alert.value("dossier_id", "").c_str(),
                alert.value("agency_id", "").c_str(), alert.value("due_at", "").c_str(),
                alert.value("message_vi", "").c_str());
  }
  std::printf("%zu alert%s\n", alerts.size(), alerts.size() == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace

void RegisterAlerts(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "alerts",
      "list the SLA alerts raised (due_soon, apology_due, overdue, apology_missing, "
      "apology_violation), in fires_at order");
  command->add_option("--db", args->db_path, "database directory")->required();
  command->add_flag("--open", args->open_only, "only alerts of dossiers still open (or paused)");
  command->add_option("--agency", args->agency_id, "only alerts of this holding agency");
  command->add_option("--kind", args->kind, "only alerts of this kind")
      ->check(CLI::IsMember(
          {"due_soon", "apology_due", "overdue", "apology_missing", "apology_violation"}));
  command->add_option("--format", args->format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  command->callback([args, exit_code] { *exit_code = RunAlerts(*args); });
}

}  // namespace hoso::tools
