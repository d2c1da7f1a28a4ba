// The version of RocksDB this process runs with (the shared library's own
// answer, which may be newer than the headers hoso was built against).
#ifndef HOSO_CONNECTORS_ROCKSDB_LIBRARY_VERSION_H_
#define HOSO_CONNECTORS_ROCKSDB_LIBRARY_VERSION_H_

#include <string>

namespace hoso::connectors {

// E.g. "7.8.3". Thread-safe; never fails.
std::string RocksDbVersion();

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_ROCKSDB_LIBRARY_VERSION_H_
