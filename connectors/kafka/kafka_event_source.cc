#include "connectors/kafka/kafka_event_source.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <utility>

#include "connectors/kafka/first_offsets.h"
#include "connectors/kafka/logger.h"
#include "engine/core/instant.h"

namespace hoso::connectors::kafka {
namespace {

// How long a synchronous commit on revoke may wait, in ms.
constexpr int kRevokeCommitTimeoutMs = 5000;

bool IsCooperative(rd_kafka_t* rk) {
  const char* protocol = rd_kafka_rebalance_protocol(rk);
  return protocol != nullptr && std::strcmp(protocol, "COOPERATIVE") == 0;
}

// occurred_at of a JSON event by a cheap scan, in ms; INT64_MIN when absent
// or unparsable (such a record goes first and the engine judges it).
int64_t CheapOccurredAtMs(std::string_view bytes) {
  // memmem, not string_view::find: find stops at every quote of the text
  // (a memcmp each, 2.3 % of the Kafka loop's CPU), and this runs once per
  // record polled.
  constexpr std::string_view kField = "\"occurred_at\"";
  const void* hit = ::memmem(bytes.data(), bytes.size(), kField.data(), kField.size());
  if (hit == nullptr) return INT64_MIN;
  size_t at = static_cast<size_t>(static_cast<const char*>(hit) - bytes.data());
  at = bytes.find('"', at + kField.size());
  if (at == std::string_view::npos) return INT64_MIN;
  const size_t end = bytes.find('"', at + 1);
  if (end == std::string_view::npos) return INT64_MIN;
  auto instant = core::ParseRfc3339(bytes.substr(at + 1, end - at - 1));
  return instant.ok() ? instant->epoch_ms : INT64_MIN;
}

}  // namespace

std::string KafkaSourceId(const std::string& topic, int32_t partition) {
  return "kafka:" + topic + "/" + std::to_string(partition);
}

KafkaEventSource::KafkaEventSource(KafkaSourceOptions options) : options_(std::move(options)) {}

core::Result<std::unique_ptr<KafkaEventSource>> KafkaEventSource::Create(
    KafkaSourceOptions options) {
  if (options.properties.count("bootstrap.servers") == 0) {
    return core::Status::InvalidArgument("kafka.bootstrap.servers is required");
  }
  if (options.subscribe && options.properties.count("group.id") == 0) {
    return core::Status::InvalidArgument("kafka.group.id is required");
  }
  if (options.properties.count("group.id") == 0) options.properties["group.id"] = "hoso-assign";
  // Positions live in RocksDB; Kafka offsets are committed explicitly and
  // only after the engine stored the batch.
  options.properties["enable.auto.commit"] = "false";
  options.properties["enable.auto.offset.store"] = "false";
  if (options.properties.count("auto.offset.reset") == 0) {
    options.properties["auto.offset.reset"] = "earliest";
  }
  // Prefetch more than a second of the engine's input. Once the consumer's
  // queue holds queued.min.messages or queued.max.messages.kbytes,
  // librdkafka before 2.2 (Debian 12 has 2.0.2) stops fetching for a fixed
  // second (fetch.queue.backoff.ms came later); with its defaults (100,000
  // records) the engine emptied the queue within that second and waited,
  // 0.7-1.4 s of an 8 s backlog (docs/kafka.md "Prefetch").
  options.properties.try_emplace("queued.min.messages", std::to_string(kPrefetchRecords));
  options.properties.try_emplace("queued.max.messages.kbytes", std::to_string(kPrefetchKiB));
  std::unique_ptr<KafkaEventSource> source(new KafkaEventSource(std::move(options)));
  auto conf = MakeConf(source->options_.properties);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_opaque(conf->get(), source.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &KafkaEventSource::RebalanceCallback);
  rd_kafka_conf_set_error_cb(conf->get(), &KafkaEventSource::ErrorCallback);
  auto consumer = MakeHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!consumer.ok()) return consumer.status();
  source->consumer_ = std::move(*consumer);
  // Errors and rebalances are served by rd_kafka_consumer_poll on our thread.
  rd_kafka_poll_set_consumer(source->consumer_.get());
  return source;
}

