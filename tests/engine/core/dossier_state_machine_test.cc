// The dossier state machine: every transition of docs/events.md, the
// rejections, pauses, apologies and the counters each event produces.
#include "engine/core/dossier_state_machine.h"

#include <gtest/gtest.h>

#include "schemas/codec/calendar_loader.h"
#include "schemas/codec/reference_loader.h"

namespace hoso::core {
namespace {

class DossierStateMachineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto data = codec::LoadCalendarFile(std::string(HOSO_SOURCE_DIR) +
                                        "/schemas/reference/calendar-vn.json");
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    calendar_ = new WorkingCalendar(*WorkingCalendar::Create(*data));
    auto catalog = codec::LoadCatalogFile(std::string(HOSO_SOURCE_DIR) +
                                          "/schemas/reference/hbt-2019-procedures.json");
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = new ProcedureCatalog(*catalog);
  }

  static Instant At(const char* text) { return *ParseRfc3339(text); }
  static LocalMinute Minute(const char* text) { return ToLocalMinute(At(text)); }

  Event Make(EventType type, const char* at) {
    Event event;
    event.event_id = "e" + std::to_string(next_id_++);
    event.dossier_id = "D";
    event.type = type;
    event.occurred_at = At(at);
    event.agency_id = "phuong-bach-khoa";
    return event;
  }
  Event Received(const char* at, int working_days) {
    Event event = Make(EventType::kReceived, at);
    event.procedure_id = "ward-xac-nhan-tinh-trang-hon-nhan";
    event.processing = ProcessingTime{ProcessingKind::kWorkingDays, working_days};
    return event;
  }

  // Applies and expects success; returns the effects.
  Effects Ok(const Event& event, bool derived = false) {
    Effects effects;
    Rejection rejection;
    DossierState next = state_.value_or(DossierState{});
    EXPECT_TRUE(machine_.Apply(&next, !state_, event, derived, &ids_, &effects, &rejection))
        << rejection.message;
    if (!effects.duplicate) state_ = next;
    return effects;
  }
  RejectCode Rejected(const Event& event) {
    Effects effects;
    Rejection rejection;
    DossierState next = state_.value_or(DossierState{});
    const DossierState before = next;
    EXPECT_FALSE(machine_.Apply(&next, !state_, event, false, &ids_, &effects, &rejection));
    EXPECT_TRUE(next == before) << "a rejected event changed the state";
    return rejection.code;
  }
  static bool Has(const Effects& effects, KpiField field) {
    for (const CounterIncrement& c : effects.counters) {
      if (c.field == field) return true;
    }
    return false;
  }
  std::vector<TimerSpec> Pending() const {
    std::vector<TimerSpec> out;
    for (const TimerSpec& timer : machine_.PendingTimers(*state_)) out.push_back(timer);
    return out;
  }
  bool IsPending(AlertKind kind) const {
    for (const TimerSpec& timer : Pending()) {
      if (timer.kind == kind) return true;
    }
    return false;
  }

  static WorkingCalendar* calendar_;
  static ProcedureCatalog* catalog_;
  DossierStateMachine machine_{calendar_, catalog_};
  IdTable ids_;
  std::optional<DossierState> state_;
  int next_id_ = 1;
};

WorkingCalendar* DossierStateMachineTest::calendar_ = nullptr;
ProcedureCatalog* DossierStateMachineTest::catalog_ = nullptr;

TEST_F(DossierStateMachineTest, ReceivedOpensWithDueAndCounters) {
  Effects t = Ok(Received("2019-06-06T09:00:00+07:00", 3));
  EXPECT_EQ(state_->status, DossierStatus::kOpen);
  EXPECT_EQ(state_->due_at, Minute("2019-06-11T09:00:00+07:00"));
  EXPECT_EQ(state_->budget_minutes, 3 * 540);
  EXPECT_TRUE(Has(t, KpiField::kReceived));
  EXPECT_TRUE(Has(t, KpiField::kReceivedOneStop));
  EXPECT_TRUE(Has(t, KpiField::kDirect));
  EXPECT_TRUE(t.timers_changed);
  EXPECT_EQ(Pending().size(), 3u);  // due_soon, apology_due, overdue
}

TEST_F(DossierStateMachineTest, CarriedDueAtIsAuthoritative) {
  Event event = Received("2019-06-06T09:00:00+07:00", 3);
  event.due_at = At("2019-06-20T15:30:00+07:00");
  Ok(event);
  EXPECT_EQ(state_->due_at, Minute("2019-06-20T15:30:00+07:00"));
}

