// The fields of a DVCQG sync record (docs/dvcqg.md "Fields"), read from its
// parsed JSON: codes, instants, and the record itself. Each reader names
// the field in its refusal; none ever quotes the record (it may carry the
// applicant's personal data).
#ifndef HOSO_CONNECTORS_DVCQG_RECORD_FIELDS_H_
#define HOSO_CONNECTORS_DVCQG_RECORD_FIELDS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "connectors/dvcqg/sync_rejection.h"
#include "engine/core/instant.h"

namespace hoso::connectors::dvcqg {

SyncRejection Reject(SyncRejectCode code, std::string message);

// A JSON object, or dvcqg_invalid_json (with the byte of a syntax error).
std::variant<nlohmann::json, SyncRejection> ParseRecord(std::string_view json_text);

// A code: a JSON string or integer, as text; absent, null and "" give "".
std::optional<SyncRejection> ReadCode(const nlohmann::json& object, const char* field,
                                      std::string* out);
// The same, refused (dvcqg_missing_field) when it gives "".
std::optional<SyncRejection> ReadRequiredCode(const nlohmann::json& object, const char* field,
                                              std::string* out);
// MaHoSo, the dossier id: required, and at most 128 characters (UTF-8),
// the contract's bound of an id (dvcqg_bad_field beyond it: a cut id could
// merge two dossiers).
std::optional<SyncRejection> ReadDossierId(const nlohmann::json& object, std::string* out);
// An instant (yyyyMMddHHmmss, also as a JSON number); absent, null and ""
// give nullopt ("not yet").
std::optional<SyncRejection> ReadInstant(const nlohmann::json& object, const char* field,
                                         std::optional<core::Instant>* out);

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_RECORD_FIELDS_H_
