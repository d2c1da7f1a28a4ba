// Raised alerts (docs/alerts.md; docs/storage.md "Column families"): the alerts one
// batch raised, in one value, numbered by a global alert sequence. An alert id
// is raised once (the dossier's RaisedLedger), so every stored alert is
// distinct. `serve` publishes them after the commit that stored them and
// records how far it got (meta "alerts_published": the next sequence to
// publish), so a restart publishes exactly those not yet acknowledged.
//
//   alerts  key [u64 BE first alert sequence]
//           value: u8 0, varint n, varint size, then the n entries as one LZ4
//           block of `size` bytes; an entry: string dossier_id, u8 kind,
//           i64 due_at minute, string alert JSON as published.
//           Stores written before compression hold varint n (never 0) and the
//           entries as they are; they still read.
//
// The JSON is most of an alert and repeats from one alert to the next (LZ4
// keeps ~11 % of it): compressed, a batch's alerts cost the WAL, the memtable
// and the flush a ninth of their bytes.
#ifndef HOSO_PROJECTIONS_ALERT_LOG_H_
#define HOSO_PROJECTIONS_ALERT_LOG_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/core/alert.h"
#include "engine/core/status.h"
#include "projections/kv_store.h"

namespace hoso::projections {

struct StoredAlert {
  uint64_t sequence = 0;
  std::string_view dossier_id;
  core::AlertKind kind = core::AlertKind::kOverdue;
  core::LocalMinute due_at;
  std::string_view json;  // schemas/alert.schema.json
};

std::string AlertsKey(uint64_t first_sequence);

// A batch's alerts, encoded but not yet compressed (EncodeAlertBatch).
struct AlertBatch {
  size_t count = 0;
  std::string entries;
};

class AlertBatchWriter {
 public:
  void Clear();
  void Add(std::string_view dossier_id, core::AlertKind kind, core::LocalMinute due_at,
           std::string_view json);
  size_t count() const { return batch_.count; }
  // Moves the batch out and leaves the writer empty, writing into `spare`
  // from then on (a buffer of an earlier batch: its capacity is reused, not
  // grown again in fresh pages).
  AlertBatch Take(std::string spare);

 private:
  AlertBatch batch_;
};

// The stored value of `batch`: a view into `buffer`, grown (never shrunk) to
// hold it, so a buffer reused for every batch costs no allocation.
std::string_view EncodeAlertBatch(const AlertBatch& batch, std::string* buffer);

// Every stored alert with sequence >= `from`, in order.
core::Status ForEachAlert(KvStore& store, uint64_t from,
                          const std::function<core::Status(const StoredAlert&)>& visit);

// Reads alerts' JSON by sequence, keeping the batch value it read last
// decompressed: consecutive reads of one batch's alerts decompress it once.
class AlertJsonReader {
 public:
  explicit AlertJsonReader(KvStore& store) : store_(store) {}
  // The JSON of the alert stored under `sequence`; NotFound when there is none.
  core::Status Read(uint64_t sequence, std::string* json);

 private:
  KvStore& store_;
  uint64_t first_ = 0;  // of the batch in entries_; 0: none read yet
  uint64_t count_ = 0;
  std::string_view entries_;
  std::string value_;    // the batch's stored value
  std::string scratch_;  // its entries, decompressed
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_ALERT_LOG_H_
