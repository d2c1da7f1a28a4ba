#include "connectors/dvcqg/status_mapping.h"

#include <array>
#include <nlohmann/json.hpp>

namespace hoso::connectors::dvcqg {
namespace {

constexpr std::array<std::string_view, kStatusMeaningCount> kMeaningNames = {"submitted",
                                                                             "received",
                                                                             "refused_at_reception",
                                                                             "in_progress",
                                                                             "supplement_requested",
                                                                             "awaiting_payment",
                                                                             "withdrawn",
                                                                             "stopped",
                                                                             "resolved",
                                                                             "result_returned",
                                                                             "apologized"};

template <typename Value>
std::optional<Value> Find(const std::map<std::string, Value>& map, std::string_view code) {
  auto it = map.find(std::string(code));
  if (it == map.end()) return std::nullopt;
  return it->second;
}

// Applies one object of code -> name (or null) over `out`; `expected` says
// what a name must be, for the error.
template <typename Value, typename FromName>
core::Status ApplyCodes(const nlohmann::json& object, const char* section, FromName from_name,
                        const char* expected, std::map<std::string, Value>* out) {
  if (!object.is_object()) {
    return core::Status::InvalidArgument(std::string(section) + " must be an object of codes");
  }
  for (const auto& [code, value] : object.items()) {
    if (code.empty()) return core::Status::InvalidArgument(std::string(section) + ": empty code");
    if (value.is_null()) {
      out->erase(code);
      continue;
    }
    std::optional<Value> meaning;
    if (value.is_string()) meaning = from_name(value.template get<std::string>());
    if (!meaning) {
      return core::Status::InvalidArgument(std::string(section) + "[\"" + code +
                                           "\"]: " + value.dump() + " is not " + expected);
    }
    (*out)[code] = *meaning;
  }
  return core::Status::Ok();
}

}  // namespace

std::string_view StatusMeaningName(StatusMeaning meaning) {
  return kMeaningNames[static_cast<size_t>(meaning)];
}

std::optional<StatusMeaning> StatusMeaningFromName(std::string_view name) {
  for (size_t i = 0; i < kMeaningNames.size(); ++i) {
    if (kMeaningNames[i] == name) return static_cast<StatusMeaning>(i);
  }
  return std::nullopt;
}

std::optional<StatusMeaning> StatusMapping::DossierStatus(std::string_view code) const {
  return Find(dossier_status, code);
}

std::optional<StatusMeaning> StatusMapping::ProgressStatus(std::string_view code) const {
  return Find(progress_status, code);
}

std::optional<core::Channel> StatusMapping::ChannelOf(std::string_view code) const {
  return Find(channel, code);
}

const std::string& StatusMapping::AgencyId(const std::string& code) const {
  auto it = agency_codes.find(code);
  return it == agency_codes.end() ? code : it->second;
}

StatusMapping DefaultStatusMapping() {
  StatusMapping mapping;
  mapping.dossier_status = {
      {"1", StatusMeaning::kSubmitted},
      {"2", StatusMeaning::kReceived},
      {"3", StatusMeaning::kRefusedAtReception},
      {"4", StatusMeaning::kInProgress},
      {"5", StatusMeaning::kSupplementRequested},
      {"6", StatusMeaning::kAwaitingPayment},
      {"7", StatusMeaning::kWithdrawn},
      {"8", StatusMeaning::kStopped},
      {"9", StatusMeaning::kResolved},
      {"10", StatusMeaning::kResultReturned},
  };
  mapping.progress_status = mapping.dossier_status;
  mapping.channel = {
      {"1", core::Channel::kDirect}, {"2", core::Channel::kOnline}, {"3", core::Channel::kPostal}};
  mapping.online_level = 3;
  return mapping;
}

std::string EncodeMapping(const StatusMapping& mapping) {
  nlohmann::ordered_json out;
  for (const auto& [name, codes] : {std::pair{"dossier_status", &mapping.dossier_status},
                                    std::pair{"progress_status", &mapping.progress_status}}) {
    nlohmann::ordered_json section = nlohmann::ordered_json::object();
    for (const auto& [code, meaning] : *codes) section[code] = StatusMeaningName(meaning);
    out[name] = std::move(section);
  }
  nlohmann::ordered_json channels = nlohmann::ordered_json::object();
  for (const auto& [code, channel] : mapping.channel) channels[code] = core::ChannelName(channel);
  out["channel"] = std::move(channels);
  out["agency_codes"] = mapping.agency_codes;
  out["online_level"] = mapping.online_level;
  return out.dump();
}

core::Result<StatusMapping> ApplyMappingFile(std::string_view json_text, StatusMapping base) {
  nlohmann::json file;
  try {
    file = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    return core::Status::InvalidArgument(std::string("mapping file is not JSON: ") + e.what());
  }
  if (!file.is_object()) return core::Status::InvalidArgument("mapping file must be an object");
  for (const auto& [key, value] : file.items()) {
    core::Status s;
    if (key == "schema_version") {
      if (value != 1) s = core::Status::InvalidArgument("schema_version must be 1");
    } else if (key == "description") {
      if (!value.is_string()) s = core::Status::InvalidArgument("description must be text");
    } else if (key == "dossier_status") {
      s = ApplyCodes(value, "dossier_status", StatusMeaningFromName, "a known meaning",
                     &base.dossier_status);
    } else if (key == "progress_status") {
      s = ApplyCodes(value, "progress_status", StatusMeaningFromName, "a known meaning",
                     &base.progress_status);
    } else if (key == "channel") {
      s = ApplyCodes(value, "channel", core::ChannelFromName, "a known channel", &base.channel);
    } else if (key == "agency_codes") {
      s = ApplyCodes(
          value, "agency_codes",
          [](const std::string& id) {
            // An agency id of the contract: 1 to 128 characters.
            return id.empty() || id.size() > 128 ? std::nullopt : std::optional<std::string>(id);
          },
          "an agency id of 1 to 128 characters", &base.agency_codes);
    } else if (key == "online_level") {
      if (value != 3 && value != 4) {
        s = core::Status::InvalidArgument("online_level must be 3 or 4, not " + value.dump());
      } else {
        base.online_level = value.get<int>();
      }
    } else {
      s = core::Status::InvalidArgument("unknown key \"" + key + "\" in the mapping file");
    }
    if (!s.ok()) return s;
  }
  return base;
}

}  // namespace hoso::connectors::dvcqg
