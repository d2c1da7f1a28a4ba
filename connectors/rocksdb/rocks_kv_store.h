// RocksKvStore: the KvStore on RocksDB, one column family per Column
// (docs/storage.md). Write() is one rocksdb::WriteBatch with the WAL on, so a
// batch is all or nothing across column families after a crash.
//
// Thread-safety: as rocksdb::DB: reads and writes from several threads are
// safe (the engine thread reads while the committer thread writes).
#ifndef HOSO_CONNECTORS_ROCKSDB_ROCKS_KV_STORE_H_
#define HOSO_CONNECTORS_ROCKSDB_ROCKS_KV_STORE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "projections/kv_store.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace hoso::connectors {

// The bit of `column` in RocksOptions::columns.
constexpr uint32_t ColumnBit(projections::Column column) {
  return uint32_t{1} << static_cast<int>(column);
}
inline constexpr uint32_t kAllColumns = (uint32_t{1} << projections::kColumnCount) - 1;

struct RocksOptions {
  // Create the database (and its column families) when absent. Default: true.
  bool create_if_missing = true;
  // Open read-only (queries on a database another process may be writing).
  bool read_only = false;
  // With read_only: open as a RocksDB secondary instance, whose view follows
  // the writer's with CatchUp(). RocksDB keeps the secondary's own info log
  // in this directory (created when absent). Empty: a plain read-only open,
  // whose view is fixed when opened.
  std::string secondary_path;
  // With read_only (not secondary): read table blocks through mmap instead
  // of pread into fresh buffers. Faster for a few large values (`history`
  // reads log segments of about a megabyte: 0.89 of the time), slower for
  // many small ones (`kpi`: 1.04). Default: false.
  bool mmap_reads = false;
  // With read_only (not secondary): the column families to open, one bit per
  // projections::Column (ColumnBit); default: all. Reading a family not
  // opened fails with InvalidArgument. A query that reads a few families
  // opens only those: on a database a crash left (its last write-ahead log
  // not yet flushed by a restart), RocksDB then replays into memory only
  // their records, not the log segments that make up most of the log's
  // bytes (docs/storage.md "Queries after a crash").
  uint32_t columns = kAllColumns;
  // fsync the WAL on every batch. Default: false (a machine crash may lose
  // the last batches, never split one; the source resumes from the position
  // stored with the last durable batch).
  bool sync = false;
  // Write without the write-ahead log: only for building a new database that
  // is thrown away if the build fails (replay), which then calls Flush().
  // Default: false.
  bool disable_wal = false;
  // The memtable size of every column family, in bytes; 0: the per-family
  // defaults (64 MiB for the log, 32 MiB for the others). A database
  // written once from start to end (replay) is faster with small ones
  // (8 MiB): they flush while it is written, on the second core, instead of
  // all at the end, and their memory is reused instead of faulted in fresh.
  size_t write_buffer_bytes = 0;
  // Refuse to write (a clear IOError naming the free space) once the
  // database's filesystem has less than this many bytes free, so hoso stops
  // before RocksDB itself runs out of room mid-write (which aborts the
  // process). 0: no check. Default: 256 MiB.
  uint64_t min_free_bytes = uint64_t{256} << 20;
  // A write batch of at least this many bytes (a checkpoint: tens of
  // megabytes of dossier records) is followed by a flush of every column
  // family, requested without waiting: the memtables are switched at once
  // and written to table files in the background, after which the WAL no
  // longer holds the batch. What a crash leaves in the WAL is what a query
  // replays before it answers (docs/storage.md "Queries after a crash").
  // Not with disable_wal. 0: never. Default: 8 MiB (an ingest or serve
  // batch of 8,192 events is 1-3 MiB).
  size_t flush_after_batch_bytes = size_t{8} << 20;
  // Run on a database this Open creates, before it appears at its path
  // (e.g. write the projection version): the database is built in a sibling
  // directory and renamed into place, so a reader opening the path sees
  // either no database or a complete, initialized one. Default: none.
  std::function<core::Status(projections::KvStore&)> initialize;
};

class RocksKvStore final : public projections::KvStore {
 public:
  // Opens `path`. Fails with IOError naming the path, or InvalidArgument
  // when the directory holds something that is not a hoso database.
  static core::Result<std::unique_ptr<RocksKvStore>> Open(const std::string& path,
                                                          RocksOptions options = {});
  // Bytes of the write-ahead log files in `path`: what an open replays into
  // memory before it answers (a crash's leftovers, or a live writer's log).
  // 0 when there are none or the directory cannot be read.
  static uint64_t WriteAheadLogBytes(const std::string& path);
  ~RocksKvStore() override;

  core::Status Get(projections::Column column, std::string_view key, std::string* value) override;
  std::unique_ptr<projections::KvBatch> NewBatch(size_t reserve_bytes = 0) override;
  core::Status Write(projections::KvBatch& batch) override;
  void Recycle(std::unique_ptr<projections::KvBatch> batch) override;
  std::unique_ptr<projections::KvIterator> NewIterator(projections::Column column) override;

  // OK while the filesystem holding the database has at least
  // options.min_free_bytes free; otherwise an IOError saying how much room
  // to free.
  core::Status CheckFreeSpace() const;
  // Flushes memtables to SST files (used before a byte-level digest).
  core::Status Flush();
  // A secondary instance: brings the view up to what the writer has made
  // durable, whole write batches only (RocksDB replays the writer's WAL
  // records, and each engine commit is one record). Not concurrent with
  // reads of the same store. InvalidArgument on any other open.
  core::Status CatchUp();
  // The writer's backup (docs/operations.md "Backup"): writes a RocksDB
  // checkpoint of the database as it stands after the last complete write
  // batch into `dir`, which must not exist (RocksDB builds "<dir>.tmp" and
  // renames it). Table files are hard links when `dir` is on the same
  // filesystem, copies otherwise; memtables are not flushed (the writer is
  // not held up), so the live write-ahead log, bounded by
  // max_total_wal_size, is copied. Safe while other threads write. Only a
  // writable open may take one (see connectors/rocksdb/checkpoint.h);
  // InvalidArgument on a read-only one, IOError when RocksDB fails.
  core::Status CreateCheckpoint(const std::string& dir);
  // Bytes of the database's live SST files plus its write-ahead log.
  uint64_t SizeBytes() const;
  // RocksDB's integer property `name` (e.g. "rocksdb.num-entries-active-mem-table")
  // of `column`'s family. NotFound when RocksDB does not know it,
  // InvalidArgument for a family this open left out.
  core::Result<uint64_t> IntProperty(projections::Column column, const std::string& name) const;
  const std::string& path() const { return path_; }

 private:
  RocksKvStore() = default;
  std::string path_;
  RocksOptions options_;
  core::Status NotOpened(projections::Column column) const;
  // Flushes the memtables of every opened family; with `wait` false only
  // switches them and leaves the writing to RocksDB's flush thread.
  core::Status FlushFamilies(bool wait);

  std::unique_ptr<rocksdb::DB> db_;
  // index: Column (null: not opened, RocksOptions::columns), then the default
  // family; owned, closed in the destructor.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::mutex recycled_mutex_;
  std::vector<std::unique_ptr<projections::KvBatch>> recycled_;  // written batches, for reuse
};

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_ROCKSDB_ROCKS_KV_STORE_H_
