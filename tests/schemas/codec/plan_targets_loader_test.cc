// The plan targets file (schemas/plan-targets.schema.json): the built-in
// 2019 plan, and every way a hand-edited file can be wrong.
#include <gtest/gtest.h>

#include <string>

#include "engine/core/kpi_counters.h"
#include "schemas/codec/embedded_reference.h"
#include "schemas/codec/reference_loader.h"

namespace hoso::codec {
namespace {

using core::PlanMeasure;

TEST(PlanTargetsLoaderTest, TheBuiltInPlanIsThe2019PlanWithKpiTargetsValues) {
  auto plan = EmbeddedPlanTargets();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->version, "hbt-23-kh-ubnd-2019");
  ASSERT_EQ(plan->targets.size(), 7u);
  // `hoso kpi`'s ✗ and the PostgreSQL view judge by core::KpiTargets: the
  // scorecard's default must not say otherwise.
  const core::KpiTargets kpi;
  const std::pair<PlanMeasure, double> expected[] = {
      {PlanMeasure::kOnTimeRatio, kpi.on_time_ratio},
      {PlanMeasure::kOnlineCoverage, kpi.online_coverage},
      {PlanMeasure::kOnlineProcessingShare, kpi.online_processing_share},
      {PlanMeasure::kOneStopShare, kpi.one_stop_share},
      {PlanMeasure::kApologyCompliance, kpi.apology_compliance},
  };
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(plan->targets[i].measure, expected[i].first) << i;
    EXPECT_EQ(plan->targets[i].minimum, expected[i].second) << i;
    EXPECT_FALSE(plan->targets[i].title.empty()) << i;
  }
  // Every ward: at least one dialogue per half-year, two a year.
  EXPECT_EQ(plan->targets[5].measure, PlanMeasure::kDialogues);
  EXPECT_EQ(plan->targets[5].per_half_year, 1);
  EXPECT_EQ(plan->targets[5].per_year, 2);
  // Every feedback (PAKN) answered on time: a legal deadline, not a quota.
  EXPECT_EQ(plan->targets[6].measure, PlanMeasure::kFeedbackOnTimeRatio);
  EXPECT_EQ(plan->targets[6].minimum, 1.0);
  // The 766 section: 2.1 is worth 20 of the index's 100 points.
  ASSERT_EQ(plan->indicators_766.size(), 4u);
  EXPECT_EQ(plan->indicators_766[0].code, "2.1");
  EXPECT_EQ(plan->indicators_766[0].measure, PlanMeasure::kOnTimeRatio766);
  EXPECT_EQ(plan->indicators_766[0].max_points, 20.0);
  EXPECT_EQ(plan->indicators_766[0].threshold, 1.0);
  EXPECT_EQ(plan->indicators_766[2].measure, PlanMeasure::kFeedbackOnTimeRatio);
  EXPECT_EQ(plan->indicators_766[3].measure, PlanMeasure::kFeedbackSatisfaction);
}

TEST(PlanTargetsLoaderTest, The766SectionIsOptionalAndReadInOrder) {
  auto plan = ParsePlanTargetsJson(R"({"version": "v", "title": "t",
      "targets": [{"measure": "on_time_ratio", "minimum": 0.9, "title": "x"}],
      "indicators_766": [
        {"code": "5.3", "measure": "feedback_satisfaction", "title": "s", "max_points": 6, "threshold": 0.8},
        {"code": "2.1", "measure": "on_time_ratio_766", "title": "o", "max_points": 20, "threshold": 1}]})");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->indicators_766.size(), 2u);
  EXPECT_EQ(plan->indicators_766[0].code, "5.3");
  EXPECT_EQ(plan->indicators_766[0].threshold, 0.8);
  EXPECT_EQ(plan->indicators_766[1].measure, PlanMeasure::kOnTimeRatio766);
  // on_time_ratio_766 may also be a plan target of its own.
  EXPECT_TRUE(ParsePlanTargetsJson(R"({"version": "v", "title": "t",
      "targets": [{"measure": "on_time_ratio_766", "minimum": 0.9, "title": "x"}]})")
                  .ok());
}

