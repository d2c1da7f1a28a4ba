// KPI counters (docs/kpis.md) and the ratios computed from them on read.
//
// Counters are kept per (agency, procedure, local month) — the agency is the
// unit that received the dossier — and summed for quarters, years, agencies
// and the district. Ratios with a zero denominator are nullopt ("null").
#ifndef HOSO_ENGINE_CORE_KPI_COUNTERS_H_
#define HOSO_ENGINE_CORE_KPI_COUNTERS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/reference_data.h"

namespace hoso::core {

// Counted by the month of receipt: kReceived … kPostal; by the month of
// resolution: kResolved … kResolvedOnline; by their own month: kWithdrawn,
// kRejected; kDialoguesHeld by the month a dialogue on administrative
// procedures was held (held_on), in a cell whose procedure_id is empty.
// Feedback (PAKN, docs/plan-targets.md), also in the agency's cell with an
// empty procedure_id: kFeedbackReceived and one of kFeedbackReceivedOnline,
// Direct, Phone, Mail (its channel) by the month of receipt;
// kFeedbackAnsweredOnTime/Late by the month of the answer;
// kFeedbackPublishedOnTime/Late by the month of publication; kFeedbackRated,
// kFeedbackRatedDissatisfied and kFeedbackDissatisfiedOnTime by the month of
// the answer rated, so that satisfaction (766 indicator 5.3) compares
// figures of one population.
enum class KpiField {
  kReceived,
  kReceivedOneStop,
  kOnlineReceived,
  kOnlineReceivedLevel3,
  kOnlineReceivedLevel4,
  kDirect,
  kPostal,
  kResolved,
  kResolvedEarly,
  kResolvedOnTime,
  kResolvedLate,
  kLateApologized,
  kLateApologizedTimely,
  kResolvedOnline,
  kWithdrawn,
  kRejected,
  kDialoguesHeld,
  kFeedbackReceived,
  kFeedbackReceivedOnline,
  kFeedbackReceivedDirect,
  kFeedbackReceivedPhone,
  kFeedbackReceivedMail,
  kFeedbackAnsweredOnTime,
  kFeedbackAnsweredLate,
  kFeedbackPublishedOnTime,
  kFeedbackPublishedLate,
  kFeedbackRated,
  kFeedbackRatedDissatisfied,
  kFeedbackDissatisfiedOnTime,  // rated dissatisfied, answered on time (5.3 counts each once)
};
inline constexpr int kKpiFieldCount = 29;
// Counters stored before dialogues existed (issue 13) hold the first 16.
inline constexpr int kKpiFieldCountBeforeDialogues = 16;
// Counters stored before feedback existed (issue 13, part 3) hold the first 17.
inline constexpr int kKpiFieldCountBeforeFeedback = 17;
// The JSON/CSV name of a counter ("received_one_stop").
std::string_view KpiFieldName(KpiField field);

struct KpiCounters {
  std::array<int64_t, kKpiFieldCount> values{};
  int64_t& operator[](KpiField f) { return values[static_cast<int>(f)]; }
  int64_t operator[](KpiField f) const { return values[static_cast<int>(f)]; }
  KpiCounters& operator+=(const KpiCounters& other);
  bool operator==(const KpiCounters&) const = default;
  bool IsZero() const;
};

// One counter cell: (agency, procedure, month yyyymm).
struct KpiCell {
  std::string agency_id;
  std::string procedure_id;
  int month_key = 0;
  KpiCounters counters;
};

// Open dossiers at the as-of instant, per (agency, procedure).
struct OpenCell {
  std::string agency_id;
  std::string procedure_id;
  int64_t open = 0;
  int64_t open_overdue = 0;
  // Feedback (PAKN) received and not answered at the as-of instant, and of
  // those the ones past their 15-working-day deadline (procedure_id empty).
  int64_t feedback_open = 0;
  int64_t feedback_open_overdue = 0;
};

struct KpiRatios {
  std::optional<double> on_time_ratio;
  std::optional<double> online_share;
  std::optional<double> online_processing_share;
  std::optional<double> online_coverage;
  std::optional<double> one_stop_share;
  std::optional<double> apology_compliance;
  // Feedback (PAKN): answered on time ÷ answered (766 indicator 5.2);
  // received online ÷ received; (answered − answered late − rated
  // dissatisfied among those answered on time) ÷ answered (766 indicator
  // 5.3: a feedback both late and rated dissatisfied is one unsatisfied
  // citizen, subtracted once, so the ratio stays within [0, 1]).
  std::optional<double> feedback_on_time_ratio;
  std::optional<double> feedback_online_share;
  std::optional<double> feedback_satisfaction;
  // Decision 766/QĐ-TTg indicator 2.1, beside the plan's on_time_ratio:
  // (resolved early or on time + open and not yet due) ÷ (resolved + open),
  // the open counts taken at the as-of instant — the dossiers received in
  // the period or still being processed in it, each once: a dossier ends in
  // the period (resolved) or is open at its end. Withdrawn and rejected
  // dossiers are in neither part (they are neither early, on time nor late).
  // BuildKpiReport leaves it null when the as-of instant is outside the
  // period (after its end, or before its start): the open counts are then
  // not those of the period.
  std::optional<double> on_time_ratio_766;
};

// Plan targets (Kế hoạch 23/KH-UBND, 2019); nullopt where the plan sets none.
struct KpiTargets {
  double on_time_ratio = 0.95;
  double online_processing_share = 0.40;
  double online_coverage = 0.80;
  double one_stop_share = 1.0;
  double apology_compliance = 1.0;
};

struct KpiRow {
  std::string key;  // agency_id, procedure_id or "total"
  KpiCounters counters;
  int64_t open = 0;
  int64_t open_overdue = 0;
  int64_t feedback_open = 0;
  int64_t feedback_open_overdue = 0;
  KpiRatios ratios;
};

// Which procedures the online-coverage denominator counts for a row.
enum class CoverageScope { kAllLevels, kWardLevel, kDistrictLevel, kOnlyReceived };

// Sums `cells` and `open_cells` (already filtered to the row and period) and
// computes the ratios of docs/kpis.md against `catalog`:
//  - online_share over procedures offered online at level >= 3;
//  - online_processing_share over procedures with >= 1 online dossier
//    received in the cells;
//  - online_coverage: procedures offered at level >= 3 within `scope` that
//    have >= 1 online dossier / procedures offered at level >= 3 within scope.
//    kOnlyReceived restricts the denominator to procedures the cells received
//    (used for a procedure row and for agencies missing from the agency list).
KpiRow ComputeKpiRow(std::string key, const std::vector<const KpiCell*>& cells,
                     const std::vector<const OpenCell*>& open_cells,
                     const ProcedureCatalog& catalog, CoverageScope scope);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_KPI_COUNTERS_H_
