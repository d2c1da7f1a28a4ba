// StatusMapping: what a site's DVCQG codes mean to hoso (docs/dvcqg.md
// "Status mapping"). The portal's records carry a dossier status
// (TrangThaiHoSo; TrangThai in progress steps) and a channel (HinhThuc) as
// codes, and sites use them differently, so the meaning of each code is
// configuration: a JSON file (schemas/dvcqg-mapping.schema.json) over the
// default of DefaultStatusMapping(). A code the mapping does not name is
// never guessed: the record goes to the dead letters.
#ifndef HOSO_CONNECTORS_DVCQG_STATUS_MAPPING_H_
#define HOSO_CONNECTORS_DVCQG_STATUS_MAPPING_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/event.h"
#include "engine/core/status.h"

namespace hoso::connectors::dvcqg {

// The lifecycle meaning of a status code. The names (StatusMeaningName) are
// the values of the mapping file.
enum class StatusMeaning {
  kSubmitted,            // "submitted": filed (online), not yet accepted
  kReceived,             // "received": accepted at the one-stop desk
  kRefusedAtReception,   // "refused_at_reception": not accepted, never a dossier
  kInProgress,           // "in_progress": being appraised or resolved
  kSupplementRequested,  // "supplement_requested": back with the applicant
  kAwaitingPayment,      // "awaiting_payment": financial obligation requested
  kWithdrawn,            // "withdrawn": the applicant withdrew it
  kStopped,              // "stopped": processing stopped (not eligible)
  kResolved,             // "resolved": decided
  kResultReturned,       // "result_returned": the result handed over
  // "apologized": a progress step that sends the apology letter (form 04)
  // with a new appointment. The national list has no code for it; a site
  // names its own.
  kApologized,
};
inline constexpr int kStatusMeaningCount = 11;

std::string_view StatusMeaningName(StatusMeaning meaning);
std::optional<StatusMeaning> StatusMeaningFromName(std::string_view name);

struct StatusMapping {
  // TrangThaiHoSo code -> meaning.
  std::map<std::string, StatusMeaning> dossier_status;
  // TrangThai code of a progress step (CapNhatTienDoHoSoMC) -> meaning.
  std::map<std::string, StatusMeaning> progress_status;
  // HinhThuc code -> the channel of the received event.
  std::map<std::string, core::Channel> channel;
  // Online level of an online dossier when the procedure catalog does not
  // give 3 or 4. Default: 3.
  int online_level = 3;
  // The portal's unit code (DonViXuLy, PhongBanXuLy) -> hoso's agency id,
  // for sites whose codes are not their agency list's ids. A code not
  // named is used as it is. Default: empty.
  std::map<std::string, std::string> agency_codes;

  std::optional<StatusMeaning> DossierStatus(std::string_view code) const;
  std::optional<StatusMeaning> ProgressStatus(std::string_view code) const;
  std::optional<core::Channel> ChannelOf(std::string_view code) const;
  // The agency id of a unit code: agency_codes' entry, else the code.
  const std::string& AgencyId(const std::string& code) const;
};

// The national code list (docs/dvcqg.md "Status mapping"): TrangThaiHoSo
// 1 submitted, 2 received, 3 refused at reception, 4 processing,
// 5 supplement requested, 6 financial obligation requested, 7 withdrawal
// requested, 8 processing stopped, 9 resolved, 10 result returned, the same
// codes for progress steps; HinhThuc 1 direct, 2 online, 3 postal. The same
// as schemas/reference/dvcqg-mapping.json.
StatusMapping DefaultStatusMapping();

// The whole mapping as one line of JSON in the mapping file's form (every
// code, sorted): what tells two mappings apart.
std::string EncodeMapping(const StatusMapping& mapping);

// Applies a mapping file (JSON text) over `base`: each code it names
// replaces the base's meaning of that code, and a code mapped to null is
// removed (its records are dead-lettered). InvalidArgument, naming the
// entry, for anything else than the schema allows.
core::Result<StatusMapping> ApplyMappingFile(std::string_view json_text, StatusMapping base);

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_STATUS_MAPPING_H_
