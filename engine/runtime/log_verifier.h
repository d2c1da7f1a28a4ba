// Tamper evidence of the event log (issue 5; docs/storage.md): recomputes
// every dossier's hash chain h = SHA-256(previous h || event bytes) over the
// whole log, checks it against the links stored with the events, the log's
// own continuity (no sequence missing, every dossier's events in order) and
// the dossier records of the last checkpoint (event count, last event, chain
// head), and derives each month's root digest:
//   root(M) = SHA-256 over, in dossier-id order, [varint len][dossier_id][head]
//   for every dossier with an event dated in M, head = its chain link after
//   its last-logged event dated in M.
// The month roots are a fold of the log: nothing else stores them.
#ifndef HOSO_ENGINE_RUNTIME_LOG_VERIFIER_H_
#define HOSO_ENGINE_RUNTIME_LOG_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "engine/core/status.h"
#include "projections/kv_store.h"

namespace hoso::runtime {

struct VerifyReport {
  uint64_t events = 0;
  uint64_t dossiers = 0;
  bool ok = true;
  // The first problem found, in log order.
  std::string bad_dossier_id;
  int64_t bad_sequence = -1;  // the dossier sequence of the bad event; -1 when not one event
  std::string problem;
  std::map<int, std::string> month_roots;  // yyyymm -> 32-byte root
};

struct VerifyOptions {
  std::function<void(uint64_t events_done)> on_progress;
};

// Fails only when the store cannot be read; a broken chain is a report with ok == false.
core::Result<VerifyReport> VerifyLog(projections::KvStore& store, const VerifyOptions& options);

// The month root over (dossier_id -> head) pairs, in map order.
std::string MonthRoot(const std::map<std::string, std::string>& heads_by_dossier);

// The local month (yyyymm) of a logged event's occurred_at, found without a
// full parse when the bytes are in the compact form; false when the bytes do
// not decode.
bool MonthOfLoggedEvent(std::string_view bytes, int* month);

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_LOG_VERIFIER_H_
