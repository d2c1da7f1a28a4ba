#include "projections/records.h"

#include <cstring>

namespace hoso::projections {
namespace {

using core::Result;
using core::Status;

constexpr uint8_t kLoggedEventFormat = 1;
constexpr uint8_t kDossierFormat = 1;
constexpr uint64_t kSignFlip = uint64_t{1} << 63;
constexpr uint32_t kPartitionBias = uint32_t{1} << 31;

void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
void PutI64(std::string* out, int64_t v) { PutU64(out, static_cast<uint64_t>(v) ^ kSignFlip); }
// Variable-length strings carry a LEB128 varint length, so no id the codec
// accepts (up to 128 characters, 512 bytes of UTF-8) is ever cut.
void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// Reads what the Put* functions wrote; any short read sets failed().
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool failed() const { return failed_; }
  bool done() const { return pos_ == data_.size(); }
  uint8_t U8() { return Need(1) ? static_cast<uint8_t>(data_[pos_++]) : 0; }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
    return v;
  }
  int64_t I64() { return static_cast<int64_t>(U64() ^ kSignFlip); }
  std::string_view Bytes(size_t n) {
    if (!Need(n)) return {};
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t byte = U8();
      if (failed_) return 0;
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    failed_ = true;
    return 0;
  }
  std::string VarString() { return std::string(Bytes(static_cast<size_t>(Varint()))); }
  std::string String() { return std::string(Bytes(U32())); }
  std::string_view Rest() {
    std::string_view out = data_.substr(pos_);
    pos_ = data_.size();
    return out;
  }