KafkaEventSource::~KafkaEventSource() {
  // Every message goes before the consumer does (librdkafka issue #2977):
  // the merge's too, which as members would outlive consumer_.reset().
  messages_.clear();
  held_.clear();
  reaper_.Drain();
  if (consumer_ != nullptr) {
    // Close first (leave the group; the revoke callback commits what was
    // applied), destroy after (docs/conventions.md rule 19).
    closed_ = true;
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(consumer_.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Log().warn("consumer close: {}", rd_kafka_err2str(err));
    }
    consumer_.reset();
  }
}

core::Status KafkaEventSource::Start(const runtime::PositionLookup& lookup) {
  lookup_ = lookup;
  if (options_.subscribe) {
    PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), options_.topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), topics.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return core::Status::Unavailable(std::string("subscribe: ") + rd_kafka_err2str(err));
    }
    return core::Status::Ok();
  }
  // Direct assignment of every partition of the topic.
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_topic_t* topic = rd_kafka_topic_new(consumer_.get(), options_.topic.c_str(), nullptr);
  rd_kafka_resp_err_t err = rd_kafka_metadata(consumer_.get(), 0, topic, &metadata, 10000);
  rd_kafka_topic_destroy(topic);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::Status::Unavailable(std::string("metadata: ") + rd_kafka_err2str(err));
  }
  PartitionListPtr partitions(rd_kafka_topic_partition_list_new(64));
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    for (int p = 0; p < metadata->topics[t].partition_cnt; ++p) {
      rd_kafka_topic_partition_list_add(partitions.get(), options_.topic.c_str(),
                                        metadata->topics[t].partitions[p].id);
    }
  }
  rd_kafka_metadata_destroy(metadata);
  OnAssign(partitions.get());
  return callback_status_;
}

void KafkaEventSource::RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                         rd_kafka_topic_partition_list_t* partitions,
                                         void* opaque) {
  auto* self = static_cast<KafkaEventSource*>(opaque);
  ++self->rebalances_;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->OnAssign(partitions);
  } else {
    self->OnRevoke(partitions);
  }
  (void)rk;
}

void KafkaEventSource::ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaEventSource*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    self->broker_up_.store(false);
  } else if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
    self->callback_status_ =
        core::Status::Unavailable(std::string("fatal consumer error: ") + fatal);
  }
  (void)reason;  // transport details; librdkafka retries by itself
}

