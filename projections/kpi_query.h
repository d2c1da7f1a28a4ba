// KPI query: periods, and the report of docs/cli.md built from the stored
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
#include "projections/kpi_cells.h"
#include "projections/kv_store.h"

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
  // False for a district answer from hoso.kpi (docs/scale.md): the open
  // counts and on_time_ratio_766 need the dossiers' state, which only each
  // partition's owner holds, so they are unknown (null), not zero.
  bool open_known = true;
};

// Sums the cells of the period over input partitions.
std::vector<core::KpiCell> CellsInPeriod(const std::map<KpiKey, core::KpiCounters>& cells,
                                         const Period& period);

KpiReport BuildKpiReport(const Period& period, core::Instant as_of, GroupBy by,
                         const std::vector<core::KpiCell>& cells,
                         const std::vector<core::OpenCell>& open,
                         const core::ProcedureCatalog& catalog, const core::AgencyList& agencies);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_KPI_QUERY_H_
