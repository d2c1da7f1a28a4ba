// Rendering of a KPI report: JSON (docs/cli.md), CSV, and a table against
// the plan's targets for people.
#ifndef HOSO_TOOLS_HOSO_KPI_OUTPUT_H_
#define HOSO_TOOLS_HOSO_KPI_OUTPUT_H_

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "projections/kpi_query.h"

namespace hoso::tools {

// A ratio as JSON: rounded to 4 decimals so the figures read the same on
// every machine (the counters they come from are exact); null without a
// denominator.
nlohmann::ordered_json RatioJson(const std::optional<double>& ratio);
// Whether `ratio` falls short of the plan's `target`: core::MissesTarget (with a 1e-12 margin, so
// a ratio equal to its target in exact arithmetic is never a miss): the one
// rule behind the table's ✗ and /v1/targets' `met`.
bool MissesTarget(double ratio, double target);

// {"period", "as_of", "by", "rows": [{"agency_id"|"procedure_id", counters…,
// "open", "open_overdue", ratios…}], "total": {…}}; null for zero denominators.
std::string KpiReportJson(const projections::KpiReport& report);
std::string KpiReportCsv(const projections::KpiReport& report);
// A fixed-width table; ratios that miss their plan target are marked "✗".
// `only_active` hides rows with no dossier in the period and none open.
void PrintKpiTable(const projections::KpiReport& report, std::FILE* out, bool only_active = false);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_KPI_OUTPUT_H_
