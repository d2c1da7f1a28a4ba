// `hoso bench kafka` on a small run: the summary a user records in
// BENCHMARKS.md is complete and consistent (no timing is judged here:
// targets are checked by running the benchmark itself).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;

TEST(BenchKafkaTest, ASmallRunReportsEveryEventAppliedAndItsCost) {
  auto result = RunHoso({"bench", "kafka", "--events", "3000", "--partitions", "8",
                         "--latency-seconds", "1", "--latency-rate", "100"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json summary = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << result.out;
  EXPECT_EQ(summary["events"], 3000);
  EXPECT_EQ(summary["engine_applied"], 3000);
  EXPECT_EQ(summary["engine_rejected"], 0);
  EXPECT_GT(summary["engine_end_to_end_events_per_s"].get<double>(), 0);
  // Every thread's CPU in (b), in microseconds per event: more than nothing,
  // and under 10 ms (3,000 events take a few seconds in all).
  const double cpu_us = summary["engine_process_cpu_us_per_event"].get<double>();
  EXPECT_GT(cpu_us, 0);
  EXPECT_LT(cpu_us, 10000);
  EXPECT_GT(summary["engine_kpi_messages"].get<int>(), 0);
  EXPECT_GT(summary["latency_samples"].get<int>(), 0);
  EXPECT_EQ(summary["input_compression"], "none");
}

// Input written compressed, as docs/kafka.md "Compression" recommends: the
// raw consumer and the engine read every event of it.
TEST(BenchKafkaTest, CompressedInputIsReadInFull) {
  auto result =
      RunHoso({"bench", "kafka", "--events", "3000", "--partitions", "8", "--latency-seconds", "1",
               "--latency-rate", "100", "--input-compression", "lz4"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json summary = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << result.out;
  EXPECT_EQ(summary["input_compression"], "lz4");
  EXPECT_EQ(summary["engine_applied"], 3000);
  EXPECT_EQ(summary["engine_rejected"], 0);
  EXPECT_GT(summary["latency_samples"].get<int>(), 0);
}

TEST(BenchKafkaTest, AnUnknownCompressionIsRefused) {
  auto result = RunHoso({"bench", "kafka", "--input-compression", "brotli"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("brotli not in"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace hoso
