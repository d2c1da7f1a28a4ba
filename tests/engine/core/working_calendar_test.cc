// WorkingCalendar against the shipped official calendar (docs/domain.md working-day
// counts) and the office-hours edges of docs/time-rules.md.
#include "engine/core/working_calendar.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "engine/core/instant.h"
#include "schemas/codec/calendar_loader.h"

namespace hoso::core {
namespace {

const CalendarData& ShippedData() {
  static const CalendarData* const data = [] {
    Result<CalendarData> loaded = codec::LoadCalendarFile(std::string(HOSO_SOURCE_DIR) +
                                                          "/schemas/reference/calendar-vn.json");
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return new CalendarData(loaded.ok() ? *loaded : CalendarData{});
  }();
  return *data;
}

WorkingCalendar MakeCalendar(CalendarOptions options = {}) {
  Result<WorkingCalendar> calendar = WorkingCalendar::Create(ShippedData(), options);
  EXPECT_TRUE(calendar.ok()) << calendar.status().ToString();
  return *calendar;
}

LocalMinute At(const char* rfc3339) {
  Result<Instant> instant = ParseRfc3339(rfc3339);
  EXPECT_TRUE(instant.ok()) << rfc3339 << ": " << instant.status().ToString();
  return ToLocalMinute(*instant);
}

// Local time with the offset implied: Local("2019-06-03T09:00").
LocalMinute Local(const std::string& date_time) { return At((date_time + ":00+07:00").c_str()); }

int64_t Day(const char* date) {
  Result<CivilDate> parsed = ParseCivilDate(date);
  EXPECT_TRUE(parsed.ok()) << date;
  return DaysFromCivil(*parsed);
}

std::string Text(LocalMinute minute) { return FormatLocal(minute); }

class WorkingCalendarTest : public ::testing::Test {
 protected:
  const WorkingCalendar calendar_ = MakeCalendar();
  const WorkingCalendar without_makeup_ = MakeCalendar({.count_makeup_saturdays = false});

