#include "connectors/rocksdb/writer_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hoso::connectors {
namespace {

struct flock WholeFile(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;
  return lock;
}

}  // namespace

core::Result<std::unique_ptr<WriterLock>> WriterLock::TryAcquire(const std::string& db_path,
                                                                 pid_t* holder_pid) {
  *holder_pid = 0;
  const std::string path = db_path + "/LOCK";
  // Never created here: a directory without LOCK holds no database.
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return core::Status::NotFound("no hoso database at " + db_path);
    return core::Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  }
  struct flock lock = WholeFile(F_WRLCK);
  if (::fcntl(fd, F_SETLK, &lock) == 0) return std::unique_ptr<WriterLock>(new WriterLock(fd));
  const int error = errno;
  if (error == EACCES || error == EAGAIN) {
    struct flock probe = WholeFile(F_WRLCK);
    if (::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK) *holder_pid = probe.l_pid;
    ::close(fd);
    return core::Status::Unavailable(db_path + " is in use by another process");
  }
  ::close(fd);
  return core::Status::IOError("cannot lock " + path + ": " + std::strerror(error));
}

WriterLock::~WriterLock() {
  struct flock lock = WholeFile(F_UNLCK);
  (void)::fcntl(fd_, F_SETLK, &lock);
  ::close(fd_);
}

}  // namespace hoso::connectors
