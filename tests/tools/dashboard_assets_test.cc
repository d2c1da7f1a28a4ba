// The dashboard's files are embedded byte for byte, under the names the HTTP
// server asks for, with their content types; nothing else is found.
#include "tools/hoso/dashboard/dashboard_assets.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "tests/testing/cli_runner.h"

namespace hoso::tools {
namespace {

using testing::ReadFile;
using testing::SourcePath;

TEST(DashboardAssetsTest, EmbedsEachFileExactly) {
  for (const char* name : {"index.html", "dashboard.js", "dashboard.css"}) {
    SCOPED_TRACE(name);
    const auto asset = FindDashboardAsset(name);
    ASSERT_TRUE(asset.has_value());
    // A stale build (an asset edited, the library not regenerated) fails here.
    EXPECT_EQ(std::string(asset->content),
              ReadFile(SourcePath(std::string("tools/hoso/dashboard/") + name)));
  }
}

TEST(DashboardAssetsTest, RootIsThePage) {
  const auto root = FindDashboardAsset("/");
  const auto page = FindDashboardAsset("index.html");
  ASSERT_TRUE(root.has_value());
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(root->content.data(), page->content.data());
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
}

TEST(DashboardAssetsTest, ContentTypes) {
  EXPECT_EQ(FindDashboardAsset("dashboard.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(FindDashboardAsset("dashboard.css")->content_type, "text/css; charset=utf-8");
}

TEST(DashboardAssetsTest, OtherNamesAreNotFound) {
  for (const char* name : {"", "index.htm", "/index.html", "assets/dashboard.js",
                           "../CMakeLists.txt", "CMakeLists.txt", "embed_assets.cmake",
                           "dashboard_assets.h", "DASHBOARD.JS", "dashboard.js/"}) {
    EXPECT_FALSE(FindDashboardAsset(name).has_value()) << name;
  }
}

// Every asset the page links (assets/NAME) is one the server can serve.
TEST(DashboardAssetsTest, PageLinksOnlyEmbeddedAssets) {
  const std::string page(FindDashboardAsset("/")->content);
  const std::regex link(R"re((?:href|src)="assets/([^"]+)")re");
  int links = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), link); it != std::sregex_iterator();
       ++it) {
    ++links;
    EXPECT_TRUE(FindDashboardAsset((*it)[1].str()).has_value()) << (*it)[1].str();
  }
  EXPECT_EQ(links, 2);  // the script and the style sheet
}

}  // namespace
}  // namespace hoso::tools
