// How `hoso serve` joins its consumer group by default (docs/kafka.md
// "Group membership"): static membership (group.instance.id), so an
// instance restarted within session.timeout.ms gets its own partitions
// back and no partition moves, and the cooperative-sticky assignor where
// librdkafka has it right, so a rebalance moves only the partitions that
// must move. Both matter because a partition's state does not move
// with it yet (docs/scale.md): every move avoided is a figure kept whole.
#ifndef HOSO_CONNECTORS_KAFKA_GROUP_MEMBERSHIP_H_
#define HOSO_CONNECTORS_KAFKA_GROUP_MEMBERSHIP_H_

#include <map>
#include <string>

#include "engine/core/status.h"

namespace hoso::connectors::kafka {

// The file, inside the database directory, that holds the instance's
// group.instance.id. Inside, so that it follows the database when the
// directory moves; a file RocksDB's checkpoints leave out, so that a backup
// restored beside the running instance gets an id of its own (two members
// with one id fence each other).
inline constexpr char kInstanceIdFile[] = "HOSO-INSTANCE-ID";

// The database's instance id ("hoso-" and 16 hex digits), created on first
// use and stable after. The caller holds the database's writer lock, so no
// other process creates it meanwhile.
[[nodiscard]] core::Result<std::string> LoadOrCreateInstanceId(const std::string& db_path);

// librdkafka before 2.3.0 (Debian 12 ships 2.0.2) aborts in
// rd_kafka_sticky_assignor_state_destroy when a consumer using
// cooperative-sticky is closed before its first assignment (librdkafka issue
// 4312, fixed by pull request 4381): a serve stopped while it joins would
// dump core. KafkaGroupMembershipTest reproduces it.
inline constexpr int kCooperativeStickyFixedVersion = 0x020300ff;

struct GroupMembership {
  std::string instance_id;  // group.instance.id; "" for dynamic membership
  std::string strategy;     // partition.assignment.strategy in force
  std::string warning;      // for the log, when the configuration asks for trouble
};

// Fills in the membership defaults of a subscribing consumer, leaving what
// the configuration sets:
//  - partition.assignment.strategy: cooperative-sticky with librdkafka >=
//    2.3.0 (`librdkafka_version`, as rd_kafka_version() gives it), else
//    librdkafka's eager default "range,roundrobin" (see above); one set to
//    cooperative-sticky on an older librdkafka is kept, with a warning;
//  - group.instance.id = LoadOrCreateInstanceId(db_path). An empty
//    group.instance.id in the configuration asks for dynamic membership and
//    is removed (librdkafka would reject it).
[[nodiscard]] core::Result<GroupMembership> ApplyGroupMembershipDefaults(
    std::map<std::string, std::string>* properties, const std::string& db_path,
    int librdkafka_version);

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_GROUP_MEMBERSHIP_H_
