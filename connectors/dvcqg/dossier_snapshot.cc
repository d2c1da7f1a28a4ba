#include "connectors/dvcqg/dossier_snapshot.h"

#include <nlohmann/json.hpp>

#include "connectors/dvcqg/dvcqg_instant.h"

namespace hoso::connectors::dvcqg {
namespace {

SyncRejection Reject(SyncRejectCode code, std::string message) {
  return SyncRejection{code, std::move(message)};
}

// A code: a JSON string or integer, as text; absent, null and "" give "".
std::optional<SyncRejection> ReadCode(const nlohmann::json& object, const char* field,
                                      std::string* out) {
  out->clear();
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) {
    *out = it->get<std::string>();
  } else if (it->is_number_integer()) {
    *out = std::to_string(it->get<int64_t>());
  } else {
    return Reject(SyncRejectCode::kBadField,
                  std::string(field) + " must be a string or an integer, not " + it->type_name());
  }
  return std::nullopt;
}

std::optional<SyncRejection> ReadRequiredCode(const nlohmann::json& object, const char* field,
                                              std::string* out) {
  if (auto rejection = ReadCode(object, field, out)) return rejection;
  if (out->empty())
    return Reject(SyncRejectCode::kMissingField, std::string(field) + " is missing");
  return std::nullopt;
}

// An instant; absent, null and "" give nullopt ("not yet").
std::optional<SyncRejection> ReadInstant(const nlohmann::json& object, const char* field,
                                         std::optional<core::Instant>* out) {
  out->reset();
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  std::string text;
  if (it->is_string()) {
    text = it->get<std::string>();
  } else if (it->is_number_unsigned()) {
    text = std::to_string(it->get<uint64_t>());  // 20190603090000 sent as a number
  } else {
    return Reject(SyncRejectCode::kBadField,
                  std::string(field) + " must be a yyyyMMddHHmmss string, not " + it->type_name());
  }
  if (text.empty()) return std::nullopt;
  auto instant = ParseDvcqgInstant(text);
  if (!instant.ok()) {
    return Reject(SyncRejectCode::kBadInstant,
                  std::string(field) + ": " + instant.status().message());
  }
  *out = *instant;
  return std::nullopt;
}

}  // namespace

std::variant<DossierSnapshot, SyncRejection> ReadDossierSnapshot(std::string_view json_text) {
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    // Not e.what(): it quotes the record, which may carry personal data.
    return Reject(SyncRejectCode::kInvalidJson,
                  "not JSON (syntax error at byte " + std::to_string(e.byte) + ")");
  }
  if (!record.is_object()) return Reject(SyncRejectCode::kInvalidJson, "not a JSON object");
  DossierSnapshot snapshot;
  std::optional<SyncRejection> rejection;
  const auto read = [&](std::optional<SyncRejection> r) {
    if (!rejection && r) rejection = std::move(r);
  };
  read(ReadRequiredCode(record, "MaHoSo", &snapshot.dossier_id));
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
