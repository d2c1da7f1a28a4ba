#include "engine/core/kpi_counters.h"

#include <map>

namespace hoso::core {
namespace {

constexpr std::array<std::string_view, kKpiFieldCount> kFieldNames = {
    "received",
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
    "rejected",
    "dialogues_held",
    "feedback_received",
    "feedback_received_online",
    "feedback_received_direct",
    "feedback_received_phone",
    "feedback_received_mail",
    "feedback_answered_on_time",
    "feedback_answered_late",
    "feedback_published_on_time",
    "feedback_published_late",
    "feedback_rated",
    "feedback_rated_dissatisfied",
    "feedback_dissatisfied_on_time"};

std::optional<double> Ratio(int64_t numerator, int64_t denominator) {
  if (denominator == 0) return std::nullopt;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

bool InScope(const Procedure& procedure, CoverageScope scope) {
  switch (scope) {
    case CoverageScope::kAllLevels:
      return true;
    case CoverageScope::kWardLevel:
      return procedure.level == AgencyLevel::kWard;
    case CoverageScope::kDistrictLevel:
      return procedure.level == AgencyLevel::kDistrict;
    case CoverageScope::kOnlyReceived:
      return false;  // decided from the cells
  }
  return false;
}

}  // namespace

std::string_view KpiFieldName(KpiField field) { return kFieldNames[static_cast<int>(field)]; }

KpiCounters& KpiCounters::operator+=(const KpiCounters& other) {
  for (int i = 0; i < kKpiFieldCount; ++i) values[i] += other.values[i];
  return *this;
}

bool KpiCounters::IsZero() const {
  for (int64_t v : values) {
    if (v != 0) return false;
  }
  return true;
}

KpiRow ComputeKpiRow(std::string key, const std::vector<const KpiCell*>& cells,
                     const std::vector<const OpenCell*>& open_cells,
                     const ProcedureCatalog& catalog, CoverageScope scope) {
  KpiRow row;
  row.key = std::move(key);
  std::map<std::string, KpiCounters, std::less<>> by_procedure;
  for (const KpiCell* cell : cells) {
    row.counters += cell->counters;
    by_procedure[cell->procedure_id] += cell->counters;
  }
  for (const OpenCell* cell : open_cells) {
    row.open += cell->open;
    row.open_overdue += cell->open_overdue;
    row.feedback_open += cell->feedback_open;
    row.feedback_open_overdue += cell->feedback_open_overdue;
  }

  int64_t offered_received = 0, offered_online = 0;
  int64_t processing_resolved = 0, processing_online = 0;
  for (const auto& [procedure_id, counters] : by_procedure) {
    const Procedure* procedure = catalog.Find(procedure_id);
    if (procedure != nullptr && procedure->online_level_offered >= 3) {
      offered_received += counters[KpiField::kReceived];
      offered_online += counters[KpiField::kOnlineReceived];
    }
    if (counters[KpiField::kOnlineReceived] > 0) {
      processing_resolved += counters[KpiField::kResolved];
      processing_online += counters[KpiField::kResolvedOnline];
    }
  }

  int64_t coverage_denominator = 0, coverage_numerator = 0;
  auto count_coverage = [&](const Procedure& procedure) {
    if (procedure.online_level_offered < 3) return;
    ++coverage_denominator;
    auto it = by_procedure.find(procedure.procedure_id);
    if (it != by_procedure.end() && it->second[KpiField::kOnlineReceived] > 0) ++coverage_numerator;
  };
  if (scope == CoverageScope::kOnlyReceived) {
    for (const auto& [procedure_id, counters] : by_procedure) {
      const Procedure* procedure = catalog.Find(procedure_id);
      if (procedure != nullptr && !counters.IsZero()) count_coverage(*procedure);
    }
  } else {
    for (const Procedure& procedure : catalog.all()) {
      if (InScope(procedure, scope)) count_coverage(procedure);
    }
  }

  const KpiCounters& c = row.counters;
  row.ratios.on_time_ratio =
      Ratio(c[KpiField::kResolvedEarly] + c[KpiField::kResolvedOnTime], c[KpiField::kResolved]);
  // Open and not yet due at the as-of instant count as on time (766 2.1).
  row.ratios.on_time_ratio_766 = Ratio(
      c[KpiField::kResolvedEarly] + c[KpiField::kResolvedOnTime] + row.open - row.open_overdue,
      c[KpiField::kResolved] + row.open);
  row.ratios.online_share = Ratio(offered_online, offered_received);
  row.ratios.online_processing_share = Ratio(processing_online, processing_resolved);
  row.ratios.online_coverage = Ratio(coverage_numerator, coverage_denominator);
  row.ratios.one_stop_share = Ratio(c[KpiField::kReceivedOneStop], c[KpiField::kReceived]);
  row.ratios.apology_compliance =
      Ratio(c[KpiField::kLateApologizedTimely], c[KpiField::kResolvedLate]);
  const int64_t answered =
      c[KpiField::kFeedbackAnsweredOnTime] + c[KpiField::kFeedbackAnsweredLate];
  row.ratios.feedback_on_time_ratio = Ratio(c[KpiField::kFeedbackAnsweredOnTime], answered);
  row.ratios.feedback_online_share =
      Ratio(c[KpiField::kFeedbackReceivedOnline], c[KpiField::kFeedbackReceived]);
  // A feedback answered late and rated dissatisfied is subtracted once.
  row.ratios.feedback_satisfaction = Ratio(
      answered - c[KpiField::kFeedbackAnsweredLate] - c[KpiField::kFeedbackDissatisfiedOnTime],
      answered);
  return row;
}

}  // namespace hoso::core
