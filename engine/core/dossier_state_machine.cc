#include "engine/core/dossier_state_machine.h"

#include <algorithm>
#include <array>
#include <cstdio>

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

std::string CompactLocal(LocalMinute minute) {
  const CivilDate date = CivilFromDays(minute.day());
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d%02d%02dT%02d%02d", date.year, date.month, date.day,
                minute.minute_of_day() / 60, minute.minute_of_day() % 60);
  return buffer;
}

std::string Hhmm(LocalMinute minute) {
  const CivilDate date = CivilFromDays(minute.day());
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d %02d/%02d/%04d", minute.minute_of_day() / 60,
                minute.minute_of_day() % 60, date.day, date.month, date.year);
  return buffer;
}

}  // namespace

std::string_view AlertKindName(AlertKind kind) {
  static constexpr std::array<std::string_view, kAlertKindCount> kNames = {
      "due_soon", "apology_due", "overdue", "apology_missing", "apology_violation"};
  return kNames[static_cast<int>(kind)];
}

std::optional<AlertKind> AlertKindFromName(std::string_view name) {
  for (int i = 0; i < kAlertKindCount; ++i) {
    if (AlertKindName(static_cast<AlertKind>(i)) == name) return static_cast<AlertKind>(i);
  }
  return std::nullopt;
}

std::string MakeAlertId(std::string_view dossier_id, AlertKind kind, LocalMinute due_at) {
  std::string id(dossier_id);
  id += '|';
  id += AlertKindName(kind);
  id += '|';
  id += CompactLocal(due_at);
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
                                         StateMachineOptions options)
    : calendar_(calendar), catalog_(catalog), options_(options) {}

namespace {

// Characters of UTF-8 text (bytes that do not continue a sequence).
size_t Utf8Length(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// The longest prefix of `text` holding at most `chars` characters.
std::string_view Utf8Prefix(std::string_view text, size_t chars) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && count++ == chars) {
      return text.substr(0, i);
    }
  }
  return text;
}

}  // namespace

std::string DossierStateMachine::DerivedOverdueEventId(std::string_view dossier_id,
                                                       LocalMinute due_at) {
  // Event ids are at most 128 characters (design.md §2) and "hoso-overdue:",
  // ":" and the minute take 27: a longer dossier id is cut to 84 characters
  // followed by "~" and a 64-bit FNV-1a digest of the whole id in hex, so the
  // derived event stays a valid event of the contract and its id unique.
  constexpr size_t kMaxDossierChars = 128 - 27;
  constexpr size_t kKeptChars = kMaxDossierChars - 17;
  std::string id = "hoso-overdue:";
  if (Utf8Length(dossier_id) <= kMaxDossierChars) {
    id += dossier_id;
  } else {
    uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : dossier_id) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
    char hex[24];
    std::snprintf(hex, sizeof hex, "~%016llx", static_cast<unsigned long long>(hash));
    id += Utf8Prefix(dossier_id, kKeptChars);
    id += hex;
  }
  id += ':';
  id += CompactLocal(due_at);
  return id;
}

bool DossierStateMachine::CheckProcedure(const Event& event, Rejection* rejection) const {
  if (event.type != EventType::kReceived || event.due_at || event.processing) return true;
  if (catalog_->Find(event.procedure_id) != nullptr) return true;
  return Reject(rejection, RejectCode::kUnknownProcedure,
                "procedure_id '" + event.procedure_id +
                    "' is not in the catalog and the event carries neither due_at nor processing");
}

Alert DossierStateMachine::MakeAlert(const DossierState& state, AlertKind kind, LocalMinute due_at,
                                     LocalMinute fires_at, Instant raised_at) const {
  Alert alert;
  alert.alert_id = MakeAlertId(state.dossier_id, kind, due_at);
  alert.kind = kind;
  alert.dossier_id = state.dossier_id;
  alert.agency_id = state.holder_agency_id;
  alert.procedure_id = state.procedure_id;
  alert.due_at = due_at;
  alert.fires_at = fires_at;
  alert.raised_at = raised_at;
  const std::string due_text = Hhmm(due_at);
  switch (kind) {
    case AlertKind::kDueSoon:
      alert.message_vi = "Hồ sơ sắp đến hạn trả kết quả (" + due_text + ")";
      alert.message_en = "Dossier due within one working day (" + due_text + ")";
      break;
    case AlertKind::kApologyDue:
      alert.message_vi = "Nếu không kịp hạn " + due_text + ", gửi phiếu xin lỗi trong hôm nay";
      alert.message_en = "If it cannot meet " + due_text + ", send the apology letter today";
      break;
    case AlertKind::kOverdue:
      alert.message_vi = "Hồ sơ đã quá hạn trả kết quả (" + due_text + ")";
      alert.message_en = "Dossier is overdue (due " + due_text + ")";
      break;
    case AlertKind::kApologyMissing:
      alert.message_vi = "Hồ sơ quá hạn chưa có phiếu xin lỗi đúng hạn";
      alert.message_en = "Overdue dossier without a timely apology letter";
      break;
    case AlertKind::kApologyViolation:
      alert.message_vi = "Phiếu xin lỗi thứ hai: chỉ được hẹn lại một lần";
      alert.message_en = "Second apology letter: the new date may be set only once";
      break;
  }
  return alert;
}