void KafkaEventSource::OnAssign(rd_kafka_topic_partition_list_t* partitions) {
  // As a group member, what the group committed for each partition: what its
  // previous owner applied and published, where a restore ends.
  std::map<int32_t, int64_t> group_committed;
  if (options_.subscribe) {
    PartitionListPtr committed(rd_kafka_topic_partition_list_copy(partitions));
    const rd_kafka_resp_err_t err =
        rd_kafka_committed(consumer_.get(), committed.get(), options_.committed_timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Without it a partition new to this instance restores up to nothing:
      // its history is applied as live (alerts published again, with the
      // ids its previous owner used).
      Log().warn("committed offsets of the assigned partitions: {}; restoring without them",
                 rd_kafka_err2str(err));
    } else {
      for (int i = 0; i < committed->cnt; ++i) {
        const rd_kafka_topic_partition_t& element = committed->elems[i];
        if (element.err != RD_KAFKA_RESP_ERR_NO_ERROR || element.offset < 0) continue;
        group_committed[element.partition] = element.offset;
      }
    }
  }
  for (int i = 0; i < partitions->cnt; ++i) {
    rd_kafka_topic_partition_t& tp = partitions->elems[i];
    // A group member restores a partition new to it from its first record:
    // its state is a function of the partition's whole input (docs/scale.md).
    // Direct assignment (one consumer, no group): the committed offset, else
    // auto.offset.reset.
    tp.offset = options_.subscribe ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_INVALID;
    auto stored = lookup_(KafkaSourceId(tp.topic, tp.partition));
    if (!stored.ok()) {
      callback_status_ = stored.status();
    } else if (stored->has_value()) {
      // Parsed without exceptions: this runs inside librdkafka's rebalance
      // callback, where a throw would end the process.
      const std::string& text = **stored;
      int64_t offset = -1;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), offset);
      if (error != std::errc() || end != text.data() + text.size() || offset < 0) {
        callback_status_ = core::Status::Corruption(
            "the stored position of " + KafkaSourceId(tp.topic, tp.partition) + " is '" + text +
            "', not an offset: the database is damaged (restore a backup: docs/operations.md "
            "\"Backup and restore\")");
      } else {
        tp.offset = offset;
      }
    }
  }
  if (options_.subscribe) {
    // Without it librdkafka may wait 500 ms before fetching (first_offsets.h).
    if (core::Status status =
            ResolveFirstOffsets(consumer_.get(), partitions, options_.committed_timeout_ms);
        !status.ok()) {
      Log().debug("{}; librdkafka resolves them when it fetches", status.message());
    }
  }
  for (int i = 0; i < partitions->cnt; ++i) {
    rd_kafka_topic_partition_t& tp = partitions->elems[i];
    next_offsets_[tp.partition] = tp.offset;
    runtime::PartitionChange change;
    change.partition = tp.partition;
    change.kind = runtime::PartitionChange::Kind::kAssigned;
    auto committed = group_committed.find(tp.partition);
    if (committed != group_committed.end() && committed->second > std::max<int64_t>(tp.offset, 0)) {
      change.restore_until = committed->second;
      restores_[tp.partition] = Restore{std::max<int64_t>(tp.offset, 0), committed->second,
                                        std::chrono::steady_clock::now()};
      Log().info("partition {} restores from offset {} to {} ({} records)", tp.partition,
                 std::max<int64_t>(tp.offset, 0), committed->second,
                 committed->second - std::max<int64_t>(tp.offset, 0));
    }
    partition_changes_.push_back(change);
  }
  rd_kafka_error_t* error = nullptr;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (IsCooperative(consumer_.get())) {
    error = rd_kafka_incremental_assign(consumer_.get(), partitions);
  } else {
    err = rd_kafka_assign(consumer_.get(), partitions);
  }
  if (error != nullptr) {
    callback_status_ =
        core::Status::Unavailable(std::string("assign: ") + rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    callback_status_ = core::Status::Unavailable(std::string("assign: ") + rd_kafka_err2str(err));
  }
  broker_up_.store(true);
  Log().info("assigned {} partitions of {}, now {} in total", partitions->cnt, options_.topic,
             next_offsets_.size());
}

