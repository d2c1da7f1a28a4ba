// Scorecard row: one unit's (or the district's) figures judged against every
// target of a plan (plan_targets.h). Pure: the figures come in, verdicts out.
#ifndef HOSO_ENGINE_CORE_SCORECARD_H_
#define HOSO_ENGINE_CORE_SCORECARD_H_

#include <optional>
#include <string>
#include <vector>

#include "engine/core/kpi_counters.h"
#include "engine/core/plan_targets.h"

namespace hoso::core {

struct TargetResult {
  PlanMeasure measure = PlanMeasure::kOnTimeRatio;
  std::optional<double> value;  // nullopt: the ratio has no denominator; kDialogues: held
  double target = 0;            // the plan's minimum (kDialogues: per half-year)
  TargetVerdict verdict = TargetVerdict::kNoData;
  std::vector<int64_t> half_years;  // kDialogues: held in each whole half-year of the period
};

// A unit's score on one indicator of the 766 section (Indicator766).
struct IndicatorResult {
  std::optional<double> value;   // the ratio; nullopt without a denominator
  std::optional<double> points;  // IndicatorPoints; nullopt without a value
};

// A unit's dialogues on administrative procedures in a period.
struct DialogueFigures {
  int64_t held = 0;                 // in the whole period
  std::vector<int64_t> half_years;  // in each whole half-year of the period (JudgeDialogues)
  // The plan sets the target for wards (and the district: every ward met);
  // false: shown, not judged (district offices).
  bool judged = true;
};

struct ScorecardRow {
  std::string key;                    // agency_id, or "total" for the district
  std::vector<TargetResult> results;  // one per target of the plan, in its order
  int met = 0;
  int missed = 0;
  int no_data = 0;
  // The 766 section: one result per plan.indicators_766, in its order; the
  // points earned and the points at stake over the indicators with a value
  // (an indicator without data is neither earned nor lost).
  std::vector<IndicatorResult> indicators;
  double points_766 = 0;
  double max_points_766 = 0;
  // true: every target with data is met (and at least one has data); false:
  // one is missed; nullopt: no target has data.
  std::optional<bool> all_met() const;
};

// The district's dialogue verdict from its wards': missed when one missed,
// met when every judged ward met, no data when none was judged.
TargetVerdict EveryWardVerdict(const std::vector<TargetVerdict>& wards);

// Counts `row`'s verdicts again into met / missed / no_data (after a verdict
// was set by the caller, e.g. EveryWardVerdict).
void RecountVerdicts(ScorecardRow* row);

// Judges `ratios` and `dialogues` against every target of `plan`, and
// scores `ratios` on every indicator of its 766 section.
ScorecardRow ScoreRow(std::string key, const KpiRatios& ratios, const DialogueFigures& dialogues,
                      const PlanTargets& plan);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_SCORECARD_H_
