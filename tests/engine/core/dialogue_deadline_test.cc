// The dialogue_missing deadlines and keys (engine/core/dialogue_deadline.h),
// and the eighth alert kind's name and messages.
#include "engine/core/dialogue_deadline.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/core/alert.h"

namespace hoso::core {
namespace {

Instant At(const char* text) {
  auto instant = ParseRfc3339(text);
  EXPECT_TRUE(instant.ok()) << text;
  return *instant;
}

std::string Local(LocalMinute minute) { return FormatLocal(minute); }

TEST(DialogueDeadlineTest, TheFirstDeadlineIsTheFirstTheClockHasNotPassed) {
  EXPECT_EQ(Local(FirstDialogueDeadlineFrom(At("2019-01-02T08:00:00+07:00"))),
            "2019-06-15T00:00:00+07:00");
  EXPECT_EQ(Local(FirstDialogueDeadlineFrom(At("2019-06-14T23:59:59+07:00"))),
            "2019-06-15T00:00:00+07:00");
  // At the deadline the clock has not passed it yet; a millisecond later it has.
  EXPECT_EQ(Local(FirstDialogueDeadlineFrom(At("2019-06-15T00:00:00+07:00"))),
            "2019-06-15T00:00:00+07:00");
  EXPECT_EQ(Local(FirstDialogueDeadlineFrom(At("2019-06-15T00:00:00.001+07:00"))),
            "2019-12-15T00:00:00+07:00");
  EXPECT_EQ(Local(FirstDialogueDeadlineFrom(At("2019-12-15T00:00:01+07:00"))),
            "2020-06-15T00:00:00+07:00");
  // Local time: 14 June 17:30 UTC is already 15 June 00:30 in Hà Nội.
  EXPECT_EQ(Local(FirstDialogueDeadlineFrom(At("2019-06-14T17:30:00Z"))),
            "2019-12-15T00:00:00+07:00");
}

TEST(DialogueDeadlineTest, DeadlinesAlternateAndNameTheirHalfYear) {
  const LocalMinute june = FirstDialogueDeadlineFrom(At("2019-03-01T00:00:00+07:00"));
  const LocalMinute december = DialogueDeadlineAfter(june);
  EXPECT_EQ(Local(december), "2019-12-15T00:00:00+07:00");
  EXPECT_EQ(Local(DialogueDeadlineAfter(december)), "2020-06-15T00:00:00+07:00");
  EXPECT_EQ(HalfYearOfDialogueDeadline(june).first_month_key, 201901);
  EXPECT_EQ(HalfYearOfDialogueDeadline(june).last_month_key, 201906);
  EXPECT_EQ(HalfYearOfDialogueDeadline(december).first_month_key, 201907);
  EXPECT_EQ(HalfYearOfDialogueDeadline(december).last_month_key, 201912);
}

TEST(DialogueDeadlineTest, AgencyKeysStayWithin128Characters) {
  EXPECT_EQ(AgencyAlertKey("phuong-bach-khoa"), "agency:phuong-bach-khoa");
  const std::string fits(121, 'a');
  EXPECT_EQ(AgencyAlertKey(fits), "agency:" + fits);
  const std::string longer(128, 'a');
  const std::string key = AgencyAlertKey(longer);
  EXPECT_EQ(key.size(), 128u);
  EXPECT_EQ(key.substr(0, 111), "agency:" + std::string(104, 'a'));
  EXPECT_EQ(key[111], '~');
  EXPECT_NE(AgencyAlertKey(std::string(127, 'a') + "b"), key);  // the digest keeps them apart
}

TEST(DialogueDeadlineTest, TheKindHasANameAndMessagesInBothLanguages) {
  EXPECT_EQ(kAlertKindCount, 8);
  EXPECT_EQ(AlertKindName(AlertKind::kDialogueMissing), "dialogue_missing");
  EXPECT_EQ(AlertKindFromName("dialogue_missing"), AlertKind::kDialogueMissing);
  const LocalMinute december = ToLocalMinute(At("2019-12-15T00:00:00+07:00"));
  EXPECT_EQ(MakeAlertId(AgencyAlertKey("phuong-bach-mai"), AlertKind::kDialogueMissing, december),
            "agency:phuong-bach-mai|dialogue_missing|20191215T0000");
  std::string vi;
  AppendAlertMessage(&vi, AlertKind::kDialogueMissing, december, true);
  EXPECT_EQ(vi,
            "Chưa tổ chức đối thoại với người dân về thủ tục hành chính trong 6 tháng cuối năm "
            "2019; cần tổ chức chậm nhất ngày 31/12/2019");
  std::string en;
  AppendAlertMessage(&en, AlertKind::kDialogueMissing, december, false);
  EXPECT_EQ(en,
            "No dialogue with citizens on administrative procedures held in the second half of "
            "2019; hold one by 31/12/2019");
}

}  // namespace
}  // namespace hoso::core
