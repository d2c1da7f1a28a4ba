#include "projections/kpi_query.h"

#include <cstdint>
#include <set>
#include <tuple>

namespace hoso::projections {
namespace {

using core::Result;
using core::Status;

bool ReadInt(std::string_view text, int* out) {
  if (text.empty()) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

core::Instant MonthStart(int year, int month) {
  const int64_t day = core::DaysFromCivil(core::CivilDate{year, month, 1});
  return core::ToInstant(core::LocalMinute::AtDay(day, 0));
}

}  // namespace

Result<Period> ParsePeriod(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("period '" + std::string(text) +
                                   "' is not YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY");
  };
  int year = 0;
  if (text.size() < 4 || !ReadInt(text.substr(0, 4), &year)) return bad();
  if (year < 1970) {
    return Status::InvalidArgument("period '" + std::string(text) + "': year " +
                                   std::to_string(year) +
                                   " is before 1970; the official calendar hoso ships covers "
                                   "2018-12 to 2026");
  }
  int first = 1, last = 12;
  if (text.size() == 4) {
  } else if (text.size() == 7 && text[4] == '-' && (text[5] == 'Q' || text[5] == 'q')) {
    int quarter = 0;
    if (!ReadInt(text.substr(6), &quarter) || quarter < 1 || quarter > 4) return bad();
    first = quarter * 3 - 2;
    last = quarter * 3;
  } else if (text.size() == 7 && text[4] == '-' && (text[5] == 'H' || text[5] == 'h')) {
    int half = 0;
    if (!ReadInt(text.substr(6), &half) || half < 1 || half > 2) return bad();
    first = half * 6 - 5;
    last = half * 6;
  } else if (text.size() == 7 && text[4] == '-') {
    int month = 0;
    if (!ReadInt(text.substr(5), &month) || month < 1 || month > 12) return bad();
    first = last = month;
  } else {
    return bad();
  }
  Period period;
  period.label = std::string(text);
  period.first_month = year * 100 + first;
  period.last_month = year * 100 + last;
  period.start = MonthStart(year, first);
  period.end = last == 12 ? MonthStart(year + 1, 1) : MonthStart(year, last + 1);
  return period;
}

std::vector<core::KpiCell> CellsInPeriod(const std::map<KpiKey, core::KpiCounters>& cells,
                                         const Period& period) {
  std::map<std::tuple<std::string, std::string, int>, core::KpiCounters> summed;
  // Keys order by month first: only the period's months are visited.
  KpiKey first;
  first.month_key = period.first_month;
  first.partition = INT32_MIN;
  for (auto it = cells.lower_bound(first);
       it != cells.end() && it->first.month_key <= period.last_month; ++it) {
    summed[{it->first.agency_id, it->first.procedure_id, it->first.month_key}] += it->second;
  }
  std::vector<core::KpiCell> out;
  out.reserve(summed.size());
  for (auto& [key, counters] : summed) {
    out.push_back(core::KpiCell{std::get<0>(key), std::get<1>(key), std::get<2>(key), counters});
  }
  return out;
}

KpiReport BuildKpiReport(const Period& period, core::Instant as_of, GroupBy by,
                         const std::vector<core::KpiCell>& cells,
                         const std::vector<core::OpenCell>& open,
                         const core::ProcedureCatalog& catalog, const core::AgencyList& agencies) {
  KpiReport report;
  report.period = period;
  report.as_of = as_of;
  report.by = by;
  std::set<std::string> keys;
  if (by == GroupBy::kAgency) {
    for (const core::Agency& agency : agencies.all()) keys.insert(agency.agency_id);
  } else {
    for (const core::Procedure& procedure : catalog.all()) keys.insert(procedure.procedure_id);
  }
  auto key_of = [&](const std::string& agency, const std::string& procedure) -> const std::string& {
    return by == GroupBy::kAgency ? agency : procedure;
  };
  std::map<std::string, std::vector<const core::KpiCell*>> cells_by_key;
  std::map<std::string, std::vector<const core::OpenCell*>> open_by_key;
  std::vector<const core::KpiCell*> all_cells;
  std::vector<const core::OpenCell*> all_open;
  for (const core::KpiCell& cell : cells) {
    // Dialogues (procedure_id empty) belong to no procedure: only to their
    // agency's row and the total.
    if (by == GroupBy::kProcedure && cell.procedure_id.empty()) {
      all_cells.push_back(&cell);
      continue;
    }
    keys.insert(key_of(cell.agency_id, cell.procedure_id));
    cells_by_key[key_of(cell.agency_id, cell.procedure_id)].push_back(&cell);
    all_cells.push_back(&cell);
  }
  for (const core::OpenCell& cell : open) {
    // Open feedback (procedure_id empty): its agency's row and the total.
    if (by == GroupBy::kProcedure && cell.procedure_id.empty()) {
      all_open.push_back(&cell);
      continue;
    }
    keys.insert(key_of(cell.agency_id, cell.procedure_id));
    open_by_key[key_of(cell.agency_id, cell.procedure_id)].push_back(&cell);
    all_open.push_back(&cell);
  }
  for (const std::string& key : keys) {
    core::CoverageScope scope = core::CoverageScope::kOnlyReceived;
    if (by == GroupBy::kAgency) {
      if (const core::Agency* agency = agencies.Find(key)) {
        scope = agency->level == core::AgencyLevel::kWard ? core::CoverageScope::kWardLevel
                                                          : core::CoverageScope::kDistrictLevel;
      }
    }
    report.rows.push_back(
        core::ComputeKpiRow(key, cells_by_key[key], open_by_key[key], catalog, scope));
  }
  report.total =
      core::ComputeKpiRow("total", all_cells, all_open, catalog, core::CoverageScope::kAllLevels);
  if (as_of >= period.end || as_of < period.start) {
    // The open counts are those of an instant outside the period (after its
    // end, or before it began): 766 2.1 would count dossiers that were not
    // processed in it.
    for (core::KpiRow& row : report.rows) row.ratios.on_time_ratio_766.reset();
    report.total.ratios.on_time_ratio_766.reset();
  }
  return report;
}

}  // namespace hoso::projections
