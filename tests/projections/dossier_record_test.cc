// A dossier's stored record round-trips at every limit (issue 8, defect 1:
// ids of 128 four-byte characters), truncation is Corruption, and a record
// is found in the open family first, then the finished one.
#include "projections/dossier_record.h"

#include <gtest/gtest.h>

#include <limits>

#include "projections/memory_kv_store.h"
#include "projections/meta.h"
#include "tests/projections/long_ids.h"

namespace hoso::projections {
namespace {

using testing::LongestId;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

core::DossierState ExtremeState(core::IdTable* ids) {
  core::DossierState s;
  s.status = core::DossierStatus::kPaused;
  s.finish = core::FinishKind::kRejected;
  s.receiving_agency = ids->Intern(LongestId('\x81'));
  s.holder_agency = ids->Intern(LongestId('\x82'));
  s.procedure = ids->Intern(LongestId('\x83'));
  s.channel = core::Channel::kOnline;
  s.online_level = 4;
  s.one_stop = false;
  s.received_at = core::Instant{kMin};
  s.effective_start = core::LocalMinute{kMax};
  s.initial_due_at = core::LocalMinute{kMin};
  s.budget_minutes = kMax;
  s.due_at = core::LocalMinute{kMax};
  s.lead_timers = true;
  s.due_soon_fires_at = core::LocalMinute{kMin};
  s.apology_due_fires_at = core::LocalMinute{kMax};
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
  s.first_log_sequence = 1;
  s.last_log_sequence = std::numeric_limits<uint64_t>::max();
  s.chain_head.fill(0xAB);
  // More appointments than the ledger keeps inline.
  for (int i = 0; i < 5; ++i) {
    s.raised.Add(static_cast<core::AlertKind>(i), core::LocalMinute{kMin + i});
    s.raised.Add(core::AlertKind::kOverdue, core::LocalMinute{kMin + i});
  }
  // One slot holding every kind: all eight bits of its u8 (dialogue_missing,
  // the eighth kind, is never a dossier's, but the format holds it).
  for (int kind = 0; kind < core::kAlertKindCount; ++kind) {
    s.raised.Add(static_cast<core::AlertKind>(kind), core::LocalMinute{kMax});
  }
  return s;
}

TEST(DossierRecordTest, RoundTripsWithEveryIdAndFieldAtItsLimit) {
  core::IdTable ids;
  const core::DossierState state = ExtremeState(&ids);
  const std::string dossier_id = LongestId('\x80');
  std::string encoded;
  EncodeDossierRecord(dossier_id, state, &encoded);

  core::DossierState decoded;
  std::string decoded_id;
  ASSERT_TRUE(DecodeDossierRecord(encoded, ids, &decoded, &decoded_id).ok());
  EXPECT_EQ(decoded_id, dossier_id);
  EXPECT_TRUE(decoded == state);  // every field, the ledger's overflow included
  EXPECT_EQ(ids.Name(decoded.receiving_agency), LongestId('\x81'));
  EXPECT_EQ(ids.Name(decoded.procedure), LongestId('\x83'));
  std::string again;
  EncodeDossierRecord(decoded_id, decoded, &again);
  EXPECT_EQ(again, encoded);
}

TEST(DossierRecordTest, ATypicalRecordIsSmall) {
  core::IdTable ids;
  core::DossierState s;
  s.receiving_agency = s.holder_agency = ids.Intern("phuong-bach-khoa");
  s.procedure = ids.Intern("ward-xac-nhan-tinh-trang-hon-nhan");
  s.received_at = core::Instant{1560139200000};
  s.effective_start = s.initial_due_at = s.due_at = core::LocalMinute{26002320};
  s.due_at.value += 3 * 1440;
  s.budget_minutes = 1620;
  s.last_event_at = s.received_at;
  s.event_count = 3;
  s.first_log_sequence = 123456;
  s.last_log_sequence = 234567;
  std::string encoded;
  EncodeDossierRecord("HBT-2019-W01-000123", s, &encoded);
  EXPECT_LT(encoded.size(), 130u);  // checkpoints write hundreds of thousands of these
}

TEST(DossierRecordTest, AHandleOutsideTheNamesTableIsCorruption) {
  core::IdTable ids;
  const core::DossierState state = ExtremeState(&ids);
  std::string encoded;
  EncodeDossierRecord("D", state, &encoded);
  core::IdTable fewer;
  fewer.Intern("only-one");
  core::DossierState decoded;
  EXPECT_EQ(DecodeDossierRecord(encoded, fewer, &decoded, nullptr).code(),
            core::StatusCode::kCorruption);
}

TEST(DossierRecordTest, TruncatedRecordsAreCorruptionNotGarbage) {
  core::IdTable ids;
  std::string encoded;
  EncodeDossierRecord(LongestId('\x80'), ExtremeState(&ids), &encoded);
  for (size_t cut = 0; cut < encoded.size(); cut += cut < 64 ? 1 : 97) {
    core::DossierState state;
    EXPECT_FALSE(
        DecodeDossierRecord(std::string_view(encoded).substr(0, cut), ids, &state, nullptr).ok())
        << "cut at " << cut;
  }
  core::DossierState state;
  EXPECT_FALSE(DecodeDossierRecord(encoded + "x", ids, &state, nullptr).ok())
      << "trailing bytes must not pass";
}

TEST(DossierRecordTest, FindReadsTheOpenFamilyThenTheFinishedOne) {
  MemoryKvStore store;
  core::IdTable ids;
  core::DossierState open;
  open.receiving_agency = open.holder_agency = ids.Intern("phuong-a");
  open.procedure = ids.Intern("p");
  core::DossierState finished = open;
  finished.status = core::DossierStatus::kFinished;
  finished.finish = core::FinishKind::kResolved;
  std::string a, b;
  EncodeDossierRecord("A", open, &a);
  EncodeDossierRecord("B", finished, &b);
  auto batch = store.NewBatch();
  batch->Put(Column::kOpenDossiers, "A", a);
  batch->Put(Column::kDossiers, "B", b);
  batch->Put(Column::kMeta, kMetaNames, EncodeNames(ids));
  ASSERT_TRUE(store.Write(*batch).ok());

  core::IdTable names;
  ASSERT_TRUE(LoadNames(store, &names).ok());
  core::DossierState found;
  ASSERT_TRUE(FindDossierRecord(store, "A", names, &found).ok());
  EXPECT_EQ(found.status, core::DossierStatus::kOpen);
  ASSERT_TRUE(FindDossierRecord(store, "B", names, &found).ok());
  EXPECT_EQ(found.finish, core::FinishKind::kResolved);
  EXPECT_EQ(names.Name(found.receiving_agency), "phuong-a");
  EXPECT_EQ(FindDossierRecord(store, "C", names, &found).code(), core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace hoso::projections
