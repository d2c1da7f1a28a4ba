#include "connectors/rocksdb/rocks_kv_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <thread>

#include "projections/meta.h"

namespace hoso::connectors {
namespace {

using core::Status;
using projections::Column;

// Table files a read-only (query) open keeps open at once. RocksDB loads up
// to a quarter of its table cache (this minus 10) at open: one table here.
constexpr int kQueryMaxOpenFiles = 16;

Status FromRocks(const rocksdb::Status& s, const std::string& context) {
  if (s.ok()) return Status::Ok();
  if (s.IsNoSpace()) {
    return Status::IOError(context + ": no space left on device (" + s.ToString() +
                           "); free room on the disk and run again");
  }
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos &&
      s.ToString().find("Resource temporarily unavailable") != std::string::npos) {
    return Status::Unavailable(context +
                               ": the database is in use by another hoso process (its LOCK file "
                               "is held); stop that process or open the database read-only");
  }
  if (s.IsNotFound()) return Status::NotFound(context);
  if (s.IsCorruption()) return Status::Corruption(context + ": " + s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(context + ": " + s.ToString());
  return Status::IOError(context + ": " + s.ToString());
}

// Appends straight to a rocksdb::WriteBatch: a batch holds a few large values
// (a log segment, its index, a delta), and a checkpoint adds records in key
// order (the engine sorts them), which the memtable inserts fastest.
class RocksBatch final : public projections::KvBatch {
 public:
  RocksBatch(const std::vector<rocksdb::ColumnFamilyHandle*>* handles, size_t reserve_bytes)
      : handles_(handles), batch_(reserve_bytes) {}
  void Put(Column column, std::string_view key, std::string_view value) override {
    batch_
        .Put((*handles_)[static_cast<int>(column)], rocksdb::Slice(key.data(), key.size()),
             rocksdb::Slice(value.data(), value.size()))
        .PermitUncheckedError();
  }
  void Delete(Column column, std::string_view key) override {
    batch_.Delete((*handles_)[static_cast<int>(column)], rocksdb::Slice(key.data(), key.size()))
        .PermitUncheckedError();
  }
  void DeleteRange(Column column, std::string_view begin, std::string_view end) override {
    batch_
        .DeleteRange((*handles_)[static_cast<int>(column)],
                     rocksdb::Slice(begin.data(), begin.size()),
                     rocksdb::Slice(end.data(), end.size()))
        .PermitUncheckedError();
  }
  size_t Count() const override { return batch_.Count(); }
  rocksdb::WriteBatch* Build() { return &batch_; }
  // Empties the batch for reuse; its buffer keeps its capacity
  // (rocksdb::WriteBatch::Clear resizes its string, never shrinks it).
  void Reset() { batch_.Clear(); }
  size_t capacity() const { return batch_.Data().capacity(); }

 private:
  const std::vector<rocksdb::ColumnFamilyHandle*>* handles_;
  rocksdb::WriteBatch batch_;
};

class RocksIterator final : public projections::KvIterator {
 public:
  RocksIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* handle) {
    rocksdb::ReadOptions read_options;
    read_options.total_order_seek = true;
    iterator_.reset(db->NewIterator(read_options, handle));
  }
  void SeekToFirst() override { iterator_->SeekToFirst(); }
  void Seek(std::string_view target) override {
    iterator_->Seek(rocksdb::Slice(target.data(), target.size()));
  }
  void SeekForPrev(std::string_view target) override {
    iterator_->SeekForPrev(rocksdb::Slice(target.data(), target.size()));
  }
  bool Valid() const override { return iterator_->Valid(); }
  void Next() override { iterator_->Next(); }
  std::string_view key() const override {
    rocksdb::Slice k = iterator_->key();
    return {k.data(), k.size()};
  }
  std::string_view value() const override {
    rocksdb::Slice v = iterator_->value();
    return {v.data(), v.size()};
  }
  Status status() const override { return FromRocks(iterator_->status(), "iterator"); }

