// ReadSyncRecord: one line of a mirrored DVCQG sync feed, which carries both
// kinds of record the one-stop software posts (docs/dvcqg.md): a dossier
// snapshot (DongBoHoSoMC: it has TrangThaiHoSo) or a progress step
// (CapNhatTienDoHoSoMC: it has ThoiDiemXuLy and no TrangThaiHoSo).
#ifndef HOSO_CONNECTORS_DVCQG_SYNC_RECORD_H_
#define HOSO_CONNECTORS_DVCQG_SYNC_RECORD_H_

#include <string_view>
#include <variant>

#include "connectors/dvcqg/dossier_snapshot.h"
#include "connectors/dvcqg/progress_step.h"
#include "connectors/dvcqg/sync_rejection.h"

namespace hoso::connectors::dvcqg {

std::variant<DossierSnapshot, ProgressStep, SyncRejection> ReadSyncRecord(
    std::string_view json_text);

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_SYNC_RECORD_H_
