// The version of librdkafka this process runs with (the shared library's own
// answer, which may be newer than the headers hoso was built against).
#ifndef HOSO_CONNECTORS_KAFKA_LIBRARY_VERSION_H_
#define HOSO_CONNECTORS_KAFKA_LIBRARY_VERSION_H_

#include <string>

namespace hoso::connectors::kafka {

// E.g. "2.0.2". Thread-safe; never fails.
std::string LibrdkafkaVersion();

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_LIBRARY_VERSION_H_
