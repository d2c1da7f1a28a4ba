// Feedback and petitions (PAKN, issue 13 part 3): the feedback_* transitions
// of the state machine, the deadlines of 766/QĐ-TTg indicator 5.2 on the
// working-day calendar, the counters, the timers, and the KPI ratios, on
// hand-checked cases.
//
// The calendar around the fixture (2019, schemas/reference/calendar-vn.json):
// Monday 15 April (Hùng Kings, moved from Sunday 14), Monday 29 April to
// Wednesday 1 May are days off; Saturday 4 May is a make-up working day.
// A feedback received on Friday 12 April 2019 at 10:00 has these working days
// after the date of receipt:
//   1 Tue 16/4   2 Wed 17/4   3 Thu 18/4   4 Fri 19/4   5 Mon 22/4
//   6 Tue 23/4   7 Wed 24/4   8 Thu 25/4   9 Fri 26/4  10 Thu 2/5
//  11 Fri 3/5   12 Sat 4/5   13 Mon 6/5   14 Tue 7/5   15 Wed 8/5   16 Thu 9/5
// so its answer is due at 10:00 on Wednesday 8 May (the dossiers' rule: the
// N-th working day after the date of receipt, at the clock time of receipt),
// and a rejection at 10:00 on Wednesday 17 April.
#include <gtest/gtest.h>

#include <map>

#include "engine/core/dossier_state_machine.h"
#include "engine/core/kpi_counters.h"
#include "schemas/codec/embedded_reference.h"

namespace hoso::core {
namespace {

class FeedbackStateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto data = codec::EmbeddedCalendarData();
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    calendar_ = new WorkingCalendar(*WorkingCalendar::Create(*data));
    catalog_ = new ProcedureCatalog(*codec::EmbeddedCatalog());
    agencies_ = new AgencyList(*codec::EmbeddedAgencies());
  }

  static Event Feedback(EventType type, const char* id, const char* occurred_at) {
    Event event;
    event.event_id = std::string("ev-") + id + "-" + std::string(EventTypeName(type));
    event.dossier_id = std::string(kFeedbackChainPrefix) + id;
    event.type = type;
    event.occurred_at = *ParseRfc3339(occurred_at);
    event.agency_id = "phuong-bach-khoa";
    return event;
  }
  static Event Received(const char* id, const char* occurred_at,
                        FeedbackChannel channel = FeedbackChannel::kOnline) {
    Event event = Feedback(EventType::kFeedbackReceived, id, occurred_at);
    event.feedback_channel = channel;
    return event;
  }
  static Event Answered(const char* id, const char* occurred_at,
                        FeedbackOutcome outcome = FeedbackOutcome::kAnswered) {
    Event event = Feedback(EventType::kFeedbackAnswered, id, occurred_at);
    event.feedback_outcome = outcome;
    return event;
  }
  static Event Published(const char* id, const char* occurred_at) {
    return Feedback(EventType::kFeedbackPublished, id, occurred_at);
  }
  static Event Rated(const char* id, const char* occurred_at, FeedbackRating rating) {
    Event event = Feedback(EventType::kFeedbackRated, id, occurred_at);
    event.rating = rating;
    return event;
  }

  // Applies `event`; on success adds its counters to `cells_` (per month).
  bool Apply(const Event& event, DossierState* state, bool is_new = false) {
    effects_ = Effects{};
    rejection_ = Rejection{};
    if (!machine_.Apply(state, is_new, event, false, &ids_, &effects_, &rejection_)) return false;
    for (const CounterIncrement& increment : effects_.counters) {
      ++counters_[increment.month_key][increment.field];
    }
    return true;
  }
  void ApplyOk(const Event& event, DossierState* state, bool is_new = false) {
    ASSERT_TRUE(Apply(event, state, is_new)) << rejection_.message;
  }
  void ExpectRejected(const Event& event, DossierState* state, RejectCode code,
                      bool is_new = false) {
    const DossierState before = *state;
    EXPECT_FALSE(Apply(event, state, is_new)) << EventTypeName(event.type);
    EXPECT_EQ(RejectCodeName(rejection_.code), RejectCodeName(code)) << rejection_.message;
    EXPECT_EQ(*state, before) << "a rejection changes nothing";
  }