 private:
  std::unique_ptr<rocksdb::Iterator> iterator_;
};

// The iterator of a column family the open left out: never valid, its
// status says why.
class FailedIterator final : public projections::KvIterator {
 public:
  explicit FailedIterator(Status status) : status_(std::move(status)) {}
  void SeekToFirst() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  bool Valid() const override { return false; }
  void Next() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return status_; }

 private:
  Status status_;
};

rocksdb::ColumnFamilyOptions ColumnOptions(Column column, size_t write_buffer_bytes) {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  // Point lookups of dossier records (an event for a finished dossier) are
  // mostly of keys that exist; a Bloom filter answers the rest at once.
  if (column == Column::kDossiers || column == Column::kOpenDossiers) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // The log takes one large value per batch; its keys only ever grow, so
  // its files are never rewritten by compaction (they do not overlap). Its
  // segments arrive compressed (LZ4), as do the alerts (alert_log.h), and the
  // index is fingerprints: RocksDB compressing them again only costs CPU.
  options.write_buffer_size = column == Column::kLog ? 64 << 20 : 32 << 20;
  if (write_buffer_bytes > 0) options.write_buffer_size = write_buffer_bytes;
  // Three memtables a family (RocksDB's default is two): the flush asked
  // for after a checkpoint (flush_after_batch_bytes) and the one the WAL
  // bound asks for soon after left two memtables waiting for the flush
  // thread, and RocksDB then stopped every write until one was written: the
  // engine waited for its commits 0.1-0.4 s each time. Not more: what waits
  // for a flush also stays in the WAL a query after a crash reads
  // (docs/storage.md).
  options.max_write_buffer_number = 3;
  if (column == Column::kLog || column == Column::kLogIndex || column == Column::kAlerts) {
    options.compression = rocksdb::kNoCompression;
  }
  return options;
}

}  // namespace

namespace {

// Creates a new database at `path` (absent or an empty directory) by building
// it in a sibling directory, initializing it, and renaming it into place.
Status CreateAtomically(const std::string& path, const RocksOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target = fs::absolute(path, ec).lexically_normal();
  const fs::path staging = target.parent_path() /
                           (target.filename().string() + ".creating-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  {
    RocksOptions staging_options = options;
    staging_options.initialize = nullptr;
    auto store = RocksKvStore::Open(staging.string(), staging_options);
    if (!store.ok()) {
      fs::remove_all(staging, ec);
      return store.status();
    }
    Status s = options.initialize(**store);
    if (!s.ok()) {
      store->reset();
      fs::remove_all(staging, ec);
      return s;
    }
  }
  // rename(2) replaces an empty directory; a non-empty one fails (ENOTEMPTY).
  fs::rename(staging, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return Status::IOError("cannot create the database at " + path + ": " + ec.message());
  }
  return Status::Ok();
}

// A database of another layout: its projection version, read from its own
// column families, refused with the advice to replay.
Status RefuseOtherLayout(const std::string& path, const std::vector<std::string>& families) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& family : families) {
    descriptors.emplace_back(family, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "opening " + path);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string tag = "unknown";
  for (size_t i = 0; i < families.size(); ++i) {
    if (families[i] == "meta") {
      std::string value;
      if (db->Get(rocksdb::ReadOptions(), handles[i], "projection", &value).ok()) tag = value;
    }
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  return Status::VersionMismatch(path + " was written by projection version '" + tag +
                                 "' and this hoso reads '" + projections::ProjectionTag() +
                                 "'; rebuild it with `hoso replay --db " + path +
                                 " --into NEW_DIR` (replay reads the older log too)");
}

}  // namespace

