// The stored record of one dossier (docs/storage.md "Dossier states"): its
// state as of the last checkpoint, with the names its handles stand for.
// Open dossiers live in the `open_dossiers` column family (what a restart
// loads), finished ones in `dossiers` (what queries read); both are keyed by
// dossier_id and written only at checkpoints.
#ifndef HOSO_PROJECTIONS_DOSSIER_RECORD_H_
#define HOSO_PROJECTIONS_DOSSIER_RECORD_H_

#include <string>
#include <string_view>

#include "engine/core/dossier_state.h"
#include "engine/core/id_table.h"
#include "engine/core/status.h"

namespace hoso::projections {

// Appends the record of `state` to *out, naming its agencies and procedure
// from `ids`.
void EncodeDossierRecord(std::string_view dossier_id, const core::DossierState& state,
                         const core::IdTable& ids, std::string* out);

// Decodes a record; its names are interned in `ids`. *dossier_id (optional)
// receives the id stored in it. Corruption when malformed.
core::Status DecodeDossierRecord(std::string_view value, core::IdTable* ids,
                                 core::DossierState* state, std::string* dossier_id);

// The record of `dossier_id` in either family, or NotFound.
core::Status FindDossierRecord(class KvStore& store, std::string_view dossier_id,
                               core::IdTable* ids, core::DossierState* state);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_DOSSIER_RECORD_H_
