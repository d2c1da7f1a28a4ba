#include "tests/testing/broker_process.h"

#include <chrono>
#include <filesystem>
#include <fstream>

namespace hoso::testing {

BrokerProcess::BrokerProcess(const TempDir& dir, int partitions)
    : file_(dir.File("bootstrap")),
      child_({HOSO_CLI, "broker", "--partitions", std::to_string(partitions), "--bootstrap-file",
              file_},
             dir.File("broker.log")) {
  if (!WaitFor([&] { return std::filesystem::exists(file_); }, std::chrono::seconds(20))) return;
  std::ifstream in(file_);
  std::getline(in, bootstrap_);
}

}  // namespace hoso::testing
