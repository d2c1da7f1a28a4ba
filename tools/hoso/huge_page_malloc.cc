#include "tools/hoso/huge_page_malloc.h"

#include <limits.h>
#include <unistd.h>

#include <array>
#include <cstdlib>

namespace hoso::tools {

namespace {

constexpr std::string_view kTunable = "glibc.malloc.hugetlb";
constexpr std::array<std::string_view, 7> kHeavyCommands = {"serve", "ingest", "replay", "demo",
                                                            "bench", "broker", "http"};

// The subcommand: the first argument that is not an option (hoso's own
// options, -v and --version, take no value).
std::string_view Subcommand(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-') return argv[i];
  }
  return {};
}

}  // namespace

std::optional<std::string> HugePageTunables(std::string_view command, const char* current) {
  bool heavy = false;
  for (std::string_view name : kHeavyCommands) heavy = heavy || name == command;
  if (!heavy) return std::nullopt;
  const std::string_view tunables = current == nullptr ? "" : current;
  if (tunables.find(kTunable) != std::string_view::npos) return std::nullopt;
  // First: glibc parses the variable in place, and what /proc/PID/environ
  // shows of it afterwards is its first tunable (how a test sees it).
  std::string value(kTunable);
  value += "=1";
  if (!tunables.empty()) value.append(":").append(tunables);
  return value;
}

void ReexecWithHugePageMalloc(int argc, char** argv) {
  const char* current = std::getenv("GLIBC_TUNABLES");
  const std::optional<std::string> tunables = HugePageTunables(Subcommand(argc, argv), current);
  if (!tunables) return;
  // By its own path, not /proc/self/exe: the process's name (ps, top, the
  // journal) comes from the path executed.
  std::array<char, PATH_MAX> path{};
  const ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (length <= 0) return;
  const std::string previous = current == nullptr ? "" : current;
  if (::setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0) return;
  ::execv(path.data(), argv);
  // Not executed (no /proc, or the binary was replaced since it started):
  // run as it is, with the environment as it was.
  if (current == nullptr) {
    ::unsetenv("GLIBC_TUNABLES");
  } else {
    ::setenv("GLIBC_TUNABLES", previous.c_str(), 1);
  }
}

}  // namespace hoso::tools
