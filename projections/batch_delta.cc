#include "projections/batch_delta.h"

#include <algorithm>

#include "projections/coding.h"
#include "projections/lz4_block.h"
#include "projections/meta.h"

namespace hoso::projections {
namespace {

// Format 4 is format 3 compressed; Take builds format 3.
constexpr uint8_t kCompressedDeltaFormat = 4;
constexpr uint8_t kDeltaFormat = 3;
// Deltas written before feedback counters (issue 13, part 3): 17 counters
// each, the rest zero. A delta lives only until the next checkpoint, but an
// engine stopped between the two and upgraded must still read it.
constexpr uint8_t kDeltaFormatBeforeFeedback = 2;

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

void BatchDeltaWriter::AddClosed(std::string_view dossier_id) {
  PutString(&open_, dossier_id);
  PutU8(&open_, 0);
  ++open_count_;
}

void BatchDeltaWriter::AddOpen(std::string_view dossier_id, uint32_t agency, uint32_t procedure,
                               core::Instant received_at, core::LocalMinute due_at, bool paused,
                               bool paused_late) {
  PutString(&open_, dossier_id);
  char buffer[1 + 4 * BufferWriter::kMaxVarint];
  BufferWriter w(buffer);
  w.U8(paused ? (paused_late ? 7 : 3) : 1);
  w.Varint(uint64_t{agency} + 1);
  w.Varint(uint64_t{procedure} + 1);
  w.SignedVarint(received_at.epoch_ms);
  w.SignedVarint(due_at.value);
  open_.append(buffer, w.size());
  ++open_count_;
}

std::string BatchDeltaWriter::Take(std::string spare) {
  std::string out = std::move(spare);
  out.clear();
  out.reserve(24 + kpi_.size() + open_.size());
  PutU8(&out, kDeltaFormat);
  PutVarint(&out, kpi_count_);
  out.append(kpi_);
  PutVarint(&out, open_count_);
  out.append(open_);
  Clear();
  return out;
}

std::string_view EncodeBatchDelta(std::string_view uncompressed, std::string* buffer) {
  const std::string_view body = uncompressed.substr(std::min<size_t>(1, uncompressed.size()));
  const size_t size = PutLz4Block(body, 1, buffer);
  (*buffer)[0] = static_cast<char>(kCompressedDeltaFormat);
  return std::string_view(buffer->data(), size);
}

namespace {

// Decodes one delta value; a compressed one is decompressed into `scratch`
// (grown, never shrunk).
core::Status DecodeBatchDelta(std::string_view value, const core::IdTable& names,
                              const DeltaVisitor& visitor, std::string* scratch) {
  Reader r(value);
  uint8_t format = r.U8();
  if (format == kCompressedDeltaFormat) {
    std::string_view body;
    HOSO_RETURN_IF_ERROR(GetLz4Block(&r, "delta", scratch, &body));
    r = Reader(body);
    format = kDeltaFormat;
  } else if (format != kDeltaFormat && format != kDeltaFormatBeforeFeedback) {
    return Corrupt("delta (unknown format)");
  }
  const int fields =
      format == kDeltaFormat ? core::kKpiFieldCount : core::kKpiFieldCountBeforeFeedback;
  const uint64_t kpi_count = r.Varint();
  core::KpiCounters counters;
  for (uint64_t i = 0; i < kpi_count && !r.failed(); ++i) {
    const std::string_view key = r.String();
    for (int f = 0; f < fields; ++f) counters.values[f] = r.SignedVarint();
    if (!r.failed() && visitor.kpi) visitor.kpi(key, counters);
  }
  const uint64_t open_count = r.Varint();
  OpenSummary summary;
  for (uint64_t i = 0; i < open_count && !r.failed(); ++i) {
    const std::string_view id = r.String();
    const uint8_t state = r.U8();
    if (state != 0) {
      if (state != 1 && state != 3 && state != 7) return Corrupt("delta (open state)");
      const uint64_t agency = r.Varint();
      const uint64_t procedure = r.Varint();
      if (agency == 0 || procedure == 0 || agency > names.size() || procedure > names.size()) {
        if (r.failed()) break;
        return Corrupt("delta (a name handle is not in the table)");
      }
      // Copied only for a visitor that reads them (the KPI fold does not).
      if (visitor.open) {
        summary.agency_id = names.Name(static_cast<uint32_t>(agency - 1));
        summary.procedure_id = names.Name(static_cast<uint32_t>(procedure - 1));
      }
      summary.received_at.epoch_ms = r.SignedVarint();
      summary.due_at.value = r.SignedVarint();
      summary.paused = state != 1;
      summary.paused_late = state == 7;
    }
    if (!r.failed() && visitor.open) visitor.open(id, state != 0 ? &summary : nullptr);
  }
  if (r.failed() || !r.done()) return Corrupt("delta");
  return core::Status::Ok();
}

}  // namespace

core::Status DecodeBatchDelta(std::string_view value, const core::IdTable& names,
                              const DeltaVisitor& visitor) {
  std::string scratch;
  return DecodeBatchDelta(value, names, visitor, &scratch);
}

core::Status ForEachDelta(KvStore& store, const DeltaVisitor& visitor) {
  core::IdTable names;
  HOSO_RETURN_IF_ERROR(LoadNames(store, &names));
  return ForEachDelta(store, names, visitor);
}

core::Status ForEachDelta(KvStore& store, const core::IdTable& names, const DeltaVisitor& visitor) {
  auto it = store.NewIterator(Column::kDeltas);
  std::string scratch;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    HOSO_RETURN_IF_ERROR(DecodeBatchDelta(it->value(), names, visitor, &scratch));
  }
  return it->status();
}

}  // namespace hoso::projections
