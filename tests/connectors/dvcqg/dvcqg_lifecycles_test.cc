// Lifecycles told as DVCQG snapshots, turned into events by DiffSnapshot and
// ingested by `hoso ingest` into RocksDB, give the KPIs of the same dossiers
// sent as native events: on time, late, a supplement round, a withdrawal,
// processing stopped, an online dossier still open, and a dossier refused
// at reception (no dossier at all). Every snapshot is sent twice, one
// arrives late (older: ignored), one carries an unknown code (refused), and
// the whole feed is converted twice from scratch, as a replay would: the
// engine ignores the repeated event ids. (Lifecycles with an apology or a
// transfer need progress steps, which the connector does not read yet:
// docs/dvcqg.md.)
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "connectors/dvcqg/snapshot_diff.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/kpi_report.h"

namespace hoso::connectors::dvcqg {
namespace {

using testing::RunHoso;
using testing::TempDir;

std::string Snap(const std::string& id, const std::string& status, const std::string& received,
                 const std::string& due, const std::string& more = "") {
  return R"({"MaHoSo": ")" + id + R"(", "MaTTHC": "ward-dang-ky-khai-sinh",
    "DonViXuLy": "phuong-bach-khoa", "HinhThuc": "1", "ChuHoSo": "Lê Thị Cúc",
    "SoDienThoai": "0987654321", "NgayTiepNhan": ")" +
         received + R"(", "NgayHenTra": ")" + due + R"(", "TrangThaiHoSo": ")" + status + "\"" +
         (more.empty() ? "" : ", " + more) + "}";
}

// The feed, in arrival order.
std::vector<std::string> Feed() {
  const std::string round_asked = R"("DanhSachHoSoBoSung": [{"HoSoBoSungId": "BS1",
    "NgayBoSung": "20190605160000", "NoiDungBoSung": "Thiếu giấy tờ của bà Lê Thị Cúc"}])";
  const std::string round_given = R"("DanhSachHoSoBoSung": [{"HoSoBoSungId": "BS1",
    "NgayBoSung": "20190605160000", "NgayTiepNhanBoSung": "20190612090000",
    "NgayHenTraMoi": "20190614110000"}])";
  return {
      // D1 on time.
      Snap("D1", "2", "20190603090000", "20190610090000"),
      Snap("D1", "4", "20190603090000", "20190610090000"),
      Snap("D1", "9", "20190603090000", "20190610090000", R"("NgayKetThucXuLy": "20190607100000")"),
      Snap("D1", "10", "20190603090000", "20190610090000",
           R"("NgayKetThucXuLy": "20190607100000", "NgayTra": "20190608080000")"),
      // D2 late.
      Snap("D2", "2", "20190603090000", "20190605090000"),
      Snap("D2", "9", "20190603090000", "20190605090000", R"("NgayKetThucXuLy": "20190607100000")"),
      // D3 a supplement round; its "asked" snapshot arrives again after the answer.
      Snap("D3", "2", "20190603090000", "20190610090000"),
      Snap("D3", "5", "20190603090000", "20190610090000", round_asked),
      Snap("D3", "4", "20190603090000", "20190610090000", round_given),
      Snap("D3", "5", "20190603090000", "20190610090000", round_asked),
      Snap("D3", "9", "20190603090000", "20190610090000",
           round_given + R"(, "NgayKetThucXuLy": "20190613100000")"),
      // D4 withdrawn.
      Snap("D4", "2", "20190604090000", "20190611090000"),
      Snap("D4", "7", "20190604090000", "20190611090000", R"("NgayKetThucXuLy": "20190605100000")"),
      // D5 refused at reception: never a dossier.
      Snap("D5", "1", "", ""),
      Snap("D5", "3", "", ""),
      // D6 processing stopped.
      Snap("D6", "2", "20190604090000", "20190611090000"),
      Snap("D6", "8", "20190604090000", "20190611090000", R"("NgayKetThucXuLy": "20190606100000")"),
      // D7 online, still open.
      R"({"MaHoSo": "D7", "MaTTHC": "ward-dang-ky-khai-sinh", "DonViXuLy": "phuong-bach-khoa",
        "HinhThuc": 2, "NgayTiepNhan": "20190617090000", "NgayHenTra": "20190620090000",
        "TrangThaiHoSo": 2})",
      // D8 a code the mapping does not name.
      Snap("D8", "42", "20190604090000", "20190611090000"),
  };
}

