#include "engine/core/plan_targets.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace hoso::core {
namespace {

constexpr std::array<std::string_view, kPlanMeasureCount> kMeasureNames = {
    "on_time_ratio",
    "online_coverage",
    "online_processing_share",
    "one_stop_share",
    "apology_compliance",
    "online_share",
    "dialogues",
    "feedback_on_time_ratio",
    "feedback_online_share",
    "feedback_satisfaction",
    "on_time_ratio_766"};

}  // namespace

std::string_view PlanMeasureName(PlanMeasure measure) {
  return kMeasureNames[static_cast<int>(measure)];
}

std::optional<PlanMeasure> PlanMeasureFromName(std::string_view name) {
  for (int i = 0; i < kPlanMeasureCount; ++i) {
    if (kMeasureNames[i] == name) return static_cast<PlanMeasure>(i);
  }
  return std::nullopt;
}

std::string_view TargetVerdictName(TargetVerdict verdict) {
  switch (verdict) {
    case TargetVerdict::kMet:
      return "met";
    case TargetVerdict::kMissed:
      return "missed";
    case TargetVerdict::kNoData:
      return "no_data";
  }
  return "no_data";
}

bool MissesTarget(double value, double minimum) { return value + 1e-12 < minimum; }

TargetVerdict JudgeTarget(std::optional<double> value, double minimum) {
  if (!value) return TargetVerdict::kNoData;
  return MissesTarget(*value, minimum) ? TargetVerdict::kMissed : TargetVerdict::kMet;
}

std::optional<double> MeasureValue(const KpiRatios& ratios, PlanMeasure measure) {
  switch (measure) {
    case PlanMeasure::kOnTimeRatio:
      return ratios.on_time_ratio;
    case PlanMeasure::kOnlineCoverage:
      return ratios.online_coverage;
    case PlanMeasure::kOnlineProcessingShare:
      return ratios.online_processing_share;
    case PlanMeasure::kOneStopShare:
      return ratios.one_stop_share;
    case PlanMeasure::kApologyCompliance:
      return ratios.apology_compliance;
    case PlanMeasure::kOnlineShare:
      return ratios.online_share;
    case PlanMeasure::kDialogues:
      return std::nullopt;
    case PlanMeasure::kFeedbackOnTimeRatio:
      return ratios.feedback_on_time_ratio;
    case PlanMeasure::kFeedbackOnlineShare:
      return ratios.feedback_online_share;
    case PlanMeasure::kFeedbackSatisfaction:
      return ratios.feedback_satisfaction;
    case PlanMeasure::kOnTimeRatio766:
      return ratios.on_time_ratio_766;
  }
  return std::nullopt;
}

std::optional<double> IndicatorPoints(std::optional<double> value, const Indicator766& indicator) {
  if (!value) return std::nullopt;
  const double earned = indicator.max_points * std::min(1.0, *value / indicator.threshold);
  // Rounded to hundredths, as the national portal shows points; exact
  // ratios (19 of 20 against 0.95) must not lose a point to rounding.
  return std::round(earned * 100.0 + 1e-9) / 100.0;
}

TargetVerdict JudgeDialogues(const std::vector<int64_t>& half_years, int64_t per_half_year,
                             int64_t per_year) {
  if (half_years.empty()) return TargetVerdict::kNoData;
  int64_t total = 0;
  for (int64_t held : half_years) {
    if (held < per_half_year) return TargetVerdict::kMissed;
    total += held;
  }
  if (half_years.size() == 2 && total < per_year) return TargetVerdict::kMissed;
  return TargetVerdict::kMet;
}

}  // namespace hoso::core
