// What a `hoso -v serve` log says about its consumer group membership.
#ifndef HOSO_TESTS_TESTING_SERVE_LOG_H_
#define HOSO_TESTS_TESTING_SERVE_LOG_H_

#include <string>

namespace hoso::testing {

// The partitions a serve currently owns, from its last "assigned/revoked ...
// now N in total" log line (KafkaEventSource logs one per rebalance step at
// info level, hence `hoso -v serve`); -1 before the first.
int OwnedPartitions(const std::string& log_path);

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_SERVE_LOG_H_
