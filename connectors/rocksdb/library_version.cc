#include "connectors/rocksdb/library_version.h"

#include <rocksdb/version.h>

namespace hoso::connectors {

std::string RocksDbVersion() { return rocksdb::GetRocksVersionAsString(/*with_patch=*/true); }

}  // namespace hoso::connectors
