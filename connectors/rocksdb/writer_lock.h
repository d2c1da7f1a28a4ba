// WriterLock: the lock a RocksDB writer holds on its database (an fcntl(2)
// write lock on DIR/LOCK, which RocksDB takes in DB::Open). Holding it keeps
// every writer out (a `hoso serve` started meanwhile fails with "in use by
// another hoso process"), so a process may read the database's files
// directly, e.g. to back up a database nobody writes.
//
// Thread-safety: a WriterLock is owned by one thread. fcntl locks belong to
// the process: while it holds one, the same process must not open the
// database for writing (RocksDB would take its own lock) nor close another
// descriptor of DIR/LOCK (which would release it).
#ifndef HOSO_CONNECTORS_ROCKSDB_WRITER_LOCK_H_
#define HOSO_CONNECTORS_ROCKSDB_WRITER_LOCK_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "engine/core/status.h"

namespace hoso::connectors {

class WriterLock {
 public:
  // Takes the lock of the database at `db_path` without waiting. Unavailable
  // when a writer holds it (its pid in *holder_pid when the system tells,
  // else 0); NotFound when there is no database (no DIR/LOCK); IOError
  // when the lock file cannot be opened for writing (permissions).
  static core::Result<std::unique_ptr<WriterLock>> TryAcquire(const std::string& db_path,
                                                              pid_t* holder_pid);
  // Releases the lock.
  ~WriterLock();
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_ROCKSDB_WRITER_LOCK_H_