  static LocalMinute Local(const char* text) { return ToLocalMinute(*ParseRfc3339(text)); }

  static WorkingCalendar* calendar_;
  static ProcedureCatalog* catalog_;
  static AgencyList* agencies_;
  DossierStateMachine machine_{calendar_, catalog_, {}, agencies_};
  IdTable ids_;
  Effects effects_;
  Rejection rejection_;
  std::map<int, KpiCounters> counters_;
};
WorkingCalendar* FeedbackStateTest::calendar_ = nullptr;
ProcedureCatalog* FeedbackStateTest::catalog_ = nullptr;
AgencyList* FeedbackStateTest::agencies_ = nullptr;

TEST_F(FeedbackStateTest, ReceiptSetsTheFifteenWorkingDayDeadlineAcrossTheHolidays) {
  DossierState state;
  ApplyOk(Received("F1", "2019-04-12T10:00:00+07:00"), &state, true);
  EXPECT_TRUE(state.is_open());
  EXPECT_EQ(state.feedback_stage, FeedbackStage::kReceived);
  EXPECT_EQ(state.due_at, Local("2019-05-08T10:00:00+07:00"));
  EXPECT_EQ(ids_.Name(state.procedure), "") << "feedback is counted per agency";
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackReceived], 1);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackReceivedOnline], 1);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackReceivedDirect], 0);
}

TEST_F(FeedbackStateTest, AnsweredOnWorkingDay15IsOnTimeAndOnDay16Late) {
  DossierState on_time, late;
  ApplyOk(Received("F15", "2019-04-12T10:00:00+07:00"), &on_time, true);
  ApplyOk(Received("F16", "2019-04-12T10:00:00+07:00", FeedbackChannel::kPhone), &late, true);
  ApplyOk(Answered("F15", "2019-05-08T09:00:00+07:00"), &on_time);
  EXPECT_EQ(on_time.classification, Classification::kOnTime);
  ApplyOk(Answered("F16", "2019-05-09T09:00:00+07:00"), &late);
  EXPECT_EQ(late.classification, Classification::kLate);
  EXPECT_EQ(counters_[201905][KpiField::kFeedbackAnsweredOnTime], 1);
  EXPECT_EQ(counters_[201905][KpiField::kFeedbackAnsweredLate], 1);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackReceived], 2);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackReceivedOnline], 1);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackReceivedPhone], 1);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackReceivedDirect], 0);
}

TEST_F(FeedbackStateTest, TheDeadlineKeepsTheClockTimeOfReceiptLikeADossiers) {
  DossierState state;
  ApplyOk(Received("F15b", "2019-04-12T10:00:00+07:00"), &state, true);
  // Working day 15, but after 10:00: late, as a dossier resolved then would be.
  ApplyOk(Answered("F15b", "2019-05-08T10:01:00+07:00"), &state);
  EXPECT_EQ(state.classification, Classification::kLate);
}

TEST_F(FeedbackStateTest, ARejectionIsDueWithinTwoWorkingDays) {
  DossierState day2, day3, answered_day3;
  ApplyOk(Received("R2", "2019-04-12T10:00:00+07:00"), &day2, true);
  ApplyOk(Received("R3", "2019-04-12T10:00:00+07:00"), &day3, true);
  ApplyOk(Received("A3", "2019-04-12T10:00:00+07:00"), &answered_day3, true);
  ApplyOk(Answered("R2", "2019-04-17T09:30:00+07:00", FeedbackOutcome::kRejected), &day2);
  EXPECT_EQ(day2.classification, Classification::kOnTime);
  ApplyOk(Answered("R3", "2019-04-18T09:30:00+07:00", FeedbackOutcome::kRejected), &day3);
  EXPECT_EQ(day3.classification, Classification::kLate) << "a rejection on working day 3";
  ApplyOk(Answered("A3", "2019-04-18T09:30:00+07:00", FeedbackOutcome::kAccepted), &answered_day3);
  // Any other answer has 15 working days: day 3 is early (counted on time).
  EXPECT_EQ(answered_day3.classification, Classification::kEarly);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackAnsweredLate], 1);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackAnsweredOnTime], 2);
}

