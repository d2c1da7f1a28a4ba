#include "connectors/dvcqg/snapshot_diff.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "connectors/dvcqg/record_fields.h"
#include "engine/core/bounded_id.h"

namespace hoso::connectors::dvcqg {
namespace {

// Fixed texts: the record's own (NoiDungBoSung, ...) may name the applicant.
constexpr char kSupplementReason[] = "Yêu cầu bổ sung hồ sơ (đồng bộ DVCQG)";
constexpr char kStoppedReason[] = "Dừng xử lý (đồng bộ DVCQG)";
constexpr char kApologyReason[] = "Xin lỗi và hẹn lại ngày trả kết quả (đồng bộ DVCQG)";

bool IsEnding(StatusMeaning meaning) {
  return meaning == StatusMeaning::kResolved || meaning == StatusMeaning::kResultReturned ||
         meaning == StatusMeaning::kWithdrawn || meaning == StatusMeaning::kStopped;
}

// Meanings that say the dossier was received at some point.
bool ImpliesReceived(StatusMeaning meaning) {
  return meaning != StatusMeaning::kSubmitted && meaning != StatusMeaning::kRefusedAtReception;
}

std::string RoundKey(const SupplementRound& round, size_t index) {
  return round.round_id.empty() ? std::to_string(index + 1) : round.round_id;
}

// The latest instant of an event the snapshot carries (not the appointment:
// a later appointment is not progress).
int64_t LatestMs(const DossierSnapshot& snapshot) {
  int64_t latest = INT64_MIN;
  const auto see = [&](const std::optional<core::Instant>& instant) {
    if (instant) latest = std::max(latest, instant->epoch_ms);
  };
  see(snapshot.received_at);
  see(snapshot.finished_at);
  see(snapshot.returned_at);
  for (const SupplementRound& round : snapshot.supplements) {
    see(round.asked_at);
    see(round.given_at);
  }
  return latest;
}

class EventWriter {
 public:
  EventWriter(const std::string& dossier_id, std::vector<DerivedEvent>* out)
      : dossier_id_(dossier_id), out_(out) {}

  nlohmann::ordered_json Start(std::string_view what, const char* type, core::Instant at,
                               const std::string& agency) {
    nlohmann::ordered_json event;
    // Within the contract's 128 characters however long MaHoSo and a
    // round's id are: a longer tail is cut and followed by its digest
    // (core::AppendBoundedId), so the id stays unique and deterministic.
    std::string tail = dossier_id_;
    tail += ':';
    tail += what;
    std::string id = "dvcqg:";
    core::AppendBoundedId(&id, tail, core::kMaxIdChars - id.size());
    event["event_id"] = std::move(id);
    event["dossier_id"] = dossier_id_;
    event["type"] = type;
    event["occurred_at"] = core::FormatLocal(at);
    event["agency_id"] = agency;
    return event;
  }

  void Add(nlohmann::ordered_json event, core::Instant at) {
    std::string id = event["event_id"].get<std::string>();
    out_->push_back(DerivedEvent{std::move(id), at, event.dump()});
  }

