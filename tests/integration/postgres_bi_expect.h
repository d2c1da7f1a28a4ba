// What the PostgreSQL BI tables must say about a RocksDB database (issue 11):
// for every month with cells and every agency, hoso.kpi_monthly equals
// `hoso kpi --period <month> --format json` (counters exactly, ratios as the
// JSON rounds them, NULL = null); hoso.alerts holds exactly the alerts of
// `hoso alerts --format json`; hoso.dossiers counts agree with the counters
// (every dossier received once; finished ones by kind and classification).
#ifndef HOSO_TESTS_INTEGRATION_POSTGRES_BI_EXPECT_H_
#define HOSO_TESTS_INTEGRATION_POSTGRES_BI_EXPECT_H_

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/cli_runner.h"
#include "tests/testing/postgres_cluster.h"

namespace hoso::testing {

inline const std::vector<std::string> kCounterNames = {"received",
                                                       "received_one_stop",
                                                       "online_received",
                                                       "online_received_level3",
                                                       "online_received_level4",
                                                       "direct",
                                                       "postal",
                                                       "resolved",
                                                       "resolved_early",
                                                       "resolved_on_time",
                                                       "resolved_late",
                                                       "late_apologized",
                                                       "late_apologized_timely",
                                                       "resolved_online",
                                                       "withdrawn",
                                                       "rejected"};
inline const std::vector<std::string> kRatioNames = {
    "on_time_ratio",   "online_share",   "online_processing_share",
    "online_coverage", "one_stop_share", "apology_compliance"};

inline std::vector<std::vector<std::string>> PsqlRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> fields;
    size_t at = 0;
    for (;;) {
      const size_t bar = line.find('|', at);
      fields.push_back(line.substr(at, bar == std::string::npos ? std::string::npos : bar - at));
      if (bar == std::string::npos) break;
      at = bar + 1;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

// A PostgreSQL ratio as the JSON of `hoso kpi` shows it (4 decimals).
inline nlohmann::json RoundedRatio(const std::string& text) {
  if (text.empty()) return nullptr;
  return std::round(std::stod(text) * 10000.0) / 10000.0;
}

inline void ExpectKpiMonthlyEqualsKpiJson(const PostgresCluster& cluster, const std::string& pg_db,
                                          const std::string& rocks_db) {
  std::string select = "SELECT period, agency_id";
  for (const std::string& c : kCounterNames) select += ", " + c;
  for (const std::string& r : kRatioNames) select += ", " + r;
  select += " FROM hoso.kpi_monthly ORDER BY period, agency_id";
  const std::string text = cluster.Psql(pg_db, select);
  ASSERT_EQ(text.rfind("error", 0), std::string::npos) << text;
  std::map<std::string, std::map<std::string, std::vector<std::string>>> view;  // period -> agency
  for (auto& row : PsqlRows(text)) view[row[0]][row[1]] = row;
  ASSERT_FALSE(view.empty()) << "kpi_monthly is empty";
  int compared = 0;
  for (const auto& [period, agencies] : view) {
    auto kpi = RunHoso({"kpi", "--db", rocks_db, "--period", period, "--format", "json"});
    ASSERT_EQ(kpi.exit_code, 0) << kpi.err;
    const nlohmann::json json = nlohmann::json::parse(kpi.out);
    std::set<std::string> seen;
    for (const nlohmann::json& row : json["rows"]) {
      const std::string agency = row["agency_id"];
      seen.insert(agency);
      auto it = agencies.find(agency);
      if (it == agencies.end()) {
        // Only in the JSON (seen in open dossiers, not in any cell): no counts.
        for (const std::string& c : kCounterNames) {
          EXPECT_EQ(row[c], 0) << period << " " << agency << " " << c;
        }
        continue;
      }
      const std::vector<std::string>& fields = it->second;
      for (size_t i = 0; i < kCounterNames.size(); ++i) {
        EXPECT_EQ(std::to_string(row[kCounterNames[i]].get<int64_t>()), fields[2 + i])
            << period << " " << agency << " " << kCounterNames[i];
      }
      for (size_t i = 0; i < kRatioNames.size(); ++i) {
        const nlohmann::json expected = row[kRatioNames[i]];
        const nlohmann::json actual = RoundedRatio(fields[2 + kCounterNames.size() + i]);
        if (expected.is_null() || actual.is_null()) {
          EXPECT_EQ(expected.is_null(), actual.is_null())
              << period << " " << agency << " " << kRatioNames[i] << ": json " << expected
              << ", view " << fields[2 + kCounterNames.size() + i];
        } else {
          EXPECT_NEAR(expected.get<double>(), actual.get<double>(), 1e-9)
              << period << " " << agency << " " << kRatioNames[i];
        }
      }
      ++compared;
    }
    for (const auto& [agency, fields] : agencies) {
      EXPECT_TRUE(seen.count(agency) > 0) << period << ": " << agency << " only in the view";
    }
  }
  EXPECT_GT(compared, 0);
}

inline void ExpectAlertsAndDossiersAgree(const PostgresCluster& cluster, const std::string& pg_db,
                                         const std::string& rocks_db) {
  auto alerts = RunHoso({"alerts", "--db", rocks_db, "--format", "json"});
  ASSERT_EQ(alerts.exit_code, 0) << alerts.err;
  std::set<std::string> expected_ids;
  for (const nlohmann::json& alert : nlohmann::json::parse(alerts.out)) {
    expected_ids.insert(alert["alert_id"].get<std::string>() + "|" +
                        alert["raised_at"].get<std::string>().substr(0, 16));
  }
  std::set<std::string> ids;
  for (const auto& row :
       PsqlRows(cluster.Psql(pg_db,
                             "SELECT alert_id, to_char(raised_at AT TIME ZONE 'Asia/Ho_Chi_Minh', "
                             "'YYYY-MM-DD\"T\"HH24:MI') FROM hoso.alerts"))) {
    ids.insert(row[0] + "|" + row[1] + "|" + row[2] + "|" + row[3]);
  }
  EXPECT_EQ(ids.size(), expected_ids.size());
  EXPECT_TRUE(ids == expected_ids) << "hoso.alerts differs from `hoso alerts`";
  // A ward's dialogue_missing names no dossier (docs/bi.md): its dossier_id
  // is agency:<agency_id>, its procedure_id the empty string (not NULL).
  const auto wards = PsqlRows(cluster.Psql(
      pg_db,
      "SELECT count(*) FILTER (WHERE dossier_id <> 'agency:' || agency_id OR procedure_id <> '' "
      "OR procedure_id IS NULL OR due_at <> fires_at), count(*) FROM hoso.alerts "
      "WHERE kind = 'dialogue_missing'"));
  ASSERT_EQ(wards.size(), 1u);
  ASSERT_EQ(wards[0].size(), 2u);
  EXPECT_EQ(wards[0][0], "0") << "a dialogue_missing row out of shape";
  EXPECT_NE(wards[0][1], "0") << "every data set loaded passes a 15 June";

  // Every dossier is received once; finished ones by kind and class.
  const std::string sums = cluster.Psql(
      pg_db,
      "SELECT sum(received), sum(resolved), sum(withdrawn), sum(rejected), sum(resolved_early), "
      "sum(resolved_on_time), sum(resolved_late) FROM hoso.kpi_cells");
  const std::string counts = cluster.Psql(
      pg_db,
      "SELECT count(*), count(*) FILTER (WHERE status = 'resolved'), "
      "count(*) FILTER (WHERE status = 'withdrawn'), count(*) FILTER (WHERE status = "
      "'rejected'), count(*) FILTER (WHERE classification = 'early'), count(*) FILTER (WHERE "
      "classification = 'on_time'), count(*) FILTER (WHERE classification = 'late') "
      "FROM hoso.dossiers");
  EXPECT_EQ(counts, sums) << "dossiers (count, resolved, withdrawn, rejected, early, on time, "
                             "late) vs the KPI counters";
}

}  // namespace hoso::testing

#endif  // HOSO_TESTS_INTEGRATION_POSTGRES_BI_EXPECT_H_
