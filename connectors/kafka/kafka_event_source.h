// KafkaEventSource: the EventSource over a librdkafka consumer group
// (docs/kafka.md "Exactly-once effect").
//
// Source ids are "kafka:<topic>/<partition>"; a position is the next offset
// to read (decimal text). RocksDB is the truth for positions: the engine
// stores them in the same atomic batch as the projections, and when the
// group assigns a partition the consumer starts at the position the
// PositionLookup returns. With none stored, a group member restores the
// partition from its first record (docs/scale.md "Restore"); a direct
// assignment starts at the group's committed offset, else auto.offset.reset.
// Offsets committed to Kafka (CommitAsync, after each engine batch, and on
// revoke) tell lag tools and a partition's next owner where a restore ends:
// every assignment is handed to the engine (SourceBatch::partition_changes)
// with the committed offset as its restore_until when the consumer starts
// below it.
//
// Rebalances: callbacks run inside NextBatch on the caller's thread, because
// the consumer is only ever polled there. A revoke first drains the commits
// in flight (SetDrain: they become durable and are reported through
// Committed), drops the not-yet-applied records of the revoked partitions
// from the batch being filled, and commits the last stored offsets
// synchronously, so the partition's next owner starts exactly after what
// this instance stored: nothing is applied twice across instances.
//
// Thread-safety: one thread owns a source (it must also call CommitAsync).
#ifndef HOSO_CONNECTORS_KAFKA_KAFKA_EVENT_SOURCE_H_
#define HOSO_CONNECTORS_KAFKA_KAFKA_EVENT_SOURCE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "connectors/kafka/kafka_handles.h"
#include "connectors/kafka/merge_defaults.h"
#include "connectors/kafka/message_reaper.h"
#include "connectors/kafka/topic_retention.h"
#include "engine/runtime/event_source.h"

namespace hoso::connectors::kafka {

// The consumer's prefetch unless the properties say otherwise
// (queued.min.messages, queued.max.messages.kbytes): more than a second of
// the engine's input, because librdkafka 2.0.2 stops fetching for a whole
// second once its queue holds either (docs/kafka.md "Prefetch").
inline constexpr int kPrefetchRecords = 400000;
inline constexpr int kPrefetchKiB = 128 * 1024;

struct KafkaSourceOptions {
  // librdkafka consumer properties, verbatim; must hold bootstrap.servers and
  // group.id. enable.auto.commit and enable.auto.offset.store are forced to
  // false; queued.min.messages and queued.max.messages.kbytes default to
  // kPrefetchRecords and kPrefetchKiB. Default: none.
  Properties properties;
  // The input topic. Default: "hoso.dossier-events".
  std::string topic = "hoso.dossier-events";
  // Longest wait for the first record of a batch, in ms. Default: 100.
  int poll_timeout_ms = 100;
  // Subscribe as a group member (true) or assign every partition of the topic
  // directly (false: no group protocol, no rebalance; benchmarks). Default: true.
  bool subscribe = true;
  // Hand records to the engine in non-decreasing occurred_at order across
  // partitions (a watermark merge), for an event-time engine clock: a record
  // is held until every assigned partition that has not reached its high
  // watermark has shown an event at least as late. Assumes each partition is
  // in time order and that producers write in time order (a partition that is
  // caught up receives no older event later). Default: false.
  bool event_time_order = false;
  // A partition that has received nothing for this long, in ms (counted from
  // its assignment when it never received one), and has been read up to its
  // high watermark stops holding the merge back (what it holds still goes
  // out in time order): an idle partition never stalls the others. This
  // bounds how long a record waits in the merge for a silent partition; the
  // price is that a record arriving later on a partition that went idle may
  // be older than records already released (it is applied as a late
  // delivery, docs/decisions.md). A restoring partition that has received
  // its last record to restore and is read up to its high watermark is idle
  // at once, without the wait. A negative value disables all of it and only
  // SetInputComplete() releases the tail (finite inputs: demo, benchmark).
  // Default: 500.
  int idle_partition_ms = kDefaultIdlePartitionMs;
  // Most records held back by the merge. A partition holding more than its
  // share (2/3 × max_held_records / assigned partitions, at least 16) is
  // paused until half of it has gone out, so that a backlog spread over many
  // partitions is read evenly instead of one prefetched partition after
  // another. Beyond the bound the oldest records are released out of order,
  // a batch at a time (backpressure on memory). Default: 400000
  // (docs/kafka.md: restore speed against memory).
  size_t max_held_records = kDefaultMergeMaxHeldRecords;
  // Longest wait for the group's committed offsets at an assignment, in ms.
  // Default: 10000.
  int committed_timeout_ms = 10000;
};

// Partitions restoring (their consumer position below the group's committed
// offset at assignment) and the records they still have to read.
struct RestoreProgress {
  int partitions = 0;
  int64_t records_remaining = 0;
};

// The source id of a partition: "kafka:<topic>/<partition>".
std::string KafkaSourceId(const std::string& topic, int32_t partition);

class KafkaEventSource final : public runtime::EventSource {
 public:
  // Creates the consumer. InvalidArgument for a property librdkafka refuses.
  static core::Result<std::unique_ptr<KafkaEventSource>> Create(KafkaSourceOptions options);
  // Closes the consumer (leaving the group) and then destroys it.
  ~KafkaEventSource() override;
  KafkaEventSource(const KafkaEventSource&) = delete;
  // (See KafkaSourceOptions::event_time_order for the merge.)
  KafkaEventSource& operator=(const KafkaEventSource&) = delete;

