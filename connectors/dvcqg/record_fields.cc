#include "connectors/dvcqg/record_fields.h"

#include "connectors/dvcqg/dvcqg_instant.h"
#include "engine/core/bounded_id.h"

namespace hoso::connectors::dvcqg {

std::variant<nlohmann::json, SyncRejection> ParseRecord(std::string_view json_text) {
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    // Not e.what(): it quotes the record.
    return Reject(SyncRejectCode::kInvalidJson,
                  "not JSON (syntax error at byte " + std::to_string(e.byte) + ")");
  }
  if (!record.is_object()) return Reject(SyncRejectCode::kInvalidJson, "not a JSON object");
  return record;
}

SyncRejection Reject(SyncRejectCode code, std::string message) {
  return SyncRejection{code, std::move(message)};
}

std::optional<SyncRejection> ReadCode(const nlohmann::json& object, const char* field,
                                      std::string* out) {
  out->clear();
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) {
    *out = it->get<std::string>();
  } else if (it->is_number_integer()) {
    *out = std::to_string(it->get<int64_t>());
  } else {
    return Reject(SyncRejectCode::kBadField,
                  std::string(field) + " must be a string or an integer, not " + it->type_name());
  }
  return std::nullopt;
}

std::optional<SyncRejection> ReadRequiredCode(const nlohmann::json& object, const char* field,
                                              std::string* out) {
  if (auto rejection = ReadCode(object, field, out)) return rejection;
  if (out->empty())
    return Reject(SyncRejectCode::kMissingField, std::string(field) + " is missing");
  return std::nullopt;
}

std::optional<SyncRejection> ReadDossierId(const nlohmann::json& object, std::string* out) {
  if (auto rejection = ReadRequiredCode(object, "MaHoSo", out)) return rejection;
  const size_t characters = core::Utf8Length(*out);
  if (characters > core::kMaxIdChars) {
    return Reject(SyncRejectCode::kBadField, "MaHoSo has " + std::to_string(characters) +
                                                 " characters; an id has at most " +
                                                 std::to_string(core::kMaxIdChars));
  }
  return std::nullopt;
}

std::optional<SyncRejection> ReadInstant(const nlohmann::json& object, const char* field,
                                         std::optional<core::Instant>* out) {
  out->reset();
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  std::string text;
  if (it->is_string()) {
    text = it->get<std::string>();
  } else if (it->is_number_unsigned()) {
    text = std::to_string(it->get<uint64_t>());  // 20190603090000 sent as a number
  } else {
    return Reject(SyncRejectCode::kBadField,
                  std::string(field) + " must be a yyyyMMddHHmmss string, not " + it->type_name());
  }
  if (text.empty()) return std::nullopt;
  auto instant = ParseDvcqgInstant(text);
  if (!instant.ok()) {
    return Reject(SyncRejectCode::kBadInstant,
                  std::string(field) + ": " + instant.status().message());
  }
  *out = *instant;
  return std::nullopt;
}

}  // namespace hoso::connectors::dvcqg
