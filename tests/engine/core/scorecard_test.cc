// Judging figures against plan targets (engine/core/plan_targets.h,
// scorecard.h): met, missed, no data, and the rounding margin.
#include "engine/core/scorecard.h"

#include <gtest/gtest.h>

namespace hoso::core {
namespace {

PlanTargets Plan2019() {
  PlanTargets plan;
  plan.version = "test";
  plan.targets = {{PlanMeasure::kOnTimeRatio, 0.95, "on time"},
                  {PlanMeasure::kOnlineCoverage, 0.80, "coverage"},
                  {PlanMeasure::kOnlineProcessingShare, 0.40, "online"},
                  {PlanMeasure::kOneStopShare, 1.0, "one-stop"},
                  {PlanMeasure::kApologyCompliance, 1.0, "apology"}};
  return plan;
}

TEST(PlanTargetsTest, ARatioEqualToItsTargetIsMetDespiteRounding) {
  // 19/20 is 0.95 exactly in decimal but not in binary.
  EXPECT_EQ(JudgeTarget(19.0 / 20.0, 0.95), TargetVerdict::kMet);
  EXPECT_EQ(JudgeTarget(57.0 / 60.0, 0.95), TargetVerdict::kMet);
  EXPECT_EQ(JudgeTarget(56.0 / 60.0, 0.95), TargetVerdict::kMissed);
  EXPECT_EQ(JudgeTarget(999.0 / 1000.0, 1.0), TargetVerdict::kMissed);
  EXPECT_EQ(JudgeTarget(std::nullopt, 0.95), TargetVerdict::kNoData);
  EXPECT_EQ(JudgeTarget(0.0, 0.0), TargetVerdict::kMet);
}

TEST(PlanTargetsTest, NamesRoundTrip) {
  for (int i = 0; i < kPlanMeasureCount; ++i) {
    const auto measure = static_cast<PlanMeasure>(i);
    EXPECT_EQ(PlanMeasureFromName(PlanMeasureName(measure)), measure);
  }
  EXPECT_EQ(PlanMeasureFromName("on_time"), std::nullopt);
  EXPECT_EQ(TargetVerdictName(TargetVerdict::kNoData), "no_data");
}

TEST(ScorecardTest, EachTargetIsJudgedOnItsOwnRatio) {
  KpiRatios ratios;
  ratios.on_time_ratio = 0.96;            // met
  ratios.online_coverage = 0.5;           // missed
  ratios.online_processing_share = 0.40;  // met, exactly
  ratios.one_stop_share = 1.0;            // met
  ratios.online_share = 0.1;              // not a target of this plan
  const ScorecardRow row = ScoreRow("phuong-x", ratios, DialogueFigures{}, Plan2019());
  EXPECT_EQ(row.key, "phuong-x");
  ASSERT_EQ(row.results.size(), 5u);
  EXPECT_EQ(row.results[0].verdict, TargetVerdict::kMet);
  EXPECT_EQ(row.results[0].target, 0.95);
  EXPECT_EQ(row.results[1].verdict, TargetVerdict::kMissed);
  EXPECT_EQ(row.results[1].value, 0.5);
  EXPECT_EQ(row.results[2].verdict, TargetVerdict::kMet);
  EXPECT_EQ(row.results[3].verdict, TargetVerdict::kMet);
  EXPECT_EQ(row.results[4].verdict, TargetVerdict::kNoData);  // nothing late
  EXPECT_EQ(row.met, 3);
  EXPECT_EQ(row.missed, 1);
  EXPECT_EQ(row.no_data, 1);
  EXPECT_EQ(row.all_met(), false);
}

TEST(ScorecardTest, AllMetNeedsOneTargetWithData) {
  const ScorecardRow empty = ScoreRow("idle", KpiRatios{}, DialogueFigures{}, Plan2019());
  EXPECT_EQ(empty.no_data, 5);
  EXPECT_EQ(empty.all_met(), std::nullopt);
  KpiRatios one;
  one.apology_compliance = 1.0;
  EXPECT_EQ(ScoreRow("one", one, DialogueFigures{}, Plan2019()).all_met(), true);
}

TEST(ScorecardTest, DialoguesAreJudgedPerHalfYearAndOnlyWhereJudged) {
  PlanTargets plan;
  PlanTarget dialogues;
  dialogues.measure = PlanMeasure::kDialogues;
  dialogues.per_half_year = 1;
  dialogues.per_year = 2;
  plan.targets = {dialogues};
  DialogueFigures ward;
  ward.held = 2;
  ward.half_years = {2, 0};  // March and April
  const ScorecardRow missed = ScoreRow("w", KpiRatios{}, ward, plan);
  EXPECT_EQ(missed.results[0].verdict, TargetVerdict::kMissed);
  EXPECT_EQ(missed.results[0].value, 2.0);
  EXPECT_EQ(missed.results[0].half_years, (std::vector<int64_t>{2, 0}));
  ward.half_years = {1, 1};  // March and September
  EXPECT_EQ(ScoreRow("w", KpiRatios{}, ward, plan).results[0].verdict, TargetVerdict::kMet);
  ward.judged = false;  // an office: shown, not judged
  EXPECT_EQ(ScoreRow("o", KpiRatios{}, ward, plan).results[0].verdict, TargetVerdict::kNoData);
  EXPECT_EQ(EveryWardVerdict({TargetVerdict::kMet, TargetVerdict::kMissed}),
            TargetVerdict::kMissed);
  EXPECT_EQ(EveryWardVerdict({TargetVerdict::kMet, TargetVerdict::kMet}), TargetVerdict::kMet);
  EXPECT_EQ(EveryWardVerdict({}), TargetVerdict::kNoData);
}

TEST(ScorecardTest, An766IndicatorEarnsItsPointsInProportionUpToItsThreshold) {
  Indicator766 proportional{"2.1", PlanMeasure::kOnTimeRatio766, "on time", 20, 1.0};
  EXPECT_EQ(IndicatorPoints(0.75, proportional), 15.0);
  EXPECT_EQ(IndicatorPoints(1.0, proportional), 20.0);
  EXPECT_EQ(IndicatorPoints(19.0 / 20.0, proportional), 19.0);  // no point lost to rounding
  EXPECT_EQ(IndicatorPoints(std::nullopt, proportional), std::nullopt);
  // With a threshold of 50 %, half of it earns half the points and more
  // than it earns no more than all of them.
  Indicator766 half{"3.3", PlanMeasure::kOnlineShare, "online", 6, 0.5};
  EXPECT_EQ(IndicatorPoints(0.25, half), 3.0);
  EXPECT_EQ(IndicatorPoints(0.8, half), 6.0);
  EXPECT_EQ(IndicatorPoints(0.0, half), 0.0);
  EXPECT_EQ(IndicatorPoints(1.0 / 3.0, {"x", PlanMeasure::kOnlineShare, "x", 6, 1.0}), 2.0);
  EXPECT_EQ(IndicatorPoints(2.0 / 3.0, {"x", PlanMeasure::kOnlineShare, "x", 10, 1.0}), 6.67);
}

TEST(ScorecardTest, The766SectionCountsOnlyIndicatorsWithData) {
  PlanTargets plan = Plan2019();
  plan.indicators_766 = {{"2.1", PlanMeasure::kOnTimeRatio766, "on time", 20, 1.0},
                         {"5.2", PlanMeasure::kFeedbackOnTimeRatio, "pakn", 6, 1.0}};
  KpiRatios ratios;
  ratios.on_time_ratio = 0.75;
  ratios.on_time_ratio_766 = 0.9;  // an open dossier not yet due counts as on time
  const ScorecardRow no_feedback = ScoreRow("w", ratios, DialogueFigures{}, plan);
  ASSERT_EQ(no_feedback.indicators.size(), 2u);
  EXPECT_EQ(no_feedback.indicators[0].value, 0.9);
  EXPECT_EQ(no_feedback.indicators[0].points, 18.0);
  EXPECT_EQ(no_feedback.indicators[1].points, std::nullopt);
  EXPECT_EQ(no_feedback.points_766, 18.0);
  EXPECT_EQ(no_feedback.max_points_766, 20.0);  // 5.2 has nothing to score
  ratios.feedback_on_time_ratio = 0.5;
  const ScorecardRow with_feedback = ScoreRow("w", ratios, DialogueFigures{}, plan);
  EXPECT_EQ(with_feedback.points_766, 21.0);
  EXPECT_EQ(with_feedback.max_points_766, 26.0);
  // The 766 section judges nothing: the plan's verdicts are unchanged.
  EXPECT_EQ(with_feedback.met, no_feedback.met);
  EXPECT_EQ(with_feedback.missed, no_feedback.missed);
}

}  // namespace
}  // namespace hoso::core
