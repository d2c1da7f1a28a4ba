#include "tools/hoso/self_command.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace hoso::tools {

std::string ShellQuote(const std::string& text) {
  bool safe = !text.empty();
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("_./:=@%+,-").find(c) != std::string_view::npos;
    safe = safe && ok;
  }
  if (safe) return text;
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted.append("'\\''");
    } else {
      quoted.push_back(c);
    }
  }
  quoted.push_back('\'');
  return quoted;
}

std::string SelfCommand() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "hoso";  // no /proc: the best guess left
  const char* path_env = std::getenv("PATH");
  if (path_env != nullptr) {
    std::stringstream dirs(path_env);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (dir.empty()) continue;  // the current directory: not what "hoso" means in a shell
      const fs::path candidate = fs::path(dir) / "hoso";
      if (::access(candidate.c_str(), X_OK) != 0) continue;
      // The first executable "hoso" on PATH is what a shell runs.
      return fs::equivalent(candidate, self, ec) ? "hoso" : ShellQuote(self.string());
    }
  }
  return ShellQuote(self.string());
}

}  // namespace hoso::tools