  // Subscribes; `lookup` must outlive the source (it is called on every
  // assignment).
  core::Status Start(const runtime::PositionLookup& lookup) override;
  // Up to `max_records` records: waits poll_timeout_ms for the first, then
  // takes what is already fetched. Record bytes stay valid until the next
  // call. Fails only on a fatal consumer error; transport errors are retried
  // by librdkafka and reported through broker_up().
  core::Status NextBatch(size_t max_records, runtime::SourceBatch* batch) override;
  std::string Describe() const override { return "kafka topic " + options_.topic; }
  // The engine stored these positions: committed to the group (CommitAsync).
  void Committed(const runtime::Positions& positions) override { CommitAsync(positions); }
  // Called at the start of a revoke, before the offsets of what the engine
  // stored are committed for the next owner.
  void SetDrain(std::function<void()> drain) override { drain_ = std::move(drain); }

  // Tells the merge that nothing more will be produced (the demo's producer
  // finished): fresh high watermarks are queried once (blocking, up to 5 s
  // per partition) and a partition read up to them no longer holds it back.
  void SetInputComplete();
  // Records in the last batch (what KeyOf/TimestampMsOf index), valid until
  // the next NextBatch call.
  size_t last_batch_records() const { return records_messages_.size(); }
  // The key of record `index` of the last batch (empty when none).
  std::string_view KeyOf(size_t index) const;
  // The producer's CreateTime of record `index` of the last batch, in ms
  // since the epoch (-1 when absent).
  int64_t TimestampMsOf(size_t index) const;
  // Commits `positions` (as returned by the last batch, after the engine
  // stored them) to the group, asynchronously; for lag tools only.
  void CommitAsync(const std::vector<std::pair<std::string, std::string>>& positions);
  // Sum over assigned partitions of (high watermark - next position), from
  // the consumer's last fetch statistics; -1 when unknown.
  int64_t Lag();
  // The same per assigned partition whose watermarks are known, in partition
  // order. On the polling thread only.
  std::vector<std::pair<int32_t, int64_t>> LagByPartition();
  // False after librdkafka reported all brokers down, true again once a
  // message or assignment arrives.
  bool broker_up() const { return broker_up_.load(); }
  // Partitions currently assigned to this instance.
  int assigned_partitions() const { return static_cast<int>(next_offsets_.size()); }
  int64_t rebalances() const { return rebalances_; }
  // The restores under way. On the polling thread only.
  RestoreProgress Restoring() const;
  // The input topic's retention (topic_retention.h), asked through the
  // consumer; blocks up to `timeout_ms`.
  core::Result<TopicRetention> InputRetention(int timeout_ms) {
    return ReadTopicRetention(consumer_.get(), options_.topic, timeout_ms);
  }

 private:
  explicit KafkaEventSource(KafkaSourceOptions options);
  static void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void OnAssign(rd_kafka_topic_partition_list_t* partitions);
  void OnRevoke(rd_kafka_topic_partition_list_t* partitions);
  core::Status NextMergedBatch(size_t max_records, runtime::SourceBatch* batch);
  bool CaughtUp(int32_t partition);
  // Restoring, and every record up to the restore's end received (the
  // merge may still hold some).
  bool RestoreReceived(int32_t partition) const;
  size_t HeldPerPartitionLimit() const;
  void Pause(int32_t partition);
  void ResumeDrainedPartitions();
  core::Status FinishBatch(runtime::SourceBatch* batch);

