#include "engine/core/scorecard.h"

#include <utility>

namespace hoso::core {

std::optional<bool> ScorecardRow::all_met() const {
  if (missed > 0) return false;
  if (met > 0) return true;
  return std::nullopt;
}

TargetVerdict EveryWardVerdict(const std::vector<TargetVerdict>& wards) {
  TargetVerdict verdict = TargetVerdict::kNoData;
  for (TargetVerdict ward : wards) {
    if (ward == TargetVerdict::kMissed) return TargetVerdict::kMissed;
    if (ward == TargetVerdict::kMet) verdict = TargetVerdict::kMet;
  }
  return verdict;
}

void RecountVerdicts(ScorecardRow* row) {
  row->met = row->missed = row->no_data = 0;
  for (const TargetResult& result : row->results) {
    switch (result.verdict) {
      case TargetVerdict::kMet:
        ++row->met;
        break;
      case TargetVerdict::kMissed:
        ++row->missed;
        break;
      case TargetVerdict::kNoData:
        ++row->no_data;
        break;
    }
  }
}

ScorecardRow ScoreRow(std::string key, const KpiRatios& ratios, const DialogueFigures& dialogues,
                      const PlanTargets& plan) {
  ScorecardRow row;
  row.key = std::move(key);
  for (const PlanTarget& target : plan.targets) {
    TargetResult result;
    result.measure = target.measure;
    if (target.measure == PlanMeasure::kDialogues) {
      result.value = static_cast<double>(dialogues.held);
      result.target = static_cast<double>(target.per_half_year);
      result.half_years = dialogues.half_years;
      result.verdict = dialogues.judged ? JudgeDialogues(dialogues.half_years, target.per_half_year,
                                                         target.per_year)
                                        : TargetVerdict::kNoData;
    } else {
      result.value = MeasureValue(ratios, target.measure);
      result.target = target.minimum;
      result.verdict = JudgeTarget(result.value, target.minimum);
    }
    row.results.push_back(std::move(result));
  }
  RecountVerdicts(&row);
  for (const Indicator766& indicator : plan.indicators_766) {
    IndicatorResult result;
    result.value = MeasureValue(ratios, indicator.measure);
    result.points = IndicatorPoints(result.value, indicator);
    if (result.points) {
      row.points_766 += *result.points;
      row.max_points_766 += indicator.max_points;
    }
    row.indicators.push_back(result);
  }
  return row;
}

}  // namespace hoso::core
