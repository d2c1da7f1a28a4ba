// Every stored layout of projections/records.h round-trips at the limits the
// codec allows: ids of 128 characters of four bytes each (512 bytes), every
// counter and instant at its extreme (issue 8, defect 1).
#include "projections/records.h"

#include <gtest/gtest.h>

#include <limits>

namespace hoso::projections {
namespace {

// The longest id the codec accepts: 128 characters of 4 bytes in UTF-8.
std::string LongestId(char last) {
  std::string id;
  for (int i = 0; i < 127; ++i) id += "\xF0\x9F\x98\x80";  // U+1F600
  id += std::string("\xF0\x9F\x98") + last;
  return id;
}

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(RecordsTest, EventKeyKeepsA512ByteIdWhole) {
  const std::string id = LongestId('\x80');
  ASSERT_EQ(id.size(), 512u);
  auto key = DecodeEventKey(EventKey(id, 0xFFFFFFFFu));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->first, id);
  EXPECT_EQ(key->second, 0xFFFFFFFFu);
  // Keys of one dossier share the prefix, and no other dossier's key starts with it.
  EXPECT_EQ(EventKey(id, 7).rfind(EventKeyPrefix(id), 0), 0u);
  EXPECT_NE(EventKey(LongestId('\x81'), 7).rfind(EventKeyPrefix(id), 0), 0u);
}

TEST(RecordsTest, LoggedEventRoundTripsAtItsLimits) {
  LoggedEvent event;
  event.global_sequence = std::numeric_limits<uint64_t>::max();
  event.derived = true;
  event.partition = -1;
  event.offset = kMin;
  event.chain_hash = std::string(32, '\xff');
  event.bytes = std::string(64 * 1024, 'x');
  auto decoded = DecodeLoggedEvent(EncodeLoggedEvent(event));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->global_sequence, event.global_sequence);
  EXPECT_TRUE(decoded->derived);
  EXPECT_EQ(decoded->partition, -1);
  EXPECT_EQ(decoded->offset, kMin);
  EXPECT_EQ(decoded->chain_hash, event.chain_hash);
  EXPECT_EQ(decoded->bytes, event.bytes);
}

TEST(RecordsTest, DossierStateRoundTripsWithEveryIdAtItsLimit) {
  core::DossierState s;
  s.dossier_id = LongestId('\x80');
  s.status = core::DossierStatus::kPaused;
  s.finish = core::FinishKind::kRejected;
  s.receiving_agency_id = LongestId('\x81');
  s.holder_agency_id = LongestId('\x82');
  s.procedure_id = LongestId('\x83');
  s.channel = core::Channel::kOnline;
  s.online_level = 4;
  s.one_stop = false;
  s.received_at = core::Instant{kMin};
  s.effective_start = core::LocalMinute{kMax};
  s.initial_due_at = core::LocalMinute{kMin};
  s.budget_minutes = kMax;
  s.due_at = core::LocalMinute{kMax};
  s.paused_at = core::LocalMinute{kMin};
  s.remaining_minutes = kMax;
  s.paused_late = true;
  s.supplement_requests = std::numeric_limits<int32_t>::max();
  s.apology_count = std::numeric_limits<int32_t>::max();
  s.first_apology_timely = true;
  s.promised_due_at = core::LocalMinute{kMax};
  s.overdue_logged = true;
  s.finished_at = core::Instant{kMax};
  s.classified_at = core::LocalMinute{kMin};
  s.classification = core::Classification::kLate;
  s.last_event_at = core::Instant{kMax};
  s.event_count = std::numeric_limits<uint32_t>::max();
  s.chain_head = std::string(32, '\0');
  for (int kind = 0; kind < 3; ++kind) {
    s.timers.push_back(core::TimerSpec{static_cast<core::AlertKind>(kind),
                                       core::LocalMinute{kMin + kind}, core::LocalMinute{kMax}});
  }
  auto decoded = DecodeDossierState(EncodeDossierState(s));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(EncodeDossierState(*decoded), EncodeDossierState(s));
  EXPECT_EQ(decoded->dossier_id, s.dossier_id);
  EXPECT_EQ(decoded->procedure_id, s.procedure_id);
  EXPECT_EQ(decoded->timers, s.timers);
}

TEST(RecordsTest, KpiKeyAndCountersRoundTripAtTheirLimits) {
  KpiKey key{999912, LongestId('\x80'), LongestId('\x81'), std::numeric_limits<int32_t>::min()};
  auto decoded = DecodeKpiKey(EncodeKpiKey(key));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, key);
  // Keys sort by month first, whatever the id lengths.
  KpiKey earlier{999911, LongestId('\x81'), "", 0};
  EXPECT_LT(EncodeKpiKey(earlier), EncodeKpiKey(key));
  core::KpiCounters counters;
  for (size_t i = 0; i < counters.values.size(); ++i) counters.values[i] = i % 2 ? kMax : kMin;
  auto back = DecodeKpiCounters(EncodeKpiCounters(counters));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, counters);
}

TEST(RecordsTest, TimerAndHeadKeysKeepA512ByteId) {
  const std::string id = LongestId('\x80');
  core::TimerSpec timer{core::AlertKind::kApologyDue, core::LocalMinute{kMin},
                        core::LocalMinute{kMax}};
  auto decoded = DecodeTimerKey(EncodeTimerKey(timer, id));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->first, timer);
  EXPECT_EQ(decoded->second, id);
  auto head = DecodeHeadKey(EncodeHeadKey(202612, id));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->first, 202612);
  EXPECT_EQ(head->second, id);
}

TEST(RecordsTest, TruncatedRecordsAreCorruptionNotGarbage) {
  core::DossierState s;
  s.dossier_id = LongestId('\x80');
  const std::string encoded = EncodeDossierState(s);
  for (size_t cut : {size_t{1}, size_t{2}, encoded.size() / 2, encoded.size() - 1}) {
    auto decoded = DecodeDossierState(std::string_view(encoded).substr(0, cut));
    EXPECT_FALSE(decoded.ok()) << "cut at " << cut;
  }
  EXPECT_FALSE(DecodeEventKey(EventKey(s.dossier_id, 1).substr(0, 100)).ok());
}

}  // namespace
}  // namespace hoso::projections
