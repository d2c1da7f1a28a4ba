#include "connectors/dvcqg/feed_converter.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "connectors/dvcqg/sync_record.h"

namespace hoso::connectors::dvcqg {

RecordConversion ConvertRecord(std::string_view json_text, const DiffOptions& options,
                               std::map<std::string, DossierTrack>* tracks) {
  RecordConversion out;
  auto read = ReadSyncRecord(json_text);
  if (auto* rejection = std::get_if<SyncRejection>(&read)) {
    out.refused = std::move(*rejection);
    return out;
  }
  const bool is_snapshot = std::holds_alternative<DossierSnapshot>(read);
  out.dossier_id = is_snapshot ? std::get<DossierSnapshot>(read).dossier_id
                               : std::get<ProgressStep>(read).dossier_id;
  auto previous = tracks->find(out.dossier_id);
  const DossierTrack* track = previous == tracks->end() ? nullptr : &previous->second;
  auto diff = is_snapshot ? DiffSnapshot(track, std::get<DossierSnapshot>(read), options)
                          : DiffProgressStep(track, std::get<ProgressStep>(read), options);
  if (auto* rejection = std::get_if<SyncRejection>(&diff)) {
    out.refused = std::move(*rejection);
    return out;
  }
  SnapshotChanges& changes = std::get<SnapshotChanges>(diff);
  (*tracks)[out.dossier_id] = std::move(changes.track);
  out.events = std::move(changes.events);
  out.unapplied = std::move(changes.unapplied);
  return out;
}

core::Result<FeedConversion> ConvertFeed(std::istream& in, const DiffOptions& options,
                                         std::map<std::string, DossierTrack>* tracks) {
  FeedConversion out;
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++out.records;
    RecordConversion record = ConvertRecord(line, options, tracks);
    if (record.refused) {
      out.refused.push_back(
          RefusedRecord{line_number, std::move(record.dossier_id), std::move(*record.refused)});
      continue;
    }
    for (DerivedEvent& event : record.events) out.events.push_back(std::move(event));
    for (SyncRejection& note : record.unapplied) {
      out.unapplied.push_back(RefusedRecord{line_number, record.dossier_id, std::move(note)});
    }
  }
  if (in.bad()) return core::Status::IOError("reading the sync feed failed");
  std::stable_sort(
      out.events.begin(), out.events.end(),
      [](const DerivedEvent& a, const DerivedEvent& b) { return a.occurred_at < b.occurred_at; });
  for (const auto& [dossier_id, track] : *tracks) {
    CompletenessRow& row = out.report[{track.agency_code, track.received_month}];
    ++row.reported;
    const std::optional<StatusMeaning> meaning = options.mapping->DossierStatus(track.status_code);
    if ((track.received && track.ended) ||
        (!track.received && meaning == StatusMeaning::kRefusedAtReception)) {
      ++row.complete;
    } else {
      row.incomplete.push_back(dossier_id);  // the tracks are sorted: so is the list
    }
  }
  return out;
}

std::string EncodeTracks(const std::map<std::string, DossierTrack>& tracks) {
  std::string out;
  for (const auto& [dossier_id, track] : tracks) {
    nlohmann::ordered_json line;
    line["MaHoSo"] = dossier_id;
    line["status"] = track.status_code;
    line["received"] = track.received;
    line["received_month"] = track.received_month;
    line["ended"] = track.ended;
    line["apologized"] = track.apologized;
    line["agency"] = track.agency_code;
    line["noted_agency"] = track.noted_agency_code;
    line["latest_ms"] = track.latest_ms;
    line["latest_step_ms"] = track.latest_step_ms;
    nlohmann::ordered_json rounds = nlohmann::ordered_json::array();
    for (const DossierTrack::Round& round : track.rounds) {
      rounds.push_back({round.key, round.asked, round.given});
    }
    line["rounds"] = std::move(rounds);
    out += line.dump();
    out.push_back('\n');
  }
  return out;
}

core::Result<std::map<std::string, DossierTrack>> DecodeTracks(std::string_view text) {
  std::map<std::string, DossierTrack> tracks;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.empty()) continue;
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      DossierTrack track;
      track.status_code = j.at("status").get<std::string>();
      track.received = j.at("received").get<bool>();
      track.received_month = j.at("received_month").get<std::string>();
      track.ended = j.at("ended").get<bool>();
      track.apologized = j.at("apologized").get<bool>();
      track.agency_code = j.at("agency").get<std::string>();
      track.noted_agency_code = j.at("noted_agency").get<std::string>();
      track.latest_ms = j.at("latest_ms").get<int64_t>();
      track.latest_step_ms = j.at("latest_step_ms").get<int64_t>();
      for (const nlohmann::json& round : j.at("rounds")) {
        track.rounds.push_back(DossierTrack::Round{
            round.at(0).get<std::string>(), round.at(1).get<bool>(), round.at(2).get<bool>()});
      }
      tracks[j.at("MaHoSo").get<std::string>()] = std::move(track);
    } catch (const nlohmann::json::exception& e) {
      return core::Status::Corruption("tracks, line " + std::to_string(line_number) + ": " +
                                      e.what());
    }
  }
  return tracks;
}

}  // namespace hoso::connectors::dvcqg
