// Reading Prometheus exposition text (what /metrics answers) in tests.
#ifndef HOSO_TESTS_TESTING_METRICS_TEXT_H_
#define HOSO_TESTS_TESTING_METRICS_TEXT_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace hoso::testing {

// The value of the unlabelled series `series` (e.g. "hoso_batches_total") in
// `text`, a line "series value"; nullopt when no line names it.
std::optional<int64_t> MetricValue(std::string_view text, std::string_view series);

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_METRICS_TEXT_H_
