// Prometheus text exposition (format 0.0.4) for /metrics: a family's HELP and
// TYPE lines, its samples, and a histogram's cumulative buckets, sum and
// count. Shared by the HTTP server's own metrics (http_api.cc) and serve's
// pipeline metrics (serve_status.cc), so both write one format.
#ifndef HOSO_TOOLS_HOSO_PROMETHEUS_TEXT_H_
#define HOSO_TOOLS_HOSO_PROMETHEUS_TEXT_H_

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace hoso::tools {

// "# HELP name help" and "# TYPE name type" (counter, gauge, histogram).
inline void AppendFamily(std::string* out, std::string_view name, std::string_view type,
                         std::string_view help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// "series value": `series` is the name with its labels, e.g. x{kind="a"}.
inline void AppendSample(std::string* out, std::string_view series, int64_t value) {
  out->append(series).append(" ").append(std::to_string(value)).append("\n");
}
inline void AppendSample(std::string* out, std::string_view series, double value) {
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", value);
  out->append(series).append(" ").append(number).append("\n");
}

// A family with one unlabelled sample: HELP, TYPE and "name value".
inline void AppendMetric(std::string* out, std::string_view name, std::string_view type,
                         std::string_view help, int64_t value) {
  AppendFamily(out, name, type, help);
  AppendSample(out, name, value);
}

// The _bucket (one per bound, then +Inf), _sum and _count series of a
// histogram. `labels` are the series' other labels without braces (may be
// empty); `cumulative[i]` counts the observations <= bounds[i].
template <typename Count>
void AppendHistogram(std::string* out, std::string_view name, std::string_view labels,
                     std::span<const double> bounds, std::span<const Count> cumulative,
                     int64_t count, double sum) {
  // Series names are built with append: GCC 12 reports a false -Wrestrict
  // on chains of operator+ over temporaries.
  auto series = [&](std::string_view suffix, std::string_view le) {
    std::string s(name);
    s.append(suffix);
    if (labels.empty() && le.empty()) return s;
    s.append("{").append(labels);
    if (!le.empty()) {
      if (!labels.empty()) s.append(",");
      s.append("le=\"").append(le).append("\"");
    }
    s.append("}");
    return s;
  };
  for (size_t i = 0; i < bounds.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "%g", bounds[i]);
    AppendSample(out, series("_bucket", le), static_cast<int64_t>(cumulative[i]));
  }
  AppendSample(out, series("_bucket", "+Inf"), count);
  char total[64];
  std::snprintf(total, sizeof total, "%.6f", sum);
  out->append(series("_sum", "")).append(" ").append(total).append("\n");
  AppendSample(out, series("_count", ""), count);
}

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_PROMETHEUS_TEXT_H_