void KafkaEventSource::OnRevoke(rd_kafka_topic_partition_list_t* partitions) {
  // The merge's entries of revoked partitions go: so do the pointers to them.
  ForgetPollSlots();
  // 0. What the engine applied must be durable (and its offsets known)
  //    before the partitions go to their next owner.
  if (drain_) drain_();
  // 1. Records of revoked partitions not yet handed to the engine are dropped:
  //    the next owner reads them from the offset committed below.
  if (filling_ != nullptr) {
    std::vector<int32_t> revoked;
    for (int i = 0; i < partitions->cnt; ++i) revoked.push_back(partitions->elems[i].partition);
    size_t kept = 0;
    for (size_t i = 0; i < filling_->records.size(); ++i) {
      if (std::find(revoked.begin(), revoked.end(), filling_->records[i].partition) !=
          revoked.end()) {
        continue;
      }
      filling_->records[kept] = filling_->records[i];
      records_messages_[kept] = records_messages_[i];
      ++kept;
    }
    filling_->records.resize(kept);
    records_messages_.resize(kept);
  }
  // 2. Commit what the engine stored, synchronously, for the next owner.
  PartitionListPtr commit(rd_kafka_topic_partition_list_new(partitions->cnt));
  for (int i = 0; i < partitions->cnt; ++i) {
    const int32_t p = partitions->elems[i].partition;
    auto it = applied_offsets_.find(p);
    if (it != applied_offsets_.end()) {
      rd_kafka_topic_partition_list_add(commit.get(), partitions->elems[i].topic, p)->offset =
          it->second;
    }
    applied_offsets_.erase(p);
    next_offsets_.erase(p);
    restores_.erase(p);
    partition_changes_.push_back(
        runtime::PartitionChange{p, runtime::PartitionChange::Kind::kRevoked, -1});
    if (paused_.erase(p) > 0) {
      // The next owner, or this instance after a new assignment, starts unpaused.
      PartitionListPtr one(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(one.get(), options_.topic.c_str(), p);
      rd_kafka_resume_partitions(consumer_.get(), one.get());
    }
    held_count_ -= held_[p].size();
    held_.erase(p);
    seen_time_ms_.erase(p);
    last_time_ms_.erase(p);
    high_queried_at_.erase(p);
    received_next_.erase(p);
    last_received_.erase(p);
  }
  if (commit->cnt > 0) {
    rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), commit.get(), 0);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Log().warn("commit on revoke: {}", rd_kafka_err2str(err));
    }
  }
  (void)kRevokeCommitTimeoutMs;
  if (IsCooperative(consumer_.get())) {
    rd_kafka_error_t* error = rd_kafka_incremental_unassign(consumer_.get(), partitions);
    if (error != nullptr) rd_kafka_error_destroy(error);
  } else {
    rd_kafka_assign(consumer_.get(), nullptr);
    next_offsets_.clear();
    applied_offsets_.clear();
    held_.clear();
    held_count_ = 0;
    seen_time_ms_.clear();
    last_time_ms_.clear();
    high_queried_at_.clear();
    received_next_.clear();
    last_received_.clear();
  }
  Log().info("revoked {} partitions of {}, now {} in total", partitions->cnt, options_.topic,
             next_offsets_.size());
}

int64_t KafkaEventSource::HeldQueue::key_ms() const {
  // The first two readable times among the first few records: records
  // without one (bad records) go with their neighbours.
  constexpr size_t kLookahead = 8;
  int64_t first = INT64_MIN;
  int64_t second = INT64_MIN;
  for (size_t i = 0; i < records.size() && i < kLookahead; ++i) {
    const int64_t t = records[i].time_ms;
    if (t == INT64_MIN) continue;
    if (first == INT64_MIN) {
      first = t;
    } else {
      second = t;
      break;
    }
  }
  if (second == INT64_MIN || first <= second) return first;
  // first > second: which of the two is out of place? If the second
  // continues where this partition left off, the first is dated too late.
  return second >= last_released_ms ? second : first;
}

namespace {

runtime::RawRecord RecordOf(const rd_kafka_message_t* message) {
  runtime::RawRecord record(
      std::string_view(static_cast<const char*>(message->payload), message->len),
      message->partition, message->offset);
  if (message->key != nullptr) {
    record.key = std::string_view(static_cast<const char*>(message->key), message->key_len);
  }
  return record;
}

}  // namespace

void KafkaEventSource::Emit(Held&& held, int32_t partition, runtime::SourceBatch* batch) {
  runtime::RawRecord& record = batch->records.emplace_back(
      std::string_view(held.payload, held.payload_bytes), partition, held.offset);
  if (held.key != nullptr) record.key = std::string_view(held.key, held.key_bytes);
  records_messages_.push_back(held.message.get());
  messages_.push_back(std::move(held.message));
}

bool KafkaEventSource::RestoreReceived(int32_t partition) const {
  auto restore = restores_.find(partition);
  if (restore == restores_.end()) return false;
  auto received = received_next_.find(partition);
  return received != received_next_.end() && received->second >= restore->second.until;
}

