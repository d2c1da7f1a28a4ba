// `cmake --install` of this build into a temporary prefix, then the
// installed binary run from a scratch directory with nothing read from the
// source or build tree: --version, deadline, and a loadgen year ingested and
// queried with the installed reference data, its alerts validated against
// the installed schema; the man page, the bash completion and the systemd
// unit (its paths follow the prefix).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::CommandResult;
using testing::RunProgram;
using testing::TempDir;

// Runs `program args...` in `dir` (through /bin/sh, which only changes
// directory: the words are passed as positional parameters, never parsed).
CommandResult RunIn(const std::string& dir, const std::string& program,
                    const std::vector<std::string>& args) {
  std::vector<std::string> words = {"-c", "cd \"$0\" && exec \"$@\"", dir, program};
  words.insert(words.end(), args.begin(), args.end());
  // A PATH without the build tree: the installed binary names itself by path.
  return RunProgram("/bin/sh", words, {"PATH=/usr/bin:/bin"});
}

class InstallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prefix_ = new TempDir();
    install_ = new CommandResult(RunProgram(
        HOSO_CMAKE_COMMAND, {"--install", HOSO_BINARY_DIR, "--prefix", prefix_->path()}));
  }
  static void TearDownTestSuite() {
    delete install_;
    delete prefix_;
  }
  void SetUp() override { ASSERT_EQ(install_->exit_code, 0) << install_->out << install_->err; }
  static std::string At(const std::string& relative) { return prefix_->path() + "/" + relative; }
  static std::string Hoso() { return At("bin/hoso"); }
  static std::vector<std::string> Reference() {
    return {"--calendar", At("share/hoso/reference/calendar-vn.json"),
            "--catalog",  At("share/hoso/reference/hbt-2019-procedures.json"),
            "--agencies", At("share/hoso/reference/hbt-2019-agencies.json")};
  }
  static TempDir* prefix_;
  static CommandResult* install_;
};
TempDir* InstallTest::prefix_ = nullptr;
CommandResult* InstallTest::install_ = nullptr;

TEST_F(InstallTest, PutsEveryFileUnderThePrefix) {
  for (const char* file :
       {"bin/hoso", "etc/hoso/hoso.json", "lib/systemd/system/hoso.service",
        "share/hoso/reference/calendar-vn.json", "share/hoso/reference/hbt-2019-procedures.json",
        "share/hoso/reference/hbt-2019-agencies.json", "share/hoso/schemas/envelope.schema.json",
        "share/hoso/schemas/alert.schema.json", "share/hoso/schemas/events/received.schema.json",
        "share/man/man1/hoso.1.gz", "share/bash-completion/completions/hoso",
        "share/doc/hoso/README.md", "share/doc/hoso/operations.md",
        "share/doc/hoso/examples/hoso.example.json"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(At(file))) << file;
  }
  // The codec's sources are not data.
  EXPECT_FALSE(std::filesystem::exists(At("share/hoso/schemas/codec")));
}

TEST_F(InstallTest, VersionNamesTheCommitAndTheLibraries) {
  TempDir work;
  auto version = RunIn(work.path(), Hoso(), {"--version"});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(version.out.rfind(std::string("hoso ") + HOSO_PROJECT_VERSION + " (commit ", 0), 0u)
      << version.out;
  EXPECT_EQ(version.out.find("(commit unknown)"), std::string::npos) << version.out;
  for (const char* library : {"\nlibrdkafka 2.", "\nRocksDB 7.", "\nsimdjson 3."}) {
    EXPECT_NE(version.out.find(library), std::string::npos) << library << "\n" << version.out;
  }
}

TEST_F(InstallTest, DeadlineWithTheInstalledCalendar) {
  TempDir work;
  std::vector<std::string> args = {"deadline", "--received", "2019-04-12T10:00:00+07:00",
                                   "--working-days", "3"};
  for (const std::string& arg : Reference()) args.push_back(arg);
  auto installed = RunIn(work.path(), Hoso(), args);
  ASSERT_EQ(installed.exit_code, 0) << installed.err;
  // The same answer as the build's compiled-in calendar: the files are the ones it embeds.
  auto built = testing::RunHoso(
      {"deadline", "--received", "2019-04-12T10:00:00+07:00", "--working-days", "3"});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(installed.out, built.out);
  EXPECT_FALSE(installed.out.empty());
}

