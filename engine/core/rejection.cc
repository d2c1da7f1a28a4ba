#include "engine/core/rejection.h"

#include <array>

namespace hoso::core {
namespace {

constexpr std::array<std::string_view, kRejectCodeCount> kNames = {
    "too_large",         "invalid_json",          "unknown_type",   "schema",
    "unknown_procedure", "conflicting_duplicate", "future_instant", "ahead_of_clock",
    "unknown_dossier",   "bad_transition",        "time_travel",    "calendar_range",
    "unknown_agency"};

}  // namespace

std::string_view RejectCodeName(RejectCode code) { return kNames[static_cast<int>(code)]; }

std::optional<RejectCode> RejectCodeFromName(std::string_view name) {
  for (int i = 0; i < kRejectCodeCount; ++i) {
    if (kNames[i] == name) return static_cast<RejectCode>(i);
  }
  return std::nullopt;
}

}  // namespace hoso::core
