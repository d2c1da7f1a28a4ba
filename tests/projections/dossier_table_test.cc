// DossierTable against a std::map model: inserts, erases (tombstones, slot
// reuse), rehashes and arena compaction keep every lookup right, and the
// prefetch hints never change an answer.
#include "projections/dossier_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "projections/event_log.h"

namespace hoso::projections {
namespace {

// Appended, not `"lit" + std::string`: GCC 12 warns falsely on that (-Wrestrict).
std::string Id(std::string_view prefix, uint64_t number) {
  std::string id(prefix);
  id += std::to_string(number);
  return id;
}

TEST(DossierTableTest, LookupsMatchAModelThroughErasesAndRehashes) {
  DossierTable table;
  std::map<std::string, uint32_t> model;
  std::mt19937_64 random(7);
  for (int step = 0; step < 200000; ++step) {
    const std::string id = Id("HS-", random() % 20000);
    const uint32_t hash = DossierTable::Hash(id);
    // The engine hashes an id once, by its fingerprint, and passes the hash.
    ASSERT_EQ(hash, DossierTable::HashOfFingerprint(Fingerprint(id))) << id;
    const bool pass_hash = step % 2 == 0;
    table.PrefetchBucket(hash);
    const bool maybe_present = table.PrefetchSlot(hash);
    const uint32_t found = pass_hash ? table.Find(id, hash) : table.Find(id);
    auto expected = model.find(id);
    if (expected == model.end()) {
      ASSERT_EQ(found, DossierTable::kNone) << id;
      const uint32_t handle = pass_hash ? table.Insert(id, hash) : table.Insert(id);
      table.state(handle).event_count = static_cast<uint32_t>(step);
      model[id] = handle;
    } else {
      ASSERT_TRUE(maybe_present) << id;  // a present id is never reported absent
      ASSERT_EQ(found, expected->second) << id;
      ASSERT_EQ(table.id(found), id);
      if (random() % 3 == 0) {
        table.PrefetchHandle(found);
        table.PrefetchErase(found);
        table.Erase(found);
        model.erase(expected);
      }
    }
  }
  EXPECT_EQ(table.size(), model.size());
  for (const auto& [id, handle] : model) {
    EXPECT_EQ(table.Find(id), handle);
    EXPECT_TRUE(table.live(handle));
  }
}

TEST(DossierTableTest, IdsWithTheSameHashStayApart) {
  // Two ids whose 32-bit hashes collide (found by search: about one pair in
  // 100,000 ids), so that a bucket's hash matches an id it does not hold.
  std::map<uint32_t, std::string> by_hash;
  std::string first;
  std::string second;
  for (uint64_t i = 0; i < 1000000 && first.empty(); ++i) {
    std::string id = Id("HS-", i);
    auto [it, inserted] = by_hash.emplace(DossierTable::Hash(id), id);
    if (!inserted) {
      first = it->second;
      second = std::move(id);
    }
  }
  ASSERT_FALSE(first.empty());
  DossierTable table;
  const uint32_t first_handle = table.Insert(first);
  EXPECT_EQ(table.Find(second), DossierTable::kNone);
  EXPECT_TRUE(table.PrefetchSlot(DossierTable::Hash(second)));  // only a hint: maybe
  const uint32_t second_handle = table.Insert(second);
  EXPECT_NE(first_handle, second_handle);
  EXPECT_EQ(table.Find(first), first_handle);
  EXPECT_EQ(table.Find(second), second_handle);
  table.Erase(first_handle);
  EXPECT_EQ(table.Find(first), DossierTable::kNone);
  EXPECT_EQ(table.Find(second), second_handle);
}

}  // namespace
}  // namespace hoso::projections
