#include "projections/dossier_record.h"

#include "projections/coding.h"
#include "projections/kv_store.h"

namespace hoso::projections {
namespace {

constexpr uint8_t kRecordFormat = 3;

}  // namespace

void EncodeDossierRecord(std::string_view dossier_id, const core::DossierState& s,
                         const core::IdTable& ids, std::string* out) {
  auto name = [&](uint32_t handle) {
    return handle == core::IdTable::kNone ? std::string_view() : ids.Name(handle);
  };
  PutU8(out, kRecordFormat);
  PutString(out, dossier_id);
  PutU8(out, static_cast<uint8_t>(s.status));
  PutU8(out, static_cast<uint8_t>(s.finish));
  PutString(out, name(s.receiving_agency));
  PutString(out, name(s.holder_agency));
  PutString(out, name(s.procedure));
  PutU8(out, static_cast<uint8_t>(s.channel));
  PutU8(out, static_cast<uint8_t>(s.online_level));
  PutU8(out, s.one_stop ? 1 : 0);
  PutI64(out, s.received_at.epoch_ms);
  PutI64(out, s.effective_start.value);
  PutI64(out, s.initial_due_at.value);
  PutI64(out, s.budget_minutes);
  PutI64(out, s.due_at.value);
  PutU8(out, s.lead_timers ? 1 : 0);
  PutI64(out, s.due_soon_fires_at.value);
  PutI64(out, s.apology_due_fires_at.value);
  PutI64(out, s.paused_at.value);
  PutI64(out, s.remaining_minutes);
  PutU8(out, s.paused_late ? 1 : 0);
  PutVarint(out, static_cast<uint32_t>(s.supplement_requests));
  PutVarint(out, static_cast<uint32_t>(s.apology_count));
  PutU8(out, s.first_apology_timely ? 1 : 0);
  PutI64(out, s.promised_due_at.value);
  PutU8(out, s.overdue_logged ? 1 : 0);
  PutI64(out, s.finished_at.epoch_ms);
  PutI64(out, s.classified_at.value);
  PutU8(out, static_cast<uint8_t>(s.classification));
  PutI64(out, s.last_event_at.epoch_ms);
  PutVarint(out, s.event_count);
  PutVarint(out, s.first_log_sequence);
  PutVarint(out, s.last_log_sequence);
  out->append(reinterpret_cast<const char*>(s.chain_head.data()), s.chain_head.size());
  PutVarint(out, s.raised.size());
  for (size_t i = 0; i < s.raised.size(); ++i) {
    PutI64(out, s.raised.slot(i).due_at.value);
    PutU8(out, s.raised.slot(i).kinds);
  }
}

core::Status DecodeDossierRecord(std::string_view value, core::IdTable* ids,
                                 core::DossierState* state, std::string* dossier_id) {
  Reader r(value);
  core::DossierState s;
  if (r.U8() != kRecordFormat) return Corrupt("dossier (unknown format)");
  const std::string_view id = r.String();
  const uint8_t status = r.U8();
  const uint8_t finish = r.U8();
  const std::string_view receiving = r.String();
  const std::string_view holder = r.String();
  const std::string_view procedure = r.String();
  const uint8_t channel = r.U8();
  s.online_level = r.U8();
  s.one_stop = r.U8() != 0;
  s.received_at.epoch_ms = r.I64();
  s.effective_start.value = r.I64();
  s.initial_due_at.value = r.I64();
  s.budget_minutes = r.I64();
  s.due_at.value = r.I64();
  s.lead_timers = r.U8() != 0;
  s.due_soon_fires_at.value = r.I64();
  s.apology_due_fires_at.value = r.I64();
  s.paused_at.value = r.I64();
  s.remaining_minutes = r.I64();
  s.paused_late = r.U8() != 0;
  s.supplement_requests = static_cast<int32_t>(r.Varint());
  s.apology_count = static_cast<int32_t>(r.Varint());
  s.first_apology_timely = r.U8() != 0;
  s.promised_due_at.value = r.I64();
  s.overdue_logged = r.U8() != 0;
  s.finished_at.epoch_ms = r.I64();
  s.classified_at.value = r.I64();
  const uint8_t classification = r.U8();
  s.last_event_at.epoch_ms = r.I64();
  s.event_count = static_cast<uint32_t>(r.Varint());
  s.first_log_sequence = r.Varint();
  s.last_log_sequence = r.Varint();
  const std::string_view head = r.Bytes(32);
  const uint64_t slots = r.Varint();
  if (r.failed() || slots > value.size()) return Corrupt("dossier");
  for (uint64_t i = 0; i < slots; ++i) {
    const core::LocalMinute due{r.I64()};
    const uint8_t kinds = r.U8();
    for (int kind = 0; kind < core::kAlertKindCount; ++kind) {
      if (kinds & (1u << kind)) s.raised.Add(static_cast<core::AlertKind>(kind), due);
    }
    if (kinds >> core::kAlertKindCount) return Corrupt("dossier (alert ledger)");
  }
  if (r.failed() || !r.done() || status > 2 || finish > 3 || channel > 2 || classification > 2 ||
      id.empty()) {
    return Corrupt("dossier");
  }
  s.status = static_cast<core::DossierStatus>(status);
  s.finish = static_cast<core::FinishKind>(finish);
  s.channel = static_cast<core::Channel>(channel);
  s.classification = static_cast<core::Classification>(classification);
  s.receiving_agency = receiving.empty() ? core::IdTable::kNone : ids->Intern(receiving);
  s.holder_agency = holder.empty() ? core::IdTable::kNone : ids->Intern(holder);
  s.procedure = procedure.empty() ? core::IdTable::kNone : ids->Intern(procedure);
  std::copy(head.begin(), head.end(), reinterpret_cast<char*>(s.chain_head.data()));
  *state = std::move(s);
  if (dossier_id != nullptr) dossier_id->assign(id);
  return core::Status::Ok();
}

core::Status FindDossierRecord(KvStore& store, std::string_view dossier_id, core::IdTable* ids,
                               core::DossierState* state) {
  std::string value;
  core::Status s = store.Get(Column::kOpenDossiers, dossier_id, &value);
  if (s.code() == core::StatusCode::kNotFound) s = store.Get(Column::kDossiers, dossier_id, &value);
  HOSO_RETURN_IF_ERROR(s);
  return DecodeDossierRecord(value, ids, state, nullptr);
}

}  // namespace hoso::projections
