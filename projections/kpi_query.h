// KPI query: periods, and the report of design.md §5 built from the stored
// counters and the dossiers open at an as-of instant.
#ifndef HOSO_PROJECTIONS_KPI_QUERY_H_
#define HOSO_PROJECTIONS_KPI_QUERY_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/instant.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/reference_data.h"
#include "engine/core/status.h"
#include "projections/kv_store.h"
#include "projections/records.h"

namespace hoso::projections {

// A reporting period of whole local months: "2019-06", "2019-Q2", "2019-H1", "2019".
struct Period {
  std::string label;
  int first_month = 0;  // yyyymm
  int last_month = 0;   // yyyymm, inclusive
  core::Instant start;  // 00:00 local of the first day
  core::Instant end;    // 00:00 local of the day after the period (exclusive)
};
core::Result<Period> ParsePeriod(std::string_view text);

enum class GroupBy { kAgency, kProcedure };

struct KpiReport {
  Period period;
  core::Instant as_of;
  GroupBy by = GroupBy::kAgency;
  std::vector<core::KpiRow> rows;  // sorted by key; every listed agency/procedure plus any seen
  core::KpiRow total;
};

// Sums the cells of the period over input partitions.
std::vector<core::KpiCell> CellsInPeriod(const std::map<KpiKey, core::KpiCounters>& cells,
                                         const Period& period);
// Reads every KPI cell of a store.
core::Result<std::map<KpiKey, core::KpiCounters>> LoadKpiCells(KvStore& store);

// Dossiers open at `as_of` per (receiving agency, procedure), from the current
// states: exact when as_of is at or after the last applied event (the store's
// clock); earlier instants need a fold of the log (runtime/log_replayer.h).
// Open: received at or before as_of and not finished at as_of. Overdue: open,
// not paused, and as_of after due_at; or paused at or after its due_at.
core::Result<std::vector<core::OpenCell>> CountOpenDossiers(KvStore& store, core::Instant as_of);

KpiReport BuildKpiReport(const Period& period, core::Instant as_of, GroupBy by,
                         const std::vector<core::KpiCell>& cells,
                         const std::vector<core::OpenCell>& open,
                         const core::ProcedureCatalog& catalog, const core::AgencyList& agencies);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_KPI_QUERY_H_
