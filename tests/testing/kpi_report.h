// The integer fields of a KPI report (`hoso kpi --format json`, /v1/kpi)
// grouped by agency, for tests that compare figures from several sources.
// Ratios are not additive and are left out.
#ifndef HOSO_TESTS_TESTING_KPI_REPORT_H_
#define HOSO_TESTS_TESTING_KPI_REPORT_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace hoso::testing {

// agency_id (and "TOTAL") -> field name -> value.
using KpiByAgency = std::map<std::string, std::map<std::string, int64_t>>;

// The integer fields of the rows and total of `json_text` (a report with
// `by` agency), only those named in `names` when it is not empty; empty
// when the text is not a report.
KpiByAgency KpiByAgencyOfReport(const std::string& json_text,
                                const std::set<std::string>& names = {});

// The same of `hoso kpi --db DB --period PERIOD --by agency`; empty when the
// command fails.
KpiByAgency KpiByAgencyOfDb(const std::string& db, const std::string& period,
                            const std::set<std::string>& names = {});

// The JSON text of `counters`, for failure messages.
std::string Describe(const KpiByAgency& counters);

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_KPI_REPORT_H_
