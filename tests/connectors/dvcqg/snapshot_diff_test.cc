// DiffSnapshot: the events each change of a dossier's snapshot gives, their
// deterministic ids, and the snapshots it refuses (older, contradicting,
// unknown codes, missing fields), each with its reason.
#include "connectors/dvcqg/snapshot_diff.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "connectors/dvcqg/sync_record.h"

namespace hoso::connectors::dvcqg {
namespace {

DossierSnapshot Read(const std::string& json) {
  auto read = ReadDossierSnapshot(json);
  EXPECT_TRUE(std::holds_alternative<DossierSnapshot>(read))
      << std::get<SyncRejection>(read).message;
  return std::get<DossierSnapshot>(read);
}

// A snapshot of dossier H1 with `status` and the extra fields in `more`.
DossierSnapshot Snapshot(const std::string& status, const std::string& more = "") {
  return Read(
      R"({"MaHoSo": "H1", "MaTTHC": "ward-dang-ky-khai-sinh", "DonViXuLy": "phuong-bach-khoa",
    "HinhThuc": "1", "NgayTiepNhan": "20190603090000", "NgayHenTra": "20190610090000",
    "TrangThaiHoSo": ")" +
      status + "\"" + (more.empty() ? "" : ", " + more) + "}");
}

// A progress step of dossier H1, with the fields in `fields`.
ProgressStep Step(const std::string& fields) {
  auto read = ReadSyncRecord(R"({"MaHoSo": "H1", "NguoiXuLy": "Ngô Văn Em", "ChucDanh": "Công chức",
    "NoiDungXuLy": "Chuyển hồ sơ của ông Nguyễn Văn An", )" +
                             fields + "}");
  EXPECT_TRUE(std::holds_alternative<ProgressStep>(read))
      << (std::holds_alternative<SyncRejection>(read) ? std::get<SyncRejection>(read).message
                                                      : "read as a snapshot");
  return std::holds_alternative<ProgressStep>(read) ? std::get<ProgressStep>(read) : ProgressStep{};
}

class SnapshotDiffTest : public ::testing::Test {
 protected:
  SnapshotDiffTest() { options_.mapping = &mapping_; }

  // Applies `next` over the track kept so far; fails the test on a refusal.
  std::vector<nlohmann::json> Apply(const DossierSnapshot& next) {
    return Take(DiffSnapshot(track_ ? &*track_ : nullptr, next, options_));
  }
  std::vector<nlohmann::json> Apply(const ProgressStep& step) {
    return Take(DiffProgressStep(track_ ? &*track_ : nullptr, step, options_));
  }

  SyncRejection Refused(const DossierSnapshot& next) {
    return Refusal(DiffSnapshot(track_ ? &*track_ : nullptr, next, options_));
  }
  SyncRejection Refused(const ProgressStep& step) {
    return Refusal(DiffProgressStep(track_ ? &*track_ : nullptr, step, options_));
  }

  // The events of an applied diff (the track and notes kept).
  std::vector<nlohmann::json> Take(std::variant<SnapshotChanges, SyncRejection> diff) {
    EXPECT_TRUE(std::holds_alternative<SnapshotChanges>(diff))
        << std::get<SyncRejection>(diff).message;
    if (!std::holds_alternative<SnapshotChanges>(diff)) return {};
    SnapshotChanges& changes = std::get<SnapshotChanges>(diff);
    track_ = changes.track;
    unapplied_ = changes.unapplied;
    std::vector<nlohmann::json> events;
    for (const DerivedEvent& event : changes.events) {
      events.push_back(nlohmann::json::parse(event.json));
    }
    return events;
  }

  static SyncRejection Refusal(std::variant<SnapshotChanges, SyncRejection> diff) {
    EXPECT_TRUE(std::holds_alternative<SyncRejection>(diff));
    if (!std::holds_alternative<SyncRejection>(diff)) return {};
    return std::get<SyncRejection>(diff);
  }

