#include "connectors/dvcqg/feed_converter.h"

#include <algorithm>

#include "connectors/dvcqg/sync_record.h"

namespace hoso::connectors::dvcqg {
namespace {

struct Kept {
  DossierTrack track;
  std::string received_month;  // "yyyy-mm" of its received event
};

std::string MonthOf(core::Instant instant) { return core::FormatLocal(instant).substr(0, 7); }

}  // namespace

core::Result<FeedConversion> ConvertFeed(std::istream& in, const DiffOptions& options) {
  FeedConversion out;
  std::map<std::string, Kept> kept;
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++out.records;
    auto read = ReadSyncRecord(line);
    if (auto* rejection = std::get_if<SyncRejection>(&read)) {
      out.refused.push_back(RefusedRecord{line_number, "", std::move(*rejection)});
      continue;
    }
    const bool is_snapshot = std::holds_alternative<DossierSnapshot>(read);
    const std::string dossier_id = is_snapshot ? std::get<DossierSnapshot>(read).dossier_id
                                               : std::get<ProgressStep>(read).dossier_id;
    auto previous = kept.find(dossier_id);
    const DossierTrack* track = previous == kept.end() ? nullptr : &previous->second.track;
    auto diff = is_snapshot ? DiffSnapshot(track, std::get<DossierSnapshot>(read), options)
                            : DiffProgressStep(track, std::get<ProgressStep>(read), options);
    if (auto* rejection = std::get_if<SyncRejection>(&diff)) {
      out.refused.push_back(RefusedRecord{line_number, dossier_id, std::move(*rejection)});
      continue;
    }
    SnapshotChanges& changes = std::get<SnapshotChanges>(diff);
    Kept& entry = kept[dossier_id];
    entry.track = std::move(changes.track);
    for (DerivedEvent& event : changes.events) {
      if (event.event_id.ends_with(":received")) entry.received_month = MonthOf(event.occurred_at);
      out.events.push_back(std::move(event));
    }
    for (SyncRejection& note : changes.unapplied) {
      out.unapplied.push_back(RefusedRecord{line_number, dossier_id, std::move(note)});
    }
  }
  if (in.bad()) return core::Status::IOError("reading the snapshot feed failed");
  std::stable_sort(
      out.events.begin(), out.events.end(),
      [](const DerivedEvent& a, const DerivedEvent& b) { return a.occurred_at < b.occurred_at; });
  for (const auto& [dossier_id, entry] : kept) {
    CompletenessRow& row = out.report[{entry.track.agency_code, entry.received_month}];
    ++row.reported;
    const std::optional<StatusMeaning> meaning =
        options.mapping->DossierStatus(entry.track.status_code);
    if ((entry.track.received && entry.track.ended) ||
        (!entry.track.received && meaning == StatusMeaning::kRefusedAtReception)) {
      ++row.complete;
    } else {
      row.incomplete.push_back(dossier_id);  // `kept` is sorted: so is the list
    }
  }
  return out;
}

}  // namespace hoso::connectors::dvcqg
