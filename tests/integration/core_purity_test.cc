// The domain core is pure (docs/conventions.md rule 7): no file under engine/core
// includes librdkafka, RocksDB, spdlog, a JSON library or simdjson, and its
// CMake target links nothing but the standard library.
//
// Include lines are parsed by hand rather than with std::regex: GCC 12 emits
// false -Wmaybe-uninitialized warnings inside <regex> when built with
// AddressSanitizer, which would break `tools/run-tests --sanitize` (-Werror).
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

std::string_view SkipSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

// The header named by an `#include <x>` or `#include "x"` line, if it is one.
std::optional<std::string> IncludedHeader(std::string_view line) {
  line = SkipSpaces(line);
  if (line.empty() || line.front() != '#') return std::nullopt;
  line = SkipSpaces(line.substr(1));
  constexpr std::string_view kInclude = "include";
  if (line.substr(0, kInclude.size()) != kInclude) return std::nullopt;
  line = SkipSpaces(line.substr(kInclude.size()));
  if (line.empty() || (line.front() != '<' && line.front() != '"')) return std::nullopt;
  const char close = line.front() == '<' ? '>' : '"';
  const size_t end = line.find(close, 1);
  if (end == std::string_view::npos || end == 1) return std::nullopt;
  return std::string(line.substr(1, end - 1));
}

TEST(CorePurityTest, IncludeLinesAreRecognised) {
  EXPECT_EQ(IncludedHeader("#include <rocksdb/db.h>"), "rocksdb/db.h");
  EXPECT_EQ(IncludedHeader("  #  include \"engine/core/event.h\" // why"), "engine/core/event.h");
  EXPECT_EQ(IncludedHeader("#include<vector>"), "vector");
  EXPECT_EQ(IncludedHeader("// #include <rocksdb/db.h>"), std::nullopt);
  EXPECT_EQ(IncludedHeader("#define include"), std::nullopt);
}

TEST(CorePurityTest, CoreIncludesNothingButTheStandardLibraryAndItself) {
  constexpr std::string_view kForbidden[] = {
      "rdkafka", "rocksdb", "spdlog", "nlohmann", "simdjson", "json", "openssl", "httplib", "fmt/"};
  int files = 0;
  int includes = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(testing::SourcePath("engine/core"))) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".h" && ext != ".cc") continue;
    ++files;
    std::istringstream text(testing::ReadFile(entry.path().string()));
    std::string line;
    while (std::getline(text, line)) {
      const std::optional<std::string> header = IncludedHeader(line);
      if (!header) continue;
      ++includes;
      for (std::string_view forbidden : kForbidden) {
        EXPECT_EQ(header->find(forbidden), std::string::npos)
            << entry.path() << " includes " << *header;
      }
      if (header->find('/') != std::string::npos) {
        EXPECT_EQ(header->rfind("engine/core/", 0), 0u) << entry.path() << " includes " << *header;
      }
    }
  }
  EXPECT_GT(files, 10);
  EXPECT_GT(includes, files);
}

TEST(CorePurityTest, CoreTargetLinksNoLibrary) {
  const std::string cmake = testing::ReadFile(testing::SourcePath("engine/core/CMakeLists.txt"));
  EXPECT_EQ(cmake.find("DEPS"), std::string::npos)
      << "engine/core must link only the standard library";
}

}  // namespace
}  // namespace hoso
