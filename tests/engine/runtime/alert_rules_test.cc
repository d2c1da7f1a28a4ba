// The alert rules of docs/alerts.md through runtime::Engine in wall-clock mode:
// the test owns the clock (AdvanceClock(now)), the store is in memory, and
// nothing sleeps. Each test names the exact fires_at of every alert.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/core/dossier_state_machine.h"
#include "engine/runtime/engine.h"
#include "projections/alert_log.h"
#include "projections/memory_kv_store.h"
#include "schemas/codec/calendar_loader.h"
#include "schemas/codec/event_codec.h"
#include "schemas/codec/reference_loader.h"

namespace hoso::runtime {
namespace {

using core::AlertKind;
using core::Event;
using core::EventType;
using core::Instant;

Instant At(const char* text) {
  auto instant = core::ParseRfc3339(text);
  EXPECT_TRUE(instant.ok()) << text;
  return *instant;
}

// "kind fires_at" of each alert, e.g. "overdue 2019-06-11T09:00:00+07:00".
std::vector<std::string> Summary(const std::vector<core::Alert>& alerts) {
  std::vector<std::string> out;
  for (const core::Alert& alert : alerts) {
    out.push_back(std::string(core::AlertKindName(alert.kind)) + " " +
                  core::FormatLocal(alert.fires_at));
  }
  return out;
}

class AlertRulesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto data = codec::LoadCalendarFile(std::string(HOSO_SOURCE_DIR) +
                                        "/schemas/reference/calendar-vn.json");
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    calendar_ = new core::WorkingCalendar(*core::WorkingCalendar::Create(*data));
    auto catalog = codec::LoadCatalogFile(std::string(HOSO_SOURCE_DIR) +
                                          "/schemas/reference/hbt-2019-procedures.json");
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = new core::ProcedureCatalog(*catalog);
  }

  void SetUp() override { Reopen(); }

