// Reads the official working-day calendar from its JSON data file
// (schemas/reference/calendar-vn.json, schema schemas/calendar.schema.json).
#ifndef HOSO_SCHEMAS_CODEC_CALENDAR_LOADER_H_
#define HOSO_SCHEMAS_CODEC_CALENDAR_LOADER_H_

#include <string>
#include <string_view>

#include "engine/core/status.h"
#include "engine/core/working_calendar.h"

namespace hoso::codec {

// Parses calendar JSON text. InvalidArgument names the offending field/entry.
core::Result<core::CalendarData> ParseCalendarJson(std::string_view json_text);
// Reads and parses a file. IOError when it cannot be read.
core::Result<core::CalendarData> LoadCalendarFile(const std::string& path);

}  // namespace hoso::codec

#endif  // HOSO_SCHEMAS_CODEC_CALENDAR_LOADER_H_