  StatusMapping mapping_ = DefaultStatusMapping();
  DiffOptions options_;
  std::optional<DossierTrack> track_;
  std::vector<SyncRejection> unapplied_;
};

TEST_F(SnapshotDiffTest, ReceptionGivesOneReceivedEventWithTheReceiptsAppointment) {
  auto events = Apply(Snapshot("2"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], nlohmann::json::parse(R"({"event_id": "dvcqg:H1:received",
    "dossier_id": "H1", "type": "received", "occurred_at": "2019-06-03T09:00:00+07:00",
    "agency_id": "phuong-bach-khoa", "procedure_id": "ward-dang-ky-khai-sinh", "channel": "direct",
    "due_at": "2019-06-10T09:00:00+07:00"})"));
  EXPECT_TRUE(Apply(Snapshot("2")).empty()) << "the same snapshot again changes nothing";
  EXPECT_TRUE(Apply(Snapshot("4")).empty()) << "in progress adds no event";
}

TEST_F(SnapshotDiffTest, BeforeAcceptanceAndRefusedAtReceptionThereIsNoDossier) {
  EXPECT_TRUE(Apply(Snapshot("1")).empty());
  EXPECT_TRUE(Apply(Snapshot("3")).empty());
  EXPECT_FALSE(track_->received);
}

TEST_F(SnapshotDiffTest, AnOnlineDossierTakesTheCatalogsLevelElseTheMappings) {
  auto events = Apply(Read(R"({"MaHoSo": "H2", "MaTTHC": "p", "DonViXuLy": "a", "HinhThuc": 2,
    "NgayTiepNhan": "20190603090000", "TrangThaiHoSo": 2})"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["channel"], "online");
  EXPECT_EQ(events[0]["online_level"], 3);
  EXPECT_FALSE(events[0].contains("due_at"));
  track_.reset();
  options_.catalog_online_level = [](std::string_view) { return std::optional<int>(4); };
  events = Apply(Read(R"({"MaHoSo": "H2", "MaTTHC": "p", "DonViXuLy": "a", "HinhThuc": 2,
    "NgayTiepNhan": "20190603090000", "TrangThaiHoSo": 2})"));
  EXPECT_EQ(events[0]["online_level"], 4);
}

TEST_F(SnapshotDiffTest, ASupplementRoundGivesARequestThenAReceiptWithTheNewAppointment) {
  Apply(Snapshot("2"));
  auto asked = Apply(Snapshot(
      "5", R"("DanhSachHoSoBoSung": [{"HoSoBoSungId": "BS1", "NgayBoSung": "20190605160000"}])"));
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0]["event_id"], "dvcqg:H1:supplement:BS1:asked");
  EXPECT_EQ(asked[0]["type"], "supplement_requested");
  EXPECT_EQ(asked[0]["occurred_at"], "2019-06-05T16:00:00+07:00");
  auto given = Apply(Snapshot("4", R"("DanhSachHoSoBoSung": [{"HoSoBoSungId": "BS1",
    "NgayBoSung": "20190605160000", "NgayTiepNhanBoSung": "20190612090000",
    "NgayHenTraMoi": "20190614110000"}])"));
  ASSERT_EQ(given.size(), 1u);
  EXPECT_EQ(given[0]["event_id"], "dvcqg:H1:supplement:BS1:given");
  EXPECT_EQ(given[0]["type"], "supplement_received");
  EXPECT_EQ(given[0]["due_at"], "2019-06-14T11:00:00+07:00");
}

