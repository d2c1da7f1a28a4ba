#include "tests/testing/postgres_cluster.h"

#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "tests/testing/cli_runner.h"

namespace hoso::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin/";
constexpr char kUser[] = "hoso_test";

}  // namespace

int PostgresCluster::Run(const std::string& program, const std::vector<std::string>& args,
                         std::string* output) const {
  std::vector<std::string> argv;
  std::string binary = std::string(kBinDir) + program;
  CommandResult result;
  if (as_postgres_user_) {
    argv = {"-u", "postgres", "--", binary};
    argv.insert(argv.end(), args.begin(), args.end());
    result = RunProgram("/usr/sbin/runuser", argv);
  } else {
    result = RunProgram(binary, args);
  }
  if (output != nullptr) *output = result.out + result.err;
  return result.exit_code;
}

std::unique_ptr<PostgresCluster> PostgresCluster::Start(std::string* error) {
  if (!std::filesystem::exists(std::string(kBinDir) + "initdb")) {
    *error = "PostgreSQL 15 is not installed (run tools/install-deps)";
    return nullptr;
  }
  std::unique_ptr<PostgresCluster> cluster(new PostgresCluster());
  std::string pattern = (std::filesystem::temp_directory_path() / "hoso-pg-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    *error = "mkdtemp failed";
    return nullptr;
  }
  cluster->directory_ = pattern;
  if (::geteuid() == 0) {
    const passwd* postgres = ::getpwnam("postgres");
    if (postgres == nullptr) {
      *error = "running as root and there is no postgres user to run the server";
      return nullptr;
    }
    cluster->as_postgres_user_ = true;
    if (::chown(pattern.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
      *error = "cannot give " + pattern + " to the postgres user";
      return nullptr;
    }
  }
  std::string output;
  const std::string data = pattern + "/data";
  if (cluster->Run("initdb", {"--no-sync", "-D", data, "-A", "trust", "-U", kUser, "-E", "UTF8"},
                   &output) != 0) {
    *error = "initdb failed: " + output;
    return nullptr;
  }
  if (!cluster->Restart()) {
    *error = "the server did not start: " + ReadFile(pattern + "/server.log");
    return nullptr;
  }
  return cluster;
}

bool PostgresCluster::Restart() {
  std::string output;
  const std::string options =
      "-k " + directory_ + " -c listen_addresses='' -c fsync=off -c full_page_writes=off";
  running_ = Run("pg_ctl",
                 {"-D", directory_ + "/data", "-o", options, "-l", directory_ + "/server.log", "-w",
                  "-t", "60", "start"},
                 &output) == 0;
  return running_;
}

bool PostgresCluster::Stop() {
  std::string output;
  const bool stopped =
      Run("pg_ctl", {"-D", directory_ + "/data", "-m", "fast", "-w", "stop"}, &output) == 0;
  if (stopped) running_ = false;
  return stopped;
}

PostgresCluster::~PostgresCluster() {
  if (running_) {
    std::string output;
    Run("pg_ctl", {"-D", directory_ + "/data", "-m", "immediate", "-w", "stop"}, &output);
  }
  std::error_code ec;
  std::filesystem::remove_all(directory_, ec);
}

std::string PostgresCluster::Dsn(const std::string& database) const {
  return "host=" + directory_ + " user=" + kUser + " dbname=" + database;
}

bool PostgresCluster::CreateDatabase(const std::string& database, std::string* error) {
  const std::string out = Psql("postgres", "CREATE DATABASE " + database);
  if (out.rfind("error:", 0) == 0) {
    *error = out;
    return false;
  }
  return true;
}

std::string PostgresCluster::Psql(const std::string& database, const std::string& sql) const {
  auto result = RunProgram(
      std::string(kBinDir) + "psql",
      {"-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", Dsn(database), "-c", sql});
  if (result.exit_code != 0) return "error: " + result.err;
  return result.out;
}

}  // namespace hoso::testing
