#include "projections/open_dossiers.h"

#include <map>
#include <string_view>
#include <utility>

#include "projections/dossier_record.h"
#include "projections/meta.h"

namespace hoso::projections {

OpenSummary SummaryOf(const core::DossierState& state, const core::IdTable& ids) {
  OpenSummary summary;
  summary.agency_id = ids.Name(state.receiving_agency);
  summary.procedure_id = ids.Name(state.procedure);
  summary.received_at = state.received_at;
  summary.due_at = state.due_at;
  summary.paused = state.status == core::DossierStatus::kPaused;
  summary.paused_late = state.paused_late;
  return summary;
}

core::Result<OpenDossiers> LoadOpenDossiers(KvStore& store) {
  core::IdTable names;
  HOSO_RETURN_IF_ERROR(LoadNames(store, &names));
  OpenDossiers open;
  HOSO_RETURN_IF_ERROR(LoadCheckpointOpenDossiers(store, names, &open));
  DeltaVisitor visitor;
  SetOpenDeltaVisitor(&open, &visitor);
  HOSO_RETURN_IF_ERROR(ForEachDelta(store, names, visitor));
  return open;
}

core::Status LoadCheckpointOpenDossiers(KvStore& store, const core::IdTable& names,
                                        OpenDossiers* open) {
  auto it = store.NewIterator(Column::kOpenDossiers);
  core::DossierState state;
  std::string id;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    HOSO_RETURN_IF_ERROR(DecodeDossierRecord(it->value(), names, &state, &id));
    open->insert_or_assign(id, SummaryOf(state, names));
  }
  return it->status();
}

void SetOpenDeltaVisitor(OpenDossiers* open, DeltaVisitor* visitor) {
  visitor->open = [open](std::string_view dossier_id, const OpenSummary* summary) {
    auto found = open->find(dossier_id);
    if (summary == nullptr) {
      if (found != open->end()) open->erase(found);
    } else if (found != open->end()) {
      found->second = *summary;
    } else {
      open->emplace(std::string(dossier_id), *summary);
    }
  };
}

std::vector<core::OpenCell> CountOpen(const OpenDossiers& open, core::Instant as_of) {
  OpenCounter counter(as_of);
  for (const auto& [id, summary] : open) {
    counter.Add(id, summary.agency_id, summary.procedure_id, summary.received_at, summary.due_at,
                summary.paused, summary.paused_late);
  }
  return counter.Take();
}

void OpenCounter::Add(std::string_view dossier_id, std::string_view agency_id,
                      std::string_view procedure_id, core::Instant received_at,
                      core::LocalMinute due_at, bool paused, bool paused_late) {
  if (received_at > as_of_) return;
  // A feedback is open in the engine until published and rated, but is no
  // dossier: it counts as open feedback while it awaits its answer (not
  // paused, docs/plan-targets.md), and not at all once answered.
  const bool feedback = dossier_id.starts_with(core::kFeedbackChainPrefix);
  if ((feedback && paused) || (!feedback && core::IsAgencyChain(dossier_id))) return;
  // Keyed by views of the caller's strings: no allocation per dossier (a
  // report counts every open dossier, ~100k on a district's year).
  core::OpenCell& cell = cells_[{agency_id, procedure_id}];
  if (cell.agency_id.empty()) {  // new: agency ids are never empty
    cell.agency_id = agency_id;
    cell.procedure_id = procedure_id;
  }
  if (feedback) {
    ++cell.feedback_open;
    if (as_of_ > core::ToInstant(due_at)) ++cell.feedback_open_overdue;
    return;
  }
  ++cell.open;
  const bool overdue = paused ? paused_late : as_of_ > core::ToInstant(due_at);
  if (overdue) ++cell.open_overdue;
}

void OpenCounter::Add(std::string_view dossier_id, const core::DossierState& state,
                      const core::IdTable& ids) {
  Add(dossier_id, ids.Name(state.receiving_agency), ids.Name(state.procedure), state.received_at,
      state.due_at, state.status == core::DossierStatus::kPaused, state.paused_late);
}

std::vector<core::OpenCell> OpenCounter::Take() {
  std::vector<core::OpenCell> out;
  out.reserve(cells_.size());
  for (auto& [key, cell] : cells_) out.push_back(std::move(cell));
  cells_.clear();
  return out;
}

}  // namespace hoso::projections
