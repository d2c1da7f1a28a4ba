// What this binary is: its version, the commit it was built from, and the
// versions of the libraries it runs with (librdkafka and RocksDB answer for
// themselves at run time; simdjson by the headers its soname pins). Printed
// by `hoso --version` and exported as the hoso_build_info gauge of /metrics,
// so an operator can tell from either which build answers.
//
// Thread-safety: every function may be called from any thread.
#ifndef HOSO_TOOLS_HOSO_BUILD_INFO_H_
#define HOSO_TOOLS_HOSO_BUILD_INFO_H_

#include <string>

namespace hoso::tools {

struct BuildInfo {
  std::string version;         // the project version, e.g. "0.1.0"
  std::string commit;          // git commit, "-dirty" when built from changed files, or "unknown"
  std::string librdkafka;      // e.g. "2.0.2"
  std::string rocksdb;         // e.g. "7.8.3"
  std::string rocksdb_crc32c;  // e.g. "sse4.2" (connectors/rocksdb/hardware_crc32c.h)
  std::string simdjson;        // e.g. "3.0.1"
  std::string simdjson_implementation;  // e.g. "haswell"
};

// Read once, then cached.
const BuildInfo& GetBuildInfo();

// The text of `hoso --version`: "hoso VERSION (commit COMMIT)" and one line
// per library.
std::string VersionText();

// The hoso_build_info gauge (HELP, TYPE and its one sample of value 1) in
// the Prometheus text format, labels version, commit, librdkafka, rocksdb
// and simdjson.
std::string BuildInfoMetric();

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_BUILD_INFO_H_
