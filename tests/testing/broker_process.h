// `hoso broker` (the embedded Kafka broker) in its own process for a test,
// with the bootstrap address it writes to a file in the test's directory.
#ifndef HOSO_TESTS_TESTING_BROKER_PROCESS_H_
#define HOSO_TESTS_TESTING_BROKER_PROCESS_H_

#include <string>

#include "tests/testing/child_process.h"
#include "tests/testing/cli_runner.h"

namespace hoso::testing {

class BrokerProcess {
 public:
  // Starts `hoso broker --partitions N` with its log in dir/broker.log and
  // waits (up to 20 s) for its bootstrap file; bootstrap() is empty if it
  // never came.
  explicit BrokerProcess(const TempDir& dir, int partitions = 8);
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  std::string file_;
  Child child_;
  std::string bootstrap_;
};

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_BROKER_PROCESS_H_
