// EngineSinks on the embedded broker: commits published together
// (PublishedAll, when the pipeline's publishing thread fell behind) send
// every alert, and each changed KPI cell once, at its latest value; every
// message arrives with the bytes published, also when it had to be sent
// again after a failed delivery.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "connectors/kafka/district_view.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_handles.h"
#include "connectors/kafka/kafka_sinks.h"

namespace hoso::connectors::kafka {
namespace {

constexpr int kSinkPartitions = 3;

core::KpiCounters Received(int64_t received) {
  core::KpiCounters counters;
  counters[core::KpiField::kReceived] = received;
  return counters;
}

// Every record of `topic` (all of it is acknowledged: the sinks flushed),
// read from the beginning of each partition: key -> values in offset order
// per partition.
std::multimap<std::string, std::string> ReadTopic(const std::string& bootstrap,
                                                  const std::string& topic) {
  std::multimap<std::string, std::string> records;
  auto conf = MakeConf({{"bootstrap.servers", bootstrap}, {"group.id", "engine-sinks-test"}});
  EXPECT_TRUE(conf.ok());
  auto consumer = MakeHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  EXPECT_TRUE(consumer.ok());
  int64_t expected = 0;
  PartitionListPtr partitions(rd_kafka_topic_partition_list_new(kSinkPartitions));
  for (int p = 0; p < kSinkPartitions; ++p) {
    int64_t low = 0;
    int64_t high = 0;
    EXPECT_EQ(
        rd_kafka_query_watermark_offsets(consumer->get(), topic.c_str(), p, &low, &high, 10000),
        RD_KAFKA_RESP_ERR_NO_ERROR);
    expected += high - low;
    rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  EXPECT_EQ(rd_kafka_assign(consumer->get(), partitions.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (static_cast<int64_t>(records.size()) < expected &&
         std::chrono::steady_clock::now() < deadline) {
    MessagePtr message(rd_kafka_consumer_poll(consumer->get(), 100));
    if (message == nullptr || message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    records.emplace(std::string(static_cast<const char*>(message->key), message->key_len),
                    std::string(static_cast<const char*>(message->payload), message->len));
  }
  rd_kafka_consumer_close(consumer->get());
  return records;
}

// An embedded broker and EngineSinks writing to it.
class EngineSinksTest : public ::testing::Test {
 protected:
  // Starts both; `options` is completed with the broker's address.
  void Start(SinkOptions options) {
    EmbeddedBrokerOptions broker_options;
    broker_options.event_partitions = 2;
    broker_options.sink_partitions = kSinkPartitions;
    auto broker = EmbeddedBroker::Start(broker_options);
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
    options.properties["bootstrap.servers"] = broker_->bootstraps();
    auto sinks = EngineSinks::Create(options);
    ASSERT_TRUE(sinks.ok()) << sinks.status().ToString();
    sinks_ = std::move(*sinks);
  }

  std::unique_ptr<EmbeddedBroker> broker_;
  std::unique_ptr<EngineSinks> sinks_;  // declared last: flushes before the broker stops
};

TEST_F(EngineSinksTest, CommitsPublishedTogetherSendEachCellOnceAtItsLatestValue) {
  ASSERT_NO_FATAL_FAILURE(Start(SinkOptions()));

  const projections::KpiKey june{201906, "phuong-a", "P-1", 0};
  const projections::KpiKey july{201907, "phuong-a", "P-1", 0};
  runtime::Commit first;
  first.changed_kpi.push_back(projections::MakeKpiChange(june, Received(1)));
  first.changed_kpi.push_back(projections::MakeKpiChange(july, Received(5)));
  first.alerts.Add("HS-1", core::AlertKind::kDueSoon, core::LocalMinute{1}, R"({"alert_id":"a1"})");
  first.alerts.Add("HS-2", core::AlertKind::kDueSoon, core::LocalMinute{2}, R"({"alert_id":"a2"})");
  runtime::Commit second;
  second.changed_kpi.push_back(projections::MakeKpiChange(june, Received(2)));
  second.alerts.Add("HS-3", core::AlertKind::kDueSoon, core::LocalMinute{3},
                    R"({"alert_id":"a3"})");
  const runtime::Commit* const both[] = {&first, &second};
  ASSERT_TRUE(sinks_->PublishedAll(both).ok());

  const auto cells = ReadTopic(broker_->bootstraps(), kKpiTopic);
  ASSERT_EQ(cells.size(), 2u) << "June's first value was out of date when it would have gone";
  ASSERT_EQ(cells.count(KpiMessageKey(june)), 1u);
  auto june_value = DecodeKpiMessageValue(cells.find(KpiMessageKey(june))->second);
  ASSERT_TRUE(june_value.ok());
  EXPECT_EQ(june_value->second[core::KpiField::kReceived], 2);
  ASSERT_EQ(cells.count(KpiMessageKey(july)), 1u);

  const auto alerts = ReadTopic(broker_->bootstraps(), kAlertsTopic);
  std::set<std::string> alert_values;
  for (const auto& [key, value] : alerts) alert_values.insert(value);
  EXPECT_EQ(alert_values, (std::set<std::string>{R"({"alert_id":"a1"})", R"({"alert_id":"a2"})",
                                                 R"({"alert_id":"a3"})"}));
  EXPECT_EQ(alerts.size(), 3u);
}

// The producer borrows each pending message's key and value instead of
// copying them (KafkaProducer::ProduceBorrowed): thousands of messages, with
// short keys (held inside the string object, not on the heap), arrive with
// exactly the bytes published. (Pending messages that moved while librdkafka
// read them would be read after free: AddressSanitizer names that at once;
// without it, this test sees garbled bytes only when the memory was reused.)
TEST_F(EngineSinksTest, ManyMessagesArriveIntact) {
  ASSERT_NO_FATAL_FAILURE(Start(SinkOptions()));

  constexpr int kMessages = 3000;
  runtime::Commit commit;
  std::set<std::pair<std::string, std::string>> sent_alerts;
  for (int i = 0; i < kMessages; ++i) {
    const std::string dossier_id = "HS-" + std::to_string(i);  // short: kept in the object
    const std::string json = R"({"alert_id":"a)" + std::to_string(i) + R"("})";
    commit.alerts.Add(dossier_id, core::AlertKind::kDueSoon, core::LocalMinute{i}, json);
    sent_alerts.emplace(dossier_id, json);
    const projections::KpiKey cell{201901 + (i % 12), "phuong-" + std::to_string(i / 12), "P-1", 0};
    commit.changed_kpi.push_back(projections::MakeKpiChange(cell, Received(i)));
  }
  ASSERT_TRUE(sinks_->Published(commit).ok());

  const auto alerts = ReadTopic(broker_->bootstraps(), kAlertsTopic);
  const std::set<std::pair<std::string, std::string>> received_alerts(alerts.begin(), alerts.end());
  EXPECT_EQ(alerts.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(received_alerts, sent_alerts);
  const auto cells = ReadTopic(broker_->bootstraps(), kKpiTopic);
  ASSERT_EQ(cells.size(), static_cast<size_t>(kMessages));
  for (const projections::KpiChange& change : commit.changed_kpi) {
    auto it = cells.find(KpiMessageKey(change.key()));
    ASSERT_NE(it, cells.end()) << KpiMessageKey(change.key());
    EXPECT_EQ(it->second, KpiMessageValue(change.key(), change.counters));
  }
}

// The outputs are compressed (LZ4) unless the user chose otherwise, and the
// user's choice is what the producer uses. (The messages of the other tests
// travel compressed and arrive byte-exact.)
TEST_F(EngineSinksTest, CompressLz4UnlessConfiguredOtherwise) {
  ASSERT_NO_FATAL_FAILURE(Start(SinkOptions()));
  EXPECT_EQ(sinks_->OutputsProperty("compression.type"), "lz4");
  sinks_.reset();
  broker_.reset();

  SinkOptions options;
  options.properties = {{"compression.type", "none"}};
  ASSERT_NO_FATAL_FAILURE(Start(options));
  EXPECT_EQ(sinks_->OutputsProperty("compression.type"), "none");
  runtime::Commit commit;
  const projections::KpiKey june{201906, "phuong-a", "P-1", 0};
  commit.changed_kpi.push_back(projections::MakeKpiChange(june, Received(3)));
  ASSERT_TRUE(sinks_->Published(commit).ok());
  const auto cells = ReadTopic(broker_->bootstraps(), kKpiTopic);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells.begin()->second, KpiMessageValue(june, Received(3)));
}

// Deliveries that fail (here: the broker refuses produce requests until the
// messages time out) are sent again from the pending copies until the
// broker takes them; what arrives is exactly what was published.
TEST_F(EngineSinksTest, MessagesWhoseDeliveryFailedAreSentAgainIntact) {
  SinkOptions options;
  options.properties = {{"message.timeout.ms", "200"}, {"retry.backoff.ms", "50"}};
  options.max_backoff_ms = 200;
  ASSERT_NO_FATAL_FAILURE(Start(options));

  // Enough refusals to outlast a message's 200 ms at one retry every 50 ms.
  std::vector<rd_kafka_resp_err_t> refusals(24, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  constexpr int16_t kProduceApiKey = 0;  // the Kafka protocol's ProduceRequest
  rd_kafka_mock_push_request_errors_array(broker_->mock_cluster(), kProduceApiKey, refusals.size(),
                                          refusals.data());

  runtime::Commit commit;
  for (int i = 0; i < 40; ++i) {
    commit.alerts.Add("HS-" + std::to_string(i), core::AlertKind::kDueSoon, core::LocalMinute{i},
                      R"({"alert_id":"a)" + std::to_string(i) + R"("})");
  }
  const projections::KpiKey june{201906, "phuong-a", "P-1", 0};
  commit.changed_kpi.push_back(projections::MakeKpiChange(june, Received(7)));
  ASSERT_TRUE(sinks_->Published(commit).ok());
  EXPECT_GT(sinks_->resent(), 0) << "no delivery failed: the test did not test the resend";

  const auto alerts = ReadTopic(broker_->bootstraps(), kAlertsTopic);
  std::set<std::string> keys;
  for (const auto& [key, value] : alerts) {
    keys.insert(key);
    EXPECT_EQ(value, R"({"alert_id":"a)" + key.substr(3) + R"("})");
  }
  EXPECT_EQ(keys.size(), 40u);
  const auto cells = ReadTopic(broker_->bootstraps(), kKpiTopic);
  ASSERT_GE(cells.count(KpiMessageKey(june)), 1u);
  for (auto [it, end] = cells.equal_range(KpiMessageKey(june)); it != end; ++it) {
    EXPECT_EQ(it->second, KpiMessageValue(june, Received(7)));
  }
}

}  // namespace
}  // namespace hoso::connectors::kafka
