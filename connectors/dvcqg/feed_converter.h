// FeedConverter: a file (or stream) of DVCQG sync records, one JSON record a
// line - dossier snapshots and progress steps (ReadSyncRecord) - turned into
// hoso lifecycle events (docs/dvcqg.md). Each record is compared with the
// track kept for its MaHoSo during the conversion (DiffSnapshot,
// DiffProgressStep); the events come out in occurred_at order
// (stable: each dossier's own order is kept), ready for the engine.
// Refused records are kept as line number, MaHoSo (when readable), reason
// code and message - never the record itself, which carries the
// applicant's personal data.
#ifndef HOSO_CONNECTORS_DVCQG_FEED_CONVERTER_H_
#define HOSO_CONNECTORS_DVCQG_FEED_CONVERTER_H_

#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/dvcqg/snapshot_diff.h"

namespace hoso::connectors::dvcqg {

struct RefusedRecord {
  int64_t line = 0;        // 1-based
  std::string dossier_id;  // empty when the record could not be read
  SyncRejection rejection;
};

// Sync completeness of the dossiers the feed reported (this import and the
// ones before it), by the unit holding them and the month they were
// received ("" for dossiers never received).
struct CompletenessRow {
  int64_t reported = 0;
  // Received and ended, or refused at reception: the feed told the whole
  // lifecycle.
  int64_t complete = 0;
  std::vector<std::string> incomplete;  // MaHoSo, sorted
};
using CompletenessReport = std::map<std::pair<std::string, std::string>, CompletenessRow>;

struct FeedConversion {
  std::vector<DerivedEvent> events;      // occurred_at order
  std::vector<RefusedRecord> refused;    // in line order; includes ignored older snapshots
  std::vector<RefusedRecord> unapplied;  // changes reported, not turned into events
  int64_t records = 0;                   // non-blank lines read
  CompletenessReport report;
};

// What one sync record gave: its events, or why it was refused, and the
// changes it reported that gave no event.
struct RecordConversion {
  std::string dossier_id;                // MaHoSo; empty when the record could not be read
  std::vector<DerivedEvent> events;      // in occurred_at order
  std::optional<SyncRejection> refused;  // set: no event, the track unchanged
  std::vector<SyncRejection> unapplied;  // changes reported, not turned into events
};

// Compares one record (JSON text) with the track kept for its MaHoSo in
// `tracks`, which it updates when the record is applied. The feed's unit of
// work: ConvertFeed of a file, and serve's topics.dvcqg
// (sync_topic_bridge.h) call it record by record.
RecordConversion ConvertRecord(std::string_view json_text, const DiffOptions& options,
                               std::map<std::string, DossierTrack>* tracks);

// Reads every line of `in`, comparing each record with `tracks` (what was
// kept of each dossier before: empty for a first import, else the
// previous import's, EncodeTracks / DecodeTracks), which it updates. The
// report covers every dossier of `tracks`. Only a read error of the stream
// fails.
core::Result<FeedConversion> ConvertFeed(std::istream& in, const DiffOptions& options,
                                         std::map<std::string, DossierTrack>* tracks);

// The tracks as text (one JSON object a line, sorted by MaHoSo; no
// personal data: codes, flags, instants) and back. DecodeTracks:
// Corruption naming the line for anything it did not write.
std::string EncodeTracks(const std::map<std::string, DossierTrack>& tracks);
core::Result<std::map<std::string, DossierTrack>> DecodeTracks(std::string_view text);

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_FEED_CONVERTER_H_
