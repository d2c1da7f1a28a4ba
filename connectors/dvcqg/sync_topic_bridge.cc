#include "connectors/dvcqg/sync_topic_bridge.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "connectors/dvcqg/feed_converter.h"
#include "connectors/file/whole_file.h"
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

  // The checkpoint file read at start, used at the first assignment if it
  // fits the committed offsets.
  struct Checkpoint {
    std::map<int32_t, int64_t> positions;  // the next offset per partition
    std::map<std::string, DossierTrack> tracks;
  };
  std::optional<Checkpoint> loaded;
  std::string mapping_text;  // EncodeMapping of the mapping in use
  Clock::time_point last_checkpoint = Clock::now();
  int64_t records_since_checkpoint = 0;

  void SetStats(const std::function<void(Stats&)>& change) {
    std::lock_guard lock(mutex);
    change(stats);
  }

  // Publishes the rebuild's progress and the tracks kept; returns the
  // records still to read before producing.
  int64_t UpdateRebuildRemaining() {
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
    return remaining;
  }

  static constexpr char kCheckpointFormat[] = "hoso-dvcqg-tracks/1";

  // The checkpoint text: a header line (format, topic, group, mapping, the
  // next offset of each partition), the tracks (EncodeTracks), and a
  // trailer with their count, so a file cut short is never taken whole.
  std::string EncodeCheckpoint() const {
    nlohmann::ordered_json header;
    header["format"] = kCheckpointFormat;
    header["topic"] = options.sync_topic;
    header["group"] = options.group_id;
    header["mapping"] = mapping_text;
    nlohmann::ordered_json positions = nlohmann::ordered_json::object();
    for (const auto& [partition, next] : next_offsets) positions[std::to_string(partition)] = next;
    header["positions"] = std::move(positions);
    nlohmann::ordered_json trailer;
    trailer["dossiers"] = tracks.size();
    return header.dump() + "\n" + EncodeTracks(tracks) + trailer.dump() + "\n";
  }

  core::Result<Checkpoint> DecodeCheckpoint(std::string_view text) const {
    const size_t header_end = text.find('\n');
    if (header_end == std::string_view::npos) return core::Status::Corruption("no header line");
    std::string_view body = text.substr(header_end + 1);
    while (!body.empty() && body.back() == '\n') body.remove_suffix(1);
    const size_t trailer_start = body.rfind('\n');
    const std::string_view trailer_text =
        trailer_start == std::string_view::npos ? body : body.substr(trailer_start + 1);
    const std::string_view tracks_text = trailer_start == std::string_view::npos
                                             ? std::string_view()
                                             : body.substr(0, trailer_start);
    Checkpoint checkpoint;
    size_t dossiers = 0;
    try {
      const nlohmann::json header = nlohmann::json::parse(text.substr(0, header_end));
      if (header.value("format", "") != kCheckpointFormat) {
        return core::Status::Corruption("not a tracks checkpoint of this version");
      }
      if (header.at("topic") != options.sync_topic || header.at("group") != options.group_id) {
        return core::Status::InvalidArgument("written for another topic or group");
      }
      if (header.at("mapping") != mapping_text) {
        return core::Status::InvalidArgument("written with another status mapping");
      }
      for (const auto& [partition, next] : header.at("positions").items()) {
        checkpoint.positions[std::stoi(partition)] = next.get<int64_t>();
      }
      const nlohmann::json trailer = nlohmann::json::parse(trailer_text, nullptr, false);
      if (!trailer.is_object() || !trailer.contains("dossiers")) {
        return core::Status::Corruption("cut short: its last line is not the count of its tracks");
      }
      dossiers = trailer.at("dossiers").get<size_t>();
    } catch (const std::exception& e) {
      return core::Status::Corruption(std::string("unreadable: ") + e.what());
    }
    auto decoded = DecodeTracks(tracks_text);
    if (!decoded.ok()) return decoded.status();
    if (decoded->size() != dossiers) {
      return core::Status::Corruption("cut short: " + std::to_string(decoded->size()) +
                                      " tracks of " + std::to_string(dossiers));
    }
    checkpoint.tracks = std::move(*decoded);
    return checkpoint;
  }

  void LoadCheckpoint() {
    if (options.checkpoint_path.empty()) return;
    auto text = ReadWholeFile(options.checkpoint_path);
    if (text.status().code() == core::StatusCode::kNotFound) return;  // none written yet
    auto checkpoint = text.ok() ? DecodeCheckpoint(*text) : core::Result<Checkpoint>(text.status());
    if (!checkpoint.ok()) {
      Log().warn("dvcqg: not using {} ({}); the tracks are rebuilt from the topic's first record",
                 options.checkpoint_path, checkpoint.status().message());
      return;
    }
    loaded = std::move(*checkpoint);
  }

  // At the first assignment: the checkpoint's tracks and offsets, if every
  // offset is at or before the committed one (records after it may never
  // have had their events produced).
  void UseCheckpoint() {
    Checkpoint checkpoint = std::move(*loaded);
    loaded.reset();
    for (const auto& [partition, position] : checkpoint.positions) {
      auto first_to_produce = committed.find(partition);
      if (first_to_produce == committed.end() || position > first_to_produce->second) {
        Log().warn(
            "dvcqg: not using {}: its offset of partition {} is past the committed one; "
            "the tracks are rebuilt from the topic's first record",
            options.checkpoint_path, partition);
        return;
      }
    }
    for (const auto& [partition, position] : checkpoint.positions) {
      next_offsets[partition] = position;
    }
    tracks = std::move(checkpoint.tracks);
    const int64_t dossiers = static_cast<int64_t>(tracks.size());
    SetStats([&](Stats& s) { s.dossiers_from_checkpoint = dossiers; });
    Log().info("dvcqg: tracks of {} dossiers read from {}; reading on from its offsets", dossiers,
               options.checkpoint_path);
  }

  // Written only when every record read has its events acknowledged and its
  // offset committed (or is before the committed offset).
  void WriteCheckpoint() {
    if (options.checkpoint_path.empty() || next_offsets.empty()) return;
    last_checkpoint = Clock::now();
    records_since_checkpoint = 0;
    if (core::Status s = WriteFileAtomically(options.checkpoint_path, EncodeCheckpoint());
        !s.ok()) {
      Log().warn("dvcqg: cannot write the tracks' checkpoint ({}); a restart rebuilds them",
                 s.message());
      return;
    }
    SetStats([](Stats& s) { ++s.checkpoints; });
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
    const bool first_assignment = next_offsets.empty();
    for (int i = 0; i < fresh->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = fresh->elems[i];
      committed[tp.partition] = tp.offset >= 0 ? tp.offset : 0;
      next_offsets[tp.partition] = 0;
    }
    if (first_assignment && loaded) UseCheckpoint();
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
    const int64_t to_rebuild = UpdateRebuildRemaining();
    Log().info(
        "dvcqg: reading {} partitions of {} ({} records to re-read for the dossiers' "
        "tracks before producing)",
        count, options.sync_topic, to_rebuild);
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
    ++records_since_checkpoint;
    const bool produce = message.offset >= committed[message.partition];
    if (!produce) {
      SetStats([](Stats& s) { ++s.records; });
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

  // A rebuild reads the topic from its first record: say when the topic
  // does not keep them all (the embedded broker does not tell). On the
  // thread: the question may wait a second for a broker that never answers.
  void WarnOfFiniteRetention() {
    auto retention = kafka::ReadTopicRetention(consumer.get(), options.sync_topic, 1000);
    if (!retention.ok() || retention->infinite()) return;
    Log().warn(
        "dvcqg: {} deletes old records (retention.ms {}, retention.bytes {}); a rebuild of the "
        "tracks reads the records still kept, so a dossier whose first records are gone looks "
        "new to it (docs/dvcqg.md \"In serve\")",
        options.sync_topic, retention->retention_ms, retention->retention_bytes);
  }

  void Run() {
    WarnOfFiniteRetention();
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
      const int64_t rebuild_remaining = UpdateRebuildRemaining();
      if (!rebuilt_logged && !committed.empty() && rebuild_remaining == 0) {
        rebuilt_logged = true;
        Log().info(
            "dvcqg: caught up with the committed offsets ({} dossiers' tracks); producing "
            "events from there",
            tracks.size());
      }
      if (!commit_due && unacknowledged_events == 0) continue;
      auto flushed = FlushAndCommit();
      if (!flushed.ok()) return Fail(flushed.status());
      if (!*flushed) return;  // stopping
      if (!commit_due && Clock::now() - last_checkpoint >=
                             std::chrono::milliseconds(options.checkpoint_interval_ms)) {
        WriteCheckpoint();
      }
    }
    // Stopping: what was acknowledged is committed; the rest is produced
    // again by the next start. The checkpoint is written only if all is.
    if (commit_due || unacknowledged_events > 0) {
      auto flushed = FlushAndCommit();
      if (!flushed.ok()) return Fail(flushed.status());
      if (!*flushed) return;
    }
    if (!commit_due && records_since_checkpoint > 0) WriteCheckpoint();
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
  if (options.checkpoint_interval_ms < 1000) options.checkpoint_interval_ms = 1000;
  state->mapping_text = EncodeMapping(*options.diff.mapping);
  state->options = std::move(options);
  state->LoadCheckpoint();
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
