#include "tools/loadgen/loadgen.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/deadline_rules.h"
#include "engine/core/instant.h"

namespace hoso::loadgen {
namespace {

using core::Channel;
using core::EventType;
using core::Instant;
using core::LocalMinute;
using core::ProcessingKind;
using core::ProcessingTime;
using core::Status;

constexpr int kBasisPoints = 10000;

// Receipts stop this many days before the calendar's last day: the longest
// life the model gives a dossier (30 working days across Tết, a pause of up to
// 7 working days, 20 working days late, an apology's promised date after that)
// stays well inside it.
constexpr int64_t kTailMarginDays = 150;

// Output is handed to the stream in chunks of this size.
constexpr size_t kFlushBytes = size_t{1} << 20;

// ---------------------------------------------------------------------------
// Pseudo-random numbers. xoshiro256** seeded through splitmix64, written here
// because std::*_distribution differ between standard libraries and the output
// must be the same bytes everywhere.

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : state_) word = SplitMix64(&seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // In [0, n); 0 when n <= 0. The modulo bias (n / 2^64) is far below anything
  // the model could show.
  int64_t Below(int64_t n) {
    if (n <= 0) return 0;
    return static_cast<int64_t>(Next() % static_cast<uint64_t>(n));
  }
  // In [lo, hi]; lo when hi < lo.
  int64_t Between(int64_t lo, int64_t hi) { return lo + Below(hi - lo + 1); }
  bool Chance(int64_t basis_points) { return Below(kBasisPoints) < basis_points; }
  // Skewed toward 0: the smaller of two draws in [0, n).
  int64_t SmallBelow(int64_t n) { return std::min(Below(n), Below(n)); }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

// Picks an index with probability proportional to its weight.
// REQUIRES: cumulative is non-decreasing and cumulative.back() > 0.
size_t PickWeighted(Rng& rng, const std::vector<int64_t>& cumulative) {
  const int64_t roll = rng.Below(cumulative.back());
  return static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), roll) -
                             cumulative.begin());
}

std::vector<int64_t> Cumulative(const std::vector<int64_t>& weights) {
  std::vector<int64_t> cumulative(weights.size());
  int64_t sum = 0;
  for (size_t i = 0; i < weights.size(); ++i) cumulative[i] = sum += weights[i];
  return cumulative;
}

// ---------------------------------------------------------------------------
// The model of each known procedure. Rates are basis points (1/10000).
// Procedures of another catalog get defaults from their processing time.

struct Traits {
  std::string_view procedure_id;
  int weight_permille;          // share among the dossiers of its level
  int late_bp;                  // resolved after the due instant
  int online_bp;                // received online, when offered at level >= 3
  int supplement_bp;            // one request for more documents
  int consult_bp;               // ward dossier sent to the district Justice office and back
  int stall_bp;                 // never finished
  int denied_bp;                // resolved with outcome denied
  int late_max_working_days;    // how late a late one gets at most
  std::string_view handler_id;  // district procedures: the office that resolves it
};

// Ward mix: certification dominates, then civil status (docs/domain.md). District
// mix: certification of foreign documents and household businesses dominate;
// construction and land carry the late tail (construction permits wait on
// inspections, land certificates on tax and boundary checks).
constexpr Traits kKnownTraits[] = {
    {"ward-chung-thuc-ban-sao", 560, 30, 0, 150, 0, 0, 20, 1, ""},
    {"ward-chung-thuc-chu-ky", 120, 30, 0, 150, 0, 0, 20, 1, ""},
    {"ward-chung-thuc-hop-dong", 40, 150, 0, 1000, 0, 0, 100, 2, ""},
    {"ward-dang-ky-khai-sinh", 80, 40, 800, 200, 0, 0, 20, 1, ""},
    {"ward-dang-ky-ket-hon", 25, 40, 500, 200, 0, 0, 50, 1, ""},
    {"ward-dang-ky-khai-tu", 25, 30, 400, 200, 0, 0, 20, 1, ""},
    {"ward-trich-luc-ho-tich", 55, 30, 2000, 200, 0, 0, 20, 1, ""},
    {"ward-xac-nhan-tinh-trang-hon-nhan", 60, 200, 1200, 1200, 300, 0, 100, 3, ""},
    {"ward-nhan-cha-me-con", 5, 400, 0, 2500, 1500, 10, 300, 5, ""},
    {"ward-thay-doi-cai-chinh-ho-tich", 15, 300, 600, 2000, 800, 10, 200, 5, ""},
    {"ward-dang-ky-giam-ho", 3, 300, 0, 1500, 0, 10, 200, 5, ""},
    {"ward-dang-ky-lai-khai-sinh", 12, 400, 0, 2500, 1500, 10, 200, 5, ""},
    {"district-chung-thuc-giay-to-nuoc-ngoai", 410, 30, 0, 150, 0, 0, 20, 1, "hbt-phong-tu-phap"},
    {"district-khai-sinh-yeu-to-nuoc-ngoai", 15, 150, 0, 500, 0, 0, 50, 2, "hbt-phong-tu-phap"},
    {"district-ket-hon-yeu-to-nuoc-ngoai", 25, 300, 0, 2000, 0, 20, 300, 5, "hbt-phong-tu-phap"},
    {"district-thanh-lap-ho-kinh-doanh", 200, 150, 2500, 1500, 0, 0, 200, 3,
     "hbt-phong-tai-chinh-ke-hoach"},
    {"district-thay-doi-ho-kinh-doanh", 170, 150, 3000, 1200, 0, 0, 100, 3,
     "hbt-phong-tai-chinh-ke-hoach"},
    {"district-giay-phep-xay-dung-nha-o", 120, 2000, 800, 3000, 0, 100, 500, 15,
     "hbt-phong-quan-ly-do-thi"},
    {"district-cap-gcn-qsdd-lan-dau", 60, 3500, 0, 3500, 0, 200, 400, 20,
     "hbt-phong-tai-nguyen-moi-truong"},
};

constexpr std::string_view kDeskId = "hbt-bo-phan-mot-cua";
constexpr std::string_view kJusticeOfficeId = "hbt-phong-tu-phap";

Traits DefaultTraits(const core::Procedure& procedure) {
  const ProcessingTime& processing = procedure.processing;
  Traits traits{procedure.procedure_id, 10, 0, 0, 0, 0, 0, 100, 0, ""};
  if (processing.kind == ProcessingKind::kSameDay) {
    traits.late_bp = 30;
    traits.supplement_bp = 150;
    traits.late_max_working_days = 1;
  } else if (processing.days <= 5) {
    traits.late_bp = 200;
    traits.supplement_bp = 1500;
    traits.late_max_working_days = 3;
  } else {
    traits.late_bp = 800;
    traits.supplement_bp = 2500;
    traits.stall_bp = 50;
    traits.late_max_working_days = 10;
  }
  traits.online_bp = procedure.online_level_offered >= 3 ? 1000 : 0;
  return traits;
}

// Fates other than resolved, in basis points of all dossiers.
constexpr int kWithdrawnBp = 100;
constexpr int kRejectedBp = 50;
// Channel and receipt-desk habits, in basis points.
constexpr int kPostalBp = 200;         // of dossiers of multi-day procedures
constexpr int kNotOneStopBp = 30;      // received outside the one-stop mechanism
constexpr int kEarlyArrivalBp = 60;    // direct receipt 07:30–07:59
constexpr int kLateArrivalBp = 60;     // direct receipt 17:00–17:29
constexpr int kOnlineLevel4Bp = 6000;  // online level 4 when the procedure offers 4
constexpr int kSaturdayOnlineBp = 5000;
constexpr int kWardLevelBp = 7500;
// Apologies for late dossiers.
constexpr int kApologyTimelyBp = 8000;
constexpr int kApologyLateBp = 1200;  // the remaining 800 get none
constexpr int kSecondApologyBp = 300;
constexpr int kStalledApologyBp = 5000;
constexpr int kWithdrawnWhilePausedBp = 5000;
// Paper received at the district desk from 15:00 moves to the office the next
// morning (docs/domain.md, lifecycle).
constexpr int kTransferCutoffMinute = 15 * 60;

