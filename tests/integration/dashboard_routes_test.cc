// The dashboard's routes on the real `hoso http` (docs/dashboard.md): GET /
// and /assets/NAME serve the embedded files byte for byte with their types
// and a strict Content-Security-Policy, without the API's token; anything
// else is a JSON error. No browser needed (dashboard_test drives the page).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/testing/child_process.h"
#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::Child;
using testing::ReadFile;
using testing::RunHoso;
using testing::SourcePath;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

class DashboardRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string db = dir_->File("db");
    auto ingest = RunHoso({"ingest", "--events",
                           SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "--db", db});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
    WriteFile(dir_->File("token"), "routes-test-token");
    const std::string port_file = dir_->File("port");
    server_ = new Child({HOSO_CLI, "http", "--db", db, "--listen", "127.0.0.1:0", "--port-file",
                         port_file, "--token-file", dir_->File("token")},
                        dir_->File("http.log"));
    ASSERT_TRUE(WaitFor([&] { return !ReadFile(port_file).empty(); }, std::chrono::seconds(30)))
        << ReadFile(dir_->File("http.log"));
    port_ = std::stoi(ReadFile(port_file));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::seconds(30));
    return client.Get(path.c_str());
  }
  static std::string ErrorCode(const std::string& body) {
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.contains("error")) return "<not an error: " + body + ">";
    return json["error"].value("code", "");
  }

  static inline TempDir* dir_ = nullptr;
  static inline Child* server_ = nullptr;
  static inline int port_ = 0;
};

TEST_F(DashboardRoutesTest, ServesThePageAndAssetsWithoutTheToken) {
  struct Case {
    const char* path;
    const char* file;
    const char* type;
  };
  for (const Case& c :
       {Case{"/", "index.html", "text/html; charset=utf-8"},
        Case{"/?lang=en", "index.html", "text/html; charset=utf-8"},
        Case{"/?lang=vi", "index.html", "text/html; charset=utf-8"},
        Case{"/assets/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
        Case{"/assets/dashboard.css", "dashboard.css", "text/css; charset=utf-8"}}) {
    SCOPED_TRACE(c.path);
    auto response = Get(c.path);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->get_header_value("Content-Type"), c.type);
    EXPECT_EQ(response->body, ReadFile(SourcePath(std::string("tools/hoso/dashboard/") + c.file)));
    // The page loads nothing from elsewhere, and the browser is told so.
    const std::string csp = response->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(response->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  // The API itself still needs the token.
  auto api = Get("/v1/kpi?period=2019-06");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 401);
}

TEST_F(DashboardRoutesTest, HeadAnswersLikeGet) {
  httplib::Client client("127.0.0.1", port_);
  auto response = client.Head("/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(DashboardRoutesTest, AnythingElseIsAJsonError) {
  struct Case {
    const char* path;
    int status;
    const char* code;
  };
  for (const Case& c : {
           Case{"/?lang=fr", 400, "bad_parameter"},
           // The view lives in the fragment (#period=...), never in the query.
           Case{"/?period=2019-06", 400, "unknown_parameter"},
           Case{"/?lang=en&lang=vi", 400, "bad_parameter"},
           Case{"/assets/dashboard.js?v=1", 400, "unknown_parameter"},
           Case{"/assets/nope.js", 404, "not_found"},
           Case{"/assets/index.html/", 404, "not_found"},
           Case{"/assets/", 404, "not_found"},
           Case{"/assets/%2e%2e%2fCMakeLists.txt", 404, "not_found"},
           Case{"/assets/embed_assets.cmake", 404, "not_found"},
           Case{"/index.html", 404, "not_found"},
       }) {
    SCOPED_TRACE(c.path);
    auto response = Get(c.path);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, c.status);
    EXPECT_EQ(ErrorCode(response->body), c.code);
  }
}

TEST_F(DashboardRoutesTest, CountedInTheMetrics) {
  ASSERT_TRUE(Get("/"));
  ASSERT_TRUE(Get("/assets/dashboard.js"));
  httplib::Client client("127.0.0.1", port_);
  const httplib::Headers auth = {{"Authorization", "Bearer routes-test-token"}};
  auto metrics = client.Get("/metrics", auth);
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("hoso_http_requests_total{endpoint=\"/\",code=\"200\"}"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("hoso_http_requests_total{endpoint=\"/assets\",code=\"200\"}"),
            std::string::npos);
}

}  // namespace
}  // namespace hoso