TEST_F(DossierStateMachineTest, FirstEventMustBeReceived) {
  Event resolved = Make(EventType::kResolved, "2019-06-06T09:00:00+07:00");
  EXPECT_EQ(Rejected(resolved), RejectCode::kUnknownDossier);
}

TEST_F(DossierStateMachineTest, UnknownProcedureNeedsDueOrProcessing) {
  Event event = Make(EventType::kReceived, "2019-06-06T09:00:00+07:00");
  event.procedure_id = "no-such-procedure";
  Rejection rejection;
  EXPECT_FALSE(machine_.CheckProcedure(event, &rejection));
  EXPECT_EQ(rejection.code, RejectCode::kUnknownProcedure);
  event.processing = ProcessingTime{ProcessingKind::kSameDay, 0};
  EXPECT_TRUE(machine_.CheckProcedure(event, &rejection));
}

TEST_F(DossierStateMachineTest, PauseAndResumeMoveTheDueByRemainingWorkingTime) {
  Ok(Received("2019-06-03T09:00:00+07:00", 5));
  EXPECT_EQ(state_->due_at, Minute("2019-06-10T09:00:00+07:00"));
  EXPECT_EQ(Pending().size(), 3u);
  Effects pause = Ok(Make(EventType::kSupplementRequested, "2019-06-05T16:00:00+07:00"));
  EXPECT_EQ(state_->status, DossierStatus::kPaused);
  EXPECT_EQ(state_->remaining_minutes, 1200);
  EXPECT_TRUE(pause.timers_changed);
  EXPECT_TRUE(Pending().empty());  // a paused dossier's clock stands still
  Effects resume = Ok(Make(EventType::kSupplementReceived, "2019-06-12T09:00:00+07:00"));
  EXPECT_EQ(state_->status, DossierStatus::kOpen);
  EXPECT_EQ(state_->due_at, Minute("2019-06-14T11:00:00+07:00"));
  EXPECT_TRUE(resume.timers_changed);
  ASSERT_EQ(Pending().size(), 3u);
  for (const TimerSpec& timer : Pending()) {
    EXPECT_EQ(timer.due_at, Minute("2019-06-14T11:00:00+07:00"));
  }
}

TEST_F(DossierStateMachineTest, PausedAfterDueStaysLate) {
  Ok(Received("2019-06-03T09:00:00+07:00", 1));  // due Tue 06-04 09:00
  Ok(Make(EventType::kSupplementRequested, "2019-06-05T10:00:00+07:00"));
  EXPECT_TRUE(state_->paused_late);
  Event resume = Make(EventType::kSupplementReceived, "2019-06-07T10:00:00+07:00");
  resume.due_at = At("2019-06-20T10:00:00+07:00");  // recorded, not applied
  Ok(resume);
  EXPECT_EQ(state_->due_at, Minute("2019-06-04T09:00:00+07:00"));
  Effects resolved = Ok(Make(EventType::kResolved, "2019-06-07T11:00:00+07:00"));
  EXPECT_TRUE(Has(resolved, KpiField::kResolvedLate));
}

TEST_F(DossierStateMachineTest, ResolvedWhilePausedCountsAtThePauseInstant) {
  Ok(Received("2019-06-03T09:00:00+07:00", 3));  // due Thu 06-06 09:00
  Ok(Make(EventType::kSupplementRequested, "2019-06-04T10:00:00+07:00"));
  Effects resolved = Ok(Make(EventType::kResolved, "2019-07-20T10:00:00+07:00"));
  EXPECT_EQ(state_->classified_at, Minute("2019-06-04T10:00:00+07:00"));
  EXPECT_EQ(state_->classification, Classification::kEarly);
  EXPECT_EQ(resolved.counters[0].month_key, 201907);  // month of the resolved event
}

TEST_F(DossierStateMachineTest, ClassifiesEarlyOnTimeLate) {
  Ok(Received("2019-06-05T09:00:00+07:00", 3));  // due Mon 06-10 09:00
  EXPECT_TRUE(
      Has(Ok(Make(EventType::kResolved, "2019-06-10T08:45:00+07:00")), KpiField::kResolvedOnTime));
  state_.reset();
  Ok(Received("2019-06-05T09:00:00+07:00", 3));
  EXPECT_TRUE(
      Has(Ok(Make(EventType::kResolved, "2019-06-07T16:00:00+07:00")), KpiField::kResolvedEarly));
  state_.reset();
  Ok(Received("2019-06-05T09:00:00+07:00", 3));
  EXPECT_TRUE(
      Has(Ok(Make(EventType::kResolved, "2019-06-10T09:01:00+07:00")), KpiField::kResolvedLate));
}

