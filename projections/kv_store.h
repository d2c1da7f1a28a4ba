// KvStore / KvBatch / KvIterator: the storage interface every projection
// writes through (docs/storage.md). Implementations: MemoryKvStore (tests) and
// connectors/rocksdb RocksKvStore.
//
// Contract:
//  - Column families are fixed (Column); keys and values are byte strings,
//    ordered bytewise within a column.
//  - Write(batch) is atomic: after a crash either every mutation of the batch
//    is visible or none is.
//  - Get returns NotFound when the key is absent; any other failure is an
//    IOError/Corruption that the caller must treat as fatal.
//  - Thread-safety: RocksKvStore may be read and written from several threads
//    (the engine thread reads while the committer thread writes);
//    MemoryKvStore is single-threaded. Batches are built by one thread.
#ifndef HOSO_PROJECTIONS_KV_STORE_H_
#define HOSO_PROJECTIONS_KV_STORE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace hoso::projections {

enum class Column : int {
  kLog = 0,   // [u64 first sequence][u64 batch serial] -> segment of logged events (the audit log)
  kLogIndex,  // same key -> the segment's event-id and dossier-id fingerprints
  kOpenDossiers,  // dossier_id -> record of a dossier open at the last checkpoint
  kDossiers,      // dossier_id -> record of a finished dossier
  kKpi,           // month + agency + procedure + input partition -> counters (last checkpoint)
  kDeltas,        // [u64 batch serial] -> what a batch changed since the last checkpoint
  kAlerts,        // [u64 first alert sequence] -> the alerts one batch raised
  kMeta,          // positions, versions, clock, sequences, checkpoint
};
inline constexpr int kColumnCount = 8;
// RocksDB column family name ("log", "log_index", …).
std::string_view ColumnName(Column column);

class KvBatch {
 public:
  virtual ~KvBatch() = default;
  virtual void Put(Column column, std::string_view key, std::string_view value) = 0;
  virtual void Delete(Column column, std::string_view key) = 0;
  // Deletes every key in [begin, end).
  virtual void DeleteRange(Column column, std::string_view begin, std::string_view end) = 0;
  virtual size_t Count() const = 0;
};

class KvIterator {
 public:
  virtual ~KvIterator() = default;
  virtual void SeekToFirst() = 0;
  virtual void Seek(std::string_view target) = 0;
  // Positions at the last key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
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
  // `reserve_bytes`: the expected size of the batch (a hint).
  virtual std::unique_ptr<KvBatch> NewBatch(size_t reserve_bytes = 0) = 0;
  virtual core::Status Write(KvBatch& batch) = 0;
  // Gives a written batch back for reuse by NewBatch (its buffer keeps its
  // capacity, so a steady stream of commits allocates nothing). Default:
  // dropped. Thread-safe in stores that support several threads.
  virtual void Recycle(std::unique_ptr<KvBatch> batch) { (void)batch; }
  // Iterates a consistent snapshot of one column.
  virtual std::unique_ptr<KvIterator> NewIterator(Column column) = 0;
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_KV_STORE_H_
