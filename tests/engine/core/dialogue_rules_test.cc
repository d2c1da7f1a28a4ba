// Dialogues with citizens (issue 13): the dialogue_held transition of the
// state machine (rejections, the counter of the month held) and the plan's
// per-half-year rule (core::JudgeDialogues), on hand-checked cases.
#include <gtest/gtest.h>

#include "engine/core/dossier_state_machine.h"
#include "engine/core/plan_targets.h"
#include "schemas/codec/calendar_loader.h"
#include "schemas/codec/embedded_reference.h"

namespace hoso::core {
namespace {

class DialogueStateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto data = codec::EmbeddedCalendarData();
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    calendar_ = new WorkingCalendar(*WorkingCalendar::Create(*data));
    catalog_ = new ProcedureCatalog(*codec::EmbeddedCatalog());
    agencies_ = new AgencyList(*codec::EmbeddedAgencies());
  }

  static Event Dialogue(const char* id, const char* occurred_at, CivilDate held_on,
                        DialogueTopic topic = DialogueTopic::kAdministrativeProcedures) {
    Event event;
    event.event_id = std::string("ev-") + id;
    event.dossier_id = std::string(kDialogueChainPrefix) + id;
    event.type = EventType::kDialogueHeld;
    event.occurred_at = *ParseRfc3339(occurred_at);
    event.agency_id = "phuong-bach-khoa";
    event.held_on = held_on;
    event.topic = topic;
    event.participants = 30;
    event.minutes_ref = "BB-1";
    return event;
  }

  bool Apply(const Event& event, bool is_new, DossierState* state, Effects* effects,
             Rejection* rejection) {
    return machine_.Apply(state, is_new, event, false, &ids_, effects, rejection);
  }

  static WorkingCalendar* calendar_;
  static ProcedureCatalog* catalog_;
  static AgencyList* agencies_;
  DossierStateMachine machine_{calendar_, catalog_, {}, agencies_};
  IdTable ids_;
};
WorkingCalendar* DialogueStateTest::calendar_ = nullptr;
ProcedureCatalog* DialogueStateTest::catalog_ = nullptr;
AgencyList* DialogueStateTest::agencies_ = nullptr;

TEST_F(DialogueStateTest, ADialogueIsAFinishedChainCountedInTheMonthItWasHeld) {
  DossierState state;
  Effects effects;
  Rejection rejection;
  // Held on 28 June, recorded on 2 July: it counts for June (the first half-year).
  ASSERT_TRUE(Apply(Dialogue("BK-1", "2019-07-02T09:00:00+07:00", {2019, 6, 28}), true, &state,
                    &effects, &rejection))
      << rejection.message;
  EXPECT_FALSE(state.is_open());
  EXPECT_EQ(state.event_count, 1u);
  EXPECT_EQ(ids_.Name(state.receiving_agency), "phuong-bach-khoa");
  ASSERT_EQ(effects.counters.size(), 1u);
  EXPECT_EQ(effects.counters[0].field, KpiField::kDialoguesHeld);
  EXPECT_EQ(effects.counters[0].month_key, 201906);
  EXPECT_TRUE(machine_.PendingTimers(state).empty());
}

TEST_F(DialogueStateTest, ADialogueOnAnotherTopicIsKeptButNotCounted) {
  DossierState state;
  Effects effects;
  Rejection rejection;
  ASSERT_TRUE(
      Apply(Dialogue("BK-2", "2019-03-20T17:00:00+07:00", {2019, 3, 20}, DialogueTopic::kOther),
            true, &state, &effects, &rejection));
  EXPECT_TRUE(effects.counters.empty());
}

TEST_F(DialogueStateTest, RejectionsCarryTheirReasonCodes) {
  Effects effects;
  Rejection rejection;
  DossierState state;
  ASSERT_TRUE(Apply(Dialogue("BK-3", "2019-03-20T17:00:00+07:00", {2019, 3, 20}), true, &state,
                    &effects, &rejection));
  // The same dialogue_id again (another event_id): recorded once.
  Event again = Dialogue("BK-3", "2019-03-21T17:00:00+07:00", {2019, 3, 21});
  again.event_id = "ev-other";
  DossierState copy = state;
  EXPECT_FALSE(Apply(again, false, &copy, &effects, &rejection));
  EXPECT_EQ(rejection.code, RejectCode::kBadTransition);
  EXPECT_TRUE(copy == state);
  // A unit not in the agency list.
  Event stranger = Dialogue("X-1", "2019-03-20T17:00:00+07:00", {2019, 3, 20});
  stranger.agency_id = "phuong-khong-co";
  DossierState fresh;
  EXPECT_FALSE(Apply(stranger, true, &fresh, &effects, &rejection));
  EXPECT_EQ(rejection.code, RejectCode::kUnknownAgency);
  // Recorded before it was held.
  EXPECT_FALSE(Apply(Dialogue("BK-4", "2019-03-20T23:59:00+07:00", {2019, 3, 21}), true, &fresh,
                     &effects, &rejection));
  EXPECT_EQ(rejection.code, RejectCode::kTimeTravel);
  // Held and recorded the same local day is fine, even just after midnight UTC+7.
  EXPECT_TRUE(Apply(Dialogue("BK-5", "2019-03-20T00:00:00+07:00", {2019, 3, 20}), true, &fresh,
                    &effects, &rejection))
      << rejection.message;
}

TEST_F(DialogueStateTest, WithoutAnAgencyListNoUnitIsRefused) {
  DossierStateMachine unchecked(calendar_, catalog_);
  Event stranger = Dialogue("X-2", "2019-03-20T17:00:00+07:00", {2019, 3, 20});
  stranger.agency_id = "phuong-khong-co";
  DossierState state;
  Effects effects;
  Rejection rejection;
  EXPECT_TRUE(unchecked.Apply(&state, true, stranger, false, &ids_, &effects, &rejection));
}

// Kế hoạch 23/KH-UBND: at least one per half-year, two a year.
TEST(DialogueTargetTest, MarchAndSeptemberMeetsThePlan) {
  EXPECT_EQ(JudgeDialogues({1, 1}, 1, 2), TargetVerdict::kMet);
}

TEST(DialogueTargetTest, MarchAndAprilMissItTheSecondHalfYearHasNone) {
  EXPECT_EQ(JudgeDialogues({2, 0}, 1, 2), TargetVerdict::kMissed);
}

TEST(DialogueTargetTest, OtherCases) {
  EXPECT_EQ(JudgeDialogues({0, 0}, 1, 2), TargetVerdict::kMissed);
  EXPECT_EQ(JudgeDialogues({3, 4}, 1, 2), TargetVerdict::kMet);
  EXPECT_EQ(JudgeDialogues({1, 1}, 1, 3), TargetVerdict::kMissed);  // a stricter year
  EXPECT_EQ(JudgeDialogues({1}, 1, 2), TargetVerdict::kMet);        // a half-year period
  EXPECT_EQ(JudgeDialogues({0}, 1, 2), TargetVerdict::kMissed);
  EXPECT_EQ(JudgeDialogues({}, 1, 2), TargetVerdict::kNoData);  // a quarter or a month
}

}  // namespace
}  // namespace hoso::core
