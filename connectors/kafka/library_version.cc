#include "connectors/kafka/library_version.h"

#include <librdkafka/rdkafka.h>

namespace hoso::connectors::kafka {

std::string LibrdkafkaVersion() { return rd_kafka_version_str(); }

int LibrdkafkaVersionNumber() { return rd_kafka_version(); }

}  // namespace hoso::connectors::kafka
