// hoso alerts --db DIR [--open] [--agency A] [--kind K] [--format json|table]:
// the alerts the engine raised (the `alerts` column family), in fires_at
// order. Each JSON object follows schemas/alert.schema.json exactly (the
// stored value is the published one), so `--format json` output can be
// validated and diffed against hoso.alerts.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/alert.h"
#include "projections/records.h"
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

// True when the dossier is stored and not finished (paused counts as open:
// its desk still owes the citizen a result).
core::Result<bool> IsOpen(projections::KvStore& store, const std::string& dossier_id) {
  std::string value;
  core::Status s = store.Get(projections::Column::kDossiers, dossier_id, &value);
  if (s.code() == core::StatusCode::kNotFound) return false;
  if (!s.ok()) return s;
  auto state = projections::DecodeDossierState(value);
  if (!state.ok()) return state.status();
  return state->is_open();
}

int RunAlerts(const Args& args) {
  auto store = OpenForQuery(args.db_path);
  if (!store.ok()) return ReportError("alerts", store.status());
  std::vector<nlohmann::ordered_json> alerts;
  auto it = (*store)->NewIterator(projections::Column::kAlerts);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    nlohmann::ordered_json alert =
        nlohmann::ordered_json::parse(it->value(), nullptr, /*allow_exceptions=*/false);
    if (alert.is_discarded() || !alert.is_object()) {
      return ReportError(
          "alerts", core::Status::Corruption("unreadable alert record " + std::string(it->key())));
    }
    if (!args.kind.empty() && alert.value("kind", "") != args.kind) continue;
    if (!args.agency_id.empty() && alert.value("agency_id", "") != args.agency_id) continue;
    if (args.open_only) {
      auto open = IsOpen(**store, alert.value("dossier_id", ""));
      if (!open.ok()) return ReportError("alerts", open.status());
      if (!*open) continue;
    }
    alerts.push_back(std::move(alert));
  }
  if (!it->status().ok()) return ReportError("alerts", it->status());
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
