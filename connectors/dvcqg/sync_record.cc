#include "connectors/dvcqg/sync_record.h"

#include "connectors/dvcqg/record_fields.h"

namespace hoso::connectors::dvcqg {

std::variant<DossierSnapshot, ProgressStep, SyncRejection> ReadSyncRecord(
    std::string_view json_text) {
  auto parsed = ParseRecord(json_text);
  if (auto* rejection = std::get_if<SyncRejection>(&parsed)) return std::move(*rejection);
  const nlohmann::json& record = std::get<nlohmann::json>(parsed);
  if (!record.contains("TrangThaiHoSo") && record.contains("ThoiDiemXuLy")) {
    auto step = ReadProgressStep(record);
    if (auto* rejection = std::get_if<SyncRejection>(&step)) return std::move(*rejection);
    return std::get<ProgressStep>(std::move(step));
  }
  auto snapshot = ReadDossierSnapshotRecord(record);
  if (auto* rejection = std::get_if<SyncRejection>(&snapshot)) return std::move(*rejection);
  return std::get<DossierSnapshot>(std::move(snapshot));
}

}  // namespace hoso::connectors::dvcqg
