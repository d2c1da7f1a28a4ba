// The calendar JSON loader: the shipped file loads, and each kind of bad input
// is an InvalidArgument that names the entry and field at fault.
#include "schemas/codec/calendar_loader.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/core/instant.h"
#include "engine/core/status.h"
#include "engine/core/working_calendar.h"

namespace hoso::codec {
namespace {

using core::StatusCode;

const std::string kShippedPath =
    std::string(HOSO_SOURCE_DIR) + "/schemas/reference/calendar-vn.json";

// A small valid document: December 2018 and 2019, with `year_2019` spliced in
// as the second entry so each test can break one thing.
std::string Document(const std::string& year_2019) {
  return R"({"version": "test-1", "description": "two entries", "years": [
    {"year": 2018, "covers_from": "2018-12-01", "covers_to": "2018-12-31",
     "days_off": ["2018-12-31"], "makeup_saturdays": [], "sources": ["notice A"]},
    )" + year_2019 +
         "]}";
}

const char* const kGood2019 =
    R"({"year": 2019, "covers_from": "2019-01-01", "covers_to": "2019-12-31",
        "days_off": ["2019-01-01", "2019-02-04"], "makeup_saturdays": ["2019-01-05"],
        "sources": ["notice B"]})";

// Parses `json`, expects InvalidArgument, and returns its message.
std::string ErrorOf(const std::string& json) {
  core::Result<core::CalendarData> data = ParseCalendarJson(json);
  EXPECT_FALSE(data.ok()) << json;
  if (data.ok()) return "";
  EXPECT_EQ(data.status().code(), StatusCode::kInvalidArgument) << data.status().ToString();
  return data.status().message();
}

TEST(CalendarLoaderTest, ShippedFileLoads) {
  core::Result<core::CalendarData> data = LoadCalendarFile(kShippedPath);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->version, "vn-civil-service-2026.1");
  ASSERT_EQ(data->years.size(), 9u);
  for (size_t i = 0; i < data->years.size(); ++i) {
    EXPECT_EQ(data->years[i].year, 2018 + static_cast<int>(i));
    EXPECT_FALSE(data->years[i].sources.empty()) << data->years[i].year;
  }
  EXPECT_EQ(data->years[0].covers_from, (core::CivilDate{2018, 12, 1}));
  EXPECT_EQ(data->years[8].covers_to, (core::CivilDate{2026, 12, 31}));
  EXPECT_EQ(data->years[1].makeup_saturdays.size(), 2u);
  EXPECT_EQ(data->years[8].days_off.size(), 13u);
  // 24/11/2026 was proposed as a holiday but is not law.
  for (const core::CivilDate& date : data->years[8].days_off) {
    EXPECT_NE(date, (core::CivilDate{2026, 11, 24}));
  }
  EXPECT_TRUE(core::WorkingCalendar::Create(*data).ok());
}

TEST(CalendarLoaderTest, SmallValidDocumentLoads) {
  core::Result<core::CalendarData> data = ParseCalendarJson(Document(kGood2019));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->version, "test-1");
  ASSERT_EQ(data->years.size(), 2u);
  EXPECT_EQ(data->years[1].days_off.size(), 2u);
  EXPECT_EQ(data->years[1].days_off[1], (core::CivilDate{2019, 2, 4}));
  EXPECT_EQ(data->years[1].makeup_saturdays[0], (core::CivilDate{2019, 1, 5}));
  EXPECT_EQ(data->years[1].sources[0], "notice B");
}

TEST(CalendarLoaderTest, UnreadableFileIsAnIOErrorNamingThePath) {
  const std::string path = std::string(HOSO_BINARY_DIR) + "/no-such-dir/calendar.json";
  core::Result<core::CalendarData> data = LoadCalendarFile(path);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kIOError);
  EXPECT_NE(data.status().message().find(path), std::string::npos) << data.status().message();
}

TEST(CalendarLoaderTest, InvalidJson) {
  const std::string message = ErrorOf(R"({"version": "x", "years": [)");
  EXPECT_NE(message.find("invalid JSON"), std::string::npos) << message;
  ErrorOf("[]");
  ErrorOf("");
}

TEST(CalendarLoaderTest, BadDateNamesEntryAndIndex) {
  std::string year = kGood2019;
  year.replace(year.find("2019-02-04"), 10, "2019-02-30");
  const std::string message = ErrorOf(Document(year));
  EXPECT_NE(message.find("years[1].days_off[1]"), std::string::npos) << message;
  EXPECT_NE(message.find("not a date YYYY-MM-DD"), std::string::npos) << message;

  year = kGood2019;
  year.replace(year.find("\"2019-12-31\""), 12, "\"31/12/2019\"");
  EXPECT_NE(ErrorOf(Document(year)).find("years[1].covers_to"), std::string::npos);

  year = kGood2019;
  year.replace(year.find("\"2019-01-05\""), 12, "20190105");
  EXPECT_NE(ErrorOf(Document(year)).find("years[1].makeup_saturdays[0]"), std::string::npos);
}

