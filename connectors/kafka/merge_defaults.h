// Defaults of the event-time merge of Kafka partitions (docs/kafka.md
// "Event-time order across partitions"), written once for the two places
// that take them: the consumer's KafkaSourceOptions (what `hoso demo` and the
// benchmarks use) and `hoso serve`'s ServeConfig (what a config file leaves
// out), so that the two cannot disagree.
#ifndef HOSO_CONNECTORS_KAFKA_MERGE_DEFAULTS_H_
#define HOSO_CONNECTORS_KAFKA_MERGE_DEFAULTS_H_

namespace hoso::connectors::kafka {

// A partition that has received nothing for this long, in ms, stops holding
// the merge back.
inline constexpr int kDefaultIdlePartitionMs = 500;
// Most records the merge holds back (memory bound; docs/kafka.md weighs
// restore speed against memory).
inline constexpr int kDefaultMergeMaxHeldRecords = 400000;

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_MERGE_DEFAULTS_H_
