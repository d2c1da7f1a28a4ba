#include "connectors/kafka/topic_retention.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "connectors/kafka/kafka_handles.h"

namespace hoso::connectors::kafka {
namespace {

struct ConfigResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* resource) const {
    rd_kafka_ConfigResource_destroy(resource);
  }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* options) const {
    rd_kafka_AdminOptions_destroy(options);
  }
};

}  // namespace

core::Result<TopicRetention> ReadTopicRetention(rd_kafka_t* rk, const std::string& topic,
                                                int timeout_ms) {
  std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS));
  char error[256];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, error, sizeof error);
  QueuePtr queue(rd_kafka_queue_new(rk));
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  rd_kafka_DescribeConfigs(rk, resources, 1, options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
  if (!event) return core::Status::Unavailable("DescribeConfigs of " + topic + ": no answer");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::Status::Unavailable("DescribeConfigs of " + topic + ": " +
                                     rd_kafka_event_error_string(event.get()));
  }
  const rd_kafka_DescribeConfigs_result_t* result =
      rd_kafka_event_DescribeConfigs_result(event.get());
  size_t count = 0;
  const rd_kafka_ConfigResource_t** described =
      result == nullptr ? nullptr : rd_kafka_DescribeConfigs_result_resources(result, &count);
  if (count != 1) return core::Status::Unavailable("DescribeConfigs of " + topic + ": no resource");
  if (rd_kafka_ConfigResource_error(described[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::Status::Unavailable("DescribeConfigs of " + topic + ": " +
                                     rd_kafka_ConfigResource_error_string(described[0]));
  }
  TopicRetention retention;
  size_t entries = 0;
  const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(described[0], &entries);
  for (size_t i = 0; i < entries; ++i) {
    const char* name = rd_kafka_ConfigEntry_name(configs[i]);
    const char* value = rd_kafka_ConfigEntry_value(configs[i]);
    if (name == nullptr || value == nullptr) continue;
    if (std::strcmp(name, "retention.ms") == 0) retention.retention_ms = std::atoll(value);
    if (std::strcmp(name, "retention.bytes") == 0) retention.retention_bytes = std::atoll(value);
  }
  return retention;
}

std::string RetentionWarning(const std::string& topic, const TopicRetention& retention) {
  if (retention.infinite()) return std::string();
  std::string limit;
  if (retention.retention_ms >= 0) {
    limit = "retention.ms " + std::to_string(retention.retention_ms);
  }
  if (retention.retention_bytes >= 0) {
    if (!limit.empty()) limit += ", ";
    limit += "retention.bytes " + std::to_string(retention.retention_bytes);
  }
  return "topic " + topic + " keeps records for a limited time (" + limit +
         "): a partition that moves to an instance without its state is restored from the "
         "oldest record still kept, so dossiers opened before it are missing there "
         "(docs/scale.md \"Restore\"); set retention.ms=-1 and retention.bytes=-1 on it";
}

}  // namespace hoso::connectors::kafka
