// Reference data loaders: the checks of schemas/catalog.schema.json and
// schemas/agencies.schema.json, by hand over nlohmann::json, plus what a
// schema cannot say (unique ids, a parent that exists, no duplicate keys).
//
// nlohmann throws; every exception is caught here and becomes a Status that
// names the entry ("procedures[4].processing: ..."), so nothing escapes the
// module (style: exceptions never cross a module boundary).
#include "schemas/codec/reference_loader.h"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

namespace hoso::codec {
namespace {

using core::Status;
using nlohmann::json;

constexpr size_t kMaxIdChars = 128;
// Index 0 is the ward level in both lists.
constexpr std::array<std::string_view, 2> kLevelNames = {"ward", "district"};
constexpr std::array<std::string_view, 3> kKindNames = {"ward", "district_office", "district"};

size_t CodePoints(const std::string& utf8) {
  size_t count = 0;
  for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

std::string FormatNumber(double number) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", number);
  return buffer;
}

// Parses `text` and refuses duplicate keys in any object (nlohmann would
// silently keep one of them, and a catalog edited by hand can have them).
core::Result<json> ParseStrict(std::string_view text) {
  std::vector<std::set<std::string, std::less<>>> open_objects;
  std::string duplicate;
  const json::parser_callback_t callback = [&](int /*depth*/, json::parse_event_t event,
                                               json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() &&
            !open_objects.back().insert(parsed.get_ref<const std::string&>()).second &&
            duplicate.empty()) {
          duplicate = parsed.get_ref<const std::string&>();
        }
        break;
      default:
        break;
    }
    return true;
  };
  try {
    json document = json::parse(text.begin(), text.end(), callback);
    if (!duplicate.empty()) {
      return Status::InvalidArgument("duplicate key '" + duplicate + "'");
    }
    return document;
  } catch (const std::exception& error) {
    return Status::InvalidArgument(std::string("not valid JSON: ") + error.what());
  }
}

