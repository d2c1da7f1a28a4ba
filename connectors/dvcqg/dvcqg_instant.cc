#include "connectors/dvcqg/dvcqg_instant.h"

#include <string>

namespace hoso::connectors::dvcqg {

core::Result<core::Instant> ParseDvcqgInstant(std::string_view text) {
  const auto refuse = [&](std::string_view why) {
    std::string message = "\"";
    message.append(text).append("\" is not yyyyMMddHHmmss (").append(why).append(")");
    return core::Status::InvalidArgument(std::move(message));
  };
  if (text.size() != 14) return refuse("fourteen digits expected");
  for (char c : text) {
    if (c < '0' || c > '9') return refuse("digits only");
  }
  // The RFC 3339 parser checks the calendar (days of the month, hours,
  // minutes, seconds) and knows the offset.
  std::string rfc3339;
  rfc3339.reserve(25);
  rfc3339.append(text.substr(0, 4)).push_back('-');
  rfc3339.append(text.substr(4, 2)).push_back('-');
  rfc3339.append(text.substr(6, 2)).push_back('T');
  rfc3339.append(text.substr(8, 2)).push_back(':');
  rfc3339.append(text.substr(10, 2)).push_back(':');
  rfc3339.append(text.substr(12, 2)).append("+07:00");
  auto instant = core::ParseRfc3339(rfc3339);
  if (!instant.ok()) return refuse("not a date and time");
  return *instant;
}

}  // namespace hoso::connectors::dvcqg
