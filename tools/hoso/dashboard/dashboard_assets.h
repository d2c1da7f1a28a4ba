// The dashboard page and its assets (index.html, dashboard.js,
// dashboard.css beside this header), compiled into the binary at build time
// so `hoso http` serves them from any directory, offline. The HTTP server
// serves FindDashboardAsset("/") at GET / and FindDashboardAsset(NAME) at
// GET /assets/NAME (docs/http.md).
#ifndef HOSO_TOOLS_HOSO_DASHBOARD_DASHBOARD_ASSETS_H_
#define HOSO_TOOLS_HOSO_DASHBOARD_DASHBOARD_ASSETS_H_

#include <optional>
#include <string_view>

namespace hoso::tools {

// Views of static storage: valid for the life of the program.
struct DashboardAsset {
  std::string_view content;       // the file's bytes, exactly
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
};

// "/" or "index.html" -> the page; "dashboard.js", "dashboard.css"; nullopt
// for any other name. Names match exactly (no paths, no normalisation), so a
// request can never reach anything but these files.
std::optional<DashboardAsset> FindDashboardAsset(std::string_view name);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_DASHBOARD_DASHBOARD_ASSETS_H_
