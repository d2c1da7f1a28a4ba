// Producers: KafkaProducer (idempotent, used by `hoso produce`, the demo and
// the benchmark) and EngineSinks, the engine's outputs on Kafka
// (docs/kafka.md "Output topics"):
//  - hoso.dead-letter: every rejected record, value = the ORIGINAL bytes
//    (up to dead_letter_max_bytes; beyond, the head), key = the original
//    key, headers reason (stable code), message, source_topic,
//    source_partition, source_offset, source_size (and truncated,
//    source_sha256 when the value is only the head);
//  - hoso.alerts: key dossier_id, value runtime::EncodeAlertJson;
//  - hoso.kpi: key "yyyy-mm|agency|procedure|input partition", value that
//    cell's counters as JSON (names of core::KpiFieldName). Each input
//    partition has its own key, so instances never overwrite each other;
//    BI tools sum the latest value per key.
//
// Delivery guarantee: EngineSinks::Flush() returns only once every message
// added since the previous Flush is acknowledged by the broker, re-sending
// failed ones with back-off (idempotent producer, so no duplicates inside one
// producer session). The pipeline flushes a batch's dead letters before the
// batch commits: a crash after the flush and before the RocksDB commit
// re-applies the batch and publishes them again (a duplicate, identified by
// source offset), but one is never lost. Alerts go through the AlertOutbox
// below instead: published after the commit that stores them.
//
// Thread-safety: one thread uses a producer; delivery callbacks run on that
// thread inside Poll/Flush. EngineSinks has two producers: one for dead
// letters (the pipeline's thread) and one for alerts and KPI changes (the
// thread that publishes durable commits, which may be another).
#ifndef HOSO_CONNECTORS_KAFKA_KAFKA_SINKS_H_
#define HOSO_CONNECTORS_KAFKA_KAFKA_SINKS_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/kafka/kafka_handles.h"
#include "engine/core/alert.h"
#include "engine/core/kpi_counters.h"
#include "engine/runtime/event_source.h"
#include "projections/kpi_cells.h"
#include "projections/kv_store.h"

namespace hoso::connectors::kafka {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The compression hoso's producers use unless `compression.type` is given
// (docs/kafka.md "Compression").
inline constexpr std::string_view kDefaultCompression = "lz4";

class KafkaProducer {
 public:
  // `properties` verbatim (bootstrap.servers required), except that
  // enable.idempotence is forced to true and compression.type defaults to
  // kDefaultCompression. InvalidArgument for a refused property.
  static core::Result<std::unique_ptr<KafkaProducer>> Create(Properties properties);
  // Flushes what is queued (up to 10 s), then destroys the handle.
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Queues one message (copied). When the local queue is full it serves
  // delivery reports until there is room (backpressure). `tag` is reported
  // back to the delivery callback (0: counted only). Fails on a fatal
  // producer error or an unknown topic/partition.
  core::Status Produce(const std::string& topic, std::string_view key, std::string_view value,
                       const Headers& headers = {}, uint64_t tag = 0);
  // As Produce, but `key` and `value` are not copied: they must stay valid
  // and unchanged until this message's delivery report has been served, or
  // the producer is destroyed. Saves a copy of every output message (the
  // Kafka loop publishes about one KPI change per event).
  core::Status ProduceBorrowed(const std::string& topic, std::string_view key,
                               std::string_view value, const Headers& headers, uint64_t tag);
  // Serves delivery reports for up to `timeout_ms`.
  void Poll(int timeout_ms);
  // Waits up to `timeout_ms` for every queued message; true when none is left.
  bool Flush(int timeout_ms);
  int64_t outstanding() const;

  // Delivery results since creation.
  int64_t delivered() const { return delivered_; }
  int64_t failed() const { return failed_; }
  const std::string& first_error() const { return first_error_; }
  // Called on every delivery report (on the thread calling Poll/Flush).
  void set_on_delivery(std::function<void(uint64_t tag, bool ok)> on_delivery) {
    on_delivery_ = std::move(on_delivery);
  }
  rd_kafka_t* handle() const { return producer_.get(); }
  // The value librdkafka uses for `name` (set or default); empty when unknown.
  std::string Property(const std::string& name) const;

