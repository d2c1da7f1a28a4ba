// The read side of hoso: what `kpi`, `history` and `alerts` answer,
// computed from a store and the reference data. The CLI prints these and the
// HTTP API (http_api.h) serves them through the same encoders (kpi_output.h
// and the JSON below), so both always say the same thing.
//
// Thread-safety: the functions read the store only; callers serialize them
// with anything that changes the store's view (a secondary's catch-up).
#ifndef HOSO_TOOLS_HOSO_QUERIES_H_
#define HOSO_TOOLS_HOSO_QUERIES_H_

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/core/instant.h"
#include "engine/core/status.h"
#include "projections/batch_delta.h"
#include "projections/kpi_cells.h"
#include "projections/kpi_query.h"
#include "projections/kv_store.h"
#include "tools/hoso/context.h"

namespace hoso::tools {

// The store's figures after its last committed batch: what a KPI report as
// of an instant at or after the store's clock is computed from. Loading it
// reads every KPI cell and open dossier, so a server keeps one per store
// state (see `state_key`).
struct LiveFigures {
  // Changes whenever a batch is committed (events logged, batches): two
  // loads with the same key hold the same figures.
  std::string state_key;
  std::optional<core::Instant> clock;  // the event clock; nullopt: nothing applied
  std::map<projections::KpiKey, core::KpiCounters> cells;  // summed over partitions (0)
  projections::OpenDossiers open;
};
core::Result<LiveFigures> LoadLiveFigures(projections::KvStore& store);
// The state key alone (one meta read), to tell whether LiveFigures are stale.
core::Result<std::string> ReadStateKey(projections::KvStore& store);

struct KpiRequest {
  std::string period;         // "2019-06", "2019-Q2", "2019-H1", "2019"
  std::string by = "agency";  // "agency" or "procedure"
  std::string as_of;          // RFC 3339 or YYYY-MM-DD; empty: end of the period, or `now`
  std::string agency_id;      // empty: every agency; else only its dossiers
};
// The instant a KPI report of `period` is as of: `as_of_text` (RFC 3339 or
// YYYY-MM-DD = the end of that day) when given, else the end of the period,
// or `now` if the period is not over. InvalidArgument for a bad instant.
core::Result<core::Instant> ResolveAsOf(const projections::Period& period,
                                        const std::string& as_of_text, core::Instant now);

// Opens `path` read-only for QueryKpi of `request`: only the column families
// of the live figures (kLiveFigureColumns) when the store's clock has not
// passed the request's as-of, else every family (the log is folded). A
// crash-left write-ahead log is then replayed only for those families.
core::Result<std::unique_ptr<connectors::RocksKvStore>> OpenForKpi(const std::string& path,
                                                                   const KpiRequest& request,
                                                                   core::Instant now);

// InvalidArgument for a bad period, grouping or instant. `live` may be null
// (then it is loaded when needed). `now` bounds the default as-of.
core::Result<projections::KpiReport> QueryKpi(projections::KvStore& store,
                                              const Reference& reference, const KpiRequest& request,
                                              const LiveFigures* live, core::Instant now);

// The district's report of `request` from the KPI cells every instance
// publishes on hoso.kpi (docs/scale.md "District-wide answers"), as of
// `now`: `cells_of_months(first, last)` gives the cells of those months per
// input partition. The open counts and on_time_ratio_766 are unknown
// (report.open_known false): only each partition's owner holds its open
// dossiers. InvalidArgument for a bad period, grouping or agency, and for an
// as_of: an earlier instant is a fold of the event log, which is split
// between the instances.
using CellsOfMonths = std::function<core::Result<std::map<projections::KpiKey, core::KpiCounters>>(
    int first_month, int last_month)>;
core::Result<projections::KpiReport> QueryDistrictKpi(const Reference& reference,
                                                      const KpiRequest& request, core::Instant now,
                                                      const CellsOfMonths& cells_of_months);

// A dossier's timeline (events, chain links, due after each event,
// classification): the JSON of `hoso history --format json`. NotFound when
// the log holds no event of it. A dialogue's chain ("dialogue:<id>") has no
// procedure, due or classification fields.
core::Result<nlohmann::ordered_json> QueryHistory(projections::KvStore& store,
                                                  const Reference& reference,
                                                  std::string_view dossier_id);

struct AlertRequest {
  bool open_only = false;              // only dossiers still open (paused included)
  std::string agency_id;               // empty: all
  std::string kind;                    // empty: all
  std::optional<core::Instant> since;  // only fires_at at or after
};
// The alerts raised, each as stored (schemas/alert.schema.json), oldest
// fires_at first (ties by alert_id). `open` may be null (loaded when needed).
core::Result<std::vector<nlohmann::ordered_json>> QueryAlerts(
    projections::KvStore& store, const AlertRequest& request,
    const projections::OpenDossiers* open);

// One page of the alerts QueryAlerts would list, newest first (fires_at,
// then alert_id, descending), strictly older than `after` when given, at
// most `limit`; `next` is the last one's (fires_at, alert_id) when more
// follow. Reads each stored alert's fields without parsing its JSON and
// parses only the page's, so a page costs one pass over the alert log.
struct AlertPage {
  std::vector<nlohmann::ordered_json> alerts;
  std::optional<std::pair<std::string, std::string>> next;
};
core::Result<AlertPage> QueryAlertPage(
    projections::KvStore& store, const AlertRequest& request, const projections::OpenDossiers* open,
    size_t limit, const std::optional<std::pair<std::string, std::string>>& after);

// The dossiers open at `as_of` (at or after the live figures' clock), per
// receiving agency of the reference list (plus any seen) and in total:
// open, paused, overdue (the rule of docs/kpis.md `open_overdue`), and due
// today (neither paused nor overdue, due_at on as_of's local date).
// `agency_id` non-empty: only that agency.
nlohmann::ordered_json OpenDossiersJson(const LiveFigures& live, const Reference& reference,
                                        core::Instant as_of, const std::string& agency_id);

// The plan's targets and, per agency of the reference list, each ratio of
// `report` (grouped by agency) against them: met true/false, null when the
// ratio has no denominator.
nlohmann::ordered_json TargetsJson(const projections::KpiReport& report,
                                   const Reference& reference);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_QUERIES_H_
