// What one committed batch changed in the projections that queries read,
// kept until the next checkpoint (docs/storage.md "Checkpoints"): the KPI
// cells it changed (their new absolute values) and the dossiers whose open
// summary changed (opened, finished, paused, resumed, given another
// appointment). A query reads the last checkpoint's base (the `kpi` and
// `open_dossiers` families) and folds the deltas written since, in order; a
// checkpoint deletes the deltas it covers in the same atomic write.
//
//   deltas  key [u64 BE batch serial]
//           value: u8 format (1), varint n, n x (string kpi key, 16 x zigzag
//           counter), varint m, m x (string dossier_id, u8 open, and when open:
//           string agency, string procedure, i64 received_at ms, i64 due_at
//           minute, u8 paused, u8 paused_late)
#ifndef HOSO_PROJECTIONS_BATCH_DELTA_H_
#define HOSO_PROJECTIONS_BATCH_DELTA_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/core/instant.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/status.h"
#include "projections/kv_store.h"

namespace hoso::projections {

// An open dossier as queries count it (open / open_overdue at an instant).
struct OpenSummary {
  std::string agency_id;  // the receiving agency
  std::string procedure_id;
  core::Instant received_at;
  core::LocalMinute due_at;
  bool paused = false;
  bool paused_late = false;
  bool operator==(const OpenSummary&) const = default;
};

std::string DeltaKey(uint64_t batch_serial);

class BatchDeltaWriter {
 public:
  void Clear();
  void AddKpi(std::string_view encoded_key, const core::KpiCounters& counters);
  // `summary` null: the dossier is no longer open.
  void AddOpen(std::string_view dossier_id, const OpenSummary* summary);
  // An open dossier's summary from its parts (no copy of the names).
  void AddOpen(std::string_view dossier_id, std::string_view agency_id,
               std::string_view procedure_id, core::Instant received_at, core::LocalMinute due_at,
               bool paused, bool paused_late);
  bool empty() const { return kpi_count_ == 0 && open_count_ == 0; }
  std::string Value() const;

 private:
  size_t kpi_count_ = 0;
  size_t open_count_ = 0;
  std::string kpi_;
  std::string open_;
};

struct DeltaVisitor {
  std::function<void(std::string_view encoded_kpi_key, const core::KpiCounters&)> kpi;
  std::function<void(std::string_view dossier_id, const OpenSummary* summary)> open;
};
// Decodes one delta value.
core::Status DecodeBatchDelta(std::string_view value, const DeltaVisitor& visitor);
// Folds every stored delta, in batch order.
core::Status ForEachDelta(KvStore& store, const DeltaVisitor& visitor);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_BATCH_DELTA_H_
