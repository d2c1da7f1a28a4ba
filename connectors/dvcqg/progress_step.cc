#include "connectors/dvcqg/progress_step.h"

#include "connectors/dvcqg/record_fields.h"

namespace hoso::connectors::dvcqg {

std::variant<ProgressStep, SyncRejection> ReadProgressStep(const nlohmann::json& record) {
  ProgressStep step;
  std::optional<core::Instant> at;
  std::optional<SyncRejection> rejection;
  const auto read = [&](std::optional<SyncRejection> r) {
    if (!rejection && r) rejection = std::move(r);
  };
  read(ReadDossierId(record, &step.dossier_id));
  read(ReadCode(record, "TrangThai", &step.status_code));
  read(ReadCode(record, "PhongBanXuLy", &step.unit_code));
  read(ReadInstant(record, "ThoiDiemXuLy", &at));
  read(ReadInstant(record, "NgayBatDau", &step.started_at));
  read(ReadInstant(record, "NgayKetThucTheoQuyDinh", &step.due_at));
  if (rejection) return *rejection;
  if (!at) return Reject(SyncRejectCode::kMissingField, "ThoiDiemXuLy is missing");
  step.at = *at;
  return step;
}

}  // namespace hoso::connectors::dvcqg