TEST_F(DossierStateMachineTest, OnlyTheFirstApologyCountsAndASecondRaisesAViolation) {
  Ok(Received("2019-06-06T09:00:00+07:00", 3));  // due Tue 06-11 09:00
  Event apology = Make(EventType::kApologized, "2019-06-10T10:00:00+07:00");
  apology.new_due_at = At("2019-06-12T17:00:00+07:00");
  EXPECT_TRUE(IsPending(AlertKind::kApologyDue));
  Ok(apology);
  EXPECT_TRUE(state_->first_apology_timely);
  EXPECT_FALSE(IsPending(AlertKind::kApologyDue));  // the apology came; no reminder
  EXPECT_TRUE(IsPending(AlertKind::kOverdue));
  Event second = Make(EventType::kApologized, "2019-06-12T10:00:00+07:00");
  second.new_due_at = At("2019-06-14T17:00:00+07:00");
  Effects violation = Ok(second);
  ASSERT_EQ(violation.alerts.size(), 1u);
  EXPECT_EQ(violation.alerts[0].kind, AlertKind::kApologyViolation);
  EXPECT_EQ(state_->promised_due_at, Minute("2019-06-12T17:00:00+07:00"));
  Effects resolved = Ok(Make(EventType::kResolved, "2019-06-13T10:00:00+07:00"));
  EXPECT_TRUE(Has(resolved, KpiField::kLateApologized));
  EXPECT_TRUE(Has(resolved, KpiField::kLateApologizedTimely));
}

TEST_F(DossierStateMachineTest, ApologyOnTheDueDateIsNotTimely) {
  Ok(Received("2019-08-26T09:00:00+07:00", 5));  // due Tue 2019-09-03 09:00
  Event apology = Make(EventType::kApologized, "2019-09-03T08:30:00+07:00");
  apology.new_due_at = At("2019-09-05T17:00:00+07:00");
  Ok(apology);
  EXPECT_FALSE(state_->first_apology_timely);
}

TEST_F(DossierStateMachineTest, SecondOverdueIsADuplicate) {
  Ok(Received("2019-06-06T09:00:00+07:00", 3));
  Event overdue = Make(EventType::kOverdue, "2019-06-11T10:00:00+07:00");
  overdue.due_at = At("2019-06-11T09:00:00+07:00");
  EXPECT_FALSE(Ok(overdue).duplicate);
  Event again = Make(EventType::kOverdue, "2019-06-11T11:00:00+07:00");
  again.due_at = At("2019-06-11T09:00:00+07:00");
  EXPECT_TRUE(Ok(again).duplicate);
}

TEST_F(DossierStateMachineTest, BadTransitionsAreRejected) {
  Ok(Received("2019-06-06T09:00:00+07:00", 3));
  EXPECT_EQ(Rejected(Received("2019-06-06T10:00:00+07:00", 3)), RejectCode::kBadTransition);
  EXPECT_EQ(Rejected(Make(EventType::kSupplementReceived, "2019-06-06T10:00:00+07:00")),
            RejectCode::kBadTransition);
  Ok(Make(EventType::kSupplementRequested, "2019-06-06T11:00:00+07:00"));
  EXPECT_EQ(Rejected(Make(EventType::kSupplementRequested, "2019-06-06T12:00:00+07:00")),
            RejectCode::kBadTransition);
  Ok(Make(EventType::kWithdrawn, "2019-06-07T09:00:00+07:00"));
  for (EventType type : {EventType::kResolved, EventType::kTransferred, EventType::kApologized,
                         EventType::kWithdrawn, EventType::kRejected, EventType::kOverdue}) {
    EXPECT_EQ(Rejected(Make(type, "2019-06-08T09:00:00+07:00")), RejectCode::kBadTransition)
        << EventTypeName(type);
  }
}

TEST_F(DossierStateMachineTest, TimeTravelIsRejectedButEqualInstantsAreFine) {
  Ok(Received("2019-06-06T09:00:00+07:00", 3));
  Event transfer = Make(EventType::kTransferred, "2019-06-06T09:00:00+07:00");
  transfer.to_agency_id = "hbt-phong-tu-phap";
  Ok(transfer);
  EXPECT_EQ(ids_.Name(state_->holder_agency), "hbt-phong-tu-phap");
  EXPECT_EQ(ids_.Name(state_->receiving_agency), "phuong-bach-khoa");
  EXPECT_EQ(Rejected(Make(EventType::kResolved, "2019-06-06T08:59:59+07:00")),
            RejectCode::kTimeTravel);
}

