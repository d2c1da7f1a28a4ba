#include "tools/hoso/scorecard.h"

#include <cmath>
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
    case core::PlanMeasure::kDialogues:
      return "dialogues";
    case core::PlanMeasure::kFeedbackOnTimeRatio:
      return "pakn-on-time";
    case core::PlanMeasure::kFeedbackOnlineShare:
      return "pakn-online";
    case core::PlanMeasure::kFeedbackSatisfaction:
      return "pakn-satisf";
    case core::PlanMeasure::kOnTimeRatio766:
      return "on-time-766";
  }
  return "?";
}

// Points as the national portal shows them: two decimals.
nlohmann::ordered_json PointsJson(std::optional<double> points) {
  if (!points) return nullptr;
  return std::round(*points * 100.0) / 100.0;
}

std::string FormatPoints(double points) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", points);
  return buffer;
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

nlohmann::ordered_json UnitJson(const ScorecardUnit& unit, const Scorecard& scorecard) {
  nlohmann::ordered_json json;
  json["agency_id"] = unit.row.key;
  json["name"] = unit.name;
  json["kind"] = unit.kind;
  json["met"] = unit.row.met;
  json["missed"] = unit.row.missed;
  json["no_data"] = unit.row.no_data;
  json["all_met"] = AllMetJson(unit.row);
  json["results"] = nlohmann::ordered_json::object();
  for (size_t i = 0; i < unit.row.results.size(); ++i) {
    const core::TargetResult& result = unit.row.results[i];
    nlohmann::ordered_json cell;
    if (result.measure == core::PlanMeasure::kDialogues) {
      cell["value"] = static_cast<int64_t>(result.value.value_or(0));
      cell["target"] = scorecard.plan.targets[i].per_half_year;
      cell["per_year"] = scorecard.plan.targets[i].per_year;
      cell["half_years"] = nlohmann::ordered_json::object();
      for (size_t h = 0; h < result.half_years.size(); ++h) {
        cell["half_years"][scorecard.half_year_labels[h]] = result.half_years[h];
      }
    } else {
      cell["value"] = RatioJson(result.value);
      cell["target"] = result.target;
    }
    cell["status"] = core::TargetVerdictName(result.verdict);
    json["results"][std::string(core::PlanMeasureName(result.measure))] = std::move(cell);
  }
  if (!scorecard.plan.indicators_766.empty()) {
    json["indicators_766"] = nlohmann::ordered_json::object();
    for (size_t i = 0; i < unit.row.indicators.size(); ++i) {
      const core::IndicatorResult& result = unit.row.indicators[i];
      json["indicators_766"][scorecard.plan.indicators_766[i].code] = {
          {"value", RatioJson(result.value)}, {"points", PointsJson(result.points)}};
    }
    json["points_766"] = PointsJson(unit.row.points_766);
    json["max_points_766"] = PointsJson(unit.row.max_points_766);
  }
  return json;
}

}  // namespace

std::vector<std::string> WholeHalfYears(const projections::Period& period) {
  const int year = period.first_month / 100;
  const int first = period.first_month % 100;
  const int last = period.last_month % 100;
  std::string h1 = std::to_string(year);
  std::string h2 = h1;
  h1 += "-H1";
  h2 += "-H2";
  if (first == 1 && last == 12) return {h1, h2};
  if ((first == 1 && last == 6) || (first == 7 && last == 12)) return {period.label};
  return {};
}

core::Result<Scorecard> BuildScorecard(
    const projections::KpiReport& report,
    const std::function<core::Result<projections::KpiReport>(const std::string& label)>&
        half_year_report,
    const Reference& reference) {
  // The dialogue target is judged per half-year, as of the same instant.
  std::vector<projections::KpiReport> half_years;
  for (const std::string& half : WholeHalfYears(report.period)) {
    auto half_report = half_year_report(half);
    if (!half_report.ok()) return half_report.status();
    half_years.push_back(std::move(*half_report));
  }
  return BuildScorecard(report, half_years, reference);
}