TEST_F(SnapshotDiffTest, AFirstSnapshotOfAFinishedDossierGivesItsWholeLifeInTimeOrder) {
  auto events = Apply(Snapshot("10", R"("NgayKetThucXuLy": "20190613100000",
    "NgayTra": "20190614080000", "DanhSachHoSoBoSung": [{"NgayBoSung": "20190605160000",
    "NgayTiepNhanBoSung": "20190612090000"}])"));
  std::vector<std::string> ids;
  for (const auto& event : events) ids.push_back(event["event_id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"dvcqg:H1:received", "dvcqg:H1:supplement:1:asked",
                                           "dvcqg:H1:supplement:1:given", "dvcqg:H1:resolved"}));
  EXPECT_EQ(events.back()["outcome"], "approved");
  EXPECT_TRUE(Apply(Snapshot("10", R"("NgayKetThucXuLy": "20190613100000",
    "NgayTra": "20190614080000", "DanhSachHoSoBoSung": [{"NgayBoSung": "20190605160000",
    "NgayTiepNhanBoSung": "20190612090000"}])"))
                  .empty());
}

TEST_F(SnapshotDiffTest, EndingsBecomeWithdrawnRejectedOrResolved) {
  const std::pair<const char*, const char*> cases[] = {
      {"7", "withdrawn"}, {"8", "rejected"}, {"9", "resolved"}, {"10", "resolved"}};
  for (const auto& [status, type] : cases) {
    track_.reset();
    auto events = Apply(Snapshot(status, R"("NgayKetThucXuLy": "20190605100000")"));
    ASSERT_EQ(events.size(), 2u) << status;
    EXPECT_EQ(events[1]["type"], type) << status;
    EXPECT_EQ(events[1]["occurred_at"], "2019-06-05T10:00:00+07:00");
  }
  // 9 then 10 (the result handed over) is one resolution.
  track_.reset();
  Apply(Snapshot("9", R"("NgayKetThucXuLy": "20190605100000")"));
  EXPECT_TRUE(Apply(Snapshot("10", R"("NgayKetThucXuLy": "20190605100000",
    "NgayTra": "20190606080000")"))
                  .empty());
}

TEST_F(SnapshotDiffTest, ATransferWithoutAnInstantIsReportedNotGuessed) {
  Apply(Snapshot("2"));
  DossierSnapshot moved = Snapshot("4");
  moved.agency_code = "phong-tu-phap";
  EXPECT_TRUE(Apply(moved).empty());
  ASSERT_EQ(unapplied_.size(), 1u);
  EXPECT_EQ(SyncRejectCodeName(unapplied_[0].code), "dvcqg_no_instant");
  EXPECT_NE(unapplied_[0].message.find("phong-tu-phap"), std::string::npos);
  EXPECT_TRUE(Apply(moved).empty());
  EXPECT_TRUE(unapplied_.empty()) << "reported once";
}

TEST_F(SnapshotDiffTest, RefusesWithItsReason) {
  EXPECT_EQ(SyncRejectCodeName(Refused(Snapshot("42")).code), "dvcqg_unknown_status");
  DossierSnapshot no_channel = Snapshot("2");
  no_channel.channel_code = "9";
  EXPECT_EQ(SyncRejectCodeName(Refused(no_channel).code), "dvcqg_unknown_channel");
  DossierSnapshot no_procedure = Snapshot("2");
  no_procedure.procedure_code.clear();
  SyncRejection missing = Refused(no_procedure);
  EXPECT_EQ(SyncRejectCodeName(missing.code), "dvcqg_missing_field");
  EXPECT_NE(missing.message.find("MaTTHC"), std::string::npos);
  EXPECT_EQ(SyncRejectCodeName(Refused(Snapshot("9")).code), "dvcqg_missing_field")
      << "an ending needs NgayKetThucXuLy";

  Apply(Snapshot("9", R"("NgayKetThucXuLy": "20190607100000")"));
  SyncRejection reopened = Refused(Snapshot("4", R"("NgayKetThucXuLy": "20190607100000")"));
  EXPECT_EQ(SyncRejectCodeName(reopened.code), "dvcqg_contradiction");
  SyncRejection older = Refused(Snapshot("4"));
  EXPECT_EQ(SyncRejectCodeName(older.code), "dvcqg_older_snapshot")
      << "it lacks the end an applied snapshot had";
  EXPECT_EQ(
      SyncRejectCodeName(Refused(Snapshot("1", R"("NgayKetThucXuLy": "20190607100000")")).code),
      "dvcqg_contradiction");
}

TEST_F(SnapshotDiffTest, ASnapshotMissingARoundAlreadyAppliedIsOlder) {
  Apply(Snapshot("5", R"("DanhSachHoSoBoSung": [{"NgayBoSung": "20190605160000"}])"));
  EXPECT_EQ(SyncRejectCodeName(Refused(Snapshot("2")).code), "dvcqg_older_snapshot");
  EXPECT_EQ(SyncRejectCodeName(Refused(Snapshot("5", R"("DanhSachHoSoBoSung": [{}])")).code),
            "dvcqg_older_snapshot");
}

TEST_F(SnapshotDiffTest, AProgressStepInAnotherUnitIsATransferAtItsInstant) {
  Apply(Snapshot("2"));
  auto events = Apply(Step(R"("ThoiDiemXuLy": "20190604090000", "PhongBanXuLy": "hbt-phong-tu-phap",
    "TrangThai": "4")"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], nlohmann::json::parse(R"({
    "event_id": "dvcqg:H1:transfer:2019-06-04T09:00:00+07:00:hbt-phong-tu-phap", "dossier_id": "H1",
    "type": "transferred", "occurred_at": "2019-06-04T09:00:00+07:00",
    "agency_id": "phuong-bach-khoa", "to_agency_id": "hbt-phong-tu-phap"})"));
  // The snapshot that follows names the new unit: nothing more to report.
  DossierSnapshot moved = Snapshot("4");
  moved.agency_code = "hbt-phong-tu-phap";
  EXPECT_TRUE(Apply(moved).empty());
  EXPECT_TRUE(unapplied_.empty());
  EXPECT_TRUE(
      Apply(Step(R"("ThoiDiemXuLy": "20190604100000", "PhongBanXuLy": "hbt-phong-tu-phap")"))
          .empty())
      << "a step in the unit holding it is no transfer";
}

TEST_F(SnapshotDiffTest, ASnapshotThatMovedBeforeItsStepIsReportedThenTheStepGivesTheTransfer) {
  Apply(Snapshot("2"));
  DossierSnapshot moved = Snapshot("4");
  moved.agency_code = "hbt-phong-tu-phap";
  Apply(moved);
  ASSERT_EQ(unapplied_.size(), 1u);
  auto events =
      Apply(Step(R"("ThoiDiemXuLy": "20190604090000", "PhongBanXuLy": "hbt-phong-tu-phap")"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "transferred");
}

TEST_F(SnapshotDiffTest, TheSitesApologyStepGivesAnApologyWithTheNewAppointment) {
  mapping_.progress_status["XL"] = StatusMeaning::kApologized;
  Apply(Snapshot("2"));
  EXPECT_EQ(SyncRejectCodeName(
                Refused(Step(R"("ThoiDiemXuLy": "20190607100000", "TrangThai": "XL")")).code),
            "dvcqg_missing_field")
      << "an apology needs its new appointment";
  auto events = Apply(Step(R"("ThoiDiemXuLy": "20190607100000", "TrangThai": "XL",
    "NgayKetThucTheoQuyDinh": "20190612090000", "PhongBanXuLy": "phuong-bach-khoa")"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["event_id"], "dvcqg:H1:apology");
  EXPECT_EQ(events[0]["type"], "apologized");
  EXPECT_EQ(events[0]["occurred_at"], "2019-06-07T10:00:00+07:00");
  EXPECT_EQ(events[0]["new_due_at"], "2019-06-12T09:00:00+07:00");
  const std::string text = events[0].dump();
  for (const char* personal : {"Ngô Văn Em", "Công chức", "Nguyễn Văn An"}) {
    EXPECT_EQ(text.find(personal), std::string::npos) << personal;
  }
}

TEST_F(SnapshotDiffTest, ProgressStepsRefusedOrIgnoredWithTheirReason) {
  EXPECT_EQ(SyncRejectCodeName(Refused(Step(R"("ThoiDiemXuLy": "20190604090000")")).code),
            "dvcqg_not_received");
  Apply(Snapshot("2"));
  EXPECT_EQ(SyncRejectCodeName(
                Refused(Step(R"("ThoiDiemXuLy": "20190604090000", "TrangThai": "XL")")).code),
            "dvcqg_unknown_status");
  EXPECT_EQ(SyncRejectCodeName(Refused(Step(R"("ThoiDiemXuLy": "20190601090000",
    "PhongBanXuLy": "hbt-phong-tu-phap")"))
                                   .code),
            "dvcqg_older_snapshot")
      << "dated before the reception already derived";
  Apply(Snapshot("9", R"("NgayKetThucXuLy": "20190607100000")"));
  EXPECT_TRUE(Apply(Step(R"("ThoiDiemXuLy": "20190608090000", "PhongBanXuLy": "hbt-phong-tu-phap",
    "TrangThai": "10")"))
                  .empty())
      << "after the end a step adds nothing";
}

// MaHoSo up to the contract's 128 characters is a dossier id; its event ids
// stay within 128 characters too, distinct and the same every time.
TEST_F(SnapshotDiffTest, EventIdsOfALongDossierIdStayWithinTheContract) {
  const std::string long_id = "000.00.12.H26-" + std::string(114, '9');  // 128 characters
  ASSERT_EQ(long_id.size(), 128u);
  const std::string record = R"({"MaHoSo": ")" + long_id + R"(", "MaTTHC": "ward-dang-ky-khai-sinh",
    "DonViXuLy": "phuong-bach-khoa", "HinhThuc": "1", "NgayTiepNhan": "20190603090000",
    "NgayHenTra": "20190610090000", "NgayKetThucXuLy": "20190607100000", "TrangThaiHoSo": "9"})";
  auto first = DiffSnapshot(nullptr, Read(record), options_);
  auto again = DiffSnapshot(nullptr, Read(record), options_);
  ASSERT_TRUE(std::holds_alternative<SnapshotChanges>(first));
  const std::vector<DerivedEvent>& events = std::get<SnapshotChanges>(first).events;
  ASSERT_EQ(events.size(), 2u);  // received, resolved
  for (size_t i = 0; i < events.size(); ++i) {
    const nlohmann::json event = nlohmann::json::parse(events[i].json);
    EXPECT_LE(events[i].event_id.size(), 128u) << events[i].event_id;
    EXPECT_EQ(event["event_id"], events[i].event_id);
    EXPECT_EQ(event["dossier_id"], long_id);
    EXPECT_EQ(events[i].event_id, std::get<SnapshotChanges>(again).events[i].event_id);
  }
  EXPECT_NE(events[0].event_id, events[1].event_id);

  auto too_long = ReadDossierSnapshot(R"({"MaHoSo": ")" + long_id + R"(9", "TrangThaiHoSo": "2"})");
  ASSERT_TRUE(std::holds_alternative<SyncRejection>(too_long));
  EXPECT_EQ(SyncRejectCodeName(std::get<SyncRejection>(too_long).code), "dvcqg_bad_field");
  EXPECT_NE(std::get<SyncRejection>(too_long).message.find("129 characters"), std::string::npos)
      << std::get<SyncRejection>(too_long).message;
}

// A site whose unit codes are not its agency list's ids maps them
// (agency_codes): the events name hoso's agencies, and a step in another
// unit is a transfer to its mapped id.
TEST_F(SnapshotDiffTest, UnitCodesAreReadThroughTheSitesAgencyCodes) {
  auto site = ApplyMappingFile(
      R"({"agency_codes": {"000.22.31.H26": "phuong-bach-khoa", "000.00.12.H26": "hbt-phong-tu-phap"}})",
      DefaultStatusMapping());
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  mapping_ = *site;
  auto received = Apply(Read(R"({"MaHoSo": "H1", "MaTTHC": "ward-dang-ky-khai-sinh",
    "DonViXuLy": "000.22.31.H26", "HinhThuc": "1", "NgayTiepNhan": "20190603090000",
    "NgayHenTra": "20190610090000", "TrangThaiHoSo": "2"})"));
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["agency_id"], "phuong-bach-khoa");
  EXPECT_TRUE(Apply(Read(R"({"MaHoSo": "H1", "MaTTHC": "ward-dang-ky-khai-sinh",
    "DonViXuLy": "000.22.31.H26", "HinhThuc": "1", "NgayTiepNhan": "20190603090000",
    "NgayHenTra": "20190610090000", "TrangThaiHoSo": "4"})"))
                  .empty())
      << "the same unit, by its code: no transfer";
  EXPECT_TRUE(unapplied_.empty());
  auto moved = Apply(Step(R"("ThoiDiemXuLy": "20190604090000", "PhongBanXuLy": "000.00.12.H26",
    "TrangThai": "4")"));
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0]["type"], "transferred");
  EXPECT_EQ(moved[0]["agency_id"], "phuong-bach-khoa");
  EXPECT_EQ(moved[0]["to_agency_id"], "hbt-phong-tu-phap");
}

}  // namespace
}  // namespace hoso::connectors::dvcqg
