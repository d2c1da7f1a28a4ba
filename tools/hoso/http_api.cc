#include "tools/hoso/http_api.h"

#include <httplib.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <shared_mutex>
#include <thread>
#include <utility>
#include <vector>

#include "connectors/file/whole_file.h"
#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/core/alert.h"
#include "projections/meta.h"
#include "tools/hoso/build_info.h"
#include "tools/hoso/dashboard/dashboard_assets.h"
#include "tools/hoso/kpi_output.h"
#include "tools/hoso/prometheus_text.h"
#include "tools/hoso/queries.h"
#include "tools/hoso/scorecard.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

using Clock = std::chrono::steady_clock;

// An answer that is not 200: the status and the error object of docs/http.md.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

ApiError FromStatus(const core::Status& status) {
  switch (status.code()) {
    case core::StatusCode::kInvalidArgument:
      return {400, "bad_parameter", status.message()};
    case core::StatusCode::kNotFound:
      return {404, "not_found", status.message()};
    case core::StatusCode::kCorruption:
      return {500, "internal", status.message()};
    default:
      return {503, "unavailable", status.message()};
  }
}

void SendError(const ApiError& error, httplib::Response& response) {
  nlohmann::ordered_json body;
  body["error"]["code"] = error.code;
  body["error"]["message"] = error.message;
  response.status = error.status;
  response.set_content(body.dump() + "\n", "application/json");
}

// Rejects parameters the endpoint does not take, and repeated ones: a typo
// must never be silently ignored.
std::optional<ApiError> CheckParameters(const httplib::Request& request,
                                        std::initializer_list<std::string_view> allowed) {
  std::set<std::string> seen;
  for (const auto& [name, value] : request.params) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string names;
      for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      return ApiError{
          400, "unknown_parameter",
          "unknown parameter '" + name + "'" +
              (names.empty() ? "; this endpoint takes none" : "; this endpoint takes: " + names)};
    }
    if (!seen.insert(name).second) {
      return ApiError{400, "bad_parameter", "parameter '" + name + "' is given twice"};
    }
  }
  return std::nullopt;
}

std::string Param(const httplib::Request& request, const char* name) {
  return request.has_param(name) ? request.get_param_value(name) : std::string();
}

// Constant-time comparison of a presented token with the configured one (the
// length is not secret).
bool TokenMatches(std::string_view presented, std::string_view expected) {
  if (presented.size() != expected.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    difference |= static_cast<unsigned char>(presented[i] ^ expected[i]);
  }
  return difference == 0;
}

// Request counts and latencies for /metrics, per endpoint (a fixed set:
// low cardinality).
class RequestMetrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   10.0};
  void Record(const std::string& endpoint, int status, double seconds) {
    std::lock_guard lock(mutex_);
    ++requests_[{endpoint, status}];
    Histogram& h = durations_[endpoint];
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      if (seconds <= kBuckets[i]) ++h.buckets[i];
    }
    ++h.count;
    h.sum += seconds;
  }
  void Render(std::string* out) const {
    std::lock_guard lock(mutex_);
    AppendFamily(out, "hoso_http_requests_total", "counter",
                 "HTTP requests answered, by endpoint and status code.");
    for (const auto& [key, count] : requests_) {
      AppendSample(out,
                   "hoso_http_requests_total{endpoint=\"" + key.first + "\",code=\"" +
                       std::to_string(key.second) + "\"}",
                   static_cast<int64_t>(count));
    }
    AppendFamily(out, "hoso_http_request_duration_seconds", "histogram",
                 "Time to answer an HTTP request.");
    for (const auto& [endpoint, h] : durations_) {
      AppendHistogram<uint64_t>(out, "hoso_http_request_duration_seconds",
                                "endpoint=\"" + endpoint + "\"", kBuckets, h.buckets,
                                static_cast<int64_t>(h.count), h.sum);
    }
  }

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> durations_;
};

// One family with one sample.
void AppendGauge(std::string* out, const char* name, const char* help, const char* type,
                 int64_t value) {
  AppendFamily(out, name, type, help);
  AppendSample(out, name, value);
}

}  // namespace

core::Result<std::pair<std::string, int>> ParseListenAddress(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return core::Status::InvalidArgument("listen address '" + listen +
                                           "' is not [v6-address]:port");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return core::Status::InvalidArgument("listen address '" + listen + "' is not host:port");
    }
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(port) > 65535) {
    return core::Status::InvalidArgument("listen address '" + listen +
                                         "': the port must be 0..65535");
  }
  return std::pair(host, std::stoi(port));
}

