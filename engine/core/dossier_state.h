// DossierState: what the engine knows about one dossier after the events
// applied so far. Owned by the state machine's caller, stored (encoded) in the
// `dossiers` column family, keyed by dossier id.
#ifndef HOSO_ENGINE_CORE_DOSSIER_STATE_H_
#define HOSO_ENGINE_CORE_DOSSIER_STATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/alert.h"
#include "engine/core/deadline_rules.h"
#include "engine/core/event.h"
#include "engine/core/instant.h"

namespace hoso::core {

enum class DossierStatus { kOpen = 0, kPaused = 1, kFinished = 2 };
enum class FinishKind { kNone = 0, kResolved = 1, kWithdrawn = 2, kRejected = 3 };
std::string_view DossierStatusName(DossierStatus status);
std::string_view FinishKindName(FinishKind kind);

struct DossierState {
  std::string dossier_id;
  DossierStatus status = DossierStatus::kOpen;
  FinishKind finish = FinishKind::kNone;

  // Reception; the KPI agency is the unit that received the dossier.
  std::string receiving_agency_id;
  std::string holder_agency_id;  // changes with transfers
  std::string procedure_id;
  Channel channel = Channel::kDirect;
  int online_level = 0;
  bool one_stop = true;
  Instant received_at;
  LocalMinute effective_start;
  LocalMinute initial_due_at;  // the appointment set at reception
  int64_t budget_minutes = 0;  // working minutes [effective_start, initial_due_at)

  // The appointment in force (pause-adjusted).
  LocalMinute due_at;

  // Pause (supplement requested) bookkeeping.
  LocalMinute paused_at;
  int64_t remaining_minutes = 0;  // working minutes left when paused
  bool paused_late = false;       // paused at or after due_at: stays late
  int32_t supplement_requests = 0;

  // Apologies: only the first counts for standing.
  int32_t apology_count = 0;
  bool first_apology_timely = false;
  LocalMinute promised_due_at;  // new_due_at of the first apology

  bool overdue_logged = false;  // an `overdue` event is in the log

  // Finish.
  Instant finished_at;        // occurred_at of the finishing event
  LocalMinute classified_at;  // e of design.md §3 (pause instant if resolved while paused)
  Classification classification = Classification::kOnTime;  // for kResolved only

  Instant last_event_at;     // occurred_at of the last applied event
  uint32_t event_count = 0;  // events in the log; the next event's sequence number
  std::string chain_head;    // SHA-256 of the last logged event (32 bytes), runtime-maintained

  std::vector<TimerSpec> timers;  // pending timers, so a change can cancel them

  bool is_open() const { return status != DossierStatus::kFinished; }
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_DOSSIER_STATE_H_
