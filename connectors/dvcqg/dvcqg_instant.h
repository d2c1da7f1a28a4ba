// Instants of the national public-service portal's sync records (DVCQG,
// docs/dvcqg.md "Instants"): "yyyyMMddHHmmss", fourteen digits, in Vietnam
// time (UTC+07:00), to the second.
#ifndef HOSO_CONNECTORS_DVCQG_DVCQG_INSTANT_H_
#define HOSO_CONNECTORS_DVCQG_DVCQG_INSTANT_H_

#include <string_view>

#include "engine/core/instant.h"
#include "engine/core/status.h"

namespace hoso::connectors::dvcqg {

// InvalidArgument, saying why, unless `text` is fourteen digits naming a
// real local date and time (month 01..12, a day the month has, hour 00..23,
// minute and second 00..59).
core::Result<core::Instant> ParseDvcqgInstant(std::string_view text);

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_DVCQG_INSTANT_H_
