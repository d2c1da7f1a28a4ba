// Test helpers: run the built `hoso` binary (HOSO_CLI) and make temp dirs.
#ifndef HOSO_TESTS_TESTING_CLI_RUNNER_H_
#define HOSO_TESTS_TESTING_CLI_RUNNER_H_

#include <string>
#include <vector>

namespace hoso::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `hoso` with `args` (no shell), capturing stdout and stderr.
CommandResult RunHoso(const std::vector<std::string>& args);
// Runs an arbitrary program (no shell); `env` entries ("NAME=value") are
// added to the child's environment.
CommandResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {});
CommandResult RunHosoWithEnv(const std::vector<std::string>& args,
                             const std::vector<std::string>& env);

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string SourcePath(const std::string& relative);  // HOSO_SOURCE_DIR + "/" + relative
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_CLI_RUNNER_H_
