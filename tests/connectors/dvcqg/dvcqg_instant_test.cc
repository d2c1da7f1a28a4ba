// The portal's instants: yyyyMMddHHmmss in Vietnam time, checked digit by
// digit and against the calendar.
#include "connectors/dvcqg/dvcqg_instant.h"

#include <gtest/gtest.h>

namespace hoso::connectors::dvcqg {
namespace {

TEST(DvcqgInstantTest, ReadsVietnamTimeToTheSecond) {
  auto instant = ParseDvcqgInstant("20190603090000");
  ASSERT_TRUE(instant.ok()) << instant.status().ToString();
  EXPECT_EQ(core::FormatLocal(*instant), "2019-06-03T09:00:00+07:00");
  // 07:00 local is midnight UTC.
  auto midnight_utc = ParseDvcqgInstant("20200229070000");
  ASSERT_TRUE(midnight_utc.ok());
  EXPECT_EQ(midnight_utc->epoch_ms % 86400000, 0);
}

TEST(DvcqgInstantTest, RefusesWhatIsNotADateAndTime) {
  for (const char* text :
       {"", "2019060309000", "201906030900000", "2019-06-03 09:00", "2019060309000x",
        "20190230090000", "20190603240000", "20190603096000", "20191303090000", "20190229090000"}) {
    auto instant = ParseDvcqgInstant(text);
    EXPECT_FALSE(instant.ok()) << text;
    if (!instant.ok()) {
      EXPECT_NE(instant.status().message().find(text), std::string::npos)
          << "the message names the text: " << instant.status().message();
    }
  }
}

}  // namespace
}  // namespace hoso::connectors::dvcqg