// Receipts per hour of the day, direct at the desk (08..16) and online (0..23):
// a morning peak, a lunch dip, a second peak mid-afternoon.
constexpr int kDeskHourWeights[9] = {12, 16, 16, 10, 3, 8, 12, 13, 10};
constexpr int kOnlineHourWeights[24] = {1, 1, 0, 0, 0, 1, 2, 4, 8, 10, 10, 9,
                                        6, 6, 8, 9, 9, 8, 7, 6, 6, 5,  4,  2};

// A minute of the day: an hour drawn by weight from `first_hour` on, then a
// minute in it.
template <size_t N>
int DrawMinuteOfDay(Rng& rng, const int (&hour_weights)[N], int first_hour) {
  int64_t total = 0;
  for (const int weight : hour_weights) total += weight;
  int64_t roll = rng.Below(total);
  size_t hour = 0;
  while (roll >= hour_weights[hour]) roll -= hour_weights[hour++];
  return (first_hour + static_cast<int>(hour)) * 60 + static_cast<int>(rng.Below(60));
}

// First day of Tết (lunar new year) by year: the rush before it and the lull
// after it shape January and February.
constexpr core::CivilDate kTetDates[] = {
    {2018, 2, 16}, {2019, 2, 5},  {2020, 1, 25}, {2021, 2, 12}, {2022, 2, 1},
    {2023, 1, 22}, {2024, 2, 10}, {2025, 1, 29}, {2026, 2, 17}, {2027, 2, 6},
};

constexpr std::string_view kTransferReason = "Chuyển phòng chuyên môn thụ lý";
constexpr std::string_view kConsultOutReason = "Xin ý kiến chuyên môn của Phòng Tư pháp";
constexpr std::string_view kConsultBackReason = "Trả ý kiến chuyên môn để giải quyết";
constexpr std::string_view kSupplementReasons[] = {
    "Thiếu bản sao giấy tờ theo quy định",
    "Tờ khai chưa đầy đủ thông tin",
    "Giấy tờ chứng minh chưa hợp lệ, đề nghị bổ sung",
    "Thiếu văn bản xác nhận của cơ quan có thẩm quyền",
};
constexpr std::string_view kApologyReasons[] = {
    "Hồ sơ phải xác minh thêm",
    "Chờ ý kiến của cơ quan phối hợp",
    "Số lượng hồ sơ tăng đột biến",
    "Phải kiểm tra thực địa",
};
constexpr std::string_view kWithdrawnReasons[] = {
    "Người nộp hồ sơ đề nghị rút hồ sơ",
    "Không bổ sung được giấy tờ theo yêu cầu",
};
constexpr std::string_view kRejectedReasons[] = {
    "Không đủ điều kiện theo quy định",
    "Không thuộc thẩm quyền giải quyết",
    "Giấy tờ không hợp lệ",
};

template <size_t N>
std::string_view PickText(Rng& rng, const std::string_view (&texts)[N]) {
  return texts[rng.Below(static_cast<int64_t>(N))];
}

// ---------------------------------------------------------------------------
// Calendar arithmetic with a sticky error: every operation returns a usable
// value, and the first failure is kept so the caller checks once per dossier
// instead of after every step. Values after a failure are meaningless.

class CalendarOps {
 public:
  explicit CalendarOps(const core::WorkingCalendar& calendar) : calendar_(calendar) {}

  const Status& status() const { return status_; }
  int open_minute() const { return calendar_.options().office_open_minute; }
  int close_minute() const { return calendar_.options().office_close_minute; }
  int64_t minutes_per_day() const { return calendar_.minutes_per_working_day(); }

  bool IsWorkingDay(int64_t day) { return Take(calendar_.IsWorkingDay(day), false); }
  int64_t NextWorkingDay(int64_t day) { return Take(calendar_.NextWorkingDay(day), day + 1); }
  LocalMinute NextOffice(LocalMinute minute) {
    return Take(calendar_.NextOfficeMinute(minute), minute);
  }
  int64_t Between(LocalMinute from, LocalMinute to) {
    return Take(calendar_.WorkingMinutesBetween(from, to), int64_t{0});
  }
  LocalMinute Add(LocalMinute from, int64_t minutes) {
    return Take(calendar_.AddWorkingMinutes(from, minutes), from);
  }
  LocalMinute Subtract(LocalMinute to, int64_t minutes) {
    return Take(calendar_.SubtractWorkingMinutes(to, minutes), to);
  }
  // Like Add, but a count that ends at a closing gives 16:59 instead of
  // 17:00, so the instant lies inside office hours. Never earlier than the
  // office minute before it, so order between events is kept.
  LocalMinute OfficeAt(LocalMinute from, int64_t minutes) {
    LocalMinute at = Add(from, minutes);
    if (at.minute_of_day() == close_minute()) at.value -= 1;
    return at;
  }
  LocalMinute DueAt(LocalMinute received, const ProcessingTime& processing) {
    return Take(core::ComputeDueAt(calendar_, received, processing), received);
  }
  int64_t LastApologyDay(LocalMinute due) {
    return Take(core::LastApologyDay(calendar_, due), due.day() - 1);
  }
  bool IsApologyTimely(LocalMinute issued, LocalMinute due) {
    return Take(core::IsApologyTimely(calendar_, issued, due), false);
  }

 private:
  template <typename T>
  T Take(core::Result<T> result, T fallback) {
    if (result.ok()) return std::move(result).value();
    if (status_.ok()) status_ = result.status();
    return fallback;
  }

  const core::WorkingCalendar& calendar_;
  Status status_;
};

// ---------------------------------------------------------------------------
// JSON lines. Ids and texts come from reference data, so they are escaped.

void AppendEscaped(std::string& out, std::string_view text) {
  const auto needs_escape = [](char c) {
    return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
  };
  // Ids and texts almost never need escaping: append them whole.
  if (std::none_of(text.begin(), text.end(), needs_escape)) {
    out.append(text);
    return;
  }
  for (const char c : text) {
    if (!needs_escape(c)) {
      out += c;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(c));
      out += buffer;
    }
  }
}

std::string JsonEscaped(std::string_view text) {
  std::string out;
  AppendEscaped(out, text);
  return out;
}