// Checks of one JSON object at `path` ("procedures[4]"): every accessor fails
// with a message that starts with the path of the offending field.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  Status IsObjectWithKeys(std::initializer_list<std::string_view> allowed) const {
    if (!object_.is_object()) return Fail("", "not an object");
    for (const auto& [key, value] : object_.items()) {
      bool known = false;
      for (std::string_view name : allowed) known = known || name == key;
      if (!known) return Fail(key, "unknown field");
    }
    return Status::Ok();
  }

  // A string of at least `min_chars` and at most `max_chars` code points.
  // When absent: an error if `required`, else *out stays as it is.
  Status String(std::string_view key, bool required, size_t min_chars, size_t max_chars,
                std::string* out) const {
    const json* value = Find(key);
    if (value == nullptr) return required ? Fail(key, "missing") : Status::Ok();
    if (!value->is_string()) return Fail(key, "not a string");
    const std::string& text = value->get_ref<const std::string&>();
    const size_t chars = CodePoints(text);
    if (chars < min_chars) return Fail(key, "empty");
    if (chars > max_chars)
      return Fail(key, "longer than " + std::to_string(max_chars) + " characters");
    *out = text;
    return Status::Ok();
  }

  // JSON Schema "integer" (3.0 counts) within [min, max].
  Status Integer(std::string_view key, int64_t min, int64_t max, int64_t* out) const {
    const json* value = Find(key);
    if (value == nullptr) return Fail(key, "missing");
    return IntegerValue(*value, key, min, max, out);
  }

  Status IntegerValue(const json& value, std::string_view key, int64_t min, int64_t max,
                      int64_t* out) const {
    const std::string range = "out of range " + std::to_string(min) + ".." + std::to_string(max);
    if (value.is_number_unsigned()) {
      const uint64_t number = value.get<uint64_t>();
      if (number > static_cast<uint64_t>(max)) return Fail(key, range);
      *out = static_cast<int64_t>(number);
    } else if (value.is_number_integer()) {
      *out = value.get<int64_t>();
    } else if (value.is_number_float()) {
      const double number = value.get<double>();
      if (!std::isfinite(number) || std::floor(number) != number)
        return Fail(key, "not an integer");
      if (number < static_cast<double>(min) || number > static_cast<double>(max)) {
        return Fail(key, range);
      }
      *out = static_cast<int64_t>(number);
    } else {
      return Fail(key, "not an integer");
    }
    if (*out < min || *out > max) return Fail(key, range);
    return Status::Ok();
  }

  // A JSON number (integer or not) within [min, max].
  Status Number(std::string_view key, double min, double max, double* out) const {
    const json* value = Find(key);
    if (value == nullptr) return Fail(key, "missing");
    if (!value->is_number()) return Fail(key, "not a number");
    const double number = value->get<double>();
    if (!(number >= min && number <= max)) {
      return Fail(key, "out of range " + FormatNumber(min) + ".." + FormatNumber(max));
    }
    *out = number;
    return Status::Ok();
  }

  Status Bool(std::string_view key, bool* out) const {
    const json* value = Find(key);
    if (value == nullptr) return Fail(key, "missing");
    if (!value->is_boolean()) return Fail(key, "not a boolean");
    *out = value->get<bool>();
    return Status::Ok();
  }

  // One of `names`; returns its index in *out.
  template <size_t N>
  Status Enum(std::string_view key, const std::array<std::string_view, N>& names,
              size_t* out) const {
    std::string text;
    HOSO_RETURN_IF_ERROR(String(key, /*required=*/true, 0, SIZE_MAX, &text));
    size_t index = 0;
    for (std::string_view name : names) {
      if (name == text) {
        *out = index;
        return Status::Ok();
      }
      ++index;
    }
    std::string expected;
    for (std::string_view name : names) {
      expected += expected.empty() ? "" : ", ";
      expected += name;
    }
    return Fail(key, "must be one of " + expected);
  }

  // {"working_days": 1..365} | {"same_day": true} | {"calendar_days": 1..3650}.
  Status Processing(std::string_view key, core::ProcessingTime* out) const {
    const json* value = Find(key);
    if (value == nullptr) return Fail(key, "missing");
    const ObjectReader processing(*value, Path(key));
    if (!value->is_object() || value->size() != 1) {
      return processing.Fail("", "needs exactly one of working_days, same_day, calendar_days");
    }
    const auto entry = value->begin();
    int64_t days = 0;
    if (entry.key() == "same_day") {
      if (!entry.value().is_boolean() || !entry.value().get<bool>()) {
        return processing.Fail("same_day", "must be true");
      }
      *out = {core::ProcessingKind::kSameDay, 0};
    } else if (entry.key() == "working_days") {
      HOSO_RETURN_IF_ERROR(processing.IntegerValue(entry.value(), "working_days", 1, 365, &days));
      *out = {core::ProcessingKind::kWorkingDays, static_cast<int>(days)};
    } else if (entry.key() == "calendar_days") {
      HOSO_RETURN_IF_ERROR(processing.IntegerValue(entry.value(), "calendar_days", 1, 3650, &days));
      *out = {core::ProcessingKind::kCalendarDays, static_cast<int>(days)};
    } else {
      return processing.Fail(entry.key(),
                             "unknown field (expected working_days, same_day or calendar_days)");
    }
    return Status::Ok();
  }

  const json* Find(std::string_view key) const {
    if (!object_.is_object()) return nullptr;
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  std::string Path(std::string_view key) const {
    if (key.empty()) return path_;
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  Status Fail(std::string_view key, std::string_view what) const {
    std::string where = Path(key);
    return Status::InvalidArgument((where.empty() ? "" : where + ": ") + std::string(what));
  }

 private:
  const json& object_;
  std::string path_;
};

// The top level {"version", "description"?, "<list_key>": [...]}; returns the list.
core::Result<const json*> ReadTopLevel(const json& document, std::string_view list_key) {
  const ObjectReader top(document, "");
  HOSO_RETURN_IF_ERROR(top.IsObjectWithKeys({"version", "description", list_key}));
  std::string ignored;
  HOSO_RETURN_IF_ERROR(top.String("version", /*required=*/true, 1, SIZE_MAX, &ignored));
  HOSO_RETURN_IF_ERROR(top.String("description", /*required=*/false, 0, SIZE_MAX, &ignored));
  const json* list = top.Find(list_key);
  if (list == nullptr) return top.Fail(list_key, "missing");
  if (!list->is_array()) return top.Fail(list_key, "not an array");
  return list;
}

std::string EntryPath(std::string_view list_key, size_t index) {
  return std::string(list_key) + "[" + std::to_string(index) + "]";
}

core::Result<std::string> ReadFile(const std::string& path) {
  // A directory opens fine as an ifstream on Linux and reads as empty.
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return Status::IOError("cannot read " + path + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  return content.str();
}

// Prefixes a parse failure with the file it came from.
template <typename T>
core::Result<T> WithPath(core::Result<T> result, const std::string& path) {
  if (result.ok()) return result;
  return Status(Status::InvalidArgument(path + ": " + result.status().message()));
}

}  // namespace

core::Result<core::ProcedureCatalog> ParseCatalogJson(std::string_view json_text) {
  core::Result<json> document = ParseStrict(json_text);
  if (!document.ok()) return document.status();
  const core::Result<const json*> list = ReadTopLevel(*document, "procedures");
  if (!list.ok()) return list.status();

  std::vector<core::Procedure> procedures;
  std::set<std::string, std::less<>> ids;
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const ObjectReader entry((**list)[i], EntryPath("procedures", i));
    HOSO_RETURN_IF_ERROR(entry.IsObjectWithKeys(
        {"procedure_id", "name", "level", "processing", "online_level_offered", "one_stop"}));
    core::Procedure procedure;
    HOSO_RETURN_IF_ERROR(
        entry.String("procedure_id", true, 1, kMaxIdChars, &procedure.procedure_id));
    HOSO_RETURN_IF_ERROR(entry.String("name", true, 1, SIZE_MAX, &procedure.name));
    size_t level = 0;
    HOSO_RETURN_IF_ERROR(entry.Enum("level", kLevelNames, &level));
    procedure.level = level == 0 ? core::AgencyLevel::kWard : core::AgencyLevel::kDistrict;
    HOSO_RETURN_IF_ERROR(entry.Processing("processing", &procedure.processing));
    int64_t online_level = 0;
    HOSO_RETURN_IF_ERROR(entry.Integer("online_level_offered", 0, 4, &online_level));
    procedure.online_level_offered = static_cast<int>(online_level);
    HOSO_RETURN_IF_ERROR(entry.Bool("one_stop", &procedure.one_stop));
    if (!ids.insert(procedure.procedure_id).second) {
      return entry.Fail("procedure_id", "duplicate id '" + procedure.procedure_id + "'");
    }
    procedures.push_back(std::move(procedure));
  }
  return core::ProcedureCatalog(std::move(procedures));
}

