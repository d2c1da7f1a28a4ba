// MapLarge (projections/large_mapping.h): whole huge pages, aligned on one,
// zero-filled and writable to the last byte of the rounded size.
#include "projections/large_mapping.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace hoso::projections {
namespace {

TEST(LargeMappingTest, SizesAreWholeHugePages) {
  EXPECT_EQ(LargeMappingBytes(1), kHugePageBytes);
  EXPECT_EQ(LargeMappingBytes(kHugePageBytes), kHugePageBytes);
  EXPECT_EQ(LargeMappingBytes(kHugePageBytes + 1), 2 * kHugePageBytes);
}

TEST(LargeMappingTest, AMappingIsAlignedZeroFilledAndWritable) {
  const size_t bytes = 3 * kHugePageBytes + 12345;
  auto* memory = static_cast<unsigned char*>(MapLarge(bytes));
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(memory) % kHugePageBytes, 0u);
  const size_t spanned = LargeMappingBytes(bytes);
  size_t nonzero = 0;
  for (size_t i = 0; i < spanned; i += 4096) nonzero += memory[i] != 0;
  EXPECT_EQ(nonzero, 0u);
  std::memset(memory, 0xab, spanned);
  EXPECT_EQ(memory[spanned - 1], 0xab);
  UnmapLarge(memory, bytes);
}

}  // namespace
}  // namespace hoso::projections
