// IdTable: interns the ids of a small, growing set of names (agencies,
// procedures) as dense 32-bit handles, so that dossier states and KPI cells
// are fixed-size and compare by integer. Handles are never reused.
//
// Pure; not thread-safe (one engine thread owns one table).
#ifndef HOSO_ENGINE_CORE_ID_TABLE_H_
#define HOSO_ENGINE_CORE_ID_TABLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/string_hash.h"

namespace hoso::core {

class IdTable {
 public:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  // The handle of `name`, added when new.
  uint32_t Intern(std::string_view name);
  // The handle of `name`, or kNone.
  uint32_t Find(std::string_view name) const;
  // REQUIRES: handle < size().
  std::string_view Name(uint32_t handle) const { return names_[handle]; }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  StringMap<uint32_t> index_;
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_ID_TABLE_H_
