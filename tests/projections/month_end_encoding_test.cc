// A month end's stored value (docs/storage.md "Month-end figures") reads
// back as what the engine encoded, and a damaged one is refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "projections/month_end_figures.h"

namespace hoso::projections {
namespace {

TEST(MonthEndEncodingTest, AValueReadsBackAsEncoded) {
  const int month_key = 201906;
  const core::Instant as_of = MonthEndInstant(month_key);
  std::vector<SummedKpiCell> cells(2);
  cells[0] = {201905, "ward-a", "p1", {}};
  cells[0].counters[core::KpiField::kReceived] = 5;
  cells[1] = {201906, "ward-b", "p2", {}};
  cells[1].counters[core::KpiField::kResolvedLate] = 3;
  std::vector<core::OpenCell> open(1);
  open[0].agency_id = "ward-a";
  open[0].procedure_id = "p1";
  open[0].open = 4;
  open[0].open_overdue = 1;
  open[0].feedback_open = 2;
  open[0].feedback_open_overdue = 1;

  const std::string value = EncodeMonthEndFigures(as_of, 12345, cells, open);
  auto figures = DecodeMonthEndFigures(value);
  ASSERT_TRUE(figures.ok()) << figures.status().ToString();
  EXPECT_EQ(figures->as_of, as_of);
  EXPECT_EQ(figures->month_key, month_key);
  EXPECT_EQ(figures->first_sequence_after, 12345u);
  ASSERT_EQ(figures->cells.size(), 2u);
  EXPECT_EQ((figures->cells.at(KpiKey{201905, "ward-a", "p1", 0})), cells[0].counters);
  EXPECT_EQ((figures->cells.at(KpiKey{201906, "ward-b", "p2", 0})), cells[1].counters);
  ASSERT_EQ(figures->open.size(), 1u);
  EXPECT_EQ(figures->open[0].agency_id, "ward-a");
  EXPECT_EQ(figures->open[0].procedure_id, "p1");
  EXPECT_EQ(figures->open[0].open, 4);
  EXPECT_EQ(figures->open[0].open_overdue, 1);
  EXPECT_EQ(figures->open[0].feedback_open, 2);
  EXPECT_EQ(figures->open[0].feedback_open_overdue, 1);

  EXPECT_FALSE(DecodeMonthEndFigures(value.substr(0, value.size() - 1)).ok());
}

}  // namespace
}  // namespace hoso::projections
