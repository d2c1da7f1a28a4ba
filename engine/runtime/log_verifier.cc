#include "engine/runtime/log_verifier.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include "engine/core/instant.h"
#include "engine/runtime/chain_hash.h"
#include "projections/dossier_record.h"
#include "projections/event_log.h"
#include "projections/meta.h"
#include "schemas/codec/event_codec.h"

namespace hoso::runtime {
namespace {

using projections::Column;

using Head = std::array<char, 32>;

// What the walk knows of one dossier. Fixed-size heads: the walk allocates
// nothing per event.
struct DossierWalk {
  uint32_t next_sequence = 0;  // the dossier sequence expected next
  Head head{};                 // valid once next_sequence > 0
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
  uint32_t dossier;  // index into the walk's dossiers
  uint64_t sequence;
  Head head;
};

// dossier id -> ordinal in `ids`: open addressing over (hash, ordinal)
// pairs, so a lookup is one probe into a flat array and one id comparison
// (a node-based map costs three dependent trips to memory per event).
class DossierIndex {
 public:
  explicit DossierIndex(const std::deque<std::string>* ids) : ids_(ids) { Rehash(1024); }
  // The ordinal of `id`, or the one `add` gives it when it is new.
  static uint32_t Hash(std::string_view id) {
    return static_cast<uint32_t>(std::hash<std::string_view>{}(id));
  }
  template <typename Add>
  uint32_t FindOrAdd(std::string_view id, uint32_t hash, Add&& add) {
    size_t i = hash & mask_;
    for (;; i = (i + 1) & mask_) {
      const Bucket& bucket = buckets_[i];
      if (bucket.ordinal == kEmpty) break;
      if (bucket.hash == hash && (*ids_)[bucket.ordinal] == id) return bucket.ordinal;
    }
    const uint32_t ordinal = add();
    buckets_[i] = Bucket{hash, ordinal};
    if (++size_ * 2 > buckets_.size()) Rehash(buckets_.size() * 2);
    return ordinal;
  }
  std::optional<uint32_t> Find(std::string_view id) const {
    const uint32_t hash = Hash(id);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Bucket& bucket = buckets_[i];
      if (bucket.ordinal == kEmpty) return std::nullopt;
      if (bucket.hash == hash && (*ids_)[bucket.ordinal] == id) return bucket.ordinal;
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Bucket {
    uint32_t hash;
    uint32_t ordinal;
  };
  void Rehash(size_t capacity) {
    std::vector<Bucket> old = std::move(buckets_);
    buckets_.assign(capacity, Bucket{0, kEmpty});
    mask_ = capacity - 1;
    for (const Bucket& bucket : old) {
      if (bucket.ordinal == kEmpty) continue;
      size_t i = bucket.hash & mask_;
      while (buckets_[i].ordinal != kEmpty) i = (i + 1) & mask_;
      buckets_[i] = bucket;
    }
  }

  const std::deque<std::string>* ids_;
  std::vector<Bucket> buckets_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

void AppendLeb128(uint64_t n, std::string* out) {
  for (;; n >>= 7) {
    out->push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
    if (n < 0x80) break;
  }
}

class Walk {
 public:
  VerifyReport report;
  void Fail(std::string_view dossier_id, int64_t sequence, std::string problem) {
    if (!report.ok) return;  // keep the first problem
    report.ok = false;
    report.bad_dossier_id = std::string(dossier_id);
    report.bad_sequence = sequence;
    report.problem = std::move(problem);
  }
};

}  // namespace

bool MonthOfLoggedEvent(std::string_view bytes, int* month) {
  // The bytes were validated when logged, so the compact form
  // `"occurred_at":"<RFC 3339>"` is found without a full parse (a quote inside
  // a JSON string is always escaped, so the pattern cannot come from a
  // value); anything else takes the full decoder.
  static constexpr std::string_view kKey = "\"occurred_at\":\"";
  // memmem, not string_view::find: find stops at every quote of the event.
  const void* hit = ::memmem(bytes.data(), bytes.size(), kKey.data(), kKey.size());
  if (hit != nullptr) {
    const size_t at = static_cast<size_t>(static_cast<const char*>(hit) - bytes.data());
    const size_t start = at + kKey.size();
    const size_t end = bytes.find('"', start);
    if (end != std::string_view::npos) {
      auto instant = core::ParseRfc3339(bytes.substr(start, end - start));
      if (instant.ok()) {
        *month = core::MonthKeyOf(*instant);
        return true;
      }
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
  Walk walk;
  auto checkpoint = projections::ReadCheckpointMeta(store);
  if (!checkpoint.ok()) return checkpoint.status();
  const uint64_t checkpoint_sequence = checkpoint->has_value() ? (*checkpoint)->log_sequence : 0;
  auto meta = projections::ReadEngineMeta(store);
  if (!meta.ok()) return meta.status();
  const uint64_t logged = meta->has_value() ? (*meta)->log_sequence : 0;

  std::deque<std::string> ids;  // by ordinal, in order of first appearance
  DossierIndex index(&ids);
  std::vector<DossierWalk> dossiers;
  std::vector<MonthHead> month_heads;
  ChainHasher hasher;
  std::string next_head;
  uint64_t expected = 1;

  auto it = store.NewIterator(Column::kLog);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto segment = projections::SegmentReader::Open(it->value());
    if (!segment.ok()) {
      walk.Fail("?", -1, "a log segment is malformed");
      continue;
    }
    if (segment->first_sequence() != expected) {
      walk.Fail("?", -1,
                segment->first_sequence() > expected
                    ? "log events " + std::to_string(expected) + ".." +
                          std::to_string(segment->first_sequence() - 1) +
                          " are missing (a segment was deleted)"
                    : "log segments overlap at event " + std::to_string(segment->first_sequence()));
    }
    expected = segment->first_sequence() + segment->count();
    projections::LogEntry entry;
    core::Status status;
    while (segment->Next(&entry, &status)) {
      ++walk.report.events;
      if (options.on_progress && walk.report.events % 65536 == 0) {
        options.on_progress(walk.report.events);
      }
      const uint32_t ordinal =
          index.FindOrAdd(entry.dossier_id, DossierIndex::Hash(entry.dossier_id), [&] {
            ids.emplace_back(entry.dossier_id);
            dossiers.emplace_back();
            return static_cast<uint32_t>(ids.size() - 1);
          });
      DossierWalk& dossier = dossiers[ordinal];
      const std::string& id = ids[ordinal];
      if (entry.dossier_sequence != dossier.next_sequence) {
        walk.Fail(id, dossier.next_sequence,
                  entry.dossier_sequence > dossier.next_sequence
                      ? "event " + std::to_string(dossier.next_sequence) + " is missing (next is " +
                            std::to_string(entry.dossier_sequence) + ")"
                      : "event " + std::to_string(entry.dossier_sequence) +
                            " is out of its chain's order (reordered or repeated)");
      }
      const std::string_view previous = dossier.next_sequence == 0
                                            ? std::string_view()
                                            : std::string_view(dossier.head.data(), 32);
      hasher.Chain(previous, entry.bytes, &next_head);
      if (next_head != entry.chain_hash) {
        walk.Fail(id, entry.dossier_sequence,
                  "the event's bytes do not match its chain hash (edited, reordered or replaced)");
        // Follow the stored chain to report later breaks once.
        next_head.assign(entry.chain_hash.substr(0, std::min<size_t>(32, entry.chain_hash.size())));
        next_head.resize(32, '\0');
      }
      std::memcpy(dossier.head.data(), next_head.data(), 32);
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
            month_heads[dossier.last_month_head].month == month) {
          month_heads[dossier.last_month_head].sequence = entry.sequence;
          month_heads[dossier.last_month_head].head = dossier.head;
        } else {
          dossier.last_month_head = month_heads.size();
          month_heads.push_back(MonthHead{month, ordinal, entry.sequence, dossier.head});
        }
      } else {
        walk.Fail(id, entry.dossier_sequence, "the stored event no longer decodes");
      }
    }
    if (!status.ok()) walk.Fail("?", -1, "a log segment is malformed: " + status.message());
  }
  HOSO_RETURN_IF_ERROR(it->status());
  if (expected != logged + 1 && walk.report.ok) {
    walk.Fail("?", -1,
              "the log ends at event " + std::to_string(expected - 1) + " but " +
                  std::to_string(logged) + " were logged (events at the end were deleted)");
  }
  walk.report.dossiers = ids.size();