core::Result<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::Status::InvalidArgument("cannot read token file " + path);
  std::string token;
  std::getline(in, token);
  const size_t first = token.find_first_not_of(" \t\r");
  const size_t last = token.find_last_not_of(" \t\r");
  token = first == std::string::npos ? "" : token.substr(first, last - first + 1);
  if (token.size() < 16) {
    return core::Status::InvalidArgument("the token in " + path +
                                         " is shorter than 16 characters: too easy to guess");
  }
  return token;
}

core::Status WritePortFile(const std::string& path, int port) {
  return connectors::WriteFileAtomically(path, std::to_string(port) + "\n");
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct HttpApi::State {
  std::string db_path;
  std::string secondary_dir;
  const Reference* reference = nullptr;
  HttpOptions options;
  std::unique_ptr<connectors::RocksKvStore> store;

  // Reads hold it shared; a catch-up holds it exclusively.
  std::shared_mutex store_mutex;
  std::mutex status_mutex;
  core::Status last_catch_up;  // of the refresher's last round
  std::atomic<uint64_t> catch_ups{0};
  std::atomic<uint64_t> catch_up_failures{0};

  // The refresher thread: every refresh_ms it catches the view up with the
  // writer and, when a batch has changed the store and requests have asked
  // for them lately, loads the live figures requests share, so no request
  // waits for either.
  std::thread refresher;
  std::mutex wake_mutex;
  std::condition_variable wake;
  bool stopping = false;

  std::mutex live_mutex;
  std::shared_ptr<const LiveFigures> live;
  // When a request last needed the live figures (steady clock, ms): the
  // refresher reloads them after a change only while someone has asked
  // within kLiveWatchMs, so an API nobody reads takes no CPU from the
  // engine (a restore, a replay); the first request after a quiet spell
  // loads them itself.
  static constexpr int64_t kLiveWatchMs = 60000;
  std::atomic<int64_t> live_used_at_ms{INT64_MIN / 2};
  // The same for the catch-up itself, which replays the writer's WAL into
  // this instance's memtables (a tenth of a restoring serve's CPU): every
  // refresh_ms while a /v1/ request came within kLiveWatchMs; otherwise the
  // view rests and is caught up only every kIdleCatchUpMs (so it never holds
  // table files the writer has compacted away for long), and the first /v1/
  // request during a rest catches up before it answers (the others wait for
  // it), so answers stay at most refresh_ms stale.
  static constexpr int64_t kIdleCatchUpMs = 10000;
  std::atomic<int64_t> api_used_at_ms{INT64_MIN / 2};
  std::atomic<int64_t> caught_up_at_ms{INT64_MIN / 2};  // of the last catch-up attempt
  std::atomic<bool> resting{false};
  std::mutex wake_up_mutex;  // held by the request that ends a rest

  static int64_t SteadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
        .count();
  }

  // Reports of an instant before the store's clock are a fold of the log
  // (about a second per million events): kept per request while the store
  // state is the same, and computed one at a time.
  std::mutex fold_mutex;
  std::string fold_state_key;
  std::map<std::string, projections::KpiReport> folds;

  RequestMetrics metrics;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  bool stopped = false;

  core::Instant Now() const {
    if (options.now) return options.now();
    return WallNow();
  }

  core::Status RefreshOnce() {
    core::Status caught_up;
    {
      std::unique_lock write(store_mutex);
      caught_up = store->CatchUp();
      caught_up_at_ms.store(SteadyMs());
    }
    ++catch_ups;
    if (!caught_up.ok()) ++catch_up_failures;
    {
      std::lock_guard lock(status_mutex);
      last_catch_up = caught_up;
    }
    if (!caught_up.ok()) return caught_up;
    std::shared_lock read(store_mutex);
    auto key = ReadStateKey(*store);
    if (!key.ok()) return key.status();
    {
      std::lock_guard lock(live_mutex);
      if (live && live->state_key == *key) return core::Status::Ok();
    }
    if (SteadyMs() - live_used_at_ms.load() > kLiveWatchMs) return core::Status::Ok();
    auto loaded = LoadLiveFigures(*store);
    if (!loaded.ok()) return loaded.status();
    std::lock_guard lock(live_mutex);
    live = std::make_shared<const LiveFigures>(std::move(*loaded));
    return core::Status::Ok();
  }

  void RefreshLoop() {
    const auto interval = std::chrono::milliseconds(std::max(options.refresh_ms, 10));
    for (;;) {
      {
        std::unique_lock lock(wake_mutex);
        if (wake.wait_for(lock, interval, [&] { return stopping; })) return;
      }
      const int64_t now_ms = SteadyMs();
      if (now_ms - api_used_at_ms.load() > kLiveWatchMs) {
        // Set before this round's catch-up is skipped: a request that saw
        // `resting` false found the view caught up at most one round ago.
        resting.store(true);
        if (now_ms - caught_up_at_ms.load() < kIdleCatchUpMs) continue;
      }
      RefreshOnce().IgnoreError("reported by /readyz and the next requests");
    }
  }

  // Before a /v1/ answer: notes the request (the refresher follows the
  // writer again from its next round) and, when the view rests, catches it
  // up first. Requests while the refresher follows never wait here.
  void CatchUpForRequest() {
    api_used_at_ms.store(SteadyMs());
    if (!resting.load()) return;
    std::lock_guard one(wake_up_mutex);
    if (!resting.load()) return;  // another request has just caught it up
    RefreshOnce().IgnoreError("reported by this request and /readyz");
    resting.store(false);
  }

  core::Status LastCatchUp() {
    std::lock_guard lock(status_mutex);
    return last_catch_up;
  }

  // The live figures: the refresher's while requests keep asking (it
  // reloads them after every change, so they are at most refresh_ms stale);
  // after a quiet spell, those of the store's state now, loaded here when
  // the refresher has not.
  core::Result<std::shared_ptr<const LiveFigures>> Live() {
    const int64_t now_ms = SteadyMs();
    const bool watched = now_ms - live_used_at_ms.exchange(now_ms) <= kLiveWatchMs;
    {
      std::lock_guard lock(live_mutex);
      if (live && watched) return live;
    }
    std::shared_lock read(store_mutex);
    auto key = ReadStateKey(*store);
    if (!key.ok()) return key.status();
    {
      std::lock_guard lock(live_mutex);
      if (live && live->state_key == *key) return live;
    }
    auto loaded = LoadLiveFigures(*store);
    if (!loaded.ok()) return loaded.status();
    std::lock_guard lock(live_mutex);
    live = std::make_shared<const LiveFigures>(std::move(*loaded));
    return live;
  }

  // Whether a KPI request is answered for the whole district (serve in a
  // consumer group, unless the request says scope=local).
  core::Result<bool> District(const httplib::Request& request) const {
    const std::string scope = request.has_param("scope") ? Param(request, "scope") : "";
    if (!scope.empty() && scope != "district" && scope != "local") {
      return core::Status::InvalidArgument("scope must be district or local");
    }
    if (scope == "district" && !options.district_cells) {
      return core::Status::InvalidArgument(
          "scope=district: this server is not part of a consumer group; its database is the "
          "district's");
    }
    if (scope == "district") return true;
    if (scope == "local" || !options.district_cells) return false;
    return !(options.holds_whole_district && options.holds_whole_district());
  }

  // A district answer from the district's cells; else QueryKpi from the
  // shared live figures when the report is as of an instant at or after
  // their clock (no store read, no lock: a catch-up never delays it);
  // otherwise a fold of the log under a shared store lock, kept while the
  // store is unchanged.
  core::Result<projections::KpiReport> Report(const KpiRequest& query, bool district) {
    if (district) return QueryDistrictKpi(*reference, query, Now(), options.district_cells);
    auto figures = Live();
    if (!figures.ok()) return figures.status();
    const LiveFigures& now_figures = **figures;
    auto period = projections::ParsePeriod(query.period);
    if (!period.ok()) return period.status();
    // `now` once, for the decision and the report: QueryKpi decides the same way.
    const core::Instant now = Now();
    auto as_of = ResolveAsOf(*period, query.as_of, now);
    if (!as_of.ok()) return as_of.status();
    const bool folds_log = now_figures.clock && *as_of < *now_figures.clock;
    if (!folds_log) return QueryKpi(*store, *reference, query, &now_figures, now);
    std::shared_lock read(store_mutex);
    auto state = ReadStateKey(*store);
    if (!state.ok()) return state.status();
    const std::string key =
        query.period + "|" + query.by + "|" + query.as_of + "|" + query.agency_id;
    std::lock_guard lock(fold_mutex);
    if (fold_state_key != *state) {
      folds.clear();
      fold_state_key = *state;
    }
    if (auto found = folds.find(key); found != folds.end()) return found->second;
    auto report = QueryKpi(*store, *reference, query, &now_figures, now);
    if (!report.ok()) return report.status();
    if (folds.size() >= 64) folds.clear();  // bounded: a handful of periods in practice
    folds.emplace(key, *report);
    return report;
  }

  bool Authorized(const httplib::Request& request) const {
    if (options.token.empty()) return true;
    const std::string header = request.get_header_value("Authorization");
    static constexpr std::string_view kBearer = "Bearer ";
    if (header.rfind(kBearer, 0) != 0) return false;
    return TokenMatches(std::string_view(header).substr(kBearer.size()), options.token);
  }

  // Runs `answer` for a /v1/ or /metrics request: token, catch-up, shared
  // lock, errors as JSON, metrics.
  // `reads_store`: hold the shared store lock while answering (answers from
  // the live figures alone take what they need themselves).
  void Serve(const char* endpoint, const httplib::Request& request, httplib::Response& response,
             const std::function<std::optional<ApiError>(httplib::Response&)>& answer,
             bool needs_token = true, bool reads_store = true) {
    const auto started = Clock::now();
    std::optional<ApiError> error;
    const bool authorized = !needs_token || Authorized(request);
    // Only an answer from the database waits for, or keeps up, the catch-up
    // (not /readyz or /metrics, which a supervisor polls all the time).
    if (authorized && std::string_view(endpoint).starts_with("/v1/")) CatchUpForRequest();
    if (!authorized) {
      error = ApiError{401, "unauthorized", "this server needs Authorization: Bearer <token>"};
      response.set_header("WWW-Authenticate", "Bearer");
    } else if (core::Status s = LastCatchUp(); !s.ok()) {
      error = ApiError{503, "unavailable", "the database cannot be read now: " + s.message()};
    } else {
      std::shared_lock read(store_mutex, std::defer_lock);
      if (reads_store) read.lock();
      try {
        error = answer(response);
      } catch (const std::exception& e) {
        // A bug, not a user error: say so rather than drop the connection.
        error = ApiError{500, "internal", e.what()};
      }
    }
    if (error) SendError(*error, response);
    if (response.status == -1) response.status = 200;  // httplib's default, set after us
    metrics.Record(endpoint, response.status,
                   std::chrono::duration<double>(Clock::now() - started).count());
  }

  void ServeDashboard(const char* endpoint, const std::string& name,
                      const httplib::Request& request, httplib::Response& response) {
    const auto started = Clock::now();
    std::optional<ApiError> error;
    const auto asset = FindDashboardAsset(name);
    if (name == "/")
      error = CheckParameters(request, {"lang"});
    else
      error = CheckParameters(request, {});
    if (!error && name == "/" && request.has_param("lang")) {
      const std::string lang = Param(request, "lang");
      if (lang != "vi" && lang != "en") {
        error = ApiError{400, "bad_parameter", "lang must be vi or en, not '" + lang + "'"};
      }
    }
    if (!error && !asset) error = ApiError{404, "not_found", "no such asset: " + name};
    if (error) {
      SendError(*error, response);
    } else {
      // The page loads nothing from elsewhere; say so to the browser, so an
      // injected script or style could not load or send anything either.
      response.set_header("Content-Security-Policy",
                          "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'");
      response.set_header("X-Content-Type-Options", "nosniff");
      response.set_header("Referrer-Policy", "no-referrer");
      // Assets change with the binary: revalidate rather than keep a stale page.
      response.set_header("Cache-Control", "no-cache");
      response.set_content(std::string(asset->content), std::string(asset->content_type));
      response.status = 200;
    }
    metrics.Record(endpoint, response.status,
                   std::chrono::duration<double>(Clock::now() - started).count());
  }

  void Routes();
  std::optional<ApiError> Kpi(const httplib::Request& request, httplib::Response& response,
                              bool csv);
  std::optional<ApiError> Alerts(const httplib::Request& request, httplib::Response& response);
  std::optional<ApiError> Targets(const httplib::Request& request, httplib::Response& response);
  std::optional<ApiError> ScorecardPage(const httplib::Request& request,
                                        httplib::Response& response);
  std::string Metrics();
  std::optional<ApiError> ForwardDossier(const httplib::Request& request,
                                         httplib::Response& response, const std::string& id,
                                         std::optional<int32_t> partition);
};

