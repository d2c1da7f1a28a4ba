#include "tests/testing/metrics_text.h"

#include <string>

namespace hoso::testing {

std::optional<int64_t> MetricValue(std::string_view text, std::string_view series) {
  size_t line_at = 0;
  while (line_at < text.size()) {
    size_t line_end = text.find('\n', line_at);
    if (line_end == std::string_view::npos) line_end = text.size();
    const std::string_view line = text.substr(line_at, line_end - line_at);
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      return std::stoll(std::string(line.substr(series.size() + 1)));
    }
    line_at = line_end + 1;
  }
  return std::nullopt;
}

}  // namespace hoso::testing
