// Deadline rules of docs/time-rules.md and alert instants of docs/alerts.md, checked against
// every worked case and the KPI fixture of docs/domain.md.
#include "engine/core/deadline_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/core/instant.h"
#include "engine/core/working_calendar.h"
#include "schemas/codec/calendar_loader.h"

namespace hoso::core {
namespace {

WorkingCalendar MakeCalendar() {
  Result<CalendarData> data =
      codec::LoadCalendarFile(std::string(HOSO_SOURCE_DIR) + "/schemas/reference/calendar-vn.json");
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  Result<WorkingCalendar> calendar = WorkingCalendar::Create(data.ok() ? *data : CalendarData{});
  EXPECT_TRUE(calendar.ok()) << calendar.status().ToString();
  return *calendar;
}

// Local time "YYYY-MM-DDTHH:MM" in UTC+07:00.
LocalMinute Local(const std::string& date_time) {
  Result<Instant> instant = ParseRfc3339(date_time + ":00+07:00");
  EXPECT_TRUE(instant.ok()) << date_time << ": " << instant.status().ToString();
  return ToLocalMinute(*instant);
}

int64_t Day(const char* date) {
  Result<CivilDate> parsed = ParseCivilDate(date);
  EXPECT_TRUE(parsed.ok()) << date;
  return DaysFromCivil(*parsed);
}

std::string Text(const Result<LocalMinute>& minute) {
  return minute.ok() ? FormatLocal(*minute) : minute.status().ToString();
}

constexpr ProcessingTime WorkingDays(int days) { return {ProcessingKind::kWorkingDays, days}; }
constexpr ProcessingTime CalendarDays(int days) { return {ProcessingKind::kCalendarDays, days}; }
constexpr ProcessingTime kSameDay{ProcessingKind::kSameDay, 0};

class DeadlineRulesTest : public ::testing::Test {
 protected:
  std::string Due(const std::string& received, ProcessingTime processing) {
    return Text(ComputeDueAt(calendar_, Local(received), processing));
  }
  std::string Start(const std::string& received) {
    return Text(EffectiveStart(calendar_, Local(received)));
  }

