// Issue 15: `hoso demo` ends with commands to type next; each must work as
// printed: with the binary's full path when no `hoso` on PATH is this
// binary (a build directory), with plain `hoso` when it is (installed).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunProgram;
using testing::TempDir;

// The indented lines after "Query it:".
std::vector<std::string> FollowUps(const std::string& out) {
  std::vector<std::string> commands;
  const size_t at = out.find("Query it:\n");
  if (at == std::string::npos) return commands;
  std::istringstream lines(out.substr(at));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line) && line.rfind("  ", 0) == 0) commands.push_back(line.substr(2));
  return commands;
}

std::vector<std::string> RunDemo(const TempDir& dir, const std::string& path_env) {
  auto demo = RunProgram(
      HOSO_CLI,
      {"demo", "--dossiers", "400", "--partitions", "4", "--data-dir", dir.File("demo data")},
      {"PATH=" + path_env});
  EXPECT_EQ(demo.exit_code, 0) << demo.err;
  return FollowUps(demo.out);
}

void ExpectEachRuns(const std::vector<std::string>& commands, const std::string& path_env) {
  for (const std::string& command : commands) {
    // `hoso http` serves until stopped: it is checked to be printed, not run.
    if (command.find(" http ") != std::string::npos) continue;
    auto result = RunProgram("/bin/sh", {"-c", command}, {"PATH=" + path_env});
    EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.err;
    EXPECT_FALSE(result.out.empty()) << command;
  }
}

TEST(DemoTest, FollowUpsNameThisBinaryByItsPathOutsidePath) {
  TempDir dir;
  const std::string path_env = "/usr/bin:/bin";
  const std::vector<std::string> commands = RunDemo(dir, path_env);
  ASSERT_GE(commands.size(), 4u);
  const std::string self = std::filesystem::canonical(HOSO_CLI).string();
  for (const std::string& command : commands) {
    EXPECT_EQ(command.rfind(self + " ", 0), 0u) << command;
  }
  bool history = false;
  for (const std::string& command : commands) {
    history = history || command.find(" history ") != std::string::npos;
  }
  EXPECT_TRUE(history);
  ExpectEachRuns(commands, path_env);
}

TEST(DemoTest, FollowUpsSayHosoWhenPathFindsThisBinary) {
  TempDir dir;
  const std::string bin = std::filesystem::path(std::filesystem::canonical(HOSO_CLI)).parent_path();
  const std::string path_env = bin + ":/usr/bin:/bin";
  const std::vector<std::string> commands = RunDemo(dir, path_env);
  ASSERT_GE(commands.size(), 4u);
  for (const std::string& command : commands) {
    EXPECT_EQ(command.rfind("hoso ", 0), 0u) << command;
  }
  ExpectEachRuns(commands, path_env);
}

}  // namespace
}  // namespace hoso
