// The alerts' layout (docs/storage.md "Column families"): a batch's alerts
// round-trip through their compressed value, read in order from any
// sequence and one by one by sequence; a store of the earlier, uncompressed
// layout still reads; a damaged value is Corruption.
#include "projections/alert_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "projections/coding.h"
#include "projections/memory_kv_store.h"

namespace hoso::projections {
namespace {

struct Owned {
  uint64_t sequence;
  std::string dossier_id;
  core::AlertKind kind;
  int64_t due_at;
  std::string json;
  bool operator==(const Owned&) const = default;
};

// An alert as the engine writes one: the JSON repeats from one to the next.
Owned MakeAlert(uint64_t sequence) {
  const std::string dossier = "HBT-2019-D00-" + std::to_string(100000 + sequence);
  const auto kind = static_cast<core::AlertKind>(sequence % core::kAlertKindCount);
  return Owned{sequence, dossier, kind, int64_t{25'000'000} + static_cast<int64_t>(sequence),
               R"({"alert_id":")" + dossier + R"(|overdue","kind":"overdue","dossier_id":")" +
                   dossier +
                   R"(","agency_id":"hbt-bo-phan-mot-cua","due_at":"2019-01-03T17:00)"
                   R"(:00+07:00","message_en":"The appointment has passed"})"};
}

// Stores alerts [first, first + count) as one batch, as the engine does.
void StoreBatch(MemoryKvStore* store, AlertBatchWriter* writer, uint64_t first, uint64_t count,
                std::string spare = {}) {
  for (uint64_t s = first; s < first + count; ++s) {
    const Owned a = MakeAlert(s);
    writer->Add(a.dossier_id, a.kind, core::LocalMinute{a.due_at}, a.json);
  }
  const AlertBatch batch = writer->Take(std::move(spare));
  ASSERT_EQ(batch.count, count);
  EXPECT_EQ(writer->count(), 0u);
  std::string buffer;
  auto kv = store->NewBatch();
  kv->Put(Column::kAlerts, AlertsKey(first), EncodeAlertBatch(batch, &buffer));
  ASSERT_TRUE(store->Write(*kv).ok());
}

std::vector<Owned> ReadFrom(MemoryKvStore& store, uint64_t from) {
  std::vector<Owned> read;
  const core::Status s = ForEachAlert(store, from, [&](const StoredAlert& a) {
    read.push_back(
        {a.sequence, std::string(a.dossier_id), a.kind, a.due_at.value, std::string(a.json)});
    return core::Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return read;
}

std::vector<Owned> Expected(uint64_t from, uint64_t to) {
  std::vector<Owned> out;
  for (uint64_t s = from; s < to; ++s) out.push_back(MakeAlert(s));
  return out;
}

TEST(AlertLogTest, BatchesReadBackInOrderFromAnySequence) {
  MemoryKvStore store;
  AlertBatchWriter writer;
  StoreBatch(&store, &writer, 1, 300);
  StoreBatch(&store, &writer, 301, 1, std::string(1 << 20, 'x'));  // a spare with content
  StoreBatch(&store, &writer, 302, 50);
  EXPECT_EQ(ReadFrom(store, 0), Expected(1, 352));
  EXPECT_EQ(ReadFrom(store, 1), Expected(1, 352));
  EXPECT_EQ(ReadFrom(store, 150), Expected(150, 352));
  EXPECT_EQ(ReadFrom(store, 301), Expected(301, 352));
  EXPECT_EQ(ReadFrom(store, 351), Expected(351, 352));
  EXPECT_TRUE(ReadFrom(store, 352).empty());
}

TEST(AlertLogTest, AStoredBatchIsAFractionOfItsAlerts) {
  MemoryKvStore store;
  AlertBatchWriter writer;
  size_t json_bytes = 0;
  for (uint64_t s = 1; s <= 1000; ++s) json_bytes += MakeAlert(s).json.size();
  StoreBatch(&store, &writer, 1, 1000);
  const auto& table = store.table(Column::kAlerts);
  ASSERT_EQ(table.size(), 1u);
  EXPECT_LT(table.begin()->second.size(), json_bytes / 4);
}

TEST(AlertLogTest, TheReaderFindsEachAlertBySequence) {
  MemoryKvStore store;
  AlertBatchWriter writer;
  StoreBatch(&store, &writer, 1, 10);
  StoreBatch(&store, &writer, 11, 5);
  AlertJsonReader reader(store);
  std::string json;
  // Across batches, backwards and forwards.
  for (uint64_t s : {15, 1, 10, 11, 3, 12, 12}) {
    ASSERT_TRUE(reader.Read(s, &json).ok()) << s;
    EXPECT_EQ(json, MakeAlert(s).json);
  }
  EXPECT_TRUE(reader.Read(16, &json).code() == core::StatusCode::kNotFound);
  EXPECT_TRUE(reader.Read(0, &json).code() == core::StatusCode::kNotFound);
  MemoryKvStore empty;
  AlertJsonReader empty_reader(empty);
  EXPECT_TRUE(empty_reader.Read(1, &json).code() == core::StatusCode::kNotFound);
}

TEST(AlertLogTest, AStoreOfTheUncompressedLayoutStillReads) {
  MemoryKvStore store;
  for (uint64_t first : {1, 4}) {
    std::string value;
    PutVarint(&value, 3);
    for (uint64_t s = first; s < first + 3; ++s) {
      const Owned a = MakeAlert(s);
      PutString(&value, a.dossier_id);
      PutU8(&value, static_cast<uint8_t>(a.kind));
      PutI64(&value, a.due_at);
      PutString(&value, a.json);
    }
    auto kv = store.NewBatch();
    kv->Put(Column::kAlerts, AlertsKey(first), value);
    ASSERT_TRUE(store.Write(*kv).ok());
  }
  EXPECT_EQ(ReadFrom(store, 2), Expected(2, 7));
  AlertJsonReader reader(store);
  std::string json;
  ASSERT_TRUE(reader.Read(5, &json).ok());
  EXPECT_EQ(json, MakeAlert(5).json);
}

TEST(AlertLogTest, DamagedValuesAreCorruption) {
  MemoryKvStore source;
  AlertBatchWriter writer;
  StoreBatch(&source, &writer, 1, 20);
  const std::string good = source.table(Column::kAlerts).begin()->second;
  // The header: marker, count, size; then the block.
  Reader header(good);
  header.U8();
  header.Varint();
  const uint64_t size = header.Varint();
  const std::string block(header.Rest());
  auto with_size = [&](uint64_t declared) {
    std::string value = good.substr(0, 2);  // marker and count (20: one byte)
    PutVarint(&value, declared);
    return value + block;
  };
  ASSERT_EQ(with_size(size), good);
  for (const std::string& value :
       {good.substr(0, good.size() - 1), with_size(size + 1), with_size(size - 1),
        with_size(uint64_t{1} << 40), std::string(1, '\0')}) {
    MemoryKvStore store;
    auto kv = store.NewBatch();
    kv->Put(Column::kAlerts, AlertsKey(1), value);
    ASSERT_TRUE(store.Write(*kv).ok());
    const core::Status s =
        ForEachAlert(store, 1, [](const StoredAlert&) { return core::Status::Ok(); });
    EXPECT_TRUE(s.code() == core::StatusCode::kCorruption) << s.ToString();
    std::string json;
    AlertJsonReader reader(store);
    EXPECT_FALSE(reader.Read(1, &json).ok());
  }
}

}  // namespace
}  // namespace hoso::projections
