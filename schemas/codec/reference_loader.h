// Reads the procedure catalog, the agency list and the plan targets from
// their JSON files (schemas/catalog.schema.json, schemas/agencies.schema.json,
// schemas/plan-targets.schema.json).
#ifndef HOSO_SCHEMAS_CODEC_REFERENCE_LOADER_H_
#define HOSO_SCHEMAS_CODEC_REFERENCE_LOADER_H_

#include <string>
#include <string_view>

#include "engine/core/plan_targets.h"
#include "engine/core/reference_data.h"
#include "engine/core/status.h"

namespace hoso::codec {

// InvalidArgument names the offending entry and field.
core::Result<core::ProcedureCatalog> ParseCatalogJson(std::string_view json_text);
core::Result<core::ProcedureCatalog> LoadCatalogFile(const std::string& path);
core::Result<core::AgencyList> ParseAgenciesJson(std::string_view json_text);
core::Result<core::AgencyList> LoadAgenciesFile(const std::string& path);
// Also refuses a measure listed twice and a plan without any target.
core::Result<core::PlanTargets> ParsePlanTargetsJson(std::string_view json_text);
core::Result<core::PlanTargets> LoadPlanTargetsFile(const std::string& path);

}  // namespace hoso::codec

#endif  // HOSO_SCHEMAS_CODEC_REFERENCE_LOADER_H_
