// KvStore / KvBatch / KvIterator: the storage interface every projection
// writes through (design.md §6). Implementations: MemoryKvStore (tests) and
// connectors/rocksdb RocksKvStore.
//
// Contract:
//  - Column families are fixed (Column); keys and values are byte strings,
//    ordered bytewise within a column.
//  - Write(batch) is atomic: after a crash either every mutation of the batch
//    is visible or none is.
//  - Get returns NotFound when the key is absent; any other failure is an
//    IOError/Corruption that the caller must treat as fatal.
//  - Thread-safety: a store may be read from several threads; writes are
//    serialised by the single engine thread that owns it.
#ifndef HOSO_PROJECTIONS_KV_STORE_H_
#define HOSO_PROJECTIONS_KV_STORE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace hoso::projections {

enum class Column : int {
  kEvents = 0,  // dossier_id + sequence -> logged event (the audit log)
  kDedup,       // event_id -> "" (ids of applied events)
  kDossiers,    // dossier_id -> current state
  kKpi,         // month + agency + procedure + input partition -> counters
  kTimers,      // fire instant + kind + due + dossier -> "" (pending alerts)
  kAlerts,      // alert_id -> alert JSON (raised alerts, never raised twice)
  kMeta,        // positions, versions, clock, log sequence
  kHeads,       // month + dossier_id -> chain head after the dossier's last event that month
};
inline constexpr int kColumnCount = 8;
// RocksDB column family name ("events", "dedup", …).
std::string_view ColumnName(Column column);

class KvBatch {
 public:
  virtual ~KvBatch() = default;
  virtual void Put(Column column, std::string_view key, std::string_view value) = 0;
  virtual void Delete(Column column, std::string_view key) = 0;
  virtual size_t Count() const = 0;
};

class KvIterator {
 public:
  virtual ~KvIterator() = default;
  virtual void SeekToFirst() = 0;
  virtual void Seek(std::string_view target) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;    // REQUIRES: Valid()
  virtual std::string_view value() const = 0;  // REQUIRES: Valid()
  virtual core::Status status() const = 0;
};

class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual core::Status Get(Column column, std::string_view key, std::string* value) = 0;
  virtual std::unique_ptr<KvBatch> NewBatch() = 0;
  virtual core::Status Write(KvBatch& batch) = 0;
  // Iterates a consistent snapshot of one column.
  virtual std::unique_ptr<KvIterator> NewIterator(Column column) = 0;
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_KV_STORE_H_