core::Result<std::unique_ptr<RocksKvStore>> RocksKvStore::Open(const std::string& path,
                                                               RocksOptions options) {
  std::error_code ec;
  if (options.initialize && options.create_if_missing && !options.read_only &&
      !std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec)) {
    if (std::filesystem::exists(path, ec) && std::filesystem::is_directory(path, ec) &&
        !std::filesystem::is_empty(path, ec)) {
      return Status::InvalidArgument(path + " is a directory that holds something else than a " +
                                     "hoso database");
    }
    HOSO_RETURN_IF_ERROR(CreateAtomically(path, options));
  }
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path + " exists and is not a directory");
  }
  const bool exists = std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec);
  if (!exists && (!options.create_if_missing || options.read_only)) {
    return Status::NotFound("no hoso database at " + path);
  }
  if (exists) {
    std::vector<std::string> families;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families);
    if (!s.ok()) return FromRocks(s, "listing column families of " + path);
    if (std::find(families.begin(), families.end(), "meta") == families.end()) {
      return Status::InvalidArgument(path + " is not a hoso database (no column family 'meta')");
    }
    bool ours = true;
    for (int i = 0; i < projections::kColumnCount; ++i) {
      ours = ours && std::find(families.begin(), families.end(),
                               projections::ColumnName(static_cast<Column>(i))) != families.end();
    }
    // Another layout (an older projection version): read its version from
    // its own families and refuse it before anything is added to it.
    if (!ours) return RefuseOtherLayout(path, families);
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = !options.read_only;
  db_options.max_background_jobs = 2;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 3;
  // A write-ahead log file is kept until every family it holds writes for
  // has flushed; the small families (meta, deltas) written by every batch
  // would otherwise keep ~1.4 GB of WAL alive (RocksDB's default bound is
  // four times the sum of the write buffers). Bounding it bounds what a
  // restart, or a query of a database left by a crash, replays first
  // (16 MiB beside flush_after_batch_bytes: BENCHMARKS.md "kpi after a crash").
  db_options.max_total_wal_size = 16 << 20;
  // RocksDB preallocates each WAL file (up to that bound): space the
  // free-space check of docs/storage.md "Disk room" would count as used long
  // before it is written. Files grow as written instead.
  db_options.allow_fallocate = false;
  // RocksDB opens the table files of each column family on 16 new threads
  // (its default), families one after another: ~150 threads created and
  // ended before a writer starts, a quarter of a small `hoso ingest`. Opening
  // them on as many threads as there are cores loses nothing.
  db_options.max_file_opening_threads =
      static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
  // A writer (and a secondary, which follows one) opens every family; only
  // a plain read-only open may leave some out.
  const bool plain_read_only = options.read_only && options.secondary_path.empty();
  const uint32_t opened_columns = plain_read_only ? (options.columns & kAllColumns) : kAllColumns;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<Column> descriptor_columns;  // of descriptors[1..]
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (int i = 0; i < projections::kColumnCount; ++i) {
    const Column column = static_cast<Column>(i);
    if ((opened_columns & ColumnBit(column)) == 0) continue;
    descriptors.emplace_back(std::string(projections::ColumnName(column)),
                             ColumnOptions(column, options.write_buffer_bytes));
    descriptor_columns.push_back(column);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only && !options.secondary_path.empty()) {
    // A secondary keeps every table file open (RocksDB requires it) and
    // follows the writer through its MANIFEST and WAL.
    std::filesystem::create_directories(options.secondary_path, ec);
    db_options.max_open_files = -1;
    s = rocksdb::DB::OpenAsSecondary(db_options, path, options.secondary_path, descriptors,
                                     &handles, &raw);
  } else if (options.read_only) {
    // A query reads a few keys of a few tables: open tables as they are
    // read, on this thread, instead of every table of the database on 16
    // threads up front (RocksDB's defaults, two thirds of the time of a
    // `hoso history` process on the 1M-event database).
    db_options.max_open_files = kQueryMaxOpenFiles;
    db_options.max_file_opening_threads = 1;
    db_options.skip_stats_update_on_db_open = true;
    db_options.allow_mmap_reads = options.mmap_reads;
    s = rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &handles, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
  }
  if (s.ok() && options.read_only && handles.size() < descriptors.size()) {
    s = rocksdb::Status::InvalidArgument("column families missing");
  }
  if (!s.ok()) return FromRocks(s, "opening " + path);
  std::unique_ptr<RocksKvStore> store(new RocksKvStore());
  store->path_ = path;
  store->options_ = options;
  store->db_.reset(raw);
  // handles[0] is the default family; keep it (last) to close it too.
  store->handles_.assign(projections::kColumnCount + 1, nullptr);
  for (size_t i = 0; i < descriptor_columns.size(); ++i) {
    store->handles_[static_cast<int>(descriptor_columns[i])] = handles[i + 1];
  }
  store->handles_.back() = handles[0];
  HOSO_RETURN_IF_ERROR(store->CheckFreeSpace());
  return store;
}

