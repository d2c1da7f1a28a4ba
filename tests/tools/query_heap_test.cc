// A query's heap is prepared in pages the kernel has already filled
// (tools/hoso/query_heap.h): what the query allocates afterwards takes no
// page fault, and the amount follows the write-ahead log left to replay.
#include "tools/hoso/query_heap.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstring>
#include <memory>

namespace hoso::tools {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

long MinorFaults() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

TEST(QueryHeapTest, TheAmountFollowsTheLogLeftToReplay) {
  EXPECT_EQ(QueryHeapBytes(0), 16 * kMiB);
  EXPECT_EQ(QueryHeapBytes(25 * kMiB), 66 * kMiB);
  EXPECT_EQ(QueryHeapBytes(200 * kMiB), 256 * kMiB);
  EXPECT_EQ(QueryHeapBytes(uint64_t{1} << 40), 256 * kMiB);
}

// ctest runs each test in a process of its own, so this is the process's
// first preparation.
TEST(QueryHeapTest, BlocksAllocatedAfterwardsAreAlreadyInMemory) {
  const QueryHeap heap = PrepareQueryHeap(96 * kMiB);
  if (heap.populated_bytes == 0) {
    GTEST_SKIP() << "this kernel or C library cannot populate memory in advance";
  }
  EXPECT_GE(heap.populated_bytes, 95 * kMiB);
  // The shape of a write-ahead log record read back: a string grown by
  // doubling, then copied whole.
  const long before = MinorFaults();
  size_t written = 0;
  for (size_t bytes = 1 * kMiB; bytes <= 32 * kMiB; bytes *= 2) {
    std::unique_ptr<char[]> block(new char[bytes]);
    std::memset(block.get(), 0x5a, bytes);
    written += bytes;
  }
  std::unique_ptr<char[]> copy(new char[32 * kMiB]);
  std::memset(copy.get(), 0x5a, 32 * kMiB);
  written += 32 * kMiB;
  const long faults = MinorFaults() - before;
  // Without the preparation each fresh 4 KB page faults once: ~24,000 here.
  EXPECT_LT(faults, static_cast<long>(written / 4096 / 20)) << faults << " page faults";
  // A second call does nothing more and says what the first did.
  const QueryHeap again = PrepareQueryHeap(8 * kMiB);
  EXPECT_EQ(again.populated_bytes, heap.populated_bytes);
}

}  // namespace
}  // namespace hoso::tools
