// ProgressStep: a CapNhatTienDoHoSoMC record of the national portal (DVCQG,
// docs/dvcqg.md "Progress steps"): one step of a dossier's processing, read
// with only the fields hoso uses. The civil servant (NguoiXuLy, ChucDanh)
// and the step's text (NoiDungXuLy) are never read.
#ifndef HOSO_CONNECTORS_DVCQG_PROGRESS_STEP_H_
#define HOSO_CONNECTORS_DVCQG_PROGRESS_STEP_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "connectors/dvcqg/sync_rejection.h"
#include "engine/core/instant.h"

namespace hoso::connectors::dvcqg {

struct ProgressStep {
  std::string dossier_id;                   // MaHoSo (required)
  std::string status_code;                  // TrangThai; may be empty
  std::string unit_code;                    // PhongBanXuLy: the unit handling the step
  core::Instant at;                         // ThoiDiemXuLy (required)
  std::optional<core::Instant> started_at;  // NgayBatDau
  std::optional<core::Instant> due_at;      // NgayKetThucTheoQuyDinh
};

// The step of a parsed record (a JSON object), or why it cannot be used.
std::variant<ProgressStep, SyncRejection> ReadProgressStep(const nlohmann::json& record);

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_PROGRESS_STEP_H_