  // A record held by the merge, with what the engine reads of its message
  // copied at poll time: the merge hands it over long after, and reading
  // the message struct then was a cache miss per record (4 % of the loop's
  // thread).
  struct Held {
    MessagePtr message;
    int64_t time_ms = 0;
    int64_t offset = 0;
    const char* payload = nullptr;
    const char* key = nullptr;
    uint32_t payload_bytes = 0;
    uint32_t key_bytes = 0;
  };
  void Emit(Held&& held, int32_t partition, runtime::SourceBatch* batch);
  // The records of one partition held by the merge, in offset order. A
  // partition is ordered by the time of its front record, except that one
  // record dated out of order with its neighbours (typically a bad record
  // that will be rejected, or one without a readable occurred_at) is judged
  // by its neighbour's time: a front record dated later than the next one,
  // while the next one continues the partition's course, goes out when the
  // next one would, instead of holding it back.
  struct HeldQueue {
    int32_t partition = 0;
    std::deque<Held> records;
    int64_t last_released_ms = INT64_MIN;  // the last known time handed over
    bool empty() const { return records.empty(); }
    size_t size() const { return records.size(); }
    int64_t key_ms() const;  // REQUIRES: !empty()
  };
  std::map<int32_t, HeldQueue> held_;        // merge: per partition
  std::map<int32_t, int64_t> seen_time_ms_;  // merge: latest confirmed occurred_at received
  std::map<int32_t, int64_t> last_time_ms_;  // merge: occurred_at of the last record received
  // merge: when a high watermark was last asked of the broker, and the answer
  std::map<int32_t, std::pair<std::chrono::steady_clock::time_point, int64_t>> high_queried_at_;
  std::map<int32_t, int64_t> received_next_;  // merge: last received offset + 1
  std::map<int32_t, std::chrono::steady_clock::time_point> last_received_;  // merge
  // The merge's entries of one partition, found once per poll loop instead
  // of five tree walks per record (NextMergedBatch's loop resets them, and
  // so does a revoke, which erases entries; map nodes stay put otherwise).
  struct PollSlots {
    int64_t* received_next = nullptr;
    int64_t* seen_time_ms = nullptr;
    int64_t* last_time_ms = nullptr;
    std::chrono::steady_clock::time_point* last_received = nullptr;
    HeldQueue* queue = nullptr;
  };
  PollSlots& PollSlotsOf(int32_t partition);
  void ForgetPollSlots();
  std::vector<PollSlots> poll_slots_;  // by partition
  size_t held_count_ = 0;
  std::set<int32_t> paused_;       // merge: paused because they hold their share
  int64_t released_over_cap_ = 0;  // merge: batches released at the bound
  bool release_pending_ = false;   // merge: the last batch stopped only because it was full
  bool input_complete_ = false;
  std::map<int32_t, int64_t> final_high_;  // merge: high watermarks after SetInputComplete

  KafkaSourceOptions options_;
  HandlePtr consumer_;
  runtime::PositionLookup lookup_;
  std::function<void()> drain_;
  // Destroys each batch's messages once the next is asked for; the
  // destructor drains it before the consumer closes.
  MessageReaper reaper_;
  std::vector<MessagePtr> messages_;                   // of the batch in hand
  std::vector<rd_kafka_message_t*> records_messages_;  // parallel to batch->records
  runtime::SourceBatch* filling_ = nullptr;            // the batch NextBatch is filling
  // FinishBatch's scratch: next offset per partition (-1 between batches),
  // and the partitions the batch holds.
  std::vector<int64_t> batch_next_offsets_;
  std::vector<int32_t> batch_partitions_;
  std::map<int32_t, int64_t> next_offsets_;     // assigned partition -> next offset handed out
  std::map<int32_t, int64_t> applied_offsets_;  // partition -> next offset the engine stored
  core::Status callback_status_;                // a failure inside a librdkafka callback
  // Ownership changes not yet handed over (with the next batch).
  std::vector<runtime::PartitionChange> partition_changes_;
  struct Restore {
    int64_t from = 0;   // the offset the restore started at
    int64_t until = 0;  // the group's committed offset at assignment
    std::chrono::steady_clock::time_point started;
  };
  std::map<int32_t, Restore> restores_;  // partitions restoring

  std::atomic<bool> broker_up_{true};
  int64_t rebalances_ = 0;
  bool closed_ = false;
};

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_KAFKA_EVENT_SOURCE_H_
