// Writing JSON text by hand on hot paths (alert messages, KPI change
// messages), where a DOM (nlohmann::json) would allocate per field.
// Thread-safety: stateless functions.
#ifndef HOSO_SCHEMAS_CODEC_JSON_TEXT_H_
#define HOSO_SCHEMAS_CODEC_JSON_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace hoso::codec {

// Appends `text` as a JSON string: quotes, backslashes and control characters
// escaped, everything else (multi-byte UTF-8 included) copied as is.
void AppendJsonString(std::string* out, std::string_view text);

// Appends `value` in decimal.
void AppendJsonInt(std::string* out, int64_t value);

}  // namespace hoso::codec

#endif  // HOSO_SCHEMAS_CODEC_JSON_TEXT_H_
