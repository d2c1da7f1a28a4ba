#include "tests/testing/serve_test_config.h"

#include "tests/testing/cli_runner.h"

namespace hoso::testing {

std::string WriteServeConfig(const std::string& path, const std::string& bootstrap,
                             const std::string& group, const std::string& db,
                             const nlohmann::json& extra) {
  nlohmann::json config = {
      {"kafka.bootstrap.servers", bootstrap},
      {"kafka.group.id", group},
      {"kafka.session.timeout.ms", 6000},
      {"kafka.heartbeat.interval.ms", 500},
      {"kafka.fetch.wait.max.ms", 10},
      {"db", db},
      {"clock", "event"},
      // No HTTP listener unless a test asks for one: tests run in parallel
      // and would compete for the default port.
      {"http", {{"listen", ""}}},
  };
  if (extra.is_object()) config.update(extra);
  WriteFile(path, config.dump(2));
  return path;
}

}  // namespace hoso::testing