  int64_t WorkingDaysIn(const WorkingCalendar& calendar, int year) {
    const int64_t from = DaysFromCivil({year, 1, 1});
    const int64_t to = DaysFromCivil({year, 12, 31});
    Result<int64_t> count = calendar.CountWorkingDays(from, to);
    EXPECT_TRUE(count.ok()) << count.status().ToString();
    return count.ok() ? *count : -1;
  }
};

TEST_F(WorkingCalendarTest, ShippedDataCoversDecember2018Through2026) {
  EXPECT_EQ(calendar_.version(), "vn-civil-service-2026.1");
  EXPECT_EQ(calendar_.first_day(), Day("2018-12-01"));
  EXPECT_EQ(calendar_.last_day(), Day("2026-12-31"));
  EXPECT_EQ(calendar_.minutes_per_working_day(), 540);
}

// Official counts with make-up Saturdays (docs/domain.md), one test per year.
TEST_F(WorkingCalendarTest, WorkingDays2019Are252) {
  EXPECT_EQ(WorkingDaysIn(calendar_, 2019), 252);
}
TEST_F(WorkingCalendarTest, WorkingDays2020Are252) {
  EXPECT_EQ(WorkingDaysIn(calendar_, 2020), 252);
}
TEST_F(WorkingCalendarTest, WorkingDays2021Are250) {
  EXPECT_EQ(WorkingDaysIn(calendar_, 2021), 250);
}
TEST_F(WorkingCalendarTest, WorkingDays2022Are249) {
  EXPECT_EQ(WorkingDaysIn(calendar_, 2022), 249);
}
TEST_F(WorkingCalendarTest, WorkingDays2023Are249) {
  EXPECT_EQ(WorkingDaysIn(calendar_, 2023), 249);
}
TEST_F(WorkingCalendarTest, WorkingDays2024Are251) {
  EXPECT_EQ(WorkingDaysIn(calendar_, 2024), 251);
}
TEST_F(WorkingCalendarTest, WorkingDays2025Are250) {
  EXPECT_EQ(WorkingDaysIn(calendar_, 2025), 250);
}
TEST_F(WorkingCalendarTest, WorkingDays2026Are250) {
  EXPECT_EQ(WorkingDaysIn(calendar_, 2026), 250);
}

// Without make-up Saturdays each year loses exactly its listed Saturdays.
TEST_F(WorkingCalendarTest, WorkingDaysWithoutMakeupSaturdays) {
  EXPECT_EQ(WorkingDaysIn(without_makeup_, 2019), 250);
  EXPECT_EQ(WorkingDaysIn(without_makeup_, 2020), 252);
  EXPECT_EQ(WorkingDaysIn(without_makeup_, 2021), 250);
  EXPECT_EQ(WorkingDaysIn(without_makeup_, 2022), 249);
  EXPECT_EQ(WorkingDaysIn(without_makeup_, 2023), 249);
  EXPECT_EQ(WorkingDaysIn(without_makeup_, 2024), 250);
  EXPECT_EQ(WorkingDaysIn(without_makeup_, 2025), 249);
  EXPECT_EQ(WorkingDaysIn(without_makeup_, 2026), 248);
}

TEST_F(WorkingCalendarTest, December2018HasTheNewYearSwap) {
  // Mon 31/12/2018 off (swapped with Sat 05/01/2019): 21 weekdays minus one.
  EXPECT_EQ(*calendar_.CountWorkingDays(Day("2018-12-01"), Day("2018-12-31")), 20);
  EXPECT_FALSE(*calendar_.IsWorkingDay(Day("2018-12-31")));
  EXPECT_TRUE(*calendar_.IsWorkingDay(Day("2018-12-28")));
}

TEST_F(WorkingCalendarTest, MakeupSaturdayIsAWorkingDayUnlessTheOptionIsOff) {
  EXPECT_TRUE(*calendar_.IsWorkingDay(Day("2019-01-05")));
  EXPECT_FALSE(*without_makeup_.IsWorkingDay(Day("2019-01-05")));
  EXPECT_TRUE(*calendar_.IsOfficeMinute(Local("2019-01-05T10:00")));
  EXPECT_FALSE(*without_makeup_.IsOfficeMinute(Local("2019-01-05T10:00")));
  // An ordinary Saturday and Sunday are not.
  EXPECT_FALSE(*calendar_.IsWorkingDay(Day("2019-01-12")));
  EXPECT_FALSE(*calendar_.IsWorkingDay(Day("2019-01-13")));
}

TEST_F(WorkingCalendarTest, HolidayIsNotAWorkingDay) {
  EXPECT_FALSE(*calendar_.IsWorkingDay(Day("2019-04-15")));  // Giỗ Tổ, compensatory Monday
  EXPECT_FALSE(*calendar_.IsWorkingDay(Day("2019-09-02")));  // National Day
  EXPECT_FALSE(*calendar_.IsWorkingDay(Day("2024-02-12")));  // Tết 2024
  EXPECT_FALSE(*calendar_.IsOfficeMinute(Local("2019-09-02T10:00")));
  EXPECT_TRUE(*calendar_.IsWorkingDay(Day("2019-04-16")));
}

TEST_F(WorkingCalendarTest, NovemberTwentyFourth2026IsAnOrdinaryTuesday) {
  EXPECT_TRUE(*calendar_.IsWorkingDay(Day("2026-11-24")));
}

TEST_F(WorkingCalendarTest, OfficeHoursAreHalfOpen) {
  EXPECT_FALSE(*calendar_.IsOfficeMinute(Local("2019-06-03T07:59")));
  EXPECT_TRUE(*calendar_.IsOfficeMinute(Local("2019-06-03T08:00")));
  EXPECT_TRUE(*calendar_.IsOfficeMinute(Local("2019-06-03T16:59")));
  EXPECT_FALSE(*calendar_.IsOfficeMinute(Local("2019-06-03T17:00")));
  // Seconds are truncated before the rule applies: 16:59:59 is still inside.
  EXPECT_TRUE(*calendar_.IsOfficeMinute(At("2019-06-03T16:59:59.999+07:00")));
  // Another offset is converted to local time first: 02:00Z is 09:00 local.
  EXPECT_TRUE(*calendar_.IsOfficeMinute(At("2019-06-03T02:00:00Z")));
}

TEST_F(WorkingCalendarTest, NextOfficeMinute) {
  EXPECT_EQ(Text(*calendar_.NextOfficeMinute(Local("2019-06-03T07:10"))),
            "2019-06-03T08:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.NextOfficeMinute(Local("2019-06-03T08:00"))),
            "2019-06-03T08:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.NextOfficeMinute(Local("2019-06-03T12:34"))),
            "2019-06-03T12:34:00+07:00");
  EXPECT_EQ(Text(*calendar_.NextOfficeMinute(Local("2019-06-03T17:00"))),
            "2019-06-04T08:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.NextOfficeMinute(Local("2019-06-07T18:00"))),
            "2019-06-10T08:00:00+07:00");  // Friday evening → Monday
  EXPECT_EQ(Text(*calendar_.NextOfficeMinute(Local("2019-02-01T17:30"))),
            "2019-02-11T08:00:00+07:00");  // across Tết 2019
}

TEST_F(WorkingCalendarTest, NextAndPreviousWorkingDay) {
  EXPECT_EQ(*calendar_.NextWorkingDay(Day("2019-04-12")), Day("2019-04-16"));
  EXPECT_EQ(*calendar_.PreviousWorkingDay(Day("2019-04-16")), Day("2019-04-12"));
  EXPECT_EQ(*calendar_.PreviousWorkingDay(Day("2019-09-03")), Day("2019-08-30"));
  EXPECT_EQ(*calendar_.NextWorkingDay(Day("2019-01-04")), Day("2019-01-05"));
  EXPECT_EQ(*without_makeup_.NextWorkingDay(Day("2019-01-04")), Day("2019-01-07"));
  // Across the year boundary of two data entries.
  EXPECT_EQ(*calendar_.NextWorkingDay(Day("2018-12-28")), Day("2019-01-02"));
}

TEST_F(WorkingCalendarTest, DaysOutsideTheDataAreOutOfRange) {
  for (const char* date : {"2018-11-30", "2027-01-01", "1999-06-01"}) {
    Result<bool> working = calendar_.IsWorkingDay(Day(date));
    ASSERT_FALSE(working.ok()) << date;
    EXPECT_EQ(working.status().code(), StatusCode::kOutOfRange);
    EXPECT_NE(working.status().message().find(date), std::string::npos)
        << working.status().message();
  }
  EXPECT_TRUE(calendar_.IsWorkingDay(Day("2018-12-01")).ok());
  EXPECT_TRUE(calendar_.IsWorkingDay(Day("2026-12-31")).ok());
  EXPECT_EQ(calendar_.IsOfficeMinute(Local("2027-01-04T09:00")).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.CountWorkingDays(Day("2026-12-01"), Day("2027-01-31")).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.WorkingMinutesBetween(Local("2018-11-30T09:00"), Local("2019-01-02T09:00"))
                .status()
                .code(),
            StatusCode::kOutOfRange);
  // Questions whose answer lies past the data are out of range too.
  EXPECT_EQ(calendar_.NextWorkingDay(Day("2026-12-31")).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.PreviousWorkingDay(Day("2018-12-03")).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.NextOfficeMinute(Local("2026-12-31T17:00")).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.AddWorkingMinutes(Local("2026-12-31T16:00"), 61).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(calendar_.SubtractWorkingMinutes(Local("2018-12-03T09:00"), 61).status().code(),
            StatusCode::kOutOfRange);
}

TEST_F(WorkingCalendarTest, LastAndFirstMinutesOfTheDataStillWork) {
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2026-12-31T16:00"), 60)),
            "2026-12-31T17:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2018-12-03T09:00"), 60)),
            "2018-12-03T08:00:00+07:00");
}