bool KafkaEventSource::CaughtUp(int32_t partition) {
  int64_t low = -1;
  int64_t high = -1;
  if (rd_kafka_get_watermark_offsets(consumer_.get(), options_.topic.c_str(), partition, &low,
                                     &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    // Nothing fetched yet (e.g. a partition sitting at its end after a
    // restart): ask the broker, at most once per idle period, so the loop
    // never blocks on it more often than that.
    const auto now = std::chrono::steady_clock::now();
    auto asked = high_queried_at_.find(partition);
    if (asked != high_queried_at_.end() &&
        now - asked->second.first <
            std::chrono::milliseconds(std::max(options_.idle_partition_ms, 100))) {
      high = asked->second.second;
    } else {
      if (rd_kafka_query_watermark_offsets(consumer_.get(), options_.topic.c_str(), partition, &low,
                                           &high, 1000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        high = -1;
      }
      high_queried_at_[partition] = {now, high};
    }
    if (high < 0) return false;  // unknown
  }
  // The next offset this partition would deliver: after the last record
  // received, else where it was assigned (the stored position), else the
  // consumer's own position.
  int64_t next = -1;
  auto received = received_next_.find(partition);
  auto assigned = next_offsets_.find(partition);
  if (received != received_next_.end()) {
    next = received->second;
  } else if (assigned != next_offsets_.end() && assigned->second >= 0) {
    next = assigned->second;
  } else {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), partition);
    if (rd_kafka_position(consumer_.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      next = list->elems[0].offset;
    }
    if (next < 0) return high <= low;  // position unknown: caught up only when empty
  }
  return next >= high;
}

core::Status KafkaEventSource::NextMergedBatch(size_t max_records, runtime::SourceBatch* batch) {
  // The previous batch filled up with releasable records: more may be
  // releasable now, so take what the consumer has without waiting for more.
  // (Waiting cost a whole poll_timeout_ms per batch whenever the merge held
  // several batches' worth and the fetcher was momentarily behind: at the
  // end of a restore or a backlog, ~1 s of idle time per 100,000 records.)
  int timeout_ms = release_pending_ ? 0 : options_.poll_timeout_ms;
  size_t polled = 0;
  std::optional<std::chrono::steady_clock::time_point> received_at;
  const size_t share = HeldPerPartitionLimit();
  ForgetPollSlots();
  while (polled < max_records && held_count_ < options_.max_held_records && callback_status_.ok()) {
    rd_kafka_message_t* raw = rd_kafka_consumer_poll(consumer_.get(), timeout_ms);
    if (raw == nullptr) break;
    MessagePtr message(raw);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    broker_up_.store(true);
    timeout_ms = 0;
    ++polled;
    const int64_t time_ms = CheapOccurredAtMs(
        std::string_view(static_cast<const char*>(message->payload), message->len));
    const int32_t p = message->partition;
    PollSlots& slots = PollSlotsOf(p);
    bool first_record = false;
    if (slots.received_next == nullptr) {
      auto [expected, added] = received_next_.try_emplace(p, 0);
      slots.received_next = &expected->second;
      first_record = added;
    }
    if (!first_record && message->offset < *slots.received_next) {
      continue;  // delivered again (e.g. refetched around a resume): already held
    }
    // What the partition has shown: a time counts once the partition's next
    // record confirms it (the later of the pairwise minimums), so one record
    // dated far ahead of its neighbours does not make the merge believe the
    // partition is that far along. A record without a readable time counts
    // for nothing.
    if (time_ms != INT64_MIN) {
      if (slots.seen_time_ms == nullptr) {
        slots.seen_time_ms = &seen_time_ms_.try_emplace(p, INT64_MIN).first->second;
        slots.last_time_ms = &last_time_ms_.try_emplace(p, INT64_MIN).first->second;
      }
      int64_t& seen = *slots.seen_time_ms;
      int64_t& last = *slots.last_time_ms;
      if (last != INT64_MIN) seen = std::max(seen, std::min(last, time_ms));
      last = time_ms;
    }
    *slots.received_next = message->offset + 1;
    // One clock read per call, not per record (they were 1.2 % of the
    // process): the polls after the first do not wait, so the records of
    // one call arrive within milliseconds of each other.
    if (!received_at) received_at = std::chrono::steady_clock::now();
    if (slots.queue == nullptr) {
      slots.last_received = &last_received_[p];
      slots.queue = &held_[p];
      slots.queue->partition = p;
    }
    *slots.last_received = *received_at;
    HeldQueue& queue = *slots.queue;
    Held& held = queue.records.emplace_back();
    held.time_ms = time_ms;
    held.offset = message->offset;
    held.payload = static_cast<const char*>(message->payload);
    held.payload_bytes = static_cast<uint32_t>(message->len);
    held.key = static_cast<const char*>(message->key);
    held.key_bytes = static_cast<uint32_t>(message->key_len);
    held.message = std::move(message);
    ++held_count_;
    // Paused as soon as it holds its share: the rest of its prefetched
    // records never reach this loop, whatever the poll brings next.
    if (queue.size() >= share && paused_.insert(p).second) Pause(p);
  }
  if (!callback_status_.ok()) return callback_status_;
  // Watermark: nothing older can still arrive from a partition that is behind.
  int64_t watermark = INT64_MAX;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [partition, next] : next_offsets_) {
    (void)next;
    auto last = last_received_.try_emplace(partition, now).first->second;
    if (input_complete_) {
      auto high = final_high_.find(partition);
      auto received = received_next_.find(partition);
      if (high != final_high_.end() &&
          (high->second <= 0 ||
           (received != received_next_.end() && received->second >= high->second) ||
           CaughtUp(partition))) {
        continue;
      }
    } else if (options_.idle_partition_ms >= 0 &&
               (now - last >= std::chrono::milliseconds(options_.idle_partition_ms) ||
                RestoreReceived(partition)) &&
               CaughtUp(partition)) {
      // Idle: nothing received for idle_partition_ms (since its assignment,
      // for a partition that never received a record) and read up to its high
      // watermark. It stops holding the merge back; what it holds still goes
      // out in time order. Silence alone is not enough: a partition whose
      // records wait behind another partition's backlog in the consumer's
      // queue is silent but not idle. A restoring partition that has
      // received the last record of its restore and is read up to its high
      // watermark is idle at once: its last record, which no later one
      // confirms, held the end of a restore back for up to idle_partition_ms.
      continue;
    }
    auto seen = seen_time_ms_.find(partition);
    watermark = std::min(watermark, seen == seen_time_ms_.end() ? INT64_MIN : seen->second);
  }
  // At the memory bound the oldest records go out regardless of the
  // watermark, a whole batch of them (out of order, as documented); pausing
  // keeps the merge away from it in normal operation.
  const bool over_cap = held_count_ >= options_.max_held_records;
  if (over_cap && released_over_cap_++ % 100 == 0) {
    Log().warn(
        "event-time merge of {}: {} records held, the bound merge_max_held_records; releasing "
        "the oldest out of watermark order ({} batches so far)",
        options_.topic, held_count_, released_over_cap_);
  }
  // k-way merge through a min-heap of partitions keyed by HeldQueue::key_ms:
  // O(log P) per record instead of a scan of every partition (128 in the
  // benchmark). A partition's records go out in offset order.
  using Head = std::pair<int64_t, HeldQueue*>;
  auto later = [](const Head& a, const Head& b) { return a.first > b.first; };
  std::vector<Head> heads;
  heads.reserve(held_.size());
  for (auto& [partition, queue] : held_) {
    if (!queue.empty()) heads.emplace_back(queue.key_ms(), &queue);
  }
  std::make_heap(heads.begin(), heads.end(), later);
  while (batch->records.size() < max_records && !heads.empty()) {
    std::pop_heap(heads.begin(), heads.end(), later);
    HeldQueue* best = heads.back().second;
    heads.pop_back();
    if (best->key_ms() > watermark && !over_cap) break;
    // A time handed over in its turn (not judged out of place) is where the
    // partition has got to.
    const int64_t front_ms = best->records.front().time_ms;
    if (front_ms != INT64_MIN && best->records.size() > 1 && best->key_ms() == front_ms) {
      best->last_released_ms = std::max(best->last_released_ms, front_ms);
    }
    Emit(std::move(best->records.front()), best->partition, batch);
    best->records.pop_front();
    --held_count_;
    if (!best->empty()) {
      heads.emplace_back(best->key_ms(), best);
      std::push_heap(heads.begin(), heads.end(), later);
    }
  }
  release_pending_ = batch->records.size() >= max_records && held_count_ > 0;
  ResumeDrainedPartitions();
  return core::Status::Ok();
}

