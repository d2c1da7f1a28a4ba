#include "projections/batch_delta.h"

#include "projections/coding.h"

namespace hoso::projections {
namespace {

constexpr uint8_t kDeltaFormat = 1;

}  // namespace

std::string DeltaKey(uint64_t batch_serial) {
  std::string key;
  PutU64(&key, batch_serial);
  return key;
}

void BatchDeltaWriter::Clear() {
  kpi_count_ = open_count_ = 0;
  kpi_.clear();
  open_.clear();
}

void BatchDeltaWriter::AddKpi(std::string_view encoded_key, const core::KpiCounters& counters) {
  PutString(&kpi_, encoded_key);
  for (int64_t v : counters.values) PutSignedVarint(&kpi_, v);
  ++kpi_count_;
}

void BatchDeltaWriter::AddOpen(std::string_view dossier_id, const OpenSummary* summary) {
  if (summary == nullptr) {
    PutString(&open_, dossier_id);
    PutU8(&open_, 0);
    ++open_count_;
    return;
  }
  AddOpen(dossier_id, summary->agency_id, summary->procedure_id, summary->received_at,
          summary->due_at, summary->paused, summary->paused_late);
}

void BatchDeltaWriter::AddOpen(std::string_view dossier_id, std::string_view agency_id,
                               std::string_view procedure_id, core::Instant received_at,
                               core::LocalMinute due_at, bool paused, bool paused_late) {
  PutString(&open_, dossier_id);
  PutU8(&open_, 1);
  PutString(&open_, agency_id);
  PutString(&open_, procedure_id);
  PutI64(&open_, received_at.epoch_ms);
  PutI64(&open_, due_at.value);
  PutU8(&open_, paused ? 1 : 0);
  PutU8(&open_, paused_late ? 1 : 0);
  ++open_count_;
}

std::string BatchDeltaWriter::Value() const {
  std::string out;
  out.reserve(24 + kpi_.size() + open_.size());
  PutU8(&out, kDeltaFormat);
  PutVarint(&out, kpi_count_);
  out.append(kpi_);
  PutVarint(&out, open_count_);
  out.append(open_);
  return out;
}

core::Status DecodeBatchDelta(std::string_view value, const DeltaVisitor& visitor) {
  Reader r(value);
  if (r.U8() != kDeltaFormat) return Corrupt("delta (unknown format)");
  const uint64_t kpi_count = r.Varint();
  core::KpiCounters counters;
  for (uint64_t i = 0; i < kpi_count && !r.failed(); ++i) {
    const std::string_view key = r.String();
    for (int64_t& v : counters.values) v = r.SignedVarint();
    if (!r.failed() && visitor.kpi) visitor.kpi(key, counters);
  }
  const uint64_t open_count = r.Varint();
  OpenSummary summary;
  for (uint64_t i = 0; i < open_count && !r.failed(); ++i) {
    const std::string_view id = r.String();
    const bool open = r.U8() != 0;
    if (open) {
      summary.agency_id = r.String();
      summary.procedure_id = r.String();
      summary.received_at.epoch_ms = r.I64();
      summary.due_at.value = r.I64();
      summary.paused = r.U8() != 0;
      summary.paused_late = r.U8() != 0;
    }
    if (!r.failed() && visitor.open) visitor.open(id, open ? &summary : nullptr);
  }
  if (r.failed() || !r.done()) return Corrupt("delta");
  return core::Status::Ok();
}

core::Status ForEachDelta(KvStore& store, const DeltaVisitor& visitor) {
  auto it = store.NewIterator(Column::kDeltas);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    HOSO_RETURN_IF_ERROR(DecodeBatchDelta(it->value(), visitor));
  }
  return it->status();
}

}  // namespace hoso::projections
