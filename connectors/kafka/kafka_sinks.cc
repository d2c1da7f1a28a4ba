#include "connectors/kafka/kafka_sinks.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "connectors/kafka/logger.h"
#include "engine/core/rejection.h"
#include "engine/runtime/dead_letter_payload.h"
#include "engine/runtime/engine.h"
#include "projections/alert_log.h"
#include "projections/meta.h"
#include "schemas/codec/json_text.h"

namespace hoso::connectors::kafka {

core::Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(Properties properties) {
  if (properties.count("bootstrap.servers") == 0) {
    return core::Status::InvalidArgument("kafka.bootstrap.servers is required");
  }
  properties["enable.idempotence"] = "true";
  // hoso's messages are JSON with every field named; LZ4 shrinks them five-
  // to ninefold for little CPU, and every Kafka client decompresses
  // transparently. On one host with the embedded broker the bytes saved are
  // worth more CPU than the compression (BENCHMARKS.md, fourteenth session).
  properties.try_emplace("compression.type", std::string(kDefaultCompression));
  std::unique_ptr<KafkaProducer> producer(new KafkaProducer());
  auto conf = MakeConf(properties);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_opaque(conf->get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &KafkaProducer::DeliveryCallback);
  auto handle = MakeHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!handle.ok()) return handle.status();
  producer->producer_ = std::move(*handle);
  return producer;
}

KafkaProducer::~KafkaProducer() {
  if (producer_ != nullptr) {
    on_delivery_ = nullptr;
    rd_kafka_flush(producer_.get(), 10000);
  }
}

void KafkaProducer::DeliveryCallback(rd_kafka_t* rk, const rd_kafka_message_t* message,
                                     void* opaque) {
  (void)rk;
  auto* self = static_cast<KafkaProducer*>(opaque);
  const bool ok = message->err == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (ok) {
    ++self->delivered_;
  } else {
    ++self->failed_;
    if (self->first_error_.empty()) self->first_error_ = rd_kafka_err2str(message->err);
  }
  if (self->on_delivery_) {
    self->on_delivery_(reinterpret_cast<uint64_t>(message->_private), ok);
  }
}

core::Status KafkaProducer::Produce(const std::string& topic, std::string_view key,
                                    std::string_view value, const Headers& headers, uint64_t tag) {
  return ProduceWithFlags(topic, key, value, headers, tag, RD_KAFKA_MSG_F_COPY);
}

core::Status KafkaProducer::ProduceBorrowed(const std::string& topic, std::string_view key,
                                            std::string_view value, const Headers& headers,
                                            uint64_t tag) {
  return ProduceWithFlags(topic, key, value, headers, tag, 0);
}

core::Status KafkaProducer::ProduceWithFlags(const std::string& topic, std::string_view key,
                                             std::string_view value, const Headers& headers,
                                             uint64_t tag, int message_flags) {
  while (true) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [name, header_value] : headers) {
        rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()),
                            header_value.data(), static_cast<ssize_t>(header_value.size()));
      }
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
        RD_KAFKA_V_MSGFLAGS(message_flags), RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(tag)),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return core::Status::Ok();
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);  // not taken over on failure
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_.get(), 100);  // backpressure: wait for deliveries
      continue;
    }
    return core::Status::Unavailable("produce to " + topic + ": " + rd_kafka_err2str(err));
  }
}

void KafkaProducer::Poll(int timeout_ms) { rd_kafka_poll(producer_.get(), timeout_ms); }

