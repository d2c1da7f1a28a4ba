#include "tools/hoso/store_access.h"

#include "projections/meta.h"
#include "tools/hoso/query_heap.h"

namespace hoso::tools {

core::Result<std::unique_ptr<connectors::RocksKvStore>> OpenForWrite(
    const std::string& path, connectors::RocksOptions options) {
  options.initialize = [](projections::KvStore& store) {
    auto batch = store.NewBatch();
    batch->Put(projections::Column::kMeta, projections::kMetaProjection,
               projections::ProjectionTag());
    return store.Write(*batch);
  };
  return connectors::RocksKvStore::Open(path, std::move(options));
}

namespace {

core::Result<std::unique_ptr<connectors::RocksKvStore>> OpenAndCheck(
    const std::string& path, const std::string& secondary_dir, bool mmap_reads, uint32_t columns) {
  connectors::RocksOptions options;
  options.columns = columns;
  options.read_only = true;
  options.create_if_missing = false;
  options.secondary_path = secondary_dir;
  options.mmap_reads = mmap_reads;
  auto store = connectors::RocksKvStore::Open(path, options);
  if (!store.ok()) return store.status();
  std::string tag;
  core::Status s = (*store)->Get(projections::Column::kMeta, projections::kMetaProjection, &tag);
  if (s.code() == core::StatusCode::kNotFound) {
    return core::Status::InvalidArgument(path + " holds no hoso projections");
  }
  if (!s.ok()) return s;
  if (tag != projections::ProjectionTag()) {
    return core::Status::VersionMismatch(path + " was written by projection version '" + tag +
                                         "', this hoso reads '" + projections::ProjectionTag() +
                                         "'; rebuild it with `hoso replay`");
  }
  return store;
}

}  // namespace

core::Result<std::unique_ptr<connectors::RocksKvStore>> OpenForQuery(const std::string& path,
                                                                     QueryReads reads,
                                                                     uint32_t columns) {
  // A query process is short and mostly allocates fresh memory; most of it
  // when a write-ahead log is left to replay (query_heap.h).
  (void)PrepareQueryHeap(QueryHeapBytes(connectors::RocksKvStore::WriteAheadLogBytes(path)));
  return OpenAndCheck(path, "", reads == QueryReads::kLogSegments, columns);
}

core::Result<std::unique_ptr<connectors::RocksKvStore>> OpenForServing(
    const std::string& path, const std::string& secondary_dir) {
  return OpenAndCheck(path, secondary_dir, /*mmap_reads=*/false, connectors::kAllColumns);
}

core::Result<std::optional<core::Instant>> StoreClock(projections::KvStore& store) {
  auto meta = projections::ReadEngineMeta(store);
  if (!meta.ok()) return meta.status();
  if (!meta->has_value() || (*meta)->log_sequence == 0) return std::optional<core::Instant>();
  return std::optional<core::Instant>((*meta)->clock);
}

core::Result<core::Instant> ParseAsOf(const std::string& text) {
  if (text.size() == 10) {
    auto date = core::ParseCivilDate(text);
    if (!date.ok()) return date.status();
    const int64_t day = core::DaysFromCivil(*date);
    return core::Instant{core::ToInstant(core::LocalMinute::AtDay(day + 1, 0)).epoch_ms - 1000};
  }
  return core::ParseRfc3339(text);
}

}  // namespace hoso::tools
