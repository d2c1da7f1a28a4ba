// The HTTP API of docs/http.md through the real `hoso http` on RocksDB
// databases in temp dirs, read with cpp-httplib's client: the same answers
// as the CLI, errors as JSON with their codes, paging, the token, the
// metrics text, and a writer committing batches while requests are served.
#include <httplib.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/live_reads.h"
#include "tests/testing/metrics_text.h"

namespace hoso {
namespace {

using testing::Child;
using testing::ReadFile;
using testing::RunHoso;
using testing::SourcePath;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

const char* kFixture = "tests/data/fixture_bach_khoa_2019_06.jsonl";

// `hoso http` on `db`, on a free loopback port.
class HttpServer {
 public:
  HttpServer(const TempDir& dir, const std::string& db, std::vector<std::string> extra = {})
      : port_file_(dir.File("port-" + std::to_string(++count_))) {
    std::vector<std::string> args = {HOSO_CLI,   "http",        "--db",        db,
                                     "--listen", "127.0.0.1:0", "--port-file", port_file_};
    args.insert(args.end(), extra.begin(), extra.end());
    child_ = std::make_unique<Child>(args, dir.File("http.log"));
    ready_ = WaitFor([&] { return !ReadFile(port_file_).empty(); }, std::chrono::seconds(30));
    if (ready_) port_ = std::stoi(ReadFile(port_file_));
  }
  bool ready() const { return ready_; }
  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(60, 0);
    return client;
  }

 private:
  static inline int count_ = 0;
  std::string port_file_;
  std::unique_ptr<Child> child_;
  bool ready_ = false;
  int port_ = 0;
};

std::string Get(const HttpServer& server, const std::string& path, int* status = nullptr) {
  auto response = server.Client().Get(path.c_str());
  if (!response) return "<no response>";
  if (status != nullptr) *status = response->status;
  return response->body;
}

std::string ErrorCode(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.contains("error")) return "<not an error: " + body + ">";
  return json["error"].value("code", "");
}

class HttpApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->File("db");
    auto ingest = RunHoso({"ingest", "--events", SourcePath(kFixture), "--db", db_});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
    server_ = new HttpServer(*dir_, db_);
    ASSERT_TRUE(server_->ready()) << ReadFile(dir_->File("http.log"));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static TempDir* dir_;
  static std::string db_;
  static HttpServer* server_;
};
TempDir* HttpApiTest::dir_ = nullptr;
std::string HttpApiTest::db_;
HttpServer* HttpApiTest::server_ = nullptr;

TEST_F(HttpApiTest, KpiAnswersAreTheCliJsonByteForByte) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"period=2019-06", {"--period", "2019-06"}},
      {"period=2019-06&by=procedure", {"--period", "2019-06", "--by", "procedure"}},
      {"period=2019-06&as_of=2019-06-15", {"--period", "2019-06", "--as-of", "2019-06-15"}},
      {"period=2019-Q2&agency=phuong-bach-khoa",
       {"--period", "2019-Q2", "--agency", "phuong-bach-khoa"}},
      {"period=2019&by=procedure&agency=phuong-bach-khoa",
       {"--period", "2019", "--by", "procedure", "--agency", "phuong-bach-khoa"}},
  };
  for (const auto& [query, flags] : cases) {
    std::vector<std::string> args = {"kpi", "--db", db_, "--format", "json"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto cli = RunHoso(args);
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    int status = 0;
    EXPECT_EQ(Get(*server_, "/v1/kpi?" + query, &status), cli.out) << query;
    EXPECT_EQ(status, 200) << query;
    args[4] = "csv";
    auto csv = RunHoso(args);
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    EXPECT_EQ(Get(*server_, "/v1/kpi.csv?" + query), csv.out) << query;
  }
  // The agency filter really filters: one row, the ward's.
  auto json =
      nlohmann::json::parse(Get(*server_, "/v1/kpi?period=2019-06&agency=phuong-bach-khoa"));
  ASSERT_EQ(json["rows"].size(), 1u);
  EXPECT_EQ(json["rows"][0]["agency_id"], "phuong-bach-khoa");
  EXPECT_GT(json["rows"][0]["received"].get<int>(), 0);
}

