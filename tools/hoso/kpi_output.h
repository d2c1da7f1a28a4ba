// Rendering of a KPI report: JSON (design.md §5), CSV, and a table against
// the plan's targets for people.
#ifndef HOSO_TOOLS_HOSO_KPI_OUTPUT_H_
#define HOSO_TOOLS_HOSO_KPI_OUTPUT_H_

#include <cstdio>
#include <string>

#include "projections/kpi_query.h"

namespace hoso::tools {

// {"period", "as_of", "by", "rows": [{"agency_id"|"procedure_id", counters…,
// "open", "open_overdue", ratios…}], "total": {…}}; null for zero denominators.
std::string KpiReportJson(const projections::KpiReport& report);
std::string KpiReportCsv(const projections::KpiReport& report);
// A fixed-width table; ratios that miss their plan target are marked "✗".
// `only_active` hides rows with no dossier in the period and none open.
void PrintKpiTable(const projections::KpiReport& report, std::FILE* out, bool only_active = false);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_KPI_OUTPUT_H_