constexpr char kNativeEvents[] = R"(
{"event_id":"n-d1-r","dossier_id":"D1","type":"received","occurred_at":"2019-06-03T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-dang-ky-khai-sinh","channel":"direct","due_at":"2019-06-10T09:00:00+07:00"}
{"event_id":"n-d2-r","dossier_id":"D2","type":"received","occurred_at":"2019-06-03T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-dang-ky-khai-sinh","channel":"direct","due_at":"2019-06-05T09:00:00+07:00"}
{"event_id":"n-d3-r","dossier_id":"D3","type":"received","occurred_at":"2019-06-03T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-dang-ky-khai-sinh","channel":"direct","due_at":"2019-06-10T09:00:00+07:00"}
{"event_id":"n-d4-r","dossier_id":"D4","type":"received","occurred_at":"2019-06-04T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-dang-ky-khai-sinh","channel":"direct","due_at":"2019-06-11T09:00:00+07:00"}
{"event_id":"n-d6-r","dossier_id":"D6","type":"received","occurred_at":"2019-06-04T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-dang-ky-khai-sinh","channel":"direct","due_at":"2019-06-11T09:00:00+07:00"}
{"event_id":"n-d3-s","dossier_id":"D3","type":"supplement_requested","occurred_at":"2019-06-05T16:00:00+07:00","agency_id":"phuong-bach-khoa","reason":"thiếu giấy tờ"}
{"event_id":"n-d4-w","dossier_id":"D4","type":"withdrawn","occurred_at":"2019-06-05T10:00:00+07:00","agency_id":"phuong-bach-khoa"}
{"event_id":"n-d6-x","dossier_id":"D6","type":"rejected","occurred_at":"2019-06-06T10:00:00+07:00","agency_id":"phuong-bach-khoa","reason":"không đủ điều kiện"}
{"event_id":"n-d1-v","dossier_id":"D1","type":"resolved","occurred_at":"2019-06-07T10:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"}
{"event_id":"n-d2-v","dossier_id":"D2","type":"resolved","occurred_at":"2019-06-07T10:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"}
{"event_id":"n-d3-g","dossier_id":"D3","type":"supplement_received","occurred_at":"2019-06-12T09:00:00+07:00","agency_id":"phuong-bach-khoa","due_at":"2019-06-14T11:00:00+07:00"}
{"event_id":"n-d3-v","dossier_id":"D3","type":"resolved","occurred_at":"2019-06-13T10:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"}
{"event_id":"n-d7-r","dossier_id":"D7","type":"received","occurred_at":"2019-06-17T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-dang-ky-khai-sinh","channel":"online","online_level":3,"due_at":"2019-06-20T09:00:00+07:00"}
)";

struct Converted {
  std::vector<DerivedEvent> events;    // in the feed's order
  std::map<std::string, int> refused;  // reason code -> count
};

// The feed through DiffSnapshot, each snapshot twice, from empty tracks.
Converted Convert(const std::vector<std::string>& feed, const StatusMapping& mapping) {
  DiffOptions options;
  options.mapping = &mapping;
  std::map<std::string, DossierTrack> tracks;
  Converted out;
  for (const std::string& record : feed) {
    for (int copy = 0; copy < 2; ++copy) {
      auto read = ReadDossierSnapshot(record);
      if (auto* rejection = std::get_if<SyncRejection>(&read)) {
        ++out.refused[std::string(SyncRejectCodeName(rejection->code))];
        continue;
      }
      const DossierSnapshot& snapshot = std::get<DossierSnapshot>(read);
      auto track = tracks.find(snapshot.dossier_id);
      auto diff = DiffSnapshot(track == tracks.end() ? nullptr : &track->second, snapshot, options);
      if (auto* rejection = std::get_if<SyncRejection>(&diff)) {
        ++out.refused[std::string(SyncRejectCodeName(rejection->code))];
        continue;
      }
      SnapshotChanges& changes = std::get<SnapshotChanges>(diff);
      tracks[snapshot.dossier_id] = changes.track;
      for (DerivedEvent& event : changes.events) out.events.push_back(std::move(event));
    }
  }
  return out;
}

TEST(DvcqgLifecyclesTest, SnapshotsGiveTheKpisOfTheSameDossiersSentAsEvents) {
  const StatusMapping mapping = DefaultStatusMapping();
  const Converted first = Convert(Feed(), mapping);
  EXPECT_EQ(first.refused,
            (std::map<std::string, int>{{"dvcqg_older_snapshot", 2}, {"dvcqg_unknown_status", 2}}));
  const Converted replay = Convert(Feed(), mapping);
  ASSERT_EQ(replay.events.size(), first.events.size());
  for (size_t i = 0; i < first.events.size(); ++i) {
    EXPECT_EQ(replay.events[i].json, first.events[i].json) << "deterministic: event " << i;
  }

  // The engine wants each dossier's events in time order, as the feed gives
  // them; across dossiers, the day's order. Both conversions, the replay after.
  std::vector<DerivedEvent> ordered = first.events;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.occurred_at < b.occurred_at; });
  std::string derived;
  for (const std::vector<DerivedEvent>* run :
       std::initializer_list<const std::vector<DerivedEvent>*>{&ordered, &replay.events}) {
    for (const DerivedEvent& event : *run) derived += event.json + "\n";
  }
  for (const char* personal : {"Lê Thị Cúc", "0987654321", "Thiếu giấy tờ"}) {
    EXPECT_EQ(derived.find(personal), std::string::npos) << personal;
  }

  TempDir dir;
  testing::WriteFile(dir.File("derived.jsonl"), derived);
  testing::WriteFile(dir.File("native.jsonl"), std::string(kNativeEvents).substr(1));
  const std::string derived_db = dir.File("derived-db");
  const std::string native_db = dir.File("native-db");
  auto ingest = RunHoso(
      {"ingest", "--events", dir.File("derived.jsonl"), "--db", derived_db, "--no-progress"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("rejected    0"), std::string::npos) << ingest.out;
  ingest =
      RunHoso({"ingest", "--events", dir.File("native.jsonl"), "--db", native_db, "--no-progress"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("rejected    0"), std::string::npos) << ingest.out;

  for (const char* period : {"2019-06", "2019"}) {
    const testing::KpiByAgency expected = testing::KpiByAgencyOfDb(native_db, period);
    ASSERT_FALSE(expected.empty()) << period;
    EXPECT_EQ(expected.at("TOTAL").at("received"), 6) << testing::Describe(expected);
    EXPECT_EQ(testing::KpiByAgencyOfDb(derived_db, period), expected)
        << period << "\nnative: " << testing::Describe(expected)
        << "\nderived: " << testing::Describe(testing::KpiByAgencyOfDb(derived_db, period));
  }
}

}  // namespace
}  // namespace hoso::connectors::dvcqg
