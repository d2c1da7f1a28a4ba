// KafkaEventSource's event-time merge (docs/kafka.md "Event-time order") on
// the embedded broker: every record comes out once, in non-decreasing
// occurred_at order across partitions, and records the merge already holds
// go out without waiting for more input. A consumer hands each partition's
// prefetched records over as a block, so the merge usually holds several
// batches' worth when the last partition shows up; it used to wait a whole
// poll timeout before each of those batches (about 1 s per 100,000 records
// at the end of every backlog and restore).
#include "connectors/kafka/kafka_event_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_sinks.h"
#include "engine/core/instant.h"

namespace hoso::connectors::kafka {
namespace {

constexpr int kRecords = 800;

// A record as the merge reads it: only occurred_at matters here.
std::string RecordAtMinute(int minute) {
  char text[96];
  std::snprintf(text, sizeof(text), R"({"occurred_at":"2019-03-04T%02d:%02d:00+07:00"})",
                8 + minute / 60, minute % 60);
  return text;
}

// An embedded broker whose input topic has `partitions` partitions and
// kRecords records, one a minute. Keys spread them over the partitions; each
// partition gets its records in time order, as producers write them.
core::Result<std::unique_ptr<EmbeddedBroker>> BrokerWithRecords(int partitions) {
  EmbeddedBrokerOptions broker_options;
  broker_options.event_partitions = partitions;
  auto broker = EmbeddedBroker::Start(broker_options);
  if (!broker.ok()) return broker.status();
  auto producer = KafkaProducer::Create({{"bootstrap.servers", (*broker)->bootstraps()}});
  if (!producer.ok()) return producer.status();
  for (int i = 0; i < kRecords; ++i) {
    core::Status produced =
        (*producer)->Produce(kEventsTopic, "dossier-" + std::to_string(i), RecordAtMinute(i));
    if (!produced.ok()) return produced;
  }
  if (!(*producer)->Flush(30000)) return core::Status::Unavailable("records not flushed in 30 s");
  return broker;
}

TEST(KafkaEventSourceMergeTest, HeldRecordsGoOutInTimeOrderWithoutWaitingForMoreInput) {
  auto broker = BrokerWithRecords(8);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();

  KafkaSourceOptions options;
  options.properties = {{"bootstrap.servers", (*broker)->bootstraps()}};
  options.subscribe = false;
  options.event_time_order = true;
  options.idle_partition_ms = -1;  // only the input's end releases the tail
  // Far longer than the whole test should take: one needless wait shows.
  options.poll_timeout_ms = 60000;
  auto source = KafkaEventSource::Create(options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_TRUE((*source)
                  ->Start([](std::string_view) -> core::Result<std::optional<std::string>> {
                    return std::optional<std::string>();
                  })
                  .ok());
  (*source)->SetInputComplete();

  const auto started = std::chrono::steady_clock::now();
  std::set<std::pair<int32_t, int64_t>> seen;
  int64_t last_ms = INT64_MIN;
  runtime::SourceBatch batch;
  while (seen.size() < static_cast<size_t>(kRecords)) {
    ASSERT_TRUE((*source)->NextBatch(50, &batch).ok());
    ASSERT_LE(batch.records.size(), 50u);
    for (const runtime::RawRecord& record : batch.records) {
      EXPECT_TRUE(seen.emplace(record.partition, record.offset).second)
          << "partition " << record.partition << " offset " << record.offset << " twice";
      const size_t at = record.bytes.find("2019");
      ASSERT_NE(at, std::string_view::npos);
      auto instant = core::ParseRfc3339(record.bytes.substr(at, 25));
      ASSERT_TRUE(instant.ok());
      EXPECT_LE(last_ms, instant->epoch_ms) << "out of time order: " << record.bytes;
      last_ms = instant->epoch_ms;
    }
    ASSERT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30))
        << seen.size() << " of " << kRecords
        << " records out: a call waited for input while the merge held records";
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRecords));
}

