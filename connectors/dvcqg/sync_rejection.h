// SyncRejection: why a DVCQG sync record is not applied, as a stable code
// (the dead-letter reason, docs/dvcqg.md "Dead letters") and a message that
// names the field. The codes are a public contract: never rename one.
#ifndef HOSO_CONNECTORS_DVCQG_SYNC_REJECTION_H_
#define HOSO_CONNECTORS_DVCQG_SYNC_REJECTION_H_

#include <string>
#include <string_view>

namespace hoso::connectors::dvcqg {

enum class SyncRejectCode {
  kInvalidJson,     // "dvcqg_invalid_json": not a JSON object
  kMissingField,    // "dvcqg_missing_field": a field the record needs is absent or empty
  kBadField,        // "dvcqg_bad_field": a field of the wrong JSON type
  kBadInstant,      // "dvcqg_bad_instant": an instant not yyyyMMddHHmmss
  kUnknownStatus,   // "dvcqg_unknown_status": a status code the mapping does not name
  kUnknownChannel,  // "dvcqg_unknown_channel": a HinhThuc code the mapping does not name
  kOlderSnapshot,   // "dvcqg_older_snapshot": older than the one stored; ignored
  kContradiction,   // "dvcqg_contradiction": contradicts what the dossier's log says
  kNoInstant,       // "dvcqg_no_instant": a change the record gives no instant for
  kNotReceived,     // "dvcqg_not_received": a progress step of a dossier not received yet
};
std::string_view SyncRejectCodeName(SyncRejectCode code);

struct SyncRejection {
  SyncRejectCode code;
  std::string message;
};

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_SYNC_REJECTION_H_
