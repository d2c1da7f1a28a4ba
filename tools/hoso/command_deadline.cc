// hoso deadline --received T (--working-days N | --same-day | --calendar-days N)
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/core/deadline_rules.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string received;
  int working_days = 0;
  bool same_day = false;
  int calendar_days = 0;
  ReferenceOptions reference;
};

int RunDeadline(const Args& args) {
  auto received = core::ParseRfc3339(args.received);
  if (!received.ok()) return ReportError("deadline", received.status());
  core::ProcessingTime processing;
  if (args.same_day) {
    processing = {core::ProcessingKind::kSameDay, 0};
  } else if (args.working_days > 0) {
    processing = {core::ProcessingKind::kWorkingDays, args.working_days};
  } else {
    processing = {core::ProcessingKind::kCalendarDays, args.calendar_days};
  }
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("deadline", reference.status());
  const core::WorkingCalendar& calendar = *(*reference)->calendar;
  const core::LocalMinute received_minute = core::ToLocalMinute(*received);
  auto start = core::EffectiveStart(calendar, received_minute);
  if (!start.ok()) return ReportError("deadline", start.status());
  auto due = core::ComputeDueAt(calendar, received_minute, processing);
  if (!due.ok()) return ReportError("deadline", due.status());
  nlohmann::ordered_json json;
  json["effective_start"] = core::FormatLocal(*start);
  json["due_at"] = core::FormatLocal(*due);
  std::printf("%s\n", json.dump().c_str());
  return kExitOk;
}

}  // namespace

void RegisterDeadline(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "deadline",
      "the appointment (due_at) of a dossier received at an instant (docs/time-rules.md)");
  command->add_option("--received", args->received, "RFC 3339 instant with offset")->required();
  auto* working = command->add_option("--working-days", args->working_days, "N working days")
                      ->check(CLI::Range(1, 365));
  auto* same_day = command->add_flag("--same-day", args->same_day, "same day (15:00 rule)");
  auto* calendar = command->add_option("--calendar-days", args->calendar_days, "N calendar days")
                       ->check(CLI::Range(1, 3650));
  working->excludes(same_day)->excludes(calendar);
  same_day->excludes(calendar);
  command->callback([args, exit_code, working, same_day, calendar] {
    if (working->count() + same_day->count() + calendar->count() != 1) {
      std::fprintf(stderr,
                   "hoso deadline: give exactly one of --working-days, --same-day, "
                   "--calendar-days\n");
      *exit_code = kExitBadInput;
      return;
    }
    *exit_code = RunDeadline(*args);
  });
  AddReferenceOptions(command, &args->reference);
}

}  // namespace hoso::tools