core::Result<core::ProcedureCatalog> LoadCatalogFile(const std::string& path) {
  core::Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return WithPath(ParseCatalogJson(*text), path);
}

core::Result<core::AgencyList> ParseAgenciesJson(std::string_view json_text) {
  core::Result<json> document = ParseStrict(json_text);
  if (!document.ok()) return document.status();
  const core::Result<const json*> list = ReadTopLevel(*document, "agencies");
  if (!list.ok()) return list.status();

  std::vector<core::Agency> agencies;
  std::set<std::string, std::less<>> ids;
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const ObjectReader entry((**list)[i], EntryPath("agencies", i));
    HOSO_RETURN_IF_ERROR(entry.IsObjectWithKeys({"agency_id", "name", "kind", "parent"}));
    core::Agency agency;
    HOSO_RETURN_IF_ERROR(entry.String("agency_id", true, 1, kMaxIdChars, &agency.agency_id));
    HOSO_RETURN_IF_ERROR(entry.String("name", true, 1, SIZE_MAX, &agency.name));
    size_t kind = 0;
    HOSO_RETURN_IF_ERROR(entry.Enum("kind", kKindNames, &kind));
    agency.kind = std::string(kKindNames[kind]);
    agency.level = kind == 0 ? core::AgencyLevel::kWard : core::AgencyLevel::kDistrict;
    HOSO_RETURN_IF_ERROR(entry.String("parent", false, 1, kMaxIdChars, &agency.parent));
    if (!ids.insert(agency.agency_id).second) {
      return entry.Fail("agency_id", "duplicate id '" + agency.agency_id + "'");
    }
    agencies.push_back(std::move(agency));
  }
  // Parents may be listed after their children, so they are checked at the end.
  for (size_t i = 0; i < agencies.size(); ++i) {
    const std::string& parent = agencies[i].parent;
    if (parent.empty()) continue;
    if (parent == agencies[i].agency_id || ids.find(parent) == ids.end()) {
      return Status::InvalidArgument(EntryPath("agencies", i) + ".parent: '" + parent +
                                     "' is not another agency of the list");
    }
  }
  return core::AgencyList(std::move(agencies));
}

core::Result<core::AgencyList> LoadAgenciesFile(const std::string& path) {
  core::Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return WithPath(ParseAgenciesJson(*text), path);
}

