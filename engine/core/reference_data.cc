#include "engine/core/reference_data.h"

namespace hoso::core {

ProcedureCatalog::ProcedureCatalog(std::vector<Procedure> procedures)
    : procedures_(std::move(procedures)) {
  for (size_t i = 0; i < procedures_.size(); ++i) index_[procedures_[i].procedure_id] = i;
}

const Procedure* ProcedureCatalog::Find(const std::string& procedure_id) const {
  auto it = index_.find(procedure_id);
  return it == index_.end() ? nullptr : &procedures_[it->second];
}

AgencyList::AgencyList(std::vector<Agency> agencies) : agencies_(std::move(agencies)) {
  for (size_t i = 0; i < agencies_.size(); ++i) index_[agencies_[i].agency_id] = i;
}

const Agency* AgencyList::Find(const std::string& agency_id) const {
  auto it = index_.find(agency_id);
  return it == index_.end() ? nullptr : &agencies_[it->second];
}

}  // namespace hoso::core
