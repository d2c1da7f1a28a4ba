// The dashboard in a real browser (issue 10): the fixture ingested, the real
// `hoso http` serving it with a token, and Debian's headless Chromium driven
// by puppeteer-core (dashboard/check_dashboard.mjs) comparing what the page
// shows with what the JSON API answers. Screenshots of a laptop and a phone
// screen are left in the build directory as artifacts.
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
#include <sstream>
#include <string>

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

TEST(DashboardTest, ShowsTheApiFiguresInHeadlessChromium) {
  const std::string node = FindOnPath("node");
  const char* chromium_env = std::getenv("HOSO_CHROMIUM");
  const std::string chromium = chromium_env != nullptr ? chromium_env : "/usr/bin/chromium";
  const std::string package_dir = SourcePath("tests/integration/dashboard");
  if (node.empty()) GTEST_SKIP() << "node is not installed: run tools/install-deps";
  if (access(chromium.c_str(), X_OK) != 0) {
    GTEST_SKIP() << chromium << " is not installed: run tools/install-deps (Debian's chromium)";
  }
  if (!std::filesystem::exists(package_dir + "/node_modules/puppeteer-core/package.json")) {
    GTEST_SKIP() << "puppeteer-core is not installed in " << package_dir
                 << ": run tools/install-deps (npm ci there)";
  }

  TempDir dir;
  const std::string db = dir.File("db");
  const auto ingest = RunHoso(
      {"ingest", "--events", SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "--db", db});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;

  // With a token, so the page's #token= path is what every request takes.
  const std::string token = "dashboard-test-token-7f3a";
  WriteFile(dir.File("token"), token);
  const std::string port_file = dir.File("port");
  const std::string server_log = dir.File("http.log");
  Child server({HOSO_CLI, "http", "--db", db, "--listen", "127.0.0.1:0", "--port-file", port_file,
                "--token-file", dir.File("token")},
               server_log);
  // Until the port file appears, or the server gives up (then no waiting).
  int port = 0;
  int status = 0;
  bool exited = false;
  WaitFor(
      [&] {
        port = ReadPort(port_file);
        exited = port == 0 && server.Exited(&status);
        return port > 0 || exited;
      },
      std::chrono::seconds(30));
  ASSERT_GT(port, 0) << (exited ? "hoso http exited" : "no port file after 30 s")
                     << "; server log:\n"
                     << ReadFile(server_log);
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto response = client.Get("/readyz");
        return response && response->status == 200;
      },
      std::chrono::seconds(30)))
      << "never ready; server log:\n"
      << ReadFile(server_log);

  const std::string artifacts = HOSO_TEST_ARTIFACT_DIR;
  std::filesystem::create_directories(artifacts);
  const auto started = std::chrono::steady_clock::now();
  const auto run = RunProgram(node,
                              {package_dir + "/check_dashboard.mjs", "--url",
                               "http://127.0.0.1:" + std::to_string(port) + "/", "--period",
                               "2019-06", "--agency", "phuong-bach-khoa", "--dossier", "BK-2019-D4",
                               // The fixture's last event is 2019-06-24T09:00+07:00; on
                               // 2019-07-01 at 08:00 BK-2019-D5 is due today, D6 overdue.
                               "--open-as-of", "2019-07-01T08:00:00+07:00", "--past-as-of",
                               "2019-06-15", "--chromium", chromium, "--token", token, "--out",
                               artifacts},
                              {"PUPPETEER_SKIP_DOWNLOAD=1"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "browser checks took %.1f s; screenshots: %s/dashboard-laptop.png, "
      "%s/dashboard-phone.png\n",
      seconds, artifacts.c_str(), artifacts.c_str());
  EXPECT_EQ(run.exit_code, 0) << "check_dashboard.mjs:\n"
                              << run.out << run.err << "\nserver log:\n"
                              << ReadFile(server_log);
  EXPECT_TRUE(std::filesystem::exists(artifacts + "/dashboard-laptop.png"));
  EXPECT_TRUE(std::filesystem::exists(artifacts + "/dashboard-phone.png"));
}

}  // namespace
}  // namespace hoso
