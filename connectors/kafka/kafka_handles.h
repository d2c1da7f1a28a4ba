// RAII owners of librdkafka handles (docs/conventions.md rule 19) and small helpers
// shared by the broker, the source and the sinks.
//
// Thread-safety: librdkafka handles are thread-safe; these owners are plain
// unique_ptrs (move-only, one owner).
#ifndef HOSO_CONNECTORS_KAFKA_KAFKA_HANDLES_H_
#define HOSO_CONNECTORS_KAFKA_KAFKA_HANDLES_H_

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>

#include "engine/core/status.h"

namespace hoso::connectors::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
// Destroys the handle. A consumer must be closed (rd_kafka_consumer_close)
// before its owner is reset; KafkaEventSource does that in its destructor.
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

// librdkafka properties, passed verbatim ("bootstrap.servers" -> "...").
using Properties = std::map<std::string, std::string>;

// A new configuration holding `properties`; InvalidArgument naming the
// property librdkafka refused.
core::Result<ConfPtr> MakeConf(const Properties& properties);

// Creates a producer or consumer from `conf` (ownership of conf passes to the
// handle on success, and is released on failure too).
core::Result<HandlePtr> MakeHandle(rd_kafka_type_t type, ConfPtr conf);

// Asks the cluster for metadata (all topics) within `timeout_ms`; Unavailable
// with librdkafka's reason when no broker answers.
core::Status CheckReachable(rd_kafka_t* rk, int timeout_ms);

// The number of partitions of `topic` now: 0 when the cluster does not know
// the topic, -1 when it does not answer within `timeout_ms`.
int TopicPartitionCount(rd_kafka_t* rk, const std::string& topic, int timeout_ms);

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_KAFKA_HANDLES_H_