Status RocksKvStore::CatchUp() {
  if (!options_.read_only || options_.secondary_path.empty()) {
    return Status::InvalidArgument("CatchUp needs a secondary instance");
  }
  return FromRocks(db_->TryCatchUpWithPrimary(), "catching up with " + path_);
}

Status RocksKvStore::CreateCheckpoint(const std::string& dir) {
  if (options_.read_only) {
    return Status::InvalidArgument("a checkpoint of " + path_ + " needs its writer");
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // No flush (log_size_for_flush = max): the engine keeps committing while
  // the files are linked and the write-ahead log copied.
  if (s.ok()) s = checkpoint->CreateCheckpoint(dir, std::numeric_limits<uint64_t>::max());
  return FromRocks(s, "checkpoint of " + path_ + " into " + dir);
}

uint64_t RocksKvStore::SizeBytes() const {
  uint64_t sst = 0;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    if (handle == nullptr) continue;
    uint64_t bytes = 0;
    if (db_->GetIntProperty(handle, rocksdb::DB::Properties::kLiveSstFilesSize, &bytes)) {
      sst += bytes;
    }
  }
  return sst + WriteAheadLogBytes(path_);
}

RocksKvStore::~RocksKvStore() {
  if (db_) {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      if (handle != nullptr) db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
  }
}

Status RocksKvStore::NotOpened(Column column) const {
  return Status::InvalidArgument("column family '" + std::string(projections::ColumnName(column)) +
                                 "' of " + path_ + " was not opened by this read");
}

Status RocksKvStore::Get(Column column, std::string_view key, std::string* value) {
  if (handles_[static_cast<int>(column)] == nullptr) return NotOpened(column);
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[static_cast<int>(column)],
                               rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return Status::NotFound("key");
  return FromRocks(s, "reading " + std::string(projections::ColumnName(column)));
}

std::unique_ptr<projections::KvBatch> RocksKvStore::NewBatch(size_t reserve_bytes) {
  {
    std::lock_guard lock(recycled_mutex_);
    // A recycled batch only when it holds the reservation (one that grows
    // while filled copies itself over and over), and the smallest such, so
    // that a small write does not take the buffer a large one needs next.
    size_t best = recycled_.size();
    for (size_t i = 0; i < recycled_.size(); ++i) {
      const size_t capacity = static_cast<RocksBatch&>(*recycled_[i]).capacity();
      if (capacity < reserve_bytes) continue;
      if (best == recycled_.size() ||
          capacity < static_cast<RocksBatch&>(*recycled_[best]).capacity()) {
        best = i;
      }
    }
    if (best < recycled_.size()) {
      std::unique_ptr<projections::KvBatch> batch = std::move(recycled_[best]);
      recycled_.erase(recycled_.begin() + static_cast<std::ptrdiff_t>(best));
      static_cast<RocksBatch&>(*batch).Reset();
      return batch;
    }
  }
  // A quarter more than asked: the engine's reservations of one run vary by
  // ~15 %, and a batch made for exactly one of them was too small for the
  // next, so half of a restore's commits allocated (and faulted in) a new
  // buffer of a megabyte (BENCHMARKS.md, twenty-ninth session).
  return std::make_unique<RocksBatch>(&handles_, reserve_bytes + reserve_bytes / 4);
}