TEST_F(WorkingCalendarTest, AddEndingExactlyAtClosingGivesSeventeenHundred) {
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-06-03T16:00"), 60)),
            "2019-06-03T17:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-06-03T08:00"), 540)),
            "2019-06-03T17:00:00+07:00");
  // One more minute spills into the next working day.
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-06-03T16:00"), 61)),
            "2019-06-04T08:01:00+07:00");
  // Friday closing, not Monday opening.
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-06-06T10:00"), 540 + 420)),
            "2019-06-07T17:00:00+07:00");
}

TEST_F(WorkingCalendarTest, AddStartsAtTheNextOfficeMinute) {
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-06-08T11:00"), 0)),
            "2019-06-10T08:00:00+07:00");  // Saturday, zero minutes
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-06-08T11:00"), 30)),
            "2019-06-10T08:30:00+07:00");
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-06-03T06:00"), 60)),
            "2019-06-03T09:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-06-03T17:00"), 60)),
            "2019-06-04T09:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-06-03T12:00"), 0)),
            "2019-06-03T12:00:00+07:00");
}

TEST_F(WorkingCalendarTest, AddAcrossWeekendsAndHolidays) {
  // Fri 12/4/2019 10:00 + 3 days of minutes: Mon 15/4 is off.
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-04-12T10:00"), 3 * 540)),
            "2019-04-18T10:00:00+07:00");
  // Across Tết 2019 (04/02–08/02) and a weekend either side.
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-02-01T16:00"), 120)),
            "2019-02-11T09:00:00+07:00");
  // Through the make-up Saturday 05/01/2019 only when it counts.
  EXPECT_EQ(Text(*calendar_.AddWorkingMinutes(Local("2019-01-04T16:00"), 120)),
            "2019-01-05T09:00:00+07:00");
  EXPECT_EQ(Text(*without_makeup_.AddWorkingMinutes(Local("2019-01-04T16:00"), 120)),
            "2019-01-07T09:00:00+07:00");
}

