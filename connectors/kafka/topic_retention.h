// The retention of a topic (docs/scale.md "Restore"): a partition new to an
// instance is restored by reading it from its first record, so the input
// topic must keep every record (retention.ms and retention.bytes -1) for a
// restore to see a dossier's whole history. serve reads both at start and
// warns when either is finite.
//
// Thread-safety: librdkafka handles are thread-safe; the call blocks.
#ifndef HOSO_CONNECTORS_KAFKA_TOPIC_RETENTION_H_
#define HOSO_CONNECTORS_KAFKA_TOPIC_RETENTION_H_

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string>

#include "engine/core/status.h"

namespace hoso::connectors::kafka {

struct TopicRetention {
  int64_t retention_ms = -1;     // -1: kept forever
  int64_t retention_bytes = -1;  // -1: no size limit
  bool infinite() const { return retention_ms < 0 && retention_bytes < 0; }
};

// Asks the cluster (DescribeConfigs) through `rk`, a producer or consumer
// handle, within `timeout_ms`. Unavailable with the broker's reason when the
// cluster does not answer or does not implement the request (librdkafka's
// mock cluster, the embedded broker, does not).
core::Result<TopicRetention> ReadTopicRetention(rd_kafka_t* rk, const std::string& topic,
                                                int timeout_ms);

// The warning serve logs for a finite retention, naming what a restore then
// misses; empty when the retention is infinite.
std::string RetentionWarning(const std::string& topic, const TopicRetention& retention);

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_TOPIC_RETENTION_H_
