// Batch deltas (docs/storage.md "Column families", "Checkpoints"): a delta
// round-trips through its compressed value at the limits of its fields; a
// delta of the uncompressed format 3 (a store stopped before compression and
// upgraded) still reads; damaged values are Corruption.
#include "projections/batch_delta.h"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "projections/coding.h"
#include "projections/kpi_cells.h"
#include "tests/projections/long_ids.h"

namespace hoso::projections {
namespace {

using testing::LongestId;

struct Seen {
  std::vector<std::pair<std::string, core::KpiCounters>> kpi;
  std::vector<std::pair<std::string, std::optional<OpenSummary>>> open;
};

core::Status Decode(std::string_view value, const core::IdTable& names, Seen* seen) {
  DeltaVisitor visitor;
  visitor.kpi = [&](std::string_view key, const core::KpiCounters& counters) {
    seen->kpi.emplace_back(std::string(key), counters);
  };
  visitor.open = [&](std::string_view id, const OpenSummary* summary) {
    seen->open.emplace_back(std::string(id),
                            summary ? std::optional(*summary) : std::optional<OpenSummary>());
  };
  return DecodeBatchDelta(value, names, visitor);
}

class BatchDeltaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agency_ = names_.Intern("phuong-bach-khoa");
    procedure_ = names_.Intern(LongestId('\x80'));
    for (int i = 0; i < 500; ++i) {
      core::KpiCounters counters;
      for (size_t f = 0; f < counters.values.size(); ++f) {
        counters.values[f] = static_cast<int64_t>(f * i) - 7;
      }
      if (i == 0) counters.values[0] = std::numeric_limits<int64_t>::min();
      if (i == 1) counters.values[1] = std::numeric_limits<int64_t>::max();
      const std::string key = EncodeKpiKey({201901 + i % 12, "phuong-bach-khoa", "P-1", i % 64});
      writer_.AddKpi(key, counters);
      expected_.kpi.emplace_back(key, counters);
    }
    for (int i = 0; i < 300; ++i) {
      const std::string id = "HBT-2019-D00-" + std::to_string(100000 + i);
      if (i % 3 == 0) {
        writer_.AddClosed(id);
        expected_.open.emplace_back(id, std::nullopt);
        continue;
      }
      OpenSummary summary{
          "phuong-bach-khoa",       LongestId('\x80'), core::Instant{int64_t{1546300800000} + i},
          core::LocalMinute{i - 5}, i % 3 == 2,        i % 6 == 5};
      writer_.AddOpen(id, agency_, procedure_, summary.received_at, summary.due_at, summary.paused,
                      summary.paused_late);
      expected_.open.emplace_back(id, summary);
    }
  }

  core::IdTable names_;
  uint32_t agency_ = 0, procedure_ = 0;
  BatchDeltaWriter writer_;
  Seen expected_;
};

TEST_F(BatchDeltaTest, ADeltaRoundTripsThroughItsCompressedValue) {
  const std::string uncompressed = writer_.Take(std::string(1 << 16, 'x'));
  EXPECT_TRUE(writer_.empty());
  std::string buffer;
  const std::string stored(EncodeBatchDelta(uncompressed, &buffer));
  EXPECT_LT(stored.size(), uncompressed.size());
  Seen seen;
  ASSERT_TRUE(Decode(stored, names_, &seen).ok());
  EXPECT_EQ(seen.kpi, expected_.kpi);
  EXPECT_EQ(seen.open, expected_.open);
  // The writer, emptied by Take, starts the next batch afresh.
  writer_.AddClosed("HBT-1");
  Seen next;
  ASSERT_TRUE(Decode(EncodeBatchDelta(writer_.Take({}), &buffer), names_, &next).ok());
  EXPECT_TRUE(next.kpi.empty());
  ASSERT_EQ(next.open.size(), 1u);
  EXPECT_EQ(next.open[0].first, "HBT-1");
}

TEST_F(BatchDeltaTest, TheUncompressedFormatStillReads) {
  const std::string uncompressed = writer_.Take({});
  ASSERT_EQ(uncompressed[0], 3);
  Seen seen;
  ASSERT_TRUE(Decode(uncompressed, names_, &seen).ok());
  EXPECT_EQ(seen.kpi, expected_.kpi);
  EXPECT_EQ(seen.open, expected_.open);
}

TEST_F(BatchDeltaTest, DamagedValuesAreCorruption) {
  const std::string uncompressed = writer_.Take({});
  std::string buffer;
  const std::string good(EncodeBatchDelta(uncompressed, &buffer));
  Reader header(good);
  header.U8();
  const uint64_t size = header.Varint();
  const std::string block(header.Rest());
  auto with_size = [&](uint64_t declared) {
    std::string value(1, '\x04');
    PutVarint(&value, declared);
    return value + block;
  };
  ASSERT_EQ(with_size(size), good);
  for (const std::string& value :
       {good.substr(0, good.size() - 1), with_size(size + 1), with_size(size - 1),
        with_size(uint64_t{1} << 40), std::string(1, '\x04'), std::string(1, '\x05')}) {
    Seen seen;
    const core::Status s = Decode(value, names_, &seen);
    EXPECT_EQ(s.code(), core::StatusCode::kCorruption) << s.ToString();
  }
}

}  // namespace
}  // namespace hoso::projections
