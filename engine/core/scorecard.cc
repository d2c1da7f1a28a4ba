#include "engine/core/scorecard.h"

#include <utility>

namespace hoso::core {

std::optional<bool> ScorecardRow::all_met() const {
  if (missed > 0) return false;
  if (met > 0) return true;
  return std::nullopt;
}

ScorecardRow ScoreRow(std::string key, const KpiRatios& ratios, const PlanTargets& plan) {
  ScorecardRow row;
  row.key = std::move(key);
  for (const PlanTarget& target : plan.targets) {
    TargetResult result;
    result.measure = target.measure;
    result.value = MeasureValue(ratios, target.measure);
    result.target = target.minimum;
    result.verdict = JudgeTarget(result.value, target.minimum);
    switch (result.verdict) {
      case TargetVerdict::kMet:
        ++row.met;
        break;
      case TargetVerdict::kMissed:
        ++row.missed;
        break;
      case TargetVerdict::kNoData:
        ++row.no_data;
        break;
    }
    row.results.push_back(result);
  }
  return row;
}

}  // namespace hoso::core
