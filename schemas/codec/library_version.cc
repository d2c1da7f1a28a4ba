#include "schemas/codec/library_version.h"

#include <simdjson.h>

// SIMDJSON_VERSION is a bare token sequence (3.0.1), not a string.
#define HOSO_STRINGIFY_INNER(x) #x
#define HOSO_STRINGIFY(x) HOSO_STRINGIFY_INNER(x)

namespace hoso::codec {

std::string SimdjsonVersion() { return HOSO_STRINGIFY(SIMDJSON_VERSION); }

std::string SimdjsonImplementation() {
  return std::string(simdjson::get_active_implementation()->name());
}

}  // namespace hoso::codec