TEST_F(WorkingCalendarTest, SubtractEndingExactlyAtOpeningGivesThatOpening) {
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-06-11T09:00"), 60)),
            "2019-06-11T08:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-06-11T17:00"), 540)),
            "2019-06-11T08:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-06-11T08:00"), 540)),
            "2019-06-10T08:00:00+07:00");
}

TEST_F(WorkingCalendarTest, SubtractFromAnOpeningStartsAtThePreviousClosing) {
  // Mon 08:00 sharp: the working time just before it is Friday's last minute.
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-06-10T08:00"), 1)),
            "2019-06-07T16:59:00+07:00");
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-06-10T08:00"), 60)),
            "2019-06-07T16:00:00+07:00");
  // Outside office hours the count starts at the last closing too.
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-06-09T12:00"), 60)),
            "2019-06-07T16:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-06-10T07:00"), 60)),
            "2019-06-07T16:00:00+07:00");
  // Across a holiday: Tue 03/09/2019 after Mon 02/09 (National Day).
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-09-03T09:00"), 540)),
            "2019-08-30T09:00:00+07:00");
}

TEST_F(WorkingCalendarTest, SubtractZeroIsTheInstantItself) {
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-06-09T12:00"), 0)),
            "2019-06-09T12:00:00+07:00");
  EXPECT_EQ(Text(*calendar_.SubtractWorkingMinutes(Local("2019-06-10T17:00"), 0)),
            "2019-06-10T17:00:00+07:00");
}

