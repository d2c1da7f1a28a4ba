#include "connectors/dvcqg/sync_rejection.h"

#include <array>

namespace hoso::connectors::dvcqg {

std::string_view SyncRejectCodeName(SyncRejectCode code) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "dvcqg_invalid_json",   "dvcqg_missing_field",  "dvcqg_bad_field",
      "dvcqg_bad_instant",    "dvcqg_unknown_status", "dvcqg_unknown_channel",
      "dvcqg_older_snapshot", "dvcqg_contradiction",  "dvcqg_no_instant",
      "dvcqg_not_received"};
  return kNames[static_cast<size_t>(code)];
}

}  // namespace hoso::connectors::dvcqg