Scorecard BuildScorecard(const projections::KpiReport& report,
                         const std::vector<projections::KpiReport>& half_years,
                         const Reference& reference) {
  Scorecard scorecard;
  scorecard.period = report.period;
  scorecard.as_of = report.as_of;
  scorecard.plan = reference.plan_targets;
  for (const projections::KpiReport& half : half_years) {
    scorecard.half_year_labels.push_back(half.period.label);
  }
  std::map<std::string, const core::KpiRow*> rows;
  for (const core::KpiRow& row : report.rows) rows[row.key] = &row;
  auto dialogues = [&](const std::string& agency_id, bool judged) {
    core::DialogueFigures figures;
    figures.judged = judged;
    auto row = rows.find(agency_id);
    if (row != rows.end()) figures.held = row->second->counters[core::KpiField::kDialoguesHeld];
    for (const projections::KpiReport& half : half_years) {
      int64_t held = 0;
      for (const core::KpiRow& half_row : half.rows) {
        if (half_row.key == agency_id) held = half_row.counters[core::KpiField::kDialoguesHeld];
      }
      figures.half_years.push_back(held);
    }
    return figures;
  };
  const core::KpiRatios no_figures;  // every ratio without a denominator
  std::set<std::string> listed;
  for (const core::Agency& agency : reference.agencies.all()) {
    listed.insert(agency.agency_id);
    if (agency.kind != "ward" && agency.kind != "district_office") continue;
    auto row = rows.find(agency.agency_id);
    const core::KpiRatios& ratios = row == rows.end() ? no_figures : row->second->ratios;
    // The plan asks dialogues of the wards; an office's are shown, not judged.
    scorecard.units.push_back(
        {agency.name, agency.kind,
         core::ScoreRow(agency.agency_id, ratios,
                        dialogues(agency.agency_id, agency.kind == "ward"), scorecard.plan)});
  }
  // Units missing from the agency list still count (docs/decisions.md).
  for (const auto& [agency_id, row] : rows) {
    if (listed.count(agency_id) != 0) continue;
    scorecard.units.push_back(
        {std::string(), "unlisted",
         core::ScoreRow(agency_id, row->ratios, dialogues(agency_id, false), scorecard.plan)});
  }
  // The district's dialogues: its total held, met when every ward met.
  core::DialogueFigures district;
  district.judged = false;
  district.held = report.total.counters[core::KpiField::kDialoguesHeld];
  for (const projections::KpiReport& half : half_years) {
    district.half_years.push_back(half.total.counters[core::KpiField::kDialoguesHeld]);
  }
  scorecard.total = {std::string(), "district",
                     core::ScoreRow("total", report.total.ratios, district, scorecard.plan)};
  for (size_t i = 0; i < scorecard.plan.targets.size(); ++i) {
    if (scorecard.plan.targets[i].measure != core::PlanMeasure::kDialogues) continue;
    std::vector<core::TargetVerdict> wards;
    for (const ScorecardUnit& unit : scorecard.units) {
      if (unit.kind == "ward") wards.push_back(unit.row.results[i].verdict);
    }
    scorecard.total.row.results[i].verdict = core::EveryWardVerdict(wards);
  }
  core::RecountVerdicts(&scorecard.total.row);
  return scorecard;
}

