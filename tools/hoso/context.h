// Shared command-line plumbing: reference data options (--calendar,
// --catalog, --agencies, --no-makeup-saturdays), loading them, and error
// reporting.
#ifndef HOSO_TOOLS_HOSO_CONTEXT_H_
#define HOSO_TOOLS_HOSO_CONTEXT_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "engine/core/dossier_state_machine.h"
#include "engine/core/instant.h"
#include "engine/core/plan_targets.h"
#include "engine/core/reference_data.h"
#include "engine/core/status.h"
#include "engine/core/working_calendar.h"

namespace hoso::tools {

struct ReferenceOptions {
  std::string calendar_path;  // empty: the compiled-in calendar-vn.json
  std::string catalog_path;   // empty: the compiled-in Hai Bà Trưng 2019 catalog
  std::string agencies_path;  // empty: the compiled-in agency list
  bool no_makeup_saturdays = false;
  int64_t due_soon_lead_minutes = 540;
  // empty: the compiled-in 2019 plan (Kế hoạch 23/KH-UBND). Only the
  // commands that judge targets offer --targets (AddTargetsOption).
  std::string targets_path;
};
void AddReferenceOptions(CLI::App* command, ReferenceOptions* options);
// --targets FILE (schemas/plan-targets.schema.json) for `scorecard` and `http`.
void AddTargetsOption(CLI::App* command, ReferenceOptions* options);

// Everything the engine needs from reference data, loaded once.
struct Reference {
  core::CalendarData calendar_data;
  std::unique_ptr<core::WorkingCalendar> calendar;
  core::ProcedureCatalog catalog;
  core::AgencyList agencies;
  core::PlanTargets plan_targets;
  std::unique_ptr<core::DossierStateMachine> machine;
};
core::Result<std::unique_ptr<Reference>> LoadReference(const ReferenceOptions& options);

// The exit code for a failed status: bad input 2 (invalid argument, out of
// range, version mismatch, not found), anything else 1.
int ExitCodeFor(const core::Status& status);
// Prints "hoso <command>: <message>" to stderr and returns ExitCodeFor(status).
int ReportError(const char* command, const core::Status& status);

// The system clock, to the millisecond: "now" for queries whose period is
// not over, and for the wall-clock engine loops.
core::Instant WallNow();

// True when stderr is a terminal (progress lines are drawn only then).
bool StderrIsTerminal();

// Writes `text` to `path` atomically (a temp file beside it, then rename):
// a reader sees the old file or the whole new one. False on any failure.
bool WriteFileAtomically(const std::string& path, const std::string& text);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_CONTEXT_H_