void AppendInt(std::string& out, int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// The text of core::FormatLocal, built without printf: formatting is most of
// the cost of a line. The date part is cached per local day, and instants
// with a millisecond part (never produced here) go to core::FormatLocal.
class TimeFormatter {
 public:
  TimeFormatter() { std::fill(std::begin(cached_days_), std::end(cached_days_), INT64_MIN); }

  void Append(std::string& out, Instant at) {
    const int64_t local_ms = at.epoch_ms + core::kLocalUtcOffsetMinutes * core::kMsPerMinute;
    if (local_ms % 1000 != 0) {
      out += core::FormatLocal(at);
      return;
    }
    const int64_t local_seconds = LocalMinute::FloorDiv(local_ms, 1000);
    const int64_t day = LocalMinute::FloorDiv(local_seconds, 86400);
    const size_t slot = static_cast<size_t>(day & (kCacheSlots - 1));
    if (cached_days_[slot] != day) {
      cached_days_[slot] = day;
      cached_dates_[slot] = core::FormatCivilDate(core::CivilFromDays(day)) + "T";
    }
    const int64_t second_of_day = local_seconds - day * 86400;
    char clock[8] = {};
    Put2(clock, static_cast<int>(second_of_day / 3600));
    clock[2] = ':';
    Put2(clock + 3, static_cast<int>(second_of_day / 60 % 60));
    clock[5] = ':';
    Put2(clock + 6, static_cast<int>(second_of_day % 60));
    out += cached_dates_[slot];
    out.append(clock, 8);
    out += "+07:00";
  }

 private:
  static void Put2(char* at, int value) {
    at[0] = static_cast<char>('0' + value / 10);
    at[1] = static_cast<char>('0' + value % 10);
  }
  // A line mixes the day of the event with due dates a few days on.
  static constexpr size_t kCacheSlots = 64;
  int64_t cached_days_[kCacheSlots] = {};
  std::string cached_dates_[kCacheSlots];
};

// Builds one event line. Every text it is given must already be JSON-escaped
// (the model escapes reference-data ids once, at start; its own texts need
// no escaping).
class LineBuilder {
 public:
  void Begin(std::string_view dossier_id, int ordinal, EventType type, Instant at,
             std::string_view agency_id) {
    line_.clear();
    line_ += "{\"event_id\":\"";
    line_ += dossier_id;
    line_ += ':';
    AppendInt(line_, ordinal);
    line_ += "\",\"dossier_id\":\"";
    line_ += dossier_id;
    line_ += "\",\"type\":\"";
    line_ += core::EventTypeName(type);
    line_ += "\",\"occurred_at\":\"";
    times_.Append(line_, at);
    line_ += "\",\"agency_id\":\"";
    line_ += agency_id;
    line_ += '"';
  }
  void Text(std::string_view key, std::string_view value) {
    Key(key);
    line_ += '"';
    line_ += value;
    line_ += '"';
  }
  void Int(std::string_view key, int64_t value) {
    Key(key);
    AppendInt(line_, value);
  }
  void Bool(std::string_view key, bool value) {
    Key(key);
    line_ += value ? "true" : "false";
  }
  void Time(std::string_view key, LocalMinute value) {
    Key(key);
    line_ += '"';
    times_.Append(line_, core::ToInstant(value));
    line_ += '"';
  }
  const std::string& Finish() {
    line_ += "}\n";
    return line_;
  }

 private:
  void Key(std::string_view key) {
    line_ += ",\"";
    line_ += key;
    line_ += "\":";
  }
  std::string line_;
  TimeFormatter times_;
};

// ---------------------------------------------------------------------------
// The model built from the reference data.

struct Profile {
  const core::Procedure* procedure = nullptr;
  Traits traits;
  int online_level_max = 0;  // 0 when not offered online at level >= 3
  int64_t postal_bp = 0;
  std::string procedure_id;  // JSON-escaped
  std::string handler_id;    // district: the office that resolves it (JSON-escaped)
  bool consult = false;      // ward: may be sent to the Justice office
};

struct Unit {
  std::string agency_id;  // JSON-escaped
  std::string code;       // W01.., D00
  int64_t weight = 0;
  int64_t next_sequence = 1;
};

enum class DayKind { kWorking, kSaturday, kRest };

struct Receipt {
  int64_t at_ms = 0;
  int64_t draw_index = 0;  // order of drawing: breaks ties between equal instants
  size_t profile = 0;
  size_t unit = 0;
  Channel channel = Channel::kDirect;
  int online_level = 0;
  bool one_stop = true;
};

// One event of a dossier's planned life, before seconds and rendering.
struct Planned {
  EventType type = EventType::kReceived;
  LocalMinute at;
  std::string_view agency_id;
  std::string_view to_agency_id;    // transferred
  std::string_view responsible_id;  // apologized
  std::string_view reason;
  LocalMinute new_due;  // apologized
  core::Outcome outcome = core::Outcome::kApproved;
};

Planned Step(EventType type, LocalMinute at, std::string_view agency_id) {
  Planned step;
  step.type = type;
  step.at = at;
  step.agency_id = agency_id;
  return step;
}

enum class Fate { kResolved, kWithdrawn, kRejected, kStalled };

// What happens to a dossier, in consumed working minutes (see DrawShape).
struct DossierShape {
  Fate fate = Fate::kResolved;
  bool late = false;
  int64_t transfer_minutes = -1;                     // -1: no transfer from the desk
  int64_t final_minutes = 0;                         // the finish (stalled: the budget)
  std::vector<std::pair<int64_t, EventType>> steps;  // pause and consultation, in order
};

// A queued event: its sort key and where its line sits in its day's text.
struct Pending {
  int64_t at_ms = 0;
  uint64_t dossier_sequence = 0;
  uint32_t ordinal = 0;
  uint32_t length = 0;
  uint64_t offset = 0;
};

bool operator<(const Pending& a, const Pending& b) {
  if (a.at_ms != b.at_ms) return a.at_ms < b.at_ms;
  if (a.dossier_sequence != b.dossier_sequence) return a.dossier_sequence < b.dossier_sequence;
  return a.ordinal < b.ordinal;
}

// The events planned for one local day, written when the day is over. Sorting
// a day at a time keeps the work cache-friendly; a global heap of all pending
// events was three times slower.
struct DayBucket {
  std::vector<Pending> events;
  std::string lines;  // the lines, back to back
};

class Generator {
 public:
  Generator(const Options& options, const core::ProcedureCatalog& catalog,
            const core::AgencyList& agencies, const core::WorkingCalendar& calendar,
            std::ostream& out, Stats* stats)
      : options_(options),
        catalog_(catalog),
        agencies_(agencies),
        calendar_(calendar),
        ops_(calendar),
        out_(out),
        stats_(*stats),
        rng_(options.seed) {}

  Status Run();

 private:
  Status BuildModel();
  Status BuildDayCounts();
  Status PlanDialogues();
  Status PlanFeedback();
  DayKind KindOfDay(int64_t day);
  int64_t DayWeight(int64_t day, DayKind kind) const;
  void DrawReceipt(int64_t day, DayKind kind, Receipt* receipt);
  DossierShape DrawShape(const Profile& profile, Rng& rng, LocalMinute received, LocalMinute start,
                         int64_t budget_minutes, bool transfer) const;
  Status PlanDossier(const Receipt& receipt, uint64_t sequence);
  void Count(const Receipt& receipt, const Profile& profile, Fate fate, LocalMinute finished,
             LocalMinute due);
  void Emit(const std::vector<Planned>& plan, const Receipt& receipt, uint64_t sequence,
            const std::string& dossier_id, LocalMinute due_at, Rng& rng);
  void Queue(int64_t at_ms, uint64_t sequence, int ordinal, const std::string& line);
  void AddApologies(Rng& rng, LocalMinute previous, LocalMinute due, const LocalMinute* finished,
                    std::string_view holder, std::vector<Planned>* plan);
  // Writes the events of every day up to `last_day` (a local day number).
  Status DrainThrough(int64_t last_day);
  Status Flush();

  const Options& options_;
  const core::ProcedureCatalog& catalog_;
  const core::AgencyList& agencies_;
  const core::WorkingCalendar& calendar_;
  CalendarOps ops_;
  std::ostream& out_;
  Stats& stats_;
  Rng rng_;

  std::vector<Profile> profiles_;
  std::vector<size_t> ward_profiles_, district_profiles_;
  std::vector<int64_t> ward_cumulative_, district_cumulative_;
  std::vector<size_t> online_profiles_;
  std::vector<int64_t> online_cumulative_;
  std::vector<Unit> units_;  // wards first, then the district desk (if any)
  std::vector<int64_t> ward_unit_cumulative_;
  size_t desk_unit_ = 0;
  std::string justice_office_id_;
  std::string id_prefix_;        // "HBT-2019-"
  int close_minute_ = 0;         // office closing, minute of the day
  int64_t minutes_per_day_ = 0;  // working minutes in a working day
  int64_t ward_level_bp_ = kWardLevelBp;

  int64_t first_day_ = 0;  // receipt days, local day numbers, inclusive
  int64_t last_day_ = -1;
  int64_t year_end_ms_ = 0;
  std::vector<int64_t> day_counts_;

  std::map<int64_t, DayBucket> pending_;  // by local day
  std::vector<Planned> plan_;             // reused by PlanDossier
  std::string dossier_id_;                // reused by PlanDossier
  std::string buffer_;
  LineBuilder builder_;
};

Status Generator::BuildModel() {
  if (catalog_.all().empty()) return Status::InvalidArgument("the procedure catalog is empty");
  for (const core::Agency& agency : agencies_.all()) {
    if (agency.kind != "ward") continue;
    Unit unit;
    unit.agency_id = JsonEscaped(agency.agency_id);
    const size_t index = units_.size();
    char code[16];
    std::snprintf(code, sizeof code, "W%02zu", index + 1);
    unit.code = code;
    // Wards differ in size; a fixed spread (70..130) stands in for population.
    unit.weight = 70 + static_cast<int64_t>(index * 53 % 61);
    units_.push_back(unit);
  }
  std::vector<int64_t> ward_weights;
  for (const Unit& unit : units_) ward_weights.push_back(unit.weight);
  if (!ward_weights.empty()) ward_unit_cumulative_ = Cumulative(ward_weights);

  // District dossiers are received at the one-stop desk; without one, at the
  // first district office, else at the district itself.
  const core::Agency* desk = agencies_.Find(std::string(kDeskId));
  for (const char* kind : {"district_office", "district"}) {
    for (const core::Agency& agency : agencies_.all()) {
      if (desk == nullptr && agency.kind == kind) desk = &agency;
    }
  }
  if (desk != nullptr) {
    desk_unit_ = units_.size();
    units_.push_back(Unit{JsonEscaped(desk->agency_id), "D00", 0, 1});
  }
  if (agencies_.Find(std::string(kJusticeOfficeId)) != nullptr) {
    justice_office_id_ = kJusticeOfficeId;
  }

  std::vector<int64_t> ward_weights_by_profile, district_weights, online_weights;
  for (const core::Procedure& procedure : catalog_.all()) {
    Profile profile;
    profile.procedure = &procedure;
    profile.procedure_id = JsonEscaped(procedure.procedure_id);
    profile.traits = DefaultTraits(procedure);
    for (const Traits& known : kKnownTraits) {
      if (known.procedure_id == procedure.procedure_id) profile.traits = known;
    }
    profile.online_level_max =
        procedure.online_level_offered >= 3 ? std::min(procedure.online_level_offered, 4) : 0;
    if (profile.online_level_max == 0) profile.traits.online_bp = 0;
    profile.postal_bp = procedure.processing.kind == ProcessingKind::kSameDay ? 0 : kPostalBp;
    const size_t index = profiles_.size();
    if (procedure.level == core::AgencyLevel::kWard) {
      if (ward_weights.empty()) {
        return Status::InvalidArgument("procedure '" + procedure.procedure_id +
                                       "' is ward-level but the agency list has no ward");
      }
      profile.consult = !justice_office_id_.empty() && profile.traits.consult_bp > 0;
      ward_profiles_.push_back(index);
      ward_weights_by_profile.push_back(profile.traits.weight_permille);
    } else {
      if (desk == nullptr) {
        return Status::InvalidArgument("procedure '" + procedure.procedure_id +
                                       "' is district-level but the agency list has no "
                                       "district unit to receive it");
      }
      // The competent office, when the agency list has it; else the first
      // district office that is not the desk; else the desk itself.
      const core::Agency* handler = nullptr;
      if (!profile.traits.handler_id.empty()) {
        handler = agencies_.Find(std::string(profile.traits.handler_id));
      }
      for (const core::Agency& agency : agencies_.all()) {
        if (handler == nullptr && agency.kind == "district_office" &&
            agency.agency_id != desk->agency_id) {
          handler = &agency;
        }
      }
      profile.handler_id = JsonEscaped(handler != nullptr ? handler->agency_id : desk->agency_id);
      district_profiles_.push_back(index);
      district_weights.push_back(profile.traits.weight_permille);
    }
    if (profile.traits.online_bp > 0) {
      // Online dossiers on days the desk is closed follow the online mix.
      const int64_t level_share =
          procedure.level == core::AgencyLevel::kWard ? kWardLevelBp : kBasisPoints - kWardLevelBp;
      online_profiles_.push_back(index);
      online_weights.push_back(int64_t{profile.traits.weight_permille} * profile.traits.online_bp *
                               level_share);
    }
    profiles_.push_back(profile);
  }
  if (ward_profiles_.empty()) ward_level_bp_ = 0;
  if (district_profiles_.empty()) ward_level_bp_ = kBasisPoints;
  if (!ward_weights_by_profile.empty()) ward_cumulative_ = Cumulative(ward_weights_by_profile);
  if (!district_weights.empty()) district_cumulative_ = Cumulative(district_weights);
  if (!online_weights.empty()) online_cumulative_ = Cumulative(online_weights);
  for (const std::vector<int64_t>* cumulative : {&ward_cumulative_, &district_cumulative_}) {
    if (!cumulative->empty() && cumulative->back() <= 0) {
      return Status::InvalidArgument("procedure weights of a level sum to zero");
    }
  }
  return Status::Ok();
}

DayKind Generator::KindOfDay(int64_t day) {
  if (ops_.IsWorkingDay(day)) return DayKind::kWorking;
  return core::WeekdayOfDay(day) == 6 ? DayKind::kSaturday : DayKind::kRest;
}

// Relative receipt volume of a day, in thousandths of an ordinary weekday.
int64_t Generator::DayWeight(int64_t day, DayKind kind) const {
  const bool online_possible = !online_profiles_.empty();
  if (kind == DayKind::kRest) return online_possible ? 6 : 0;
  if (kind == DayKind::kSaturday) return 25;
  static constexpr int64_t kWeekdayPercent[7] = {100, 135, 105, 100, 100, 95, 80};
  int64_t weight = 1000 * kWeekdayPercent[core::WeekdayOfDay(day)] / 100;
  for (const core::CivilDate& tet : kTetDates) {
    const int64_t days_to_tet = core::DaysFromCivil(tet) - day;
    if (days_to_tet >= 1 && days_to_tet <= 28) {
      // Rush before Tết: up to +60% in its last days (documents for travel,
      // business and property before the holiday).
      weight = weight * (100 + (28 - days_to_tet) * 60 / 27) / 100;
    } else if (days_to_tet <= 0 && days_to_tet >= -14) {
      weight = weight * 75 / 100;  // the lull of the first weeks of the lunar year
    }
  }
  return weight;
}

// Spreads exactly options_.dossiers over the receipt days in proportion to
// their weights, all in integers: day i gets the growth of
// floor(N * cumulative_weight / total) across it, so the counts sum to N and a
// small N is spread over the whole year instead of piling on the heaviest days.
Status Generator::BuildDayCounts() {
  const int64_t day_total = last_day_ - first_day_ + 1;
  std::vector<int64_t> cumulative(static_cast<size_t>(day_total));
  int64_t weight_sum = 0;
  for (int64_t i = 0; i < day_total; ++i) {
    weight_sum += DayWeight(first_day_ + i, KindOfDay(first_day_ + i));
    cumulative[static_cast<size_t>(i)] = weight_sum;
  }
  HOSO_RETURN_IF_ERROR(ops_.status());
  if (weight_sum <= 0) return Status::InvalidArgument("no day of the year can receive dossiers");
  day_counts_.assign(static_cast<size_t>(day_total), 0);
  int64_t assigned_before = 0;
  for (size_t i = 0; i < cumulative.size(); ++i) {
    // N <= 1e8 and the weight sum of a year < 1e6: the product fits in int64.
    const int64_t assigned = options_.dossiers * cumulative[i] / weight_sum;
    day_counts_[i] = assigned - assigned_before;
    assigned_before = assigned;
  }
  return Status::Ok();
}

void Generator::DrawReceipt(int64_t day, DayKind kind, Receipt* receipt) {
  // Which procedure: on days the desk is closed only online dossiers arrive,
  // apart from Saturday-morning desk service for some.
  bool online = false;
  if (kind == DayKind::kRest) {
    online = true;
  } else if (kind == DayKind::kSaturday) {
    online = !online_profiles_.empty() && rng_.Chance(kSaturdayOnlineBp);
  }
  if (online) {
    receipt->profile = online_profiles_[PickWeighted(rng_, online_cumulative_)];
  } else if (rng_.Chance(ward_level_bp_)) {
    receipt->profile = ward_profiles_[PickWeighted(rng_, ward_cumulative_)];
  } else {
    receipt->profile = district_profiles_[PickWeighted(rng_, district_cumulative_)];
  }
  const Profile& profile = profiles_[receipt->profile];
  if (kind == DayKind::kWorking && !online) {
    if (rng_.Chance(profile.traits.online_bp)) {
      online = true;
    } else if (rng_.Chance(profile.postal_bp)) {
      receipt->channel = Channel::kPostal;
    }
  }
  receipt->unit = profile.procedure->level == core::AgencyLevel::kWard
                      ? PickWeighted(rng_, ward_unit_cumulative_)
                      : desk_unit_;

  int minute_of_day = 0;
  if (online) {
    receipt->channel = Channel::kOnline;
    receipt->online_level = profile.online_level_max == 4 && rng_.Chance(kOnlineLevel4Bp) ? 4 : 3;
    minute_of_day = DrawMinuteOfDay(rng_, kOnlineHourWeights, 0);
  } else if (kind == DayKind::kSaturday) {
    minute_of_day = 8 * 60 + static_cast<int>(rng_.Below(210));  // 08:00–11:29
  } else if (receipt->channel == Channel::kPostal) {
    minute_of_day = 8 * 60 + static_cast<int>(rng_.Below(9 * 60));
  } else {
    const int64_t roll = rng_.Below(kBasisPoints);
    if (roll < kEarlyArrivalBp) {
      minute_of_day = 7 * 60 + 30 + static_cast<int>(rng_.Below(30));
    } else if (roll < kEarlyArrivalBp + kLateArrivalBp) {
      minute_of_day = 17 * 60 + static_cast<int>(rng_.Below(30));
    } else {
      minute_of_day = DrawMinuteOfDay(rng_, kDeskHourWeights, 8);
    }
  }
  receipt->one_stop = profile.procedure->one_stop && !rng_.Chance(kNotOneStopBp);
  const LocalMinute at = LocalMinute::AtDay(day, minute_of_day);
  receipt->at_ms = core::ToInstant(at).epoch_ms + rng_.Below(60) * 1000;
}

// The shape of a dossier's life, drawn at receipt. Time inside the statutory
// budget is counted in working minutes "consumed" from the effective start; a
// pause for more documents stops the count, exactly as docs/time-rules.md does, so
// a step at consumed minute w < budget falls before the due instant whatever
// pause comes before it, and a finish beyond the budget is late.
DossierShape Generator::DrawShape(const Profile& profile, Rng& rng, LocalMinute received,
                                  LocalMinute start, int64_t budget_minutes, bool transfer) const {
  const Traits& traits = profile.traits;
  DossierShape shape;
  const int64_t fate_roll = rng.Below(kBasisPoints);
  if (fate_roll < kWithdrawnBp) {
    shape.fate = Fate::kWithdrawn;
  } else if (fate_roll < kWithdrawnBp + kRejectedBp) {
    shape.fate = Fate::kRejected;
  } else if (fate_roll < kWithdrawnBp + kRejectedBp + traits.stall_bp) {
    shape.fate = Fate::kStalled;
  }
  shape.late = shape.fate == Fate::kResolved && rng.Chance(traits.late_bp);

  // Transfer from the district desk to the competent office: the same day
  // when received inside office hours before 15:00, else the next morning.
  if (transfer) {
    if (start == received && received.minute_of_day() < kTransferCutoffMinute) {
      shape.transfer_minutes = rng.Between(5, 90);
    } else {
      const int64_t left_today = start == received ? close_minute_ - received.minute_of_day() : 0;
      shape.transfer_minutes = left_today + rng.Between(0, 90);
    }
    shape.transfer_minutes = std::min(shape.transfer_minutes, budget_minutes / 2);
  }

  // The finish: before the budget runs out, or past it when late.
  const int64_t first_free = shape.transfer_minutes + 2;
  shape.final_minutes = budget_minutes;  // stalled: there is no finish
  if (shape.late) {
    const int64_t late_max = traits.late_max_working_days * minutes_per_day_;
    shape.final_minutes = budget_minutes + 2 + rng.SmallBelow(late_max);
  } else if (shape.fate != Fate::kStalled) {
    const int64_t span = std::max(first_free, budget_minutes - 1) - first_free + 1;
    if (profile.procedure->processing.kind == ProcessingKind::kSameDay) {
      // Counter services: most are done within a few hours.
      shape.final_minutes = first_free + rng.Below(std::min(span, 30 + rng.Below(300)));
    } else {
      const int64_t skip = span * rng.Below(7) / 10;  // some are done early, most later
      shape.final_minutes = first_free + skip + rng.Below(span - skip);
    }
  }

  // Interim steps (a pause, a consultation out and back) sit strictly between
  // the transfer and the finish, and before the due instant.
  const int64_t interim_last = std::min(shape.final_minutes, budget_minutes) - 1;
  bool pause = rng.Chance(traits.supplement_bp);
  bool consult = profile.consult && rng.Chance(traits.consult_bp);
  auto room_for = [&](int steps) { return interim_last - first_free + 1 >= steps * 2; };
  if (consult && !room_for((pause ? 1 : 0) + 2)) consult = false;
  if (pause && !room_for(1 + (consult ? 2 : 0))) pause = false;
  if (pause) {
    shape.steps.emplace_back(rng.Between(first_free, interim_last),
                             EventType::kSupplementRequested);
  }
  if (consult) {
    shape.steps.emplace_back(rng.Between(first_free, interim_last), EventType::kTransferred);
    shape.steps.emplace_back(rng.Between(first_free, interim_last), EventType::kTransferred);
  }
  std::sort(shape.steps.begin(), shape.steps.end());
  for (size_t i = 1; i < shape.steps.size(); ++i) {
    shape.steps[i].first = std::max(shape.steps[i].first, shape.steps[i - 1].first + 1);
  }
  return shape;
}

Status Generator::PlanDossier(const Receipt& receipt, uint64_t sequence) {
  const Profile& profile = profiles_[receipt.profile];
  Unit& unit = units_[receipt.unit];
  char sequence_text[24];
  std::snprintf(sequence_text, sizeof sequence_text, "%06lld",
                static_cast<long long>(unit.next_sequence++));
  dossier_id_ = id_prefix_;
  dossier_id_ += unit.code;
  dossier_id_ += '-';
  dossier_id_ += sequence_text;
  // Each dossier has its own stream, so its life does not depend on how many
  // random numbers other dossiers drew.
  Rng rng(options_.seed ^ (0x9E3779B97F4A7C15ULL * (sequence + 1)));

  const LocalMinute received = core::ToLocalMinute(Instant{receipt.at_ms});
  const LocalMinute start = ops_.NextOffice(received);
  const LocalMinute due_at_receipt = ops_.DueAt(received, profile.procedure->processing);
  const int64_t budget_minutes = ops_.Between(start, due_at_receipt);
  HOSO_RETURN_IF_ERROR(ops_.status());
  const bool transfer = profile.procedure->level == core::AgencyLevel::kDistrict &&
                        profile.handler_id != unit.agency_id;
  const DossierShape shape = DrawShape(profile, rng, received, start, budget_minutes, transfer);

  // Map consumed minutes to instants; after the pause the count resumes at
  // the supply of documents (q), and the due moves as docs/time-rules.md says.
  std::vector<Planned>& plan = plan_;
  plan.clear();
  std::string_view holder = unit.agency_id;
  LocalMinute due = due_at_receipt;
  LocalMinute resume_at = start;    // where the count continues
  int64_t resume_minutes = 0;       // consumed minutes at resume_at
  LocalMinute previous = received;  // the last planned instant
  auto at_consumed = [&](int64_t minutes) {
    return ops_.OfficeAt(resume_at, minutes - resume_minutes);
  };
  auto add_transfer = [&](int64_t minutes, std::string_view to, std::string_view reason) {
    Planned step = Step(EventType::kTransferred, at_consumed(minutes), holder);
    step.to_agency_id = to;
    step.reason = reason;
    plan.push_back(step);
    holder = to;
    previous = step.at;
  };
  if (transfer) add_transfer(shape.transfer_minutes, profile.handler_id, kTransferReason);
  bool consult_out = true;
  bool withdrawn_while_paused = false;
  for (const auto& [minutes, type] : shape.steps) {
    if (type == EventType::kTransferred) {
      add_transfer(minutes, consult_out ? justice_office_id_ : unit.agency_id,
                   consult_out ? kConsultOutReason : kConsultBackReason);
      consult_out = false;
      continue;
    }
    Planned request = Step(EventType::kSupplementRequested, at_consumed(minutes), holder);
    request.reason = PickText(rng, kSupplementReasons);
    plan.push_back(request);
    ++stats_.supplement_requests;
    const int64_t paused_minutes =
        (1 + rng.SmallBelow(7)) * minutes_per_day_ + rng.Below(minutes_per_day_);
    if (shape.fate == Fate::kWithdrawn && rng.Chance(kWithdrawnWhilePausedBp)) {
      // The applicant gives up instead of supplying the documents.
      withdrawn_while_paused = true;
      previous = ops_.OfficeAt(request.at, 1 + rng.Below(paused_minutes));
      break;
    }
    const LocalMinute supplied_at = ops_.OfficeAt(request.at, paused_minutes);
    due = ops_.Add(supplied_at, ops_.Between(request.at, due));
    plan.push_back(Step(EventType::kSupplementReceived, supplied_at, unit.agency_id));
    resume_minutes = ops_.Between(start, request.at);
    resume_at = supplied_at;
    previous = supplied_at;
  }

  const bool stalled = shape.fate == Fate::kStalled;
  const LocalMinute finished =
      stalled || withdrawn_while_paused ? previous : at_consumed(shape.final_minutes);
  if (shape.late || stalled) {
    AddApologies(rng, previous, due, stalled ? nullptr : &finished, holder, &plan);
  }
  if (shape.fate == Fate::kResolved) {
    Planned step = Step(EventType::kResolved, finished, holder);
    if (rng.Chance(profile.traits.denied_bp)) step.outcome = core::Outcome::kDenied;
    plan.push_back(step);
  } else if (shape.fate == Fate::kWithdrawn) {
    Planned step = Step(EventType::kWithdrawn, finished, unit.agency_id);
    step.reason = PickText(rng, kWithdrawnReasons);
    plan.push_back(step);
  } else if (shape.fate == Fate::kRejected) {
    Planned step = Step(EventType::kRejected, finished, holder);
    step.reason = PickText(rng, kRejectedReasons);
    plan.push_back(step);
  }
  HOSO_RETURN_IF_ERROR(ops_.status());
  Count(receipt, profile, shape.fate, finished, due);
  Emit(plan, receipt, sequence, dossier_id_, due_at_receipt, rng);
  return Status::Ok();
}

// Bookkeeping: what the engine will conclude from the planned events.
void Generator::Count(const Receipt& receipt, const Profile& profile, Fate fate,
                      LocalMinute finished, LocalMinute due) {
  ++stats_.dossiers;
  ++(profile.procedure->level == core::AgencyLevel::kDistrict ? stats_.district_level
                                                              : stats_.ward_level);
  if (receipt.channel == Channel::kOnline) ++stats_.online;
  if (receipt.channel == Channel::kPostal) ++stats_.postal;
  if (!receipt.one_stop) ++stats_.not_one_stop;
  switch (fate) {
    case Fate::kResolved:
      ++stats_.resolved;
      if (plan_.back().outcome == core::Outcome::kDenied) ++stats_.denied;
      switch (core::Classify(finished, due)) {
        case core::Classification::kEarly:
          ++stats_.resolved_early;
          break;
        case core::Classification::kOnTime:
          ++stats_.resolved_on_time;
          break;
        case core::Classification::kLate:
          ++stats_.late_expected;
          break;
      }
      break;
    case Fate::kWithdrawn:
      ++stats_.withdrawn;
      break;
    case Fate::kRejected:
      ++stats_.rejected;
      break;
    case Fate::kStalled:
      ++stats_.left_open;
      break;
  }
  if (fate == Fate::kStalled || core::ToInstant(finished).epoch_ms > year_end_ms_) {
    ++stats_.open_at_year_end;
  }
}

// Apologies for a dossier that will be (or already is) late: mostly timely
// (on or before the last working day before the due date), some late, a few
// never sent; rarely a second one. `finished` is null for a dossier that
// never finishes. Every apology lies after `previous` and before `finished`.
void Generator::AddApologies(Rng& rng, LocalMinute previous, LocalMinute due,
                             const LocalMinute* finished, std::string_view holder,
                             std::vector<Planned>* plan) {
  const int64_t roll = rng.Below(kBasisPoints);
  enum class Mode { kTimely, kLate, kNone };
  Mode mode = roll < kApologyTimelyBp                    ? Mode::kTimely
              : roll < kApologyTimelyBp + kApologyLateBp ? Mode::kLate
                                                         : Mode::kNone;
  if (finished == nullptr && !rng.Chance(kStalledApologyBp)) mode = Mode::kNone;
  if (mode == Mode::kNone) return;

  const LocalMinute earliest = ops_.NextOffice(previous);
  const LocalMinute latest =
      finished != nullptr ? ops_.Subtract(*finished, 1) : ops_.Add(due, 3 * minutes_per_day_);
  LocalMinute issued;
  bool placed = false;
  if (mode == Mode::kTimely) {
    const LocalMinute last_timely =
        LocalMinute::AtDay(ops_.LastApologyDay(due), ops_.close_minute() - 1);
    const LocalMinute high = std::min(last_timely, latest);
    if (earliest <= high) {
      const int64_t span = ops_.Between(earliest, high);
      issued = ops_.Subtract(high, rng.Below(std::min<int64_t>(span, 2 * minutes_per_day_) + 1));
      placed = true;
    }
  }
  if (!placed) {
    // Late, by draw or because no timely day was left after the previous
    // event (always so for a same-day dossier): on the due date or after it.
    const LocalMinute low = std::max(earliest, LocalMinute::AtDay(due.day(), ops_.open_minute()));
    if (low > latest) return;
    const int64_t span = ops_.Between(low, latest);
    issued = ops_.OfficeAt(low, rng.Below(std::min<int64_t>(span, 3 * minutes_per_day_) + 1));
    if (issued > latest) issued = latest;
  }

  // The promised date: closing of the finishing day or a little after it.
  int64_t promised_day = finished != nullptr ? finished->day() : due.day();
  const int64_t extra_days = finished != nullptr ? rng.Below(3) : 3 + rng.Below(8);
  for (int64_t i = 0; i < extra_days; ++i) promised_day = ops_.NextWorkingDay(promised_day);
  Planned apology = Step(EventType::kApologized, issued, holder);
  apology.responsible_id = holder;
  apology.reason = PickText(rng, kApologyReasons);
  apology.new_due = LocalMinute::AtDay(promised_day, ops_.close_minute());
  plan->push_back(apology);
  ++stats_.apologies;
  if (ops_.IsApologyTimely(issued, due)) ++stats_.apologies_timely;

  // Rarely a second apology: the decree lets the new date be set only once,
  // so the engine must log it and raise apology_violation.
  if (finished != nullptr && rng.Chance(kSecondApologyBp)) {
    const int64_t span = ops_.Between(issued, latest);
    if (span >= 2) {
      Planned second = apology;
      second.at = ops_.OfficeAt(issued, 1 + rng.Below(span - 1));
      second.new_due = LocalMinute::AtDay(ops_.NextWorkingDay(promised_day), ops_.close_minute());
      plan->push_back(second);
      ++stats_.second_apologies;
    }
  }
}

// Renders the planned events and queues them. Seconds are drawn per event and
// clamped so that a dossier never goes back in time within a minute.
void Generator::Emit(const std::vector<Planned>& plan, const Receipt& receipt, uint64_t sequence,
                     const std::string& dossier_id, LocalMinute due_at, Rng& rng) {
  const Profile& profile = profiles_[receipt.profile];
  int ordinal = 1;
  int64_t previous_ms = receipt.at_ms;

  builder_.Begin(dossier_id, ordinal, EventType::kReceived, Instant{receipt.at_ms},
                 units_[receipt.unit].agency_id);
  builder_.Text("procedure_id", profile.procedure_id);
  builder_.Text("channel", core::ChannelName(receipt.channel));
  if (receipt.channel == Channel::kOnline) builder_.Int("online_level", receipt.online_level);
  builder_.Bool("one_stop", receipt.one_stop);
  // The desk prints the appointment on the receipt; online portals leave it
  // to the engine's own rule.
  if (receipt.channel != Channel::kOnline) builder_.Time("due_at", due_at);
  Queue(receipt.at_ms, sequence, ordinal, builder_.Finish());
  ++stats_.events_by_type[static_cast<int>(EventType::kReceived)];

  for (const Planned& step : plan) {
    ++ordinal;
    const int64_t at_ms =
        std::max(previous_ms, core::ToInstant(step.at).epoch_ms + rng.Below(60) * 1000);
    previous_ms = at_ms;
    builder_.Begin(dossier_id, ordinal, step.type, Instant{at_ms}, step.agency_id);
    switch (step.type) {
      case EventType::kTransferred:
        builder_.Text("to_agency_id", step.to_agency_id);
        builder_.Text("reason", step.reason);
        break;
      case EventType::kSupplementRequested:
        builder_.Text("reason", step.reason);
        break;
      case EventType::kResolved:
        builder_.Text("outcome", core::OutcomeName(step.outcome));
        break;
      case EventType::kApologized:
        builder_.Time("new_due_at", step.new_due);
        builder_.Text("reason", step.reason);
        builder_.Text("responsible_agency_id", step.responsible_id);
        break;
      case EventType::kWithdrawn:
      case EventType::kRejected:
        builder_.Text("reason", step.reason);
        break;
      default:
        break;
    }
    Queue(at_ms, sequence, ordinal, builder_.Finish());
    ++stats_.events_by_type[static_cast<int>(step.type)];
  }
}

// Dialogues with citizens (Kế hoạch 23/KH-UBND: every ward at least once a
// half-year). Most wards hold one in March–May and one in September–November;
// by draw, one ward holds none, two hold one (in the first half-year) only,
// one holds two in the first half-year and none in the second, and one holds
// its second on another topic (not counted), so the scorecard shows both met
// and missed. Drawn from a stream of their own, so the dossiers' events are
// the same bytes as without dialogues; queued after the dossiers' events of
// the same instant.
Status Generator::PlanDialogues() {
  std::vector<size_t> wards;
  for (size_t i = 0; i < units_.size(); ++i) {
    if (units_[i].code[0] == 'W') wards.push_back(i);
  }
  Rng rng(options_.seed ^ 0x6469616c6f677565ULL);  // "dialogue"
  for (size_t i = wards.size(); i > 1; --i) {      // Fisher–Yates: who gets which pattern
    std::swap(wards[i - 1], wards[static_cast<size_t>(rng.Below(static_cast<int64_t>(i)))]);
  }
  enum class Pattern { kNone, kFirstHalfOnly, kTwiceInFirstHalf, kSecondOffTopic, kBothHalves };
  uint64_t sequence = UINT64_MAX - 1024;  // after every dossier at the same instant
  for (size_t rank = 0; rank < wards.size(); ++rank) {
    const Unit& unit = units_[wards[rank]];
    const Pattern pattern = rank == 0   ? Pattern::kNone
                            : rank <= 2 ? Pattern::kFirstHalfOnly
                            : rank == 3 ? Pattern::kTwiceInFirstHalf
                            : rank == 4 ? Pattern::kSecondOffTopic
                                        : Pattern::kBothHalves;
    struct Slot {
      int first_month, last_month;
      bool on_procedures;
    };
    std::vector<Slot> dialogues;
    switch (pattern) {
      case Pattern::kNone:
        break;
      case Pattern::kFirstHalfOnly:
        dialogues = {{3, 5, true}};
        break;
      case Pattern::kTwiceInFirstHalf:
        dialogues = {{3, 3, true}, {4, 4, true}};
        break;
      case Pattern::kSecondOffTopic:
        dialogues = {{3, 5, true}, {9, 11, false}};
        break;
      case Pattern::kBothHalves:
        dialogues = {{3, 5, true}, {9, 11, true}};
        break;
    }
    int number = 0;
    for (const Slot& planned : dialogues) {
      const int month = static_cast<int>(rng.Between(planned.first_month, planned.last_month));
      const int64_t drawn = core::DaysFromCivil(
          core::CivilDate{options_.year, month, static_cast<int>(rng.Between(1, 25))});
      auto day = calendar_.NextWorkingDay(drawn - 1);
      if (!day.ok()) return day.status();
      // Held in the afternoon, recorded when it ends.
      const core::Instant recorded =
          core::ToInstant(LocalMinute::AtDay(*day, 16 * 60 + static_cast<int>(rng.Between(0, 59))));
      // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on chains of +.
      std::string id = id_prefix_;
      id += unit.code;
      id += "-DT";
      id += std::to_string(++number);
      std::string line = "{\"event_id\":\"";
      line += id;
      line += ":1\",\"dialogue_id\":\"";
      line += id;
      line += "\",\"type\":\"dialogue_held\",\"occurred_at\":\"";
      line += core::FormatLocal(recorded);
      line += "\",\"agency_id\":\"";
      line += unit.agency_id;
      line += "\",\"held_on\":\"";
      line += core::FormatCivilDate(core::CivilFromDays(*day));
      line += "\",\"topic\":\"";
      line += planned.on_procedures ? "administrative_procedures" : "other";
      line += "\",\"participants\":";
      AppendInt(line, rng.Between(20, 150));
      line += ",\"minutes_ref\":\"BB-";
      line += id;
      line += "\"}\n";
      Queue(recorded.epoch_ms, sequence++, 0, line);
      ++stats_.dialogues;
      ++stats_.events_by_type[static_cast<int>(EventType::kDialogueHeld)];
    }
  }
  return Status::Ok();
}

// Feedback and petitions (PAKN) of the year, for every unit: wards 6 to 14,
// the district desk 20 to 40. Channels: online 45 %, direct 25 %, phone 20 %,
// mail 10 %. Outcomes: answered 60 %, accepted 30 %, rejected 10 %; an answer
// comes 2 to 12 working days after receipt (a rejection 1 to 2), published 0
// to 2 working days later (1 in 20: 3 to 4, late), rated in 60 % of cases
// (dissatisfied 1 in 6). By draw, four wards answer some feedback late (on
// working day 16 to 20; one of them also rejects one on day 3), so the
// scorecard's PAKN column shows both met and missed. Received from 2 January
// to mid-December; later steps may fall in the next year. Drawn from a
// stream of its own, so the dossiers' events stay the same bytes.
Status Generator::PlanFeedback() {
  std::vector<size_t> order(units_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  Rng rng(options_.seed ^ 0x66656564626b6e00ULL);  // "feedbkn"
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[static_cast<size_t>(rng.Below(static_cast<int64_t>(i)))]);
  }
  // After every dossier at the same instant, before the dialogues (their
  // sequences start at UINT64_MAX - 1024).
  uint64_t sequence = UINT64_MAX - (uint64_t{1} << 24);
  int late_wards = 0;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    const Unit& unit = units_[order[rank]];
    const bool ward = unit.code[0] == 'W';
    const bool answers_late = ward && late_wards < 4;
    if (answers_late) ++late_wards;
    const bool rejects_late = answers_late && late_wards == 1;
    const int64_t count = ward ? rng.Between(6, 14) : rng.Between(20, 40);
    for (int64_t n = 1; n <= count; ++n) {
      const int month = static_cast<int>(rng.Between(1, 12));
      const int64_t drawn = core::DaysFromCivil(
          core::CivilDate{options_.year, month, static_cast<int>(rng.Between(2, 15))});
      auto day = calendar_.NextWorkingDay(drawn - 1);
      if (!day.ok()) return day.status();
      const LocalMinute received_at =
          LocalMinute::AtDay(*day, 8 * 60 + static_cast<int>(rng.Between(0, 8 * 60 + 59)));
      const int64_t channel_draw = rng.Below(100);
      const char* channel = channel_draw < 45   ? "online"
                            : channel_draw < 70 ? "direct"
                            : channel_draw < 90 ? "phone"
                                                : "mail";
      const int64_t outcome_draw = rng.Below(100);
      const char* outcome = outcome_draw < 60   ? "answered"
                            : outcome_draw < 90 ? "accepted"
                                                : "rejected";
      bool rejected = outcome_draw >= 90;
      // The working day of the answer, counted as the deadline rules count
      // (docs/plan-targets.md); an hour before the clock time of receipt, so
      // day 15 (2 for a rejection) is on time and the next day late.
      int64_t answer_day = rejected ? rng.Between(1, 2) : rng.Between(2, 12);
      if (answers_late && n <= 2) {
        outcome = "answered";
        rejected = false;
        answer_day = rng.Between(16, 20);
      }
      if (rejects_late && n == 3) {
        outcome = "rejected";
        answer_day = 3;
      }
      auto answer_due = core::ComputeDueAt(
          calendar_, received_at,
          core::ProcessingTime{core::ProcessingKind::kWorkingDays, static_cast<int>(answer_day)});
      if (!answer_due.ok()) return answer_due.status();
      const LocalMinute answered_at{answer_due->value - 60};
      const int64_t publish_days = rng.Below(20) == 0 ? rng.Between(3, 4) : rng.Between(0, 2);
      LocalMinute published_at{answered_at.value + 30};
      if (publish_days > 0) {
        auto due = core::ComputeDueAt(calendar_, answered_at,
                                      core::ProcessingTime{core::ProcessingKind::kWorkingDays,
                                                           static_cast<int>(publish_days)});
        if (!due.ok()) return due.status();
        published_at = LocalMinute{due->value - 30};
      }
      const bool rated = rng.Below(10) < 6;
      const bool dissatisfied = rng.Below(6) == 0;
      const LocalMinute rated_at{published_at.value + rng.Between(1, 4) * 24 * 60};

      const std::string id = id_prefix_ + unit.code + "-PAKN" + std::to_string(n);
      auto line = [&](int step, const char* type) {
        std::string out = "{\"event_id\":\"";
        out += id;
        out += ':';
        AppendInt(out, step);
        out += "\",\"feedback_id\":\"";
        out += id;
        out += "\",\"type\":\"";
        out += type;
        out += "\",\"occurred_at\":\"";
        return out;
      };
      auto finish = [&](std::string out, LocalMinute at, int step, EventType type) {
        out += core::FormatLocal(core::ToInstant(at));
        out += "\",\"agency_id\":\"";
        out += unit.agency_id;
        out += '"';
        switch (type) {
          case EventType::kFeedbackReceived:
            out += ",\"channel\":\"";
            out += channel;
            out += '"';
            break;
          case EventType::kFeedbackAnswered:
            out += ",\"outcome\":\"";
            out += outcome;
            out += '"';
            break;
          case EventType::kFeedbackRated:
            out += ",\"rating\":\"";
            out += dissatisfied ? "dissatisfied" : "satisfied";
            out += '"';
            break;
          default:
            break;
        }
        out += "}\n";
        Queue(core::ToInstant(at).epoch_ms, sequence++, step, out);
        ++stats_.feedback_events;
        ++stats_.events_by_type[static_cast<int>(type)];
      };
      finish(line(1, "feedback_received"), received_at, 1, EventType::kFeedbackReceived);
      finish(line(2, "feedback_answered"), answered_at, 2, EventType::kFeedbackAnswered);
      finish(line(3, "feedback_published"), published_at, 3, EventType::kFeedbackPublished);
      if (rated) finish(line(4, "feedback_rated"), rated_at, 4, EventType::kFeedbackRated);
      ++stats_.feedback;
    }
  }
  return Status::Ok();
}

