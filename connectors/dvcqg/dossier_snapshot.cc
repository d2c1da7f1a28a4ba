#include "connectors/dvcqg/dossier_snapshot.h"

#include <nlohmann/json.hpp>

#include "connectors/dvcqg/record_fields.h"

namespace hoso::connectors::dvcqg {

std::variant<DossierSnapshot, SyncRejection> ReadDossierSnapshot(std::string_view json_text) {
  auto record = ParseRecord(json_text);
  if (auto* rejection = std::get_if<SyncRejection>(&record)) return std::move(*rejection);
  return ReadDossierSnapshotRecord(std::get<nlohmann::json>(record));
}

std::variant<DossierSnapshot, SyncRejection> ReadDossierSnapshotRecord(
    const nlohmann::json& record) {
  DossierSnapshot snapshot;
  std::optional<SyncRejection> rejection;
  const auto read = [&](std::optional<SyncRejection> r) {
    if (!rejection && r) rejection = std::move(r);
  };
  read(ReadDossierId(record, &snapshot.dossier_id));
  read(ReadRequiredCode(record, "TrangThaiHoSo", &snapshot.status_code));
  read(ReadCode(record, "MaTTHC", &snapshot.procedure_code));
  read(ReadCode(record, "MaLinhVuc", &snapshot.field_code));
  read(ReadCode(record, "DonViXuLy", &snapshot.agency_code));
  read(ReadCode(record, "HinhThuc", &snapshot.channel_code));
  read(ReadInstant(record, "NgayTiepNhan", &snapshot.received_at));
  read(ReadInstant(record, "NgayHenTra", &snapshot.due_at));
  read(ReadInstant(record, "NgayKetThucXuLy", &snapshot.finished_at));
  read(ReadInstant(record, "NgayTra", &snapshot.returned_at));
  if (rejection) return *rejection;

  if (auto list = record.find("DanhSachHoSoBoSung"); list != record.end() && !list->is_null()) {
    if (!list->is_array()) {
      return Reject(SyncRejectCode::kBadField, "DanhSachHoSoBoSung must be a list");
    }
    for (size_t i = 0; i < list->size(); ++i) {
      const nlohmann::json& entry = (*list)[i];
      const std::string where = "DanhSachHoSoBoSung[" + std::to_string(i) + "].";
      if (!entry.is_object()) {
        return Reject(SyncRejectCode::kBadField,
                      where.substr(0, where.size() - 1) + " must be an object");
      }
      SupplementRound round;
      read(ReadCode(entry, "HoSoBoSungId", &round.round_id));
      read(ReadInstant(entry, "NgayBoSung", &round.asked_at));
      read(ReadInstant(entry, "NgayTiepNhanBoSung", &round.given_at));
      read(ReadInstant(entry, "NgayHenTraMoi", &round.new_due_at));
      if (rejection) {
        rejection->message = where + rejection->message;
        return *rejection;
      }
      snapshot.supplements.push_back(std::move(round));
    }
  }
  if (auto list = record.find("DanhSachGiayToKetQua"); list != record.end() && !list->is_null()) {
    if (!list->is_array()) {
      return Reject(SyncRejectCode::kBadField, "DanhSachGiayToKetQua must be a list");
    }
    snapshot.result_documents = list->size();
  }
  return snapshot;
}

}  // namespace hoso::connectors::dvcqg
