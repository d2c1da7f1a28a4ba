// DistrictView (docs/scale.md "District-wide answers") on the embedded
// broker: the latest value of every hoso.kpi key, whatever partition of the
// topic carries it; tombstones; records it cannot read are counted (a
// cell's value when a query first decodes it), not fatal; the owner of an input partition is its
// latest announcement. Waits poll a condition with a deadline; nothing sleeps blindly.
#include "connectors/kafka/district_view.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_sinks.h"

namespace hoso::connectors::kafka {
namespace {

using std::chrono::milliseconds;

bool WaitUntil(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

core::KpiCounters Received(int64_t received) {
  core::KpiCounters counters;
  counters[core::KpiField::kReceived] = received;
  return counters;
}

class DistrictViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedBrokerOptions options;
    options.event_partitions = 2;
    options.sink_partitions = 3;
    auto broker = EmbeddedBroker::Start(options);
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
    auto producer = KafkaProducer::Create({{"bootstrap.servers", broker_->bootstraps()}});
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    producer_ = std::move(*producer);
  }

  // A cell as serve publishes it (its key picks the topic's partition).
  void PublishCell(const projections::KpiKey& key, int64_t received) {
    ASSERT_TRUE(
        producer_->Produce(kKpiTopic, KpiMessageKey(key), KpiMessageValue(key, Received(received)))
            .ok());
    ASSERT_TRUE(producer_->Flush(10000));
  }

  std::unique_ptr<DistrictView> StartView() {
    DistrictViewOptions options;
    options.properties = {{"bootstrap.servers", broker_->bootstraps()}};
    options.metadata_refresh_ms = 200;
    auto view = DistrictView::Start(options);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return view.ok() ? std::move(*view) : nullptr;
  }