TEST(PlanTargetsLoaderTest, AMinimalFileLoads) {
  auto plan = ParsePlanTargetsJson(
      R"({"version": "v", "title": "t", "targets": [{"measure": "online_share", "minimum": 0, "title": "x"}]})");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->targets.size(), 1u);
  EXPECT_EQ(plan->targets[0].measure, PlanMeasure::kOnlineShare);
  EXPECT_EQ(plan->targets[0].minimum, 0.0);
}

TEST(PlanTargetsLoaderTest, BadFilesAreRefusedNamingWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"title": "t", "targets": []})", "version: missing"},
      {R"({"version": "v", "title": "t", "targets": []})", "targets: empty"},
      {R"({"version": "v", "title": "t", "targets": {}})", "targets: not an array"},
      {R"({"version": "v", "title": "t", "extra": 1, "targets": []})", "extra: unknown field"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "speed", "minimum": 1, "title": "x"}]})",
       "targets[0].measure: must be one of"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1.5, "title": "x"}]})",
       "targets[0].minimum: out of range 0..1"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": "95%", "title": "x"}]})",
       "targets[0].minimum: not a number"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1}]})",
       "targets[0].title: missing"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1, "title": "x", "who": "y"}]})",
       "targets[0].who: unknown field"},
      {R"({"version": "v", "title": "t", "targets": [
          {"measure": "on_time_ratio", "minimum": 1, "title": "x"},
          {"measure": "on_time_ratio", "minimum": 0.9, "title": "y"}]})",
       "targets[1].measure: 'on_time_ratio' is listed twice"},
      {R"({"version": "v", "version": "w", "title": "t", "targets": []})", "duplicate key"},
      {R"({"version": "v", )", "not valid JSON"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "dialogues", "minimum": 1, "title": "x"}]})",
       "targets[0].minimum: unknown field"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "dialogues", "per_half_year": -1, "per_year": 2, "title": "x"}]})",
       "targets[0].per_half_year: out of range"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "per_year": 2, "title": "x"}]})",
       "targets[0].per_year: unknown field"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1, "title": "x"}],
          "indicators_766": {}})",
       "indicators_766: not an array"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1, "title": "x"}],
          "indicators_766": [{"code": "9.9", "measure": "dialogues", "title": "d", "max_points": 1, "threshold": 1}]})",
       "indicators_766[0].measure: 'dialogues' is not a ratio"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1, "title": "x"}],
          "indicators_766": [{"code": "2.1", "measure": "on_time_ratio_766", "title": "o", "max_points": 20, "threshold": 0}]})",
       "indicators_766[0].threshold: must be above 0"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1, "title": "x"}],
          "indicators_766": [{"code": "2.1", "measure": "on_time_ratio_766", "title": "o", "max_points": 0, "threshold": 1}]})",
       "indicators_766[0].max_points: must be above 0"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1, "title": "x"}],
          "indicators_766": [{"code": "2.1", "measure": "on_time_ratio_766", "title": "o", "max_points": 20}]})",
       "indicators_766[0].threshold: missing"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1, "title": "x"}],
          "indicators_766": [
            {"code": "2.1", "measure": "on_time_ratio_766", "title": "o", "max_points": 20, "threshold": 1},
            {"code": "2.1", "measure": "on_time_ratio", "title": "p", "max_points": 20, "threshold": 1}]})",
       "indicators_766[1].code: '2.1' is listed twice"},
      {R"({"version": "v", "title": "t", "targets": [{"measure": "on_time_ratio", "minimum": 1, "title": "x"}],
          "indicators_766": [{"code": "2.1", "measure": "on_time_ratio_766", "title": "o", "max_points": 20, "threshold": 1, "weight": 2}]})",
       "indicators_766[0].weight: unknown field"},
  };
  for (const auto& [text, message] : cases) {
    auto plan = ParsePlanTargetsJson(text);
    ASSERT_FALSE(plan.ok()) << text;
    EXPECT_EQ(plan.status().code(), core::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(plan.status().message().find(message), std::string::npos)
        << text << " -> " << plan.status().message();
  }
}

TEST(PlanTargetsLoaderTest, AMissingFileIsAnIoErrorNamingIt) {
  auto plan = LoadPlanTargetsFile("/nonexistent/plan.json");
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("/nonexistent/plan.json"), std::string::npos);
}

}  // namespace
}  // namespace hoso::codec
