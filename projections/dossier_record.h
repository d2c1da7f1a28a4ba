// The stored record of one dossier (docs/storage.md "Column families"): its
// state as of the last checkpoint. Open dossiers live in the `open_dossiers`
// column family (what a restart loads), finished ones in `dossiers` (what
// queries read); both are keyed by dossier_id and written only at
// checkpoints. Agencies and the procedure are stored as handles of the
// stored names table (meta "names", projections/meta.h).
//
//   value: u8 format (6), string dossier_id, u8 status | finish << 2 |
//   channel << 4 | classification << 6, u8 flags (one_stop, lead_timers,
//   paused_late, first_apology_timely, overdue_logged), u8 online_level,
//   varint handle + 1 of the receiving agency, holder agency, procedure (0:
//   none), zigzag received_at ms, zigzag effective_start minute, then as
//   zigzag minutes from effective_start: initial_due_at, due_at,
//   due_soon_fires_at, apology_due_fires_at, paused_at, promised_due_at,
//   classified_at; zigzag budget and remaining minutes; zigzag ms from
//   received_at: finished_at, last_event_at; varint supplement_requests,
//   apology_count, event_count, first_log_sequence, last minus first log
//   sequence; 32-byte chain head; varint n and n x (zigzag due_at minute from
//   effective_start, u8 kinds) of the raised-alert ledger; u8 feedback
//   stage | feedback channel << 2 | feedback_rated << 4 (format 4, written
//   before feedback existed, ends before it: 0); varint input partition + 1
//   (format 5 ends before it: -1, unknown).
//
// A record is about 120 bytes: small deltas instead of fixed 64-bit fields,
// handles instead of names, since checkpoints write hundreds of thousands.
#ifndef HOSO_PROJECTIONS_DOSSIER_RECORD_H_
#define HOSO_PROJECTIONS_DOSSIER_RECORD_H_

#include <string>
#include <string_view>

#include "engine/core/dossier_state.h"
#include "engine/core/id_table.h"
#include "engine/core/status.h"

namespace hoso::projections {

class KvStore;

// Appends the record of `state` to *out.
void EncodeDossierRecord(std::string_view dossier_id, const core::DossierState& state,
                         std::string* out);

// Decodes a record whose handles name entries of `names` (the stored names
// table, LoadNames). *dossier_id (optional) receives the id stored in it.
// Corruption when malformed or when a handle is not in `names`.
core::Status DecodeDossierRecord(std::string_view value, const core::IdTable& names,
                                 core::DossierState* state, std::string* dossier_id);

// The record of `dossier_id` in either family, or NotFound.
core::Status FindDossierRecord(KvStore& store, std::string_view dossier_id,
                               const core::IdTable& names, core::DossierState* state);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_DOSSIER_RECORD_H_
