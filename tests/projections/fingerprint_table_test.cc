// FingerprintTable (projections/fingerprint_table.h): every entry is found
// under its fingerprint, and only there, after any number of doublings and
// after a Reserve; entries that share a fingerprint are all kept.
#include "projections/fingerprint_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace hoso::projections {
namespace {

// Distinct, well-spread fingerprints (splitmix64 of i).
uint64_t FingerprintOf(uint64_t i) {
  uint64_t z = i + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<uint64_t> ValuesOf(const FingerprintTable& table, uint64_t fingerprint) {
  std::vector<uint64_t> values;
  table.ForEach(fingerprint, [&](uint64_t value) {
    values.push_back(value);
    return true;
  });
  return values;
}

// 600,000 entries double the table from 1,024 slots to 2^21 (32 MB, in
// huge pages: PopulatedAllocator).
TEST(FingerprintTableTest, EveryEntryIsFoundAfterEachDoubling) {
  constexpr uint64_t kEntries = 600'000;
  FingerprintTable table;
  for (uint64_t i = 0; i < kEntries; ++i) table.Insert(FingerprintOf(i), i);
  ASSERT_EQ(table.size(), kEntries);
  uint64_t wrong = 0;
  for (uint64_t i = 0; i < kEntries; ++i) {
    wrong += ValuesOf(table, FingerprintOf(i)) != std::vector<uint64_t>{i};
  }
  EXPECT_EQ(wrong, 0u);
  uint64_t found_absent = 0;
  for (uint64_t i = kEntries; i < kEntries + 100'000; ++i) {
    found_absent += table.Contains(FingerprintOf(i));
  }
  EXPECT_EQ(found_absent, 0u);
}

TEST(FingerprintTableTest, EqualFingerprintsKeepEveryValue) {
  FingerprintTable table;
  for (uint64_t i = 0; i < 200'000; ++i) table.Insert(FingerprintOf(i % 1000), i);
  const std::vector<uint64_t> values = ValuesOf(table, FingerprintOf(7));
  ASSERT_EQ(values.size(), 200u);
  for (uint64_t value : values) EXPECT_EQ(value % 1000, 7u);
  // Fingerprint 0 marks an empty slot inside the table, so it is stored as 1:
  // a candidate either way, which the caller confirms.
  table.Insert(0, 42);
  EXPECT_TRUE(table.Contains(0));
}

// A Reserve in the middle (what Engine::LoadDedup does with the log's size)
// rehashes what the table held; what comes after is found as well.
TEST(FingerprintTableTest, ReserveKeepsWhatTheTableHeld) {
  FingerprintTable table;
  constexpr uint64_t kBefore = 60'000;
  for (uint64_t i = 0; i < kBefore; ++i) table.Insert(FingerprintOf(i), i);
  table.Reserve(1'000'000);
  constexpr uint64_t kAfter = 1'100'000;
  for (uint64_t i = kBefore; i < kAfter; ++i) table.Insert(FingerprintOf(i), i);
  uint64_t wrong = 0;
  for (uint64_t i = 0; i < kAfter; ++i) {
    wrong += ValuesOf(table, FingerprintOf(i)) != std::vector<uint64_t>{i};
  }
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
}  // namespace hoso::projections