// Asks the owner of `partition` (or, when the partition is not known here,
// every other instance) for the dossier with local=true, and relays the
// first answer. Names the owner when it cannot answer.
std::optional<ApiError> HttpApi::State::ForwardDossier(const httplib::Request& request,
                                                       httplib::Response& response,
                                                       const std::string& id,
                                                       std::optional<int32_t> partition) {
  std::vector<PeerInstance> candidates;
  if (partition) {
    auto owner = options.owner_of ? options.owner_of(*partition) : std::nullopt;
    if (!owner) {
      return ApiError{503, "unavailable",
                      "dossier '" + id + "' is in input partition " + std::to_string(*partition) +
                          ", which no instance has announced yet (a restore or rebalance is "
                          "under way); try again shortly"};
    }
    candidates.push_back(std::move(*owner));
  } else if (options.other_instances) {
    candidates = options.other_instances();
  }
  std::string failures;
  for (const PeerInstance& peer : candidates) {
    if (peer.url.empty()) {
      failures += "; " + peer.name + " serves no HTTP API";
      continue;
    }
    httplib::Client client(peer.url);
    client.set_connection_timeout(std::chrono::seconds(2));
    client.set_read_timeout(std::chrono::seconds(10));
    httplib::Headers headers;
    if (request.has_header("Authorization")) {
      headers.emplace("Authorization", request.get_header_value("Authorization"));
    }
    auto answer = client.Get(
        "/v1/dossiers/" + httplib::detail::encode_query_param(id) + "?local=true", headers);
    if (answer && answer->status == 200) {
      response.set_header("X-Hoso-Instance", peer.name);
      response.set_content(answer->body, "application/json");
      return std::nullopt;
    }
    if (answer && answer->status == 404 && !partition) continue;
    failures += "; " + peer.name + " at " + peer.url + " answered " +
                (answer ? std::to_string(answer->status) : httplib::to_string(answer.error()));
  }
  if (partition) {
    const PeerInstance& owner = candidates.front();
    return ApiError{502, "owner_unavailable",
                    "dossier '" + id + "' is in input partition " + std::to_string(*partition) +
                        ", owned by instance " + owner.name +
                        (owner.url.empty() ? std::string() : " (" + owner.url + ")") +
                        ", which did not answer: " + failures.substr(2)};
  }
  return ApiError{404, "not_found",
                  "no dossier '" + id + "' here or on the " + std::to_string(candidates.size()) +
                      " other instances announced" + failures};
}

