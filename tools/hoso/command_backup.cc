// hoso backup and hoso restore (docs/operations.md "Backup and restore").
//
// backup: a RocksDB checkpoint of a database, whether a `hoso serve` writes
// it or nobody does. Nobody: hoso takes the writer's lock itself (so no serve
// starts meanwhile) and checkpoints a read-only open. A running serve: only
// the writer can checkpoint consistently, so serve is asked to
// (backup_request.h). Either way the checkpoint holds whole engine commits
// only: the projections, the event log and the source positions of the same
// instant, which the output reports.
//
// restore: copies a backup to a new database directory, whole or not at all.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "connectors/rocksdb/checkpoint.h"
#include "connectors/rocksdb/writer_lock.h"
#include "projections/meta.h"
#include "tools/hoso/backup_request.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

uint64_t TreeBytes(const fs::path& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) bytes += entry.file_size(ec);
  }
  return bytes;
}

// Moves a directory: a rename on one filesystem, else a copy then removal.
core::Status MoveTree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) return core::Status::Ok();
  if (ec != std::errc::cross_device_link) {
    return core::Status::IOError("cannot move " + from.string() + " to " + to.string() + ": " +
                                 ec.message());
  }
  const fs::path staging = to.string() + ".copying-" + std::to_string(::getpid());
  fs::copy(from, staging, fs::copy_options::recursive, ec);
  if (!ec) fs::rename(staging, to, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return core::Status::IOError("cannot copy " + from.string() + " to " + to.string() + ": " +
                                 ec.message());
  }
  fs::remove_all(from, ec);
  return core::Status::Ok();
}

// Adds where a database stands to `json`: projection version, events
// logged, engine clock and source positions, read from the copy itself.
void AddPosition(const std::string& path, nlohmann::ordered_json* out) {
  nlohmann::ordered_json& json = *out;
  auto store = OpenForQuery(path);
  if (!store.ok()) {
    json["projection"] = nullptr;
    json["note"] = store.status().message();
    return;
  }
  json["projection"] = projections::ProjectionTag();
  auto meta = projections::ReadEngineMeta(**store);
  if (meta.ok() && meta->has_value()) {
    json["log_sequence"] = (*meta)->log_sequence;
    json["batch_serial"] = (*meta)->batch_serial;
    json["clock"] = (*meta)->log_sequence == 0
                        ? nlohmann::ordered_json(nullptr)
                        : nlohmann::ordered_json(core::FormatLocal((*meta)->clock));
  }
  nlohmann::ordered_json positions = nlohmann::ordered_json::object();
  auto it = (*store)->NewIterator(projections::Column::kMeta);
  const std::string prefix(projections::kMetaPositionPrefix);
  for (it->Seek(prefix); it->Valid() && it->key().substr(0, prefix.size()) == prefix; it->Next()) {
    positions[std::string(it->key().substr(prefix.size()))] = std::string(it->value());
  }
  json["positions"] = positions;
}

// ---- backup ---------------------------------------------------------------

struct BackupArgs {
  std::string db_path;
  std::string out_path;
  int timeout_s = 600;
};

int RunBackup(const BackupArgs& args) {
  const auto started = Clock::now();
  std::error_code ec;
  const fs::path db = fs::absolute(args.db_path, ec).lexically_normal();
  const fs::path out = fs::absolute(args.out_path, ec).lexically_normal();
  if (fs::exists(out, ec)) {
    return ReportError("backup", core::Status::InvalidArgument(
                                     out.string() + " exists; a backup goes to a new directory"));
  }
  if (!fs::is_directory(out.parent_path(), ec)) {
    return ReportError("backup", core::Status::InvalidArgument("the directory of " + out.string() +
                                                               " does not exist"));
  }
  if (!fs::exists(db / "CURRENT", ec)) {
    return ReportError("backup", core::Status::NotFound("no hoso database at " + db.string()));
  }
  std::string made_by;
  pid_t holder = 0;
  auto lock = connectors::WriterLock::TryAcquire(db.string(), &holder);
  // No LOCK file: no writer ever opened this copy (e.g. a backup itself).
  if (lock.ok() || lock.status().code() == core::StatusCode::kNotFound) {
    // Nobody writes it, and nobody starts to while the lock is held.
    core::Status s = connectors::CheckpointClosedDatabase(db.string(), out.string());
    if (lock.ok()) lock->reset();
    if (!s.ok()) return ReportError("backup", s);
    made_by = "hoso backup (the database was not in use)";
  } else if (lock.status().code() == core::StatusCode::kUnavailable) {
    const std::string who = holder > 0 ? "the process " + std::to_string(holder) : "a process";
    std::fprintf(stderr, "hoso backup: %s writes %s; asking it for a checkpoint\n", who.c_str(),
                 db.c_str());
    auto made = RequestCheckpointFromWriter(db.string(), std::chrono::seconds(args.timeout_s));
    if (!made.ok()) {
      if (made.status().code() == core::StatusCode::kUnavailable) {
        return ReportError(
            "backup", core::Status::Unavailable(
                          who + " holds " + db.string() +
                          " but did not answer the backup request (" + made.status().message() +
                          "). Only `hoso serve` (this version or later) answers; stop `hoso "
                          "ingest` or `replay` first, or wait for serve to finish recovering"));
      }
      return ReportError("backup", made.status());
    }
    core::Status s = MoveTree(*made, out);
    if (!s.ok()) return ReportError("backup", s);
    made_by = "hoso serve (pid " + std::to_string(holder) + ")";
  } else {
    return ReportError("backup", lock.status());
  }
  nlohmann::ordered_json json;
  json["backup"] = out.string();
  json["db"] = db.string();
  json["made_by"] = made_by;
  AddPosition(out.string(), &json);
  json["bytes"] = TreeBytes(out);
  json["seconds"] = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("%s\n", json.dump(2).c_str());
  return kExitOk;
}

