#include "engine/core/dossier_state_machine.h"

#include <algorithm>
#include <array>

#include "engine/core/bounded_id.h"

namespace hoso::core {
namespace {

bool Reject(Rejection* rejection, RejectCode code, std::string message) {
  rejection->code = code;
  rejection->message = std::move(message);
  return false;
}

bool RejectCalendar(Rejection* rejection, const Status& status) {
  return Reject(rejection, RejectCode::kCalendarRange, status.message());
}

// Writes `value` as exactly `width` decimal digits (zero-padded).
char* PutDigits(char* out, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// "YYYYMMDDTHHMM" (alert and derived event ids).
std::string CompactLocal(LocalMinute minute) {
  const CivilDate date = CivilFromDays(minute.day());
  char buffer[16];
  char* out = PutDigits(buffer, date.year, 4);
  out = PutDigits(out, date.month, 2);
  out = PutDigits(out, date.day, 2);
  *out++ = 'T';
  out = PutDigits(out, minute.minute_of_day() / 60, 2);
  out = PutDigits(out, minute.minute_of_day() % 60, 2);
  return std::string(buffer, static_cast<size_t>(out - buffer));
}

}  // namespace

std::string_view AlertKindName(AlertKind kind) {
  static constexpr std::array<std::string_view, kAlertKindCount> kNames = {
      "due_soon",          "apology_due",       "overdue",          "apology_missing",
      "apology_violation", "feedback_due_soon", "feedback_overdue", "dialogue_missing"};
  return kNames[static_cast<int>(kind)];
}

std::optional<AlertKind> AlertKindFromName(std::string_view name) {
  for (int i = 0; i < kAlertKindCount; ++i) {
    if (AlertKindName(static_cast<AlertKind>(i)) == name) return static_cast<AlertKind>(i);
  }
  return std::nullopt;
}

namespace {

// "HH:MM DD/MM/YYYY", as the desk writes an appointment; 16 characters.
size_t DueText(LocalMinute due_at, char* buffer) {
  const CivilDate date = CivilFromDays(due_at.day());
  char* out = PutDigits(buffer, due_at.minute_of_day() / 60, 2);
  *out++ = ':';
  out = PutDigits(out, due_at.minute_of_day() % 60, 2);
  *out++ = ' ';
  out = PutDigits(out, date.day, 2);
  *out++ = '/';
  out = PutDigits(out, date.month, 2);
  *out++ = '/';
  out = PutDigits(out, date.year, 4);
  return static_cast<size_t>(out - buffer);
}

}  // namespace

void AppendAlertMessage(std::string* out, AlertKind kind, LocalMinute due_at, bool vietnamese) {
  char due_buffer[24];
  const std::string_view due_text(due_buffer, DueText(due_at, due_buffer));
  switch (kind) {
    case AlertKind::kDueSoon:
      if (vietnamese) {
        out->append("Hồ sơ sắp đến hạn trả kết quả (").append(due_text).append(")");
      } else {
        out->append("Dossier due within one working day (").append(due_text).append(")");
      }
      break;
    case AlertKind::kApologyDue:
      if (vietnamese) {
        out->append("Nếu không kịp hạn ")
            .append(due_text)
            .append(", gửi phiếu xin lỗi trong hôm nay");
      } else {
        out->append("If it cannot meet ")
            .append(due_text)
            .append(", send the apology letter today");
      }
      break;
    case AlertKind::kOverdue:
      if (vietnamese) {
        out->append("Hồ sơ đã quá hạn trả kết quả (").append(due_text).append(")");
      } else {
        out->append("Dossier is overdue (due ").append(due_text).append(")");
      }
      break;
    case AlertKind::kApologyMissing:
      out->append(vietnamese ? "Hồ sơ quá hạn chưa có phiếu xin lỗi đúng hạn"
                             : "Overdue dossier without a timely apology letter");
      break;
    case AlertKind::kApologyViolation:
      out->append(vietnamese ? "Phiếu xin lỗi thứ hai: chỉ được hẹn lại một lần"
                             : "Second apology letter: the new date may be set only once");
      break;
    case AlertKind::kFeedbackDueSoon:
      if (vietnamese) {
        out->append("Phản ánh, kiến nghị sắp đến hạn trả lời (").append(due_text).append(")");
      } else {
        out->append("Feedback to answer within one working day (").append(due_text).append(")");
      }
      break;
    case AlertKind::kFeedbackOverdue:
      if (vietnamese) {
        out->append("Phản ánh, kiến nghị đã quá hạn trả lời (").append(due_text).append(")");
      } else {
        out->append("Feedback not answered by its deadline (").append(due_text).append(")");
      }
      break;
    case AlertKind::kDialogueMissing: {
      // due_at is the deadline (15 June or 15 December): it names the
      // half-year, which ends on the 30 June or 31 December after it.
      const CivilDate date = CivilFromDays(due_at.day());
      const bool first_half = date.month <= 6;
      char year[8];
      const std::string_view year_text(year,
                                       static_cast<size_t>(PutDigits(year, date.year, 4) - year));
      if (vietnamese) {
        out->append("Chưa tổ chức đối thoại với người dân về thủ tục hành chính trong 6 tháng ")
            .append(first_half ? "đầu" : "cuối")
            .append(" năm ")
            .append(year_text)
            .append("; cần tổ chức chậm nhất ngày ")
            .append(first_half ? "30/06/" : "31/12/")
            .append(year_text);
      } else {
        out->append("No dialogue with citizens on administrative procedures held in the ")
            .append(first_half ? "first" : "second")
            .append(" half of ")
            .append(year_text)
            .append("; hold one by ")
            .append(first_half ? "30/06/" : "31/12/")
            .append(year_text);
      }
      break;
    }
  }
}

Alert AlertFor(const AlertSpec& spec, std::string_view dossier_id, std::string_view agency_id,
               std::string_view procedure_id) {
  Alert alert;
  alert.alert_id = MakeAlertId(dossier_id, spec.kind, spec.due_at);
  alert.kind = spec.kind;
  alert.dossier_id = dossier_id;
  alert.agency_id = agency_id;
  alert.procedure_id = procedure_id;
  alert.due_at = spec.due_at;
  alert.fires_at = spec.fires_at;
  alert.raised_at = spec.raised_at;
  AppendAlertMessage(&alert.message_vi, spec.kind, spec.due_at, true);
  AppendAlertMessage(&alert.message_en, spec.kind, spec.due_at, false);
  return alert;
}

bool RaisedLedger::Has(AlertKind kind, LocalMinute due_at) const {
  const Slot* slot = Find(due_at);
  return slot != nullptr && (slot->kinds & (1u << static_cast<int>(kind))) != 0;
}

void RaisedLedger::Add(AlertKind kind, LocalMinute due_at) {
  Slot* slot = Find(due_at);
  if (slot == nullptr) {
    if (inline_count_ < inline_.size()) {
      slot = &inline_[inline_count_++];
    } else {
      slot = &overflow_.emplace_back();
    }
    slot->due_at = due_at;
  }
  slot->kinds |= static_cast<uint8_t>(1u << static_cast<int>(kind));
}

std::vector<RaisedLedger::Slot> RaisedLedger::Slots() const {
  std::vector<Slot> out(inline_.begin(), inline_.begin() + inline_count_);
  out.insert(out.end(), overflow_.begin(), overflow_.end());
  return out;
}

RaisedLedger::Slot* RaisedLedger::Find(LocalMinute due_at) {
  return const_cast<Slot*>(static_cast<const RaisedLedger*>(this)->Find(due_at));
}

const RaisedLedger::Slot* RaisedLedger::Find(LocalMinute due_at) const {
  for (uint8_t i = 0; i < inline_count_; ++i) {
    if (inline_[i].due_at == due_at) return &inline_[i];
  }
  for (const Slot& slot : overflow_) {
    if (slot.due_at == due_at) return &slot;
  }
  return nullptr;
}

void AppendAlertId(std::string* out, std::string_view dossier_id, AlertKind kind,
                   LocalMinute due_at) {
  out->append(dossier_id).append("|").append(AlertKindName(kind)).append("|");
  out->append(CompactLocal(due_at));
}

std::string MakeAlertId(std::string_view dossier_id, AlertKind kind, LocalMinute due_at) {
  std::string id;
  AppendAlertId(&id, dossier_id, kind, due_at);
  return id;
}

std::string_view DossierStatusName(DossierStatus status) {
  switch (status) {
    case DossierStatus::kOpen:
      return "open";
    case DossierStatus::kPaused:
      return "paused";
    case DossierStatus::kFinished:
      return "finished";
  }
  return "open";
}

std::string_view FeedbackStageName(FeedbackStage stage) {
  static constexpr std::array<std::string_view, 4> kNames = {"none", "received", "answered",
                                                             "published"};
  return kNames[static_cast<size_t>(stage)];
}

std::string_view FinishKindName(FinishKind kind) {
  switch (kind) {
    case FinishKind::kNone:
      return "none";
    case FinishKind::kResolved:
      return "resolved";
    case FinishKind::kWithdrawn:
      return "withdrawn";
    case FinishKind::kRejected:
      return "rejected";
  }
  return "none";
}

DossierStateMachine::DossierStateMachine(const WorkingCalendar* calendar,
                                         const ProcedureCatalog* catalog,
                                         StateMachineOptions options, const AgencyList* agencies)
    : calendar_(calendar), catalog_(catalog), options_(options), agencies_(agencies) {}

bool DossierStateMachine::ApplyDialogue(DossierState* target, bool is_new, const Event& event,
                                        IdTable* ids, Effects* effects,
                                        Rejection* rejection) const {
  if (!is_new) {
    return Reject(rejection, RejectCode::kBadTransition,
                  "dialogue_held not allowed: dialogue " + std::string(event.DialogueId()) +
                      " was recorded before (a dialogue is recorded once)");
  }
  if (agencies_ != nullptr && agencies_->Find(event.agency_id) == nullptr) {
    return Reject(rejection, RejectCode::kUnknownAgency,
                  "agency_id " + event.agency_id + " is not in the agency list");
  }
  const CivilDate recorded_on = CivilFromDays(ToLocalMinute(event.occurred_at).day());
  if (recorded_on < event.held_on) {
    return Reject(rejection, RejectCode::kTimeTravel,
                  "held_on " + FormatCivilDate(event.held_on) +
                      " is after occurred_at: a dialogue is recorded once it was held");
  }
  DossierState state;
  state.status = DossierStatus::kFinished;
  state.receiving_agency = ids->Intern(event.agency_id);
  state.holder_agency = state.receiving_agency;
  // Dialogues belong to no procedure: their KPI cell's procedure id is empty.
  state.procedure = ids->Intern("");
  state.received_at = event.occurred_at;
  state.finished_at = event.occurred_at;
  state.last_event_at = event.occurred_at;
  state.event_count = 1;
  if (event.topic == DialogueTopic::kAdministrativeProcedures) {
    effects->counters.push_back(
        {event.held_on.year * 100 + event.held_on.month, KpiField::kDialoguesHeld});
  }
  *target = std::move(state);
  return true;
}

namespace {

constexpr ProcessingTime kFeedbackAnswerTime{ProcessingKind::kWorkingDays, 15};
constexpr ProcessingTime kFeedbackRejectionTime{ProcessingKind::kWorkingDays, 2};
constexpr ProcessingTime kFeedbackPublicationTime{ProcessingKind::kWorkingDays, 2};

int MonthKeyOfMinute(LocalMinute minute) {
  const CivilDate date = CivilFromDays(minute.day());
  return date.year * 100 + date.month;
}

}  // namespace

bool DossierStateMachine::ApplyFeedback(DossierState* target, bool is_new, const Event& event,
                                        IdTable* ids, Effects* effects,
                                        Rejection* rejection) const {
  const std::string type(EventTypeName(event.type));
  const std::string id(event.FeedbackId());
  auto bad = [&](std::string_view why) {
    return Reject(rejection, RejectCode::kBadTransition,
                  type + " not allowed: feedback " + id + " " + std::string(why));
  };
  const LocalMinute at = ToLocalMinute(event.occurred_at);
  if (event.type == EventType::kFeedbackReceived) {
    if (!is_new) return bad("was received before");
    if (agencies_ != nullptr && agencies_->Find(event.agency_id) == nullptr) {
      return Reject(rejection, RejectCode::kUnknownAgency,
                    "agency_id " + event.agency_id + " is not in the agency list");
    }
    DossierState state;
    state.feedback_stage = FeedbackStage::kReceived;
    state.feedback_channel = event.feedback_channel;
    state.channel =
        event.feedback_channel == FeedbackChannel::kOnline ? Channel::kOnline : Channel::kDirect;
    state.received_at = event.occurred_at;
    auto start = EffectiveStart(*calendar_, at);
    if (!start.ok()) return RejectCalendar(rejection, start.status());
    state.effective_start = *start;
    auto due = ComputeDueAt(*calendar_, at, kFeedbackAnswerTime);
    if (!due.ok()) return RejectCalendar(rejection, due.status());
    state.due_at = state.initial_due_at = *due;
    auto budget = calendar_->WorkingMinutesBetween(state.effective_start, state.due_at);
    if (!budget.ok()) return RejectCalendar(rejection, budget.status());
    state.budget_minutes = *budget;
    state.lead_timers = state.budget_minutes > options_.due_soon_lead_minutes;
    if (state.lead_timers) {
      auto due_soon = DueSoonFiresAt(*calendar_, state.due_at, options_.due_soon_lead_minutes);
      if (!due_soon.ok()) return RejectCalendar(rejection, due_soon.status());
      state.due_soon_fires_at = *due_soon;
    }
    const int month = MonthKeyOf(event.occurred_at);
    effects->counters.push_back({month, KpiField::kFeedbackReceived});
    switch (event.feedback_channel) {
      case FeedbackChannel::kOnline:
        effects->counters.push_back({month, KpiField::kFeedbackReceivedOnline});
        break;
      case FeedbackChannel::kDirect:
        effects->counters.push_back({month, KpiField::kFeedbackReceivedDirect});
        break;
      case FeedbackChannel::kPhone:
        effects->counters.push_back({month, KpiField::kFeedbackReceivedPhone});
        break;
      case FeedbackChannel::kMail:
        effects->counters.push_back({month, KpiField::kFeedbackReceivedMail});
        break;
    }
    effects->timers_changed = true;
    state.receiving_agency = ids->Intern(event.agency_id);
    state.holder_agency = state.receiving_agency;
    // Counted per agency: procedure_id is optional, so per-procedure figures
    // would be partial (the event in the log keeps it).
    state.procedure = ids->Intern("");
    state.last_event_at = event.occurred_at;
    state.event_count = 1;
    *target = std::move(state);
    return true;
  }
  if (is_new) {
    return Reject(rejection, RejectCode::kUnknownDossier,
                  type + " for feedback " + id +
                      " never received (its first event must be `feedback_received`)");
  }
  if (!target->is_feedback()) return bad("is not a feedback chain");
  if (!target->is_open()) return bad("is closed (published and rated)");
  if (event.occurred_at < target->last_event_at) {
    return Reject(rejection, RejectCode::kTimeTravel,
                  "occurred_at " + FormatLocal(event.occurred_at) +
                      " is earlier than the feedback's last event at " +
                      FormatLocal(target->last_event_at));
  }
  DossierState state = *target;
  switch (event.type) {
    case EventType::kFeedbackAnswered: {
      if (state.feedback_stage != FeedbackStage::kReceived) return bad("was answered before");
      // A rejection is due within 2 working days of receipt, any other answer
      // within 15 (766/QĐ-TTg indicator 5.2), both on the dossiers' rules.
      LocalMinute deadline = state.due_at;
      if (event.feedback_outcome == FeedbackOutcome::kRejected) {
        auto due =
            ComputeDueAt(*calendar_, ToLocalMinute(state.received_at), kFeedbackRejectionTime);
        if (!due.ok()) return RejectCalendar(rejection, due.status());
        deadline = *due;
      }
      auto publication = ComputeDueAt(*calendar_, at, kFeedbackPublicationTime);
      if (!publication.ok()) return RejectCalendar(rejection, publication.status());
      state.feedback_stage = FeedbackStage::kAnswered;
      // Answered, the feedback waits for publication and rating, which have
      // no deadline the timers watch: its clock stops, as a dossier's does
      // while paused, so open-dossier summaries tell "awaiting the answer"
      // (open) from "answered" (paused) with no field of their own.
      state.status = DossierStatus::kPaused;
      state.promised_due_at = *publication;
      state.classified_at = at;
      state.classification = Classify(at, deadline);
      state.finished_at = event.occurred_at;
      effects->counters.push_back(
          {MonthKeyOf(event.occurred_at), state.classification == Classification::kLate
                                              ? KpiField::kFeedbackAnsweredLate
                                              : KpiField::kFeedbackAnsweredOnTime});
      effects->timers_changed = true;
      break;
    }
    case EventType::kFeedbackPublished:
      if (state.feedback_stage == FeedbackStage::kReceived) return bad("is not answered yet");
      if (state.feedback_stage == FeedbackStage::kPublished) return bad("was published before");
      state.feedback_stage = FeedbackStage::kPublished;
      effects->counters.push_back(
          {MonthKeyOf(event.occurred_at), at > state.promised_due_at
                                              ? KpiField::kFeedbackPublishedLate
                                              : KpiField::kFeedbackPublishedOnTime});
      break;
    case EventType::kFeedbackRated: {
      if (state.feedback_stage == FeedbackStage::kReceived) return bad("is not answered yet");
      if (state.feedback_rated) return bad("was rated before");
      state.feedback_rated = true;
      const int answer_month = MonthKeyOfMinute(state.classified_at);
      effects->counters.push_back({answer_month, KpiField::kFeedbackRated});
      if (event.rating == FeedbackRating::kDissatisfied) {
        effects->counters.push_back({answer_month, KpiField::kFeedbackRatedDissatisfied});
        if (state.classification != Classification::kLate) {
          effects->counters.push_back({answer_month, KpiField::kFeedbackDissatisfiedOnTime});
        }
      }
      break;
    }
    default:
      return bad("is handled by another rule");  // unreachable: Apply dispatches feedback only
  }
  if (state.feedback_stage == FeedbackStage::kPublished && state.feedback_rated) {
    // Nothing can follow: the chain is finished (and leaves memory).
    state.status = DossierStatus::kFinished;
    state.finish = FinishKind::kResolved;
    effects->timers_changed = true;
  }
  state.last_event_at = event.occurred_at;
  ++state.event_count;
  *target = std::move(state);
  return true;
}

std::string DossierStateMachine::DerivedOverdueEventId(std::string_view dossier_id,
                                                       LocalMinute due_at) {
  // Event ids are at most 128 characters (docs/events.md) and "hoso-overdue:",
  // ":" and the minute take 27: a longer dossier id is cut to 84 characters
  // followed by "~" and a 64-bit FNV-1a digest of the whole id in hex, so the
  // derived event stays a valid event of the contract and its id unique.
  std::string id(kDerivedOverduePrefix);
  AppendBoundedId(&id, dossier_id, 128 - 27);
  id += ':';
  id += CompactLocal(due_at);
  return id;
}

Event DossierStateMachine::DerivedOverdue(std::string_view dossier_id,
                                          std::string_view holder_agency_id, LocalMinute due_at) {
  Event event;
  event.event_id = DerivedOverdueEventId(dossier_id, due_at);
  event.dossier_id = dossier_id;
  event.type = EventType::kOverdue;
  event.occurred_at = ToInstant(due_at);
  event.agency_id = holder_agency_id;
  event.due_at = ToInstant(due_at);
  return event;
}

bool DossierStateMachine::CheckProcedure(const Event& event, Rejection* rejection) const {
  if (event.type != EventType::kReceived || event.due_at || event.processing) return true;
  if (catalog_->Find(event.procedure_id) != nullptr) return true;
  return Reject(rejection, RejectCode::kUnknownProcedure,
                "procedure_id '" + event.procedure_id +
                    "' is not in the catalog and the event carries neither due_at nor processing");
}

bool DossierStateMachine::SetTimers(DossierState* state, Rejection* rejection) const {
  const LocalMinute due = state->due_at;
  state->lead_timers = state->budget_minutes > options_.due_soon_lead_minutes;
  if (!state->lead_timers) return true;
  auto due_soon = DueSoonFiresAt(*calendar_, due, options_.due_soon_lead_minutes);
  if (!due_soon.ok()) return RejectCalendar(rejection, due_soon.status());
  state->due_soon_fires_at = *due_soon;
  // apology_due is armed only while no apology was issued (and computed only
  // then: its date may fall outside the calendar when nothing needs it).
  if (state->apology_count == 0) {
    auto apology_due = ApologyDueFiresAt(*calendar_, due);
    if (!apology_due.ok()) return RejectCalendar(rejection, apology_due.status());
    state->apology_due_fires_at = *apology_due;
  }
  return true;
}

SmallVector<TimerSpec, 3> DossierStateMachine::PendingTimers(const DossierState& state) const {
  SmallVector<TimerSpec, 3> out;
  if (state.status != DossierStatus::kOpen) return out;
  const LocalMinute due = state.due_at;
  if (state.is_feedback()) {
    // Only the answer is watched: publication and rating raise no alert.
    if (state.feedback_stage != FeedbackStage::kReceived) return out;
    if (state.lead_timers && !state.raised.Has(AlertKind::kFeedbackDueSoon, due)) {
      out.push_back(TimerSpec{AlertKind::kFeedbackDueSoon, state.due_soon_fires_at, due});
    }
    if (!state.raised.Has(AlertKind::kFeedbackOverdue, due)) {
      out.push_back(TimerSpec{AlertKind::kFeedbackOverdue, due, due});
    }
    return out;
  }
  if (state.lead_timers) {
    if (!state.raised.Has(AlertKind::kDueSoon, due)) {
      out.push_back(TimerSpec{AlertKind::kDueSoon, state.due_soon_fires_at, due});
    }
    if (state.apology_count == 0 && !state.raised.Has(AlertKind::kApologyDue, due)) {
      out.push_back(TimerSpec{AlertKind::kApologyDue, state.apology_due_fires_at, due});
    }
  }
  // The overdue timer also raises apology_missing at the same instant.
  if (!state.raised.Has(AlertKind::kOverdue, due)) {
    out.push_back(TimerSpec{AlertKind::kOverdue, due, due});
  }
  return out;
}

bool DossierStateMachine::ApplyReceived(const Event& event, IdTable* ids, DossierState* out,
                                        Effects* effects, Rejection* rejection) const {
  DossierState& state = *out;
  state = DossierState{};
  state.channel = event.channel;
  state.online_level = event.channel == Channel::kOnline ? event.online_level : 0;
  state.one_stop = event.one_stop;
  state.received_at = event.occurred_at;

  const LocalMinute received = ToLocalMinute(event.occurred_at);
  auto start = EffectiveStart(*calendar_, received);
  if (!start.ok()) return RejectCalendar(rejection, start.status());
  state.effective_start = *start;
  if (event.due_at) {
    state.due_at = ToLocalMinute(*event.due_at);  // the printed appointment is authoritative
  } else {
    ProcessingTime processing;
    if (event.processing) {
      processing = *event.processing;
    } else {
      processing = catalog_->Find(event.procedure_id)->processing;  // CheckProcedure passed
    }
    auto due = ComputeDueAt(*calendar_, received, processing);
    if (!due.ok()) return RejectCalendar(rejection, due.status());
    state.due_at = *due;
  }
  state.initial_due_at = state.due_at;
  auto budget = calendar_->WorkingMinutesBetween(state.effective_start, state.due_at);
  if (!budget.ok()) return RejectCalendar(rejection, budget.status());
  state.budget_minutes = *budget;

  const int month = MonthKeyOf(event.occurred_at);
  effects->counters.push_back({month, KpiField::kReceived});
  if (state.one_stop) effects->counters.push_back({month, KpiField::kReceivedOneStop});
  switch (state.channel) {
    case Channel::kOnline:
      effects->counters.push_back({month, KpiField::kOnlineReceived});
      effects->counters.push_back({month, state.online_level == 4
                                              ? KpiField::kOnlineReceivedLevel4
                                              : KpiField::kOnlineReceivedLevel3});
      break;
    case Channel::kDirect:
      effects->counters.push_back({month, KpiField::kDirect});
      break;
    case Channel::kPostal:
      effects->counters.push_back({month, KpiField::kPostal});
      break;
  }
  effects->timers_changed = true;
  if (!SetTimers(&state, rejection)) return false;
  // Names are interned only for an event that applies, so the table (stored
  // with the projections) holds the same names in the same order whenever
  // the same events are applied, whatever was rejected around them.
  state.receiving_agency = ids->Intern(event.agency_id);
  state.holder_agency = state.receiving_agency;
  state.procedure = ids->Intern(event.procedure_id);
  return true;
}

bool DossierStateMachine::Apply(DossierState* target, bool is_new, const Event& event, bool derived,
                                IdTable* ids, Effects* effects, Rejection* rejection) const {
  effects->duplicate = false;
  effects->counters.clear();
  effects->alerts.clear();
  effects->timers_changed = false;
  if (event.type == EventType::kDialogueHeld) {
    return ApplyDialogue(target, is_new, event, ids, effects, rejection);
  }
  if (IsFeedbackEvent(event.type)) {
    return ApplyFeedback(target, is_new, event, ids, effects, rejection);
  }
  if (is_new) {
    if (event.type != EventType::kReceived) {
      return Reject(rejection, RejectCode::kUnknownDossier,
                    std::string(EventTypeName(event.type)) +
                        " for a dossier never received (its first event must be `received`)");
    }
  } else {
    const DossierState& prior = *target;
    auto bad = [&](std::string_view why) {
      return Reject(rejection, RejectCode::kBadTransition,
                    std::string(EventTypeName(event.type)) + " not allowed: " + std::string(why));
    };
    if (event.type == EventType::kReceived) return bad("the dossier was already received");
    if (prior.status == DossierStatus::kFinished) {
      return bad("the dossier is finished (" + std::string(FinishKindName(prior.finish)) + ")");
    }
    if (event.type == EventType::kSupplementRequested && prior.status != DossierStatus::kOpen) {
      return bad("the dossier is already waiting for documents");
    }
    if (event.type == EventType::kSupplementReceived && prior.status != DossierStatus::kPaused) {
      return bad("no documents were requested");
    }
    if (!derived && event.occurred_at < prior.last_event_at) {
      return Reject(rejection, RejectCode::kTimeTravel,
                    "occurred_at " + FormatLocal(event.occurred_at) +
                        " is earlier than the dossier's last event at " +
                        FormatLocal(prior.last_event_at));
    }
    if (event.type == EventType::kOverdue && prior.overdue_logged) {
      effects->duplicate = true;  // a second overdue: nothing changes
      return true;
    }
  }

  // Work on a copy: a rejection (a date outside the calendar) found halfway
  // leaves the dossier as it was. The copy allocates nothing unless the
  // dossier raised alerts for more than three appointments.
  DossierState state;
  if (event.type == EventType::kReceived) {
    if (!ApplyReceived(event, ids, &state, effects, rejection)) return false;
  } else {
    state = *target;
  }
  const LocalMinute at = ToLocalMinute(event.occurred_at);
  const int month = MonthKeyOf(event.occurred_at);

  switch (event.type) {
    case EventType::kReceived:
      break;
    case EventType::kTransferred:
      state.holder_agency = ids->Intern(event.to_agency_id);
      break;
    case EventType::kSupplementRequested: {
      state.status = DossierStatus::kPaused;
      state.paused_at = at;
      ++state.supplement_requests;
      if (at < state.due_at) {
        auto remaining = calendar_->WorkingMinutesBetween(at, state.due_at);
        if (!remaining.ok()) return RejectCalendar(rejection, remaining.status());
        state.remaining_minutes = *remaining;
        state.paused_late = false;
      } else {
        state.remaining_minutes = 0;
        state.paused_late = true;
      }
      effects->timers_changed = true;
      break;
    }
    case EventType::kSupplementReceived: {
      state.status = DossierStatus::kOpen;
      if (!state.paused_late) {
        if (event.due_at) {
          state.due_at = ToLocalMinute(*event.due_at);
        } else {
          auto due = calendar_->AddWorkingMinutes(at, state.remaining_minutes);
          if (!due.ok()) return RejectCalendar(rejection, due.status());
          state.due_at = *due;
        }
      }
      // A late dossier keeps its appointment; its timers come back with the
      // same ids, and the ledger keeps alerts already raised from coming back.
      if (!SetTimers(&state, rejection)) return false;
      effects->timers_changed = true;
      break;
    }
    case EventType::kOverdue:
      state.overdue_logged = true;
      break;
    case EventType::kApologized: {
      ++state.apology_count;
      if (state.apology_count == 1) {
        auto timely = IsApologyTimely(*calendar_, at, state.due_at);
        if (!timely.ok()) return RejectCalendar(rejection, timely.status());
        state.first_apology_timely = *timely;
        state.promised_due_at = ToLocalMinute(*event.new_due_at);
        effects->timers_changed = true;  // apology_due is no longer pending
      } else if (!state.raised.Has(AlertKind::kApologyViolation, state.due_at)) {
        state.raised.Add(AlertKind::kApologyViolation, state.due_at);
        effects->alerts.push_back(
            AlertSpec{AlertKind::kApologyViolation, state.due_at, at, event.occurred_at});
      }
      break;
    }
    case EventType::kResolved: {
      const LocalMinute finished = state.status == DossierStatus::kPaused ? state.paused_at : at;
      state.status = DossierStatus::kFinished;
      state.finish = FinishKind::kResolved;
      state.finished_at = event.occurred_at;
      state.classified_at = finished;
      state.classification = Classify(finished, state.due_at);
      effects->counters.push_back({month, KpiField::kResolved});
      switch (state.classification) {
        case Classification::kEarly:
          effects->counters.push_back({month, KpiField::kResolvedEarly});
          break;
        case Classification::kOnTime:
          effects->counters.push_back({month, KpiField::kResolvedOnTime});
          break;
        case Classification::kLate:
          effects->counters.push_back({month, KpiField::kResolvedLate});
          if (state.apology_count > 0) {
            effects->counters.push_back({month, KpiField::kLateApologized});
            if (state.first_apology_timely) {
              effects->counters.push_back({month, KpiField::kLateApologizedTimely});
            }
          }
          break;
      }
      if (state.channel == Channel::kOnline) {
        effects->counters.push_back({month, KpiField::kResolvedOnline});
      }
      effects->timers_changed = true;
      break;
    }
    case EventType::kWithdrawn:
    case EventType::kRejected: {
      state.status = DossierStatus::kFinished;
      state.finish =
          event.type == EventType::kWithdrawn ? FinishKind::kWithdrawn : FinishKind::kRejected;
      state.finished_at = event.occurred_at;
      state.classified_at = at;
      effects->counters.push_back({month, event.type == EventType::kWithdrawn
                                              ? KpiField::kWithdrawn
                                              : KpiField::kRejected});
      effects->timers_changed = true;
      break;
    }
    case EventType::kDialogueHeld:
    case EventType::kFeedbackReceived:
    case EventType::kFeedbackAnswered:
    case EventType::kFeedbackPublished:
    case EventType::kFeedbackRated:
      break;  // handled by ApplyDialogue, ApplyFeedback
  }
  // The engine's own overdue event (dated at due_at, raised when its clock
  // passed it) must not make a producer's earlier event that arrives late look
  // like time travel.
  if (!derived) state.last_event_at = std::max(state.last_event_at, event.occurred_at);
  ++state.event_count;
  *target = std::move(state);
  return true;
}

FireResult DossierStateMachine::Fire(DossierState* state, const TimerSpec& timer,
                                     Instant raised_at) const {
  FireResult out;
  // A timer of another appointment, or of a dossier that is paused or
  // finished, raises nothing (the change made it stale).
  if (state->status != DossierStatus::kOpen || timer.due_at != state->due_at) return out;
  const LocalMinute due = timer.due_at;
  auto raise = [&](AlertKind kind) {
    if (state->raised.Has(kind, due)) return;
    state->raised.Add(kind, due);
    out.alerts.push_back(AlertSpec{kind, due, timer.fires_at, raised_at});
  };
  if (state->is_feedback() !=
      (timer.kind == AlertKind::kFeedbackDueSoon || timer.kind == AlertKind::kFeedbackOverdue)) {
    return out;
  }
  switch (timer.kind) {
    case AlertKind::kFeedbackDueSoon:
      if (state->feedback_stage == FeedbackStage::kReceived && state->lead_timers) {
        raise(AlertKind::kFeedbackDueSoon);
      }
      break;
    case AlertKind::kFeedbackOverdue:
      if (state->feedback_stage == FeedbackStage::kReceived) raise(AlertKind::kFeedbackOverdue);
      break;
    case AlertKind::kDueSoon:
      if (state->lead_timers) raise(AlertKind::kDueSoon);
      break;
    case AlertKind::kApologyDue:
      if (state->lead_timers && state->apology_count == 0) raise(AlertKind::kApologyDue);
      break;
    case AlertKind::kOverdue:
      if (state->raised.Has(AlertKind::kOverdue, due)) break;
      raise(AlertKind::kOverdue);
      if (!(state->apology_count > 0 && state->first_apology_timely)) {
        raise(AlertKind::kApologyMissing);
      }
      out.derive_overdue = !state->overdue_logged;
      break;
    case AlertKind::kApologyMissing:
    case AlertKind::kApologyViolation:
    case AlertKind::kDialogueMissing:  // raised by the engine's dialogue deadlines
      break;                           // none of these is a dossier's timer
  }
  return out;
}

}  // namespace hoso::core