void Generator::Queue(int64_t at_ms, uint64_t sequence, int ordinal, const std::string& line) {
  DayBucket& bucket = pending_[core::ToLocalMinute(Instant{at_ms}).day()];
  bucket.events.push_back(Pending{at_ms, sequence, static_cast<uint32_t>(ordinal),
                                  static_cast<uint32_t>(line.size()), bucket.lines.size()});
  bucket.lines += line;
}

Status Generator::DrainThrough(int64_t last_day) {
  while (!pending_.empty() && pending_.begin()->first <= last_day) {
    DayBucket& bucket = pending_.begin()->second;
    std::sort(bucket.events.begin(), bucket.events.end());
    for (const Pending& event : bucket.events) {
      buffer_.append(bucket.lines, event.offset, event.length);
      if (buffer_.size() >= kFlushBytes) HOSO_RETURN_IF_ERROR(Flush());
    }
    stats_.events += static_cast<int64_t>(bucket.events.size());
    pending_.erase(pending_.begin());
  }
  return Status::Ok();
}

Status Generator::Flush() {
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
  if (!out_) return Status::IOError("writing the generated events failed");
  return Status::Ok();
}

Status Generator::Run() {
  if (options_.dossiers < 0 || options_.dossiers > kMaxDossiers) {
    return Status::InvalidArgument("dossiers must be within 0.." + std::to_string(kMaxDossiers) +
                                   ", got " + std::to_string(options_.dossiers));
  }
  if (options_.year < 1 || options_.year > 9998) {
    return Status::InvalidArgument("year out of range: " + std::to_string(options_.year));
  }
  first_day_ = core::DaysFromCivil(core::CivilDate{options_.year, 1, 1});
  last_day_ = std::min(core::DaysFromCivil(core::CivilDate{options_.year, 12, 31}),
                       calendar_.last_day() - kTailMarginDays);
  if (first_day_ < calendar_.first_day() || last_day_ < first_day_) {
    return Status::OutOfRange("year " + std::to_string(options_.year) +
                              " lies outside the working calendar (version " + calendar_.version() +
                              ")");
  }
  year_end_ms_ =
      core::ToInstant(
          LocalMinute::AtDay(core::DaysFromCivil(core::CivilDate{options_.year, 12, 31}) + 1, 0))
          .epoch_ms -
      1;
  id_prefix_ = "HBT-" + std::to_string(options_.year) + "-";
  close_minute_ = calendar_.options().office_close_minute;
  minutes_per_day_ = calendar_.minutes_per_working_day();
  HOSO_RETURN_IF_ERROR(BuildModel());
  HOSO_RETURN_IF_ERROR(BuildDayCounts());
  buffer_.reserve(kFlushBytes + 4096);
  if (options_.dossiers > 0) HOSO_RETURN_IF_ERROR(PlanDialogues());
  if (options_.dossiers > 0) HOSO_RETURN_IF_ERROR(PlanFeedback());

  uint64_t sequence = 0;
  int64_t draw_index = 0;
  std::vector<Receipt> receipts;
  for (int64_t day = first_day_; day <= last_day_; ++day) {
    const DayKind kind = KindOfDay(day);
    receipts.assign(static_cast<size_t>(day_counts_[static_cast<size_t>(day - first_day_)]),
                    Receipt{});
    for (Receipt& receipt : receipts) {
      receipt.draw_index = draw_index++;
      DrawReceipt(day, kind, &receipt);
    }
    // Receipt numbers follow the order of arrival at each desk.
    std::sort(receipts.begin(), receipts.end(), [](const Receipt& a, const Receipt& b) {
      return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : a.draw_index < b.draw_index;
    });
    for (const Receipt& receipt : receipts) HOSO_RETURN_IF_ERROR(PlanDossier(receipt, sequence++));
    // Everything planned for today can be written: tomorrow's receipts and
    // their events all come later.
    HOSO_RETURN_IF_ERROR(DrainThrough(day));
  }
  HOSO_RETURN_IF_ERROR(DrainThrough(INT64_MAX));
  return Flush();
}

}  // namespace

Status Generate(const Options& options, const core::ProcedureCatalog& catalog,
                const core::AgencyList& agencies, const core::WorkingCalendar& calendar,
                std::ostream& out, Stats* stats) {
  Stats local;
  if (stats == nullptr) stats = &local;
  *stats = Stats{};
  Generator generator(options, catalog, agencies, calendar, out, stats);
  return generator.Run();
}

}  // namespace hoso::loadgen
