// The `hoso` subcommands. Each command file defines one Register* function
// that adds its CLI11 subcommand and the callback running it; the callback
// sets the process exit code (docs/cli.md: 0 ok, 1 runtime failure, 2 bad
// usage or bad input) through `exit_code`.
#ifndef HOSO_TOOLS_HOSO_COMMAND_H_
#define HOSO_TOOLS_HOSO_COMMAND_H_

#include <CLI/CLI.hpp>

namespace hoso::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeFailure = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitVerifyFailed = 3;

void RegisterDeadline(CLI::App& app, int* exit_code);
void RegisterIngest(CLI::App& app, int* exit_code);
void RegisterKpi(CLI::App& app, int* exit_code);
void RegisterScorecard(CLI::App& app, int* exit_code);
void RegisterHistory(CLI::App& app, int* exit_code);
void RegisterLoadgen(CLI::App& app, int* exit_code);
void RegisterBench(CLI::App& app, int* exit_code);
void RegisterAudit(CLI::App& app, int* exit_code);          // replay, verify, audit export|check
void RegisterKafkaCommands(CLI::App& app, int* exit_code);  // broker, produce, serve, demo
void RegisterAlerts(CLI::App& app, int* exit_code);
void RegisterHttp(CLI::App& app, int* exit_code);
void RegisterBenchAlerts(CLI::App& app, int* exit_code);  // `bench alerts`, after RegisterBench
void RegisterPostgres(CLI::App& app, int* exit_code);     // postgres init
void RegisterBackup(CLI::App& app, int* exit_code);       // backup, restore
void RegisterImport(CLI::App& app, int* exit_code);       // import dvcqg

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_COMMAND_H_
