// The dashboard in a real browser (issue 10): the fixture ingested, the real
// `hoso http` serving it with a token, and Debian's headless Chromium driven
// by puppeteer-core (dashboard/check_dashboard.mjs) comparing what the page
// shows with what the JSON API answers. Screenshots of a laptop and a phone
// screen are left in the build directory as artifacts. Issue 13: the
// scorecard card on a simulated year (dashboard/check_scorecard.mjs).
//
// Skipped only when the browser or the node modules are absent;
// tools/install-deps installs both (chromium; npm ci in dashboard/).
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/child_process.h"
#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::Child;
using testing::ReadFile;
using testing::RunHoso;
using testing::RunProgram;
using testing::SourcePath;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

// The executable `name` on PATH, or "" (RunProgram execs without a shell).
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// The port `hoso http --port-file` wrote ("8080" or "127.0.0.1:8080"), or 0
// while the file is absent or incomplete.
int ReadPort(const std::string& path) {
  if (!std::filesystem::exists(path)) return 0;
  std::string text = ReadFile(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos) text = text.substr(colon + 1);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  const int port = std::atoi(text.c_str());
  return port > 0 && port < 65536 ? port : 0;
}

// Node, Chromium and puppeteer-core, or why the test is skipped.
struct Browser {
  std::string node;
  std::string chromium;
  std::string package_dir;
  std::string missing;  // empty when everything is there
};
Browser FindBrowser() {
  Browser browser;
  browser.node = FindOnPath("node");
  const char* chromium_env = std::getenv("HOSO_CHROMIUM");
  browser.chromium = chromium_env != nullptr ? chromium_env : "/usr/bin/chromium";
  browser.package_dir = SourcePath("tests/integration/dashboard");
  if (browser.node.empty()) {
    browser.missing = "node is not installed: run tools/install-deps";
  } else if (access(browser.chromium.c_str(), X_OK) != 0) {
    browser.missing =
        browser.chromium + " is not installed: run tools/install-deps (Debian's chromium)";
  } else if (!std::filesystem::exists(browser.package_dir +
                                      "/node_modules/puppeteer-core/package.json")) {
    browser.missing = "puppeteer-core is not installed in " + browser.package_dir +
                      ": run tools/install-deps (npm ci there)";
  }
  return browser;
}

// The real `hoso http` on `db`, on a free port, with `token`; Start() waits
// until it answers /readyz (or has exited: then no waiting).
class HttpServer {
 public:
  HttpServer(const TempDir& dir, const std::string& db, const std::string& token)
      : port_file_(dir.File("port")), log_(dir.File("http.log")) {
    WriteFile(dir.File("token"), token);
    server_ = std::make_unique<Child>(
        std::vector<std::string>{HOSO_CLI, "http", "--db", db, "--listen", "127.0.0.1:0",
                                 "--port-file", port_file_, "--token-file", dir.File("token")},
        log_);
  }

