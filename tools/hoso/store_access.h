// Opening an existing database for queries, with the projection version check.
#ifndef HOSO_TOOLS_HOSO_STORE_ACCESS_H_
#define HOSO_TOOLS_HOSO_STORE_ACCESS_H_

#include <memory>
#include <string>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/core/instant.h"
#include "engine/core/status.h"

namespace hoso::tools {

// Opens `path` for writing, creating it when absent: a new database appears
// at its path already holding the projection version, so a concurrent reader
// never sees a half-made one.
core::Result<std::unique_ptr<connectors::RocksKvStore>> OpenForWrite(
    const std::string& path, connectors::RocksOptions options = {});
// What a query reads most: many small values (KPI cells, deltas, records),
// or a few log segments of about a megabyte (read through mmap:
// RocksOptions::mmap_reads).
enum class QueryReads { kSmallValues, kLogSegments };
// The column families the live figures are read from (`kpi` and `scorecard`
// of a period the store's clock has not passed): meta, KPI cells, deltas and
// open dossiers. An earlier "as of" folds the log and needs every family.
inline constexpr uint32_t kLiveFigureColumns =
    connectors::ColumnBit(projections::Column::kMeta) |
    connectors::ColumnBit(projections::Column::kKpi) |
    connectors::ColumnBit(projections::Column::kDeltas) |
    connectors::ColumnBit(projections::Column::kOpenDossiers);
// Opens `path` read-only, only the column families in `columns`
// (RocksOptions::columns); NotFound when there is no database,
// VersionMismatch when another projection version wrote it. The first call
// prepares the process's heap for the write-ahead log it will replay
// (query_heap.h), which keeps freed memory for good: only commands that end
// when their answer is out call it (queries, audit, backup, replay's
// source), never serve or http.
core::Result<std::unique_ptr<connectors::RocksKvStore>> OpenForQuery(
    const std::string& path, QueryReads reads = QueryReads::kSmallValues,
    uint32_t columns = connectors::kAllColumns);
// The same as a RocksDB secondary instance (RocksKvStore::CatchUp follows the
// writer), with RocksDB's own files for it in `secondary_dir`.
core::Result<std::unique_ptr<connectors::RocksKvStore>> OpenForServing(
    const std::string& path, const std::string& secondary_dir);
// The event-time clock of a store (highest occurred_at applied); nullopt when empty.
core::Result<std::optional<core::Instant>> StoreClock(projections::KvStore& store);
// Parses an --as-of value: RFC 3339 with offset, or a date YYYY-MM-DD meaning
// 23:59:59 local of that day.
core::Result<core::Instant> ParseAsOf(const std::string& text);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_STORE_ACCESS_H_
