// DossierSnapshot: a DongBoHoSoMC record of the national public-service
// portal (DVCQG, docs/dvcqg.md "Fields"), read with only the fields hoso
// uses. The record's other fields - the applicant (ChuHoSo), phone
// (SoDienThoai), e-mail, addresses, MaDoiTuong, free texts - are never
// read: nothing here can carry them on.
//
// Values: codes may be JSON strings or integers (sites send both) and are
// kept as text; an instant is "yyyyMMddHHmmss" in Vietnam time, and an
// empty string or null means "not yet" (the portal's practice).
#ifndef HOSO_CONNECTORS_DVCQG_DOSSIER_SNAPSHOT_H_
#define HOSO_CONNECTORS_DVCQG_DOSSIER_SNAPSHOT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "connectors/dvcqg/sync_rejection.h"
#include "engine/core/instant.h"

namespace hoso::connectors::dvcqg {

// One round of DanhSachHoSoBoSung: documents asked of the applicant.
struct SupplementRound {
  std::string round_id;                     // HoSoBoSungId; may be empty
  std::optional<core::Instant> asked_at;    // NgayBoSung: when they were asked for
  std::optional<core::Instant> given_at;    // NgayTiepNhanBoSung: when they came back
  std::optional<core::Instant> new_due_at;  // NgayHenTraMoi: the appointment given then
};

struct DossierSnapshot {
  std::string dossier_id;                    // MaHoSo (required)
  std::string status_code;                   // TrangThaiHoSo (required)
  std::string procedure_code;                // MaTTHC
  std::string field_code;                    // MaLinhVuc
  std::string agency_code;                   // DonViXuLy: the unit holding the dossier
  std::string channel_code;                  // HinhThuc
  std::optional<core::Instant> received_at;  // NgayTiepNhan
  std::optional<core::Instant> due_at;       // NgayHenTra
  std::optional<core::Instant> finished_at;  // NgayKetThucXuLy
  std::optional<core::Instant> returned_at;  // NgayTra
  std::vector<SupplementRound> supplements;  // DanhSachHoSoBoSung, in the record's order
  size_t result_documents = 0;               // entries of DanhSachGiayToKetQua
};

// The snapshot, or why the record cannot be used.
std::variant<DossierSnapshot, SyncRejection> ReadDossierSnapshot(std::string_view json_text);
// The same of a record already parsed (a JSON object).
std::variant<DossierSnapshot, SyncRejection> ReadDossierSnapshotRecord(
    const nlohmann::json& record);

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_DOSSIER_SNAPSHOT_H_