TEST_F(WorkingCalendarTest, NegativeCountsAreRejected) {
  EXPECT_EQ(calendar_.AddWorkingMinutes(Local("2019-06-10T09:00"), -1).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(calendar_.SubtractWorkingMinutes(Local("2019-06-10T09:00"), -1).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(WorkingCalendarTest, WorkingMinutesBetween) {
  // Inside one day.
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-06-03T09:00"), Local("2019-06-03T10:30")),
            90);
  // A whole working day, and the night adds nothing.
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-06-03T00:00"), Local("2019-06-04T00:00")),
            540);
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-06-03T17:00"), Local("2019-06-04T08:00")),
            0);
  // Across a weekend: Fri 16:00 → Mon 09:00 is 60 + 60.
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-06-07T16:00"), Local("2019-06-10T09:00")),
            120);
  // The pause of docs/domain.md: Wed 05/06 16:00 → Mon 10/06 09:00 is 1,200.
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-06-05T16:00"), Local("2019-06-10T09:00")),
            1200);
  // Across Tết 2019: Fri 01/02 16:00 → Mon 11/02 09:00.
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-02-01T16:00"), Local("2019-02-11T09:00")),
            120);
  // Across the holiday Mon 02/09/2019.
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-08-30T09:00"), Local("2019-09-03T09:00")),
            540);
  // Empty and reversed intervals.
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-06-03T10:00"), Local("2019-06-03T10:00")),
            0);
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-06-04T10:00"), Local("2019-06-03T10:00")),
            0);
  // A whole year is its working days times 540.
  EXPECT_EQ(*calendar_.WorkingMinutesBetween(Local("2019-01-01T00:00"), Local("2020-01-01T00:00")),
            252 * 540);
}

TEST_F(WorkingCalendarTest, CountWorkingDaysEmptyRangeIsZero) {
  EXPECT_EQ(*calendar_.CountWorkingDays(Day("2019-06-10"), Day("2019-06-07")), 0);
  EXPECT_EQ(*calendar_.CountWorkingDays(Day("2019-06-08"), Day("2019-06-09")), 0);
  EXPECT_EQ(*calendar_.CountWorkingDays(Day("2019-06-10"), Day("2019-06-10")), 1);
}

// Properties over random instants in the covered range. The seed is printed;
// HOSO_TEST_SEED=<seed> replays a failing run.
TEST_F(WorkingCalendarTest, RandomRoundTripsHold) {
  const char* seed_text = std::getenv("HOSO_TEST_SEED");
  const uint32_t seed = seed_text != nullptr
                            ? static_cast<uint32_t>(std::strtoul(seed_text, nullptr, 10))
                            : std::random_device{}();
  std::printf("RandomRoundTripsHold seed=%u\n", seed);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 random(seed);
  // Keep a margin of a few weeks of working time from both ends of the data.
  const int64_t first = (calendar_.first_day() + 60) * kMinutesPerDay;
  const int64_t last = (calendar_.last_day() - 60) * kMinutesPerDay;
  std::uniform_int_distribution<int64_t> any_minute(first, last);
  std::uniform_int_distribution<int64_t> any_count(0, 20 * 540);
  for (int i = 0; i < 20000; ++i) {
    const LocalMinute t{any_minute(random)};
    const int64_t minutes = any_count(random);
    SCOPED_TRACE("t=" + Text(t) + " minutes=" + std::to_string(minutes));
    const LocalMinute added = *calendar_.AddWorkingMinutes(t, minutes);
    const LocalMinute subtracted = *calendar_.SubtractWorkingMinutes(t, minutes);
    ASSERT_GE(added, t);
    ASSERT_LE(subtracted, t);
    ASSERT_EQ(*calendar_.WorkingMinutesBetween(t, added), minutes);
    ASSERT_EQ(*calendar_.WorkingMinutesBetween(subtracted, t), minutes);
    // Add lands inside office hours or exactly at a closing; Subtract lands
    // inside office hours (an opening counts), except for zero minutes.
    const bool added_in_office = *calendar_.IsOfficeMinute(added);
    ASSERT_TRUE(added_in_office || (minutes > 0 && added.minute_of_day() == 17 * 60));
    if (minutes > 0) {
      ASSERT_TRUE(*calendar_.IsOfficeMinute(subtracted));
    }

    const bool t_in_office = *calendar_.IsOfficeMinute(t);
    if (t_in_office) {
      // Inside office hours the two operations undo each other, except that
      // Add never answers an opening when it can answer the closing before it.
      ASSERT_EQ(*calendar_.SubtractWorkingMinutes(added, minutes), t);
      const LocalMinute back = *calendar_.AddWorkingMinutes(subtracted, minutes);
      if (t.minute_of_day() == 8 * 60 && minutes > 0) {
        const int64_t previous = *calendar_.PreviousWorkingDay(t.day());
        ASSERT_EQ(back, LocalMinute::AtDay(previous, 17 * 60));
      } else {
        ASSERT_EQ(back, t);
      }
    } else {
      // Outside office hours Add starts from the next opening.
      const LocalMinute next = *calendar_.NextOfficeMinute(t);
      ASSERT_EQ(*calendar_.AddWorkingMinutes(next, minutes), added);
    }
  }
}