KafkaEventSource::PollSlots& KafkaEventSource::PollSlotsOf(int32_t partition) {
  const auto index = static_cast<size_t>(partition);
  if (index >= poll_slots_.size()) poll_slots_.resize(index + 1);
  return poll_slots_[index];
}

void KafkaEventSource::ForgetPollSlots() {
  std::fill(poll_slots_.begin(), poll_slots_.end(), PollSlots{});
}

size_t KafkaEventSource::HeldPerPartitionLimit() const {
  // Full shares fill two thirds of the bound: the last third is for what the
  // partitions not yet paused bring before they are. With a half, a share of
  // 32 partitions was 3,125 records: partitions the fetcher ran ahead on were
  // paused more often and fetched again (restore 1.04-1.49 times as fast with
  // two thirds, BENCHMARKS.md, eighteenth session; docs/kafka.md says why
  // the fetch size is not the reason on the embedded broker).
  const size_t partitions = std::max<size_t>(1, next_offsets_.size());
  return std::max<size_t>(16, options_.max_held_records * 2 / (3 * partitions));
}

void KafkaEventSource::Pause(int32_t partition) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), partition);
  // librdkafka drops what it has prefetched for the partition and fetches
  // again from the next offset on resume; the consumer's queue then yields
  // the partitions the watermark waits for.
  rd_kafka_resp_err_t err = rd_kafka_pause_partitions(consumer_.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) Log().warn("pause: {}", rd_kafka_err2str(err));
}

