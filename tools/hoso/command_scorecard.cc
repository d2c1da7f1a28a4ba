// hoso scorecard --db DIR --period P [--as-of T] [--format table|json|csv] [--targets FILE]
#include <cstdio>

#include "projections/kpi_query.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/queries.h"
#include "tools/hoso/scorecard.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string db_path;
  std::string period;
  std::string as_of;
  std::string format = "table";
  ReferenceOptions reference;
};

int RunScorecard(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("scorecard", reference.status());
  auto period = projections::ParsePeriod(args.period);
  if (!period.ok()) return ReportError("scorecard", period.status());
  KpiRequest request;
  request.period = args.period;
  request.as_of = args.as_of;
  const core::Instant now = WallNow();
  auto store = OpenForKpi(args.db_path, request, now);
  if (!store.ok()) return ReportError("scorecard", store.status());
  auto report = QueryKpi(**store, **reference, request, nullptr, now);
  if (!report.ok()) return ReportError("scorecard", report.status());
  auto scorecard = BuildScorecard(
      *report,
      [&](const std::string& half) {
        KpiRequest half_request;
        half_request.period = half;
        half_request.as_of = core::FormatLocal(report->as_of);
        return QueryKpi(**store, **reference, half_request, nullptr, now);
      },
      **reference);
  if (!scorecard.ok()) return ReportError("scorecard", scorecard.status());
  if (args.format == "json") {
    std::printf("%s\n", ScorecardJson(*scorecard).dump(2).c_str());
  } else if (args.format == "csv") {
    std::fputs(ScorecardCsv(*scorecard).c_str(), stdout);
  } else {
    PrintScorecardTable(*scorecard, stdout);
  }
  return kExitOk;
}

}  // namespace

void RegisterScorecard(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "scorecard",
      "every ward and district office against each target of the plan (docs/plan-targets.md)");
  command->add_option("--db", args->db_path, "database directory")->required();
  command->add_option("--period", args->period, "YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY")->required();
  command->add_option("--as-of", args->as_of,
                      "instant (RFC 3339, or YYYY-MM-DD = end of that day); default: end of "
                      "the period, or now if earlier");
  command->add_option("--format", args->format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv"}));
  AddTargetsOption(command, &args->reference);
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunScorecard(*args); });
}

}  // namespace hoso::tools
