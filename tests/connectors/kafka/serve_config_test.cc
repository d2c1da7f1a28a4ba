#include "connectors/kafka/serve_config.h"

#include <gtest/gtest.h>

#include <string>

namespace hoso::connectors::kafka {
namespace {

TEST(ServeConfigTest, TheShippedExampleParses) {
  auto config =
      LoadServeConfig(std::string(HOSO_SOURCE_DIR) + "/connectors/kafka/hoso.example.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->http.listen, "127.0.0.1:8080");
  EXPECT_EQ(config->http.refresh_ms, 1000);
  EXPECT_EQ(config->http.ready_max_lag, 10000);
}

TEST(ServeConfigTest, HttpKeysAreValidatedAndPathsResolvedAgainstTheConfig) {
  const std::string base = R"("kafka.bootstrap.servers": "b", "kafka.group.id": "g", "db": "d")";
  auto config = ParseServeConfig(
      "{" + base +
          R"(, "http": {"listen": "0.0.0.0:9000", "token_file": "token", "port_file": "/run/p"}})",
      "/etc/hoso");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->http.listen, "0.0.0.0:9000");
  EXPECT_EQ(config->http.token_file, "/etc/hoso/token");
  EXPECT_EQ(config->http.port_file, "/run/p");

  auto legacy = ParseServeConfig("{" + base + R"(, "http_port": 8081})");
  ASSERT_TRUE(legacy.ok()) << legacy.status().ToString();
  EXPECT_EQ(legacy->http.listen, "127.0.0.1:8081");
  auto by_default = ParseServeConfig("{" + base + "}");
  ASSERT_TRUE(by_default.ok());
  EXPECT_EQ(by_default->http.listen, "127.0.0.1:8080");
  EXPECT_FALSE(by_default->http.listen_configured);
  auto off = ParseServeConfig("{" + base + R"(, "http": {"listen": ""}})");
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->http.listen.empty());
  EXPECT_TRUE(off->http.listen_configured);

  for (const char* bad : {R"("http": {"lisen": "127.0.0.1:1"})", R"("http": {"refresh_ms": -1})",
                          R"("http": "127.0.0.1:8080")", R"("http": {"ready_max_lag": "many"})"}) {
    auto parsed = ParseServeConfig("{" + base + ", " + bad + "}");
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("http"), std::string::npos)
        << parsed.status().ToString();
  }
}

// Issue 11: sinks.postgres.dsn turns the PostgreSQL BI sink on; typos fail.
TEST(ServeConfigTest, PostgresSinkDsnIsReadAndItsKeysChecked) {
  const std::string base = R"("kafka.bootstrap.servers": "b", "kafka.group.id": "g", "db": "d")";
  auto config = ParseServeConfig("{" + base + R"(, "sinks": {"postgres": {"dsn": "dbname=bi"}}})");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->postgres_dsn, "dbname=bi");
  auto off = ParseServeConfig("{" + base + "}");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->postgres_dsn, "");
  for (const char* bad :
       {R"("sinks": {"postgre": {"dsn": "x"}})", R"("sinks": {"postgres": {"dns": "x"}})",
        R"("sinks": {"postgres": {"dsn": ""}})", R"("sinks": {"postgres": 1})"}) {
    auto refused = ParseServeConfig("{" + base + ", " + bad + "}");
    EXPECT_FALSE(refused.ok()) << bad;
  }
}

// Issue 14: topics.dvcqg turns the sync-record bridge on; its mapping is a
// path beside the config; settings that could only misfire are refused.
TEST(ServeConfigTest, DvcqgTopicAndMappingAreReadAndMisusesRefused) {
  const std::string base = R"("kafka.bootstrap.servers": "b", "kafka.group.id": "g", "db": "d")";
  auto config = ParseServeConfig(
      "{" + base + R"(, "topics": {"dvcqg": "sync"}, "dvcqg": {"mapping": "site.json"}})",
      "/etc/hoso");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->dvcqg_topic, "sync");
  EXPECT_EQ(config->dvcqg_mapping_path, "/etc/hoso/site.json");
  EXPECT_EQ(config->dvcqg_checkpoint_interval_ms, 60000);
  auto every_second = ParseServeConfig(
      "{" + base + R"(, "topics": {"dvcqg": "sync"}, "dvcqg": {"checkpoint_interval_ms": 1000}})");
  ASSERT_TRUE(every_second.ok()) << every_second.status().ToString();
  EXPECT_EQ(every_second->dvcqg_checkpoint_interval_ms, 1000);
  auto off = ParseServeConfig("{" + base + "}");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->dvcqg_topic, "");
  for (const char* bad :
       {R"("dvcqg": {"mapping": "site.json"})", R"("topics": {"dvcqg": "hoso.dossier-events"})",
        R"("topics": {"dvcqg": "hoso.dead-letter"})",
        R"("topics": {"dvcqg": "s"}, "dvcqg": {"maping": "x"})",
        R"("topics": {"dvcqg": "s"}, "dvcqg": {"mapping": ""})",
        R"("topics": {"dvcqg": "s"}, "dvcqg": {"checkpoint_interval_ms": 10})",
        R"("dvcqg": {"checkpoint_interval_ms": 5000})"}) {
    auto refused = ParseServeConfig("{" + base + ", " + bad + "}");
    EXPECT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("dvcqg"), std::string::npos)
        << refused.status().ToString();
  }
}

TEST(ServeConfigTest, LogKeysChooseTheFormatAndLevelAndRefuseOthers) {
  const std::string base = R"("kafka.bootstrap.servers": "b", "kafka.group.id": "g", "db": "d")";
  auto by_default = ParseServeConfig("{" + base + "}");
  ASSERT_TRUE(by_default.ok());
  EXPECT_EQ(by_default->log.format, "text");
  EXPECT_EQ(by_default->log.level, "warn");
  auto json = ParseServeConfig("{" + base + R"(, "log": {"format": "json", "level": "info"}})");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->log.format, "json");
  EXPECT_EQ(json->log.level, "info");
  for (const char* bad : {R"("log": {"format": "xml"})", R"("log": {"level": "trace"})",
                          R"("log": {"colour": true})", R"("log": "json")"}) {
    auto parsed = ParseServeConfig("{" + base + ", " + bad + "}");
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("log"), std::string::npos)
        << parsed.status().ToString();
  }
}

}  // namespace
}  // namespace hoso::connectors::kafka