  void Start() {
    int status = 0;
    bool exited = false;
    WaitFor(
        [&] {
          port_ = ReadPort(port_file_);
          exited = port_ == 0 && server_->Exited(&status);
          return port_ > 0 || exited;
        },
        std::chrono::seconds(30));
    ASSERT_GT(port_, 0) << (exited ? "hoso http exited" : "no port file after 30 s")
                        << "; server log:\n"
                        << Log();
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(std::chrono::seconds(2));
    client.set_read_timeout(std::chrono::seconds(5));
    ASSERT_TRUE(WaitFor(
        [&] {
          auto response = client.Get("/readyz");
          return response && response->status == 200;
        },
        std::chrono::seconds(30)))
        << "never ready; server log:\n"
        << Log();
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  std::string Log() const { return ReadFile(log_); }

 private:
  std::string port_file_;
  std::string log_;
  std::unique_ptr<Child> server_;
  int port_ = 0;
};

TEST(DashboardTest, ShowsTheApiFiguresInHeadlessChromium) {
  const Browser browser = FindBrowser();
  if (!browser.missing.empty()) GTEST_SKIP() << browser.missing;

  TempDir dir;
  const std::string db = dir.File("db");
  const auto ingest = RunHoso(
      {"ingest", "--events", SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "--db", db});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  // Two feedbacks (PAKN) awaiting an answer, dated before the fixture's last
  // event: received Mon 3 June 10:00 (15 working days: due Mon 24 June
  // 10:00, overdue on 1 July) and Thu 20 June 09:00 (due 11 July).
  WriteFile(
      dir.File("feedback.jsonl"),
      R"({"event_id": "fb-1:1", "feedback_id": "BK-2019-PAKN1", "type": "feedback_received", "occurred_at": "2019-06-03T10:00:00+07:00", "agency_id": "phuong-bach-khoa", "channel": "online"}
{"event_id": "fb-2:1", "feedback_id": "BK-2019-PAKN2", "type": "feedback_received", "occurred_at": "2019-06-20T09:00:00+07:00", "agency_id": "phuong-bach-khoa", "channel": "phone"}
)");
  const auto feedback = RunHoso({"ingest", "--events", dir.File("feedback.jsonl"), "--db", db});
  ASSERT_EQ(feedback.exit_code, 0) << feedback.err;

  // With a token, so the page's #token= path is what every request takes.
  const std::string token = "dashboard-test-token-7f3a";
  HttpServer server(dir, db, token);
  ASSERT_NO_FATAL_FAILURE(server.Start());

  const std::string artifacts = HOSO_TEST_ARTIFACT_DIR;
  std::filesystem::create_directories(artifacts);
  const auto started = std::chrono::steady_clock::now();
  const auto run =
      RunProgram(browser.node,
                 {browser.package_dir + "/check_dashboard.mjs", "--url", server.Url(), "--period",
                  "2019-06", "--agency", "phuong-bach-khoa", "--dossier", "BK-2019-D4",
                  // The fixture's last event is 2019-06-24T09:00+07:00; on
                  // 2019-07-01 at 08:00 BK-2019-D5 is due today, D6 overdue.
                  "--open-as-of", "2019-07-01T08:00:00+07:00", "--past-as-of", "2019-06-15",
                  "--chromium", browser.chromium, "--token", token, "--out", artifacts},
                 {"PUPPETEER_SKIP_DOWNLOAD=1"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "browser checks took %.1f s; screenshots: %s/dashboard-laptop.png, "
      "%s/dashboard-phone.png\n",
      seconds, artifacts.c_str(), artifacts.c_str());
  EXPECT_EQ(run.exit_code, 0) << "check_dashboard.mjs:\n"
                              << run.out << run.err << "\nserver log:\n"
                              << server.Log();
  EXPECT_TRUE(std::filesystem::exists(artifacts + "/dashboard-laptop.png"));
  EXPECT_TRUE(std::filesystem::exists(artifacts + "/dashboard-phone.png"));
}

// Issue 13: the scorecard card against /v1/scorecard on a small simulated
// year (every ward and office has dossiers, and loadgen's dialogues make
// wards both meet and miss the per-half-year target), for the year, a month
// and as of a past date, in both languages, and a bad period's error in
// the card (dashboard/check_scorecard.mjs).
TEST(DashboardTest, ScorecardCardShowsV1ScorecardInHeadlessChromium) {
  const Browser browser = FindBrowser();
  if (!browser.missing.empty()) GTEST_SKIP() << browser.missing;

  TempDir dir;
  const std::string events = dir.File("year.jsonl");
  const std::string db = dir.File("db");
  const auto loadgen = RunHoso({"loadgen", "--out", events, "--seed", "1", "--dossiers", "3000"});
  ASSERT_EQ(loadgen.exit_code, 0) << loadgen.err;
  const auto ingest = RunHoso({"ingest", "--events", events, "--db", db});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;

  const std::string token = "dashboard-scorecard-token-91c2";
  HttpServer server(dir, db, token);
  ASSERT_NO_FATAL_FAILURE(server.Start());

  const std::string artifacts = HOSO_TEST_ARTIFACT_DIR;
  std::filesystem::create_directories(artifacts);
  const auto run =
      RunProgram(browser.node,
                 {browser.package_dir + "/check_scorecard.mjs", "--url", server.Url(), "--periods",
                  "2019,2019-06", "--past-as-of", "2019-06-30", "--bad-period", "2019-13",
                  "--chromium", browser.chromium, "--token", token, "--out", artifacts},
                 {"PUPPETEER_SKIP_DOWNLOAD=1"});
  EXPECT_EQ(run.exit_code, 0) << "check_scorecard.mjs:\n"
                              << run.out << run.err << "\nserver log:\n"
                              << server.Log();
  EXPECT_TRUE(std::filesystem::exists(artifacts + "/dashboard-scorecard.png"));
}

}  // namespace
}  // namespace hoso