  // The dossier records of the last checkpoint must agree with the log.
  core::IdTable names;
  HOSO_RETURN_IF_ERROR(projections::LoadNames(store, &names));
  core::DossierState state;
  std::string record_id;
  for (Column column : {Column::kOpenDossiers, Column::kDossiers}) {
    auto records = store.NewIterator(column);
    for (records->SeekToFirst(); records->Valid(); records->Next()) {
      const std::string_view key = records->key();
      if (!projections::DecodeDossierRecord(records->value(), names, &state, &record_id).ok() ||
          record_id != key) {
        walk.Fail(key, -1, "the dossier's stored state is unreadable");
        continue;
      }
      const std::optional<uint32_t> found = index.Find(key);
      if (!found) {
        walk.Fail(key, -1, "a dossier state is stored but the log holds none of its events");
        continue;
      }
      DossierWalk& dossier = dossiers[*found];
      dossier.has_record = true;
      const bool head_matches =
          std::memcmp(state.chain_head.data(), dossier.checkpoint_head.data(), 32) == 0;
      if (state.event_count != dossier.checkpoint_count) {
        walk.Fail(key, dossier.checkpoint_count,
                  "the dossier state counts " + std::to_string(state.event_count) +
                      " events but the log holds " + std::to_string(dossier.checkpoint_count) +
                      " (an event was deleted or added)");
      } else if (!head_matches || state.last_log_sequence != dossier.checkpoint_last) {
        walk.Fail(key, static_cast<int64_t>(state.event_count) - 1,
                  "the chain head does not match the dossier state");
      }
    }
    HOSO_RETURN_IF_ERROR(records->status());
  }
  for (size_t i = 0; i < dossiers.size(); ++i) {
    if (!dossiers[i].has_record && dossiers[i].checkpoint_count > 0) {
      walk.Fail(ids[i], -1, "events are logged but the dossier state is missing");
    }
  }