  // Drops the engine and opens a new one on the same store: a restart.
  void Reopen(core::StateMachineOptions machine_options = {}, bool commit_alerts = true) {
    engine_.reset();
    machine_ = std::make_unique<core::DossierStateMachine>(calendar_, catalog_, machine_options);
    EngineOptions options;
    options.machine = machine_options;
    options.commit_alerts = commit_alerts;
    options.clock_mode = ClockMode::kWallTime;
    options.checkpoint_interval_ms = 0;  // checkpoints only when a test asks
    auto engine = Engine::Open(&store_, machine_.get(), options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  Event Make(EventType type, const char* at, const std::string& dossier = "D") {
    Event event;
    event.event_id = "e" + std::to_string(next_id_++);
    event.dossier_id = dossier;
    event.type = type;
    event.occurred_at = At(at);
    event.agency_id = "phuong-bach-khoa";
    return event;
  }
  Event Received(const char* at, int working_days, const std::string& dossier = "D") {
    Event event = Make(EventType::kReceived, at, dossier);
    event.procedure_id = "ward-xac-nhan-tinh-trang-hon-nhan";
    event.processing = core::ProcessingTime{core::ProcessingKind::kWorkingDays, working_days};
    return event;
  }
  Event Apologized(const char* at, const char* new_due_at) {
    Event event = Make(EventType::kApologized, at);
    event.new_due_at = At(new_due_at);
    event.reason = "cần xác minh thêm";
    return event;
  }
  Event Reason(EventType type, const char* at) {
    Event event = Make(type, at);
    event.reason = "thiếu giấy tờ";
    return event;
  }

  // Applies events (one batch) and returns the result.
  BatchResult Apply(const std::vector<Event>& events) {
    std::vector<std::string> bytes;
    for (const Event& event : events) bytes.push_back(codec::EncodeEvent(event));
    std::vector<RawRecord> records;
    for (const std::string& b : bytes) records.push_back(RawRecord{b, 0, offset_++});
    auto result = engine_->ApplyBatch(records, {});
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->rejected, 0)
        << (result->rejections.empty() ? std::string() : result->rejections[0].rejection.message);
    return std::move(*result);
  }
  std::vector<std::string> Advance(const char* now) { return Summary(AdvanceResult(now).alerts); }
  // Advances the clock and commits what it raised, as serve's loop does.
  BatchResult AdvanceResult(const char* now) {
    auto result = engine_->AdvanceClock(At(now));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    Commit();
    return std::move(*result);
  }
  void Commit(bool checkpoint = false) {
    auto commit = engine_->Seal(
        {}, checkpoint ? Engine::CheckpointPolicy::kNow : Engine::CheckpointPolicy::kWhenDue);
    ASSERT_TRUE(commit.ok()) << commit.status().ToString();
    if (*commit == nullptr) return;
    (*commit)->Prepare();
    committed_alerts_ += (*commit)->alerts.size();
    ASSERT_TRUE(store_.Write(*(*commit)->batch).ok());
    engine_->Committed(**commit);
  }
  // The ids of the stored alerts, in order.
  std::vector<std::string> StoredAlertIds() {
    std::vector<std::string> ids;
    EXPECT_TRUE(projections::ForEachAlert(store_, 0, [&](const projections::StoredAlert& alert) {
                  ids.push_back(core::MakeAlertId(alert.dossier_id, alert.kind, alert.due_at));
                  return core::Status::Ok();
                }).ok());
    return ids;
  }

  static core::WorkingCalendar* calendar_;
  static core::ProcedureCatalog* catalog_;
  projections::MemoryKvStore store_;
  std::unique_ptr<core::DossierStateMachine> machine_;
  std::unique_ptr<Engine> engine_;
  int next_id_ = 1;
  int64_t offset_ = 0;
  size_t committed_alerts_ = 0;  // handed to sinks in commits (Commit::alerts)
};

core::WorkingCalendar* AlertRulesTest::calendar_ = nullptr;
core::ProcedureCatalog* AlertRulesTest::catalog_ = nullptr;

using Alerts = std::vector<std::string>;

// docs/alerts.md worked example: due Tue 2019-06-11 09:00.
TEST_F(AlertRulesTest, WorkedExampleFiresEachKindStrictlyAfterItsInstant) {
  Apply({Received("2019-06-06T09:00:00+07:00", 3)});
  EXPECT_EQ(engine_->pending_timers(), 3u);
  EXPECT_EQ(engine_->next_timer_at(), At("2019-06-10T08:00:00+07:00"));
  EXPECT_EQ(Advance("2019-06-10T07:59:59+07:00"), Alerts{});
  EXPECT_EQ(Advance("2019-06-10T08:00:00+07:00"), Alerts{});  // strictly past, not at
  auto apology_due = AdvanceResult("2019-06-10T08:00:00.200+07:00");
  ASSERT_EQ(Summary(apology_due.alerts), Alerts{"apology_due 2019-06-10T08:00:00+07:00"});
  const core::Alert& alert = apology_due.alerts[0];
  EXPECT_EQ(alert.alert_id, "D|apology_due|20190611T0900");
  EXPECT_EQ(alert.raised_at, At("2019-06-10T08:00:00.200+07:00"));
  EXPECT_EQ(core::FormatLocal(alert.due_at), "2019-06-11T09:00:00+07:00");
  EXPECT_EQ(alert.agency_id, "phuong-bach-khoa");
  EXPECT_EQ(alert.procedure_id, "ward-xac-nhan-tinh-trang-hon-nhan");
  EXPECT_FALSE(alert.message_vi.empty());
  EXPECT_FALSE(alert.message_en.empty());
  EXPECT_EQ(Advance("2019-06-10T09:00:00+07:00"), Alerts{});
  EXPECT_EQ(Advance("2019-06-10T09:00:01+07:00"), Alerts{"due_soon 2019-06-10T09:00:00+07:00"});
  EXPECT_EQ(Advance("2019-06-11T09:00:00+07:00"), Alerts{});
  auto overdue = AdvanceResult("2019-06-11T09:00:00.001+07:00");
  EXPECT_EQ(Summary(overdue.alerts), (Alerts{"overdue 2019-06-11T09:00:00+07:00",
                                             "apology_missing 2019-06-11T09:00:00+07:00"}));
  EXPECT_EQ(overdue.derived_events, 1);  // the engine logs its own overdue event
  EXPECT_EQ(engine_->pending_timers(), 0u);
  EXPECT_EQ(engine_->next_timer_at(), std::nullopt);
  EXPECT_EQ(Advance("2019-07-01T09:00:00+07:00"), Alerts{});
  EXPECT_EQ(StoredAlertIds(),
            (Alerts{"D|apology_due|20190611T0900", "D|due_soon|20190611T0900",
                    "D|overdue|20190611T0900", "D|apology_missing|20190611T0900"}));
}

TEST_F(AlertRulesTest, CommitsHandTheirAlertsToSinksUnlessToldThereAreNone) {
  // One working day from Mon 09:00: overdue and apology_missing at Tue 09:00.
  Apply({Received("2019-06-03T09:00:00+07:00", 1, "A")});
  Advance("2019-06-04T09:00:01+07:00");
  EXPECT_EQ(committed_alerts_, 2u);
  Reopen({}, /*commit_alerts=*/false);  // as `hoso replay` opens its target
  Apply({Received("2019-06-05T09:00:00+07:00", 1, "B")});
  EXPECT_EQ(
      Advance("2019-06-06T09:00:01+07:00"),
      (Alerts{"overdue 2019-06-06T09:00:00+07:00", "apology_missing 2019-06-06T09:00:00+07:00"}));
  EXPECT_EQ(committed_alerts_, 2u);  // none more for sinks, all stored
  EXPECT_EQ(StoredAlertIds(),
            (Alerts{"A|overdue|20190604T0900", "A|apology_missing|20190604T0900",
                    "B|overdue|20190606T0900", "B|apology_missing|20190606T0900"}));
}

TEST_F(AlertRulesTest, ABudgetOf540MinutesOrLessArmsOnlyOverdue) {
  // 1 working day from Mon 09:00: due Tue 09:00, budget exactly 540 (not > 540).
  Apply({Received("2019-06-03T09:00:00+07:00", 1)});
  EXPECT_EQ(engine_->pending_timers(), 1u);
  EXPECT_EQ(
      Advance("2019-06-04T09:00:01+07:00"),
      (Alerts{"overdue 2019-06-04T09:00:00+07:00", "apology_missing 2019-06-04T09:00:00+07:00"}));
}

TEST_F(AlertRulesTest, TheDueSoonLeadIsASetting) {
  Reopen(core::StateMachineOptions{.due_soon_lead_minutes = 120});
  // Same 540-minute budget, now above the 120-minute lead: due_soon at Tue
  // 09:00 minus 120 working minutes = Mon 16:00; apology_due at 08:00 of the
  // last working day before Tue = Mon 08:00 (already past: raised at once).
  Apply({Received("2019-06-03T09:00:00+07:00", 1)});
  EXPECT_EQ(engine_->pending_timers(), 3u);
  EXPECT_EQ(Advance("2019-06-03T09:00:01+07:00"), Alerts{"apology_due 2019-06-03T08:00:00+07:00"});
  EXPECT_EQ(Advance("2019-06-03T16:00:01+07:00"), Alerts{"due_soon 2019-06-03T16:00:00+07:00"});
}

TEST_F(AlertRulesTest, HolidaysBetweenNowAndTheDueDateAreSkipped) {
  // docs/domain.md: received Mon 2019-08-26 09:00, 5 working days, due Tue
  // 2019-09-03 09:00 (Mon 2/9 is National Day). The last working day before
  // it is Fri 08-30: apology_due Fri 08:00; due_soon 540 working minutes back
  // from Tue 09:00 (60 on Tue, 480 on Fri) = Fri 09:00.
  Apply({Received("2019-08-26T09:00:00+07:00", 5)});
  EXPECT_EQ(Advance("2019-08-30T07:59:00+07:00"), Alerts{});
  EXPECT_EQ(Advance("2019-08-30T08:00:01+07:00"), Alerts{"apology_due 2019-08-30T08:00:00+07:00"});
  EXPECT_EQ(Advance("2019-09-02T23:59:00+07:00"), Alerts{"due_soon 2019-08-30T09:00:00+07:00"});
  EXPECT_EQ(
      Advance("2019-09-03T09:00:01+07:00"),
      (Alerts{"overdue 2019-09-03T09:00:00+07:00", "apology_missing 2019-09-03T09:00:00+07:00"}));
}

TEST_F(AlertRulesTest, AnApologyOnTheDueDateIsLateSoApologyMissingStillFires) {
  Apply({Received("2019-08-26T09:00:00+07:00", 5)});
  EXPECT_EQ(Advance("2019-08-30T09:00:01+07:00"), (Alerts{"apology_due 2019-08-30T08:00:00+07:00",
                                                          "due_soon 2019-08-30T09:00:00+07:00"}));
  EXPECT_TRUE(
      Apply({Apologized("2019-09-03T08:30:00+07:00", "2019-09-05T17:00:00+07:00")}).alerts.empty());
  EXPECT_EQ(
      Advance("2019-09-03T09:00:01+07:00"),
      (Alerts{"overdue 2019-09-03T09:00:00+07:00", "apology_missing 2019-09-03T09:00:00+07:00"}));
}

TEST_F(AlertRulesTest, ATimelyApologyCancelsApologyDueAndApologyMissing) {
  Apply({Received("2019-06-06T09:00:00+07:00", 3)});
  Apply({Apologized("2019-06-07T10:00:00+07:00", "2019-06-12T17:00:00+07:00")});
  EXPECT_EQ(engine_->pending_timers(), 2u);  // due_soon and overdue
  EXPECT_EQ(Advance("2019-06-10T09:00:01+07:00"), Alerts{"due_soon 2019-06-10T09:00:00+07:00"});
  EXPECT_EQ(Advance("2019-06-11T09:00:01+07:00"), Alerts{"overdue 2019-06-11T09:00:00+07:00"});
}

TEST_F(AlertRulesTest, ASecondApologyRaisesApologyViolationAtItsInstant) {
  Apply({Received("2019-06-06T09:00:00+07:00", 3)});
  EXPECT_TRUE(
      Apply({Apologized("2019-06-07T10:00:00+07:00", "2019-06-12T17:00:00+07:00")}).alerts.empty());
  auto second = Apply({Apologized("2019-06-07T11:30:00+07:00", "2019-06-14T17:00:00+07:00")});
  EXPECT_EQ(Summary(second.alerts), Alerts{"apology_violation 2019-06-07T11:30:00+07:00"});
  EXPECT_EQ(second.alerts[0].alert_id, "D|apology_violation|20190611T0900");
  // The new date is set only once: the first apology's standing holds.
  EXPECT_EQ(Advance("2019-06-11T09:00:01+07:00"),
            (Alerts{"due_soon 2019-06-10T09:00:00+07:00", "overdue 2019-06-11T09:00:00+07:00"}));
}

TEST_F(AlertRulesTest, APauseCancelsPendingAlerts) {
  Apply({Received("2019-06-06T09:00:00+07:00", 3)});
  Apply({Reason(EventType::kSupplementRequested, "2019-06-07T10:00:00+07:00")});
  EXPECT_EQ(engine_->pending_timers(), 0u);
  EXPECT_EQ(Advance("2019-06-30T09:00:00+07:00"), Alerts{});
}

TEST_F(AlertRulesTest, AResumeRearmsFromTheNewDueInstant) {
  Apply({Received("2019-06-06T09:00:00+07:00", 3)});
  // Paused Fri 06-07 10:00 with 1,020 working minutes left (Fri 420, Mon 540,
  // Tue 60); resumed Wed 06-12 09:00: 480 on Wed + 540 on Thu ends exactly at
  // closing, so the new due_at is Thu 06-13 17:00.
  Apply({Reason(EventType::kSupplementRequested, "2019-06-07T10:00:00+07:00")});
  EXPECT_EQ(Advance("2019-06-12T08:59:00+07:00"), Alerts{});
  Apply({Make(EventType::kSupplementReceived, "2019-06-12T09:00:00+07:00")});
  EXPECT_EQ(engine_->pending_timers(), 3u);
  // apology_due (08:00 of Wed, the last working day before Thu) is already
  // past at the resumption: raised at the next tick.
  auto tick = AdvanceResult("2019-06-12T09:00:00.100+07:00");
  ASSERT_EQ(Summary(tick.alerts), Alerts{"apology_due 2019-06-12T08:00:00+07:00"});
  EXPECT_EQ(tick.alerts[0].alert_id, "D|apology_due|20190613T1700");
  // due_soon: 540 minutes back from Thu 17:00 ends exactly at Thu's opening.
  EXPECT_EQ(Advance("2019-06-13T08:00:01+07:00"), Alerts{"due_soon 2019-06-13T08:00:00+07:00"});
  EXPECT_EQ(
      Advance("2019-06-13T17:00:01+07:00"),
      (Alerts{"overdue 2019-06-13T17:00:00+07:00", "apology_missing 2019-06-13T17:00:00+07:00"}));
}

TEST_F(AlertRulesTest, AResolutionCancelsPendingAlerts) {
  Apply({Received("2019-06-06T09:00:00+07:00", 3)});
  Event resolved = Make(EventType::kResolved, "2019-06-07T10:00:00+07:00");
  Apply({resolved});
  EXPECT_EQ(engine_->pending_timers(), 0u);
  EXPECT_EQ(Advance("2019-06-30T09:00:00+07:00"), Alerts{});
}

TEST_F(AlertRulesTest, ARestartFiresTimersThatCameDueWhileDownExactlyOnce) {
  Apply({Received("2019-06-06T09:00:00+07:00", 3), Received("2019-06-06T09:00:00+07:00", 5, "E")});
  EXPECT_EQ(Advance("2019-06-10T08:00:01+07:00"), Alerts{"apology_due 2019-06-10T08:00:00+07:00"});
  Reopen();                                  // down from Mon 08:00 to Tue 10:00
  EXPECT_EQ(engine_->pending_timers(), 5u);  // D: due_soon, overdue; E: three
  EXPECT_EQ(Advance("2019-06-11T10:00:00+07:00"),
            (Alerts{"due_soon 2019-06-10T09:00:00+07:00", "overdue 2019-06-11T09:00:00+07:00",
                    "apology_missing 2019-06-11T09:00:00+07:00"}));
  EXPECT_EQ(Advance("2019-06-11T10:00:01+07:00"), Alerts{});
  Reopen();
  // The clock is stored with the last batch that wrote something (idle
  // ticks write nothing), here the tick that raised the alerts.
  EXPECT_EQ(engine_->clock(), At("2019-06-11T10:00:00+07:00"));
  EXPECT_EQ(Advance("2019-06-11T10:00:02+07:00"), Alerts{});
  EXPECT_EQ(StoredAlertIds().size(), 4u);
}

// Alerts raised after the last checkpoint live only in the log tail and the
// alert log until the next one: a restart re-applies that tail and must
// remember them, not raise them again.
TEST_F(AlertRulesTest, AlertsRaisedAfterTheLastCheckpointAreNotRaisedAgainAfterARestart) {
  Apply({Received("2019-06-06T09:00:00+07:00", 1), Received("2019-06-06T09:00:00+07:00", 3, "E")});
  Commit(/*checkpoint=*/true);
  EXPECT_EQ(
      Advance("2019-06-07T09:00:01+07:00"),
      (Alerts{"overdue 2019-06-07T09:00:00+07:00", "apology_missing 2019-06-07T09:00:00+07:00"}));
  Reopen();
  EXPECT_EQ(engine_->pending_timers(), 3u);  // E's only
  EXPECT_EQ(Advance("2019-06-07T09:00:02+07:00"), Alerts{});
  Commit(/*checkpoint=*/true);
  Reopen();
  EXPECT_EQ(engine_->pending_timers(), 3u);
  EXPECT_EQ(StoredAlertIds(),
            (Alerts{"D|overdue|20190607T0900", "D|apology_missing|20190607T0900"}));
}

TEST_F(AlertRulesTest, AnIncomingOverdueAfterTheDerivedOneIsADuplicate) {
  Apply({Received("2019-06-06T09:00:00+07:00", 3)});
  EXPECT_EQ(AdvanceResult("2019-06-11T09:00:01+07:00").derived_events, 1);
  Event overdue = Make(EventType::kOverdue, "2019-06-11T09:05:00+07:00");
  overdue.due_at = At("2019-06-11T09:00:00+07:00");
  auto result = Apply({overdue});
  EXPECT_EQ(result.duplicates, 1);
  EXPECT_EQ(result.applied, 0);
  EXPECT_TRUE(result.alerts.empty());
}

TEST_F(AlertRulesTest, IdleTicksWriteNothing) {
  Apply({Received("2019-06-06T09:00:00+07:00", 3)});
  const size_t writes_before = store_.writes();
  for (int second = 0; second < 100; ++second) {
    EXPECT_TRUE(AdvanceResult("2019-06-07T09:00:00+07:00").alerts.empty());
  }
  EXPECT_EQ(store_.writes(), writes_before);
  EXPECT_EQ(engine_->pending_timers(), 3u);
}

// The stored alert (AppendAlertJson, the engine's hot path, which copies its
// own texts unescaped) is the JSON of the full alert for every kind, and an id
// that needs escaping is escaped.
TEST(AlertJsonTest, HotPathEncodingEqualsTheFullAlertForEveryKind) {
  const std::string dossier_id = "HS-\"quoted\"\\Hà Nội\t1";
  for (int k = 0; k < core::kAlertKindCount; ++k) {
    core::AlertSpec spec;
    spec.kind = static_cast<AlertKind>(k);
    spec.due_at = core::ToLocalMinute(At("2019-12-31T17:00:00+07:00"));
    spec.fires_at = core::ToLocalMinute(At("2019-12-30T17:00:00+07:00"));
    spec.raised_at = At("2019-12-30T17:03:00+07:00");
    std::string json;
    std::string scratch;
    AppendAlertJson(&json, spec, dossier_id, "ubnd-\"x\"", "proc\\1", &scratch);
    const core::Alert alert = core::AlertFor(spec, dossier_id, "ubnd-\"x\"", "proc\\1");
    EXPECT_EQ(json, EncodeAlertJson(alert)) << core::AlertKindName(spec.kind);
    for (const std::string* message : {&alert.message_vi, &alert.message_en}) {
      ASSERT_FALSE(message->empty());
      for (unsigned char c : *message) {
        EXPECT_TRUE(c >= 0x20 && c != '"' && c != '\\')
            << core::AlertKindName(spec.kind) << ": " << *message;
      }
    }
  }
}

TEST(CompactStringFieldTest, FindsCompactFieldsAndRefusesWhatItCannotReadAlone) {
  const std::string long_name(60, 'n');  // longer than the pattern's stack buffer
  const std::string json =
      "{\"note\":\"say \\\"kind\\\":\\\"x\\\"\",\"kind\":\"overdue\","
      "\"id\":\"a\\\"b\",\"" +
      long_name + "\":\"long\",\"n\":1}";
  // An escaped quote inside a value does not look like a key.
  EXPECT_EQ(CompactStringField(json, "kind"), std::optional<std::string_view>("overdue"));
  EXPECT_EQ(CompactStringField(json, long_name), std::optional<std::string_view>("long"));
  EXPECT_EQ(CompactStringField(json, "id"), std::nullopt);  // escaped: parse it instead
  EXPECT_EQ(CompactStringField(json, "n"), std::nullopt);   // not a string
  EXPECT_EQ(CompactStringField(json, "absent"), std::nullopt);
  EXPECT_EQ(CompactStringField("{\"kind\":\"cut", "kind"), std::nullopt);  // no closing quote
}

TEST(LeadingIdsTest, ReadsTheIdsAnEncodedEventBeginsWithAndNothingElse) {
  Event event;
  event.event_id = "HBT-2019-W03-000001:2";
  event.dossier_id = "HBT-2019-W03-000001";
  event.type = EventType::kResolved;
  event.occurred_at = Instant{1546300800000};
  const std::string encoded = codec::EncodeEvent(event);
  std::string_view event_id;
  std::string_view dossier_id;
  ASSERT_TRUE(LeadingIds(encoded, &event_id, &dossier_id)) << encoded;
  EXPECT_EQ(event_id, "HBT-2019-W03-000001:2");
  EXPECT_EQ(dossier_id, "HBT-2019-W03-000001");
  EXPECT_EQ(CompactStringField(encoded, "event_id"), std::optional<std::string_view>(event_id));
  EXPECT_EQ(CompactStringField(encoded, "dossier_id"), std::optional<std::string_view>(dossier_id));

  // Anything else is left to the scan, and the outputs stay untouched.
  for (const std::string_view other : {
           R"({"dossier_id":"D","event_id":"E"})",        // another order
           R"({ "event_id":"E","dossier_id":"D"})",       // spacing
           R"({"event_id":"E\u0031","dossier_id":"D"})",  // an escaped event id
           R"({"event_id":"E","dossier_id":"D\"x"})",     // an escaped dossier id
           R"({"event_id":"E","type":"received"})",       // no dossier id next
           R"({"event_id":"E","dialogue_id":"D"})",       // a dialogue
           R"({"event_id":"E)",                           // cut in the event id
           R"({"event_id":"E",)",                         // cut after it
           R"({"event_id":"E","dossier_id":"D)",          // cut in the dossier id
           R"({"event_id":")",                            // nothing after the key
       }) {
    std::string_view left_event = "unchanged";
    std::string_view left_dossier = "unchanged";
    EXPECT_FALSE(LeadingIds(other, &left_event, &left_dossier)) << other;
    EXPECT_EQ(left_event, "unchanged") << other;
    EXPECT_EQ(left_dossier, "unchanged") << other;
  }
}

}  // namespace
}  // namespace hoso::runtime
