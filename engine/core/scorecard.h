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
  std::optional<double> value;  // nullopt: the ratio has no denominator
  double target = 0;            // the plan's minimum
  TargetVerdict verdict = TargetVerdict::kNoData;
};

struct ScorecardRow {
  std::string key;                    // agency_id, or "total" for the district
  std::vector<TargetResult> results;  // one per target of the plan, in its order
  int met = 0;
  int missed = 0;
  int no_data = 0;
  // true: every target with data is met (and at least one has data); false:
  // one is missed; nullopt: no target has data.
  std::optional<bool> all_met() const;
};

// Judges `ratios` against every target of `plan`.
ScorecardRow ScoreRow(std::string key, const KpiRatios& ratios, const PlanTargets& plan);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_SCORECARD_H_