void KafkaEventSource::ResumeDrainedPartitions() {
  const size_t limit = HeldPerPartitionLimit();
  PartitionListPtr list(rd_kafka_topic_partition_list_new(4));
  for (auto it = paused_.begin(); it != paused_.end();) {
    auto queue = held_.find(*it);
    if (queue == held_.end() || queue->second.size() < limit / 2) {
      rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), *it);
      it = paused_.erase(it);
    } else {
      ++it;
    }
  }
  if (list->cnt == 0) return;
  rd_kafka_resp_err_t err = rd_kafka_resume_partitions(consumer_.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) Log().warn("resume: {}", rd_kafka_err2str(err));
}

core::Status KafkaEventSource::NextBatch(size_t max_records, runtime::SourceBatch* batch) {
  batch->Clear();
  records_messages_.clear();
  reaper_.Take(&messages_);
  filling_ = batch;
  if (options_.event_time_order) {
    core::Status merged = NextMergedBatch(max_records, batch);
    filling_ = nullptr;
    HOSO_RETURN_IF_ERROR(merged);
    return FinishBatch(batch);
  }
  int timeout_ms = options_.poll_timeout_ms;
  while (batch->records.size() < max_records && callback_status_.ok()) {
    rd_kafka_message_t* raw = rd_kafka_consumer_poll(consumer_.get(), timeout_ms);
    if (raw == nullptr) break;
    MessagePtr message(raw);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        Log().debug("consumer: {}", rd_kafka_message_errstr(message.get()));
      }
      continue;
    }
    broker_up_.store(true);
    timeout_ms = 0;  // take what is already fetched, do not wait for more
    batch->records.push_back(RecordOf(message.get()));
    records_messages_.push_back(message.get());
    messages_.push_back(std::move(message));
  }
  filling_ = nullptr;
  if (!callback_status_.ok()) return callback_status_;
  return FinishBatch(batch);
}

