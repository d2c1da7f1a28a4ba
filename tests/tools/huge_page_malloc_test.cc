// Which commands run with glibc's malloc in huge pages, and how the setting
// joins what the user put in GLIBC_TUNABLES (tools/hoso/huge_page_malloc.h);
// then the real `hoso broker`: its process keeps its name and carries the
// setting, or the user's own choice.
#include "tools/hoso/huge_page_malloc.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/testing/child_process.h"
#include "tests/testing/cli_runner.h"

namespace hoso::tools {
namespace {

TEST(HugePageMallocTest, CommandsThatApplyEventsAskForHugePages) {
  for (const char* command : {"serve", "ingest", "replay", "demo", "bench", "broker", "http"}) {
    EXPECT_EQ(HugePageTunables(command, nullptr), "glibc.malloc.hugetlb=1") << command;
  }
  for (const char* command : {"kpi", "history", "alerts", "verify", "deadline", "scorecard", ""}) {
    EXPECT_EQ(HugePageTunables(command, nullptr), std::nullopt) << command;
  }
}

TEST(HugePageMallocTest, TheUsersTunablesAreKeptAndTheirChoiceWins) {
  EXPECT_EQ(HugePageTunables("serve", "glibc.malloc.arena_max=2"),
            "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2");
  EXPECT_EQ(HugePageTunables("serve", "glibc.malloc.hugetlb=0"), std::nullopt);
  EXPECT_EQ(HugePageTunables("serve", "glibc.malloc.hugetlb=1"), std::nullopt);
  EXPECT_EQ(HugePageTunables("serve", ""), "glibc.malloc.hugetlb=1");
}

// GLIBC_TUNABLES of a running `hoso broker` started with `tunables` in the
// environment (nullptr: unset), as /proc/PID/environ shows it: glibc parses
// the variable in place, so only its first tunable.
std::string BrokerTunables(const char* tunables) {
  const char* saved = std::getenv("GLIBC_TUNABLES");
  const std::string previous = saved == nullptr ? "" : saved;
  if (tunables == nullptr) {
    ::unsetenv("GLIBC_TUNABLES");
  } else {
    ::setenv("GLIBC_TUNABLES", tunables, 1);
  }
  testing::TempDir dir;
  const std::string bootstrap = dir.File("bootstrap");
  testing::Child broker({HOSO_CLI, "broker", "--partitions", "1", "--bootstrap-file", bootstrap},
                        dir.File("broker.log"));
  if (saved == nullptr) {
    ::unsetenv("GLIBC_TUNABLES");
  } else {
    ::setenv("GLIBC_TUNABLES", previous.c_str(), 1);
  }
  // The bootstrap file is written by the process that runs the broker.
  EXPECT_TRUE(testing::WaitFor([&] { return std::filesystem::exists(bootstrap); },
                               std::chrono::seconds(20)));
  const std::string proc = "/proc/" + std::to_string(broker.pid());
  // Executed again under its own name, as ps and the journal show it.
  std::ifstream comm(proc + "/comm");
  std::string name;
  std::getline(comm, name);
  EXPECT_EQ(name, std::filesystem::path(HOSO_CLI).filename().string());
  std::ifstream in(proc + "/environ", std::ios::binary);
  const std::string environment((std::istreambuf_iterator<char>(in)), {});
  const std::string key = std::string(1, '\0') + "GLIBC_TUNABLES=";
  const size_t at = ('\0' + environment).find(key);
  if (at == std::string::npos) return "(unset)";
  const size_t start = at + key.size() - 1;
  return environment.substr(start, environment.find('\0', start) - start);
}

TEST(HugePageMallocTest, TheBrokerProcessRunsWithTheSetting) {
  EXPECT_EQ(BrokerTunables(nullptr), "glibc.malloc.hugetlb=1");
  // Executed again: the setting comes first, the user's follow.
  EXPECT_EQ(BrokerTunables("glibc.malloc.arena_max=2"), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(BrokerTunables("glibc.malloc.hugetlb=0"), "glibc.malloc.hugetlb=0");
}

}  // namespace
}  // namespace hoso::tools
