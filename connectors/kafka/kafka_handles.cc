#include "connectors/kafka/kafka_handles.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include "connectors/kafka/logger.h"

namespace hoso::connectors::kafka {

spdlog::logger& Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("kafka");
    if (existing) return existing;
    auto created = spdlog::stderr_color_mt("kafka");
    created->set_level(spdlog::get_level());
    return created;
  }();
  return *logger;
}

namespace {

// librdkafka's own log lines (broker down, connection refused, ...) go to
// the "kafka" logger instead of straight to stderr, so they take the
// process's log format (one JSON object per line with log.format json) and
// level. Called from librdkafka's threads; spdlog's loggers are thread-safe.
void LogToSpdlog(const rd_kafka_t* rk, int syslog_level, const char* facility, const char* text) {
  spdlog::level::level_enum level = spdlog::level::debug;
  if (syslog_level <= 2) {
    level = spdlog::level::critical;
  } else if (syslog_level == 3) {
    level = spdlog::level::err;
  } else if (syslog_level == 4) {
    level = spdlog::level::warn;
  } else if (syslog_level <= 6) {
    level = spdlog::level::info;
  }
  Log().log(level, "{} {}: {}", rk != nullptr ? rd_kafka_name(rk) : "librdkafka", facility, text);
}

}  // namespace

core::Result<ConfPtr> MakeConf(const Properties& properties) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), LogToSpdlog);
  char error[512];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      return core::Status::InvalidArgument("kafka property '" + name + "': " + error);
    }
  }
  return conf;
}

core::Result<HandlePtr> MakeHandle(rd_kafka_type_t type, ConfPtr conf) {
  char error[512];
  // rd_kafka_new takes ownership of conf only on success.
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), error, sizeof(error));
  if (rk == nullptr) {
    return core::Status::InvalidArgument(std::string("cannot create Kafka client: ") + error);
  }
  (void)conf.release();
  return HandlePtr(rk);
}

core::Status CheckReachable(rd_kafka_t* rk, int timeout_ms) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &metadata, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::Status::Unavailable(std::string("Kafka brokers unreachable within ") +
                                     std::to_string(timeout_ms) + " ms: " + rd_kafka_err2str(err));
  }
  rd_kafka_metadata_destroy(metadata);
  return core::Status::Ok();
}

namespace {
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const {
    rd_kafka_metadata_destroy(metadata);
  }
};
}  // namespace

int TopicPartitionCount(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> handle(
      rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  if (!handle) return -1;
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_metadata(rk, 0, handle.get(), &raw, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
  if (metadata->topic_cnt != 1) return -1;
  if (metadata->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return 0;
  if (metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
  return metadata->topics[0].partition_cnt;
}

}  // namespace hoso::connectors::kafka