std::optional<ApiError> HttpApi::State::Kpi(const httplib::Request& request,
                                            httplib::Response& response, bool csv) {
  if (auto e = CheckParameters(request, {"period", "by", "as_of", "agency", "scope"})) return e;
  auto district = District(request);
  if (!district.ok()) return FromStatus(district.status());
  KpiRequest query;
  query.period = Param(request, "period");
  if (query.period.empty()) {
    return ApiError{400, "missing_parameter", "period is required (e.g. 2019-06, 2019-Q2, 2019)"};
  }
  if (request.has_param("by")) query.by = Param(request, "by");
  query.as_of = Param(request, "as_of");
  query.agency_id = Param(request, "agency");
  auto report = Report(query, *district);
  if (!report.ok()) return FromStatus(report.status());
  if (csv) {
    response.set_content(KpiReportCsv(*report), "text/csv; charset=utf-8");
  } else {
    response.set_content(KpiReportJson(*report) + "\n", "application/json");
  }
  return std::nullopt;
}

std::optional<ApiError> HttpApi::State::Alerts(const httplib::Request& request,
                                               httplib::Response& response) {
  if (auto e = CheckParameters(request, {"open", "agency", "kind", "since", "limit", "cursor"})) {
    return e;
  }
  AlertRequest query;
  const std::string open = Param(request, "open");
  if (!open.empty() && open != "true" && open != "false") {
    return ApiError{400, "bad_parameter", "open must be true or false"};
  }
  query.open_only = open == "true";
  query.agency_id = Param(request, "agency");
  query.kind = Param(request, "kind");
  if (!query.kind.empty() && !core::AlertKindFromName(query.kind)) {
    return ApiError{400, "bad_parameter", "unknown alert kind '" + query.kind + "'"};
  }
  if (request.has_param("since")) {
    auto since = ParseAsOf(Param(request, "since"));
    if (!since.ok()) return FromStatus(since.status());
    query.since = *since;
  }
  int limit = 100;
  if (request.has_param("limit")) {
    const std::string text = Param(request, "limit");
    if (text.empty() || text.size() > 4 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(text) < 1 || std::stoi(text) > 1000) {
      return ApiError{400, "bad_parameter", "limit must be 1..1000"};
    }
    limit = std::stoi(text);
  }
  // The cursor is the (fires_at, alert_id) of the last alert of the page
  // before: fires_at holds no '~'.
  std::optional<std::pair<std::string, std::string>> after;
  if (request.has_param("cursor")) {
    const std::string cursor = Param(request, "cursor");
    const size_t tilde = cursor.find('~');
    if (tilde == std::string::npos) {
      return ApiError{400, "bad_parameter", "cursor is not one this server gave"};
    }
    after = std::pair(cursor.substr(0, tilde), cursor.substr(tilde + 1));
  }
  const projections::OpenDossiers* open_dossiers = nullptr;
  std::shared_ptr<const LiveFigures> figures;
  if (query.open_only) {
    auto live_figures = Live();
    if (!live_figures.ok()) return FromStatus(live_figures.status());
    figures = *live_figures;
    open_dossiers = &figures->open;
  }
  auto page = QueryAlertPage(*store, query, open_dossiers, static_cast<size_t>(limit), after);
  if (!page.ok()) return FromStatus(page.status());
  nlohmann::ordered_json body;
  body["alerts"] = nlohmann::ordered_json::array();
  for (auto& alert : page->alerts) body["alerts"].push_back(std::move(alert));
  body["next_cursor"] =
      page->next ? nlohmann::ordered_json(page->next->first + "~" + page->next->second) : nullptr;
  response.set_content(body.dump(2) + "\n", "application/json");
  return std::nullopt;
}

