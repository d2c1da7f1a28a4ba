// Plan targets: the figures a reform plan (Kế hoạch 23/KH-UBND, Hai Bà
// Trưng 2019, by default) requires of every ward and district office, and
// the one rule that judges a value against them.
//
// A plan is configuration (schemas/plan-targets.schema.json): which measures
// it sets a target for and each target's minimum. A measure is a ratio hoso
// already computes (core::KpiRatios, docs/kpis.md); a target is met when the
// value reaches its minimum, missed when it falls short, and has no verdict
// ("no data") when the value has no denominator. The one count among them,
// dialogues with citizens, is judged per half-year (JudgeDialogues).
#ifndef HOSO_ENGINE_CORE_PLAN_TARGETS_H_
#define HOSO_ENGINE_CORE_PLAN_TARGETS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/kpi_counters.h"

namespace hoso::core {

// The measures a plan may set a target for; each names a ratio of
// KpiRatios (same name on the wire as in `hoso kpi`'s JSON).
enum class PlanMeasure {
  kOnTimeRatio,            // resolved early or on time ÷ resolved
  kOnlineCoverage,         // level-3/4 procedures with an online dossier ÷ those offered
  kOnlineProcessingShare,  // resolved online ÷ resolved, over procedures received online
  kOneStopShare,           // received under the one-stop mechanism ÷ received
  kApologyCompliance,      // late dossiers with a timely apology ÷ late dossiers
  kOnlineShare,            // received online ÷ received, over procedures offered online
  kDialogues,              // dialogues on administrative procedures held, per half-year (wards)
  kFeedbackOnTimeRatio,    // feedback (PAKN) answered on time ÷ answered (766 indicator 5.2)
  kFeedbackOnlineShare,    // feedback received online ÷ received
  kFeedbackSatisfaction,   // (answered − late − dissatisfied) ÷ answered (766 indicator 5.3)
  kOnTimeRatio766,         // (on time + open not yet due) ÷ (resolved + open) (766 indicator 2.1)
};
inline constexpr int kPlanMeasureCount = 11;
std::string_view PlanMeasureName(PlanMeasure measure);
std::optional<PlanMeasure> PlanMeasureFromName(std::string_view name);

struct PlanTarget {
  PlanMeasure measure = PlanMeasure::kOnTimeRatio;
  double minimum = 0;  // a ratio in [0, 1]; met when value >= minimum (ratios only)
  std::string title;   // what the plan calls it, for people
  // kDialogues only: at least this many in each half-year, and in a year.
  int64_t per_half_year = 0;
  int64_t per_year = 0;
};

// An indicator of Decision 766/QĐ-TTg's national index that hoso computes
// from its events, and how the index scores it: `max_points` ×
// min(1, value ÷ `threshold`) (IndicatorPoints). Configuration, because the
// index's points and thresholds are set by the decision and its guidance,
// not by hoso (docs/plan-targets.md "The 766 section").
struct Indicator766 {
  std::string code;  // the indicator's number in the decision, e.g. "2.1"
  PlanMeasure measure = PlanMeasure::kOnTimeRatio766;  // a ratio, never kDialogues
  std::string title;
  double max_points = 0;  // > 0
  double threshold = 1;   // in (0, 1]: the value that earns every point
};

struct PlanTargets {
  std::string version;              // e.g. "hbt-23-kh-ubnd-2019"
  std::string title;                // the plan's name
  std::vector<PlanTarget> targets;  // in the order the scorecard shows them; measures unique
  std::vector<Indicator766> indicators_766;  // the 766 section, in order; codes unique
};

enum class TargetVerdict { kMet, kMissed, kNoData };
// "met", "missed", "no_data".
std::string_view TargetVerdictName(TargetVerdict verdict);

// Whether `value` falls short of `minimum`, with a 1e-12 margin so that a
// ratio equal to its target in exact arithmetic (19/20 against 0.95) is
// never a miss because of floating-point rounding.
bool MissesTarget(double value, double minimum);
// kNoData without a value, else kMet or kMissed by MissesTarget.
TargetVerdict JudgeTarget(std::optional<double> value, double minimum);

// The ratio of `ratios` that `measure` names; nullopt for kDialogues (a count).
std::optional<double> MeasureValue(const KpiRatios& ratios, PlanMeasure measure);

// The points an indicator earns for `value`: max_points × min(1, value ÷
// threshold); nullopt without a value (no denominator: nothing to score).
std::optional<double> IndicatorPoints(std::optional<double> value, const Indicator766& indicator);

// The dialogue target over a period: `half_years` holds the dialogues held in
// each whole half-year of the period, in order (two for a year, one for a
// half-year, none for a quarter or a month: the target is set per half-year,
// so a shorter period has no verdict). Met when every half-year has at least
// `per_half_year` and, for a whole year, the year at least `per_year`.
TargetVerdict JudgeDialogues(const std::vector<int64_t>& half_years, int64_t per_half_year,
                             int64_t per_year);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_PLAN_TARGETS_H_