TEST(CalendarLoaderTest, MissingFieldIsNamed) {
  std::string year = kGood2019;
  year.replace(year.find("\"sources\""), std::string("\"sources\": [\"notice B\"]").size(), "");
  // Leaves a trailing comma: fix the JSON so only the field is missing.
  year.replace(year.find("\"2019-01-05\"],"), 14, "\"2019-01-05\"]");
  const std::string message = ErrorOf(Document(year));
  EXPECT_NE(message.find("years[1]"), std::string::npos) << message;
  EXPECT_NE(message.find("missing field 'sources'"), std::string::npos) << message;

  EXPECT_NE(ErrorOf(R"({"version": "x"})").find("missing field 'years'"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"years": []})").find("missing field 'version'"), std::string::npos);
}

TEST(CalendarLoaderTest, UnknownFieldIsRejected) {
  std::string year = kGood2019;
  year.replace(year.find("\"days_off\""), 10, "\"day_off\"");
  const std::string message = ErrorOf(Document(year));
  EXPECT_NE(message.find("years[1]: unknown field 'day_off'"), std::string::npos) << message;
}

TEST(CalendarLoaderTest, WeekdayListedAsMakeupSaturday) {
  std::string year = kGood2019;
  year.replace(year.find("2019-01-05"), 10, "2019-01-07");  // a Monday
  const std::string message = ErrorOf(Document(year));
  EXPECT_NE(message.find("years[1] (2019).makeup_saturdays[0] 2019-01-07"), std::string::npos)
      << message;
  EXPECT_NE(message.find("Saturday"), std::string::npos) << message;
}

TEST(CalendarLoaderTest, SaturdayListedAsDayOff) {
  std::string year = kGood2019;
  year.replace(year.find("2019-02-04"), 10, "2019-02-09");  // a Saturday
  const std::string message = ErrorOf(Document(year));
  EXPECT_NE(message.find("years[1] (2019).days_off[1] 2019-02-09"), std::string::npos) << message;
  EXPECT_NE(message.find("Monday"), std::string::npos) << message;
}

TEST(CalendarLoaderTest, DayOffOutsideItsEntry) {
  std::string year = kGood2019;
  year.replace(year.find("2019-02-04"), 10, "2020-02-04");
  const std::string message = ErrorOf(Document(year));
  EXPECT_NE(message.find("years[1] (2019).days_off[1]"), std::string::npos) << message;
}

TEST(CalendarLoaderTest, NonContiguousYears) {
  std::string year = kGood2019;
  year.replace(year.find("2019-01-01\", \"covers_to"), 10, "2019-01-02");
  year.replace(year.find("\"2019-01-01\", "), 14, "");  // keep the days off inside
  std::string message = ErrorOf(Document(year));
  EXPECT_NE(message.find("years[1] (2019)"), std::string::npos) << message;
  EXPECT_NE(message.find("contiguous"), std::string::npos) << message;

  // Out of order is not contiguous either.
  const std::string swapped = R"({"version": "x", "years": [)" + std::string(kGood2019) +
                              R"(, {"year": 2018, "covers_from": "2018-12-01",
      "covers_to": "2018-12-31", "days_off": [], "makeup_saturdays": [], "sources": ["A"]}]})";
  message = ErrorOf(swapped);
  EXPECT_NE(message.find("contiguous"), std::string::npos) << message;
}

TEST(CalendarLoaderTest, WrongTypes) {
  std::string year = kGood2019;
  year.replace(year.find("2019,"), 4, "\"2019\"");
  EXPECT_NE(ErrorOf(Document(year)).find("years[1].year"), std::string::npos);

  year = kGood2019;
  year.replace(year.find("[\"notice B\"]"), 12, "[]");
  EXPECT_NE(ErrorOf(Document(year)).find("years[1].sources"), std::string::npos);

  EXPECT_NE(ErrorOf(R"({"version": 1, "years": []})").find("version"), std::string::npos);
}

TEST(CalendarLoaderTest, InvalidFileContentNamesThePath) {
  // LoadCalendarFile adds the path to a parse error; use the schema file,
  // valid JSON that is not a calendar.
  const std::string path = std::string(HOSO_SOURCE_DIR) + "/schemas/calendar.schema.json";
  core::Result<core::CalendarData> data = LoadCalendarFile(path);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(data.status().message().find(path), std::string::npos) << data.status().message();
}

}  // namespace
}  // namespace hoso::codec