namespace {

// The optional "indicators_766" list of a plan file: the national index's
// indicators the scorecard scores (core::Indicator766).
Status ParseIndicators766(const ObjectReader& top,
                          const std::array<std::string_view, core::kPlanMeasureCount>& names,
                          std::vector<core::Indicator766>* indicators) {
  const json* list = top.Find("indicators_766");
  if (list == nullptr) return Status::Ok();
  if (!list->is_array()) return top.Fail("indicators_766", "not an array");
  std::set<std::string> codes;
  for (size_t i = 0; i < list->size(); ++i) {
    const ObjectReader entry((*list)[i], EntryPath("indicators_766", i));
    HOSO_RETURN_IF_ERROR(
        entry.IsObjectWithKeys({"code", "measure", "title", "max_points", "threshold"}));
    core::Indicator766 indicator;
    HOSO_RETURN_IF_ERROR(entry.String("code", /*required=*/true, 1, 16, &indicator.code));
    size_t measure = 0;
    HOSO_RETURN_IF_ERROR(entry.Enum("measure", names, &measure));
    indicator.measure = static_cast<core::PlanMeasure>(measure);
    // Dialogues are a count judged per half-year, not a ratio to score.
    if (indicator.measure == core::PlanMeasure::kDialogues) {
      return entry.Fail("measure", "'dialogues' is not a ratio");
    }
    HOSO_RETURN_IF_ERROR(entry.String("title", /*required=*/true, 1, SIZE_MAX, &indicator.title));
    HOSO_RETURN_IF_ERROR(entry.Number("max_points", 0.0, 100.0, &indicator.max_points));
    if (indicator.max_points <= 0) return entry.Fail("max_points", "must be above 0");
    HOSO_RETURN_IF_ERROR(entry.Number("threshold", 0.0, 1.0, &indicator.threshold));
    if (indicator.threshold <= 0) return entry.Fail("threshold", "must be above 0");
    if (!codes.insert(indicator.code).second) {
      return entry.Fail("code", "'" + indicator.code + "' is listed twice");
    }
    indicators->push_back(std::move(indicator));
  }
  return Status::Ok();
}

}  // namespace

core::Result<core::PlanTargets> ParsePlanTargetsJson(std::string_view json_text) {
  core::Result<json> document = ParseStrict(json_text);
  if (!document.ok()) return document.status();
  const ObjectReader top(*document, "");
  HOSO_RETURN_IF_ERROR(
      top.IsObjectWithKeys({"version", "title", "description", "targets", "indicators_766"}));
  core::PlanTargets plan;
  HOSO_RETURN_IF_ERROR(top.String("version", /*required=*/true, 1, SIZE_MAX, &plan.version));
  HOSO_RETURN_IF_ERROR(top.String("title", /*required=*/true, 1, SIZE_MAX, &plan.title));
  std::string ignored;
  HOSO_RETURN_IF_ERROR(top.String("description", /*required=*/false, 0, SIZE_MAX, &ignored));
  const json* list = top.Find("targets");
  if (list == nullptr) return top.Fail("targets", "missing");
  if (!list->is_array()) return top.Fail("targets", "not an array");
  // An empty plan would print a scorecard that judges nothing: surely a mistake.
  if (list->empty()) return top.Fail("targets", "empty");

  std::array<std::string_view, core::kPlanMeasureCount> names{};
  for (int i = 0; i < core::kPlanMeasureCount; ++i) {
    names[i] = core::PlanMeasureName(static_cast<core::PlanMeasure>(i));
  }
  std::set<int> seen;
  for (size_t i = 0; i < list->size(); ++i) {
    const ObjectReader entry((*list)[i], EntryPath("targets", i));
    core::PlanTarget target;
    size_t measure = 0;
    HOSO_RETURN_IF_ERROR(entry.Enum("measure", names, &measure));
    target.measure = static_cast<core::PlanMeasure>(measure);
    if (target.measure == core::PlanMeasure::kDialogues) {
      // A count per half-year and per year, not a ratio.
      HOSO_RETURN_IF_ERROR(
          entry.IsObjectWithKeys({"measure", "per_half_year", "per_year", "title"}));
      HOSO_RETURN_IF_ERROR(entry.Integer("per_half_year", 0, 1000, &target.per_half_year));
      HOSO_RETURN_IF_ERROR(entry.Integer("per_year", 0, 2000, &target.per_year));
    } else {
      HOSO_RETURN_IF_ERROR(entry.IsObjectWithKeys({"measure", "minimum", "title"}));
      HOSO_RETURN_IF_ERROR(entry.Number("minimum", 0.0, 1.0, &target.minimum));
    }
    HOSO_RETURN_IF_ERROR(entry.String("title", /*required=*/true, 1, SIZE_MAX, &target.title));
    if (!seen.insert(static_cast<int>(measure)).second) {
      return entry.Fail("measure", "'" + std::string(names[measure]) + "' is listed twice");
    }
    plan.targets.push_back(std::move(target));
  }
  HOSO_RETURN_IF_ERROR(ParseIndicators766(top, names, &plan.indicators_766));
  return plan;
}

core::Result<core::PlanTargets> LoadPlanTargetsFile(const std::string& path) {
  core::Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return WithPath(ParsePlanTargetsJson(*text), path);
}

}  // namespace hoso::codec
