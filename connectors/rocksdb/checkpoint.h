// Checkpoints of a database nobody writes. A checkpoint is RocksDB's
// openable copy of a database (rocksdb::Checkpoint): table files hard-linked
// when the target is on the same filesystem (copied otherwise), MANIFEST
// and write-ahead log copied. For a database a process writes, only that
// process can take one (RocksKvStore::CreateCheckpoint): a checkpoint taken
// through a read-only or secondary instance while the writer flushes and
// compacts names files the writer has already replaced and can miss
// committed batches (measured with RocksDB 7.8; docs/operations.md "Backup").
#ifndef HOSO_CONNECTORS_ROCKSDB_CHECKPOINT_H_
#define HOSO_CONNECTORS_ROCKSDB_CHECKPOINT_H_

#include <string>

#include "engine/core/status.h"

namespace hoso::connectors {

// Writes a checkpoint of the database at `db_path` into `dir`, which must
// not exist (it appears whole: RocksDB builds "<dir>.tmp" and renames it).
// Opens the database read-only with the column families it has, whatever
// their layout, so a database of an older projection version is copied too.
// REQUIRES: no process writes the database (the caller holds its
// WriterLock). NotFound without a database; IOError otherwise.
core::Status CheckpointClosedDatabase(const std::string& db_path, const std::string& dir);

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_ROCKSDB_CHECKPOINT_H_
