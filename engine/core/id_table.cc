#include "engine/core/id_table.h"

namespace hoso::core {

uint32_t IdTable::Intern(std::string_view name) {
  auto it = index_.find(name);
  if (it != index_.end()) return it->second;
  const auto handle = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  index_.emplace(names_.back(), handle);
  return handle;
}

uint32_t IdTable::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? kNone : it->second;
}

}  // namespace hoso::core
