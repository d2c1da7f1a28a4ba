#include "engine/runtime/log_verifier.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "engine/core/instant.h"
#include "engine/runtime/chain_hash.h"
#include "engine/runtime/engine.h"
#include "projections/dossier_record.h"
#include "projections/event_log.h"
#include "projections/meta.h"
#include "projections/populated_allocator.h"
#include "schemas/codec/event_codec.h"

namespace hoso::runtime {
namespace {

using projections::Column;

using Head = std::array<char, 32>;

// What the walk knows of one dossier. Fixed-size heads and the id as a
// slice of the shard's id arena: the walk allocates nothing per event.
struct DossierWalk {
  uint64_t id_at = 0;  // in Shard::id_bytes
  uint32_t id_length = 0;
  uint32_t next_sequence = 0;  // the dossier sequence expected next
  Head head{};                 // valid once next_sequence > 0
  uint64_t first_log_sequence = 0;
  uint64_t last_log_sequence = 0;
  // As of the last checkpoint (what the stored record must say).
  uint32_t checkpoint_count = 0;
  Head checkpoint_head{};
  uint64_t checkpoint_last = 0;
  bool has_record = false;
  // The last entry of month_heads for this dossier, to overwrite while its
  // events stay in one month.
  size_t last_month_head = SIZE_MAX;
};

// The dossier's head after its last-logged event dated in `month`.
struct MonthHead {
  int month;
  uint32_t dossier;  // index into the shard's dossiers
  uint64_t sequence;
  Head head;
};

uint64_t HashOfId(std::string_view id) { return std::hash<std::string_view>{}(id); }

// dossier id -> ordinal: open addressing over (hash, ordinal) pairs, so a
// lookup is one probe into a flat array and one id comparison (a node-based
// map costs three dependent trips to memory per event).
class DossierIndex {
 public:
  // `expected` ids: sized so that they fit without a rehash.
  explicit DossierIndex(size_t expected) {
    size_t capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    Rehash(capacity);
  }
  // The ordinal of `id`, or the one `add` gives it when it is new.
  template <typename Equal, typename Add>
  uint32_t FindOrAdd(uint32_t hash, Equal&& equal, Add&& add) {
    size_t i = hash & mask_;
    for (;; i = (i + 1) & mask_) {
      const Bucket& bucket = buckets_[i];
      if (bucket.ordinal == kEmpty) break;
      if (bucket.hash == hash && equal(bucket.ordinal)) return bucket.ordinal;
    }
    const uint32_t ordinal = add();
    buckets_[i] = Bucket{hash, ordinal};
    if (++size_ * 2 > buckets_.size()) Rehash(buckets_.size() * 2);
    return ordinal;
  }
  template <typename Equal>
  std::optional<uint32_t> Find(uint32_t hash, Equal&& equal) const {
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Bucket& bucket = buckets_[i];
      if (bucket.ordinal == kEmpty) return std::nullopt;
      if (bucket.hash == hash && equal(bucket.ordinal)) return bucket.ordinal;
    }
  }
  void Prefetch(uint32_t hash) const { __builtin_prefetch(&buckets_[hash & mask_]); }
  // The ordinal in the first bucket probed for `hash`, if it holds that hash
  // (a guess, for prefetching only).
  std::optional<uint32_t> Peek(uint32_t hash) const {
    const Bucket& bucket = buckets_[hash & mask_];
    if (bucket.ordinal == kEmpty || bucket.hash != hash) return std::nullopt;
    return bucket.ordinal;
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Bucket {
    uint32_t hash;
    uint32_t ordinal;
  };
  void Rehash(size_t capacity) {
    std::vector<Bucket, projections::PopulatedAllocator<Bucket>> old = std::move(buckets_);
    buckets_.assign(capacity, Bucket{0, kEmpty});
    mask_ = capacity - 1;
    for (const Bucket& bucket : old) {
      if (bucket.ordinal == kEmpty) continue;
      size_t i = bucket.hash & mask_;
      while (buckets_[i].ordinal != kEmpty) i = (i + 1) & mask_;
      buckets_[i] = bucket;
    }
  }

  std::vector<Bucket, projections::PopulatedAllocator<Bucket>> buckets_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

void AppendLeb128(uint64_t n, std::string* out) {
  for (;; n >>= 7) {
    out->push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
    if (n < 0x80) break;
  }
}

// A problem and where it stands in the order the report promises: the
// walk's problems in log order, then the stored records' (by column and
// key), then dossiers without a record (by their first event).
struct Problem {
  int phase = 0;
  uint64_t order = 0;
  std::string key;
  std::string dossier_id;
  int64_t sequence = -1;
  std::string text;
  bool operator<(const Problem& other) const {
    return std::tie(phase, order, key) < std::tie(other.phase, other.order, other.key);
  }
};

// The dossiers whose id hashes to `index` modulo `count`: a dossier's chain
// depends only on its own events, so shards walk the log side by side, each
// on its own thread, and only the month roots bring them together.
class Shard {
 public:
  Shard(int index, int count, size_t expected_dossiers)
      : index_(index), count_(count), ids_(expected_dossiers) {
    // Sized up front and populated (PopulatedAllocator): grown by doubling
    // and faulted in a page at a time, they were a tenth of the walk.
    dossiers_.reserve(expected_dossiers);
    month_heads_.reserve(expected_dossiers * 3 / 2);
    id_bytes_.reserve(expected_dossiers * 24);
  }

  std::string_view id(uint32_t ordinal) const {
    const DossierWalk& dossier = dossiers_[ordinal];
    return std::string_view(id_bytes_).substr(dossier.id_at, dossier.id_length);
  }
  static size_t OwnerOf(uint64_t hash, size_t count) { return (hash >> 40) % count; }
  bool Owns(uint64_t hash) const { return count_ == 1 || OwnerOf(hash, count_) == index_; }
  std::optional<Problem>& problem() { return problem_; }
  uint64_t events() const { return events_; }
  size_t dossier_count() const { return dossiers_.size(); }

  void Fail(int phase, uint64_t order, std::string_view key, std::string_view dossier_id,
            int64_t sequence, std::string text) {
    if (problem_) return;  // each phase visits in its order: the first is the least
    problem_ =
        Problem{phase, order, std::string(key), std::string(dossier_id), sequence, std::move(text)};
  }

  // Walks the log. Shard 0 also checks the segments' continuity.
  core::Status Walk(projections::KvStore& store, uint64_t checkpoint_sequence, uint64_t logged,
                    std::atomic<uint64_t>* events_done,
                    const std::function<void(uint64_t)>& on_progress) {
    const bool continuity = index_ == 0;
    uint64_t expected = 1;
    std::vector<projections::LogEntry> entries;
    std::vector<uint32_t> hashes;
    std::vector<uint32_t> mine;  // indexes into entries
    auto it = store.NewIterator(Column::kLog);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto segment = projections::SegmentReader::Open(it->value());
      if (!segment.ok()) {
        if (continuity) Fail(0, expected * 2, "", "?", -1, "a log segment is malformed");
        continue;
      }
      if (continuity && segment->first_sequence() != expected) {
        Fail(0, expected * 2, "", "?", -1,
             segment->first_sequence() > expected
                 ? "log events " + std::to_string(expected) + ".." +
                       std::to_string(segment->first_sequence() - 1) +
                       " are missing (a segment was deleted)"
                 : "log segments overlap at event " + std::to_string(segment->first_sequence()));
      }
      expected = segment->first_sequence() + segment->count();
      // The segment's entries first, then this shard's, with the memory
      // each will touch requested a few entries ahead: the walk is bound by
      // trips to memory (tables of tens of megabytes probed at random).
      entries.clear();
      hashes.clear();
      mine.clear();
      projections::LogEntry entry;
      core::Status status;
      while (segment->Next(&entry, &status)) {
        const uint64_t hash = HashOfId(entry.dossier_id);
        if (!Owns(hash)) continue;
        mine.push_back(static_cast<uint32_t>(entries.size()));
        entries.push_back(entry);
        hashes.push_back(static_cast<uint32_t>(hash));
      }
      if (!status.ok() && continuity) {
        Fail(0, expected * 2, "", "?", -1, "a log segment is malformed: " + status.message());
      }
      constexpr size_t kBucketsAhead = 12;
      constexpr size_t kDossiersAhead = 6;
      for (size_t j = 0; j < mine.size() && j < kBucketsAhead; ++j) ids_.Prefetch(hashes[j]);
      for (size_t j = 0; j < mine.size(); ++j) {
        if (j + kBucketsAhead < mine.size()) ids_.Prefetch(hashes[j + kBucketsAhead]);
        if (j + kDossiersAhead < mine.size()) {
          if (auto ordinal = ids_.Peek(hashes[j + kDossiersAhead])) {
            const DossierWalk& ahead = dossiers_[*ordinal];
            __builtin_prefetch(&ahead);
            __builtin_prefetch(id_bytes_.data() + ahead.id_at);
            if (ahead.last_month_head != SIZE_MAX) {
              __builtin_prefetch(&month_heads_[ahead.last_month_head]);
            }
          }
        }
        Visit(entries[mine[j]], hashes[j], checkpoint_sequence);
      }
      const uint64_t done = events_done->fetch_add(mine.size()) + mine.size();
      if (on_progress && done / 65536 != (done - mine.size()) / 65536) on_progress(done);
    }
    HOSO_RETURN_IF_ERROR(it->status());
    if (continuity && expected != logged + 1) {
      Fail(0, UINT64_MAX, "", "?", -1,
           "the log ends at event " + std::to_string(expected - 1) + " but " +
               std::to_string(logged) + " were logged (events at the end were deleted)");
    }
    return core::Status::Ok();
  }

  // The record stored for `key` (hash `hash`, owned by this shard) at the
  // last checkpoint: the problem it shows, if any. Called for distinct keys
  // from several threads at once once the walks are over.
  std::optional<std::pair<int64_t, std::string>> RecordSeen(std::string_view key, uint64_t hash,
                                                            const core::DossierState& state) {
    const std::optional<uint32_t> found = Find(key, static_cast<uint32_t>(hash));
    if (!found) {
      return std::make_pair(int64_t{-1},
                            std::string("a dossier state is stored but the log holds none of its "
                                        "events"));
    }
    DossierWalk& dossier = dossiers_[*found];
    dossier.has_record = true;
    const bool head_matches =
        std::memcmp(state.chain_head.data(), dossier.checkpoint_head.data(), 32) == 0;
    if (state.event_count != dossier.checkpoint_count) {
      return std::make_pair(int64_t{dossier.checkpoint_count},
                            "the dossier state counts " + std::to_string(state.event_count) +
                                " events but the log holds " +
                                std::to_string(dossier.checkpoint_count) +
                                " (an event was deleted or added)");
    }
    if (!head_matches || state.last_log_sequence != dossier.checkpoint_last) {
      return std::make_pair(static_cast<int64_t>(state.event_count) - 1,
                            std::string("the chain head does not match the dossier state"));
    }
    return std::nullopt;
  }

  // After every record was seen: dossiers with checkpointed events but no
  // record.
  void CheckMissingRecords() {
    for (uint32_t i = 0; i < dossiers_.size(); ++i) {
      if (!dossiers_[i].has_record && dossiers_[i].checkpoint_count > 0) {
        Fail(2, dossiers_[i].first_log_sequence, "", id(i), -1,
             "events are logged but the dossier state is missing");
      }
    }
  }

  // Sorts this shard's dossiers by id (for the month roots and for splitting
  // the records among threads).
  void SortIds() {
    // Sorted as (id, ordinal) pairs: a comparison then reads the id arena
    // only, not each dossier's walk state (a cache miss per comparison).
    std::vector<std::pair<std::string_view, uint32_t>> pairs(dossiers_.size());
    for (uint32_t i = 0; i < pairs.size(); ++i) pairs[i] = {id(i), i};
    std::sort(pairs.begin(), pairs.end());
    by_id_.resize(pairs.size());
    for (size_t r = 0; r < pairs.size(); ++r) by_id_[r] = pairs[r].second;
  }
  // The id at `fraction` of the sorted ids (after SortIds), or none.
  std::optional<std::string> IdAt(double fraction) const {
    if (by_id_.empty()) return std::nullopt;
    const size_t at = std::min(by_id_.size() - 1, static_cast<size_t>(fraction * by_id_.size()));
    return std::string(id(by_id_[at]));
  }

  // This shard's month heads, one per (month, dossier): the link after the
  // dossier's last-logged event of the month, by month, then dossier id.
  // After SortIds.
  std::vector<MonthHead> FinalMonthHeads() {
    std::vector<uint32_t> rank(dossiers_.size());
    for (uint32_t r = 0; r < by_id_.size(); ++r) rank[by_id_[r]] = r;
    std::sort(month_heads_.begin(), month_heads_.end(),
              [&](const MonthHead& a, const MonthHead& b) {
                if (a.month != b.month) return a.month < b.month;
                if (a.dossier != b.dossier) return rank[a.dossier] < rank[b.dossier];
                return a.sequence < b.sequence;
              });
    std::vector<MonthHead> last;
    last.reserve(month_heads_.size());
    for (size_t i = 0; i < month_heads_.size(); ++i) {
      const MonthHead& head = month_heads_[i];
      if (i + 1 == month_heads_.size() || month_heads_[i + 1].month != head.month ||
          month_heads_[i + 1].dossier != head.dossier) {
        last.push_back(head);
      }
    }
    return last;
  }

 private:
  std::optional<uint32_t> Find(std::string_view key, uint32_t hash) const {
    return ids_.Find(hash, [&](uint32_t ordinal) { return id(ordinal) == key; });
  }

  void Visit(const projections::LogEntry& entry, uint32_t hash, uint64_t checkpoint_sequence) {
    ++events_;
    const uint32_t ordinal = ids_.FindOrAdd(
        hash, [&](uint32_t candidate) { return id(candidate) == entry.dossier_id; },
        [&] {
          DossierWalk added;
          added.id_at = id_bytes_.size();
          added.id_length = static_cast<uint32_t>(entry.dossier_id.size());
          added.first_log_sequence = entry.sequence;
          id_bytes_.append(entry.dossier_id);
          dossiers_.push_back(added);
          return static_cast<uint32_t>(dossiers_.size() - 1);
        });
    DossierWalk& dossier = dossiers_[ordinal];
    const std::string_view dossier_id = entry.dossier_id;
    const uint64_t order = entry.sequence * 2 + 1;
    if (entry.dossier_sequence != dossier.next_sequence) {
      Fail(0, order, "", dossier_id, dossier.next_sequence,
           entry.dossier_sequence > dossier.next_sequence
               ? "event " + std::to_string(dossier.next_sequence) + " is missing (next is " +
                     std::to_string(entry.dossier_sequence) + ")"
               : "event " + std::to_string(entry.dossier_sequence) +
                     " is out of its chain's order (reordered or repeated)");
    }
    const std::string_view previous =
        dossier.next_sequence == 0 ? std::string_view() : std::string_view(dossier.head.data(), 32);
    hasher_.Chain(previous, entry.bytes, &next_head_);
    if (next_head_ != entry.chain_hash) {
      Fail(0, order, "", dossier_id, entry.dossier_sequence,
           "the event's bytes do not match its chain hash (edited, reordered or replaced)");
      // Follow the stored chain to report later breaks once.
      next_head_.assign(entry.chain_hash.substr(0, std::min<size_t>(32, entry.chain_hash.size())));
      next_head_.resize(32, '\0');
    }
    std::memcpy(dossier.head.data(), next_head_.data(), 32);
    dossier.next_sequence = entry.dossier_sequence + 1;
    dossier.last_log_sequence = entry.sequence;
    if (entry.sequence <= checkpoint_sequence) {
      dossier.checkpoint_count = dossier.next_sequence;
      dossier.checkpoint_head = dossier.head;
      dossier.checkpoint_last = entry.sequence;
    }
    int month = 0;
    if (MonthOfLoggedEvent(entry.bytes, &month)) {
      if (dossier.last_month_head != SIZE_MAX &&
          month_heads_[dossier.last_month_head].month == month) {
        month_heads_[dossier.last_month_head].sequence = entry.sequence;
        month_heads_[dossier.last_month_head].head = dossier.head;
      } else {
        dossier.last_month_head = month_heads_.size();
        month_heads_.push_back(MonthHead{month, ordinal, entry.sequence, dossier.head});
      }
    } else {
      Fail(0, order, "", dossier_id, entry.dossier_sequence, "the stored event no longer decodes");
    }
  }

  const uint64_t index_;
  const uint64_t count_;
  DossierIndex ids_;
  std::string id_bytes_;
  std::vector<DossierWalk, projections::PopulatedAllocator<DossierWalk>> dossiers_;
  std::vector<MonthHead, projections::PopulatedAllocator<MonthHead>> month_heads_;
  std::vector<uint32_t> by_id_;  // ordinals in id order, after SortIds
  ChainHasher hasher_;
  std::string next_head_;
  uint64_t events_ = 0;
  std::optional<Problem> problem_;
};

}  // namespace

bool MonthOfLoggedEvent(std::string_view bytes, int* month) {
  // The bytes were validated when logged (a flat object), so the compact
  // form `"occurred_at":"<RFC 3339>"` is found without a full parse;
  // anything else takes the full decoder.
  if (auto text = CompactStringField(bytes, "occurred_at")) {
    auto instant = core::ParseRfc3339(*text);
    if (instant.ok()) {
      *month = core::MonthKeyOf(*instant);
      return true;
    }
  }
  thread_local codec::EventDecoder decoder;
  core::Event event;
  core::Rejection rejection;
  if (!decoder.Decode(bytes, &event, &rejection)) return false;
  *month = core::MonthKeyOf(event.occurred_at);
  return true;
}

std::string MonthRoot(const std::map<std::string, std::string>& heads_by_dossier) {
  std::string material;
  for (const auto& [dossier_id, head] : heads_by_dossier) {
    AppendLeb128(dossier_id.size(), &material);  // ids are up to 512 bytes of UTF-8
    material += dossier_id;
    material += head;
  }
  return ChainHash("", material);
}

core::Result<VerifyReport> VerifyLog(projections::KvStore& store, const VerifyOptions& options) {
  auto checkpoint = projections::ReadCheckpointMeta(store);
  if (!checkpoint.ok()) return checkpoint.status();
  const uint64_t checkpoint_sequence = checkpoint->has_value() ? (*checkpoint)->log_sequence : 0;
  auto meta = projections::ReadEngineMeta(store);
  if (!meta.ok()) return meta.status();
  const uint64_t logged = meta->has_value() ? (*meta)->log_sequence : 0;
  core::IdTable names;
  HOSO_RETURN_IF_ERROR(projections::LoadNames(store, &names));

  // One shard per core, up to four; every shard reads the whole log (LZ4
  // and parsing are a small share) and walks its own dossiers.
  const int shard_count =
      static_cast<int>(std::clamp<unsigned>(std::thread::hardware_concurrency(), 1, 4));
  std::vector<std::unique_ptr<Shard>> shards;
  for (int i = 0; i < shard_count; ++i) {
    // Sized for two events a dossier (the index grows if there are more
    // dossiers).
    shards.push_back(std::make_unique<Shard>(i, shard_count, logged / shard_count / 2 + 1));
  }
  std::atomic<uint64_t> events_done{0};
  std::vector<core::Status> statuses(shard_count, core::Status::Ok());
  // Runs fn(i) for i in [0, shard_count), i = 0 on the calling thread.
  auto in_parallel = [&](const std::function<core::Status(int)>& fn) -> core::Status {
    std::vector<std::thread> threads;
    for (int i = 1; i < shard_count; ++i) threads.emplace_back([&, i] { statuses[i] = fn(i); });
    statuses[0] = fn(0);
    for (std::thread& thread : threads) thread.join();
    for (const core::Status& status : statuses) HOSO_RETURN_IF_ERROR(status);
    return core::Status::Ok();
  };

  // 1. The walks, each shard's dossiers by id.
  HOSO_RETURN_IF_ERROR(in_parallel([&](int i) {
    Shard& shard = *shards[i];
    HOSO_RETURN_IF_ERROR(shard.Walk(store, checkpoint_sequence, logged, &events_done,
                                    i == 0 ? options.on_progress : nullptr));
    shard.SortIds();
    return core::Status::Ok();
  }));

  // 2. The dossier records of the last checkpoint must agree with the log.
  // Each thread reads one range of ids (split at shard 0's quantiles: the
  // shards hold ids spread evenly) and checks each record in the shard that
  // owns its id.
  std::vector<std::optional<std::string>> splits(shard_count + 1);
  for (int i = 1; i < shard_count; ++i) {
    splits[i] = shards[0]->IdAt(static_cast<double>(i) / shard_count);
  }
  std::vector<std::optional<Problem>> record_problems(shard_count);
  HOSO_RETURN_IF_ERROR(in_parallel([&](int t) {
    core::DossierState state;
    std::string record_id;
    int column_order = 0;
    for (Column column : {Column::kOpenDossiers, Column::kDossiers}) {
      ++column_order;
      auto fail = [&](std::string_view key, int64_t sequence, std::string text) {
        if (record_problems[t]) return;  // the range is read in order
        record_problems[t] = Problem{1,
                                     static_cast<uint64_t>(column_order),
                                     std::string(key),
                                     std::string(key),
                                     sequence,
                                     std::move(text)};
      };
      auto records = store.NewIterator(column);
      if (splits[t]) {
        records->Seek(*splits[t]);
      } else {
        records->SeekToFirst();
      }
      for (; records->Valid(); records->Next()) {
        const std::string_view key = records->key();
        if (splits[t + 1] && key >= *splits[t + 1]) break;
        if (!projections::DecodeDossierRecord(records->value(), names, &state, &record_id).ok() ||
            record_id != key) {
          fail(key, -1, "the dossier's stored state is unreadable");
          continue;
        }
        const uint64_t hash = HashOfId(key);
        auto problem = shards[Shard::OwnerOf(hash, shard_count)]->RecordSeen(key, hash, state);
        if (problem) fail(key, problem->first, std::move(problem->second));
      }
      HOSO_RETURN_IF_ERROR(records->status());
    }
    return core::Status::Ok();
  }));

  // 3. Dossiers without a record, and the month heads.
  std::vector<std::vector<MonthHead>> month_heads(shard_count);
  HOSO_RETURN_IF_ERROR(in_parallel([&](int i) {
    shards[i]->CheckMissingRecords();
    month_heads[i] = shards[i]->FinalMonthHeads();
    return core::Status::Ok();
  }));

  VerifyReport report;
  const Problem* first = nullptr;
  for (const auto& shard : shards) {
    report.events += shard->events();
    report.dossiers += shard->dossier_count();
    const std::optional<Problem>& problem = shard->problem();
    if (problem && (first == nullptr || *problem < *first)) first = &*problem;
  }
  for (const std::optional<Problem>& problem : record_problems) {
    if (problem && (first == nullptr || *problem < *first)) first = &*problem;
  }
  if (first != nullptr) {
    report.ok = false;
    report.bad_dossier_id = first->dossier_id;
    report.bad_sequence = first->sequence;
    report.problem = first->text;
  }

  // Month roots: for each month, the shards' heads merged by dossier id and
  // hashed as a stream (the same bytes MonthRoot hashes). Months are
  // independent: thread t takes every shard_count-th month.
  std::set<int> month_set;
  for (const std::vector<MonthHead>& heads : month_heads) {
    for (size_t i = 0; i < heads.size(); ++i) {
      if (i == 0 || heads[i].month != heads[i - 1].month) month_set.insert(heads[i].month);
    }
  }
  const std::vector<int> months(month_set.begin(), month_set.end());
  std::vector<std::string> roots(months.size());
  HOSO_RETURN_IF_ERROR(in_parallel([&](int t) {
    Sha256Stream root;
    std::string material;
    std::vector<std::pair<size_t, size_t>> ranges(shard_count);  // [next, end) of the month
    for (size_t m = static_cast<size_t>(t); m < months.size(); m += shard_count) {
      for (int i = 0; i < shard_count; ++i) {
        const std::vector<MonthHead>& heads = month_heads[i];
        auto by_month = [](const MonthHead& head, int month) { return head.month < month; };
        const auto first = std::lower_bound(heads.begin(), heads.end(), months[m], by_month);
        const auto last = std::lower_bound(first, heads.end(), months[m] + 1, by_month);
        ranges[i] = {static_cast<size_t>(first - heads.begin()),
                     static_cast<size_t>(last - heads.begin())};
      }
      for (;;) {
        int pick = -1;
        for (int i = 0; i < shard_count; ++i) {
          if (ranges[i].first == ranges[i].second) continue;
          if (pick < 0 || shards[i]->id(month_heads[i][ranges[i].first].dossier) <
                              shards[pick]->id(month_heads[pick][ranges[pick].first].dossier)) {
            pick = i;
          }
        }
        if (pick < 0) break;
        const MonthHead& head = month_heads[pick][ranges[pick].first++];
        const std::string_view id = shards[pick]->id(head.dossier);
        material.clear();
        AppendLeb128(id.size(), &material);
        material += id;
        material.append(head.head.data(), head.head.size());
        root.Update(material);
      }
      roots[m] = root.Finish();
    }
    return core::Status::Ok();
  }));
  for (size_t m = 0; m < months.size(); ++m) report.month_roots[months[m]] = std::move(roots[m]);
  return report;
}

}  // namespace hoso::runtime