bool KafkaProducer::Flush(int timeout_ms) {
  // rd_kafka_flush (2.0.2) waits in steps of up to 10 ms for delivery
  // reports, which held every engine batch about 10 ms; 1 ms calls return
  // within about 1 ms of the last acknowledgement (each still sends at once,
  // ignoring linger.ms).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (rd_kafka_flush(producer_.get(), 1) == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

int64_t KafkaProducer::outstanding() const { return rd_kafka_outq_len(producer_.get()); }

std::string KafkaProducer::Property(const std::string& name) const {
  const rd_kafka_conf_t* conf = rd_kafka_conf(producer_.get());
  size_t size = 0;
  if (rd_kafka_conf_get(conf, name.c_str(), nullptr, &size) != RD_KAFKA_CONF_OK || size == 0) {
    return "";
  }
  std::string value(size, '\0');
  if (rd_kafka_conf_get(conf, name.c_str(), value.data(), &size) != RD_KAFKA_CONF_OK) return "";
  value.resize(size - 1);  // without the terminating NUL
  return value;
}

core::Result<std::unique_ptr<EngineSinks>> EngineSinks::Create(SinkOptions options) {
  std::unique_ptr<EngineSinks> sinks(new EngineSinks(std::move(options)));
  HOSO_RETURN_IF_ERROR(OpenChannel(sinks->options_.properties, {sinks->options_.dead_letter_topic},
                                   &sinks->dead_letters_channel_));
  HOSO_RETURN_IF_ERROR(OpenChannel(sinks->options_.properties,
                                   {sinks->options_.alerts_topic, sinks->options_.kpi_topic},
                                   &sinks->outputs_channel_));
  return sinks;
}

EngineSinks::~EngineSinks() = default;

core::Status EngineSinks::OpenChannel(const Properties& properties,
                                      const std::vector<std::string>& topics, Channel* channel) {
  auto producer = KafkaProducer::Create(properties);
  if (!producer.ok()) return producer.status();
  channel->producer = std::move(*producer);
  // A producer learns a topic's partitions on its first message to it, and
  // librdkafka 2.0.2 held that first message about a second: the first
  // alerts and KPI changes after a start waited that long. Naming the
  // topics now starts the lookup in the background.
  for (const std::string& topic : topics) {
    rd_kafka_topic_t* handle =
        rd_kafka_topic_new(channel->producer->handle(), topic.c_str(), nullptr);
    if (handle != nullptr) channel->topics.emplace_back(handle);
  }
  channel->producer->set_on_delivery([channel](uint64_t tag, bool ok) {
    if (tag == 0 || tag > channel->pending.size()) return;
    Pending& p = channel->pending[tag - 1];
    p.done = ok;
    p.failed = !ok;
  });
  return core::Status::Ok();
}

core::Status EngineSinks::Add(Channel* channel, const std::string& topic, std::string key,
                              std::string value, Headers headers) {
  channel->pending.push_back(Pending{&topic, std::move(key), std::move(value), std::move(headers)});
  const Pending& p = channel->pending.back();
  return channel->producer->ProduceBorrowed(*p.topic, p.key, p.value, p.headers,
                                            channel->pending.size());
}

core::Status EngineSinks::Write(const runtime::RawRecord& record,
                                const core::Rejection& rejection) {
  ++dead_letters_;
  const runtime::DeadLetterPayload payload =
      runtime::MakeDeadLetterPayload(record, options_.dead_letter_max_bytes);
  Headers headers = {
      {"reason", std::string(core::RejectCodeName(rejection.code))},
      {"message", rejection.message},
      {"source_topic", options_.source_topic},
      {"source_partition", std::to_string(record.partition)},
      {"source_offset", std::to_string(record.offset)},
      {"source_size", std::to_string(payload.size)},
  };
  if (payload.truncated) {
    headers.emplace_back("truncated", "true");
    headers.emplace_back("source_sha256", payload.sha256_hex);
  }
  return Add(&dead_letters_channel_, options_.dead_letter_topic, std::string(record.key),
             std::string(payload.kept), std::move(headers));
}

core::Status EngineSinks::WriteAlertJson(std::string_view dossier_id, std::string_view json) {
  ++alerts_;
  return Add(&outputs_channel_, options_.alerts_topic, std::string(dossier_id), std::string(json),
             {});
}

core::Status EngineSinks::Published(const runtime::Commit& commit) {
  const runtime::Commit* const one[] = {&commit};
  return PublishedAll(one);
}

namespace {

// A KPI cell as hoso.kpi keys it.
struct CellName {
  int month_key;
  int32_t partition;
  std::string_view agency_id;
  std::string_view procedure_id;
  bool operator==(const CellName&) const = default;
};
struct CellNameHash {
  size_t operator()(const CellName& c) const {
    size_t h = std::hash<std::string_view>{}(c.agency_id);
    h = h * 31 + std::hash<std::string_view>{}(c.procedure_id);
    return h * 31 + static_cast<size_t>(c.month_key) * 1024 + static_cast<uint32_t>(c.partition);
  }
};

}  // namespace

core::Status EngineSinks::PublishedAll(std::span<const runtime::Commit* const> commits) {
  const runtime::Commit* last_with_alerts = nullptr;
  size_t changed_kpi = 0;
  for (const runtime::Commit* commit : commits) {
    for (size_t i = 0; i < commit->alerts.size(); ++i) {
      // A quiet alert was raised while its partition restored: the
      // partition's previous owner published it (docs/scale.md "Restore").
      if (commit->alerts.quiet(i)) continue;
      HOSO_RETURN_IF_ERROR(WriteAlertJson(commit->alerts.dossier_id(i), commit->alerts.json(i)));
    }
    if (!commit->alerts.empty()) last_with_alerts = commit;
    changed_kpi += commit->changed_kpi.size();
  }
  if (publish_kpi_ && commits.size() == 1) {
    for (const projections::KpiChange& change : commits[0]->changed_kpi) {
      HOSO_RETURN_IF_ERROR(WriteKpi(change));
    }
  } else if (publish_kpi_) {
    // The latest change of each cell, sent in commit order.
    std::unordered_map<CellName, const projections::KpiChange*, CellNameHash> latest;
    latest.reserve(changed_kpi);
    for (const runtime::Commit* commit : commits) {
      for (const projections::KpiChange& change : commit->changed_kpi) {
        latest[CellName{change.month_key, change.partition, change.names->agency_id,
                        change.names->procedure_id}] = &change;
      }
    }
    for (const runtime::Commit* commit : commits) {
      for (const projections::KpiChange& change : commit->changed_kpi) {
        auto it = latest.find(CellName{change.month_key, change.partition, change.names->agency_id,
                                       change.names->procedure_id});
        if (it->second == &change) HOSO_RETURN_IF_ERROR(WriteKpi(change));
      }
    }
  }
  if (last_with_alerts == nullptr && changed_kpi == 0) return core::Status::Ok();
  HOSO_RETURN_IF_ERROR(FlushOutputs());
  for (const runtime::Commit* commit : commits) {
    if (publish_kpi_ && !commit->partitions_republished.empty()) {
      Log().info("{} KPI cells republished for {} partitions now live here",
                 commit->changed_kpi.size(), commit->partitions_republished.size());
    }
  }
  if (outbox_ != nullptr && last_with_alerts != nullptr) {
    return outbox_->MarkPublished(last_with_alerts->first_alert_sequence +
                                  last_with_alerts->alerts.size());
  }
  return core::Status::Ok();
}

core::Result<std::vector<std::pair<std::string, std::string>>> AlertOutbox::Unpublished(
    uint64_t* next_sequence) {
  std::string value;
  uint64_t from = 1;
  core::Status s =
      store_->Get(projections::Column::kMeta, projections::kMetaAlertsPublished, &value);
  if (s.ok()) {
    auto mark = projections::DecodeFixed64(value);
    if (!mark.ok()) return mark.status();
    from = *mark;
  } else if (s.code() != core::StatusCode::kNotFound) {
    return s;
  }
  std::vector<std::pair<std::string, std::string>> out;
  *next_sequence = from;
  HOSO_RETURN_IF_ERROR(
      projections::ForEachAlert(*store_, from, [&](const projections::StoredAlert& alert) {
        out.emplace_back(std::string(alert.dossier_id), std::string(alert.json));
        *next_sequence = alert.sequence + 1;
        return core::Status::Ok();
      }));
  return out;
}

core::Status AlertOutbox::MarkPublished(uint64_t next_sequence) {
  auto batch = store_->NewBatch();
  batch->Put(projections::Column::kMeta, projections::kMetaAlertsPublished,
             projections::EncodeFixed64(next_sequence));
  HOSO_RETURN_IF_ERROR(store_->Write(*batch));
  // Given back: the batch may be one of the engine's, recycled, of a
  // megabyte or more; dropped, the engine's next commit had to allocate (and
  // fault in) a new one (BENCHMARKS.md, twenty-ninth session).
  store_->Recycle(std::move(batch));
  return core::Status::Ok();
}

core::Status EngineSinks::Flush() { return FlushChannel(&dead_letters_channel_); }

core::Status EngineSinks::FlushOutputs() {
  const int64_t alerts_written = alerts_.load(std::memory_order_relaxed);
  HOSO_RETURN_IF_ERROR(FlushChannel(&outputs_channel_));
  alerts_acknowledged_.store(alerts_written, std::memory_order_relaxed);
  return core::Status::Ok();
}

core::Status EngineSinks::FlushChannel(Channel* channel) {
  int backoff_ms = 100;
  bool failing = false;
  while (true) {
    channel->producer->Flush(1000);
    bool all_done = true;
    bool any_failed = false;
    for (const Pending& p : channel->pending) {
      all_done = all_done && p.done;
      any_failed = any_failed || p.failed;
    }
    if (all_done) break;
    if (options_.stop != nullptr && options_.stop->load()) {
      return core::Status::Unavailable("stopped while output messages were undelivered");
    }
    if (!any_failed) continue;  // still in flight
    if (!failing) {
      Log().warn("output delivery failing ({}); retrying with back-off",
                 channel->producer->first_error());
      failing = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, options_.max_backoff_ms);
    for (size_t i = 0; i < channel->pending.size(); ++i) {
      Pending& p = channel->pending[i];
      if (!p.failed) continue;
      p.failed = false;
      resent_.fetch_add(1, std::memory_order_relaxed);
      HOSO_RETURN_IF_ERROR(
          channel->producer->ProduceBorrowed(*p.topic, p.key, p.value, p.headers, i + 1));
    }
  }
  if (failing) Log().warn("output delivery recovered");
  channel->pending.clear();
  return core::Status::Ok();
}

namespace {

// "YYYY-MM" of a month key (yyyymm), appended.
void AppendPeriod(std::string* out, int month_key) {
  char period[32];  // room for any two ints: never truncated
  const int n =
      std::snprintf(period, sizeof(period), "%04d-%02d", month_key / 100, month_key % 100);
  if (n > 0) out->append(period, std::min(static_cast<size_t>(n), sizeof(period) - 1));
}

// `,"<field name>":` of every KPI counter, escaped once: a KPI message
// repeats them all, and the Kafka loop writes about one message per event.
const std::array<std::string, core::kKpiFieldCount>& FieldPrefixes() {
  static const std::array<std::string, core::kKpiFieldCount> prefixes = [] {
    std::array<std::string, core::kKpiFieldCount> out;
    for (int f = 0; f < core::kKpiFieldCount; ++f) {
      out[f].push_back(',');
      codec::AppendJsonString(&out[f], core::KpiFieldName(static_cast<core::KpiField>(f)));
      out[f].push_back(':');
    }
    return out;
  }();
  return prefixes;
}

std::string MessageKey(int month_key, std::string_view agency_id, std::string_view procedure_id,
                       int32_t partition) {
  std::string out;
  out.reserve(16 + agency_id.size() + procedure_id.size());
  AppendPeriod(&out, month_key);
  out.push_back('|');
  out += agency_id;
  out.push_back('|');
  out += procedure_id;
  out.push_back('|');
  codec::AppendJsonInt(&out, partition);
  return out;
}

std::string MessageValue(int month_key, std::string_view agency_id, std::string_view procedure_id,
                         int32_t partition, const core::KpiCounters& counters) {
  // Written by hand: a commit of the Kafka loop publishes thousands of
  // these, and building each as an nlohmann::ordered_json (twenty fields,
  // each a key string and a linear search) cost as much as applying the
  // events. The same text as json.dump() of that object.
  // Room for counters of up to six digits: the value is kept until its
  // delivery report, so its capacity is memory the loop touches per event.
  static const size_t prefixes_bytes = [] {
    size_t bytes = 0;
    for (const std::string& prefix : FieldPrefixes()) bytes += prefix.size();
    return bytes;
  }();
  std::string out;
  out.reserve(80 + agency_id.size() + procedure_id.size() + prefixes_bytes +
              6 * core::kKpiFieldCount);
  out += "{\"period\":\"";
  AppendPeriod(&out, month_key);
  out.push_back('"');
  out += ",\"agency_id\":";
  codec::AppendJsonString(&out, agency_id);
  out += ",\"procedure_id\":";
  codec::AppendJsonString(&out, procedure_id);
  out += ",\"partition\":";
  codec::AppendJsonInt(&out, partition);
  const std::array<std::string, core::kKpiFieldCount>& prefixes = FieldPrefixes();
  for (int f = 0; f < core::kKpiFieldCount; ++f) {
    out += prefixes[f];
    codec::AppendJsonInt(&out, counters.values[f]);
  }
  out.push_back('}');
  return out;
}

}  // namespace

std::string KpiMessageKey(const projections::KpiKey& key) {
  return MessageKey(key.month_key, key.agency_id, key.procedure_id, key.partition);
}

std::string KpiMessageValue(const projections::KpiKey& key, const core::KpiCounters& counters) {
  return MessageValue(key.month_key, key.agency_id, key.procedure_id, key.partition, counters);
}

core::Status EngineSinks::WriteKpi(const projections::KpiChange& change) {
  ++kpi_updates_;
  const projections::KpiCellNames& names = *change.names;
  return Add(&outputs_channel_, options_.kpi_topic,
             MessageKey(change.month_key, names.agency_id, names.procedure_id, change.partition),
             MessageValue(change.month_key, names.agency_id, names.procedure_id, change.partition,
                          change.counters),
             {});
}

}  // namespace hoso::connectors::kafka
