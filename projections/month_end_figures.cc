#include "projections/month_end_figures.h"

#include <cstdio>

#include "projections/coding.h"

namespace hoso::projections {

namespace {
constexpr uint8_t kVersion = 2;
// Figures written before open feedback was counted (issue 13): no
// feedback_open fields; that build logged no feedback, so they read as 0.
constexpr uint8_t kVersionBeforeFeedback = 1;
}  // namespace

core::Instant MonthEndInstant(int month_key) {
  int year = month_key / 100;
  int month = month_key % 100 + 1;
  if (month == 13) {
    month = 1;
    ++year;
  }
  const int64_t next_month_day = core::DaysFromCivil(core::CivilDate{year, month, 1});
  const core::Instant next_month = core::ToInstant(core::LocalMinute::AtDay(next_month_day, 0));
  return core::Instant{next_month.epoch_ms - 1000};
}

int MonthEndWindowStart(int month_key) {
  const int months = (month_key / 100) * 12 + (month_key % 100 - 1) - (kMonthEndWindowMonths - 1);
  return (months / 12) * 100 + months % 12 + 1;
}

std::string MonthEndKey(int month_key) {
  return std::string(kMetaMonthEndPrefix) + std::to_string(month_key);
}

std::string MonthEndStaleKey(int month_key) {
  return std::string(kMetaMonthEndStalePrefix) + std::to_string(month_key);
}

std::string EncodeMonthEndFigures(core::Instant as_of, uint64_t first_sequence_after,
                                  std::span<const SummedKpiCell> cells,
                                  std::span<const core::OpenCell> open) {
  std::string out;
  PutU8(&out, kVersion);
  PutI64(&out, as_of.epoch_ms);
  PutU64(&out, first_sequence_after);
  PutVarint(&out, cells.size());
  // One scratch for every key and value: a string of each per cell was an
  // eighth of an ingest's allocations (every cell of the window, every month).
  std::string scratch;
  for (const SummedKpiCell& cell : cells) {
    scratch.clear();
    AppendKpiKey(&scratch, cell.month_key, cell.agency_id, cell.procedure_id, 0);
    PutString(&out, scratch);
    scratch.clear();
    AppendKpiCounters(&scratch, cell.counters);
    PutString(&out, scratch);
  }
  PutVarint(&out, open.size());
  for (const core::OpenCell& cell : open) {
    PutString(&out, cell.agency_id);
    PutString(&out, cell.procedure_id);
    PutVarint(&out, static_cast<uint64_t>(cell.open));
    PutVarint(&out, static_cast<uint64_t>(cell.open_overdue));
    PutVarint(&out, static_cast<uint64_t>(cell.feedback_open));
    PutVarint(&out, static_cast<uint64_t>(cell.feedback_open_overdue));
  }
  return out;
}

core::Result<MonthEndFigures> DecodeMonthEndFigures(std::string_view value) {
  Reader in(value);
  const uint8_t version = in.U8();
  if ((version != kVersion && version != kVersionBeforeFeedback) || in.failed()) {
    return Corrupt("month-end figures");
  }
  MonthEndFigures figures;
  figures.as_of = core::Instant{in.I64()};
  figures.first_sequence_after = in.U64();
  figures.month_key = core::MonthKeyOf(figures.as_of);
  const uint64_t cells = in.Varint();
  for (uint64_t i = 0; i < cells && !in.failed(); ++i) {
    auto key = DecodeKpiKey(in.String());
    if (!key.ok()) return key.status();
    auto counters = DecodeKpiCounters(in.String());
    if (!counters.ok()) return counters.status();
    figures.cells.emplace(std::move(*key), *counters);
  }
  const uint64_t open = in.Varint();
  for (uint64_t i = 0; i < open && !in.failed(); ++i) {
    core::OpenCell cell;
    cell.agency_id = std::string(in.String());
    cell.procedure_id = std::string(in.String());
    cell.open = static_cast<int64_t>(in.Varint());
    cell.open_overdue = static_cast<int64_t>(in.Varint());
    if (version == kVersion) {
      cell.feedback_open = static_cast<int64_t>(in.Varint());
      cell.feedback_open_overdue = static_cast<int64_t>(in.Varint());
    }
    figures.open.push_back(std::move(cell));
  }
  if (in.failed() || !in.done()) return Corrupt("month-end figures");
  return figures;
}

core::Result<std::optional<MonthEndFigures>> ReadMonthEndFigures(KvStore& store,
                                                                 core::Instant as_of) {
  const int month_key = core::MonthKeyOf(as_of);
  if (MonthEndInstant(month_key) != as_of) return std::optional<MonthEndFigures>();
  std::string value;
  core::Status s = store.Get(Column::kMeta, MonthEndStaleKey(month_key), &value);
  if (s.ok()) return std::optional<MonthEndFigures>();
  if (s.code() != core::StatusCode::kNotFound) return s;
  s = store.Get(Column::kMeta, MonthEndKey(month_key), &value);
  if (s.code() == core::StatusCode::kNotFound) return std::optional<MonthEndFigures>();
  if (!s.ok()) return s;
  auto figures = DecodeMonthEndFigures(value);
  if (!figures.ok()) return figures.status();
  return std::optional<MonthEndFigures>(std::move(*figures));
}

}  // namespace hoso::projections
