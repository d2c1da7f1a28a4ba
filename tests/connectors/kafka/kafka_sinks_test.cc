// The hoso.kpi message value (docs/kafka.md): the hand-written text must be
// the JSON a consumer expects, whatever the ids hold: byte for byte what a
// JSON library writes for the same object, except that backspace and form
// feed are written as \u0008 and \u000c (the same value to any reader).
#include "connectors/kafka/kafka_sinks.h"

#include <gtest/gtest.h>

#include <climits>
#include <nlohmann/json.hpp>
#include <string>

#include "projections/memory_kv_store.h"

namespace hoso::connectors::kafka {
namespace {

std::string LibraryText(const projections::KpiKey& key, const core::KpiCounters& counters) {
  char period[16];
  std::snprintf(period, sizeof(period), "%04d-%02d", key.month_key / 100, key.month_key % 100);
  nlohmann::ordered_json json;
  json["period"] = period;
  json["agency_id"] = key.agency_id;
  json["procedure_id"] = key.procedure_id;
  json["partition"] = key.partition;
  for (int f = 0; f < core::kKpiFieldCount; ++f) {
    json[std::string(core::KpiFieldName(static_cast<core::KpiField>(f)))] = counters.values[f];
  }
  return json.dump();
}

TEST(KpiMessageValueTest, IsTheTextAJsonLibraryWritesForTheSameObject) {
  core::KpiCounters counters;
  for (int f = 0; f < core::kKpiFieldCount; ++f) counters.values[f] = f * 1000 - 7;
  counters.values[0] = INT64_MAX;
  counters.values[1] = INT64_MIN;
  for (const std::string& id :
       {std::string("phuong-bach-khoa"), std::string("Phường Bạch Mai"),
        std::string("quote\" back\\slash"), std::string("tab\tnew\nline\rcr"),
        std::string("ctl\x01\x1f end"), std::string()}) {
    projections::KpiKey key{201912, id, "ward-" + id, -3};
    EXPECT_EQ(KpiMessageValue(key, counters), LibraryText(key, counters)) << id;
    const nlohmann::json parsed = nlohmann::json::parse(KpiMessageValue(key, counters));
    EXPECT_EQ(parsed["agency_id"], id);
    EXPECT_EQ(parsed["period"], "2019-12");
  }
  projections::KpiKey key{202001, "bs\bff\f", "p", 0};
  EXPECT_EQ(nlohmann::json::parse(KpiMessageValue(key, counters)),
            nlohmann::json::parse(LibraryText(key, counters)));
}

// A memory store that counts the batches given back to it.
class RecyclingStore final : public projections::KvStore {
 public:
  core::Status Get(projections::Column column, std::string_view key, std::string* value) override {
    return inner_.Get(column, key, value);
  }
  std::unique_ptr<projections::KvBatch> NewBatch(size_t reserve_bytes) override {
    return inner_.NewBatch(reserve_bytes);
  }
  core::Status Write(projections::KvBatch& batch) override { return inner_.Write(batch); }
  void Recycle(std::unique_ptr<projections::KvBatch> batch) override {
    (void)batch;
    ++recycled;
  }
  std::unique_ptr<projections::KvIterator> NewIterator(projections::Column column) override {
    return inner_.NewIterator(column);
  }
  int recycled = 0;

 private:
  projections::MemoryKvStore inner_;
};

// The outbox's mark goes into a batch the store may have recycled from the
// engine's commits (a megabyte or more): it must give it back, or the
// engine's next commit allocates a new one.
TEST(AlertOutboxTest, MarkPublishedStoresTheMarkAndGivesItsBatchBack) {
  RecyclingStore store;
  AlertOutbox outbox(&store);
  ASSERT_TRUE(outbox.MarkPublished(7).ok());
  EXPECT_EQ(store.recycled, 1);
  uint64_t next_sequence = 0;
  auto unpublished = outbox.Unpublished(&next_sequence);
  ASSERT_TRUE(unpublished.ok()) << unpublished.status().ToString();
  EXPECT_TRUE(unpublished->empty());
  EXPECT_EQ(next_sequence, 7u);
}

}  // namespace
}  // namespace hoso::connectors::kafka