 private:
  KafkaProducer() = default;
  static void DeliveryCallback(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  // `message_flags`: RD_KAFKA_MSG_F_COPY, or 0 for a borrowed key and value.
  core::Status ProduceWithFlags(const std::string& topic, std::string_view key,
                                std::string_view value, const Headers& headers, uint64_t tag,
                                int message_flags);

  HandlePtr producer_;
  int64_t delivered_ = 0;
  int64_t failed_ = 0;
  std::string first_error_;
  std::function<void(uint64_t, bool)> on_delivery_;
};

struct SinkOptions {
  // librdkafka producer properties, as KafkaProducer::Create takes them
  // (compression.type defaults to kDefaultCompression). Default: none.
  Properties properties;
  // The input topic named in dead-letter headers. Default: hoso.dossier-events.
  std::string source_topic = "hoso.dossier-events";
  std::string dead_letter_topic = "hoso.dead-letter";  // Default: hoso.dead-letter
  std::string alerts_topic = "hoso.alerts";            // Default: hoso.alerts
  std::string kpi_topic = "hoso.kpi";                  // Default: hoso.kpi
  // Dead letters keep the original value in full up to this many bytes;
  // beyond it the head, with headers truncated=true, source_size and
  // source_sha256. Below librdkafka's default message.max.bytes (1,000,000)
  // so that a dead letter is never refused by the broker. Default: 900,000.
  size_t dead_letter_max_bytes = 900000;
  // Upper bound of the back-off between re-sends of failed messages, in ms.
  // Default: 5000.
  int max_backoff_ms = 5000;
  // When set and true, Flush gives up (Unavailable) instead of retrying
  // forever; must outlive the sinks. Default: none.
  const std::atomic<bool>* stop = nullptr;
};

// The alert outbox (docs/alerts.md "Publication"). The engine stores each
// alert, numbered by a global alert sequence, in the commit that raises it
// (and never raises an id twice); `serve` publishes alerts only after that
// commit is durable, and once hoso.alerts has acknowledged them records the
// next sequence to publish (meta "alerts_published"). At start, every stored
// alert from that sequence on is published again: an alert is never lost. It
// is published twice only when serve dies between the acknowledgement and
// the mark (a window of one broker round trip), so consumers deduplicate on
// alert_id.
//
// Thread-safety: one thread; the store must outlive the outbox.
class AlertOutbox {
 public:
  explicit AlertOutbox(projections::KvStore* store) : store_(store) {}
  // Stored alerts not published yet, as (dossier_id, JSON value), in
  // sequence order; *next_sequence receives the sequence after the last.
  core::Result<std::vector<std::pair<std::string, std::string>>> Unpublished(
      uint64_t* next_sequence);
  // Records that every alert before `next_sequence` is published.
  core::Status MarkPublished(uint64_t next_sequence);

 private:
  projections::KvStore* store_;
};

// The engine's outputs on Kafka: dead letters (RejectSink, flushed before the
// batch commits) and, once a commit is durable (CommitSink), its alerts
// (acknowledged, then marked in the outbox) and its KPI changes.
//
// Thread-safety: the dead letters (Write, Flush) are one thread's, the
// publications (WriteAlertJson, WriteKpi, FlushOutputs, Published) one
// thread's, which may be another: each has its own producer. The counters
// may be read from any thread.
class EngineSinks final : public runtime::RejectSink, public runtime::CommitSink {
 public:
  static core::Result<std::unique_ptr<EngineSinks>> Create(SinkOptions options);
  ~EngineSinks() override;

  // A dead letter: the record's original bytes and key (RejectSink).
  core::Status Write(const runtime::RawRecord& record, const core::Rejection& rejection) override;
  // Waits until every dead letter written since the last Flush is
  // acknowledged, re-sending failures with back-off; logs once when delivery
  // starts failing and once when it recovers. Unavailable only when `stop` is
  // set meanwhile.
  core::Status Flush() override;

