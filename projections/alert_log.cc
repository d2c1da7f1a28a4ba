#include "projections/alert_log.h"

#include <cstring>

#include "projections/coding.h"

namespace hoso::projections {

std::string AlertsKey(uint64_t first_sequence) {
  std::string key;
  PutU64(&key, first_sequence);
  return key;
}

void AlertBatchWriter::Clear() {
  count_ = 0;
  entries_.resize(kCountRoom);
}

void AlertBatchWriter::Add(std::string_view dossier_id, core::AlertKind kind,
                           core::LocalMinute due_at, std::string_view json) {
  PutString(&entries_, dossier_id);
  PutU8(&entries_, static_cast<uint8_t>(kind));
  PutI64(&entries_, due_at.value);
  PutString(&entries_, json);
  ++count_;
}

std::string_view AlertBatchWriter::Value() {
  static_assert(kCountRoom >= BufferWriter::kMaxVarint);
  char count[BufferWriter::kMaxVarint];
  BufferWriter w(count);
  w.Varint(count_);
  const size_t at = kCountRoom - w.size();
  std::memcpy(entries_.data() + at, count, w.size());
  return std::string_view(entries_).substr(at);
}

core::Status ForEachAlert(KvStore& store, uint64_t from,
                          const std::function<core::Status(const StoredAlert&)>& visit) {
  auto it = store.NewIterator(Column::kAlerts);
  it->SeekForPrev(AlertsKey(from));
  if (!it->Valid()) it->SeekToFirst();
  for (; it->Valid(); it->Next()) {
    Reader key(it->key());
    const uint64_t first = key.U64();
    if (key.failed() || !key.done()) return Corrupt("alerts key");
    Reader r(it->value());
    const uint64_t count = r.Varint();
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

core::Status ReadAlertJson(KvStore& store, uint64_t sequence, std::string* json) {
  auto it = store.NewIterator(Column::kAlerts);
  it->SeekForPrev(AlertsKey(sequence));
  if (!it->Valid()) return it->status().ok() ? core::Status::NotFound("alert") : it->status();
  Reader key(it->key());
  const uint64_t first = key.U64();
  if (key.failed() || !key.done()) return Corrupt("alerts key");
  Reader r(it->value());
  const uint64_t count = r.Varint();
  if (sequence < first || sequence - first >= count) return core::Status::NotFound("alert");
  for (uint64_t i = 0; i <= sequence - first && !r.failed(); ++i) {
    r.String();
    r.U8();
    r.I64();
    const std::string_view value = r.String();
    if (i == sequence - first && !r.failed()) {
      json->assign(value);
      return core::Status::Ok();
    }
  }
  return Corrupt("alerts");
}

}  // namespace hoso::projections
