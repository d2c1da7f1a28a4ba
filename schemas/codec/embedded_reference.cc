#include "schemas/codec/embedded_reference.h"

#include "schemas/codec/calendar_loader.h"
#include "schemas/codec/reference_loader.h"

namespace hoso::codec {
namespace internal {
extern const std::string_view kEmbeddedCalendarJson;
extern const std::string_view kEmbeddedCatalogJson;
extern const std::string_view kEmbeddedAgenciesJson;
extern const std::string_view kEmbeddedPlanTargetsJson;
}  // namespace internal

std::string_view EmbeddedCalendarJson() { return internal::kEmbeddedCalendarJson; }
std::string_view EmbeddedCatalogJson() { return internal::kEmbeddedCatalogJson; }
std::string_view EmbeddedAgenciesJson() { return internal::kEmbeddedAgenciesJson; }
std::string_view EmbeddedPlanTargetsJson() { return internal::kEmbeddedPlanTargetsJson; }

core::Result<core::CalendarData> EmbeddedCalendarData() {
  return ParseCalendarJson(EmbeddedCalendarJson());
}
core::Result<core::ProcedureCatalog> EmbeddedCatalog() {
  return ParseCatalogJson(EmbeddedCatalogJson());
}
core::Result<core::AgencyList> EmbeddedAgencies() {
  return ParseAgenciesJson(EmbeddedAgenciesJson());
}
core::Result<core::PlanTargets> EmbeddedPlanTargets() {
  return ParsePlanTargetsJson(EmbeddedPlanTargetsJson());
}

}  // namespace hoso::codec