std::optional<ApiError> HttpApi::State::Targets(const httplib::Request& request,
                                                httplib::Response& response) {
  if (auto e = CheckParameters(request, {"period", "as_of", "scope"})) return e;
  auto district = District(request);
  if (!district.ok()) return FromStatus(district.status());
  KpiRequest query;
  query.period = Param(request, "period");
  if (query.period.empty()) {
    return ApiError{400, "missing_parameter", "period is required (e.g. 2019-06, 2019-Q2, 2019)"};
  }
  query.as_of = Param(request, "as_of");
  auto report = Report(query, *district);
  if (!report.ok()) return FromStatus(report.status());
  response.set_content(TargetsJson(*report, *reference).dump(2) + "\n", "application/json");
  return std::nullopt;
}

std::optional<ApiError> HttpApi::State::ScorecardPage(const httplib::Request& request,
                                                      httplib::Response& response) {
  if (auto e = CheckParameters(request, {"period", "as_of", "scope"})) return e;
  auto district = District(request);
  if (!district.ok()) return FromStatus(district.status());
  KpiRequest query;
  query.period = Param(request, "period");
  if (query.period.empty()) {
    return ApiError{400, "missing_parameter", "period is required (e.g. 2019-06, 2019-H1, 2019)"};
  }
  query.as_of = Param(request, "as_of");
  auto report = Report(query, *district);
  if (!report.ok()) return FromStatus(report.status());
  auto scorecard = BuildScorecard(
      *report,
      [&](const std::string& half) {
        KpiRequest half_query;
        half_query.period = half;
        // A district answer is always the latest figures.
        if (!*district) half_query.as_of = core::FormatLocal(report->as_of);
        return Report(half_query, *district);
      },
      *reference);
  if (!scorecard.ok()) return FromStatus(scorecard.status());
  response.set_content(ScorecardJson(*scorecard).dump(2) + "\n", "application/json");
  return std::nullopt;
}

