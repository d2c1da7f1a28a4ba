// Tamper evidence of the event log (issue 5): recomputes every dossier's
// hash chain h = SHA-256(previous h || event bytes), checks it against the
// hashes stored with the events, the chain heads of the dossier states and
// the per-month head index, and derives each month's root digest:
//   root(M) = SHA-256 over, in dossier-id order, [varint len][dossier_id][head]
//   for every dossier with an event in M, head = its chain head after its
//   last event of M.
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
  // The first problem found, in dossier-id order.
  std::string bad_dossier_id;
  int64_t bad_sequence = -1;  // -1 when the problem is not one event
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

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_LOG_VERIFIER_H_