  const WorkingCalendar calendar_ = MakeCalendar();
};

// --- Worked cases of docs/domain.md ---

TEST_F(DeadlineRulesTest, HolidayInside) {
  // Mon 15/4/2019 is the compensatory day for Giỗ Tổ.
  EXPECT_EQ(Due("2019-04-12T10:00", WorkingDays(3)), "2019-04-18T10:00:00+07:00");
}

TEST_F(DeadlineRulesTest, AcrossTet2019) {
  EXPECT_EQ(Due("2019-01-31T09:00", WorkingDays(3)), "2019-02-12T09:00:00+07:00");
}

TEST_F(DeadlineRulesTest, SameDayBeforeCutoff) {
  const LocalMinute due = *ComputeDueAt(calendar_, Local("2019-03-04T14:30"), kSameDay);
  EXPECT_EQ(FormatLocal(due), "2019-03-04T17:00:00+07:00");
  EXPECT_EQ(Classify(Local("2019-03-05T10:00"), due), Classification::kLate);
  EXPECT_EQ(Classify(Local("2019-03-04T16:59"), due), Classification::kOnTime);
  EXPECT_EQ(Classify(Local("2019-03-04T17:00"), due), Classification::kOnTime);
}

TEST_F(DeadlineRulesTest, SameDayAfterCutoff) {
  const LocalMinute due = *ComputeDueAt(calendar_, Local("2019-03-04T15:10"), kSameDay);
  EXPECT_EQ(FormatLocal(due), "2019-03-05T17:00:00+07:00");
  EXPECT_EQ(Classify(Local("2019-03-05T10:00"), due), Classification::kOnTime);
  // Finished the day of receipt, before the due date: early.
  EXPECT_EQ(Classify(Local("2019-03-04T16:00"), due), Classification::kEarly);
}

TEST_F(DeadlineRulesTest, SaturdayReceipt) {
  EXPECT_EQ(Start("2019-03-09T09:00"), "2019-03-11T08:00:00+07:00");
  EXPECT_EQ(Due("2019-03-09T09:00", WorkingDays(3)), "2019-03-14T08:00:00+07:00");
}

TEST_F(DeadlineRulesTest, PauseKeepsTheRemainingWorkingMinutes) {
  const LocalMinute due = *ComputeDueAt(calendar_, Local("2019-06-03T09:00"), WorkingDays(5));
  EXPECT_EQ(FormatLocal(due), "2019-06-10T09:00:00+07:00");
  const int64_t remaining = *calendar_.WorkingMinutesBetween(Local("2019-06-05T16:00"), due);
  EXPECT_EQ(remaining, 1200);
  EXPECT_EQ(Text(calendar_.AddWorkingMinutes(Local("2019-06-12T09:00"), remaining)),
            "2019-06-14T11:00:00+07:00");
  // Resumed outside office hours: the count starts at the next opening.
  EXPECT_EQ(Text(calendar_.AddWorkingMinutes(Local("2019-06-12T18:30"), remaining)),
            "2019-06-17T10:00:00+07:00");
  // R = 0: the first office instant at or after the resumption.
  EXPECT_EQ(Text(calendar_.AddWorkingMinutes(Local("2019-06-15T10:00"), 0)),
            "2019-06-17T08:00:00+07:00");
}

TEST_F(DeadlineRulesTest, ApologyTimelinessAroundNationalDay) {
  const LocalMinute due = *ComputeDueAt(calendar_, Local("2019-08-26T09:00"), WorkingDays(5));
  EXPECT_EQ(FormatLocal(due), "2019-09-03T09:00:00+07:00");  // Mon 2/9 is a holiday
  EXPECT_EQ(*LastApologyDay(calendar_, due), Day("2019-08-30"));
  EXPECT_TRUE(*IsApologyTimely(calendar_, Local("2019-08-29T10:00"), due));
  EXPECT_TRUE(*IsApologyTimely(calendar_, Local("2019-08-30T16:59"), due));
  // The whole last day counts, even after closing, as do the days off between.
  EXPECT_TRUE(*IsApologyTimely(calendar_, Local("2019-08-30T20:00"), due));
  EXPECT_FALSE(*IsApologyTimely(calendar_, Local("2019-08-31T09:00"), due));
  EXPECT_FALSE(*IsApologyTimely(calendar_, Local("2019-09-02T09:00"), due));
  EXPECT_FALSE(*IsApologyTimely(calendar_, Local("2019-09-03T08:00"), due));
}

TEST_F(DeadlineRulesTest, Tet2024) {
  EXPECT_EQ(Due("2024-01-29T09:00", WorkingDays(15)), "2024-02-26T09:00:00+07:00");
}

// --- KPI fixture of docs/domain.md (ward phuong-bach-khoa, 2019-06) ---

TEST_F(DeadlineRulesTest, KpiFixtureDueDates) {
  EXPECT_EQ(Due("2019-06-03T10:00", kSameDay), "2019-06-03T17:00:00+07:00");         // D1
  EXPECT_EQ(Due("2019-06-04T09:00", WorkingDays(3)), "2019-06-07T09:00:00+07:00");   // D2
  EXPECT_EQ(Due("2019-06-05T09:00", WorkingDays(3)), "2019-06-10T09:00:00+07:00");   // D3
  EXPECT_EQ(Due("2019-06-06T09:00", WorkingDays(3)), "2019-06-11T09:00:00+07:00");   // D4
  EXPECT_EQ(Due("2019-06-24T09:00", WorkingDays(5)), "2019-07-01T09:00:00+07:00");   // D5
  EXPECT_EQ(Due("2019-06-17T09:00", WorkingDays(3)), "2019-06-20T09:00:00+07:00");   // D6
  EXPECT_EQ(Due("2019-06-18T09:00", WorkingDays(3)), "2019-06-21T09:00:00+07:00");   // D7
  EXPECT_EQ(Due("2019-05-24T09:00", WorkingDays(10)), "2019-06-07T09:00:00+07:00");  // D9
}

TEST_F(DeadlineRulesTest, KpiFixtureClassifications) {
  auto classify = [&](const std::string& received, ProcessingTime processing,
                      const std::string& resolved) {
    const LocalMinute due = *ComputeDueAt(calendar_, Local(received), processing);
    return ClassificationName(Classify(Local(resolved), due));
  };
  EXPECT_EQ(classify("2019-06-03T10:00", kSameDay, "2019-06-03T11:00"), "on_time");        // D1
  EXPECT_EQ(classify("2019-06-04T09:00", WorkingDays(3), "2019-06-06T14:00"), "early");    // D2
  EXPECT_EQ(classify("2019-06-05T09:00", WorkingDays(3), "2019-06-10T08:45"), "on_time");  // D3
  EXPECT_EQ(classify("2019-06-06T09:00", WorkingDays(3), "2019-06-12T10:00"), "late");     // D4
  EXPECT_EQ(classify("2019-06-18T09:00", WorkingDays(3), "2019-06-21T08:30"), "on_time");  // D7
  EXPECT_EQ(classify("2019-05-24T09:00", WorkingDays(10), "2019-06-06T10:00"), "early");   // D9
  // D4's apology on Mon 10/06 10:00 is timely against due Tue 11/06 09:00.
  EXPECT_TRUE(*IsApologyTimely(calendar_, Local("2019-06-10T10:00"), Local("2019-06-11T09:00")));
}

// --- Edges of the reception rules ---

TEST_F(DeadlineRulesTest, SameDayCutoffIsInclusiveAtFifteenHundred) {
  EXPECT_EQ(Due("2019-06-03T15:00", kSameDay), "2019-06-04T17:00:00+07:00");
  EXPECT_EQ(Due("2019-06-03T14:59", kSameDay), "2019-06-03T17:00:00+07:00");
  // Seconds are truncated first: 14:59:59 is still before the cutoff.
  EXPECT_EQ(Text(ComputeDueAt(calendar_, ToLocalMinute(*ParseRfc3339("2019-06-03T14:59:59+07:00")),
                              kSameDay)),
            "2019-06-03T17:00:00+07:00");
  // Friday after 15:00 → Monday closing; before a holiday → after it.
  EXPECT_EQ(Due("2019-06-07T15:30", kSameDay), "2019-06-10T17:00:00+07:00");
  EXPECT_EQ(Due("2019-08-30T16:00", kSameDay), "2019-09-03T17:00:00+07:00");
}

TEST_F(DeadlineRulesTest, ReceiptBeforeOpening) {
  EXPECT_EQ(Start("2019-06-03T07:15"), "2019-06-03T08:00:00+07:00");
  EXPECT_EQ(Due("2019-06-03T07:15", WorkingDays(3)), "2019-06-06T08:00:00+07:00");
  // Not inside office hours, so the 15:00 rule does not apply: due that evening.
  EXPECT_EQ(Due("2019-06-03T07:15", kSameDay), "2019-06-03T17:00:00+07:00");
}

TEST_F(DeadlineRulesTest, ReceiptAtClosingSharp) {
  // 17:00 is outside office hours: the clock starts the next working morning.
  EXPECT_EQ(Start("2019-06-03T17:00"), "2019-06-04T08:00:00+07:00");
  EXPECT_EQ(Due("2019-06-03T17:00", WorkingDays(3)), "2019-06-07T08:00:00+07:00");
  EXPECT_EQ(Due("2019-06-03T17:00", kSameDay), "2019-06-04T17:00:00+07:00");
  EXPECT_EQ(Start("2019-06-03T16:59"), "2019-06-03T16:59:00+07:00");
  EXPECT_EQ(Due("2019-06-03T16:59", WorkingDays(3)), "2019-06-06T16:59:00+07:00");
}

TEST_F(DeadlineRulesTest, ReceiptOnAHoliday) {
  // Mon 15/4/2019 (Giỗ Tổ, compensatory): start Tue 16/4 08:00.
  EXPECT_EQ(Start("2019-04-15T10:00"), "2019-04-16T08:00:00+07:00");
  EXPECT_EQ(Due("2019-04-15T10:00", WorkingDays(2)), "2019-04-18T08:00:00+07:00");
  EXPECT_EQ(Due("2019-04-15T10:00", kSameDay), "2019-04-16T17:00:00+07:00");
  // During Tết 2019.
  EXPECT_EQ(Start("2019-02-06T09:00"), "2019-02-11T08:00:00+07:00");
}

TEST_F(DeadlineRulesTest, MakeupSaturdayReceiptIsInsideOfficeHours) {
  EXPECT_EQ(Start("2019-01-05T09:00"), "2019-01-05T09:00:00+07:00");
  EXPECT_EQ(Due("2019-01-05T09:00", WorkingDays(1)), "2019-01-07T09:00:00+07:00");
}

TEST_F(DeadlineRulesTest, CalendarDays) {
  // Mon 03/06/2019 09:00 + 15 days = Tue 18/06 09:00, a working day.
  EXPECT_EQ(Due("2019-06-03T09:00", CalendarDays(15)), "2019-06-18T09:00:00+07:00");
  // Landing on Saturday 08/06 moves to Monday 10/06 at the same clock time.
  EXPECT_EQ(Due("2019-06-03T09:00", CalendarDays(5)), "2019-06-10T09:00:00+07:00");
  // Landing on the holiday Mon 02/09/2019 moves to Tue 03/09.
  EXPECT_EQ(Due("2019-08-19T10:30", CalendarDays(14)), "2019-09-03T10:30:00+07:00");
  // Landing inside Tết 2019 (Tue 05/02) moves past it and the weekend.
  EXPECT_EQ(Due("2019-01-22T09:00", CalendarDays(14)), "2019-02-11T09:00:00+07:00");
  // Counted from S, not r: a Saturday receipt counts from Monday 08:00.
  EXPECT_EQ(Due("2019-06-08T09:00", CalendarDays(15)), "2019-06-25T08:00:00+07:00");
}

TEST_F(DeadlineRulesTest, InvalidDayCountsAreRejected) {
  EXPECT_EQ(ComputeDueAt(calendar_, Local("2019-06-03T09:00"), WorkingDays(0)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeDueAt(calendar_, Local("2019-06-03T09:00"), CalendarDays(-1)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(DeadlineRulesTest, DatesPastTheCalendarAreOutOfRange) {
  EXPECT_EQ(ComputeDueAt(calendar_, Local("2026-12-28T09:00"), WorkingDays(10)).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(ComputeDueAt(calendar_, Local("2026-12-20T09:00"), CalendarDays(30)).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(ComputeDueAt(calendar_, Local("2027-01-04T09:00"), kSameDay).status().code(),
            StatusCode::kOutOfRange);
}

// --- Classification edges ---

TEST_F(DeadlineRulesTest, ClassifyComparesInstantsThenDates) {
  const LocalMinute due = Local("2019-06-11T09:00");
  EXPECT_EQ(Classify(Local("2019-06-11T09:00"), due), Classification::kOnTime);
  EXPECT_EQ(Classify(Local("2019-06-11T09:01"), due), Classification::kLate);
  EXPECT_EQ(Classify(Local("2019-06-11T00:00"), due), Classification::kOnTime);
  EXPECT_EQ(Classify(Local("2019-06-10T23:59"), due), Classification::kEarly);
  EXPECT_EQ(ClassificationName(Classification::kEarly), "early");
  EXPECT_EQ(ClassificationName(Classification::kOnTime), "on_time");
  EXPECT_EQ(ClassificationName(Classification::kLate), "late");
}

// --- Alert instants of docs/alerts.md ---

TEST_F(DeadlineRulesTest, AlertInstantsOfTheWorkedExample) {
  const LocalMinute due = Local("2019-06-11T09:00");
  EXPECT_EQ(Text(ApologyDueFiresAt(calendar_, due)), "2019-06-10T08:00:00+07:00");
  EXPECT_EQ(Text(DueSoonFiresAt(calendar_, due, 540)), "2019-06-10T09:00:00+07:00");
}

TEST_F(DeadlineRulesTest, AlertInstantsOfD6) {
  const LocalMinute due = Local("2019-06-20T09:00");
  EXPECT_EQ(Text(ApologyDueFiresAt(calendar_, due)), "2019-06-19T08:00:00+07:00");
  EXPECT_EQ(Text(DueSoonFiresAt(calendar_, due, 540)), "2019-06-19T09:00:00+07:00");
}

TEST_F(DeadlineRulesTest, DueSoonEndingExactlyAtAnOpening) {
  // Due at an opening: 540 minutes back is the previous working day's opening.
  EXPECT_EQ(Text(DueSoonFiresAt(calendar_, Local("2019-06-11T08:00"), 540)),
            "2019-06-10T08:00:00+07:00");
  // Due at a closing (same-day procedures): that day's opening.
  EXPECT_EQ(Text(DueSoonFiresAt(calendar_, Local("2019-06-11T17:00"), 540)),
            "2019-06-11T08:00:00+07:00");
  // Due Monday 08:00: Friday 08:00, across the weekend.
  EXPECT_EQ(Text(DueSoonFiresAt(calendar_, Local("2019-06-10T08:00"), 540)),
            "2019-06-07T08:00:00+07:00");
}

TEST_F(DeadlineRulesTest, AlertInstantsAcrossAHoliday) {
  const LocalMinute due = Local("2019-09-03T09:00");
  EXPECT_EQ(Text(ApologyDueFiresAt(calendar_, due)), "2019-08-30T08:00:00+07:00");
  EXPECT_EQ(Text(DueSoonFiresAt(calendar_, due, 540)), "2019-08-30T09:00:00+07:00");
}

}  // namespace
}  // namespace hoso::core
