// The domain core is pure (style.md rule 7): no file under engine/core
// includes librdkafka, RocksDB, spdlog, a JSON library or simdjson, and its
// CMake target links nothing but the standard library.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

TEST(CorePurityTest, CoreIncludesNothingButTheStandardLibraryAndItself) {
  const std::regex include_line(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  const std::regex forbidden(
      R"(rdkafka|rocksdb|spdlog|nlohmann|simdjson|json|openssl|httplib|fmt/)");
  int files = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(testing::SourcePath("engine/core"))) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".h" && ext != ".cc") continue;
    ++files;
    std::istringstream text(testing::ReadFile(entry.path().string()));
    std::string line;
    while (std::getline(text, line)) {
      std::smatch match;
      if (!std::regex_search(line, match, include_line)) continue;
      const std::string header = match[1];
      EXPECT_FALSE(std::regex_search(header, forbidden)) << entry.path() << " includes " << header;
      if (header.find('/') != std::string::npos) {
        EXPECT_EQ(header.rfind("engine/core/", 0), 0u) << entry.path() << " includes " << header;
      }
    }
  }
  EXPECT_GT(files, 10);
}

TEST(CorePurityTest, CoreTargetLinksNoLibrary) {
  const std::string cmake = testing::ReadFile(testing::SourcePath("engine/core/CMakeLists.txt"));
  EXPECT_EQ(cmake.find("DEPS"), std::string::npos)
      << "engine/core must link only the standard library";
}

}  // namespace
}  // namespace hoso
