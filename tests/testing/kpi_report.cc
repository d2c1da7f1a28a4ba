#include "tests/testing/kpi_report.h"

#include <nlohmann/json.hpp>

#include "tests/testing/cli_runner.h"

namespace hoso::testing {

KpiByAgency KpiByAgencyOfReport(const std::string& json_text, const std::set<std::string>& names) {
  KpiByAgency counters;
  const nlohmann::json json = nlohmann::json::parse(json_text, nullptr, false);
  if (json.is_discarded() || !json.contains("rows")) return counters;
  auto add = [&](const std::string& key, const nlohmann::json& row) {
    for (const auto& [name, value] : row.items()) {
      if (value.is_number_integer() && (names.empty() || names.count(name))) {
        counters[key][name] += value.get<int64_t>();
      }
    }
  };
  for (const nlohmann::json& row : json["rows"]) add(row["agency_id"].get<std::string>(), row);
  add("TOTAL", json["total"]);
  return counters;
}

KpiByAgency KpiByAgencyOfDb(const std::string& db, const std::string& period,
                            const std::set<std::string>& names) {
  auto result =
      RunHoso({"kpi", "--db", db, "--period", period, "--by", "agency", "--format", "json"});
  if (result.exit_code != 0) return {};
  return KpiByAgencyOfReport(result.out, names);
}

std::string Describe(const KpiByAgency& counters) { return nlohmann::json(counters).dump(); }

}  // namespace hoso::testing
