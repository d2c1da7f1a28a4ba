// The reference data compiled into the binary (schemas/reference/*.json at
// build time): the official calendar, the Hai Bà Trưng 2019 procedure catalog
// and agency list, and the targets of its 2019 plan (Kế hoạch 23/KH-UBND). Each accessor parses on
// first use and fails with the loader's Status if the shipped file is invalid (a build defect).
#ifndef HOSO_SCHEMAS_CODEC_EMBEDDED_REFERENCE_H_
#define HOSO_SCHEMAS_CODEC_EMBEDDED_REFERENCE_H_

#include <string_view>

#include "engine/core/plan_targets.h"
#include "engine/core/reference_data.h"
#include "engine/core/status.h"
#include "engine/core/working_calendar.h"

namespace hoso::codec {

std::string_view EmbeddedCalendarJson();
std::string_view EmbeddedCatalogJson();
std::string_view EmbeddedAgenciesJson();
std::string_view EmbeddedPlanTargetsJson();

core::Result<core::CalendarData> EmbeddedCalendarData();
core::Result<core::ProcedureCatalog> EmbeddedCatalog();
core::Result<core::AgencyList> EmbeddedAgencies();
core::Result<core::PlanTargets> EmbeddedPlanTargets();

}  // namespace hoso::codec

#endif  // HOSO_SCHEMAS_CODEC_EMBEDDED_REFERENCE_H_