// ---- restore --------------------------------------------------------------

struct RestoreArgs {
  std::string from_path;
  std::string db_path;
};

// Gives `root` and everything under it to `uid`:`gid` (lchown: links are
// never followed).
core::Status ChownTree(const fs::path& root, uid_t uid, gid_t gid) {
  std::error_code ec;
  if (::lchown(root.c_str(), uid, gid) != 0) {
    return core::Status::IOError("cannot chown " + root.string());
  }
  for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
    if (::lchown(entry.path().c_str(), uid, gid) != 0) {
      return core::Status::IOError("cannot chown " + entry.path().string());
    }
  }
  return ec ? core::Status::IOError("cannot walk " + root.string() + ": " + ec.message())
            : core::Status::Ok();
}

int RunRestore(const RestoreArgs& args) {
  std::error_code ec;
  const fs::path from = fs::absolute(args.from_path, ec).lexically_normal();
  const fs::path db = fs::absolute(args.db_path, ec).lexically_normal();
  if (!fs::exists(from / "CURRENT", ec)) {
    return ReportError("restore",
                       core::Status::InvalidArgument(from.string() +
                                                     " is not a backup (no RocksDB CURRENT file)"));
  }
  if (fs::exists(db, ec) && !(fs::is_directory(db, ec) && fs::is_empty(db, ec))) {
    return ReportError(
        "restore", core::Status::InvalidArgument(
                       db.string() + " exists; restore into a new directory (move the old database "
                                     "aside first: stop serve, mv it, restore, start serve)"));
  }
  if (!fs::is_directory(db.parent_path(), ec)) {
    return ReportError("restore", core::Status::InvalidArgument("the directory of " + db.string() +
                                                                " does not exist"));
  }
  // Copied (never linked: the backup stays independent of the database
  // made from it) into a sibling, then renamed: whole or not at all.
  const fs::path staging = db.string() + ".restoring-" + std::to_string(::getpid());
  fs::remove_all(staging, ec);
  fs::copy(from, staging, fs::copy_options::recursive, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return ReportError("restore", core::Status::IOError("cannot copy " + from.string() + " to " +
                                                        staging.string() + ": " + ec.message()));
  }
  fs::remove(staging / "LOCK", ec);
  // Run as root into a directory another user owns (/var/lib/hoso, owned by
  // hoso), the files take that owner, so serve can open them.
  struct stat parent {};
  if (::geteuid() == 0 && ::stat(db.parent_path().c_str(), &parent) == 0 && parent.st_uid != 0) {
    core::Status s = ChownTree(staging, parent.st_uid, parent.st_gid);
    if (!s.ok()) {
      fs::remove_all(staging, ec);
      return ReportError("restore", s);
    }
  }
  ::sync();
  if (fs::exists(db, ec)) fs::remove(db, ec);  // the empty directory
  fs::rename(staging, db, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return ReportError("restore",
                       core::Status::IOError("cannot rename " + staging.string() + " to " +
                                             db.string() + ": " + ec.message()));
  }
  nlohmann::ordered_json json;
  json["restored"] = db.string();
  json["from"] = from.string();
  AddPosition(db.string(), &json);
  std::printf("%s\n", json.dump(2).c_str());
  return kExitOk;
}

}  // namespace

void RegisterBackup(CLI::App& app, int* exit_code) {
  {
    auto args = std::make_shared<BackupArgs>();
    CLI::App* command = app.add_subcommand(
        "backup",
        "RocksDB checkpoint of a database, also while `hoso serve` writes it (serve makes it)");
    command->add_option("--db", args->db_path, "the database directory")->required();
    command->add_option("--out", args->out_path, "the backup directory to create (must not exist)")
        ->required();
    command
        ->add_option("--timeout-s", args->timeout_s,
                     "how long to wait for a running serve to make the checkpoint")
        ->capture_default_str()
        ->check(CLI::Range(1, 86400));
    command->callback([args, exit_code] { *exit_code = RunBackup(*args); });
  }
  {
    auto args = std::make_shared<RestoreArgs>();
    CLI::App* command = app.add_subcommand(
        "restore", "copy a backup to a new database directory (then start serve on it)");
    command->add_option("--from", args->from_path, "the backup directory (from `hoso backup`)")
        ->required();
    command->add_option("--db", args->db_path, "the database directory to create (must not exist)")
        ->required();
    command->callback([args, exit_code] { *exit_code = RunRestore(*args); });
  }
}

}  // namespace hoso::tools
