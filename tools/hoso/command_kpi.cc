// hoso kpi --db DIR --period P [--by agency|procedure] [--as-of T] [--format json|table|csv]
#include <chrono>
#include <cstdio>

#include "engine/runtime/engine.h"
#include "engine/runtime/log_replayer.h"
#include "projections/kpi_query.h"
#include "projections/open_dossiers.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/kpi_output.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string db_path;
  std::string period;
  std::string by = "agency";
  std::string as_of;
  std::string format = "table";
  bool only_active = false;
  ReferenceOptions reference;
};

int RunKpi(const Args& args) {
  auto period = projections::ParsePeriod(args.period);
  if (!period.ok()) return ReportError("kpi", period.status());
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("kpi", reference.status());
  auto store = OpenForQuery(args.db_path);
  if (!store.ok()) return ReportError("kpi", store.status());
  auto clock = StoreClock(**store);
  if (!clock.ok()) return ReportError("kpi", clock.status());

  // Default as-of: the end of the period, or now if the period is not over.
  core::Instant as_of{period->end.epoch_ms - 1000};
  const core::Instant now{std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()};
  if (now < as_of) as_of = now;
  if (!args.as_of.empty()) {
    auto parsed = ParseAsOf(args.as_of);
    if (!parsed.ok()) return ReportError("kpi", parsed.status());
    as_of = *parsed;
  }

  std::map<projections::KpiKey, core::KpiCounters> cells;
  std::vector<core::OpenCell> open;
  if (!clock->has_value() || **clock <= as_of) {
    // Nothing after as_of has been applied: the live projections are the
    // answer (the last checkpoint with the deltas written since).
    auto loaded = projections::LoadKpiCells(**store);
    if (!loaded.ok()) return ReportError("kpi", loaded.status());
    cells = std::move(*loaded);
    auto open_now = projections::LoadOpenDossiers(**store);
    if (!open_now.ok()) return ReportError("kpi", open_now.status());
    open = projections::CountOpen(*open_now, as_of);
  } else {
    // An earlier instant: fold the log up to as_of in memory.
    runtime::EngineOptions options;
    options.machine = (*reference)->machine->options();
    options.persist = false;
    options.until = as_of;
    auto engine = runtime::Engine::Open(nullptr, (*reference)->machine.get(), options);
    if (!engine.ok()) return ReportError("kpi", engine.status());
    auto replayed = runtime::ReplayLog(**store, **engine, nullptr, runtime::ReplayOptions{});
    if (!replayed.ok()) return ReportError("kpi", replayed.status());
    cells = (*engine)->kpi_cells();
    open = projections::CountOpen((*engine)->OpenDossiers(), as_of);
  }
  const auto by =
      args.by == "procedure" ? projections::GroupBy::kProcedure : projections::GroupBy::kAgency;
  projections::KpiReport report =
      projections::BuildKpiReport(*period, as_of, by, projections::CellsInPeriod(cells, *period),
                                  open, (*reference)->catalog, (*reference)->agencies);
  if (args.format == "json") {
    std::printf("%s\n", KpiReportJson(report).c_str());
  } else if (args.format == "csv") {
    std::fputs(KpiReportCsv(report).c_str(), stdout);
  } else {
    PrintKpiTable(report, stdout, args.only_active);
  }
  return kExitOk;
}

}  // namespace

void RegisterKpi(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command =
      app.add_subcommand("kpi", "KPIs of a period against the plan's targets (design.md §4)");
  command->add_option("--db", args->db_path, "database directory")->required();
  command->add_option("--period", args->period, "YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY")->required();
  command->add_option("--by", args->by, "one row per agency or per procedure")
      ->capture_default_str()
      ->check(CLI::IsMember({"agency", "procedure"}));
  command->add_option("--as-of", args->as_of,
                      "instant (RFC 3339, or YYYY-MM-DD = end of that day); default: end of "
                      "the period, or now if earlier");
  command->add_option("--format", args->format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv"}));
  command->add_flag("--active", args->only_active,
                    "table: hide rows with no dossier in the period and none open");
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunKpi(*args); });
}

}  // namespace hoso::tools