void DossierStateMachine::CancelTimers(DossierState* state, Transition* out,
                                       std::optional<AlertKind> only_kind) const {
  auto keep = [&](const TimerSpec& timer) { return only_kind && timer.kind != *only_kind; };
  std::vector<TimerSpec> kept;
  for (const TimerSpec& timer : state->timers) {
    if (keep(timer)) {
      kept.push_back(timer);
    } else {
      out->cancelled_timers.push_back(timer);
    }
  }
  state->timers = std::move(kept);
}

bool DossierStateMachine::ArmTimers(DossierState* state, Transition* out,
                                    Rejection* rejection) const {
  const LocalMinute due = state->due_at;
  std::vector<TimerSpec> timers;
  if (state->budget_minutes > options_.due_soon_lead_minutes) {
    auto due_soon = DueSoonFiresAt(*calendar_, due, options_.due_soon_lead_minutes);
    if (!due_soon.ok()) return RejectCalendar(rejection, due_soon.status());
    timers.push_back(TimerSpec{AlertKind::kDueSoon, *due_soon, due});
    if (state->apology_count == 0) {
      auto apology_due = ApologyDueFiresAt(*calendar_, due);
      if (!apology_due.ok()) return RejectCalendar(rejection, apology_due.status());
      timers.push_back(TimerSpec{AlertKind::kApologyDue, *apology_due, due});
    }
  }
  // The overdue timer also raises apology_missing at the same instant.
  timers.push_back(TimerSpec{AlertKind::kOverdue, due, due});
  for (const TimerSpec& timer : timers) {
    state->timers.push_back(timer);
    out->armed_timers.push_back(timer);
  }
  return true;
}

bool DossierStateMachine::ApplyReceived(const Event& event, Transition* out,
                                        Rejection* rejection) const {
  DossierState& state = out->state;
  state = DossierState{};
  state.dossier_id = event.dossier_id;
  state.receiving_agency_id = event.agency_id;
  state.holder_agency_id = event.agency_id;
  state.procedure_id = event.procedure_id;
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
  out->counters.push_back({month, KpiField::kReceived});
  if (state.one_stop) out->counters.push_back({month, KpiField::kReceivedOneStop});
  switch (state.channel) {
    case Channel::kOnline:
      out->counters.push_back({month, KpiField::kOnlineReceived});
      out->counters.push_back({month, state.online_level == 4 ? KpiField::kOnlineReceivedLevel4
                                                              : KpiField::kOnlineReceivedLevel3});
      break;
    case Channel::kDirect:
      out->counters.push_back({month, KpiField::kDirect});
      break;
    case Channel::kPostal:
      out->counters.push_back({month, KpiField::kPostal});
      break;
  }
  return ArmTimers(&state, out, rejection);
}

