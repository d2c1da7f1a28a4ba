// hoso: the command-line composition root. The only place that wires the
// file and Kafka sources, RocksDB and the engine together.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "tools/hoso/build_info.h"
#include "tools/hoso/command.h"
#include "tools/hoso/huge_page_malloc.h"
#include "tools/hoso/logging.h"

int main(int argc, char** argv) {
  hoso::tools::ReexecWithHugePageMalloc(argc, argv);
  CLI::App app{
      "hoso: event-sourced tracking of administrative-procedure dossiers (one-stop desk) and the "
      "reform plan's KPIs",
      // The name in usage lines, whatever path ran the binary.
      "hoso"};
  app.require_subcommand(1);
  app.set_version_flag(
      "--version", [] { return hoso::tools::VersionText(); },
      "print the version, the git commit and the library versions, and exit");
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "log progress details to stderr");
  // Logs go to stderr, one line per event (the journal under systemd).
  hoso::tools::LogOptions log_options;
  log_options.journal = hoso::tools::JournalIsStderr();
  hoso::tools::ConfigureLogging(log_options);
  app.parse_complete_callback(
      [&] { spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn); });
  int exit_code = hoso::tools::kExitOk;
  hoso::tools::RegisterDeadline(app, &exit_code);
  hoso::tools::RegisterIngest(app, &exit_code);
  hoso::tools::RegisterKpi(app, &exit_code);
  hoso::tools::RegisterScorecard(app, &exit_code);
  hoso::tools::RegisterHistory(app, &exit_code);
  hoso::tools::RegisterLoadgen(app, &exit_code);
  hoso::tools::RegisterBench(app, &exit_code);
  hoso::tools::RegisterBenchAlerts(app, &exit_code);
  hoso::tools::RegisterAudit(app, &exit_code);
  hoso::tools::RegisterKafkaCommands(app, &exit_code);
  hoso::tools::RegisterHttp(app, &exit_code);
  hoso::tools::RegisterAlerts(app, &exit_code);
  hoso::tools::RegisterPostgres(app, &exit_code);
  hoso::tools::RegisterBackup(app, &exit_code);
  hoso::tools::RegisterImport(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? hoso::tools::kExitOk : hoso::tools::kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hoso: %s\n", e.what());
    return hoso::tools::kExitRuntimeFailure;
  }
  return exit_code;
}
