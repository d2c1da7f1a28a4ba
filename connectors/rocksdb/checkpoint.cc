#include "connectors/rocksdb/checkpoint.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <vector>

namespace hoso::connectors {

core::Status CheckpointClosedDatabase(const std::string& db_path, const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(db_path) / "CURRENT", ec)) {
    return core::Status::NotFound("no hoso database at " + db_path);
  }
  std::vector<std::string> families;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db_path, &families);
  if (!s.ok())
    return core::Status::IOError("listing column families of " + db_path + ": " + s.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& family : families) {
    descriptors.emplace_back(family, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), db_path, descriptors, &handles, &raw);
  if (!s.ok()) return core::Status::IOError("opening " + db_path + ": " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::Checkpoint* raw_checkpoint = nullptr;
  s = rocksdb::Checkpoint::Create(db.get(), &raw_checkpoint);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw_checkpoint);
  // A read-only instance cannot flush: its memtables (the write-ahead log
  // a crashed writer left) are carried over as copied log files.
  if (s.ok()) s = checkpoint->CreateCheckpoint(dir, std::numeric_limits<uint64_t>::max());
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  if (!s.ok())
    return core::Status::IOError("checkpoint of " + db_path + " into " + dir + ": " + s.ToString());
  return core::Status::Ok();
}

}  // namespace hoso::connectors