TEST(WorkingCalendarCreateTest, RejectsBadData) {
  CalendarData data;
  data.version = "test";
  EXPECT_EQ(WorkingCalendar::Create(data).status().code(), StatusCode::kInvalidArgument);

  CalendarYear year;
  year.year = 2019;
  year.covers_from = {2019, 1, 1};
  year.covers_to = {2019, 12, 31};
  year.sources = {"test"};
  data.years = {year};
  ASSERT_TRUE(WorkingCalendar::Create(data).ok());

  CalendarData saturday_off = data;
  saturday_off.years[0].days_off = {{2019, 1, 5}};
  Result<WorkingCalendar> result = WorkingCalendar::Create(saturday_off);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("years[0] (2019).days_off[0] 2019-01-05"),
            std::string::npos)
      << result.status().message();

  CalendarData weekday_makeup = data;
  weekday_makeup.years[0].makeup_saturdays = {{2019, 1, 7}};
  result = WorkingCalendar::Create(weekday_makeup);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("Saturday"), std::string::npos)
      << result.status().message();

  CalendarData outside = data;
  outside.years[0].days_off = {{2020, 1, 1}};
  EXPECT_EQ(WorkingCalendar::Create(outside).status().code(), StatusCode::kInvalidArgument);

  CalendarData gap = data;
  CalendarYear next = year;
  next.year = 2021;
  next.covers_from = {2021, 1, 1};
  next.covers_to = {2021, 12, 31};
  gap.years.push_back(next);
  result = WorkingCalendar::Create(gap);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("years[1] (2021)"), std::string::npos)
      << result.status().message();

  CalendarData bad_hours = data;
  EXPECT_EQ(WorkingCalendar::Create(bad_hours,
                                    {.office_open_minute = 17 * 60, .office_close_minute = 8 * 60})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST(WorkingCalendarCreateTest, OtherOfficeHoursComeFromTheOptions) {
  Result<CalendarData> data =
      codec::LoadCalendarFile(std::string(HOSO_SOURCE_DIR) + "/schemas/reference/calendar-vn.json");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  Result<WorkingCalendar> calendar = WorkingCalendar::Create(
      *data, {.office_open_minute = 7 * 60 + 30, .office_close_minute = 16 * 60 + 30});
  ASSERT_TRUE(calendar.ok()) << calendar.status().ToString();
  EXPECT_EQ(calendar->minutes_per_working_day(), 540);
  EXPECT_TRUE(*calendar->IsOfficeMinute(Local("2019-06-03T07:30")));
  EXPECT_FALSE(*calendar->IsOfficeMinute(Local("2019-06-03T16:30")));
  EXPECT_EQ(Text(*calendar->AddWorkingMinutes(Local("2019-06-03T15:30"), 60)),
            "2019-06-03T16:30:00+07:00");
}

}  // namespace
}  // namespace hoso::core
