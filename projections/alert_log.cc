#include "projections/alert_log.h"

#include <cstring>

#include "projections/coding.h"
#include "projections/lz4_block.h"

namespace hoso::projections {

namespace {

// The first byte of a compressed value: a stored value of the earlier layout
// begins with its count's varint, never 0 (a batch without alerts stores
// nothing).
constexpr uint8_t kCompressedAlerts = 0;

// The count and entries of a stored value; `scratch` receives the entries of
// a compressed one (grown, never shrunk).
core::Status DecodeAlertBatch(std::string_view value, std::string* scratch, uint64_t* count,
                              std::string_view* entries) {
  Reader r(value);
  if (value.empty() || static_cast<uint8_t>(value[0]) != kCompressedAlerts) {
    *count = r.Varint();
    *entries = r.Rest();
    return r.failed() ? Corrupt("alerts") : core::Status::Ok();
  }
  r.U8();
  *count = r.Varint();
  return GetLz4Block(&r, "alerts", scratch, entries);
}

}  // namespace

std::string AlertsKey(uint64_t first_sequence) {
  std::string key;
  PutU64(&key, first_sequence);
  return key;
}

void AlertBatchWriter::Clear() {
  batch_.count = 0;
  batch_.entries.clear();
}

void AlertBatchWriter::Add(std::string_view dossier_id, core::AlertKind kind,
                           core::LocalMinute due_at, std::string_view json) {
  std::string& out = batch_.entries;
  PutString(&out, dossier_id);
  PutU8(&out, static_cast<uint8_t>(kind));
  PutI64(&out, due_at.value);
  PutString(&out, json);
  ++batch_.count;
}

AlertBatch AlertBatchWriter::Take(std::string spare) {
  AlertBatch taken = std::move(batch_);
  batch_.count = 0;
  batch_.entries = std::move(spare);
  batch_.entries.clear();
  return taken;
}

std::string_view EncodeAlertBatch(const AlertBatch& batch, std::string* buffer) {
  char header[1 + BufferWriter::kMaxVarint];
  BufferWriter w(header);
  w.U8(kCompressedAlerts);
  w.Varint(batch.count);
  const size_t size = PutLz4Block(batch.entries, w.size(), buffer);
  std::memcpy(buffer->data(), header, w.size());
  return std::string_view(buffer->data(), size);
}

core::Status ForEachAlert(KvStore& store, uint64_t from,
                          const std::function<core::Status(const StoredAlert&)>& visit) {
  auto it = store.NewIterator(Column::kAlerts);
  it->SeekForPrev(AlertsKey(from));
  if (!it->Valid()) it->SeekToFirst();
  std::string scratch;
  for (; it->Valid(); it->Next()) {
    Reader key(it->key());
    const uint64_t first = key.U64();
    if (key.failed() || !key.done()) return Corrupt("alerts key");
    uint64_t count = 0;
    std::string_view entries;
    HOSO_RETURN_IF_ERROR(DecodeAlertBatch(it->value(), &scratch, &count, &entries));
    Reader r(entries);
    for (uint64_t i = 0; i < count && !r.failed(); ++i) {
      StoredAlert alert;
      alert.sequence = first + i;
      alert.dossier_id = r.String();
      const uint8_t kind = r.U8();
      alert.due_at.value = r.I64();
      alert.json = r.String();
      if (r.failed() || kind >= core::kAlertKindCount) return Corrupt("alerts");
      alert.kind = static_cast<core::AlertKind>(kind);
      if (alert.sequence >= from) HOSO_RETURN_IF_ERROR(visit(alert));
    }
    if (r.failed() || !r.done()) return Corrupt("alerts");
  }
  return it->status();
}

core::Status AlertJsonReader::Read(uint64_t sequence, std::string* json) {
  if (first_ == 0 || sequence < first_ || sequence - first_ >= count_) {
    auto it = store_.NewIterator(Column::kAlerts);
    it->SeekForPrev(AlertsKey(sequence));
    if (!it->Valid()) return it->status().ok() ? core::Status::NotFound("alert") : it->status();
    Reader key(it->key());
    const uint64_t first = key.U64();
    if (key.failed() || !key.done()) return Corrupt("alerts key");
    first_ = 0;
    value_.assign(it->value());
    HOSO_RETURN_IF_ERROR(DecodeAlertBatch(value_, &scratch_, &count_, &entries_));
    first_ = first;
    if (sequence < first_ || sequence - first_ >= count_) return core::Status::NotFound("alert");
  }
  Reader r(entries_);
  for (uint64_t i = 0; i <= sequence - first_ && !r.failed(); ++i) {
    r.String();
    r.U8();
    r.I64();
    const std::string_view value = r.String();
    if (i == sequence - first_ && !r.failed()) {
      json->assign(value);
      return core::Status::Ok();
    }
  }
  return Corrupt("alerts");
}

}  // namespace hoso::projections