std::string HttpApi::State::Metrics() {
  std::string out;
  out.append(BuildInfoMetric());
  metrics.Render(&out);
  AppendGauge(&out, "hoso_store_catch_up_total",
              "Catch-ups of this server's view with the database writer.", "counter",
              static_cast<int64_t>(catch_ups.load()));
  AppendGauge(&out, "hoso_store_catch_up_failures_total", "Catch-ups that failed.", "counter",
              static_cast<int64_t>(catch_up_failures.load()));
  auto meta = projections::ReadEngineMeta(*store);
  if (meta.ok() && meta->has_value()) {
    AppendGauge(&out, "hoso_events_logged", "Events in the event log (received and derived).",
                "gauge", static_cast<int64_t>((*meta)->log_sequence));
    auto checkpoint = projections::ReadCheckpointMeta(*store);
    if (checkpoint.ok()) {
      const uint64_t at = checkpoint->has_value() ? (*checkpoint)->batch_serial : 0;
      AppendGauge(&out, "hoso_batches_since_checkpoint",
                  "Batches committed after the last checkpoint (re-applied by a restart).", "gauge",
                  static_cast<int64_t>((*meta)->batch_serial - at));
    }
  }
  if (auto figures = Live(); figures.ok()) {
    // Open feedback chains (PAKN) are no dossiers.
    const auto dossiers =
        std::count_if((*figures)->open.begin(), (*figures)->open.end(),
                      [](const auto& open) { return !core::IsAgencyChain(open.first); });
    AppendGauge(&out, "hoso_open_dossiers", "Dossiers open (paused included) after the last batch.",
                "gauge", static_cast<int64_t>(dossiers));
  }
  AppendGauge(&out, "hoso_store_size_bytes", "Live SST files and write-ahead log of the database.",
              "gauge", static_cast<int64_t>(store->SizeBytes()));
  if (options.extra_metrics) out += options.extra_metrics();
  return out;
}

