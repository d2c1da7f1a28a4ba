#include "connectors/dvcqg/sync_topic_bridge.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "connectors/dvcqg/feed_converter.h"
#include "connectors/kafka/kafka_sinks.h"
#include "connectors/kafka/logger.h"
#include "connectors/kafka/topic_retention.h"

namespace hoso::connectors::dvcqg {

using kafka::Log;
using Clock = std::chrono::steady_clock;

struct SyncTopicBridge::State {
  SyncTopicBridgeOptions options;
  kafka::HandlePtr consumer;
  std::unique_ptr<kafka::KafkaProducer> producer;
  std::thread thread;
  std::atomic<bool> stop{false};

  mutable std::mutex mutex;
  Stats stats;          // guarded by mutex
  core::Status status;  // guarded by mutex

  // The thread's own.
  std::map<std::string, DossierTrack> tracks;
  // Per partition: the next offset to read, and the committed offset (the
  // first record whose events may not have been produced).
  std::map<int32_t, int64_t> next_offsets;
  std::map<int32_t, int64_t> committed;
  int64_t unacknowledged_events = 0;  // produced since the last flush
  bool commit_due = false;            // a record at or after `committed` was read

  void SetStats(const std::function<void(Stats&)>& change) {
    std::lock_guard lock(mutex);
    change(stats);
  }

  void UpdateRebuildRemaining() {
    int64_t remaining = 0;
    for (const auto& [partition, first_to_produce] : committed) {
      const int64_t next = next_offsets[partition];
      if (next < first_to_produce) remaining += first_to_produce - next;
    }
    const int64_t dossiers = static_cast<int64_t>(tracks.size());
    SetStats([&](Stats& s) {
      s.rebuild_remaining = remaining;
      s.dossiers = dossiers;
    });
  }

  // Assigns the partitions of the sync topic not assigned yet, from their
  // first record, after reading their committed offsets. False when the
  // cluster did not answer (tried again at the next refresh).
  bool RefreshAssignment() {
    const int count = kafka::TopicPartitionCount(consumer.get(), options.sync_topic, 5000);
    if (count < 0 || count <= static_cast<int>(next_offsets.size())) return count >= 0;
    kafka::PartitionListPtr fresh(rd_kafka_topic_partition_list_new(count));
    for (int32_t p = 0; p < count; ++p) {
      if (next_offsets.count(p) == 0) {
        rd_kafka_topic_partition_list_add(fresh.get(), options.sync_topic.c_str(), p);
      }
    }
    if (rd_kafka_resp_err_t err = rd_kafka_committed(consumer.get(), fresh.get(), 10000);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Log().warn("dvcqg: cannot read the committed offsets of group {}: {}", options.group_id,
                 rd_kafka_err2str(err));
      return false;
    }
    for (int i = 0; i < fresh->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = fresh->elems[i];
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Log().warn("dvcqg: cannot read the committed offset of {} [{}]: {}", options.sync_topic,
                   tp.partition, rd_kafka_err2str(tp.err));
        return false;
      }
    }
    for (int i = 0; i < fresh->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = fresh->elems[i];
      committed[tp.partition] = tp.offset >= 0 ? tp.offset : 0;
      next_offsets[tp.partition] = 0;
    }
    kafka::PartitionListPtr all(
        rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
    for (const auto& [partition, next] : next_offsets) {
      // A partition just added starts from its first record (to rebuild the
      // tracks); the others go on where they are.
      rd_kafka_topic_partition_list_add(all.get(), options.sync_topic.c_str(), partition)->offset =
          next == 0 ? RD_KAFKA_OFFSET_BEGINNING : next;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer.get(), all.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Log().warn("dvcqg: cannot assign {} partitions of {}: {}", next_offsets.size(),
                 options.sync_topic, rd_kafka_err2str(err));
      return false;
    }
    int64_t to_rebuild = 0;
    for (const auto& [partition, first_to_produce] : committed) to_rebuild += first_to_produce;
    Log().info(
        "dvcqg: reading {} partitions of {} from their first record ({} to re-read for the "
        "dossiers' tracks before producing)",
        count, options.sync_topic, to_rebuild);
    SetStats([&](Stats& s) { s.partitions = count; });
    UpdateRebuildRemaining();
    return true;
  }

