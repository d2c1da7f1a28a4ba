// serve's consumer-group membership defaults (connectors/kafka/
// group_membership.h): what a configuration sets is kept, the instance id
// lives in the database directory and survives a restart, and the assignor
// follows the librdkafka version.
#include "connectors/kafka/group_membership.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/cli_runner.h"

namespace hoso::connectors::kafka {
namespace {

using testing::TempDir;

constexpr int kDebian12Librdkafka = 0x020002ff;  // 2.0.2
constexpr int kFixedLibrdkafka = 0x020300ff;     // 2.3.0

TEST(GroupMembershipTest, TheInstanceIdIsMadeOnceAndKeptInTheDatabaseDirectory) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("db"));
  auto first = LoadOrCreateInstanceId(dir.File("db"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->starts_with("hoso-")) << *first;
  EXPECT_EQ(first->size(), 21u);
  auto again = LoadOrCreateInstanceId(dir.File("db"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  // Another database, another member.
  std::filesystem::create_directories(dir.File("other"));
  auto other = LoadOrCreateInstanceId(dir.File("other"));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *first);
}

TEST(GroupMembershipTest, ADamagedIdFileIsAnErrorNamingIt) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("db"));
  testing::WriteFile(dir.File("db/HOSO-INSTANCE-ID"), "someone's edit\n");
  auto id = LoadOrCreateInstanceId(dir.File("db"));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(id.status().message().find("HOSO-INSTANCE-ID"), std::string::npos)
      << id.status().message();
}

TEST(GroupMembershipTest, DefaultsFollowTheLibrdkafkaVersionAndKeepWhatIsConfigured) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("db"));
  std::map<std::string, std::string> old_library = {{"group.id", "g"}};
  auto membership = ApplyGroupMembershipDefaults(&old_library, dir.File("db"), kDebian12Librdkafka);
  ASSERT_TRUE(membership.ok()) << membership.status().ToString();
  // 2.0.2 aborts closing a cooperative-sticky consumer before its first
  // assignment: the eager default instead, static membership all the same.
  EXPECT_EQ(old_library["partition.assignment.strategy"], "range,roundrobin");
  EXPECT_EQ(membership->strategy, "range,roundrobin");
  EXPECT_EQ(old_library["group.instance.id"], membership->instance_id);
  EXPECT_TRUE(membership->warning.empty());

  std::map<std::string, std::string> fixed_library = {{"group.id", "g"}};
  membership = ApplyGroupMembershipDefaults(&fixed_library, dir.File("db"), kFixedLibrdkafka);
  ASSERT_TRUE(membership.ok());
  EXPECT_EQ(fixed_library["partition.assignment.strategy"], "cooperative-sticky");
  EXPECT_EQ(fixed_library["group.instance.id"], old_library["group.instance.id"]);

  // Set by the operator: kept; cooperative-sticky on 2.0.2 with a warning.
  std::map<std::string, std::string> configured = {
      {"partition.assignment.strategy", "cooperative-sticky"}, {"group.instance.id", "node-1"}};
  membership = ApplyGroupMembershipDefaults(&configured, dir.File("db"), kDebian12Librdkafka);
  ASSERT_TRUE(membership.ok());
  EXPECT_EQ(configured["partition.assignment.strategy"], "cooperative-sticky");
  EXPECT_EQ(configured["group.instance.id"], "node-1");
  EXPECT_EQ(membership->instance_id, "node-1");
  EXPECT_NE(membership->warning.find("4312"), std::string::npos) << membership->warning;

  // An empty group.instance.id asks for dynamic membership.
  std::map<std::string, std::string> dynamic = {{"group.instance.id", ""}};
  membership = ApplyGroupMembershipDefaults(&dynamic, dir.File("db"), kFixedLibrdkafka);
  ASSERT_TRUE(membership.ok());
  EXPECT_EQ(dynamic.count("group.instance.id"), 0u);
  EXPECT_TRUE(membership->instance_id.empty());
}

}  // namespace
}  // namespace hoso::connectors::kafka