TEST_F(InstallTest, IngestAndKpiWithTheInstalledReferenceDataAndSchemas) {
  TempDir work;
  std::vector<std::string> gen = {"loadgen", "--out",      "year.jsonl", "--seed",
                                  "5",       "--dossiers", "1500"};
  for (const std::string& arg : Reference()) gen.push_back(arg);
  auto generated = RunIn(work.path(), Hoso(), gen);
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  std::vector<std::string> ingest = {"ingest", "--events", "year.jsonl",
                                     "--db",   "db",       "--no-progress"};
  for (const std::string& arg : Reference()) ingest.push_back(arg);
  auto ingested = RunIn(work.path(), Hoso(), ingest);
  ASSERT_EQ(ingested.exit_code, 0) << ingested.err;
  std::vector<std::string> kpi = {"kpi", "--db", "db", "--period", "2019", "--format", "json"};
  for (const std::string& arg : Reference()) kpi.push_back(arg);
  auto figures = RunIn(work.path(), Hoso(), kpi);
  ASSERT_EQ(figures.exit_code, 0) << figures.err;
  auto json = nlohmann::json::parse(figures.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << figures.out;
  EXPECT_NE(figures.out.find("\"received\""), std::string::npos) << figures.out;
  // The build's binary with its compiled-in data reads the same figures.
  auto built =
      testing::RunHoso({"kpi", "--db", work.File("db"), "--period", "2019", "--format", "json"});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(figures.out, built.out);

  // The alerts it raised validate against the installed alert schema.
  auto alerts = RunIn(work.path(), Hoso(), {"alerts", "--db", "db", "--format", "json"});
  ASSERT_EQ(alerts.exit_code, 0) << alerts.err;
  testing::WriteFile(work.File("alerts.json"), alerts.out);
  auto valid = RunProgram("/usr/bin/python3",
                          {testing::SourcePath("tests/integration/validate_alerts.py"),
                           At("share/hoso/schemas/alert.schema.json"), work.File("alerts.json")});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
}

TEST_F(InstallTest, TheUnitRunsTheInstalledBinaryWithTheInstalledConfig) {
  const std::string unit = testing::ReadFile(At("lib/systemd/system/hoso.service"));
  EXPECT_NE(
      unit.find("\nExecStart=" + Hoso() + " serve --config " + At("etc/hoso/hoso.json") + "\n"),
      std::string::npos)
      << unit;
  for (const char* line : {"\nRestart=on-failure\n", "\nAfter=network-online.target\n",
                           "\nProtectSystem=strict\n", "\nReadWritePaths=/var/lib/hoso\n",
                           "\nNoNewPrivileges=yes\n", "\nPrivateTmp=yes\n", "\nUser=hoso\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
  // The installed config parses (serve checks it before anything else; a
  // bad one exits 2 at once, an unreachable broker does not).
  const std::string config = testing::ReadFile(At("etc/hoso/hoso.json"));
  EXPECT_NE(config.find("\"db\": \"/var/lib/hoso/db\""), std::string::npos) << config;
}

TEST_F(InstallTest, ManPageAndBashCompletionDescribeEveryCommand) {
  TempDir work;
  auto page = RunProgram("/bin/sh", {"-c", "gzip -dc \"$0\"", At("share/man/man1/hoso.1.gz")});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  for (const char* text : {".SH COMMANDS", "hoso serve", "hoso backup", "hoso audit export",
                           ".SH FILES", "/etc/hoso/hoso.json"}) {
    EXPECT_NE(page.out.find(text), std::string::npos) << text;
  }
  // Completing "hoso se" offers serve; "hoso backup --" offers --db and --out.
  const std::string completion = At("share/bash-completion/completions/hoso");
  auto complete = [&](const std::string& line) {
    auto result = RunProgram(
        "/bin/bash",
        {"-c",
         "source \"$0\"; COMP_WORDS=($1); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); "
         "[[ $1 == *' ' ]] && COMP_WORDS+=('') && COMP_CWORD=$((COMP_CWORD + 1)); _hoso; "
         "printf '%s\\n' \"${COMPREPLY[@]}\"",
         completion, line});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  };
  EXPECT_NE(complete("hoso se").find("serve\n"), std::string::npos) << complete("hoso se");
  const std::string backup = complete("hoso backup --");
  EXPECT_NE(backup.find("--db\n"), std::string::npos) << backup;
  EXPECT_NE(backup.find("--out\n"), std::string::npos) << backup;
  EXPECT_NE(complete("hoso audit ").find("export\n"), std::string::npos);
}

}  // namespace
}  // namespace hoso
