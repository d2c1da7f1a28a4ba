// Month-end figures (docs/storage.md "Month-end figures"): the KPI cells and
// open-dossier counts as of the last second of each local month, stored when
// the engine passes it, so that a report "as of" the end of a past month —
// the default as-of of every finished period — reads them instead of folding
// the whole log.
//
// Why they equal the fold: the engine takes them when the first input event
// dated after the month's last second arrives, before applying it. Every
// event logged until then is dated at or before that second, so the engine's
// state is the fold of the log so far up to it; a fold of the whole log at
// that instant adds only events logged later and dated at or before it.
// When such a late event is logged, the figures of every month ending at or
// after its date are marked stale in the same commit, and queries fold
// again. Derived events (overdue) are left out of folds, so they neither
// trigger nor stale anything.
//
//   meta "month_end/<yyyymm>"       -> u8 2, i64 as_of ms, u64 first sequence
//                                      after, varint n, n x (string KPI key,
//                                      string counters) of partition 0 (the
//                                      kMonthEndWindowMonths months up to
//                                      yyyymm), varint m, m x (string agency,
//                                      string procedure, varint open, varint
//                                      open_overdue, varint feedback_open,
//                                      varint feedback_open_overdue; version
//                                      1, before feedback, ends at
//                                      open_overdue)
//   meta "month_end_stale/<yyyymm>" -> "" (a later event is dated in or before)
//   meta "month_end_next"           -> i64 as_of ms of the next month end the
//                                      engine waits to pass
#ifndef HOSO_PROJECTIONS_MONTH_END_FIGURES_H_
#define HOSO_PROJECTIONS_MONTH_END_FIGURES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/instant.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/status.h"
#include "projections/kpi_cells.h"
#include "projections/kv_store.h"

namespace hoso::projections {

// Months of cells kept with each month end, the month itself included: any
// period of up to a year, as of up to a year after its end.
inline constexpr int kMonthEndWindowMonths = 24;
inline constexpr std::string_view kMetaMonthEndPrefix = "month_end/";
inline constexpr std::string_view kMetaMonthEndStalePrefix = "month_end_stale/";
inline constexpr std::string_view kMetaMonthEndNext = "month_end_next";

struct MonthEndFigures {
  int month_key = 0;                          // yyyymm
  core::Instant as_of;                        // the month's last second, local time
  uint64_t first_sequence_after = 0;          // the log sequence of the first event after
  std::map<KpiKey, core::KpiCounters> cells;  // partition 0 (summed over partitions)
  std::vector<core::OpenCell> open;           // dossiers open at as_of
};

// The last second of local month `month_key` (yyyymm): the as-of of a report
// of a period ending with that month.
core::Instant MonthEndInstant(int month_key);
// The month kMonthEndWindowMonths - 1 months before `month_key` (yyyymm).
int MonthEndWindowStart(int month_key);
std::string MonthEndKey(int month_key);
std::string MonthEndStaleKey(int month_key);

// The stored value of a month end (the layout above): `cells` in KpiKey
// order (KpiCells::SummedOverPartitions), `open` as CountOpen gives them.
// DecodeMonthEndFigures reads it back into a MonthEndFigures.
std::string EncodeMonthEndFigures(core::Instant as_of, uint64_t first_sequence_after,
                                  std::span<const SummedKpiCell> cells,
                                  std::span<const core::OpenCell> open);
core::Result<MonthEndFigures> DecodeMonthEndFigures(std::string_view value);

// The figures of the month ending at `as_of`, when they can answer for the
// whole log: `as_of` is a month's last second, they were stored and no later
// event made them stale. nullopt otherwise (then fold the log).
core::Result<std::optional<MonthEndFigures>> ReadMonthEndFigures(KvStore& store,
                                                                 core::Instant as_of);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_MONTH_END_FIGURES_H_
