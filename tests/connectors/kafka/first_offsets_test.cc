// ResolveFirstOffsets (connectors/kafka/first_offsets.h) on the embedded
// broker: a partition read from its beginning gets its log start offset, also
// when the broker has dropped its oldest records (the embedded broker keeps
// about 5 MiB a partition); any other offset is left alone; an unreachable
// cluster leaves the list unchanged and says so.
#include "connectors/kafka/first_offsets.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_handles.h"
#include "connectors/kafka/kafka_sinks.h"

namespace hoso::connectors::kafka {
namespace {

HandlePtr Consumer(const std::string& bootstraps) {
  auto conf = MakeConf({{"bootstrap.servers", bootstraps}, {"group.id", "first-offsets-test"}});
  EXPECT_TRUE(conf.ok()) << conf.status().ToString();
  if (!conf.ok()) return nullptr;
  auto handle = MakeHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  EXPECT_TRUE(handle.ok()) << handle.status().ToString();
  return handle.ok() ? std::move(*handle) : nullptr;
}

TEST(FirstOffsetsTest, ABeginningBecomesTheLogStartEvenAfterTheBrokerDroppedRecords) {
  EmbeddedBrokerOptions options;
  options.event_partitions = 2;
  auto broker = EmbeddedBroker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  auto producer = KafkaProducer::Create({{"bootstrap.servers", (*broker)->bootstraps()}});
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  // 8 MB under one key, so into one partition: more than the broker keeps.
  // Values the producer cannot compress (random letters).
  std::mt19937_64 random(42);
  std::string value(1000, ' ');
  for (int i = 0; i < 8000; ++i) {
    for (char& c : value) c = static_cast<char>('a' + random() % 26);
    ASSERT_TRUE((*producer)->Produce(kEventsTopic, "one-dossier", value).ok());
  }
  ASSERT_TRUE((*producer)->Flush(30000));

  HandlePtr consumer = Consumer((*broker)->bootstraps());
  ASSERT_NE(consumer, nullptr);
  int32_t full = -1;
  int64_t full_low = -1;
  for (int32_t p = 0; p < 2; ++p) {
    int64_t low = -1;
    int64_t high = -1;
    ASSERT_EQ(rd_kafka_query_watermark_offsets(consumer.get(), kEventsTopic, p, &low, &high, 10000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    if (high > 0) {
      full = p;
      full_low = low;
    }
  }
  ASSERT_GE(full, 0);
  ASSERT_GT(full_low, 0) << "the broker kept every record; the test needs it to drop some";
  const int32_t empty = 1 - full;

  PartitionListPtr list(rd_kafka_topic_partition_list_new(3));
  rd_kafka_topic_partition_list_add(list.get(), kEventsTopic, full)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_topic_partition_list_add(list.get(), kEventsTopic, empty)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_topic_partition_list_add(list.get(), kAlertsTopic, 0)->offset = 5;
  ASSERT_TRUE(ResolveFirstOffsets(consumer.get(), list.get(), 10000).ok());

  EXPECT_EQ(list->elems[0].offset, full_low);
  EXPECT_EQ(list->elems[1].offset, 0);
  EXPECT_EQ(list->elems[2].offset, 5);  // a stored position stays
  rd_kafka_consumer_close(consumer.get());
}

TEST(FirstOffsetsTest, NoClusterLeavesTheListAsItWasAndSaysSo) {
  // A port nothing listens on (the embedded broker's, after it stopped).
  std::string bootstraps;
  {
    auto broker = EmbeddedBroker::Start({});
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    bootstraps = (*broker)->bootstraps();
  }
  HandlePtr consumer = Consumer(bootstraps);
  ASSERT_NE(consumer, nullptr);
  PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), kEventsTopic, 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  const core::Status status = ResolveFirstOffsets(consumer.get(), list.get(), 300);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("first offsets of 1 partitions"), std::string::npos)
      << status.message();
  EXPECT_EQ(list->elems[0].offset, RD_KAFKA_OFFSET_BEGINNING);
  rd_kafka_consumer_close(consumer.get());
}

}  // namespace
}  // namespace hoso::connectors::kafka