  core::Status DeadLetter(const rd_kafka_message_t& message, const std::string& dossier_id,
                          const SyncRejection& why) {
    const std::string reason(SyncRejectCodeName(why.code));
    nlohmann::ordered_json value;
    value["source"] = "dvcqg";
    value["source_topic"] = options.sync_topic;
    value["source_partition"] = message.partition;
    value["source_offset"] = message.offset;
    if (!dossier_id.empty()) value["MaHoSo"] = dossier_id;
    value["reason"] = reason;
    value["message"] = why.message;
    kafka::Headers headers = {{"reason", reason},
                              {"message", why.message},
                              {"source_topic", options.sync_topic},
                              {"source_partition", std::to_string(message.partition)},
                              {"source_offset", std::to_string(message.offset)},
                              {"source_size", std::to_string(message.len)}};
    // The key is the dossier's when it was read, never the record.
    return producer->Produce(options.dead_letter_topic, dossier_id, value.dump(), headers);
  }

  core::Status Handle(const rd_kafka_message_t& message) {
    if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return core::Status::Ok();
    if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Log().debug("dvcqg: {}", rd_kafka_message_errstr(&message));
      return core::Status::Ok();
    }
    const std::string_view value(static_cast<const char*>(message.payload), message.len);
    RecordConversion record = ConvertRecord(value, options.diff, &tracks);
    next_offsets[message.partition] = message.offset + 1;
    const bool produce = message.offset >= committed[message.partition];
    if (!produce) {
      SetStats([](Stats& s) {
        ++s.records;
        ++s.records_rebuilt;
      });
      return core::Status::Ok();
    }
    commit_due = true;
    for (const DerivedEvent& event : record.events) {
      core::Status s = producer->Produce(options.events_topic, record.dossier_id, event.json);
      if (!s.ok()) return s;
    }
    unacknowledged_events += static_cast<int64_t>(record.events.size());
    if (record.refused) {
      core::Status s = DeadLetter(message, record.dossier_id, *record.refused);
      if (!s.ok()) return s;
    }
    for (const SyncRejection& note : record.unapplied) {
      core::Status s = DeadLetter(message, record.dossier_id, note);
      if (!s.ok()) return s;
    }
    SetStats([&](Stats& s) {
      ++s.records;
      if (record.refused) ++s.records_refused;
      s.changes_unapplied += static_cast<int64_t>(record.unapplied.size());
    });
    return core::Status::Ok();
  }