void HttpApi::State::Routes() {
  server.Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content("{\"status\": \"ok\"}\n", "application/json");
    metrics.Record("/healthz", 200, 0);
  });
  server.Get("/readyz", [this](const httplib::Request& request, httplib::Response& response) {
    Serve(
        "/readyz", request, response,
        [&](httplib::Response& r) -> std::optional<ApiError> {
          std::optional<std::string> reason;
          if (options.not_ready_reason) reason = options.not_ready_reason();
          nlohmann::ordered_json body;
          body["ready"] = !reason.has_value();
          if (reason) body["reason"] = *reason;
          r.status = reason ? 503 : 200;
          r.set_content(body.dump() + "\n", "application/json");
          return std::nullopt;
        },
        /*needs_token=*/false);
  });
  server.Get("/metrics", [this](const httplib::Request& request, httplib::Response& response) {
    Serve("/metrics", request, response, [&](httplib::Response& r) -> std::optional<ApiError> {
      if (auto e = CheckParameters(request, {})) return e;
      r.set_content(Metrics(), "text/plain; version=0.0.4; charset=utf-8");
      return std::nullopt;
    });
  });
  server.Get("/v1/kpi", [this](const httplib::Request& request, httplib::Response& response) {
    Serve(
        "/v1/kpi", request, response,
        [&](httplib::Response& r) { return Kpi(request, r, /*csv=*/false); },
        /*needs_token=*/true, /*reads_store=*/false);
  });
  server.Get("/v1/kpi.csv", [this](const httplib::Request& request, httplib::Response& response) {
    Serve(
        "/v1/kpi.csv", request, response,
        [&](httplib::Response& r) { return Kpi(request, r, /*csv=*/true); },
        /*needs_token=*/true, /*reads_store=*/false);
  });
  server.Get("/v1/targets", [this](const httplib::Request& request, httplib::Response& response) {
    Serve(
        "/v1/targets", request, response, [&](httplib::Response& r) { return Targets(request, r); },
        /*needs_token=*/true, /*reads_store=*/false);
  });
  server.Get("/v1/scorecard", [this](const httplib::Request& request, httplib::Response& response) {
    Serve(
        "/v1/scorecard", request, response,
        [&](httplib::Response& r) { return ScorecardPage(request, r); },
        /*needs_token=*/true, /*reads_store=*/false);
  });
  server.Get("/v1/open", [this](const httplib::Request& request, httplib::Response& response) {
    Serve(
        "/v1/open", request, response,
        [&](httplib::Response& r) -> std::optional<ApiError> {
          if (auto e = CheckParameters(request, {"as_of", "agency"})) return e;
          auto figures = Live();
          if (!figures.ok()) return FromStatus(figures.status());
          core::Instant as_of = Now();
          if (request.has_param("as_of")) {
            auto parsed = ParseAsOf(Param(request, "as_of"));
            if (!parsed.ok()) return FromStatus(parsed.status());
            as_of = *parsed;
          }
          if ((*figures)->clock && as_of < *(*figures)->clock) {
            return ApiError{400, "bad_parameter",
                            "as_of is before the last applied event (" +
                                core::FormatLocal(*(*figures)->clock) +
                                "): open dossiers are known from then on (use /v1/kpi?as_of= for "
                                "earlier instants)"};
          }
          const std::string agency = Param(request, "agency");
          if (!agency.empty() && reference->agencies.Find(agency) == nullptr) {
            return ApiError{400, "bad_parameter", "unknown agency '" + agency + "'"};
          }
          r.set_content(OpenDossiersJson(**figures, *reference, as_of, agency).dump(2) + "\n",
                        "application/json");
          return std::nullopt;
        },
        /*needs_token=*/true, /*reads_store=*/false);
  });
  server.Get("/v1/alerts", [this](const httplib::Request& request, httplib::Response& response) {
    Serve("/v1/alerts", request, response,
          [&](httplib::Response& r) { return Alerts(request, r); });
  });
  server.Get(R"(/v1/dossiers/(.+))", [this](const httplib::Request& request,
                                            httplib::Response& response) {
    Serve("/v1/dossiers", request, response, [&](httplib::Response& r) -> std::optional<ApiError> {
      if (auto e = CheckParameters(request, {"local"})) return e;
      const std::string id = httplib::detail::decode_url(request.matches[1].str(), false);
      auto history = QueryHistory(*store, *reference, id);
      if (!history.ok() && history.status().code() != core::StatusCode::kNotFound) {
        return FromStatus(history.status());
      }
      std::optional<int32_t> partition;
      if (history.ok() && history->contains("input_partition")) {
        partition = (*history)["input_partition"].get<int32_t>();
      }
      // A member of a consumer group answers for the partitions live in it;
      // a copy of a partition that moved away may be behind its owner.
      const bool answers_here = history.ok() && (!options.partition_live_here || !partition ||
                                                 options.partition_live_here(*partition));
      if (answers_here) {
        r.set_content(history->dump(2) + "\n", "application/json");
        return std::nullopt;
      }
      if (!options.partition_live_here || Param(request, "local") == "true") {
        return ApiError{404, "not_found", "no dossier '" + id + "'"};
      }
      return ForwardDossier(request, r, id, partition);
    });
  });
  // The dashboard (docs/dashboard.md): the page at / and its files at
  // /assets/NAME, compiled in. No token (the page cannot know it; its API
  // requests carry it from #token=) and no database read.
  server.Get("/", [this](const httplib::Request& request, httplib::Response& response) {
    ServeDashboard("/", "/", request, response);
  });
  server.Get(R"(/assets/([^/]+))",
             [this](const httplib::Request& request, httplib::Response& response) {
               ServeDashboard("/assets", request.matches[1].str(), request, response);
             });
  // Everything else: a JSON 404 (unknown path) or 405 (not GET/HEAD).
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    if (response.status == 404) {
      SendError({404, "not_found", "no such endpoint: " + request.path}, response);
    } else if (response.status == 400) {
      SendError({400, "bad_parameter", "malformed request"}, response);
    }
  });
  const auto not_allowed = [](const httplib::Request& request, httplib::Response& response) {
    response.set_header("Allow", "GET, HEAD");
    SendError({405, "method_not_allowed", request.method + " is not allowed: the API is read-only"},
              response);
  };
  server.Post(".*", not_allowed);
  server.Put(".*", not_allowed);
  server.Delete(".*", not_allowed);
  server.Patch(".*", not_allowed);
}