nlohmann::ordered_json ScorecardJson(const Scorecard& scorecard) {
  nlohmann::ordered_json json;
  json["period"] = scorecard.period.label;
  json["as_of"] = core::FormatLocal(scorecard.as_of);
  json["plan"] = {{"version", scorecard.plan.version}, {"title", scorecard.plan.title}};
  json["targets"] = nlohmann::ordered_json::array();
  for (const core::PlanTarget& target : scorecard.plan.targets) {
    nlohmann::ordered_json entry = {{"measure", core::PlanMeasureName(target.measure)},
                                    {"title", target.title}};
    if (target.measure == core::PlanMeasure::kDialogues) {
      entry["per_half_year"] = target.per_half_year;
      entry["per_year"] = target.per_year;
    } else {
      entry["minimum"] = target.minimum;
    }
    json["targets"].push_back(std::move(entry));
  }
  json["indicators_766"] = nlohmann::ordered_json::array();
  for (const core::Indicator766& indicator : scorecard.plan.indicators_766) {
    json["indicators_766"].push_back({{"code", indicator.code},
                                      {"measure", core::PlanMeasureName(indicator.measure)},
                                      {"title", indicator.title},
                                      {"max_points", indicator.max_points},
                                      {"threshold", indicator.threshold}});
  }
  json["rows"] = nlohmann::ordered_json::array();
  for (const ScorecardUnit& unit : scorecard.units) {
    json["rows"].push_back(UnitJson(unit, scorecard));
  }
  nlohmann::ordered_json total = UnitJson(scorecard.total, scorecard);
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
  out += ",met,missed,no_data";
  for (const core::Indicator766& indicator : scorecard.plan.indicators_766) {
    out += ",766_";
    out += indicator.code;
    out += ",766_";
    out += indicator.code;
    out += "_points";
  }
  if (!scorecard.plan.indicators_766.empty()) out += ",points_766,max_points_766";
  out += '\n';
  auto line = [&out, &scorecard](const ScorecardUnit& unit) {
    out += unit.row.key;  // ids are ASCII without commas (schema)
    out += ',';
    out += unit.kind;
    for (const core::TargetResult& result : unit.row.results) {
      char number[32];
      out += ',';
      if (result.measure == core::PlanMeasure::kDialogues) {
        out += std::to_string(static_cast<int64_t>(result.value.value_or(0)));
      } else if (result.value) {
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
    for (const core::IndicatorResult& result : unit.row.indicators) {
      char number[32];
      out += ',';
      if (result.value) {
        std::snprintf(number, sizeof number, "%.4f", *result.value);
        out += number;
      }
      out += ',';
      if (result.points) out += FormatPoints(*result.points);
    }
    if (!scorecard.plan.indicators_766.empty()) {
      out += ',';
      out += FormatPoints(unit.row.points_766);
      out += ',';
      out += FormatPoints(unit.row.max_points_766);
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
    if (target.measure == core::PlanMeasure::kDialogues) {
      // "≥1/half" : at least one per half-year.
      goal += std::to_string(target.per_half_year);
      goal += "/half";
    } else {
      goal += FormatPercent(target.minimum);
    }
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
      std::string cell;
      if (result.measure == core::PlanMeasure::kDialogues) {
        // Held per half-year: "1+1 ✓", "2+0 ✗".
        for (size_t h = 0; h < result.half_years.size(); ++h) {
          if (h > 0) cell += '+';
          cell += std::to_string(result.half_years[h]);
        }
      } else {
        cell = FormatPercent(*result.value);
      }
      cell += result.verdict == core::TargetVerdict::kMet ? " ✓" : " ✗";
      // "✓"/"✗" are 3 bytes for 1 column.
      std::fprintf(out, " %14s", cell.c_str());
    }
    std::fputc('\n', out);
  };
  for (const ScorecardUnit& unit : scorecard.units) print(unit);
  print(scorecard.total);
  if (scorecard.plan.indicators_766.empty()) return;

  // The 766 section: value and points per indicator, and the points earned
  // of those at stake (indicators with data).
  std::fprintf(out,
               "\nDecision 766/QĐ-TTg indicators hoso computes "
               "(points = max × min(1, value ÷ threshold); - no data)\n");
  std::fprintf(out, "%-32s %-13s", "agency", "points");
  for (const core::Indicator766& indicator : scorecard.plan.indicators_766) {
    std::string heading = indicator.code;
    heading += " (";
    heading += FormatPoints(indicator.max_points);
    heading += ")";
    std::fprintf(out, " %16s", heading.c_str());
  }
  std::fputc('\n', out);
  auto print_766 = [&](const ScorecardUnit& unit) {
    std::string points = FormatPoints(unit.row.points_766);
    points += '/';
    points += FormatPoints(unit.row.max_points_766);
    std::fprintf(out, "%-32.32s %-13s", unit.row.key.c_str(), points.c_str());
    for (const core::IndicatorResult& result : unit.row.indicators) {
      if (!result.points) {
        std::fprintf(out, " %16s", "-");
        continue;
      }
      std::string cell = FormatPercent(*result.value);
      cell += ' ';
      cell += FormatPoints(*result.points);
      std::fprintf(out, " %16s", cell.c_str());
    }
    std::fputc('\n', out);
  };
  for (const ScorecardUnit& unit : scorecard.units) print_766(unit);
  print_766(scorecard.total);
}

}  // namespace hoso::tools