core::Status KafkaEventSource::FinishBatch(runtime::SourceBatch* batch) {
  batch->partition_changes = std::move(partition_changes_);
  partition_changes_.clear();
  // The next offset of each partition in the batch, indexed by partition:
  // a std::map here was a tree walk per record (0.7 % of the loop's thread
  // in a restore).
  std::vector<int32_t>& touched = batch_partitions_;
  touched.clear();
  for (const runtime::RawRecord& record : batch->records) {
    const auto p = static_cast<size_t>(record.partition);
    if (p >= batch_next_offsets_.size()) batch_next_offsets_.resize(p + 1, -1);
    int64_t& n = batch_next_offsets_[p];
    if (n < 0) touched.push_back(record.partition);
    n = std::max(n, record.offset + 1);
  }
  std::sort(touched.begin(), touched.end());
  for (const int32_t partition : touched) {
    const int64_t offset = std::exchange(batch_next_offsets_[static_cast<size_t>(partition)], -1);
    batch->positions.emplace_back(KafkaSourceId(options_.topic, partition), std::to_string(offset));
    next_offsets_[partition] = offset;
    auto restore = restores_.find(partition);
    if (restore != restores_.end() && offset >= restore->second.until) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - restore->second.started)
              .count();
      const int64_t records = restore->second.until - restore->second.from;
      Log().info("partition {} restored: {} records in {:.2f} s ({:.0f} records/s)", partition,
                 records, seconds, seconds > 0 ? static_cast<double>(records) / seconds : 0.0);
      restores_.erase(restore);
    }
  }
  return core::Status::Ok();
}

RestoreProgress KafkaEventSource::Restoring() const {
  RestoreProgress progress;
  for (const auto& [partition, restore] : restores_) {
    auto next = next_offsets_.find(partition);
    const int64_t at =
        next == next_offsets_.end() ? restore.from : std::max(next->second, restore.from);
    ++progress.partitions;
    progress.records_remaining += std::max<int64_t>(0, restore.until - at);
  }
  return progress;
}

void KafkaEventSource::SetInputComplete() {
  input_complete_ = true;
  for (const auto& [partition, next] : next_offsets_) {
    (void)next;
    int64_t low = -1;
    int64_t high = -1;
    if (rd_kafka_query_watermark_offsets(consumer_.get(), options_.topic.c_str(), partition, &low,
                                         &high, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      final_high_[partition] = high;
    }
  }
}

std::string_view KafkaEventSource::KeyOf(size_t index) const {
  if (index >= records_messages_.size() || records_messages_[index]->key == nullptr) return {};
  return std::string_view(static_cast<const char*>(records_messages_[index]->key),
                          records_messages_[index]->key_len);
}

int64_t KafkaEventSource::TimestampMsOf(size_t index) const {
  if (index >= records_messages_.size()) return -1;
  rd_kafka_timestamp_type_t type;
  return rd_kafka_message_timestamp(records_messages_[index], &type);
}

void KafkaEventSource::CommitAsync(
    const std::vector<std::pair<std::string, std::string>>& positions) {
  const std::string prefix = "kafka:" + options_.topic + "/";
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
  for (const auto& [source_id, position] : positions) {
    if (source_id.rfind(prefix, 0) != 0) continue;
    const int32_t partition = std::stoi(source_id.substr(prefix.size()));
    const int64_t offset = std::stoll(position);
    applied_offsets_[partition] = offset;
    rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), partition)->offset =
        offset;
  }
  if (list->cnt == 0 || closed_) return;
  rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), list.get(), 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log().debug("async commit: {}", rd_kafka_err2str(err));
  }
}

std::vector<std::pair<int32_t, int64_t>> KafkaEventSource::LagByPartition() {
  std::vector<std::pair<int32_t, int64_t>> lags;
  for (const auto& [partition, next] : next_offsets_) {
    int64_t low = -1;
    int64_t high = -1;
    if (rd_kafka_get_watermark_offsets(consumer_.get(), options_.topic.c_str(), partition, &low,
                                       &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;
    }
    lags.emplace_back(partition, std::max<int64_t>(0, high - std::max(next, low)));
  }
  return lags;
}

int64_t KafkaEventSource::Lag() {
  const auto lags = LagByPartition();
  if (lags.empty()) return -1;
  int64_t lag = 0;
  for (const auto& [partition, partition_lag] : lags) lag += partition_lag;
  return lag;
}

}  // namespace hoso::connectors::kafka
