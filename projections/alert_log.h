// Raised alerts (docs/alerts.md; docs/storage.md "Column families"): the alerts one
// batch raised, in one value, numbered by a global alert sequence. An alert id
// is raised once (the dossier's RaisedLedger), so every stored alert is
// distinct. `serve` publishes them after the commit that stored them and
// records how far it got (meta "alerts_published": the next sequence to
// publish), so a restart publishes exactly those not yet acknowledged.
//
//   alerts  key [u64 BE first alert sequence]
//           value: varint n, then n x (string dossier_id, u8 kind, i64 due_at
//           minute, string alert JSON as published)
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

class AlertBatchWriter {
 public:
  void Clear();
  void Add(std::string_view dossier_id, core::AlertKind kind, core::LocalMinute due_at,
           std::string_view json);
  size_t count() const { return count_; }
  // The batch's stored value (the count, then the entries): a view into the
  // writer, valid until its next Add or Clear. Built in place, so a batch
  // of alerts (hundreds of kilobytes) is not copied to be stored.
  std::string_view Value();

 private:
  // entries_ begins with room for the count's varint, written right-aligned
  // against the entries by Value().
  static constexpr size_t kCountRoom = 10;
  size_t count_ = 0;
  std::string entries_ = std::string(kCountRoom, '\0');
};

// Every stored alert with sequence >= `from`, in order.
core::Status ForEachAlert(KvStore& store, uint64_t from,
                          const std::function<core::Status(const StoredAlert&)>& visit);

// The JSON of the alert stored under `sequence` (one batch value read);
// NotFound when there is none.
core::Status ReadAlertJson(KvStore& store, uint64_t sequence, std::string* json);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_ALERT_LOG_H_
