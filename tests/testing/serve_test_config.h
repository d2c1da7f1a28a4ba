// The `hoso serve` config the Kafka tests run with: the quick settings of the
// embedded setup (session.timeout.ms 6000, heartbeat 500 ms, fetch wait 10 ms;
// docs/kafka.md "The embedded broker"), the event-time clock, so figures equal a file ingest, and
// no HTTP listener.
#ifndef HOSO_TESTS_TESTING_SERVE_TEST_CONFIG_H_
#define HOSO_TESTS_TESTING_SERVE_TEST_CONFIG_H_

#include <nlohmann/json.hpp>
#include <string>

namespace hoso::testing {

// Writes the config to `path` and returns `path`. Keys of `extra` (an object,
// or null for none) are added or replace the defaults.
std::string WriteServeConfig(const std::string& path, const std::string& bootstrap,
                             const std::string& group, const std::string& db,
                             const nlohmann::json& extra = nullptr);

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_SERVE_TEST_CONFIG_H_
