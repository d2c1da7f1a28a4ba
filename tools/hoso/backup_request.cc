#include "tools/hoso/backup_request.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "tools/hoso/context.h"

namespace hoso::tools {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kCheckInterval = std::chrono::milliseconds(250);
constexpr size_t kMaxIdBytes = 64;

std::string RequestPath(const std::string& db_path) { return db_path + ".backup-request"; }
std::string CheckpointPath(const std::string& db_path, const std::string& id) {
  return db_path + ".backup-" + id;
}

// A request id names a directory: letters, digits and '-' only, so no id
// can point the writer anywhere but beside its database.
bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

}  // namespace

BackupResponder::BackupResponder(std::string db_path, connectors::RocksKvStore* store)
    : db_path_(std::move(db_path)), store_(store), next_check_(Clock::now()) {}

void BackupResponder::Poll() {
  const auto now = Clock::now();
  if (now < next_check_) return;
  next_check_ = now + kCheckInterval;
  const std::string request = RequestPath(db_path_);
  std::error_code ec;
  if (!fs::exists(request, ec)) return;
  const std::string id = ReadSmallFile(request);
  fs::remove(request, ec);
  if (!ValidId(id)) {
    spdlog::warn("serve: ignored a backup request with an invalid id in {}", request);
    return;
  }
  const std::string dir = CheckpointPath(db_path_, id);
  const auto started = Clock::now();
  core::Status s = store_->CreateCheckpoint(dir);
  if (!s.ok()) {
    spdlog::error("serve: backup {} failed: {}", id, s.ToString());
    if (!WriteFileAtomically(dir + ".error", s.ToString() + "\n")) {
      spdlog::error("serve: cannot write {}.error", dir);
    }
    return;
  }
  spdlog::info(
      "serve: backup {} checkpointed into {} in {} ms", id, dir,
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
}

core::Result<std::string> RequestCheckpointFromWriter(const std::string& db_path,
                                                      std::chrono::milliseconds timeout) {
  const std::string request = RequestPath(db_path);
  std::random_device random;
  std::ostringstream id_text;
  id_text << std::hex << ::getpid() << "-" << random() << random();
  const std::string id = id_text.str();
  // The request appears whole and only if none is pending: link(2) of a
  // complete temp file fails when the name exists.
  const std::string temp = request + "." + id + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << id << "\n";
    if (!out) {
      return core::Status::IOError("cannot write " + temp +
                                   " (a backup of a database in use needs write access to the "
                                   "directory holding it; run as root or as its owner)");
    }
  }
  const int linked = ::link(temp.c_str(), request.c_str());
  const int link_errno = errno;
  std::error_code ec;
  fs::remove(temp, ec);
  if (linked != 0) {
    if (link_errno == EEXIST) {
      return core::Status::InvalidArgument(
          "another backup request is pending (" + request +
          "); wait for it, or remove that file if no `hoso backup` is running");
    }
    return core::Status::IOError("cannot write " + request + ": " + std::strerror(link_errno));
  }
  const std::string dir = CheckpointPath(db_path, id);
  const std::string error_file = dir + ".error";
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (fs::exists(dir + "/CURRENT", ec)) return dir;
    if (fs::exists(error_file, ec)) {
      const std::string message = ReadSmallFile(error_file);
      fs::remove(error_file, ec);
      return core::Status::IOError("serve could not make the checkpoint: " + message);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Withdraw the request if serve has not taken it. If it took it just now,
  // its checkpoint still appears beside the database (the error names it).
  if (ReadSmallFile(request) == id) fs::remove(request, ec);
  if (fs::exists(dir + "/CURRENT", ec)) return dir;
  return core::Status::Unavailable("no answer within " + std::to_string(timeout.count() / 1000) +
                                   " s (a late answer would leave " + dir + ")");
}

}  // namespace hoso::tools