  // Month roots: the link after each dossier's last-logged event of each
  // month, in dossier-id order, hashed as a stream (the same bytes MonthRoot
  // hashes).
  std::vector<uint32_t> by_id(ids.size());
  for (uint32_t i = 0; i < by_id.size(); ++i) by_id[i] = i;
  std::sort(by_id.begin(), by_id.end(), [&](uint32_t a, uint32_t b) { return ids[a] < ids[b]; });
  std::vector<uint32_t> rank(ids.size());
  for (uint32_t r = 0; r < by_id.size(); ++r) rank[by_id[r]] = r;
  std::sort(month_heads.begin(), month_heads.end(), [&](const MonthHead& a, const MonthHead& b) {
    if (a.month != b.month) return a.month < b.month;
    if (a.dossier != b.dossier) return rank[a.dossier] < rank[b.dossier];
    return a.sequence < b.sequence;
  });
  Sha256Stream root;
  std::string material;
  for (size_t i = 0; i < month_heads.size(); ++i) {
    const MonthHead& head = month_heads[i];
    const bool month_ends = i + 1 == month_heads.size() || month_heads[i + 1].month != head.month;
    if (month_ends || month_heads[i + 1].dossier != head.dossier) {
      const std::string& id = ids[head.dossier];
      material.clear();
      AppendLeb128(id.size(), &material);
      material += id;
      material.append(head.head.data(), head.head.size());
      root.Update(material);
    }
    if (month_ends) walk.report.month_roots[head.month] = root.Finish();
  }
  return walk.report;
}

}  // namespace hoso::runtime