  // Waits for the broker to acknowledge everything produced, then commits
  // the offsets read. False when stopping before everything was
  // acknowledged (nothing is committed then); an error when a message
  // failed for good.
  core::Result<bool> FlushAndCommit() {
    const int64_t failed_before = producer->failed();
    while (!producer->Flush(500)) {
      if (stop.load()) return false;
    }
    if (producer->failed() > failed_before) {
      return core::Status::Unavailable(
          "dvcqg: " + std::to_string(producer->failed() - failed_before) +
          " derived events or dead letters were not delivered (" + producer->first_error() + ")");
    }
    const int64_t acknowledged = unacknowledged_events;
    unacknowledged_events = 0;
    kafka::PartitionListPtr list(
        rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
    for (const auto& [partition, next] : next_offsets) {
      if (next > committed[partition]) {
        rd_kafka_topic_partition_list_add(list.get(), options.sync_topic.c_str(), partition)
            ->offset = next;
      }
    }
    commit_due = false;
    SetStats([&](Stats& s) { s.events_produced += acknowledged; });
    if (list->cnt == 0) return true;
    if (rd_kafka_resp_err_t err = rd_kafka_commit(consumer.get(), list.get(), 0);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Harmless: a restart produces these records' events again (repeated
      // ids); the next commit tries again.
      Log().warn("dvcqg: cannot commit the offsets of group {}: {}", options.group_id,
                 rd_kafka_err2str(err));
      commit_due = true;
      return true;
    }
    for (int i = 0; i < list->cnt; ++i) committed[list->elems[i].partition] = list->elems[i].offset;
    SetStats([](Stats& s) { ++s.commits; });
    return true;
  }

  void Fail(const core::Status& why) {
    Log().error("{}; stopping: a restart produces again what was not committed", why.message());
    {
      std::lock_guard lock(mutex);
      status = why;
    }
    if (options.on_failure) options.on_failure(why);
  }

  void Run() {
    auto last_refresh = Clock::now() - std::chrono::hours(1);
    bool rebuilt_logged = false;
    while (!stop.load()) {
      if (Clock::now() - last_refresh >= std::chrono::milliseconds(options.metadata_refresh_ms)) {
        if (RefreshAssignment()) last_refresh = Clock::now();
      }
      int read = 0;
      for (int timeout_ms = 100; read < options.batch_max_records && !stop.load(); timeout_ms = 0) {
        kafka::MessagePtr message(rd_kafka_consumer_poll(consumer.get(), timeout_ms));
        if (!message) break;
        ++read;
        if (core::Status s = Handle(*message); !s.ok()) return Fail(s);
      }
      UpdateRebuildRemaining();
      if (!rebuilt_logged && !committed.empty() && stats_rebuild_remaining() == 0) {
        rebuilt_logged = true;
        Log().info(
            "dvcqg: tracks of {} dossiers rebuilt; producing events from the committed "
            "offsets",
            tracks.size());
      }
      if (!commit_due && unacknowledged_events == 0) continue;
      auto flushed = FlushAndCommit();
      if (!flushed.ok()) return Fail(flushed.status());
      if (!*flushed) return;  // stopping
    }
    // Stopping: what was acknowledged is committed; the rest is produced
    // again by the next start.
    if (commit_due || unacknowledged_events > 0) {
      auto flushed = FlushAndCommit();
      if (!flushed.ok()) Fail(flushed.status());
    }
  }

  int64_t stats_rebuild_remaining() const {
    std::lock_guard lock(mutex);
    return stats.rebuild_remaining;
  }
};

core::Result<std::unique_ptr<SyncTopicBridge>> SyncTopicBridge::Start(
    SyncTopicBridgeOptions options) {
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string*>{"sync_topic", &options.sync_topic},
        {"events_topic", &options.events_topic},
        {"dead_letter_topic", &options.dead_letter_topic},
        {"group_id", &options.group_id}}) {
    if (value->empty()) {
      return core::Status::InvalidArgument(std::string("dvcqg bridge: ") + name + " is required");
    }
  }
  if (options.diff.mapping == nullptr) {
    return core::Status::InvalidArgument("dvcqg bridge: a status mapping is required");
  }
  if (options.batch_max_records < 1) options.batch_max_records = 1;
  if (options.metadata_refresh_ms < 100) options.metadata_refresh_ms = 100;
  auto state = std::make_unique<State>();
  // Partitions are assigned by hand; the group only keeps the offsets.
  for (const char* name : {"group.instance.id", "partition.assignment.strategy",
                           "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms"}) {
    options.consumer_properties.erase(name);
  }
  options.consumer_properties["group.id"] = options.group_id;
  options.consumer_properties["enable.auto.commit"] = "false";
  options.consumer_properties["enable.auto.offset.store"] = "false";
  options.consumer_properties["enable.partition.eof"] = "false";
  auto conf = kafka::MakeConf(options.consumer_properties);
  if (!conf.ok()) return conf.status();
  auto consumer = kafka::MakeHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!consumer.ok()) return consumer.status();
  auto producer = kafka::KafkaProducer::Create(options.producer_properties);
  if (!producer.ok()) return producer.status();
  state->consumer = std::move(*consumer);
  state->producer = std::move(*producer);
  rd_kafka_poll_set_consumer(state->consumer.get());
  // A restart rebuilds the tracks from the topic's first record: say when
  // the topic does not keep them all (the embedded broker does not tell).
  if (auto retention = kafka::ReadTopicRetention(state->consumer.get(), options.sync_topic, 1000);
      retention.ok() && !retention->infinite()) {
    Log().warn(
        "dvcqg: {} deletes old records (retention.ms {}, retention.bytes {}); a restart "
        "rebuilds each dossier's track from the records still kept, so a dossier whose "
        "first records are gone looks new to it (docs/dvcqg.md \"In serve\")",
        options.sync_topic, retention->retention_ms, retention->retention_bytes);
  }
  state->options = std::move(options);
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<SyncTopicBridge>(new SyncTopicBridge(std::move(state)));
}

SyncTopicBridge::SyncTopicBridge(std::unique_ptr<State> state) : state_(std::move(state)) {}

SyncTopicBridge::~SyncTopicBridge() { Stop(); }

void SyncTopicBridge::Stop() {
  if (!state_ || !state_->thread.joinable()) return;
  state_->stop.store(true);
  state_->thread.join();
  rd_kafka_consumer_close(state_->consumer.get());
}

SyncTopicBridge::Stats SyncTopicBridge::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

core::Status SyncTopicBridge::status() const {
  std::lock_guard lock(state_->mutex);
  return state_->status;
}

}  // namespace hoso::connectors::dvcqg
