#include "projections/dossier_record.h"

#include "projections/coding.h"
#include "projections/kv_store.h"

namespace hoso::projections {
namespace {

constexpr uint8_t kRecordFormat = 6;
// Records written before the input partition was kept (issue 12) end before
// it; those written before feedback chains (issue 13) also lack the byte
// before it.
constexpr uint8_t kRecordFormatBeforePartition = 5;
constexpr uint8_t kRecordFormatBeforeFeedback = 4;

uint64_t HandleCode(uint32_t handle) {
  return handle == core::IdTable::kNone ? 0 : uint64_t{handle} + 1;
}

}  // namespace

void EncodeDossierRecord(std::string_view dossier_id, const core::DossierState& s,
                         std::string* out) {
  // Every field at its widest: fixed part, the id, the ledger.
  const size_t bound = 65 + 25 * BufferWriter::kMaxVarint + dossier_id.size() +
                       s.raised.size() * (BufferWriter::kMaxVarint + 1);
  char stack[1024];
  std::string heap;
  char* buffer = stack;
  if (bound > sizeof(stack)) {
    heap.resize(bound);
    buffer = heap.data();
  }
  BufferWriter w(buffer);
  const int64_t base = s.effective_start.value;
  const int64_t received_ms = s.received_at.epoch_ms;
  w.U8(kRecordFormat);
  w.String(dossier_id);
  w.U8(static_cast<uint8_t>(static_cast<unsigned>(s.status) | static_cast<unsigned>(s.finish) << 2 |
                            static_cast<unsigned>(s.channel) << 4 |
                            static_cast<unsigned>(s.classification) << 6));
  w.U8(static_cast<uint8_t>((s.one_stop ? 1 : 0) | (s.lead_timers ? 2 : 0) |
                            (s.paused_late ? 4 : 0) | (s.first_apology_timely ? 8 : 0) |
                            (s.overdue_logged ? 16 : 0)));
  w.U8(static_cast<uint8_t>(s.online_level));
  w.Varint(HandleCode(s.receiving_agency));
  w.Varint(HandleCode(s.holder_agency));
  w.Varint(HandleCode(s.procedure));
  w.SignedVarint(received_ms);
  w.SignedVarint(base);
  for (const core::LocalMinute minute :
       {s.initial_due_at, s.due_at, s.due_soon_fires_at, s.apology_due_fires_at, s.paused_at,
        s.promised_due_at, s.classified_at}) {
    w.SignedVarint(
        static_cast<int64_t>(static_cast<uint64_t>(minute.value) - static_cast<uint64_t>(base)));
  }
  w.SignedVarint(s.budget_minutes);
  w.SignedVarint(s.remaining_minutes);
  for (const core::Instant instant : {s.finished_at, s.last_event_at}) {
    w.SignedVarint(static_cast<int64_t>(static_cast<uint64_t>(instant.epoch_ms) -
                                        static_cast<uint64_t>(received_ms)));
  }
  w.Varint(static_cast<uint32_t>(s.supplement_requests));
  w.Varint(static_cast<uint32_t>(s.apology_count));
  w.Varint(s.event_count);
  w.Varint(s.first_log_sequence);
  w.Varint(s.last_log_sequence - s.first_log_sequence);
  w.Bytes(s.chain_head.data(), s.chain_head.size());
  w.Varint(s.raised.size());
  for (size_t i = 0; i < s.raised.size(); ++i) {
    w.SignedVarint(static_cast<int64_t>(static_cast<uint64_t>(s.raised.slot(i).due_at.value) -
                                        static_cast<uint64_t>(base)));
    w.U8(s.raised.slot(i).kinds);
  }
  w.U8(static_cast<uint8_t>(static_cast<unsigned>(s.feedback_stage) |
                            static_cast<unsigned>(s.feedback_channel) << 2 |
                            (s.feedback_rated ? 16u : 0u)));
  w.Varint(static_cast<uint64_t>(int64_t{s.input_partition} + 1));
  out->append(buffer, w.size());
}

core::Status DecodeDossierRecord(std::string_view value, const core::IdTable& names,
                                 core::DossierState* state, std::string* dossier_id) {
  Reader r(value);
  core::DossierState s;
  const uint8_t format = r.U8();
  if (format != kRecordFormat && format != kRecordFormatBeforePartition &&
      format != kRecordFormatBeforeFeedback) {
    return Corrupt("dossier (unknown format)");
  }
  const std::string_view id = r.String();
  const uint8_t kinds = r.U8();
  const uint8_t flags = r.U8();
  s.online_level = r.U8();
  uint64_t handles[3];
  for (uint64_t& code : handles) code = r.Varint();
  s.received_at.epoch_ms = r.SignedVarint();
  const int64_t base = r.SignedVarint();
  s.effective_start.value = base;
  auto minute = [&] {
    return core::LocalMinute{static_cast<int64_t>(static_cast<uint64_t>(r.SignedVarint()) +
                                                  static_cast<uint64_t>(base))};
  };
  s.initial_due_at = minute();
  s.due_at = minute();
  s.due_soon_fires_at = minute();
  s.apology_due_fires_at = minute();
  s.paused_at = minute();
  s.promised_due_at = minute();
  s.classified_at = minute();
  s.budget_minutes = r.SignedVarint();
  s.remaining_minutes = r.SignedVarint();
  auto instant = [&] {
    return core::Instant{static_cast<int64_t>(static_cast<uint64_t>(r.SignedVarint()) +
                                              static_cast<uint64_t>(s.received_at.epoch_ms))};
  };
  s.finished_at = instant();
  s.last_event_at = instant();
  s.supplement_requests = static_cast<int32_t>(r.Varint());
  s.apology_count = static_cast<int32_t>(r.Varint());
  s.event_count = static_cast<uint32_t>(r.Varint());
  s.first_log_sequence = r.Varint();
  s.last_log_sequence = s.first_log_sequence + r.Varint();
  const std::string_view head = r.Bytes(32);
  const uint64_t slots = r.Varint();
  if (r.failed() || slots > value.size()) return Corrupt("dossier");
  for (uint64_t i = 0; i < slots; ++i) {
    const core::LocalMinute due = minute();
    const uint8_t raised = r.U8();
    for (int kind = 0; kind < core::kAlertKindCount; ++kind) {
      if (raised & (1u << kind)) s.raised.Add(static_cast<core::AlertKind>(kind), due);
    }
    if (raised >> core::kAlertKindCount) return Corrupt("dossier (alert ledger)");
  }
  const uint8_t feedback = format >= kRecordFormatBeforePartition ? r.U8() : 0;
  const uint64_t partition_code = format >= kRecordFormat ? r.Varint() : 0;
  if (partition_code > uint64_t{INT32_MAX} + 1) return Corrupt("dossier (input partition)");
  s.input_partition = static_cast<int32_t>(static_cast<int64_t>(partition_code) - 1);
  if (feedback >> 5) return Corrupt("dossier (feedback)");
  s.feedback_stage = static_cast<core::FeedbackStage>(feedback & 3);
  s.feedback_channel = static_cast<core::FeedbackChannel>((feedback >> 2) & 3);
  s.feedback_rated = (feedback & 16) != 0;
  const unsigned status = kinds & 3, finish = (kinds >> 2) & 3, channel = (kinds >> 4) & 3,
                 classification = kinds >> 6;
  if (r.failed() || !r.done() || status > 2 || channel > 2 || classification > 2 || flags >> 5 ||
      id.empty()) {
    return Corrupt("dossier");
  }
  uint32_t resolved[3];
  for (int i = 0; i < 3; ++i) {
    if (handles[i] > names.size()) return Corrupt("dossier (a name handle is not in the table)");
    resolved[i] = handles[i] == 0 ? core::IdTable::kNone : static_cast<uint32_t>(handles[i] - 1);
  }
  s.status = static_cast<core::DossierStatus>(status);
  s.finish = static_cast<core::FinishKind>(finish);
  s.channel = static_cast<core::Channel>(channel);
  s.classification = static_cast<core::Classification>(classification);
  s.one_stop = flags & 1;
  s.lead_timers = flags & 2;
  s.paused_late = flags & 4;
  s.first_apology_timely = flags & 8;
  s.overdue_logged = flags & 16;
  s.receiving_agency = resolved[0];
  s.holder_agency = resolved[1];
  s.procedure = resolved[2];
  std::copy(head.begin(), head.end(), reinterpret_cast<char*>(s.chain_head.data()));
  *state = std::move(s);
  if (dossier_id != nullptr) dossier_id->assign(id);
  return core::Status::Ok();
}

core::Status FindDossierRecord(KvStore& store, std::string_view dossier_id,
                               const core::IdTable& names, core::DossierState* state) {
  std::string value;
  core::Status s = store.Get(Column::kOpenDossiers, dossier_id, &value);
  if (s.code() == core::StatusCode::kNotFound) s = store.Get(Column::kDossiers, dossier_id, &value);
  HOSO_RETURN_IF_ERROR(s);
  return DecodeDossierRecord(value, names, state, nullptr);
}

}  // namespace hoso::projections
