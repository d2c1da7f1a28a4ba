// Reference data loaded at start: the procedure catalog and the agency list
// (docs/events.md). Plain values; the codec module reads them from JSON files
// (schemas/catalog.schema.json, schemas/agencies.schema.json).
#ifndef HOSO_ENGINE_CORE_REFERENCE_DATA_H_
#define HOSO_ENGINE_CORE_REFERENCE_DATA_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/deadline_rules.h"

namespace hoso::core {

enum class AgencyLevel { kWard, kDistrict };

struct Procedure {
  std::string procedure_id;
  std::string name;
  AgencyLevel level = AgencyLevel::kWard;
  ProcessingTime processing;
  int online_level_offered = 0;  // 0..4
  bool one_stop = true;
};

struct Agency {
  std::string agency_id;
  std::string name;
  std::string kind;    // "ward", "district_office", "district"
  std::string parent;  // empty for the district itself
  AgencyLevel level = AgencyLevel::kWard;
};

class ProcedureCatalog {
 public:
  ProcedureCatalog() = default;
  explicit ProcedureCatalog(std::vector<Procedure> procedures);
  const Procedure* Find(const std::string& procedure_id) const;
  const std::vector<Procedure>& all() const { return procedures_; }

 private:
  std::vector<Procedure> procedures_;
  std::map<std::string, size_t, std::less<>> index_;
};

class AgencyList {
 public:
  AgencyList() = default;
  explicit AgencyList(std::vector<Agency> agencies);
  const Agency* Find(const std::string& agency_id) const;
  const std::vector<Agency>& all() const { return agencies_; }

 private:
  std::vector<Agency> agencies_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_REFERENCE_DATA_H_
