// Open dossiers as queries see them (docs/kpis.md `open`, `open_overdue`):
// the records of the `open_dossiers` family (as of the last checkpoint) with
// every later batch delta folded in.
#ifndef HOSO_PROJECTIONS_OPEN_DOSSIERS_H_
#define HOSO_PROJECTIONS_OPEN_DOSSIERS_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/dossier_state.h"
#include "engine/core/id_table.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/status.h"
#include "projections/batch_delta.h"
#include "projections/kv_store.h"

namespace hoso::projections {

// The summary of an open dossier's state.
OpenSummary SummaryOf(const core::DossierState& state, const core::IdTable& ids);

// Every dossier open after the last committed batch, by id.
core::Result<OpenDossiers> LoadOpenDossiers(KvStore& store);

// LoadOpenDossiers in two steps, for a reader that folds the deltas once for
// several projections (one ForEachDelta): the checkpoint's records into
// *open (`names`: the stored names table, LoadNames), then `visitor->open`
// set to fold a delta's changes into them.
core::Status LoadCheckpointOpenDossiers(KvStore& store, const core::IdTable& names,
                                        OpenDossiers* open);
void SetOpenDeltaVisitor(OpenDossiers* open, DeltaVisitor* visitor);

// Dossiers open at `as_of` per (receiving agency, procedure), for an instant
// at or after the last applied event (earlier instants need a fold of the
// log). Overdue: not paused and as_of after due_at, or paused at or after
// its due_at. A feedback awaiting its answer counts in feedback_open (and
// feedback_open_overdue past its deadline), not as a dossier.
std::vector<core::OpenCell> CountOpen(const OpenDossiers& open, core::Instant as_of);

// CountOpen one dossier at a time, for a caller that has the open dossiers
// somewhere other than an OpenDossiers map (the engine's month end counts
// its dossier table: building the map cost an id copy and a node per open
// dossier). The same rules and the same cells, in the same order.
// Add's views must stay valid until Take. Not thread-safe.
class OpenCounter {
 public:
  explicit OpenCounter(core::Instant as_of) : as_of_(as_of) {}
  // One open dossier: its id and its summary's fields.
  void Add(std::string_view dossier_id, std::string_view agency_id, std::string_view procedure_id,
           core::Instant received_at, core::LocalMinute due_at, bool paused, bool paused_late);
  // Add of `state`'s summary (SummaryOf), names read from `ids`.
  void Add(std::string_view dossier_id, const core::DossierState& state, const core::IdTable& ids);
  // The cells by (agency, procedure) in byte order. Leaves the counter empty.
  std::vector<core::OpenCell> Take();

 private:
  core::Instant as_of_;
  std::map<std::pair<std::string_view, std::string_view>, core::OpenCell> cells_;
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_OPEN_DOSSIERS_H_
