#include "tests/testing/serve_log.h"

#include <fstream>
#include <string_view>

namespace hoso::testing {

// Parsed by hand, not with std::regex: GCC 12 reports false
// -Wmaybe-uninitialized inside <regex> under AddressSanitizer, which breaks
// `tools/run-tests --sanitize` (-Werror).
int OwnedPartitions(const std::string& log_path) {
  constexpr std::string_view kNow = ", now ";
  constexpr std::string_view kTotal = " in total";
  int owned = -1;
  std::ifstream in(log_path);
  std::string line;
  while (std::getline(in, line)) {
    const bool step =
        line.find("assigned ") != std::string::npos || line.find("revoked ") != std::string::npos;
    const size_t now = line.rfind(kNow);
    if (!step || line.find(" partitions of ") == std::string::npos || now == std::string::npos) {
      continue;
    }
    size_t end = now + kNow.size();
    int count = 0;
    for (; end < line.size() && line[end] >= '0' && line[end] <= '9'; ++end) {
      count = count * 10 + (line[end] - '0');
    }
    if (end > now + kNow.size() && line.compare(end, kTotal.size(), kTotal) == 0) owned = count;
  }
  return owned;
}

}  // namespace hoso::testing
