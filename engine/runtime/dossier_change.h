// DossierChange: a dossier's current state as the outside world sees it
// (names instead of handles, no event content, no personal data), handed to
// sinks that mirror dossiers elsewhere (connectors/postgres): the engine
// lists one per dossier a commit changed (EngineOptions::
// collect_changed_dossiers) and answers one for any dossier on request
// (Engine::FindDossierChange), so a sink that fell behind can catch up.
//
// A plain value; thread-compatible.
#ifndef HOSO_ENGINE_RUNTIME_DOSSIER_CHANGE_H_
#define HOSO_ENGINE_RUNTIME_DOSSIER_CHANGE_H_

#include <cstdint>
#include <string>

#include "engine/core/deadline_rules.h"
#include "engine/core/dossier_state.h"
#include "engine/core/event.h"
#include "engine/core/id_table.h"
#include "engine/core/instant.h"

namespace hoso::runtime {

struct DossierChange {
  std::string dossier_id;
  std::string agency_id;         // the receiving agency (the KPI agency)
  std::string holder_agency_id;  // the unit holding it now (after transfers)
  std::string procedure_id;
  core::Channel channel = core::Channel::kDirect;
  int32_t online_level = 0;
  bool one_stop = true;
  core::Instant received_at;
  core::LocalMinute due_at;  // the appointment in force
  core::DossierStatus status = core::DossierStatus::kOpen;
  core::FinishKind finish = core::FinishKind::kNone;
  core::Classification classification = core::Classification::kOnTime;  // when resolved
  core::Instant finished_at;                                            // when finished
  // The log sequence of its first event: a sink that holds the log up to
  // an earlier sequence has never seen this dossier.
  uint64_t first_log_sequence = 0;
};

// The change row of `state`, whose handles name entries of `ids`.
inline DossierChange MakeDossierChange(std::string_view dossier_id, const core::DossierState& state,
                                       const core::IdTable& ids) {
  auto name = [&ids](uint32_t handle) {
    return handle == core::IdTable::kNone ? std::string() : std::string(ids.Name(handle));
  };
  DossierChange change;
  change.dossier_id = std::string(dossier_id);
  change.agency_id = name(state.receiving_agency);
  change.holder_agency_id = name(state.holder_agency);
  change.procedure_id = name(state.procedure);
  change.channel = state.channel;
  change.online_level = state.online_level;
  change.one_stop = state.one_stop;
  change.received_at = state.received_at;
  change.due_at = state.due_at;
  change.status = state.status;
  change.finish = state.finish;
  change.classification = state.classification;
  change.finished_at = state.finished_at;
  change.first_log_sequence = state.first_log_sequence;
  return change;
}

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_DOSSIER_CHANGE_H_
