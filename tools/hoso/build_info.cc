#include "tools/hoso/build_info.h"

#include "connectors/kafka/library_version.h"
#include "connectors/rocksdb/hardware_crc32c.h"
#include "connectors/rocksdb/library_version.h"
#include "schemas/codec/library_version.h"
#include "tools/hoso/prometheus_text.h"

#ifndef HOSO_VERSION
#define HOSO_VERSION "unknown"
#endif

namespace hoso::tools {

// Defined in the file cmake/git_commit.cmake writes at every build.
extern const char kBuildCommit[];

namespace {

// A Prometheus label value: backslash, double quote and newline escaped.
std::string LabelValue(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

const BuildInfo& GetBuildInfo() {
  static const BuildInfo info = [] {
    BuildInfo i;
    i.version = HOSO_VERSION;
    i.commit = kBuildCommit;
    i.librdkafka = connectors::kafka::LibrdkafkaVersion();
    i.rocksdb = connectors::RocksDbVersion();
    i.rocksdb_crc32c = connectors::Crc32cImplementation();
    i.simdjson = codec::SimdjsonVersion();
    i.simdjson_implementation = codec::SimdjsonImplementation();
    return i;
  }();
  return info;
}

std::string VersionText() {
  const BuildInfo& i = GetBuildInfo();
  return "hoso " + i.version + " (commit " + i.commit + ")\n" + "librdkafka " + i.librdkafka +
         "\n" + "RocksDB " + i.rocksdb + " (CRC32C " + i.rocksdb_crc32c + ")\n" + "simdjson " +
         i.simdjson + " (" + i.simdjson_implementation + ")";
}

std::string BuildInfoMetric() {
  const BuildInfo& i = GetBuildInfo();
  std::string out;
  AppendFamily(&out, "hoso_build_info", "gauge",
               "The hoso build serving these metrics and the libraries it runs with.");
  std::string series = "hoso_build_info{version=\"";
  series.append(LabelValue(i.version))
      .append("\",commit=\"")
      .append(LabelValue(i.commit))
      .append("\",librdkafka=\"")
      .append(LabelValue(i.librdkafka))
      .append("\",rocksdb=\"")
      .append(LabelValue(i.rocksdb))
      .append("\",simdjson=\"")
      .append(LabelValue(i.simdjson))
      .append("\"}");
  AppendSample(&out, series, int64_t{1});
  return out;
}

}  // namespace hoso::tools