HttpApi::HttpApi(std::unique_ptr<State> state) : state_(std::move(state)) {}

core::Result<std::unique_ptr<HttpApi>> HttpApi::Start(const std::string& db_path,
                                                      const Reference* reference,
                                                      HttpOptions options) {
  auto address = ParseListenAddress(options.listen);
  if (!address.ok()) return address.status();
  if (!IsLoopbackHost(address->first) && options.token.empty()) {
    return core::Status::InvalidArgument(
        "listening on " + options.listen +
        " (not loopback) needs a token (--token-file / http.token_file): the API would be open "
        "to the network");
  }
  if (options.refresh_ms < 0) options.refresh_ms = 0;
  auto state = std::make_unique<State>();
  state->db_path = db_path;
  state->reference = reference;
  state->options = std::move(options);
  // RocksDB's files for the secondary (its info log) live in a private
  // temp directory, removed by Stop.
  std::string pattern =
      (std::filesystem::temp_directory_path() / "hoso-http-secondary-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return core::Status::IOError("cannot create a temp directory for the database view");
  }
  state->secondary_dir = pattern;
  auto store = OpenForServing(db_path, state->secondary_dir);
  if (!store.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(state->secondary_dir, ec);
    return store.status();
  }
  state->store = std::move(*store);
  // The first round before the first request: a clear error now rather than
  // 503s later.
  if (core::Status first = state->RefreshOnce(); !first.ok()) {
    state->store.reset();
    std::error_code ec;
    std::filesystem::remove_all(state->secondary_dir, ec);
    return first;
  }
  state->server.set_tcp_nodelay(true);  // else Nagle + delayed ACK add ~40 ms to answers
  state->Routes();
  const auto& [host, port] = *address;
  if (port == 0) {
    state->port = state->server.bind_to_any_port(host.c_str());
  } else {
    state->port = state->server.bind_to_port(host.c_str(), port) ? port : -1;
  }
  if (state->port <= 0) {
    std::error_code ec;
    std::filesystem::remove_all(state->secondary_dir, ec);
    return core::Status::IOError("cannot listen on " + state->options.listen +
                                 " (in use, or not an address of this machine)");
  }
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  state->refresher = std::thread([raw] { raw->RefreshLoop(); });
  return std::unique_ptr<HttpApi>(new HttpApi(std::move(state)));
}

int HttpApi::port() const { return state_->port; }

void HttpApi::Stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  {
    std::lock_guard lock(state_->wake_mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  if (state_->refresher.joinable()) state_->refresher.join();
  state_->server.stop();
  if (state_->thread.joinable()) state_->thread.join();
  state_->store.reset();
  std::error_code ec;
  std::filesystem::remove_all(state_->secondary_dir, ec);
}

HttpApi::~HttpApi() { Stop(); }

}  // namespace hoso::tools