// A partition new to a group member restores up to the group's committed
// offset (docs/scale.md). Its last record to restore is confirmed by no later
// one, so the merge used to hold it until the partition had been silent for
// idle_partition_ms: a restore ended up to that much late. A restoring
// partition that has received its last record and is read up to its high
// watermark no longer holds the merge back. Here idle_partition_ms is far
// longer than the test may take, so only that release can end the restore.
TEST(KafkaEventSourceMergeTest, ARestoreEndsWithoutWaitingForItsPartitionsToGoIdle) {
  auto broker = BrokerWithRecords(4);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  KafkaSourceOptions options;
  // The embedded broker's group settings (docs/kafka.md).
  options.properties = {{"bootstrap.servers", (*broker)->bootstraps()},
                        {"group.id", "restore-end"},
                        {"session.timeout.ms", "6000"},
                        {"heartbeat.interval.ms", "500"},
                        {"fetch.wait.max.ms", "10"}};
  auto nothing_stored = [](std::string_view) -> core::Result<std::optional<std::string>> {
    return std::optional<std::string>();
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  // The previous owner: reads everything and commits it, as serve does once
  // its engine stored it; leaving the group commits the offsets for good.
  {
    auto owner = KafkaEventSource::Create(options);
    ASSERT_TRUE(owner.ok()) << owner.status().ToString();
    ASSERT_TRUE((*owner)->Start(nothing_stored).ok());
    size_t read = 0;
    runtime::SourceBatch batch;
    while (read < static_cast<size_t>(kRecords)) {
      ASSERT_TRUE((*owner)->NextBatch(500, &batch).ok());
      read += batch.records.size();
      (*owner)->Committed(batch.positions);
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << read << " records read";
    }
  }
  // The new owner, with nothing stored: restores every partition from its
  // first record, through the merge.
  options.event_time_order = true;
  options.idle_partition_ms = 60000;
  auto source = KafkaEventSource::Create(options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_TRUE((*source)->Start(nothing_stored).ok());
  std::set<std::pair<int32_t, int64_t>> seen;
  bool restoring_seen = false;
  runtime::SourceBatch batch;
  while (seen.size() < static_cast<size_t>(kRecords)) {
    ASSERT_TRUE((*source)->NextBatch(200, &batch).ok());
    for (const runtime::RawRecord& record : batch.records) {
      EXPECT_TRUE(seen.emplace(record.partition, record.offset).second);
    }
    restoring_seen = restoring_seen || (*source)->Restoring().partitions > 0;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << seen.size() << " of " << kRecords
        << " records out: the merge held the restore's last records for idle_partition_ms";
  }
  EXPECT_TRUE(restoring_seen) << "the partitions were not restored (no committed offsets?)";
  EXPECT_EQ((*source)->Restoring().partitions, 0);
}

// A stored position that is not an offset (a damaged database) is an
// error naming the partition, returned by Start, not an exception thrown
// inside librdkafka's callback.
TEST(KafkaEventSourceTest, AStoredPositionThatIsNotAnOffsetIsAnError) {
  EmbeddedBrokerOptions broker_options;
  broker_options.event_partitions = 2;
  auto broker = EmbeddedBroker::Start(broker_options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  KafkaSourceOptions options;
  options.properties = {{"bootstrap.servers", (*broker)->bootstraps()}};
  options.subscribe = false;
  auto source = KafkaEventSource::Create(options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const std::string damaged = KafkaSourceId(kEventsTopic, 1);
  core::Status started =
      (*source)->Start([&](std::string_view id) -> core::Result<std::optional<std::string>> {
        if (id == damaged) return std::optional<std::string>("12x");
        return std::optional<std::string>("0");
      });
  EXPECT_EQ(started.code(), core::StatusCode::kCorruption) << started.ToString();
  EXPECT_NE(started.ToString().find(damaged), std::string::npos) << started.ToString();
}

}  // namespace
}  // namespace hoso::connectors::kafka
