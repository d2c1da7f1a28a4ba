// DongBoHoSoMC snapshots read with only the fields hoso uses: what is
// kept, that the applicant's personal fields are not, and why a record is
// refused (a stable code and the field named).
#include "connectors/dvcqg/dossier_snapshot.h"

#include <gtest/gtest.h>

#include "connectors/dvcqg/dvcqg_instant.h"

namespace hoso::connectors::dvcqg {
namespace {

// A snapshot as a one-stop system posts it, personal fields included.
constexpr char kSnapshot[] = R"({
  "MaHoSo": "000.00.19.H26-190603-0001",
  "MaTTHC": "1.001612",
  "TenTTHC": "Cấp giấy chứng nhận đăng ký hộ kinh doanh",
  "MaLinhVuc": "G09-TL01",
  "SoBienNhan": "BN-2019-0001",
  "ChuHoSo": "Nguyễn Văn An",
  "LoaiDoiTuong": 1,
  "MaDoiTuong": "001088012345",
  "SoDienThoai": "0912345678",
  "Email": "an.nguyen@example.vn",
  "DiaChiThuongTru": "12 Phố Huế, Hai Bà Trưng, Hà Nội",
  "NgayTiepNhan": "20190603090000",
  "NgayHenTra": "20190610090000",
  "TrangThaiHoSo": 5,
  "NgayTra": "",
  "HinhThuc": "2",
  "NgayKetThucXuLy": null,
  "DonViXuLy": "phuong-bach-khoa",
  "DanhSachHoSoBoSung": [
    {"HoSoBoSungId": "BS1", "NguoiYeuCauBoSung": "Trần Thị Bình",
     "NoiDungBoSung": "Bổ sung bản sao CCCD của ông Nguyễn Văn An",
     "NgayBoSung": "20190605160000", "NgayTiepNhanBoSung": "", "NgayHenTraMoi": ""}
  ],
  "DanhSachGiayToKetQua": []
})";

TEST(DossierSnapshotTest, KeepsTheFieldsHosoUses) {
  auto read = ReadDossierSnapshot(kSnapshot);
  ASSERT_TRUE(std::holds_alternative<DossierSnapshot>(read))
      << std::get<SyncRejection>(read).message;
  const DossierSnapshot& s = std::get<DossierSnapshot>(read);
  EXPECT_EQ(s.dossier_id, "000.00.19.H26-190603-0001");
  EXPECT_EQ(s.procedure_code, "1.001612");
  EXPECT_EQ(s.field_code, "G09-TL01");
  EXPECT_EQ(s.status_code, "5") << "an integer code is kept as text";
  EXPECT_EQ(s.channel_code, "2");
  EXPECT_EQ(s.agency_code, "phuong-bach-khoa");
  ASSERT_TRUE(s.received_at.has_value());
  EXPECT_EQ(*s.received_at, *ParseDvcqgInstant("20190603090000"));
  EXPECT_EQ(*s.due_at, *ParseDvcqgInstant("20190610090000"));
  EXPECT_FALSE(s.finished_at.has_value()) << "null: not yet";
  EXPECT_FALSE(s.returned_at.has_value()) << "empty: not yet";
  ASSERT_EQ(s.supplements.size(), 1u);
  EXPECT_EQ(s.supplements[0].round_id, "BS1");
  EXPECT_EQ(*s.supplements[0].asked_at, *ParseDvcqgInstant("20190605160000"));
  EXPECT_FALSE(s.supplements[0].given_at.has_value());
  EXPECT_EQ(s.result_documents, 0u);
}

TEST(DossierSnapshotTest, NoPersonalFieldIsKept) {
  auto read = ReadDossierSnapshot(kSnapshot);
  ASSERT_TRUE(std::holds_alternative<DossierSnapshot>(read));
  const DossierSnapshot& s = std::get<DossierSnapshot>(read);
  std::string kept = s.dossier_id + "|" + s.status_code + "|" + s.procedure_code + "|" +
                     s.field_code + "|" + s.agency_code + "|" + s.channel_code;
  for (const SupplementRound& round : s.supplements) kept += "|" + round.round_id;
  for (const char* personal : {"Nguyễn", "Văn An", "001088012345", "0912345678", "example.vn",
                               "Phố Huế", "Trần Thị Bình", "CCCD", "BN-2019-0001"}) {
    EXPECT_EQ(kept.find(personal), std::string::npos) << personal;
  }
}

TEST(DossierSnapshotTest, RefusesWithAStableCodeAndTheFieldNamed) {
  const struct {
    const char* record;
    SyncRejectCode code;
    const char* names;
  } cases[] = {
      {"{", SyncRejectCode::kInvalidJson, "not JSON"},
      {"[1]", SyncRejectCode::kInvalidJson, "object"},
      {R"({"TrangThaiHoSo": "2"})", SyncRejectCode::kMissingField, "MaHoSo"},
      {R"({"MaHoSo": "", "TrangThaiHoSo": "2"})", SyncRejectCode::kMissingField, "MaHoSo"},
      {R"({"MaHoSo": "H1"})", SyncRejectCode::kMissingField, "TrangThaiHoSo"},
      {R"({"MaHoSo": "H1", "TrangThaiHoSo": 2.5})", SyncRejectCode::kBadField, "TrangThaiHoSo"},
      {R"({"MaHoSo": "H1", "TrangThaiHoSo": "2", "MaTTHC": ["x"]})", SyncRejectCode::kBadField,
       "MaTTHC"},
      {R"({"MaHoSo": "H1", "TrangThaiHoSo": "2", "NgayTiepNhan": "03/06/2019 09:00"})",
       SyncRejectCode::kBadInstant, "NgayTiepNhan"},
      {R"({"MaHoSo": "H1", "TrangThaiHoSo": "2", "NgayHenTra": "20190631090000"})",
       SyncRejectCode::kBadInstant, "NgayHenTra"},
      {R"({"MaHoSo": "H1", "TrangThaiHoSo": "2", "NgayHenTra": true})", SyncRejectCode::kBadField,
       "NgayHenTra"},
      {R"({"MaHoSo": "H1", "TrangThaiHoSo": "5", "DanhSachHoSoBoSung": {}})",
       SyncRejectCode::kBadField, "DanhSachHoSoBoSung"},
      {R"({"MaHoSo": "H1", "TrangThaiHoSo": "5", "DanhSachHoSoBoSung": [{}, {"NgayBoSung": "x"}]})",
       SyncRejectCode::kBadInstant, "DanhSachHoSoBoSung[1].NgayBoSung"},
  };
  for (const auto& c : cases) {
    auto read = ReadDossierSnapshot(c.record);
    ASSERT_TRUE(std::holds_alternative<SyncRejection>(read)) << c.record;
    const SyncRejection& rejection = std::get<SyncRejection>(read);
    EXPECT_EQ(SyncRejectCodeName(rejection.code), SyncRejectCodeName(c.code)) << c.record;
    EXPECT_NE(rejection.message.find(c.names), std::string::npos)
        << c.record << " -> " << rejection.message;
  }
}

TEST(DossierSnapshotTest, InstantsSentAsNumbersAreRead) {
  auto read = ReadDossierSnapshot(
      R"({"MaHoSo": "H1", "TrangThaiHoSo": 9, "NgayKetThucXuLy": 20190607103000})");
  ASSERT_TRUE(std::holds_alternative<DossierSnapshot>(read))
      << std::get<SyncRejection>(read).message;
  EXPECT_EQ(*std::get<DossierSnapshot>(read).finished_at, *ParseDvcqgInstant("20190607103000"));
}

}  // namespace
}  // namespace hoso::connectors::dvcqg
