// DiffSnapshot: what changed between the last snapshot of a dossier hoso
// kept (DossierTrack) and a new one, as hoso lifecycle events (docs/dvcqg.md
// "Turning snapshots into events"). Deterministic: the same track and
// snapshot always give the same events, and every event id is
// "dvcqg:<MaHoSo>:<what changed>", so a snapshot seen twice or a feed
// replayed changes nothing (the engine ignores a repeated event id).
//
// No I/O, no clock: the caller stores the track and hands the events to the
// engine.
#ifndef HOSO_CONNECTORS_DVCQG_SNAPSHOT_DIFF_H_
#define HOSO_CONNECTORS_DVCQG_SNAPSHOT_DIFF_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "connectors/dvcqg/dossier_snapshot.h"
#include "connectors/dvcqg/progress_step.h"
#include "connectors/dvcqg/status_mapping.h"
#include "connectors/dvcqg/sync_rejection.h"
#include "engine/core/instant.h"

namespace hoso::connectors::dvcqg {

// What hoso keeps of a dossier's snapshots: enough to tell what a new one
// changes and whether it is older. No personal data.
struct DossierTrack {
  struct Round {
    std::string key;  // HoSoBoSungId, else the round's position ("1", "2", ...)
    bool asked = false;
    bool given = false;
  };
  std::string status_code;     // of the last snapshot applied
  bool received = false;       // its `received` event was derived
  std::string received_month;  // "yyyy-mm" of that event (for the completeness report)
  bool ended = false;          // resolved, withdrawn or rejected
  bool apologized = false;     // its `apologized` event was derived (the law allows one)
  std::string agency_code;     // the unit holding it, as its events say
  // The last DonViXuLy reported as a transfer without an instant (once).
  std::string noted_agency_code;
  // The latest instant of an event any applied snapshot carried
  // (reception, supplement rounds, the end, the return); INT64_MIN: none.
  // What tells an older snapshot.
  int64_t latest_ms = INT64_MIN;
  // The same of the progress steps applied (a step is not compared with
  // snapshots: a snapshot after a step carries no instant of it).
  int64_t latest_step_ms = INT64_MIN;
  std::vector<Round> rounds;
};

// A lifecycle event as the engine reads it (schemas/events/).
struct DerivedEvent {
  std::string event_id;
  core::Instant occurred_at;
  std::string json;
};

struct SnapshotChanges {
  std::vector<DerivedEvent> events;  // in occurred_at order
  DossierTrack track;                // after this snapshot
  // Changes not turned into events, each with its reason (a transfer the
  // snapshot gives no instant for): reported, never guessed.
  std::vector<SyncRejection> unapplied;
};

struct DiffOptions {
  const StatusMapping* mapping = nullptr;  // required
  // The procedure catalog's online level (3 or 4) of a procedure, if any;
  // otherwise StatusMapping::online_level is used. May be empty.
  std::function<std::optional<int>(std::string_view procedure_id)> catalog_online_level;
};

// The events `next` adds to what `previous` (nullptr: the dossier's first
// snapshot) already gave, or why the snapshot is not applied:
// dvcqg_unknown_status, dvcqg_unknown_channel, dvcqg_missing_field (a field
// an event needs), dvcqg_older_snapshot (it lacks something an applied one
// had), dvcqg_contradiction (reopened after its end; back to "submitted"
// after reception).
std::variant<SnapshotChanges, SyncRejection> DiffSnapshot(const DossierTrack* previous,
                                                          const DossierSnapshot& next,
                                                          const DiffOptions& options);

// The events a progress step adds: a `transferred` at ThoiDiemXuLy when
// PhongBanXuLy is not the unit holding the dossier, and an `apologized`
// (new_due_at = NgayKetThucTheoQuyDinh) when its TrangThai means
// "apologized". Refused: dvcqg_not_received (no reception yet),
// dvcqg_unknown_status, dvcqg_missing_field, dvcqg_older_snapshot (dated
// before an event already derived). Steps after the dossier ended add
// nothing.
std::variant<SnapshotChanges, SyncRejection> DiffProgressStep(const DossierTrack* previous,
                                                              const ProgressStep& step,
                                                              const DiffOptions& options);

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_SNAPSHOT_DIFF_H_