void RocksKvStore::Recycle(std::unique_ptr<projections::KvBatch> batch) {
  std::lock_guard lock(recycled_mutex_);
  // A few are enough to keep the buffers of a pipeline in flight; a batch
  // grown by a large checkpoint is let go so memory returns to its size.
  if (recycled_.size() < 4 && batch->Count() < 100000) recycled_.push_back(std::move(batch));
}

Status RocksKvStore::CheckFreeSpace() const {
  if (options_.min_free_bytes == 0 || options_.read_only) return Status::Ok();
  struct statvfs fs {};
  if (::statvfs(path_.c_str(), &fs) != 0) {
    return Status::IOError("cannot read the free space of " + path_ + ": " + std::strerror(errno));
  }
  const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (free_bytes >= options_.min_free_bytes) return Status::Ok();
  const uint64_t mib = 1 << 20;
  return Status::IOError(
      "no space left on device for " + path_ + ": " + std::to_string(free_bytes / mib) +
      " MiB free, and hoso stops below " + std::to_string(options_.min_free_bytes / mib) +
      " MiB so that RocksDB never runs out of room mid-write. Free at least " +
      std::to_string((options_.min_free_bytes - free_bytes + mib - 1) / mib) +
      " MiB (more for a long run: a database needs room for its compactions, see "
      "docs/storage.md) and run again; it resumes where it stopped");
}

Status RocksKvStore::Write(projections::KvBatch& batch) {
  HOSO_RETURN_IF_ERROR(CheckFreeSpace());
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  write_options.disableWAL = options_.disable_wal;
  rocksdb::WriteBatch* built = static_cast<RocksBatch&>(batch).Build();
  Status written = FromRocks(db_->Write(write_options, built), "writing a batch to " + path_);
  if (written.ok() && !options_.disable_wal && options_.flush_after_batch_bytes > 0 &&
      built->GetDataSize() >= options_.flush_after_batch_bytes) {
    // Not waited for: the memtables switch now (the next writes go to new
    // ones and a new WAL file) and RocksDB writes the old ones on its flush
    // thread. A failure here only leaves the batch in the WAL a while longer,
    // as if no flush had been asked; RocksDB reports a lasting one on the
    // next write.
    FlushFamilies(/*wait=*/false).IgnoreError("the batch stays in the WAL a while longer");
  }
  return written;
}

uint64_t RocksKvStore::WriteAheadLogBytes(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  uint64_t bytes = 0;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".log") continue;
    std::error_code size_error;
    const uintmax_t size = it->file_size(size_error);
    if (!size_error) bytes += size;
  }
  return bytes;
}

core::Result<uint64_t> RocksKvStore::IntProperty(Column column, const std::string& name) const {
  if (handles_[static_cast<int>(column)] == nullptr) return NotOpened(column);
  uint64_t value = 0;
  if (!db_->GetIntProperty(handles_[static_cast<int>(column)], name, &value)) {
    return Status::NotFound("RocksDB property " + name);
  }
  return value;
}

std::unique_ptr<projections::KvIterator> RocksKvStore::NewIterator(Column column) {
  if (handles_[static_cast<int>(column)] == nullptr) {
    return std::make_unique<FailedIterator>(NotOpened(column));
  }
  return std::make_unique<RocksIterator>(db_.get(), handles_[static_cast<int>(column)]);
}

Status RocksKvStore::Flush() { return FlushFamilies(/*wait=*/true); }

Status RocksKvStore::FlushFamilies(bool wait) {
  rocksdb::FlushOptions flush_options;
  flush_options.wait = wait;
  // Not waited for, a flush must not wait for write stalls to clear either.
  flush_options.allow_write_stall = !wait;
  for (int i = 0; i < projections::kColumnCount; ++i) {
    if (handles_[i] == nullptr) continue;
    HOSO_RETURN_IF_ERROR(FromRocks(db_->Flush(flush_options, handles_[i]), "flush"));
  }
  return Status::Ok();
}

}  // namespace hoso::connectors
