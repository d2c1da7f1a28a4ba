// Backups of a database while `hoso serve` writes it (docs/operations.md
// "Backup"). Only the writer can take a consistent RocksDB checkpoint of a
// database it writes (connectors/rocksdb/checkpoint.h says why), so `hoso
// backup` asks the running serve through files beside the database, in a
// directory only its writers (root, the hoso user) may write:
//
//   <db>.backup-request      `hoso backup`: a request id ([A-Za-z0-9-], at most 64)
//   <db>.backup-<id>         serve: the checkpoint (appears whole, renamed into place)
//   <db>.backup-<id>.error   serve: why it could not make it
//
// serve makes the checkpoint on its engine thread between two batches (the
// files are hard links and a copy of the live write-ahead log, so it takes
// well under a second); `hoso backup` then moves it where asked.
#ifndef HOSO_TOOLS_HOSO_BACKUP_REQUEST_H_
#define HOSO_TOOLS_HOSO_BACKUP_REQUEST_H_

#include <chrono>
#include <string>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/core/status.h"

namespace hoso::tools {

// serve's side. Thread-safety: Poll is called from one thread (the engine's).
class BackupResponder {
 public:
  // `store` is the writer of `db_path`; it must outlive this responder.
  BackupResponder(std::string db_path, connectors::RocksKvStore* store);
  // Answers a pending request, checking for one at most every 250 ms of
  // steady time (a stat(2) of the request file). Never fails: an error is
  // written for the requester and logged.
  void Poll();

 private:
  std::string db_path_;
  connectors::RocksKvStore* store_;
  std::chrono::steady_clock::time_point next_check_;
};

// `hoso backup`'s side: asks the process writing `db_path` for a checkpoint
// and waits up to `timeout` for it. Returns the checkpoint's directory
// (beside the database; the caller moves it). Unavailable when nobody
// answered in time (the request is withdrawn), InvalidArgument when another
// request is pending, IOError when the request cannot be written or serve
// reported an error.
core::Result<std::string> RequestCheckpointFromWriter(const std::string& db_path,
                                                      std::chrono::milliseconds timeout);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_BACKUP_REQUEST_H_