 private:
  const std::string& dossier_id_;
  std::vector<DerivedEvent>* out_;
};

}  // namespace

namespace {

// DiffSnapshot of a snapshot whose DonViXuLy is already hoso's agency id.
std::variant<SnapshotChanges, SyncRejection> DiffSnapshotOfAgency(const DossierTrack* previous,
                                                                  const DossierSnapshot& next,
                                                                  const DiffOptions& options) {
  const StatusMapping& mapping = *options.mapping;
  const std::optional<StatusMeaning> meaning = mapping.DossierStatus(next.status_code);
  if (!meaning) {
    return Reject(SyncRejectCode::kUnknownStatus,
                  "TrangThaiHoSo \"" + next.status_code + "\" is not in the status mapping");
  }
  SnapshotChanges changes;
  changes.track = previous != nullptr ? *previous : DossierTrack{};
  DossierTrack& track = changes.track;

  // Older than what was applied: it lacks an event instant or a round an
  // applied snapshot had.
  const int64_t latest = LatestMs(next);
  if (previous != nullptr) {
    bool older = latest < previous->latest_ms || next.supplements.size() < previous->rounds.size();
    for (size_t i = 0; !older && i < previous->rounds.size(); ++i) {
      const SupplementRound& round = next.supplements[i];
      older = (previous->rounds[i].asked && !round.asked_at) ||
              (previous->rounds[i].given && !round.given_at);
    }
    if (older) {
      return Reject(SyncRejectCode::kOlderSnapshot,
                    "older than the snapshot already applied (status " + previous->status_code +
                        "); ignored, never applied backwards");
    }
    if (previous->ended && !IsEnding(*meaning)) {
      return Reject(SyncRejectCode::kContradiction,
                    "status " + next.status_code + " (" + std::string(StatusMeaningName(*meaning)) +
                        ") after the dossier ended (status " + previous->status_code + ")");
    }
    if (previous->received && !ImpliesReceived(*meaning)) {
      return Reject(SyncRejectCode::kContradiction, "status " + next.status_code + " (" +
                                                        std::string(StatusMeaningName(*meaning)) +
                                                        ") after the dossier was received");
    }
  }

  EventWriter writer(next.dossier_id, &changes.events);
  const auto require = [&](bool present, const char* field) -> std::optional<SyncRejection> {
    if (present) return std::nullopt;
    return Reject(SyncRejectCode::kMissingField,
                  std::string(field) + " is missing (status " + next.status_code + ")");
  };

  if (!track.received && ImpliesReceived(*meaning)) {
    if (auto r = require(!next.procedure_code.empty(), "MaTTHC")) return *r;
    if (auto r = require(!next.agency_code.empty(), "DonViXuLy")) return *r;
    if (auto r = require(next.received_at.has_value(), "NgayTiepNhan")) return *r;
    if (auto r = require(!next.channel_code.empty(), "HinhThuc")) return *r;
    const std::optional<core::Channel> channel = mapping.ChannelOf(next.channel_code);
    if (!channel) {
      return Reject(SyncRejectCode::kUnknownChannel,
                    "HinhThuc \"" + next.channel_code + "\" is not in the mapping");
    }
    nlohmann::ordered_json event =
        writer.Start("received", "received", *next.received_at, next.agency_code);
    event["procedure_id"] = next.procedure_code;
    event["channel"] = core::ChannelName(*channel);
    if (*channel == core::Channel::kOnline) {
      std::optional<int> level;
      if (options.catalog_online_level) level = options.catalog_online_level(next.procedure_code);
      event["online_level"] = (level == 3 || level == 4) ? *level : mapping.online_level;
    }
    if (next.due_at) event["due_at"] = core::FormatLocal(*next.due_at);
    writer.Add(std::move(event), *next.received_at);
    track.received = true;
    track.received_month = core::FormatLocal(*next.received_at).substr(0, 7);
    track.agency_code = next.agency_code;
  } else if (!track.received) {
    // Not a dossier (yet): the unit it was filed with, for the report.
    if (!next.agency_code.empty()) track.agency_code = next.agency_code;
  } else if (!next.agency_code.empty() && next.agency_code != track.agency_code &&
             next.agency_code != track.noted_agency_code) {
    // The transfer's progress step (PhongBanXuLy, ThoiDiemXuLy) gives the
    // event, before or after this snapshot; until then it is reported.
    changes.unapplied.push_back(
        Reject(SyncRejectCode::kNoInstant,
               "DonViXuLy changed from " + track.agency_code + " to " + next.agency_code +
                   " but a snapshot gives no instant for the transfer (its progress step does)"));
    track.noted_agency_code = next.agency_code;
  }

  if (track.received) {
    track.rounds.resize(std::max(track.rounds.size(), next.supplements.size()));
    for (size_t i = 0; i < next.supplements.size(); ++i) {
      const SupplementRound& round = next.supplements[i];
      DossierTrack::Round& seen = track.rounds[i];
      seen.key = RoundKey(round, i);
      if (round.asked_at && !seen.asked) {
        nlohmann::ordered_json event =
            writer.Start("supplement:" + seen.key + ":asked", "supplement_requested",
                         *round.asked_at, track.agency_code);
        event["reason"] = kSupplementReason;
        writer.Add(std::move(event), *round.asked_at);
        seen.asked = true;
      }
      if (round.given_at && !seen.given) {
        nlohmann::ordered_json event =
            writer.Start("supplement:" + seen.key + ":given", "supplement_received",
                         *round.given_at, track.agency_code);
        if (round.new_due_at) event["due_at"] = core::FormatLocal(*round.new_due_at);
        writer.Add(std::move(event), *round.given_at);
        seen.given = true;
      }
    }

    if (IsEnding(*meaning) && !track.ended) {
      if (auto r = require(next.finished_at.has_value(), "NgayKetThucXuLy")) return *r;
      const core::Instant at = *next.finished_at;
      if (*meaning == StatusMeaning::kWithdrawn) {
        writer.Add(writer.Start("withdrawn", "withdrawn", at, track.agency_code), at);
      } else if (*meaning == StatusMeaning::kStopped) {
        nlohmann::ordered_json event = writer.Start("rejected", "rejected", at, track.agency_code);
        event["reason"] = kStoppedReason;
        writer.Add(std::move(event), at);
      } else {
        nlohmann::ordered_json event = writer.Start("resolved", "resolved", at, track.agency_code);
        event["outcome"] = "approved";  // a snapshot does not say (docs/dvcqg.md "Limits")
        writer.Add(std::move(event), at);
      }
      track.ended = true;
    }
  }

  std::stable_sort(
      changes.events.begin(), changes.events.end(),
      [](const DerivedEvent& a, const DerivedEvent& b) { return a.occurred_at < b.occurred_at; });
  track.status_code = next.status_code;
  track.latest_ms = std::max(track.latest_ms, latest);
  return changes;
}

}  // namespace

std::variant<SnapshotChanges, SyncRejection> DiffSnapshot(const DossierTrack* previous,
                                                          const DossierSnapshot& next,
                                                          const DiffOptions& options) {
  const std::string& agency = options.mapping->AgencyId(next.agency_code);
  if (&agency == &next.agency_code) return DiffSnapshotOfAgency(previous, next, options);
  DossierSnapshot mapped = next;
  mapped.agency_code = agency;
  return DiffSnapshotOfAgency(previous, mapped, options);
}

std::variant<SnapshotChanges, SyncRejection> DiffProgressStep(const DossierTrack* previous,
                                                              const ProgressStep& step,
                                                              const DiffOptions& options) {
  std::optional<StatusMeaning> meaning;
  if (!step.status_code.empty()) {
    meaning = options.mapping->ProgressStatus(step.status_code);
    if (!meaning) {
      return Reject(SyncRejectCode::kUnknownStatus,
                    "TrangThai \"" + step.status_code + "\" is not in the status mapping");
    }
  }
  if (previous == nullptr || !previous->received) {
    return Reject(SyncRejectCode::kNotReceived,
                  "a progress step before the dossier's reception was synced");
  }
  SnapshotChanges changes;
  changes.track = *previous;
  DossierTrack& track = changes.track;
  if (track.ended) return changes;  // the result handed over, the file closed: nothing to add
  if (step.at.epoch_ms < std::max(track.latest_ms, track.latest_step_ms)) {
    return Reject(SyncRejectCode::kOlderSnapshot,
                  "a progress step dated before events already derived; ignored, never applied "
                  "backwards");
  }
  EventWriter writer(step.dossier_id, &changes.events);
  const std::string& unit = options.mapping->AgencyId(step.unit_code);
  if (!unit.empty() && unit != track.agency_code) {
    nlohmann::ordered_json event =
        writer.Start("transfer:" + core::FormatLocal(step.at) + ":" + unit, "transferred", step.at,
                     track.agency_code);
    event["to_agency_id"] = unit;
    writer.Add(std::move(event), step.at);
    track.agency_code = unit;
    track.noted_agency_code = unit;
  }
  if (meaning == StatusMeaning::kApologized && !track.apologized) {
    if (!step.due_at) {
      return Reject(
          SyncRejectCode::kMissingField,
          "NgayKetThucTheoQuyDinh (the new appointment) is missing from the apology step");
    }
    nlohmann::ordered_json event =
        writer.Start("apology", "apologized", step.at, track.agency_code);
    event["new_due_at"] = core::FormatLocal(*step.due_at);
    event["reason"] = kApologyReason;
    writer.Add(std::move(event), step.at);
    track.apologized = true;
  }
  track.latest_step_ms = std::max(track.latest_step_ms, step.at.epoch_ms);
  return changes;
}

}  // namespace hoso::connectors::dvcqg