TEST_F(FeedbackStateTest, PublicationIsDueTwoWorkingDaysAfterTheAnswer) {
  DossierState on_time, late;
  ApplyOk(Received("P1", "2019-04-12T10:00:00+07:00"), &on_time, true);
  ApplyOk(Received("P2", "2019-04-12T10:00:00+07:00"), &late, true);
  // Answered Friday 26 April 09:00: 29/4-1/5 are off, so publication is due
  // on Friday 3 May at 09:00.
  ApplyOk(Answered("P1", "2019-04-26T09:00:00+07:00"), &on_time);
  ApplyOk(Answered("P2", "2019-04-26T09:00:00+07:00"), &late);
  EXPECT_EQ(on_time.promised_due_at, Local("2019-05-03T09:00:00+07:00"));
  ApplyOk(Published("P1", "2019-05-03T08:30:00+07:00"), &on_time);
  ApplyOk(Published("P2", "2019-05-06T08:30:00+07:00"), &late);
  EXPECT_EQ(counters_[201905][KpiField::kFeedbackPublishedOnTime], 1);
  EXPECT_EQ(counters_[201905][KpiField::kFeedbackPublishedLate], 1);
  EXPECT_TRUE(on_time.is_open()) << "a rating may still come";
}

TEST_F(FeedbackStateTest, RatingsCountInTheMonthOfTheAnswerAndCloseAPublishedFeedback) {
  DossierState state;
  ApplyOk(Received("S1", "2019-04-12T10:00:00+07:00"), &state, true);
  ApplyOk(Answered("S1", "2019-04-26T09:00:00+07:00"), &state);
  ApplyOk(Published("S1", "2019-05-02T09:00:00+07:00"), &state);
  ApplyOk(Rated("S1", "2019-05-10T09:00:00+07:00", FeedbackRating::kDissatisfied), &state);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackRated], 1);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackRatedDissatisfied], 1);
  EXPECT_EQ(counters_[201904][KpiField::kFeedbackDissatisfiedOnTime], 1);
  EXPECT_FALSE(state.is_open()) << "published and rated: nothing can follow";
  EXPECT_EQ(state.event_count, 4u);
}

TEST_F(FeedbackStateTest, BadTransitionsAndUnknownAgenciesAreRejected) {
  DossierState state;
  ExpectRejected(Answered("B1", "2019-04-12T11:00:00+07:00"), &state, RejectCode::kUnknownDossier,
                 /*is_new=*/true);
  Event stranger = Received("B1", "2019-04-12T10:00:00+07:00");
  stranger.agency_id = "phuong-khong-co";
  ExpectRejected(stranger, &state, RejectCode::kUnknownAgency, /*is_new=*/true);
  ApplyOk(Received("B1", "2019-04-12T10:00:00+07:00"), &state, true);
  ExpectRejected(Received("B1", "2019-04-12T10:00:00+07:00"), &state, RejectCode::kBadTransition);
  ExpectRejected(Published("B1", "2019-04-13T10:00:00+07:00"), &state, RejectCode::kBadTransition);
  ExpectRejected(Rated("B1", "2019-04-13T10:00:00+07:00", FeedbackRating::kSatisfied), &state,
                 RejectCode::kBadTransition);
  ExpectRejected(Answered("B1", "2019-04-12T09:00:00+07:00"), &state, RejectCode::kTimeTravel);
  ApplyOk(Answered("B1", "2019-04-16T10:00:00+07:00"), &state);
  ExpectRejected(Answered("B1", "2019-04-16T11:00:00+07:00"), &state, RejectCode::kBadTransition);
  ApplyOk(Rated("B1", "2019-04-17T10:00:00+07:00", FeedbackRating::kSatisfied), &state);
  ExpectRejected(Rated("B1", "2019-04-17T11:00:00+07:00", FeedbackRating::kSatisfied), &state,
                 RejectCode::kBadTransition);
  ApplyOk(Published("B1", "2019-04-17T12:00:00+07:00"), &state);
  EXPECT_FALSE(state.is_open());
  ExpectRejected(Published("B1", "2019-04-18T12:00:00+07:00"), &state, RejectCode::kBadTransition);
}

