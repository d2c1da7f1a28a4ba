// HttpApi: the read-only HTTP surface of hoso (docs/http.md): the JSON API
// under /v1/, /healthz, /readyz and /metrics, served by cpp-httplib's thread
// pool from a database opened as a RocksDB secondary instance.
//
// Consistency: a background thread catches the view up with the writer
// every refresh_ms (while no /v1/ request came for a minute, every 10 s, and
// the next /v1/ request catches up before it answers, so /v1/ answers are
// always at most refresh_ms stale); a catch-up applies whole write batches and every engine
// commit is one, and requests read under a shared lock that the catch-up
// takes exclusively, so an answer always reflects one batch boundary. The
// live figures (KPI cells, open dossiers) are loaded by that thread once per
// changed state while requests ask for them (by the first request after a
// minute without any) and shared; reports of earlier instants (a fold of the log)
// are kept while the state is unchanged. Answers come from the same functions and encoders as the
// CLI (queries.h, kpi_output.h).
//
// Thread-safety: Start, port and Stop from one thread; requests are served
// on the server's own threads.
#ifndef HOSO_TOOLS_HOSO_HTTP_API_H_
#define HOSO_TOOLS_HOSO_HTTP_API_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/instant.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/status.h"
#include "projections/kpi_cells.h"
#include "tools/hoso/context.h"

namespace hoso::tools {

// Another instance of a consumer group, as it announced itself.
struct PeerInstance {
  std::string name;
  std::string url;  // "http://host:port"; empty: it serves no HTTP API
};

struct HttpOptions {
  // host:port or [v6]:port; port 0 picks a free one (see port()).
  // Default: 127.0.0.1:8080.
  std::string listen = "127.0.0.1:8080";
  // Bearer token every /v1/ and /metrics request must carry; empty: none.
  // A listen address that is not loopback is refused without one.
  std::string token;
  // A background thread catches the view up with the writer, and reloads
  // the live figures when a batch changed them, this often (at least every
  // 10 ms) while /v1/ requests come. /v1/ answers are at most this stale.
  // Default: 1000 ms.
  int refresh_ms = 1000;
  // The wall clock (the default as-of of a period not over). Default: the
  // system clock.
  std::function<core::Instant()> now;
  // `serve` adds its pipeline's metrics (Prometheus text, appended to
  // /metrics) and its readiness (nullopt: ready; else why not). May be empty.
  std::function<std::string()> extra_metrics;
  std::function<std::optional<std::string>()> not_ready_reason;

  // `serve` in a consumer group (docs/scale.md "District-wide answers").
  // When set, /v1/kpi, /v1/kpi.csv, /v1/targets and /v1/scorecard answer for
  // the whole district from these cells (months first..last, per input
  // partition, the latest value of each on hoso.kpi; Unavailable while the
  // view is still reading the topic) when the request says scope=district,
  // or says no scope and `holds_whole_district` is false or unset: an
  // instance where every input partition is live answers from its own
  // database, which also knows the open dossiers and earlier instants.
  std::function<core::Result<std::map<projections::KpiKey, core::KpiCounters>>(int first_month,
                                                                               int last_month)>
      district_cells;
  std::function<bool()> holds_whole_district;
  // When set, /v1/dossiers/ID answers only for a dossier whose input
  // partition is live here, and otherwise forwards the request to the
  // instance that owns it (or, when the partition is not known here, asks
  // every other instance), naming the owner when it cannot answer.
  std::function<bool(int32_t partition)> partition_live_here;
  std::function<std::optional<PeerInstance>(int32_t partition)> owner_of;
  std::function<std::vector<PeerInstance>()> other_instances;
};

// Parses host:port / [v6]:port; InvalidArgument naming what is wrong.
core::Result<std::pair<std::string, int>> ParseListenAddress(const std::string& listen);
// The token of a token file: its first line without surrounding blanks;
// InvalidArgument when unreadable or shorter than 16 characters.
core::Result<std::string> ReadTokenFile(const std::string& path);
// Writes `port` and a newline to `path`, whole (a temp file renamed), so a
// reader never sees half a number.
core::Status WritePortFile(const std::string& path, int port);
// True for 127.0.0.0/8, ::1 and localhost.
bool IsLoopbackHost(const std::string& host);

class HttpApi {
 public:
  // Opens `db_path` as a secondary instance, binds the address and starts
  // serving on its own threads. NotFound when there is no database,
  // InvalidArgument for a bad or non-loopback address without a token,
  // IOError when the address cannot be bound. `reference` must outlive the
  // server.
  static core::Result<std::unique_ptr<HttpApi>> Start(const std::string& db_path,
                                                      const Reference* reference,
                                                      HttpOptions options);
  ~HttpApi();  // Stop()
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // The port bound (the chosen one when the address said 0).
  int port() const;
  // Stops accepting, finishes the requests in progress, closes the database.
  void Stop();

  struct State;

 private:
  explicit HttpApi(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_HTTP_API_H_
