#include "tools/hoso/scorecard.h"

#include <map>
#include <optional>
#include <set>

#include "tools/hoso/kpi_output.h"

namespace hoso::tools {
namespace {

// Column headings of the table (the JSON and CSV use the measure names).
const char* ShortLabel(core::PlanMeasure measure) {
  switch (measure) {
    case core::PlanMeasure::kOnTimeRatio:
      return "on-time";
    case core::PlanMeasure::kOnlineCoverage:
      return "online-cov";
    case core::PlanMeasure::kOnlineProcessingShare:
      return "online";
    case core::PlanMeasure::kOneStopShare:
      return "one-stop";
    case core::PlanMeasure::kApologyCompliance:
      return "apology";
    case core::PlanMeasure::kOnlineShare:
      return "online-rcv";
  }
  return "?";
}

std::string FormatPercent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", fraction * 100.0);
  return buffer;
}

nlohmann::ordered_json AllMetJson(const core::ScorecardRow& row) {
  const std::optional<bool> all_met = row.all_met();
  return all_met ? nlohmann::ordered_json(*all_met) : nlohmann::ordered_json();
}

nlohmann::ordered_json UnitJson(const ScorecardUnit& unit) {
  nlohmann::ordered_json json;
  json["agency_id"] = unit.row.key;
  json["name"] = unit.name;
  json["kind"] = unit.kind;
  json["met"] = unit.row.met;
  json["missed"] = unit.row.missed;
  json["no_data"] = unit.row.no_data;
  json["all_met"] = AllMetJson(unit.row);
  json["results"] = nlohmann::ordered_json::object();
  for (const core::TargetResult& result : unit.row.results) {
    nlohmann::ordered_json cell;
    cell["value"] = RatioJson(result.value);
    cell["target"] = result.target;
    cell["status"] = core::TargetVerdictName(result.verdict);
    json["results"][std::string(core::PlanMeasureName(result.measure))] = std::move(cell);
  }
  return json;
}

}  // namespace

Scorecard BuildScorecard(const projections::KpiReport& report, const Reference& reference) {
  Scorecard scorecard;
  scorecard.period = report.period;
  scorecard.as_of = report.as_of;
  scorecard.plan = reference.plan_targets;
  std::map<std::string, const core::KpiRow*> rows;
  for (const core::KpiRow& row : report.rows) rows[row.key] = &row;
  const core::KpiRatios no_figures;  // every ratio without a denominator
  std::set<std::string> listed;
  for (const core::Agency& agency : reference.agencies.all()) {
    listed.insert(agency.agency_id);
    if (agency.kind != "ward" && agency.kind != "district_office") continue;
    auto row = rows.find(agency.agency_id);
    const core::KpiRatios& ratios = row == rows.end() ? no_figures : row->second->ratios;
    scorecard.units.push_back(
        {agency.name, agency.kind, core::ScoreRow(agency.agency_id, ratios, scorecard.plan)});
  }
  // Units missing from the agency list still count (docs/decisions.md).
  for (const auto& [agency_id, row] : rows) {
    if (listed.count(agency_id) != 0) continue;
    scorecard.units.push_back(
        {std::string(), "unlisted", core::ScoreRow(agency_id, row->ratios, scorecard.plan)});
  }
  scorecard.total = {std::string(), "district",
                     core::ScoreRow("total", report.total.ratios, scorecard.plan)};
  return scorecard;
}

nlohmann::ordered_json ScorecardJson(const Scorecard& scorecard) {
  nlohmann::ordered_json json;
  json["period"] = scorecard.period.label;
  json["as_of"] = core::FormatLocal(scorecard.as_of);
  json["plan"] = {{"version", scorecard.plan.version}, {"title", scorecard.plan.title}};
  json["targets"] = nlohmann::ordered_json::array();
  for (const core::PlanTarget& target : scorecard.plan.targets) {
    json["targets"].push_back({{"measure", core::PlanMeasureName(target.measure)},
                               {"title", target.title},
                               {"minimum", target.minimum}});
  }
  json["rows"] = nlohmann::ordered_json::array();
  for (const ScorecardUnit& unit : scorecard.units) json["rows"].push_back(UnitJson(unit));
  nlohmann::ordered_json total = UnitJson(scorecard.total);
  total.erase("agency_id");
  total.erase("name");
  json["total"] = std::move(total);
  return json;
}

std::string ScorecardCsv(const Scorecard& scorecard) {
  std::string out = "agency_id,kind";
  for (const core::PlanTarget& target : scorecard.plan.targets) {
    const std::string name(core::PlanMeasureName(target.measure));
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "," + std::string.
    out += ',';
    out += name;
    out += ',';
    out += name;
    out += "_target,";
    out += name;
    out += "_status";
  }
  out += ",met,missed,no_data\n";
  auto line = [&out](const ScorecardUnit& unit) {
    out += unit.row.key;  // ids are ASCII without commas (schema)
    out += ',';
    out += unit.kind;
    for (const core::TargetResult& result : unit.row.results) {
      char number[32];
      out += ',';
      if (result.value) {
        std::snprintf(number, sizeof number, "%.4f", *result.value);
        out += number;
      }
      std::snprintf(number, sizeof number, ",%g,", result.target);
      out += number;
      out += core::TargetVerdictName(result.verdict);
    }
    for (int count : {unit.row.met, unit.row.missed, unit.row.no_data}) {
      out += ',';
      out += std::to_string(count);
    }
    out += '\n';
  };
  for (const ScorecardUnit& unit : scorecard.units) line(unit);
  line(scorecard.total);
  return out;
}

void PrintScorecardTable(const Scorecard& scorecard, std::FILE* out) {
  std::fprintf(out, "Scorecard of %s as of %s: %s\n", scorecard.period.label.c_str(),
               core::FormatLocal(scorecard.as_of).c_str(), scorecard.plan.title.c_str());
  std::fprintf(out, "(✓ met, ✗ missed, - no data: nothing to count)\n");
  std::fprintf(out, "%-32s %-8s", "agency", "met");
  for (const core::PlanTarget& target : scorecard.plan.targets) {
    std::fprintf(out, " %12s", ShortLabel(target.measure));
  }
  std::fprintf(out, "\n%-32s %-8s", "", "");
  for (const core::PlanTarget& target : scorecard.plan.targets) {
    std::string goal = "≥";
    goal += FormatPercent(target.minimum);
    // "≥" is 3 bytes for 1 column: widen the field by 2 so columns line up.
    std::fprintf(out, " %14s", goal.c_str());
  }
  std::fputc('\n', out);
  auto print = [&](const ScorecardUnit& unit) {
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on chains of +.
    std::string met = std::to_string(unit.row.met);
    met += '/';
    met += std::to_string(unit.row.met + unit.row.missed);
    std::fprintf(out, "%-32.32s %-8s", unit.row.key.c_str(), met.c_str());
    for (const core::TargetResult& result : unit.row.results) {
      if (result.verdict == core::TargetVerdict::kNoData) {
        std::fprintf(out, " %12s", "-");
        continue;
      }
      std::string cell = FormatPercent(*result.value);
      cell += result.verdict == core::TargetVerdict::kMet ? " ✓" : " ✗";
      // "✓"/"✗" are 3 bytes for 1 column.
      std::fprintf(out, " %14s", cell.c_str());
    }
    std::fputc('\n', out);
  };
  for (const ScorecardUnit& unit : scorecard.units) print(unit);
  print(scorecard.total);
}

}  // namespace hoso::tools
