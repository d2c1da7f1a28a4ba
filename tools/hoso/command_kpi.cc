// hoso kpi --db DIR --period P [--by agency|procedure] [--as-of T] [--format json|table|csv]
#include <cstdio>

#include "projections/kpi_query.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/kpi_output.h"
#include "tools/hoso/queries.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string db_path;
  std::string period;
  std::string by = "agency";
  std::string as_of;
  std::string format = "table";
  std::string agency_id;
  bool only_active = false;
  ReferenceOptions reference;
};

int RunKpi(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("kpi", reference.status());
  // The period is checked before the database is opened: a bad one is bad
  // usage whatever the database holds.
  auto period = projections::ParsePeriod(args.period);
  if (!period.ok()) return ReportError("kpi", period.status());
  KpiRequest request;
  request.period = args.period;
  request.by = args.by;
  request.as_of = args.as_of;
  request.agency_id = args.agency_id;
  const core::Instant now = WallNow();
  auto store = OpenForKpi(args.db_path, request, now);
  if (!store.ok()) return ReportError("kpi", store.status());
  auto report = QueryKpi(**store, **reference, request, nullptr, now);
  if (!report.ok()) return ReportError("kpi", report.status());
  if (args.format == "json") {
    std::printf("%s\n", KpiReportJson(*report).c_str());
  } else if (args.format == "csv") {
    std::fputs(KpiReportCsv(*report).c_str(), stdout);
  } else {
    PrintKpiTable(*report, stdout, args.only_active);
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
  command->add_option("--agency", args->agency_id,
                      "only this agency's dossiers (--by agency: its row; --by procedure: its "
                      "procedures)");
  command->add_flag("--active", args->only_active,
                    "table: hide rows with no dossier in the period and none open");
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunKpi(*args); });
}

}  // namespace hoso::tools
