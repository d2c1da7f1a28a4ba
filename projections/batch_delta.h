// What one committed batch changed in the projections that queries read,
// kept until the next checkpoint (docs/storage.md "Checkpoints"): the KPI
// cells it changed (their new absolute values) and the dossiers whose open
// summary changed (opened, finished, paused, resumed, given another
// appointment). A query reads the last checkpoint's base (the `kpi` and
// `open_dossiers` families) and folds the deltas written since, in order; a
// checkpoint deletes the deltas it covers in the same atomic write.
//
//   deltas  key [u64 BE batch serial]
//           value: u8 format (4), varint size, then one LZ4 block of `size`
//           bytes holding the body of format 3.
//           Format 3, uncompressed, still read: u8 format (3), then the body:
//           varint n, n x (string kpi key, 29 x zigzag counter; format 2,
//           before feedback counters: 17), varint m, m x (string dossier_id,
//           u8 state: 0 no longer open, 1 open, 3 paused, 7 paused late; when
//           open: varint handle + 1 of the receiving agency and of the
//           procedure (meta "names"), zigzag received_at ms, zigzag due_at
//           minute)
//
// Compressed, a delta takes 27-37 % of its bytes (cell keys and dossier ids
// repeat their prefixes): every batch writes one, through the WAL and the
// memtable, until the next checkpoint deletes it.
#ifndef HOSO_PROJECTIONS_BATCH_DELTA_H_
#define HOSO_PROJECTIONS_BATCH_DELTA_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/core/id_table.h"
#include "engine/core/instant.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/status.h"
#include "engine/core/string_hash.h"
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

// Every open dossier's summary, by dossier id. Unordered: queries count them
// (CountOpen) and look ids up, none needs them sorted, and a query after a
// crash folds up to 32 batches of deltas into it (a lookup per entry, by
// string_view: no allocation for a dossier already there).
using OpenDossiers = core::StringMap<OpenSummary>;

std::string DeltaKey(uint64_t batch_serial);

class BatchDeltaWriter {
 public:
  void Clear();
  void AddKpi(std::string_view encoded_key, const core::KpiCounters& counters);
  // The dossier is no longer open.
  void AddClosed(std::string_view dossier_id);
  // An open dossier's summary; agency and procedure are handles of the
  // stored names table.
  void AddOpen(std::string_view dossier_id, uint32_t agency, uint32_t procedure,
               core::Instant received_at, core::LocalMinute due_at, bool paused, bool paused_late);
  bool empty() const { return kpi_count_ == 0 && open_count_ == 0; }
  // The delta uncompressed (format 3), written into `spare` (a buffer of an
  // earlier batch, its capacity reused); the writer is left empty.
  std::string Take(std::string spare);

 private:
  size_t kpi_count_ = 0;
  size_t open_count_ = 0;
  std::string kpi_;
  std::string open_;
};

// The stored value of a delta `Take` returned: a view into `buffer`, grown
// (never shrunk) to hold it, so a buffer reused for every batch costs no
// allocation.
std::string_view EncodeBatchDelta(std::string_view uncompressed, std::string* buffer);

struct DeltaVisitor {
  std::function<void(std::string_view encoded_kpi_key, const core::KpiCounters&)> kpi;
  std::function<void(std::string_view dossier_id, const OpenSummary* summary)> open;
};
// Decodes one delta value; `names` is the stored names table.
core::Status DecodeBatchDelta(std::string_view value, const core::IdTable& names,
                              const DeltaVisitor& visitor);
// Folds every stored delta, in batch order (loads the names table).
core::Status ForEachDelta(KvStore& store, const DeltaVisitor& visitor);
// The same with the names table already loaded (LoadNames).
core::Status ForEachDelta(KvStore& store, const core::IdTable& names, const DeltaVisitor& visitor);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_BATCH_DELTA_H_
