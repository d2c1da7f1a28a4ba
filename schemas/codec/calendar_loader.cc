#include "schemas/codec/calendar_loader.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>
#include <vector>

namespace hoso::codec {
namespace {

using nlohmann::json;

// Bounds of the "year" field, as in schemas/calendar.schema.json.
constexpr int64_t kYearMin = 1970;
constexpr int64_t kYearMax = 9999;

core::Status Invalid(const std::string& path, const std::string& what) {
  return core::Status::InvalidArgument(path + ": " + what);
}

// The schema sets additionalProperties false; a misspelt field ("day_off")
// must not silently drop a year's holidays.
core::Status CheckKnownFields(const json& object, const std::string& path,
                              std::initializer_list<std::string_view> known) {
  for (const auto& item : object.items()) {
    bool found = false;
    for (std::string_view name : known) found = found || item.key() == name;
    if (!found) return Invalid(path, "unknown field '" + item.key() + "'");
  }
  return core::Status::Ok();
}

core::Result<const json*> Field(const json& object, const std::string& path, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) return Invalid(path, std::string("missing field '") + name + "'");
  return &*it;
}

core::Result<core::CivilDate> ParseDate(const json& value, const std::string& path) {
  if (!value.is_string()) return Invalid(path, "not a date YYYY-MM-DD (not a string)");
  core::Result<core::CivilDate> date = core::ParseCivilDate(value.get_ref<const std::string&>());
  if (!date.ok()) return Invalid(path, date.status().message());
  return date;
}

core::Result<core::CivilDate> DateField(const json& object, const std::string& path,
                                        const char* name) {
  core::Result<const json*> value = Field(object, path, name);
  if (!value.ok()) return value.status();
  return ParseDate(**value, path + "." + name);
}

core::Result<std::vector<core::CivilDate>> DateListField(const json& object,
                                                         const std::string& path,
                                                         const char* name) {
  core::Result<const json*> value = Field(object, path, name);
  if (!value.ok()) return value.status();
  const std::string list_path = path + "." + name;
  if (!(*value)->is_array()) return Invalid(list_path, "not an array of dates");
  std::vector<core::CivilDate> dates;
  dates.reserve((*value)->size());
  for (size_t i = 0; i < (*value)->size(); ++i) {
    core::Result<core::CivilDate> date =
        ParseDate((**value)[i], list_path + "[" + std::to_string(i) + "]");
    if (!date.ok()) return date.status();
    dates.push_back(*date);
  }
  return dates;
}

core::Result<std::vector<std::string>> SourcesField(const json& object, const std::string& path) {
  core::Result<const json*> value = Field(object, path, "sources");
  if (!value.ok()) return value.status();
  const std::string list_path = path + ".sources";
  if (!(*value)->is_array() || (*value)->empty()) {
    return Invalid(list_path, "must be a non-empty array naming the notices");
  }
  std::vector<std::string> sources;
  for (size_t i = 0; i < (*value)->size(); ++i) {
    const json& item = (**value)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      return Invalid(list_path + "[" + std::to_string(i) + "]", "not a non-empty string");
    }
    sources.push_back(item.get<std::string>());
  }
  return sources;
}

core::Result<core::CalendarYear> ParseYear(const json& entry, const std::string& path) {
  if (!entry.is_object()) return Invalid(path, "not an object");
  HOSO_RETURN_IF_ERROR(CheckKnownFields(
      entry, path,
      {"year", "covers_from", "covers_to", "days_off", "makeup_saturdays", "sources"}));
  core::CalendarYear year;
  core::Result<const json*> year_value = Field(entry, path, "year");
  if (!year_value.ok()) return year_value.status();
  if (!(*year_value)->is_number_integer() || (*year_value)->get<int64_t>() < kYearMin ||
      (*year_value)->get<int64_t>() > kYearMax) {
    return Invalid(path + ".year", "not an integer year within 1970..9999");
  }
  year.year = static_cast<int>((*year_value)->get<int64_t>());

  core::Result<core::CivilDate> covers_from = DateField(entry, path, "covers_from");
  if (!covers_from.ok()) return covers_from.status();
  year.covers_from = *covers_from;
  core::Result<core::CivilDate> covers_to = DateField(entry, path, "covers_to");
  if (!covers_to.ok()) return covers_to.status();
  year.covers_to = *covers_to;
  core::Result<std::vector<core::CivilDate>> days_off = DateListField(entry, path, "days_off");
  if (!days_off.ok()) return days_off.status();
  year.days_off = std::move(*days_off);
  core::Result<std::vector<core::CivilDate>> makeup =
      DateListField(entry, path, "makeup_saturdays");
  if (!makeup.ok()) return makeup.status();
  year.makeup_saturdays = std::move(*makeup);
  core::Result<std::vector<std::string>> sources = SourcesField(entry, path);
  if (!sources.ok()) return sources.status();
  year.sources = std::move(*sources);
  return year;
}

core::Result<core::CalendarData> ParseDocument(const json& document) {
  if (!document.is_object()) return Invalid("calendar", "the document is not a JSON object");
  HOSO_RETURN_IF_ERROR(CheckKnownFields(document, "calendar", {"version", "description", "years"}));
  core::CalendarData data;
  core::Result<const json*> version = Field(document, "calendar", "version");
  if (!version.ok()) return version.status();
  if (!(*version)->is_string() || (*version)->get_ref<const std::string&>().empty()) {
    return Invalid("version", "not a non-empty string");
  }
  data.version = (*version)->get<std::string>();
  if (const auto it = document.find("description"); it != document.end() && !it->is_string()) {
    return Invalid("description", "not a string");
  }
  core::Result<const json*> years = Field(document, "calendar", "years");
  if (!years.ok()) return years.status();
  if (!(*years)->is_array() || (*years)->empty()) {
    return Invalid("years", "must be a non-empty array of year entries");
  }
  for (size_t i = 0; i < (*years)->size(); ++i) {
    core::Result<core::CalendarYear> year =
        ParseYear((**years)[i], "years[" + std::to_string(i) + "]");
    if (!year.ok()) return year.status();
    data.years.push_back(std::move(*year));
  }
  return data;
}

}  // namespace

core::Result<core::CalendarData> ParseCalendarJson(std::string_view json_text) {
  core::Result<core::CalendarData> data = core::Status::InvalidArgument("calendar: not parsed");
  // nlohmann throws; this is the edge where its exceptions become a Status.
  try {
    data = ParseDocument(json::parse(json_text.begin(), json_text.end()));
  } catch (const json::exception& e) {
    return core::Status::InvalidArgument(std::string("calendar: invalid JSON: ") + e.what());
  }
  if (!data.ok()) return data;
  // The semantic rules (weekdays, Saturdays, coverage, contiguity) live in one
  // place, WorkingCalendar::Create; its messages use the same years[i] paths.
  core::Result<core::WorkingCalendar> calendar = core::WorkingCalendar::Create(*data);
  if (!calendar.ok()) return calendar.status();
  return data;
}

core::Result<core::CalendarData> LoadCalendarFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return core::Status::IOError("cannot read calendar file '" + path +
                                 "': " + std::strerror(errno));
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) {
    return core::Status::IOError("error while reading calendar file '" + path +
                                 "': " + std::strerror(errno));
  }
  core::Result<core::CalendarData> data = ParseCalendarJson(content.str());
  if (!data.ok()) return core::Status::InvalidArgument(path + ": " + data.status().message());
  return data;
}

}  // namespace hoso::codec
