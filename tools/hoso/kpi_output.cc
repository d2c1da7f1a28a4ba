#include "tools/hoso/kpi_output.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "engine/core/plan_targets.h"

namespace hoso::tools {

nlohmann::ordered_json RatioJson(const std::optional<double>& ratio) {
  if (!ratio) return nullptr;
  return std::round(*ratio * 10000.0) / 10000.0;
}

bool MissesTarget(double ratio, double target) { return core::MissesTarget(ratio, target); }

namespace {

using core::KpiField;

// An open count; null when the report does not know them (a district answer).
nlohmann::ordered_json OpenJson(int64_t count, bool known) {
  if (!known) return nullptr;
  return count;
}

nlohmann::ordered_json RowJson(const core::KpiRow& row, const char* key_name, bool open_known) {
  nlohmann::ordered_json json;
  if (key_name != nullptr) json[key_name] = row.key;
  for (int i = 0; i < core::kKpiFieldCount; ++i) {
    json[std::string(core::KpiFieldName(static_cast<KpiField>(i)))] = row.counters.values[i];
  }
  json["open"] = OpenJson(row.open, open_known);
  json["open_overdue"] = OpenJson(row.open_overdue, open_known);
  json["feedback_open"] = OpenJson(row.feedback_open, open_known);
  json["feedback_open_overdue"] = OpenJson(row.feedback_open_overdue, open_known);
  json["on_time_ratio"] = RatioJson(row.ratios.on_time_ratio);
  json["online_share"] = RatioJson(row.ratios.online_share);
  json["online_processing_share"] = RatioJson(row.ratios.online_processing_share);
  json["online_coverage"] = RatioJson(row.ratios.online_coverage);
  json["one_stop_share"] = RatioJson(row.ratios.one_stop_share);
  json["apology_compliance"] = RatioJson(row.ratios.apology_compliance);
  json["feedback_on_time_ratio"] = RatioJson(row.ratios.feedback_on_time_ratio);
  json["feedback_online_share"] = RatioJson(row.ratios.feedback_online_share);
  json["feedback_satisfaction"] = RatioJson(row.ratios.feedback_satisfaction);
  json["on_time_ratio_766"] = RatioJson(row.ratios.on_time_ratio_766);
  return json;
}

const char* KeyName(projections::GroupBy by) {
  return by == projections::GroupBy::kAgency ? "agency_id" : "procedure_id";
}

std::string Percent(const std::optional<double>& ratio, std::optional<double> target) {
  if (!ratio) return "-";
  char buffer[32];
  const bool missed = target && MissesTarget(*ratio, *target);
  std::snprintf(buffer, sizeof buffer, "%.1f%%%s", *ratio * 100.0, missed ? " ✗" : "");
  return buffer;
}

bool Active(const core::KpiRow& row) { return !row.counters.IsZero() || row.open > 0; }

}  // namespace

std::string KpiReportJson(const projections::KpiReport& report) {
  nlohmann::ordered_json json;
  json["period"] = report.period.label;
  json["as_of"] = core::FormatLocal(report.as_of);
  json["by"] = report.by == projections::GroupBy::kAgency ? "agency" : "procedure";
  // Only a district answer (docs/scale.md) says so; a local one keeps the
  // shape it always had.
  if (!report.open_known) json["scope"] = "district";
  json["rows"] = nlohmann::ordered_json::array();
  for (const core::KpiRow& row : report.rows) {
    json["rows"].push_back(RowJson(row, KeyName(report.by), report.open_known));
  }
  json["total"] = RowJson(report.total, nullptr, report.open_known);
  return json.dump(2);
}

std::string KpiReportCsv(const projections::KpiReport& report) {
  std::string out = KeyName(report.by);
  for (int i = 0; i < core::kKpiFieldCount; ++i) {
    out += ",";
    out += core::KpiFieldName(static_cast<KpiField>(i));
  }
  out +=
      ",open,open_overdue,on_time_ratio,online_share,online_processing_share,online_coverage,"
      "one_stop_share,apology_compliance,feedback_on_time_ratio,feedback_online_share,"
      "feedback_satisfaction,feedback_open,feedback_open_overdue,on_time_ratio_766\n";
  auto ratio = [](const std::optional<double>& r) {
    if (!r) return std::string();
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4f", *r);
    return std::string(buffer);
  };
  auto row_line = [&](const core::KpiRow& row) {
    std::string line = row.key;  // ids are ASCII without commas (schema)
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "," + std::string.
    for (int64_t v : row.counters.values) {
      line += ',';
      line += std::to_string(v);
    }
    // Unknown open counts (a district answer) are empty fields.
    auto open = [&](int64_t count) {
      line += ',';
      if (report.open_known) line += std::to_string(count);
    };
    open(row.open);
    open(row.open_overdue);
    const core::KpiRatios& r = row.ratios;
    for (const auto* value :
         {&r.on_time_ratio, &r.online_share, &r.online_processing_share, &r.online_coverage,
          &r.one_stop_share, &r.apology_compliance, &r.feedback_on_time_ratio,
          &r.feedback_online_share, &r.feedback_satisfaction}) {
      line += ',';
      line += ratio(*value);
    }
    open(row.feedback_open);
    open(row.feedback_open_overdue);
    line += ',';
    line += ratio(r.on_time_ratio_766);
    return line + "\n";
  };
  for (const core::KpiRow& row : report.rows) out += row_line(row);
  out += row_line(report.total);
  return out;
}

void PrintKpiTable(const projections::KpiReport& report, std::FILE* out, bool only_active) {
  const core::KpiTargets targets;
  std::fprintf(out, "KPIs for %s as of %s (✗ = misses the plan target)\n",
               report.period.label.c_str(), core::FormatLocal(report.as_of).c_str());
  if (!report.open_known) {
    std::fprintf(out,
                 "District figures from hoso.kpi: open counts are known only to each partition's "
                 "owner (-)\n");
  }
  // The feedback (PAKN) columns: received, and answered on time ÷ answered
  // judged against the 2019 plan's 100 % (docs/plan-targets.md).
  constexpr double kFeedbackOnTimeTarget = 1.0;
  std::fprintf(out, "%-26s %8s %8s %6s %6s %6s %6s %9s %9s %9s %9s %9s %5s %9s\n",
               report.by == projections::GroupBy::kAgency ? "agency" : "procedure", "received",
               "resolved", "late", "open", "overdue", "withdr", "on-time", "online", "online-cov",
               "one-stop", "apology", "pakn", "pakn-ot");
  std::fprintf(out, "%-26s %8s %8s %6s %6s %6s %6s %9s %9s %9s %9s %9s %5s %9s\n", "", "", "", "",
               "", "", "", "≥95%", "≥40%", "≥80%", "100%", "100%", "", "100%");
  auto count = [&](int64_t value) {
    return report.open_known ? std::to_string(value) : std::string("-");
  };
  auto print_row = [&](const core::KpiRow& row) {
    const core::KpiCounters& c = row.counters;
    std::fprintf(
        out, "%-26.26s %8lld %8lld %6lld %6s %6s %6lld %9s %9s %9s %9s %9s %5lld %9s\n",
        row.key.c_str(), static_cast<long long>(c[KpiField::kReceived]),
        static_cast<long long>(c[KpiField::kResolved]),
        static_cast<long long>(c[KpiField::kResolvedLate]), count(row.open).c_str(),
        count(row.open_overdue).c_str(), static_cast<long long>(c[KpiField::kWithdrawn]),
        Percent(row.ratios.on_time_ratio, targets.on_time_ratio).c_str(),
        Percent(row.ratios.online_processing_share, targets.online_processing_share).c_str(),
        Percent(row.ratios.online_coverage, targets.online_coverage).c_str(),
        Percent(row.ratios.one_stop_share, targets.one_stop_share).c_str(),
        Percent(row.ratios.apology_compliance, targets.apology_compliance).c_str(),
        static_cast<long long>(c[KpiField::kFeedbackReceived]),
        Percent(row.ratios.feedback_on_time_ratio, kFeedbackOnTimeTarget).c_str());
  };
  for (const core::KpiRow& row : report.rows) {
    if (!only_active || Active(row)) print_row(row);
  }
  print_row(report.total);
}

}  // namespace hoso::tools