bool DossierStateMachine::Apply(const DossierState* prior, const Event& event, bool derived,
                                Transition* out, Rejection* rejection) const {
  *out = Transition{};
  if (prior == nullptr) {
    if (event.type != EventType::kReceived) {
      return Reject(rejection, RejectCode::kUnknownDossier,
                    std::string(EventTypeName(event.type)) +
                        " for a dossier never received (its first event must be `received`)");
    }
  } else {
    auto bad = [&](std::string_view why) {
      return Reject(rejection, RejectCode::kBadTransition,
                    std::string(EventTypeName(event.type)) + " not allowed: " + std::string(why));
    };
    if (event.type == EventType::kReceived) return bad("the dossier was already received");
    if (prior->status == DossierStatus::kFinished) {
      return bad("the dossier is finished (" + std::string(FinishKindName(prior->finish)) + ")");
    }
    if (event.type == EventType::kSupplementRequested && prior->status != DossierStatus::kOpen) {
      return bad("the dossier is already waiting for documents");
    }
    if (event.type == EventType::kSupplementReceived && prior->status != DossierStatus::kPaused) {
      return bad("no documents were requested");
    }
    if (!derived && event.occurred_at < prior->last_event_at) {
      return Reject(rejection, RejectCode::kTimeTravel,
                    "occurred_at " + FormatLocal(event.occurred_at) +
                        " is earlier than the dossier's last event at " +
                        FormatLocal(prior->last_event_at));
    }
  }

  if (event.type == EventType::kReceived) {
    if (!ApplyReceived(event, out, rejection)) return false;
  } else {
    out->state = *prior;
  }
  DossierState& state = out->state;
  const LocalMinute at = ToLocalMinute(event.occurred_at);
  const int month = MonthKeyOf(event.occurred_at);

  switch (event.type) {
    case EventType::kReceived:
      break;
    case EventType::kTransferred:
      state.holder_agency_id = event.to_agency_id;
      break;
    case EventType::kSupplementRequested: {
      CancelTimers(&state, out);
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
      // same ids, so alerts already raised are not raised again.
      if (!ArmTimers(&state, out, rejection)) return false;
      break;
    }
    case EventType::kOverdue:
      if (state.overdue_logged) {
        out->state = *prior;
        out->duplicate = true;
        return true;
      }
      state.overdue_logged = true;
      break;
    case EventType::kApologized: {
      ++state.apology_count;
      if (state.apology_count == 1) {
        auto timely = IsApologyTimely(*calendar_, at, state.due_at);
        if (!timely.ok()) return RejectCalendar(rejection, timely.status());
        state.first_apology_timely = *timely;
        state.promised_due_at = ToLocalMinute(*event.new_due_at);
        CancelTimers(&state, out, AlertKind::kApologyDue);
      } else {
        out->alerts.push_back(
            MakeAlert(state, AlertKind::kApologyViolation, state.due_at, at, event.occurred_at));
      }
      break;
    }
    case EventType::kResolved: {
      const LocalMinute finished = state.status == DossierStatus::kPaused ? state.paused_at : at;
      CancelTimers(&state, out);
      state.status = DossierStatus::kFinished;
      state.finish = FinishKind::kResolved;
      state.finished_at = event.occurred_at;
      state.classified_at = finished;
      state.classification = Classify(finished, state.due_at);
      out->counters.push_back({month, KpiField::kResolved});
      switch (state.classification) {
        case Classification::kEarly:
          out->counters.push_back({month, KpiField::kResolvedEarly});
          break;
        case Classification::kOnTime:
          out->counters.push_back({month, KpiField::kResolvedOnTime});
          break;
        case Classification::kLate:
          out->counters.push_back({month, KpiField::kResolvedLate});
          if (state.apology_count > 0) {
            out->counters.push_back({month, KpiField::kLateApologized});
            if (state.first_apology_timely) {
              out->counters.push_back({month, KpiField::kLateApologizedTimely});
            }
          }
          break;
      }
      if (state.channel == Channel::kOnline) {
        out->counters.push_back({month, KpiField::kResolvedOnline});
      }
      break;
    }
    case EventType::kWithdrawn:
    case EventType::kRejected: {
      CancelTimers(&state, out);
      state.status = DossierStatus::kFinished;
      state.finish =
          event.type == EventType::kWithdrawn ? FinishKind::kWithdrawn : FinishKind::kRejected;
      state.finished_at = event.occurred_at;
      state.classified_at = at;
      out->counters.push_back({month, event.type == EventType::kWithdrawn ? KpiField::kWithdrawn
                                                                          : KpiField::kRejected});
      break;
    }
  }
  // The engine's own overdue event (dated at due_at, raised when its clock
  // passed it) must not make a producer's earlier event that arrives late look
  // like time travel.
  if (!derived) state.last_event_at = std::max(state.last_event_at, event.occurred_at);
  ++state.event_count;
  return true;
}

Transition DossierStateMachine::Fire(const DossierState& state, const TimerSpec& timer, Instant now,
                                     std::optional<Event>* derived_overdue) const {
  Transition out;
  out.state = state;
  auto it = std::find(out.state.timers.begin(), out.state.timers.end(), timer);
  if (it != out.state.timers.end()) out.state.timers.erase(it);
  out.cancelled_timers.push_back(timer);
  derived_overdue->reset();
  // A timer whose appointment is no longer in force, or of a dossier that is
  // paused or finished, raises nothing (the change should have cancelled it).
  if (state.status != DossierStatus::kOpen || timer.due_at != state.due_at) return out;
  switch (timer.kind) {
    case AlertKind::kDueSoon:
      out.alerts.push_back(MakeAlert(state, timer.kind, timer.due_at, timer.fires_at, now));
      break;
    case AlertKind::kApologyDue:
      if (state.apology_count == 0) {
        out.alerts.push_back(MakeAlert(state, timer.kind, timer.due_at, timer.fires_at, now));
      }
      break;
    case AlertKind::kOverdue:
      out.alerts.push_back(MakeAlert(state, timer.kind, timer.due_at, timer.fires_at, now));
      if (!(state.apology_count > 0 && state.first_apology_timely)) {
        out.alerts.push_back(
            MakeAlert(state, AlertKind::kApologyMissing, timer.due_at, timer.fires_at, now));
      }
      if (!state.overdue_logged) {
        Event event;
        event.event_id = DerivedOverdueEventId(state.dossier_id, timer.due_at);
        event.dossier_id = state.dossier_id;
        event.type = EventType::kOverdue;
        event.occurred_at = ToInstant(timer.due_at);
        event.agency_id = state.holder_agency_id;
        event.due_at = ToInstant(timer.due_at);
        *derived_overdue = std::move(event);
      }
      break;
    case AlertKind::kApologyMissing:
    case AlertKind::kApologyViolation:
      break;  // never armed as timers
  }
  return out;
}

}  // namespace hoso::core