TEST_F(HttpApiTest, ScorecardIsTheCliJsonByteForByte) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"period=2019-06", {"--period", "2019-06"}},
      {"period=2019&as_of=2019-06-15", {"--period", "2019", "--as-of", "2019-06-15"}},
  };
  for (const auto& [query, flags] : cases) {
    std::vector<std::string> args = {"scorecard", "--db", db_, "--format", "json"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto cli = RunHoso(args);
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    int status = 0;
    EXPECT_EQ(Get(*server_, "/v1/scorecard?" + query, &status), cli.out) << query;
    EXPECT_EQ(status, 200) << query;
  }
  // Bách Khoa's June: 5 of 6 resolved on time (docs/domain.md), short of 95 %.
  auto json = nlohmann::json::parse(Get(*server_, "/v1/scorecard?period=2019-06"));
  for (const auto& row : json["rows"]) {
    if (row["agency_id"] != "phuong-bach-khoa") continue;
    EXPECT_EQ(row["results"]["on_time_ratio"]["value"], 0.8333);
    EXPECT_EQ(row["results"]["on_time_ratio"]["status"], "missed");
  }
  int status = 0;
  EXPECT_EQ(ErrorCode(Get(*server_, "/v1/scorecard", &status)), "missing_parameter");
  EXPECT_EQ(status, 400);
}

