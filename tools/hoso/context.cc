#include "tools/hoso/context.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "connectors/file/whole_file.h"
#include "schemas/codec/calendar_loader.h"
#include "schemas/codec/embedded_reference.h"
#include "schemas/codec/reference_loader.h"

namespace hoso::tools {

void AddReferenceOptions(CLI::App* command, ReferenceOptions* options) {
  command->add_option("--calendar", options->calendar_path,
                      "official calendar JSON (default: the built-in calendar-vn.json)");
  command->add_option("--catalog", options->catalog_path,
                      "procedure catalog JSON (default: built-in Hai Bà Trưng 2019)");
  command->add_option("--agencies", options->agencies_path,
                      "agency list JSON (default: built-in Hai Bà Trưng 2019)");
  command->add_flag("--no-makeup-saturdays", options->no_makeup_saturdays,
                    "do not count official make-up Saturdays as working days");
}

void AddTargetsOption(CLI::App* command, ReferenceOptions* options) {
  command->add_option("--targets", options->targets_path,
                      "plan targets JSON (schemas/plan-targets.schema.json; default: built-in "
                      "Kế hoạch 23/KH-UBND 2019)");
}

core::Result<std::unique_ptr<Reference>> LoadReference(const ReferenceOptions& options) {
  auto reference = std::make_unique<Reference>();
  auto calendar_data = options.calendar_path.empty()
                           ? codec::EmbeddedCalendarData()
                           : codec::LoadCalendarFile(options.calendar_path);
  if (!calendar_data.ok()) return calendar_data.status();
  reference->calendar_data = std::move(*calendar_data);
  core::CalendarOptions calendar_options;
  calendar_options.count_makeup_saturdays = !options.no_makeup_saturdays;
  auto calendar = core::WorkingCalendar::Create(reference->calendar_data, calendar_options);
  if (!calendar.ok()) return calendar.status();
  reference->calendar = std::make_unique<core::WorkingCalendar>(std::move(*calendar));
  auto catalog = options.catalog_path.empty() ? codec::EmbeddedCatalog()
                                              : codec::LoadCatalogFile(options.catalog_path);
  if (!catalog.ok()) return catalog.status();
  reference->catalog = std::move(*catalog);
  auto agencies = options.agencies_path.empty() ? codec::EmbeddedAgencies()
                                                : codec::LoadAgenciesFile(options.agencies_path);
  if (!agencies.ok()) return agencies.status();
  reference->agencies = std::move(*agencies);
  auto plan_targets = options.targets_path.empty()
                          ? codec::EmbeddedPlanTargets()
                          : codec::LoadPlanTargetsFile(options.targets_path);
  if (!plan_targets.ok()) return plan_targets.status();
  reference->plan_targets = std::move(*plan_targets);
  core::StateMachineOptions machine_options;
  machine_options.due_soon_lead_minutes = options.due_soon_lead_minutes;
  reference->machine = std::make_unique<core::DossierStateMachine>(
      reference->calendar.get(), &reference->catalog, machine_options, &reference->agencies);
  return reference;
}

core::Instant WallNow() {
  return core::Instant{std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()};
}

int ReportError(const char* command, const core::Status& status) {
  std::fprintf(stderr, "hoso %s: %s\n", command, status.ToString().c_str());
  return ExitCodeFor(status);
}

int ExitCodeFor(const core::Status& status) {
  const bool bad_input = status.code() == core::StatusCode::kInvalidArgument ||
                         status.code() == core::StatusCode::kOutOfRange ||
                         status.code() == core::StatusCode::kVersionMismatch ||
                         status.code() == core::StatusCode::kNotFound;
  return bad_input ? 2 : 1;
}

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

bool WriteFileAtomically(const std::string& path, const std::string& text) {
  return connectors::WriteFileAtomically(path, text).ok();
}

}  // namespace hoso::tools
