// A line of the mirrored feed is a snapshot or a progress step; a step is
// read with only the fields hoso uses.
#include "connectors/dvcqg/sync_record.h"

#include <gtest/gtest.h>

#include "connectors/dvcqg/dvcqg_instant.h"

namespace hoso::connectors::dvcqg {
namespace {

TEST(SyncRecordTest, TellsSnapshotsFromProgressSteps) {
  auto snapshot = ReadSyncRecord(R"({"MaHoSo": "H1", "TrangThaiHoSo": 4,
    "ThoiDiemXuLy": "20190604090000"})");
  EXPECT_TRUE(std::holds_alternative<DossierSnapshot>(snapshot)) << "TrangThaiHoSo decides";
  auto step = ReadSyncRecord(R"({"MaHoSo": "H1", "NguoiXuLy": "Ngô Văn Em",
    "ChucDanh": "Chuyên viên", "ThoiDiemXuLy": "20190604090000", "PhongBanXuLy": "hbt-phong-tu-phap",
    "NoiDungXuLy": "Chuyển hồ sơ của ông Nguyễn Văn An", "TrangThai": 4,
    "NgayBatDau": "20190603090000", "NgayKetThucTheoQuyDinh": "20190610090000"})");
  ASSERT_TRUE(std::holds_alternative<ProgressStep>(step));
  const ProgressStep& s = std::get<ProgressStep>(step);
  EXPECT_EQ(s.dossier_id, "H1");
  EXPECT_EQ(s.status_code, "4");
  EXPECT_EQ(s.unit_code, "hbt-phong-tu-phap");
  EXPECT_EQ(s.at, *ParseDvcqgInstant("20190604090000"));
  EXPECT_EQ(*s.started_at, *ParseDvcqgInstant("20190603090000"));
  EXPECT_EQ(*s.due_at, *ParseDvcqgInstant("20190610090000"));
  const std::string kept = s.dossier_id + s.status_code + s.unit_code;
  for (const char* personal : {"Ngô", "Chuyên viên", "Nguyễn Văn An"}) {
    EXPECT_EQ(kept.find(personal), std::string::npos) << personal;
  }
}

TEST(SyncRecordTest, RefusesAStepWithoutItsInstantOrDossier) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"MaHoSo": "H1", "ThoiDiemXuLy": ""})", "ThoiDiemXuLy"},
      {R"({"ThoiDiemXuLy": "20190604090000"})", "MaHoSo"},
      {R"({"MaHoSo": "H1", "ThoiDiemXuLy": "2019-06-04"})", "ThoiDiemXuLy"},
      {R"({"MaHoSo": "H1"})", "TrangThaiHoSo"},
  };
  for (const auto& [record, field] : cases) {
    auto read = ReadSyncRecord(record);
    ASSERT_TRUE(std::holds_alternative<SyncRejection>(read)) << record;
    EXPECT_NE(std::get<SyncRejection>(read).message.find(field), std::string::npos)
        << record << " -> " << std::get<SyncRejection>(read).message;
  }
}

}  // namespace
}  // namespace hoso::connectors::dvcqg
