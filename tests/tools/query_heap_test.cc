// A query's heap is prepared in pages the kernel has already filled
// (tools/hoso/query_heap.h): what the query allocates afterwards takes no
// page fault, and the amount follows the write-ahead log left to replay.
#include "tools/hoso/query_heap.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/testing/cli_runner.h"

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

// A cgroup directory under `root` holding `files` (name, content).
void MakeCgroup(const std::string& dir,
                std::initializer_list<std::pair<const char*, const char*>> files) {
  std::filesystem::create_directories(dir);
  for (const auto& [name, content] : files) testing::WriteFile(dir + "/" + name, content);
}

TEST(QueryHeapTest, CgroupV2RoomIsTheTightestLimitUpTheTree) {
  testing::TempDir root;
  MakeCgroup(root.path(), {{"memory.current", "999999999"}});  // the root: no memory.max
  MakeCgroup(root.File("system.slice"),
             {{"memory.max", "1000000000\n"}, {"memory.current", "900000000\n"}});
  MakeCgroup(root.File("system.slice/hoso.service"),
             {{"memory.max", "max\n"}, {"memory.current", "500000000\n"}});
  EXPECT_EQ(CgroupRoomBytes("0::/system.slice/hoso.service\n", root.path()), 100000000u);
  // Usage past the limit leaves no room.
  MakeCgroup(root.File("tight"), {{"memory.max", "1000"}, {"memory.current", "5000"}});
  EXPECT_EQ(CgroupRoomBytes("0::/tight\n", root.path()), 0u);
  // No limit anywhere, or a cgroup that is not there: nothing to say.
  EXPECT_EQ(CgroupRoomBytes("0::/\n", root.path()), std::nullopt);
  EXPECT_EQ(CgroupRoomBytes("0::/absent\n", root.path()), std::nullopt);
  EXPECT_EQ(CgroupRoomBytes("", root.path()), std::nullopt);
}

TEST(QueryHeapTest, CgroupV1MemoryControllerAndHybridMounts) {
  testing::TempDir root;
  MakeCgroup(root.File("memory"),
             {{"memory.limit_in_bytes", "9223372036854771712"}, {"memory.usage_in_bytes", "123"}});
  MakeCgroup(root.File("memory/box"),
             {{"memory.limit_in_bytes", "268435456"}, {"memory.usage_in_bytes", "67108864"}});
  // v2 mounted beside v1 (systemd's hybrid layout), with its own limit.
  MakeCgroup(root.File("unified/box2"),
             {{"memory.max", "150000000"}, {"memory.current", "50000000"}});
  const std::string proc_cgroup = "9:name=systemd:/\n4:cpu,memory:/box\n1:cpuset:/\n0::/box2\n";
  EXPECT_EQ(CgroupRoomBytes(proc_cgroup, root.path()), 100000000u);
  EXPECT_EQ(CgroupRoomBytes("4:memory:/box\n", root.path()), 201326592u);
  // v1's "unlimited" is no limit.
  EXPECT_EQ(CgroupRoomBytes("4:memory:/\n", root.path()), std::nullopt);
}

}  // namespace
}  // namespace hoso::tools
