// The plan scorecard (`hoso scorecard`, /v1/scorecard): per ward and district
// office, and for the district, every target of the plan (Reference's
// plan_targets) with its value, target and verdict. Built from a KPI report
// grouped by agency (queries.h QueryKpi), so its figures are exactly those of
// `hoso kpi` for the same period and as-of; only the judging is added.
#ifndef HOSO_TOOLS_HOSO_SCORECARD_H_
#define HOSO_TOOLS_HOSO_SCORECARD_H_

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/plan_targets.h"
#include "engine/core/scorecard.h"
#include "projections/kpi_query.h"
#include "tools/hoso/context.h"

namespace hoso::tools {

struct ScorecardUnit {
  std::string name;  // from the agency list; empty for an unlisted unit
  std::string kind;  // "ward", "district_office", "unlisted" or "district" (the total)
  core::ScorecardRow row;
};

struct Scorecard {
  projections::Period period;
  core::Instant as_of;
  core::PlanTargets plan;
  std::vector<std::string> half_year_labels;  // WholeHalfYears of the period
  // The wards and district offices of the agency list in its order, then the
  // units missing from it that the data holds (by id). The district's own
  // entry in the list is not a row: the total is the district's row.
  std::vector<ScorecardUnit> units;
  ScorecardUnit total;  // the whole district: every dossier of every unit
};

// The labels of the whole half-years of `period` ("2019-H1", "2019-H2" for
// "2019"; the period itself for a half-year; none for a quarter or a month):
// the dialogue target is judged on each (core::JudgeDialogues).
std::vector<std::string> WholeHalfYears(const projections::Period& period);

// `report` and `half_years` (one report per WholeHalfYears label, in order,
// as of report.as_of) must be grouped by agency and not restricted to one
// agency.
Scorecard BuildScorecard(const projections::KpiReport& report,
                         const std::vector<projections::KpiReport>& half_years,
                         const Reference& reference);
// The same, with the half-year reports asked for: `half_year_report(label)`
// for each WholeHalfYears label of report.period, in order; it must report
// as of report.as_of. Its first failure is returned.
core::Result<Scorecard> BuildScorecard(
    const projections::KpiReport& report,
    const std::function<core::Result<projections::KpiReport>(const std::string& label)>&
        half_year_report,
    const Reference& reference);

// {"period", "as_of", "plan": {"version", "title"}, "targets": [{"measure",
// "title", "minimum"}], "rows": [{"agency_id", "name", "kind", "met",
// "missed", "no_data", "all_met", "results": {"<measure>": {"value",
// "target", "status": "met"|"missed"|"no_data"}}}], "total": {…}}; values
// rounded to 4 decimals (RatioJson), null without a denominator. Dialogues:
// "value" the count held in the period, "target" per half-year, "per_year",
// and "half_years": {"2019-H1": n, …}.
nlohmann::ordered_json ScorecardJson(const Scorecard& scorecard);
// agency_id,kind,<measure>,<measure>_target,<measure>_status,…,met,missed,no_data
std::string ScorecardCsv(const Scorecard& scorecard);
// A fixed-width table: one column per target ("97.1% ✓", "62.0% ✗", "no data").
void PrintScorecardTable(const Scorecard& scorecard, std::FILE* out);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_SCORECARD_H_
