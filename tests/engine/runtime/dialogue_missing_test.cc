// The dialogue_missing alert (docs/alerts.md "dialogue_missing"): a ward of
// the agency list with no dialogue with citizens on administrative
// procedures in the half-year when the engine clock passes 15 June or
// 15 December 00:00 local time. Driven through runtime::Engine on RocksDB in
// a temp dir, with the built-in Hai Bà Trưng reference (20 wards, 5 district
// offices, the district); time is an input (event time, or AdvanceClock).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/core/dialogue_deadline.h"
#include "engine/core/dossier_state_machine.h"
#include "engine/runtime/committer.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/log_replayer.h"
#include "projections/alert_log.h"
#include "schemas/codec/event_codec.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/loadgen_year.h"

namespace hoso::runtime {
namespace {

using core::AlertKind;
using core::Event;
using core::EventType;
using core::Instant;

constexpr char kOffice[] = "hbt-bo-phan-mot-cua";  // a district office

Instant At(const char* text) {
  auto instant = core::ParseRfc3339(text);
  EXPECT_TRUE(instant.ok()) << text;
  return *instant;
}

// RocksDB in `path`, without the free-space floor (test machines may be full).
std::unique_ptr<connectors::RocksKvStore> OpenRocks(const std::string& path) {
  connectors::RocksOptions options;
  options.min_free_bytes = 0;
  auto store = connectors::RocksKvStore::Open(path, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

std::vector<std::string> Wards() {
  std::vector<std::string> wards;
  for (const core::Agency& agency : testing::BuiltIn().agencies.all()) {
    if (agency.kind == "ward") wards.push_back(agency.agency_id);
  }
  std::sort(wards.begin(), wards.end());
  return wards;
}

// The wards of `alerts` of kind dialogue_missing with this due_at ("2019-06-15T00:00:00+07:00").
std::vector<std::string> MissingAt(const std::vector<core::Alert>& alerts, const char* due_at) {
  std::vector<std::string> wards;
  for (const core::Alert& alert : alerts) {
    if (alert.kind == AlertKind::kDialogueMissing && core::FormatLocal(alert.due_at) == due_at) {
      wards.push_back(alert.agency_id);
    }
  }
  return wards;
}

std::vector<std::string> AllBut(const std::vector<std::string>& excluded) {
  std::vector<std::string> wards;
  for (const std::string& ward : Wards()) {
    if (std::find(excluded.begin(), excluded.end(), ward) == excluded.end()) wards.push_back(ward);
  }
  return wards;
}

class DialogueMissingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    machine_ = testing::BuiltInMachine();
    OpenStore();
    Reopen();
  }

  void OpenStore() {
    store_ = OpenRocks(dir_.File("db"));
    ASSERT_NE(store_, nullptr);
  }

  // Drops the engine and opens a new one on the same store: a restart.
  void Reopen(ClockMode mode = ClockMode::kEventTime) {
    engine_.reset();
    EngineOptions options;
    options.clock_mode = mode;
    options.checkpoint_interval_ms = 0;  // checkpoints only when a test asks
    auto engine = Engine::Open(store_.get(), machine_.get(), options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  Event Dialogue(const std::string& ward, const char* held_on, const char* recorded_at,
                 core::DialogueTopic topic = core::DialogueTopic::kAdministrativeProcedures) {
    Event event;
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "e" + std::string.
    event.event_id = "e";
    event.event_id += std::to_string(next_id_++);
    event.dossier_id = core::kDialogueChainPrefix;
    event.dossier_id += "DT-";
    event.dossier_id += event.event_id;
    event.type = EventType::kDialogueHeld;
    event.occurred_at = At(recorded_at);
    event.agency_id = ward;
    event.held_on = *core::ParseCivilDate(held_on);
    event.topic = topic;
    event.participants = 40;
    event.minutes_ref = "BB-" + event.event_id;
    return event;
  }
  // Only moves the clock: a district office's dialogue on another topic (no
  // dossier timer, no ward's count). `at` is local ("…+07:00").
  Event Tick(const char* at) {
    const std::string day = std::string(at).substr(0, 10);
    return Dialogue(kOffice, day.c_str(), at, core::DialogueTopic::kOther);
  }

  // Applies events as one batch and commits it.
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
  // Advances a wall clock and commits what it raised, as serve's loop does.
  BatchResult Advance(const char* now) {
    auto result = engine_->AdvanceClock(At(now));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    auto commit = engine_->Seal({});
    EXPECT_TRUE(commit.ok()) << commit.status().ToString();
    if (commit.ok() && *commit) {
      (*commit)->Prepare();
      EXPECT_TRUE(store_->Write(*(*commit)->batch).ok());
      engine_->Committed(**commit);
    }
    return std::move(*result);
  }

  // The ids of the stored alerts of `store`, in sequence order.
  static std::vector<std::string> StoredAlertIds(projections::KvStore& store) {
    std::vector<std::string> ids;
    EXPECT_TRUE(projections::ForEachAlert(store, 0, [&](const projections::StoredAlert& alert) {
                  ids.push_back(core::MakeAlertId(alert.dossier_id, alert.kind, alert.due_at));
                  return core::Status::Ok();
                }).ok());
    return ids;
  }
  // The stored alerts' JSON, in sequence order.
  static std::vector<std::string> StoredAlertJson(projections::KvStore& store) {
    std::vector<std::string> json;
    EXPECT_TRUE(projections::ForEachAlert(store, 0, [&](const projections::StoredAlert& alert) {
                  json.emplace_back(alert.json);
                  return core::Status::Ok();
                }).ok());
    return json;
  }

  testing::TempDir dir_;
  std::unique_ptr<core::DossierStateMachine> machine_;
  std::unique_ptr<connectors::RocksKvStore> store_;
  std::unique_ptr<Engine> engine_;
  int next_id_ = 1;
  int64_t offset_ = 0;
};

TEST_F(DialogueMissingTest, AWardWithADialogueInMarchGetsNoAlertOnFifteenJune) {
  Apply({Dialogue("phuong-bach-dang", "2019-03-15", "2019-03-15T17:00:00+07:00")});
  const BatchResult passed = Apply({Tick("2019-06-17T08:00:00+07:00")});
  const std::vector<std::string> missing = MissingAt(passed.alerts, "2019-06-15T00:00:00+07:00");
  EXPECT_EQ(missing, AllBut({"phuong-bach-dang"}));
  EXPECT_EQ(passed.alerts_by_kind[static_cast<int>(AlertKind::kDialogueMissing)], 19);
}

TEST_F(DialogueMissingTest, AWardWithNoneGetsOneAtFifteenJuneNotAMinuteBefore) {
  Apply({Dialogue("phuong-bach-dang", "2019-03-15", "2019-03-15T17:00:00+07:00")});
  EXPECT_EQ(engine_->next_timer_at(), At("2019-06-15T00:00:00+07:00"));
  EXPECT_TRUE(Apply({Tick("2019-06-14T23:59:00+07:00")}).alerts.empty());
  // Strictly past the minute, like every timer: the clock at it fires nothing.
  EXPECT_TRUE(Apply({Tick("2019-06-15T00:00:00+07:00")}).alerts.empty());
  const BatchResult passed = Apply({Tick("2019-06-15T00:00:01+07:00")});
  ASSERT_EQ(passed.alerts.size(), 19u);
  const core::Alert& alert = passed.alerts[0];  // in ward id order (bach-dang has one)
  EXPECT_EQ(alert.alert_id, "agency:phuong-bach-khoa|dialogue_missing|20190615T0000");
  EXPECT_EQ(alert.kind, AlertKind::kDialogueMissing);
  EXPECT_EQ(alert.dossier_id, "agency:phuong-bach-khoa");
  EXPECT_EQ(alert.agency_id, "phuong-bach-khoa");
  EXPECT_EQ(alert.procedure_id, "");
  EXPECT_EQ(core::FormatLocal(alert.due_at), "2019-06-15T00:00:00+07:00");
  EXPECT_EQ(core::FormatLocal(alert.fires_at), "2019-06-15T00:00:00+07:00");
  // Event time: raised_at is the deadline, whichever event passed it.
  EXPECT_EQ(core::FormatLocal(alert.raised_at), "2019-06-15T00:00:00+07:00");
  EXPECT_EQ(alert.message_vi,
            "Chưa tổ chức đối thoại với người dân về thủ tục hành chính trong 6 tháng đầu năm "
            "2019; cần tổ chức chậm nhất ngày 30/06/2019");
  EXPECT_EQ(alert.message_en,
            "No dialogue with citizens on administrative procedures held in the first half of "
            "2019; hold one by 30/06/2019");
  // Stored as published, and the next deadline is December's.
  const std::vector<std::string> json = StoredAlertJson(*store_);
  ASSERT_EQ(json.size(), 19u);
  EXPECT_EQ(json[0], EncodeAlertJson(alert));
  EXPECT_EQ(engine_->next_timer_at(), At("2019-12-15T00:00:00+07:00"));
}

TEST_F(DialogueMissingTest, ADialogueOffTopicDoesNotCount) {
  Apply({Dialogue("phuong-bach-dang", "2019-03-15", "2019-03-15T17:00:00+07:00",
                  core::DialogueTopic::kOther),
         Dialogue("phuong-bach-khoa", "2019-04-02", "2019-04-02T17:00:00+07:00")});
  const BatchResult passed = Apply({Tick("2019-06-17T08:00:00+07:00")});
  EXPECT_EQ(MissingAt(passed.alerts, "2019-06-15T00:00:00+07:00"), AllBut({"phuong-bach-khoa"}));
}

TEST_F(DialogueMissingTest, ADialogueHeldBeforeButRecordedAfterTheDeadlineCancelsNothing) {
  Apply({Dialogue("phuong-bach-dang", "2019-03-15", "2019-03-15T17:00:00+07:00")});
  // Held on 10 June, recorded on 17 June: the clock passes 15 June before it
  // counts, so Bách Khoa is alerted by the very event that records it.
  const BatchResult late =
      Apply({Dialogue("phuong-bach-khoa", "2019-06-10", "2019-06-17T09:00:00+07:00")});
  EXPECT_EQ(MissingAt(late.alerts, "2019-06-15T00:00:00+07:00"), AllBut({"phuong-bach-dang"}));
  // Another one recorded later for a ward already alerted raises and removes nothing.
  const BatchResult later =
      Apply({Dialogue("phuong-bach-mai", "2019-06-12", "2019-06-20T09:00:00+07:00"),
             Tick("2019-07-01T08:00:00+07:00")});
  EXPECT_TRUE(later.alerts.empty());
  EXPECT_EQ(StoredAlertIds(*store_).size(), 19u);
  // Both count for the half-year's figures (the scorecard), by held_on.
  int64_t june = 0;
  for (const auto& [key, counters] : engine_->kpi_cells()) {
    if (key.month_key == 201906) june += counters[core::KpiField::kDialoguesHeld];
  }
  EXPECT_EQ(june, 2);
  // December checks July–December only: a June dialogue does not count there.
  const BatchResult december =
      Apply({Dialogue("phuong-bach-dang", "2019-09-20", "2019-09-20T17:00:00+07:00"),
             Tick("2019-12-16T08:00:00+07:00")});
  EXPECT_EQ(MissingAt(december.alerts, "2019-12-15T00:00:00+07:00"), AllBut({"phuong-bach-dang"}));
}

TEST_F(DialogueMissingTest, DistrictOfficesAndTheDistrictNeverGetIt) {
  // An office's dialogue is recorded (and shown by the scorecard); nobody
  // but the 20 wards is checked.
  Apply({Dialogue("hbt-phong-tu-phap", "2019-03-15", "2019-03-15T17:00:00+07:00")});
  const BatchResult passed = Apply({Tick("2019-06-17T08:00:00+07:00")});
  EXPECT_EQ(MissingAt(passed.alerts, "2019-06-15T00:00:00+07:00"), Wards());
  EXPECT_EQ(Wards().size(), 20u);
  for (const core::Alert& alert : passed.alerts) {
    if (alert.kind != AlertKind::kDialogueMissing) continue;
    const core::Agency* agency = testing::BuiltIn().agencies.Find(alert.agency_id);
    ASSERT_NE(agency, nullptr);
    EXPECT_EQ(agency->kind, "ward") << alert.agency_id;
  }
}

TEST_F(DialogueMissingTest, OnlyDeadlinesPassedAfterTheFirstEventEachOnce) {
  // The first event is dated after 15 June 2019: that deadline is not raised.
  Apply({Tick("2019-06-20T08:00:00+07:00")});
  EXPECT_EQ(engine_->next_timer_at(), At("2019-12-15T00:00:00+07:00"));
  // A jump over three deadlines raises each once, in order.
  const BatchResult jump = Apply({Tick("2021-01-04T08:00:00+07:00")});
  EXPECT_EQ(MissingAt(jump.alerts, "2019-06-15T00:00:00+07:00").size(), 0u);
  EXPECT_EQ(MissingAt(jump.alerts, "2019-12-15T00:00:00+07:00"), Wards());
  EXPECT_EQ(MissingAt(jump.alerts, "2020-06-15T00:00:00+07:00"), Wards());
  EXPECT_EQ(MissingAt(jump.alerts, "2020-12-15T00:00:00+07:00"), Wards());
  EXPECT_EQ(engine_->next_timer_at(), At("2021-06-15T00:00:00+07:00"));
  const std::vector<std::string> ids = StoredAlertIds(*store_);
  EXPECT_EQ(ids.size(), 60u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_EQ(ids.front(), "agency:phuong-bach-dang|dialogue_missing|20191215T0000");
  EXPECT_EQ(ids.back(), "agency:phuong-vinh-tuy|dialogue_missing|20201215T0000");
}

TEST_F(DialogueMissingTest, FiresOnceAcrossARestartAndAReplayRaisesTheSameIds) {
  Apply({Dialogue("phuong-bach-dang", "2019-03-15", "2019-03-15T17:00:00+07:00"),
         Tick("2019-05-02T08:00:00+07:00")});
  Reopen();  // before the deadline: it is armed from the store
  EXPECT_EQ(engine_->next_timer_at(), At("2019-06-15T00:00:00+07:00"));
  EXPECT_EQ(Apply({Tick("2019-06-17T08:00:00+07:00")}).alerts.size(), 19u);
  Reopen();  // after it: raised already, never again
  EXPECT_EQ(engine_->next_timer_at(), At("2019-12-15T00:00:00+07:00"));
  EXPECT_TRUE(Apply({Tick("2019-06-18T08:00:00+07:00")}).alerts.empty());
  // A checkpoint, then a restart past December's deadline in the log tail.
  auto checkpoint = engine_->Seal({}, Engine::CheckpointPolicy::kNow);
  ASSERT_TRUE(checkpoint.ok() && *checkpoint);
  (*checkpoint)->Prepare();
  ASSERT_TRUE(store_->Write(*(*checkpoint)->batch).ok());
  engine_->Committed(**checkpoint);
  EXPECT_EQ(Apply({Dialogue("phuong-bach-dang", "2019-09-20", "2019-09-20T17:00:00+07:00"),
                   Tick("2019-12-16T08:00:00+07:00")})
                .alerts.size(),
            19u);
  Reopen();
  EXPECT_TRUE(Apply({Tick("2019-12-17T08:00:00+07:00")}).alerts.empty());
  const std::vector<std::string> live = StoredAlertIds(*store_);
  ASSERT_EQ(live.size(), 38u);

  // `hoso replay`: the log into a new store gives the same alerts, byte for byte.
  testing::TempDir replay_dir;
  std::unique_ptr<connectors::RocksKvStore> target_store = OpenRocks(replay_dir.File("db"));
  ASSERT_NE(target_store, nullptr);
  EngineOptions options;
  options.checkpoint_interval_ms = 0;
  auto target = Engine::Open(target_store.get(), machine_.get(), options);
  ASSERT_TRUE(target.ok());
  Committer committer(target_store.get(), /*threaded=*/false);
  ASSERT_TRUE(ReplayLog(*store_, **target, &committer, ReplayOptions{}).ok());
  EXPECT_EQ(StoredAlertIds(*target_store), live);
  EXPECT_EQ(StoredAlertJson(*target_store), StoredAlertJson(*store_));
}

TEST_F(DialogueMissingTest, TheWallClockRaisesItInAdvanceClock) {
  Reopen(ClockMode::kWallTime);
  Apply({Dialogue("phuong-bach-dang", "2019-03-15", "2019-03-15T17:00:00+07:00")});
  EXPECT_EQ(engine_->next_timer_at(), At("2019-06-15T00:00:00+07:00"));
  EXPECT_TRUE(Advance("2019-06-14T23:59:59+07:00").alerts.empty());
  EXPECT_TRUE(Advance("2019-06-15T00:00:00+07:00").alerts.empty());
  const BatchResult passed = Advance("2019-06-15T00:00:00.200+07:00");
  EXPECT_EQ(MissingAt(passed.alerts, "2019-06-15T00:00:00+07:00"), AllBut({"phuong-bach-dang"}));
  // Wall time: raised_at is the clock that passed it.
  EXPECT_EQ(passed.alerts.front().raised_at, At("2019-06-15T00:00:00.200+07:00"));
  Reopen(ClockMode::kWallTime);
  EXPECT_TRUE(Advance("2019-06-16T00:00:00+07:00").alerts.empty());
  EXPECT_EQ(StoredAlertIds(*store_).size(), 19u);
}

TEST_F(DialogueMissingTest, WithoutAnAgencyListNothingIsArmed) {
  const testing::BuiltInReference& ref = testing::BuiltIn();
  machine_ = std::make_unique<core::DossierStateMachine>(&ref.calendar, &ref.catalog);
  Reopen();
  Apply({Tick("2019-03-01T08:00:00+07:00")});
  EXPECT_EQ(engine_->next_timer_at(), std::nullopt);
  EXPECT_TRUE(Apply({Tick("2019-06-17T08:00:00+07:00")}).alerts.empty());
}

// `hoso loadgen`'s year (docs/plan-targets.md): one ward holds no dialogue,
// two hold one in the first half-year only, one holds two in the first
// half-year, one holds its second on another topic; the others hold one in
// each. All first-half dialogues fall in March–May, before 15 June.
TEST_F(DialogueMissingTest, TheLoadgenYearRaisesOneInJuneAndFiveInDecember) {
  const std::vector<std::string> lines = testing::LoadgenLines(2000, 42);
  std::vector<RawRecord> records;
  for (size_t i = 0; i < lines.size(); ++i) {
    records.emplace_back(lines[i], 0, static_cast<int64_t>(i));
  }
  std::vector<core::Alert> alerts;
  for (size_t at = 0; at < records.size(); at += 4096) {
    const size_t n = std::min<size_t>(4096, records.size() - at);
    auto result = engine_->ApplyBatch(std::span(records).subspan(at, n), {});
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    for (core::Alert& alert : result->alerts) {
      if (alert.kind == AlertKind::kDialogueMissing) alerts.push_back(std::move(alert));
    }
  }
  const std::vector<std::string> june = MissingAt(alerts, "2019-06-15T00:00:00+07:00");
  const std::vector<std::string> december = MissingAt(alerts, "2019-12-15T00:00:00+07:00");
  ASSERT_EQ(june.size(), 1u);
  EXPECT_EQ(december.size(), 5u);
  EXPECT_NE(std::find(december.begin(), december.end(), june[0]), december.end());
  EXPECT_EQ(alerts.size(), 6u);
}

}  // namespace
}  // namespace hoso::runtime