  // An alert already encoded (schemas/alert.schema.json).
  core::Status WriteAlertJson(std::string_view dossier_id, std::string_view json);
  core::Status WriteKpi(const projections::KpiChange& change);
  // Flush for the alerts and KPI changes written since the last call.
  core::Status FlushOutputs();
  // Publishes a durable commit's alerts but the quiet ones (acknowledged,
  // then marked in `outbox` when set) and, when `publish_kpi`, its changed
  // KPI cells.
  core::Status Published(const runtime::Commit& commit) override;
  // Every commit's alerts in order, and each KPI cell the commits changed
  // once, at its latest value (hoso.kpi carries absolute values: the ones
  // skipped were already out of date), with one flush for them all.
  core::Status PublishedAll(std::span<const runtime::Commit* const> commits) override;
  void set_outbox(AlertOutbox* outbox) { outbox_ = outbox; }
  void set_publish_kpi(bool publish_kpi) { publish_kpi_ = publish_kpi; }

  int64_t dead_letters() const { return dead_letters_.load(std::memory_order_relaxed); }
  int64_t alerts() const { return alerts_.load(std::memory_order_relaxed); }
  // Alerts the broker has acknowledged (every one handed over before the
  // last successful FlushOutputs).
  int64_t alerts_acknowledged() const {
    return alerts_acknowledged_.load(std::memory_order_relaxed);
  }
  int64_t kpi_updates() const { return kpi_updates_.load(std::memory_order_relaxed); }
  // Output messages sent again after their delivery failed.
  int64_t resent() const { return resent_.load(std::memory_order_relaxed); }
  // The value the producer of alerts and KPI changes uses for a librdkafka
  // property (e.g. `compression.type`).
  std::string OutputsProperty(const std::string& name) const {
    return outputs_channel_.producer->Property(name);
  }

 private:
  struct Pending {
    const std::string* topic;  // one of options_'s topics
    std::string key;
    std::string value;
    Headers headers;
    bool done = false;
    bool failed = false;
  };
  struct TopicDeleter {
    void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
  };
  // A producer, the topics it writes to, and the messages it has not had
  // acknowledged yet. The producer borrows the pending messages' keys and
  // values (KafkaProducer::ProduceBorrowed): `pending` is a deque, whose
  // elements never move, and is declared first, so it outlives the
  // producer's final flush. The topics are declared after the producer, so
  // they are released before it is destroyed.
  struct Channel {
    std::deque<Pending> pending;
    std::unique_ptr<KafkaProducer> producer;
    std::vector<std::unique_ptr<rd_kafka_topic_t, TopicDeleter>> topics;
  };
  explicit EngineSinks(SinkOptions options) : options_(std::move(options)) {}
  static core::Status OpenChannel(const Properties& properties,
                                  const std::vector<std::string>& topics, Channel* channel);
  // `topic` must be one of options_'s topics (kept by address until the
  // channel's flush).
  static core::Status Add(Channel* channel, const std::string& topic, std::string key,
                          std::string value, Headers headers);
  core::Status FlushChannel(Channel* channel);

  SinkOptions options_;
  Channel dead_letters_channel_;
  Channel outputs_channel_;
  AlertOutbox* outbox_ = nullptr;
  bool publish_kpi_ = true;
  std::atomic<int64_t> dead_letters_ = 0;
  std::atomic<int64_t> alerts_ = 0;
  std::atomic<int64_t> alerts_acknowledged_ = 0;
  std::atomic<int64_t> kpi_updates_ = 0;
  std::atomic<int64_t> resent_ = 0;
};

// "2019-06|W01|P123|7" and the JSON value of a KPI cell on hoso.kpi.
std::string KpiMessageKey(const projections::KpiKey& key);
std::string KpiMessageValue(const projections::KpiKey& key, const core::KpiCounters& counters);

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_KAFKA_SINKS_H_