TEST_F(DossierStateMachineTest, ReceiptOutsideTheCalendarIsRejected) {
  EXPECT_EQ(Rejected(Received("2031-06-06T09:00:00+07:00", 3)), RejectCode::kCalendarRange);
}

TEST_F(DossierStateMachineTest, OverdueTimerRaisesOverdueApologyMissingAndADerivedEvent) {
  Ok(Received("2019-06-17T09:00:00+07:00", 3));  // due Thu 06-20 09:00
  TimerSpec overdue;
  for (const TimerSpec& timer : Pending()) {
    if (timer.kind == AlertKind::kOverdue) overdue = timer;
  }
  ASSERT_EQ(overdue.due_at, Minute("2019-06-20T09:00:00+07:00"));
  FireResult fired = machine_.Fire(&*state_, overdue, At("2019-06-21T08:30:00+07:00"));
  ASSERT_EQ(fired.alerts.size(), 2u);
  EXPECT_EQ(fired.alerts[0].kind, AlertKind::kOverdue);
  EXPECT_EQ(fired.alerts[1].kind, AlertKind::kApologyMissing);
  ASSERT_TRUE(fired.derive_overdue);
  const Event derived =
      DossierStateMachine::DerivedOverdue("D", ids_.Name(state_->holder_agency), state_->due_at);
  EXPECT_EQ(derived.type, EventType::kOverdue);
  EXPECT_EQ(derived.occurred_at, At("2019-06-20T09:00:00+07:00"));
  EXPECT_EQ(derived.event_id, "hoso-overdue:D:20190620T0900");
  // Fired once: the overdue timer is gone, the others (already past) remain
  // until fired themselves.
  EXPECT_FALSE(IsPending(AlertKind::kOverdue));
  EXPECT_EQ(Pending().size(), 2u);
  // Firing the same timer again raises nothing.
  EXPECT_TRUE(machine_.Fire(&*state_, overdue, At("2019-06-21T09:30:00+07:00")).alerts.empty());
}

}  // namespace
}  // namespace hoso::core

namespace hoso::core {
namespace {

// Regression: a derived overdue event (dated at due_at) made a producer's
// earlier event arriving late look like time travel (seen with several Kafka
// partitions, whose event times interleave).
TEST_F(DossierStateMachineTest, DerivedOverdueDoesNotMakeALateArrivalTimeTravel) {
  Ok(Received("2019-06-17T09:00:00+07:00", 3));  // due Thu 06-20 09:00
  Event derived = Make(EventType::kOverdue, "2019-06-20T09:00:00+07:00");
  derived.due_at = At("2019-06-20T09:00:00+07:00");
  Ok(derived, /*derived=*/true);
  Effects resolved = Ok(Make(EventType::kResolved, "2019-06-19T16:00:00+07:00"));
  EXPECT_TRUE(Has(resolved, KpiField::kResolvedEarly));
}

// Issue 8: the engine's own overdue event must be a valid event of the
// contract, whose ids are at most 128 characters, whatever the dossier id.
TEST(DerivedOverdueEventIdTest, StaysWithin128CharactersAndUnique) {
  const LocalMinute due = ToLocalMinute(*ParseRfc3339("2019-06-13T09:00:00+07:00"));
  EXPECT_EQ(DossierStateMachine::DerivedOverdueEventId("D1", due), "hoso-overdue:D1:20190613T0900");
  auto chars = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  std::string a, b;
  for (int i = 0; i < 127; ++i) a += "\xF0\x9F\x98\x80";  // 4-byte characters
  b = a + "x";
  a += "y";
  const std::string id_a = DossierStateMachine::DerivedOverdueEventId(a, due);
  const std::string id_b = DossierStateMachine::DerivedOverdueEventId(b, due);
  EXPECT_EQ(chars(id_a), 128u);
  EXPECT_NE(id_a, id_b);  // the ids differ only in their last character
  EXPECT_EQ(id_a.rfind("hoso-overdue:", 0), 0u);
  EXPECT_EQ(id_a.substr(id_a.size() - 14), ":20190613T0900");
  // 101 characters still fit whole.
  const std::string fits(101, 'z');
  EXPECT_EQ(DossierStateMachine::DerivedOverdueEventId(fits, due),
            "hoso-overdue:" + fits + ":20190613T0900");
}

}  // namespace
}  // namespace hoso::core
