// The version of librdkafka this process runs with (the shared library's own
// answer, which may be newer than the headers hoso was built against).
#ifndef HOSO_CONNECTORS_KAFKA_LIBRARY_VERSION_H_
#define HOSO_CONNECTORS_KAFKA_LIBRARY_VERSION_H_

#include <string>

namespace hoso::connectors::kafka {

// E.g. "2.0.2". Thread-safe; never fails.
std::string LibrdkafkaVersion();
// The same as rd_kafka_version() gives it: 0xMMmmrrxx (0x020002ff for 2.0.2).
int LibrdkafkaVersionNumber();

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_LIBRARY_VERSION_H_