TEST_F(FeedbackStateTest, TimersWatchTheAnswerOnlyAndRaiseFeedbackKinds) {
  DossierState state;
  ApplyOk(Received("T1", "2019-04-12T10:00:00+07:00"), &state, true);
  const SmallVector<TimerSpec, 3> timers = machine_.PendingTimers(state);
  ASSERT_EQ(timers.size(), 2u);
  TimerSpec overdue, due_soon;
  for (const TimerSpec& timer : timers) {
    (timer.kind == AlertKind::kFeedbackOverdue ? overdue : due_soon) = timer;
  }
  EXPECT_EQ(due_soon.kind, AlertKind::kFeedbackDueSoon);
  // 540 working minutes (one working day) before 10:00 on 8 May.
  EXPECT_EQ(due_soon.fires_at, Local("2019-05-07T10:00:00+07:00"));
  EXPECT_EQ(overdue.fires_at, Local("2019-05-08T10:00:00+07:00"));
  const FireResult fired =
      machine_.Fire(&state, overdue, *ParseRfc3339("2019-05-08T10:01:00+07:00"));
  ASSERT_EQ(fired.alerts.size(), 1u);
  EXPECT_EQ(fired.alerts[0].kind, AlertKind::kFeedbackOverdue);
  EXPECT_FALSE(fired.derive_overdue) << "no `overdue` event is logged for a feedback";
  EXPECT_EQ(AlertKindName(AlertKind::kFeedbackOverdue), "feedback_overdue");
  ApplyOk(Answered("T1", "2019-05-09T09:00:00+07:00"), &state);
  EXPECT_TRUE(machine_.PendingTimers(state).empty()) << "answered: nothing left to watch";
  EXPECT_EQ(state.status, DossierStatus::kPaused) << "open, its clock stopped";
}

TEST(FeedbackRatiosTest, SatisfactionSubtractsLateAndDissatisfiedOncePerFeedback) {
  // Ten answered: two late (one of them rated dissatisfied), one answered on
  // time but rated dissatisfied: 766 5.3 = (10 - 2 - 1) / 10.
  KpiCell cell;
  cell.agency_id = "phuong-bach-khoa";
  cell.month_key = 201904;
  cell.counters[KpiField::kFeedbackReceived] = 12;
  cell.counters[KpiField::kFeedbackReceivedOnline] = 3;
  cell.counters[KpiField::kFeedbackAnsweredOnTime] = 8;
  cell.counters[KpiField::kFeedbackAnsweredLate] = 2;
  cell.counters[KpiField::kFeedbackRated] = 5;
  cell.counters[KpiField::kFeedbackRatedDissatisfied] = 2;
  cell.counters[KpiField::kFeedbackDissatisfiedOnTime] = 1;
  const KpiRow row = ComputeKpiRow("phuong-bach-khoa", {&cell}, {}, ProcedureCatalog(),
                                   CoverageScope::kOnlyReceived);
  EXPECT_DOUBLE_EQ(*row.ratios.feedback_on_time_ratio, 0.8);
  EXPECT_DOUBLE_EQ(*row.ratios.feedback_online_share, 0.25);
  EXPECT_DOUBLE_EQ(*row.ratios.feedback_satisfaction, 0.7);
  EXPECT_FALSE(row.ratios.on_time_ratio.has_value()) << "no dossier resolved";
}

}  // namespace
}  // namespace hoso::core