  std::unique_ptr<EmbeddedBroker> broker_;
  std::unique_ptr<KafkaProducer> producer_;
};

TEST_F(DistrictViewTest, HoldsTheLatestValueOfEveryCellOfEveryPartition) {
  const projections::KpiKey june_p0{201906, "phuong-bach-khoa", "ward-a", 0};
  const projections::KpiKey june_p5{201906, "phuong-bach-khoa", "ward-a", 5};
  const projections::KpiKey july{201907, "phuong-bach-mai", "ward-b", 1};
  PublishCell(june_p0, 3);
  PublishCell(june_p0, 4);  // a later value of the same key replaces it
  PublishCell(june_p5, 10);
  PublishCell(july, 7);
  auto view = StartView();
  ASSERT_TRUE(view);
  ASSERT_TRUE(view->WaitCaughtUp(std::chrono::seconds(30)));
  // Caught up means what was published before Start is there.
  const DistrictView::Cells june = view->CellsInMonths(201906, 201906);
  ASSERT_EQ(june.size(), 2u);
  EXPECT_EQ(june.at(june_p0)[core::KpiField::kReceived], 4);
  EXPECT_EQ(june.at(june_p5)[core::KpiField::kReceived], 10);
  EXPECT_EQ(view->CellsInMonths(201901, 201912).size(), 3u);
  EXPECT_TRUE(view->CellsInMonths(201908, 201912).empty());

  // Later records arrive while it runs; a tombstone removes its cell.
  PublishCell(july, 8);
  ASSERT_TRUE(producer_->Produce(kKpiTopic, KpiMessageKey(june_p5), {}).ok());
  ASSERT_TRUE(producer_->Flush(10000));
  EXPECT_TRUE(WaitUntil([&] {
    const auto cells = view->CellsInMonths(201906, 201907);
    return cells.size() == 2 && cells.count(july) && cells.at(july)[core::KpiField::kReceived] == 8;
  }));
  EXPECT_EQ(view->stats().bad_records, 0);
}

TEST_F(DistrictViewTest, CountsRecordsItCannotReadAndGoesOn) {
  ASSERT_TRUE(producer_->Produce(kKpiTopic, "2019-06|x|z|0", "not json").ok());
  ASSERT_TRUE(producer_
                  ->Produce(kKpiTopic, "k",
                            R"({"period":"2019-13","agency_id":"x",)"
                            R"("procedure_id":"y","partition":0})")
                  .ok());
  ASSERT_TRUE(producer_->Produce(kInstancesTopic, "a", R"({"instance":"a"})").ok());
  ASSERT_TRUE(producer_->Flush(10000));
  PublishCell({201906, "x", "y", 0}, 1);
  auto view = StartView();
  ASSERT_TRUE(view);
  ASSERT_TRUE(view->WaitCaughtUp(std::chrono::seconds(30)));
  // A key that names no cell, and an announcement without its fields, are
  // skipped as they are read; a cell's value when a query first needs it.
  EXPECT_EQ(view->stats().bad_records, 2);
  EXPECT_TRUE(view->Instances().empty());
  const DistrictView::Cells june = view->CellsInMonths(201906, 201906);
  ASSERT_EQ(june.size(), 1u);
  EXPECT_EQ(june.begin()->first.procedure_id, "y");
  EXPECT_EQ(view->stats().bad_records, 3);
  EXPECT_EQ(view->CellsInMonths(201906, 201906).size(), 1u);
  EXPECT_EQ(view->stats().bad_records, 3);  // counted once
}

TEST_F(DistrictViewTest, TheOwnerOfAPartitionIsItsLatestAnnouncement) {
  auto view = StartView();
  ASSERT_TRUE(view);
  ASSERT_TRUE(view->WaitCaughtUp(std::chrono::seconds(30)));
  EXPECT_FALSE(view->OwnerOf(3).has_value());
  // "a" owned 2 and 3 and died without a word; "b" restored 3 later.
  ASSERT_TRUE(view->Announce({"a", "http://a:8080", {2, 3}, 1000}).ok());
  ASSERT_TRUE(view->Announce({"b", "http://b:8080", {1, 3}, 2000}).ok());
  ASSERT_TRUE(WaitUntil([&] { return view->Instances().size() == 2; }));
  EXPECT_EQ(view->OwnerOf(3)->instance, "b");
  EXPECT_EQ(view->OwnerOf(2)->instance, "a");
  EXPECT_EQ(view->OwnerOf(2)->http_url, "http://a:8080");
  EXPECT_FALSE(view->OwnerOf(0).has_value());
  // "b" leaves cleanly: it announces nothing, and 1 has no owner.
  ASSERT_TRUE(view->Announce({"b", "http://b:8080", {}, 3000}).ok());
  EXPECT_TRUE(WaitUntil([&] { return !view->OwnerOf(1).has_value(); }));
  EXPECT_EQ(view->OwnerOf(3)->instance, "a");
}

TEST(InstanceRecordTest, RoundTripsAndRefusesIncompleteRecords) {
  const InstanceRecord record{"hoso-1", "http://[::1]:8080", {0, 4, 7}, 1733000000000};
  auto decoded = DecodeInstanceRecord(EncodeInstanceRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, record);
  EXPECT_FALSE(DecodeInstanceRecord(R"({"instance":"a","http":"","partitions":[1]})").ok());
  EXPECT_FALSE(DecodeInstanceRecord(R"([1,2])").ok());
}

TEST(KpiMessageValueDecodeTest, ReadsWhatServePublishes) {
  core::KpiCounters counters;
  for (int f = 0; f < core::kKpiFieldCount; ++f) counters.values[f] = f * 3 + 1;
  const projections::KpiKey key{202012, "phuong-bach-khoa", "ward-a", 11};
  auto decoded = DecodeKpiMessageValue(KpiMessageValue(key, counters));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->first, key);
  EXPECT_EQ(decoded->second, counters);
  // A value of a version before feedback counters: those are zero.
  auto older = DecodeKpiMessageValue(
      R"({"period":"2019-06","agency_id":"a","procedure_id":"p","partition":0,"received":5})");
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(older->second[core::KpiField::kReceived], 5);
  EXPECT_EQ(older->second[core::KpiField::kFeedbackReceived], 0);
  EXPECT_FALSE(DecodeKpiMessageValue(R"({"period":"2019-6","agency_id":"a","procedure_id":"p",)"
                                     R"("partition":0})")
                   .ok());
  EXPECT_FALSE(DecodeKpiMessageValue(R"({"period":"2019-06","agency_id":"a","procedure_id":"p",)"
                                     R"("partition":0,"received":"5"})")
                   .ok());
}

}  // namespace
}  // namespace hoso::connectors::kafka