TEST_F(HttpApiTest, DossierHistoryIsTheCliJsonAndAMissingOneIs404) {
  auto cli = RunHoso({"history", "BK-2019-D1", "--db", db_, "--format", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  int status = 0;
  EXPECT_EQ(Get(*server_, "/v1/dossiers/BK-2019-D1", &status), cli.out);
  EXPECT_EQ(status, 200);
  const std::string missing = Get(*server_, "/v1/dossiers/NO-SUCH-DOSSIER", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(ErrorCode(missing), "not_found");
}

TEST_F(HttpApiTest, BadRequestsGetAnErrorCodeNeverASilentAnswer) {
  struct Case {
    std::string path;
    int status;
    std::string code;
  };
  const Case cases[] = {
      {"/v1/kpi?period=2019-06&perod=x", 400, "unknown_parameter"},
      {"/v1/kpi?period=2019-06&period=2019-07", 400, "bad_parameter"},
      {"/v1/kpi", 400, "missing_parameter"},
      {"/v1/kpi?period=2019-13", 400, "bad_parameter"},
      {"/v1/kpi?period=2019-06&by=ward", 400, "bad_parameter"},
      {"/v1/kpi?period=2019-06&as_of=yesterday", 400, "bad_parameter"},
      {"/v1/kpi?period=2019-06&agency=phuong-khong-co", 400, "bad_parameter"},
      {"/v1/alerts?limit=0", 400, "bad_parameter"},
      {"/v1/alerts?kind=late", 400, "bad_parameter"},
      {"/v1/alerts?open=yes", 400, "bad_parameter"},
      {"/v1/alerts?cursor=junk", 400, "bad_parameter"},
      {"/v1/targets", 400, "missing_parameter"},
      {"/v1/dossiers/BK-2019-D1?format=table", 400, "unknown_parameter"},
      {"/v2/kpi", 404, "not_found"},
  };
  for (const Case& c : cases) {
    int status = 0;
    const std::string body = Get(*server_, c.path, &status);
    EXPECT_EQ(status, c.status) << c.path << ": " << body;
    EXPECT_EQ(ErrorCode(body), c.code) << c.path;
  }
  auto post = server_->Client().Post("/v1/kpi?period=2019-06", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(ErrorCode(post->body), "method_not_allowed");
}

TEST_F(HttpApiTest, AlertPagesConcatenateToEveryAlertNewestFirst) {
  auto cli = RunHoso({"alerts", "--db", db_, "--format", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  auto all = nlohmann::ordered_json::parse(cli.out);
  ASSERT_GE(all.size(), 3u) << "the fixture raises several alerts";
  std::vector<nlohmann::ordered_json> expected(all.rbegin(), all.rend());

  std::vector<nlohmann::ordered_json> paged;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    const std::string path =
        "/v1/alerts?limit=2" +
        (cursor.empty() ? "" : "&cursor=" + httplib::detail::encode_query_param(cursor));
    int status = 0;
    auto body = nlohmann::ordered_json::parse(Get(*server_, path, &status));
    ASSERT_EQ(status, 200) << body.dump();
    ASSERT_LE(body["alerts"].size(), 2u);
    for (const auto& alert : body["alerts"]) paged.push_back(alert);
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(paged, expected);

  // Filters are those of the CLI.
  auto overdue_cli = RunHoso({"alerts", "--db", db_, "--format", "json", "--kind", "overdue"});
  auto overdue_api = nlohmann::ordered_json::parse(Get(*server_, "/v1/alerts?kind=overdue"));
  EXPECT_EQ(overdue_api["alerts"].size(), nlohmann::json::parse(overdue_cli.out).size());
  // A ward's alert (no dossier, no procedure) is listed like any other.
  auto dialogue_api =
      nlohmann::ordered_json::parse(Get(*server_, "/v1/alerts?kind=dialogue_missing&limit=1000"));
  ASSERT_EQ(dialogue_api["alerts"].size(), 20u);
  EXPECT_EQ(dialogue_api["alerts"][0]["procedure_id"], "");
  EXPECT_EQ(dialogue_api["alerts"][0]["dossier_id"].get<std::string>().rfind("agency:", 0), 0u);
  auto since = nlohmann::ordered_json::parse(
      Get(*server_,
          "/v1/alerts?since=" + httplib::detail::encode_query_param("2019-06-20T09:00:00+07:00")));
  for (const auto& alert : since["alerts"]) {
    EXPECT_GE(alert["fires_at"].get<std::string>(), "2019-06-20T09:00:00+07:00");
  }
}

TEST_F(HttpApiTest, TargetsJudgeEveryAgencyAsTheCliTableMarksIt) {
  auto targets = nlohmann::ordered_json::parse(Get(*server_, "/v1/targets?period=2019-06"));
  ASSERT_TRUE(targets["agencies"].is_array());
  EXPECT_EQ(targets["targets"]["on_time_ratio"], 0.95);
  bool found = false;
  for (const auto& agency : targets["agencies"]) {
    for (const auto& [ratio, met] : agency["met"].items()) {
      const auto& value = agency["ratios"][ratio];
      if (value.is_null()) {
        EXPECT_TRUE(met.is_null()) << agency["agency_id"] << " " << ratio;
      } else {
        EXPECT_EQ(met.get<bool>(),
                  value.get<double>() + 1e-9 >= targets["targets"][ratio].get<double>())
            << agency["agency_id"] << " " << ratio;
      }
    }
    if (agency["agency_id"] != "phuong-bach-khoa") continue;
    found = true;
    // The same figures as /v1/kpi's row of the ward.
    auto kpi = nlohmann::ordered_json::parse(
        Get(*server_, "/v1/kpi?period=2019-06&agency=phuong-bach-khoa"));
    EXPECT_EQ(agency["ratios"]["on_time_ratio"], kpi["rows"][0]["on_time_ratio"]);
    EXPECT_EQ(agency["ratios"]["apology_compliance"], kpi["rows"][0]["apology_compliance"]);
  }
  EXPECT_TRUE(found);
}

// One sample line of the exposition format: name{label="value",...} number.
// False when the line is not one; std::regex is avoided (GCC 12 warns
// inside it under the sanitizer build).
bool ParseSample(const std::string& line, std::string* name, std::string* labels,
                 std::string* value) {
  auto name_char = [](char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  size_t i = 0;
  while (i < line.size() && name_char(line[i], i == 0)) ++i;
  if (i == 0) return false;
  *name = line.substr(0, i);
  labels->clear();
  if (i < line.size() && line[i] == '{') {
    const size_t close = line.find('}', i);
    if (close == std::string::npos) return false;
    *labels = line.substr(i + 1, close - i - 1);
    // label="value" pairs separated by commas
    size_t at = 0;
    while (at < labels->size()) {
      size_t j = at;
      while (j < labels->size() && name_char((*labels)[j], j == at)) ++j;
      if (j == at || j + 1 >= labels->size() || (*labels)[j] != '=' || (*labels)[j + 1] != '"') {
        return false;
      }
      const size_t end = labels->find('"', j + 2);
      if (end == std::string::npos) return false;
      at = end + 1;
      if (at < labels->size()) {
        if ((*labels)[at] != ',') return false;
        ++at;
      }
    }
    i = close + 1;
  }
  if (i >= line.size() || line[i] != ' ') return false;
  *value = line.substr(i + 1);
  if (*value == "+Inf" || *value == "NaN") return true;
  char* end = nullptr;
  std::strtod(value->c_str(), &end);
  return !value->empty() && end == value->c_str() + value->size();
}

TEST_F(HttpApiTest, MetricsAreValidExpositionTextAndCountRequests) {
  auto count_kpi_requests = [&] {
    std::istringstream lines(Get(*server_, "/metrics"));
    std::string line;
    const std::string prefix = "hoso_http_requests_total{endpoint=\"/v1/kpi\",code=\"200\"} ";
    while (std::getline(lines, line)) {
      if (line.rfind(prefix, 0) == 0) return std::stoi(line.substr(prefix.size()));
    }
    return 0;
  };
  const int before = count_kpi_requests();
  Get(*server_, "/v1/kpi?period=2019-06");
  Get(*server_, "/v1/kpi?period=2019-05");
  EXPECT_EQ(count_kpi_requests(), before + 2);

  // Every sample line is name{labels} value, every name has its TYPE first,
  // counters end in _total.
  std::map<std::string, std::string> typed;  // name -> type
  std::istringstream lines(Get(*server_, "/metrics"));
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name;
      std::string type;
      words >> name >> type;
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      if (type == "counter") {
        EXPECT_TRUE(name.ends_with("_total")) << line;
      }
      typed[name] = type;
      continue;
    }
    std::string name;
    std::string labels;
    std::string value;
    ASSERT_TRUE(ParseSample(line, &name, &labels, &value)) << "not exposition format: " << line;
    std::string family = name;
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (typed.count(family) == 0 && family.ends_with(suffix)) {
        family = family.substr(0, family.size() - suffix.size());
      }
    }
    EXPECT_TRUE(typed.count(family)) << "no TYPE before " << line;
    ++samples;
  }
  EXPECT_GT(samples, 10);
  for (const char* name : {"hoso_build_info", "hoso_events_logged", "hoso_open_dossiers",
                           "hoso_store_size_bytes", "hoso_http_request_duration_seconds"}) {
    EXPECT_TRUE(typed.count(name)) << name;
  }
  EXPECT_EQ(typed["hoso_http_request_duration_seconds"], "histogram");
  // Issue 15: the build as `hoso --version` names it.
  const std::string metrics = Get(*server_, "/metrics");
  const size_t info = metrics.find("\nhoso_build_info{version=\"");
  ASSERT_NE(info, std::string::npos) << metrics;
  const std::string info_line = metrics.substr(info + 1, metrics.find('\n', info + 1) - info - 1);
  for (const char* label : {"commit=\"", "librdkafka=\"", "rocksdb=\"", "simdjson=\""}) {
    EXPECT_NE(info_line.find(label), std::string::npos) << label << " in " << info_line;
  }
  EXPECT_TRUE(info_line.ends_with("} 1")) << info_line;
  auto version = testing::RunHoso({"--version"});
  EXPECT_NE(version.out.find(info_line.substr(info_line.find("commit=\"") + 8, 7)),
            std::string::npos)
      << version.out << info_line;
}

TEST_F(HttpApiTest, OpenDossiersAgreeWithTheKpiReportAndRefuseThePast) {
  // At an instant after the last event, /v1/open counts what /v1/kpi counts.
  const std::string as_of = httplib::detail::encode_query_param("2019-06-30T12:00:00+07:00");
  auto open = nlohmann::ordered_json::parse(Get(*server_, "/v1/open?as_of=" + as_of));
  auto kpi = nlohmann::ordered_json::parse(Get(*server_, "/v1/kpi?period=2019-06&as_of=" + as_of));
  EXPECT_EQ(open["total"]["open"], kpi["total"]["open"]);
  EXPECT_EQ(open["total"]["overdue"], kpi["total"]["open_overdue"]);
  EXPECT_GT(open["total"]["open"].get<int>(), 0);
  EXPECT_EQ(open["total"]["feedback_open"], kpi["total"]["feedback_open"]);
  EXPECT_EQ(open["total"]["feedback_overdue"], kpi["total"]["feedback_open_overdue"]);
  int status = 0;
  const std::string past = Get(*server_, "/v1/open?as_of=2019-06-01", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(ErrorCode(past), "bad_parameter");
}

// A dossier is due today on its due date before its due instant, and overdue
// after it.
TEST(HttpApiOpenTest, DueTodayIsTheDueDateBeforeTheDueInstant) {
  TempDir dir;
  const std::string db = dir.File("db");
  WriteFile(
      dir.File("one.jsonl"),
      R"({"event_id":"d-1","dossier_id":"DUE-1","type":"received","occurred_at":"2019-06-03T10:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-dang-ky-giam-ho","channel":"direct","processing":{"working_days":3}})"
      "\n");
  ASSERT_EQ(RunHoso({"ingest", "--events", dir.File("one.jsonl"), "--db", db}).exit_code, 0);
  HttpServer server(dir, db);
  ASSERT_TRUE(server.ready()) << ReadFile(dir.File("http.log"));
  auto history = nlohmann::ordered_json::parse(Get(server, "/v1/dossiers/DUE-1"));
  const std::string due_at = history["due_at"];  // e.g. 2019-06-06T10:00:00+07:00
  ASSERT_EQ(due_at.size(), 25u) << history.dump();
  const std::string day = due_at.substr(0, 10);
  auto at = [&](const std::string& instant) {
    return nlohmann::ordered_json::parse(
        Get(server, "/v1/open?agency=phuong-bach-khoa&as_of=" +
                        httplib::detail::encode_query_param(instant)))["agencies"][0];
  };
  auto morning = at(day + "T00:01:00+07:00");
  EXPECT_EQ(morning["open"], 1);
  EXPECT_EQ(morning["due_today"], 1) << morning.dump();
  EXPECT_EQ(morning["overdue"], 0);
  auto evening = at(day + "T23:00:00+07:00");
  EXPECT_EQ(evening["due_today"], 0) << evening.dump();
  EXPECT_EQ(evening["overdue"], 1);
}

TEST(HttpApiSecurityTest, ATokenIsRequiredOffLoopbackAndCheckedOnEveryDataRequest) {
  TempDir dir;
  const std::string db = dir.File("db");
  ASSERT_EQ(RunHoso({"ingest", "--events", SourcePath(kFixture), "--db", db}).exit_code, 0);
  auto open = RunHoso({"http", "--db", db, "--listen", "0.0.0.0:0"});
  EXPECT_EQ(open.exit_code, 2) << open.err;
  EXPECT_NE(open.err.find("needs a token"), std::string::npos) << open.err;

  const std::string token_file = dir.File("token");
  WriteFile(token_file, "s3cret-token-of-the-district-office\n");
  HttpServer server(dir, db, {"--token-file", token_file});
  ASSERT_TRUE(server.ready()) << ReadFile(dir.File("http.log"));
  int status = 0;
  EXPECT_EQ(ErrorCode(Get(server, "/v1/kpi?period=2019-06", &status)), "unauthorized");
  EXPECT_EQ(status, 401);
  Get(server, "/metrics", &status);
  EXPECT_EQ(status, 401);
  Get(server, "/healthz", &status);
  EXPECT_EQ(status, 200);
  auto client = server.Client();
  client.set_bearer_token_auth("s3cret-token-of-the-district-office");
  auto ok = client.Get("/v1/kpi?period=2019-06");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  client.set_bearer_token_auth("s3cret-token-of-the-district-offic3");
  auto wrong = client.Get("/v1/kpi?period=2019-06");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
}

// While `hoso ingest` commits batches of exactly 500 new dossiers into the
// database being served, every answer reflects a batch boundary: the KPI
// total of received dossiers is a multiple of 500 and equals the open
// dossiers counted from the other projection. (The same with `hoso serve` as
// the writer: KafkaPipelineTest.ServeHttpAnswersNeverShowAHalfAppliedBatch.)
TEST(HttpApiLiveTest, AnswersNeverShowAHalfAppliedBatch) {
  TempDir dir;
  const std::string db = dir.File("db");
  testing::WriteReceivedOnlyEvents(dir.File("first.jsonl"), 0, 500);
  ASSERT_EQ(RunHoso({"ingest", "--events", dir.File("first.jsonl"), "--db", db, "--batch", "500"})
                .exit_code,
            0);
  constexpr int kRest = 120000;
  testing::WriteReceivedOnlyEvents(dir.File("rest.jsonl"), 500, kRest);
  HttpServer server(dir, db, {"--refresh-ms", "0"});
  ASSERT_TRUE(server.ready()) << ReadFile(dir.File("http.log"));
  const std::string kReport = "/v1/kpi?period=2019-06&as_of=2019-12-31";
  testing::LiveReaders readers(
      2,
      [&]() -> std::optional<std::string> {
        // A client per call: one httplib client is not shared across threads.
        auto response = server.Client().Get(kReport.c_str());
        if (!response || response->status != 200) return std::nullopt;
        return response->body;
      },
      [](const std::string& body, int* received) {
        return testing::ReceivedEqualsOpen(body, 500, received);
      },
      500, 500 + kRest);
  auto ingest = RunHoso({"ingest", "--events", dir.File("rest.jsonl"), "--db", db, "--batch", "500",
                         "--no-progress"});
  // A last look after the writer is done: everything is there.
  WaitFor(
      [&] {
        auto json = nlohmann::json::parse(Get(server, kReport));
        return json["total"]["received"] == 500 + kRest;
      },
      std::chrono::seconds(30));
  const testing::LiveReaders::Tally tally = readers.Stop();
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_EQ(tally.torn, 0) << "first torn answer: " << tally.first_torn;
  EXPECT_GT(tally.observations, 10);
  EXPECT_GT(tally.intermediate, 0) << "no answer was taken while the writer was mid-way";
  auto final_json = nlohmann::json::parse(Get(server, kReport));
  EXPECT_EQ(final_json["total"]["received"], 500 + kRest);
}

// How many times the server has caught up with the writer (/metrics); -1
// when it does not say.
int64_t CatchUps(const HttpServer& server) {
  return testing::MetricValue(Get(server, "/metrics"), "hoso_store_catch_up_total").value_or(-1);
}

// An API nobody reads does not follow the writer (a catch-up replays the
// writer's log: CPU a restore or a replay needs), and the first request
// after the rest still answers with everything the writer made durable.
TEST(HttpApiLiveTest, AnApiNobodyReadsRestsAndItsFirstAnswerIsFresh) {
  TempDir dir;
  const std::string db = dir.File("db");
  testing::WriteReceivedOnlyEvents(dir.File("first.jsonl"), 0, 500);
  ASSERT_EQ(RunHoso({"ingest", "--events", dir.File("first.jsonl"), "--db", db}).exit_code, 0);
  constexpr int kRest = 30000;
  testing::WriteReceivedOnlyEvents(dir.File("rest.jsonl"), 500, kRest);
  HttpServer server(dir, db, {"--refresh-ms", "20"});
  ASSERT_TRUE(server.ready()) << ReadFile(dir.File("http.log"));
  const int64_t before = CatchUps(server);
  ASSERT_GE(before, 1);
  const auto started = std::chrono::steady_clock::now();
  auto ingest = RunHoso({"ingest", "--events", dir.File("rest.jsonl"), "--db", db, "--batch", "500",
                         "--no-progress"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // Following the writer would have been a catch-up every 20 ms; resting,
  // one every 10 s at most.
  const int64_t resting = CatchUps(server);
  EXPECT_LE(resting - before, 1 + static_cast<int64_t>(seconds / 10))
      << "catch-ups while nobody asked, over " << seconds << " s";

  auto json = nlohmann::json::parse(Get(server, "/v1/kpi?period=2019-06&as_of=2019-12-31"));
  EXPECT_EQ(json["total"]["received"], 500 + kRest);
  EXPECT_GT(CatchUps(server), resting);
}

}  // namespace
}  // namespace hoso