 private:
  bool Need(size_t n) {
    if (failed_ || data_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

Status Corrupt(std::string_view what) {
  return Status::Corruption("stored " + std::string(what) + " record is malformed");
}

}  // namespace

std::string ProjectionTag() {
  return std::string(kProjectionName) + "/" + std::to_string(kProjectionVersion);
}

std::string EventKeyPrefix(std::string_view dossier_id) {
  std::string key;
  PutString(&key, dossier_id);
  return key;
}

std::string EventKey(std::string_view dossier_id, uint32_t sequence) {
  std::string key = EventKeyPrefix(dossier_id);
  PutU32(&key, sequence);
  return key;
}

Result<std::pair<std::string, uint32_t>> DecodeEventKey(std::string_view key) {
  Reader reader(key);
  std::string dossier_id = reader.VarString();
  uint32_t sequence = reader.U32();
  if (reader.failed() || !reader.done()) return Corrupt("event key");
  return std::make_pair(std::move(dossier_id), sequence);
}

std::string EncodeLoggedEvent(const LoggedEvent& event) {
  std::string out;
  out.reserve(64 + event.bytes.size());
  PutU8(&out, kLoggedEventFormat);
  PutU64(&out, event.global_sequence);
  PutU8(&out, event.derived ? 1 : 0);
  PutU32(&out, static_cast<uint32_t>(event.partition));
  PutI64(&out, event.offset);
  PutString(&out, event.chain_hash);
  out.append(event.bytes);
  return out;
}

Result<LoggedEvent> DecodeLoggedEvent(std::string_view value) {
  Reader reader(value);
  LoggedEvent event;
  if (reader.U8() != kLoggedEventFormat) return Corrupt("event (unknown format)");
  event.global_sequence = reader.U64();
  event.derived = reader.U8() != 0;
  event.partition = static_cast<int32_t>(reader.U32());
  event.offset = reader.I64();
  event.chain_hash = reader.VarString();
  event.bytes = std::string(reader.Rest());
  if (reader.failed()) return Corrupt("event");
  return event;
}

std::string EncodeDossierState(const core::DossierState& s) {
  std::string out;
  out.reserve(160 + s.dossier_id.size() * 2);
  PutU8(&out, kDossierFormat);
  PutString(&out, s.dossier_id);
  PutU8(&out, static_cast<uint8_t>(s.status));
  PutU8(&out, static_cast<uint8_t>(s.finish));
  PutString(&out, s.receiving_agency_id);
  PutString(&out, s.holder_agency_id);
  PutString(&out, s.procedure_id);
  PutU8(&out, static_cast<uint8_t>(s.channel));
  PutU8(&out, static_cast<uint8_t>(s.online_level));
  PutU8(&out, s.one_stop ? 1 : 0);
  PutI64(&out, s.received_at.epoch_ms);
  PutI64(&out, s.effective_start.value);
  PutI64(&out, s.initial_due_at.value);
  PutI64(&out, s.budget_minutes);
  PutI64(&out, s.due_at.value);
  PutI64(&out, s.paused_at.value);
  PutI64(&out, s.remaining_minutes);
  PutU8(&out, s.paused_late ? 1 : 0);
  PutU32(&out, static_cast<uint32_t>(s.supplement_requests));
  PutU32(&out, static_cast<uint32_t>(s.apology_count));
  PutU8(&out, s.first_apology_timely ? 1 : 0);
  PutI64(&out, s.promised_due_at.value);
  PutU8(&out, s.overdue_logged ? 1 : 0);
  PutI64(&out, s.finished_at.epoch_ms);
  PutI64(&out, s.classified_at.value);
  PutU8(&out, static_cast<uint8_t>(s.classification));
  PutI64(&out, s.last_event_at.epoch_ms);
  PutU32(&out, s.event_count);
  PutString(&out, s.chain_head);
  PutU8(&out, static_cast<uint8_t>(s.timers.size()));
  for (const core::TimerSpec& timer : s.timers) {
    PutU8(&out, static_cast<uint8_t>(timer.kind));
    PutI64(&out, timer.fires_at.value);
    PutI64(&out, timer.due_at.value);
  }
  return out;
}

Result<core::DossierState> DecodeDossierState(std::string_view value) {
  Reader r(value);
  core::DossierState s;
  if (r.U8() != kDossierFormat) return Corrupt("dossier (unknown format)");
  s.dossier_id = r.VarString();
  const uint8_t status = r.U8();
  const uint8_t finish = r.U8();
  s.receiving_agency_id = r.VarString();
  s.holder_agency_id = r.VarString();
  s.procedure_id = r.VarString();
  const uint8_t channel = r.U8();
  s.online_level = r.U8();
  s.one_stop = r.U8() != 0;
  s.received_at.epoch_ms = r.I64();
  s.effective_start.value = r.I64();
  s.initial_due_at.value = r.I64();
  s.budget_minutes = r.I64();
  s.due_at.value = r.I64();
  s.paused_at.value = r.I64();
  s.remaining_minutes = r.I64();
  s.paused_late = r.U8() != 0;
  s.supplement_requests = static_cast<int32_t>(r.U32());
  s.apology_count = static_cast<int32_t>(r.U32());
  s.first_apology_timely = r.U8() != 0;
  s.promised_due_at.value = r.I64();
  s.overdue_logged = r.U8() != 0;
  s.finished_at.epoch_ms = r.I64();
  s.classified_at.value = r.I64();
  const uint8_t classification = r.U8();
  s.last_event_at.epoch_ms = r.I64();
  s.event_count = r.U32();
  s.chain_head = r.VarString();
  const uint8_t timer_count = r.U8();
  for (uint8_t i = 0; i < timer_count && !r.failed(); ++i) {
    core::TimerSpec timer;
    const uint8_t kind = r.U8();
    timer.fires_at.value = r.I64();
    timer.due_at.value = r.I64();
    if (kind >= core::kAlertKindCount) return Corrupt("dossier timer");
    timer.kind = static_cast<core::AlertKind>(kind);
    s.timers.push_back(timer);
  }
  if (r.failed() || !r.done() || status > 2 || finish > 3 || channel > 2 || classification > 2) {
    return Corrupt("dossier");
  }
  s.status = static_cast<core::DossierStatus>(status);
  s.finish = static_cast<core::FinishKind>(finish);
  s.channel = static_cast<core::Channel>(channel);
  s.classification = static_cast<core::Classification>(classification);
  return s;
}

std::string EncodeKpiKey(const KpiKey& key) {
  std::string out;
  PutU32(&out, static_cast<uint32_t>(key.month_key));
  PutString(&out, key.agency_id);
  PutString(&out, key.procedure_id);
  PutU32(&out, static_cast<uint32_t>(key.partition) + kPartitionBias);
  return out;
}

Result<KpiKey> DecodeKpiKey(std::string_view data) {
  Reader r(data);
  KpiKey key;
  key.month_key = static_cast<int>(r.U32());
  key.agency_id = r.VarString();
  key.procedure_id = r.VarString();
  key.partition = static_cast<int32_t>(r.U32() - kPartitionBias);
  if (r.failed() || !r.done()) return Corrupt("kpi key");
  return key;
}

std::string EncodeKpiCounters(const core::KpiCounters& counters) {
  std::string out;
  PutU8(&out, core::kKpiFieldCount);
  for (int64_t v : counters.values) PutI64(&out, v);
  return out;
}

Result<core::KpiCounters> DecodeKpiCounters(std::string_view value) {
  Reader r(value);
  core::KpiCounters counters;
  if (r.U8() != core::kKpiFieldCount) return Corrupt("kpi counters (field count)");
  for (int64_t& v : counters.values) v = r.I64();
  if (r.failed() || !r.done()) return Corrupt("kpi counters");
  return counters;
}

std::string EncodeTimerKey(const core::TimerSpec& timer, std::string_view dossier_id) {
  std::string out;
  out.reserve(17 + dossier_id.size());
  PutI64(&out, timer.fires_at.value);
  PutU8(&out, static_cast<uint8_t>(timer.kind));
  PutI64(&out, timer.due_at.value);
  out.append(dossier_id);
  return out;
}

Result<std::pair<core::TimerSpec, std::string>> DecodeTimerKey(std::string_view key) {
  Reader r(key);
  core::TimerSpec timer;
  timer.fires_at.value = r.I64();
  const uint8_t kind = r.U8();
  timer.due_at.value = r.I64();
  std::string dossier_id(r.Rest());
  if (r.failed() || kind >= core::kAlertKindCount || dossier_id.empty())
    return Corrupt("timer key");
  timer.kind = static_cast<core::AlertKind>(kind);
  return std::make_pair(timer, std::move(dossier_id));
}

std::string EncodeHeadKey(int month_key, std::string_view dossier_id) {
  std::string out;
  PutU32(&out, static_cast<uint32_t>(month_key));
  out.append(dossier_id);
  return out;
}

Result<std::pair<int, std::string>> DecodeHeadKey(std::string_view key) {
  Reader r(key);
  const int month = static_cast<int>(r.U32());
  std::string dossier_id(r.Rest());
  if (r.failed() || dossier_id.empty()) return Corrupt("head key");
  return std::make_pair(month, std::move(dossier_id));
}

std::string EncodeFixed64(uint64_t value) {
  std::string out;
  PutU64(&out, value);
  return out;
}

Result<uint64_t> DecodeFixed64(std::string_view value) {
  Reader r(value);
  uint64_t v = r.U64();
  if (r.failed() || !r.done()) return Corrupt("fixed64");
  return v;
}

}  // namespace hoso::projections
