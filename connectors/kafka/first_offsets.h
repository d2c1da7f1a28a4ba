// The first offset of each partition a consumer is about to read from its
// beginning, asked of the brokers before the assignment.
//
// Why: a partition assigned at the logical offset BEGINNING is resolved by
// librdkafka when its fetch starts, with a request of its own. When the
// partition's leader is not known to the consumer at that moment, which is
// the usual case right after a group assignment, librdkafka 2.0.2 retries
// only after a fixed 500 ms (its log: "no current leader for partition:
// (re)starting offset query timer"), and nothing is fetched meanwhile: a
// fifth to a quarter of a district's restore (BENCHMARKS.md, thirty-first
// session).
// An absolute offset starts the fetch at once.
#ifndef HOSO_CONNECTORS_KAFKA_FIRST_OFFSETS_H_
#define HOSO_CONNECTORS_KAFKA_FIRST_OFFSETS_H_

#include <librdkafka/rdkafka.h>

#include "engine/core/status.h"

namespace hoso::connectors::kafka {

// Replaces the offset of every element of `partitions` that is
// RD_KAFKA_OFFSET_BEGINNING by its partition's first offset (the log start
// offset), asked in one ListOffsets request per leader (timestamp -2,
// "earliest") within `timeout_ms`. Elements with any other offset are left
// alone, and so is an element the brokers answer with an error. Unavailable
// with librdkafka's reason when the request fails as a whole; the list is then
// unchanged. Records deleted by retention between the answer and the first
// fetch make that fetch out of range, and auto.offset.reset (hoso's default:
// earliest) applies.
[[nodiscard]] core::Status ResolveFirstOffsets(rd_kafka_t* client,
                                               rd_kafka_topic_partition_list_t* partitions,
                                               int timeout_ms);

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_FIRST_OFFSETS_H_
