#include "engine/runtime/log_verifier.h"

#include <algorithm>
#include <unordered_map>
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

// What the walk knows of one dossier.
struct DossierWalk {
  uint32_t next_sequence = 0;  // the dossier sequence expected next
  std::string head;            // 32 bytes, or empty before the first event
  uint64_t last_log_sequence = 0;
  // As of the last checkpoint (what the stored record must say).
  uint32_t checkpoint_count = 0;
  std::string checkpoint_head;
  uint64_t checkpoint_last = 0;
  bool has_record = false;
};

struct MonthHead {
  int month;
  uint32_t dossier;  // index into the walk's dossiers
  uint64_t sequence;
  std::string head;
};

class Walk {
 public:
  VerifyReport report;
  void Fail(const std::string& dossier_id, int64_t sequence, std::string problem) {
    if (!report.ok) return;  // keep the first problem
    report.ok = false;
    report.bad_dossier_id = dossier_id;
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
  const size_t at = bytes.find(kKey);
  if (at != std::string_view::npos) {
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
    // LEB128 length: ids are up to 512 bytes of UTF-8.
    for (uint64_t n = dossier_id.size();; n >>= 7) {
      material.push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
      if (n < 0x80) break;
    }
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

  std::unordered_map<std::string, uint32_t> index;  // dossier id -> ordinal
  std::vector<std::string> ids;
  std::vector<DossierWalk> dossiers;
  std::vector<MonthHead> month_heads;
  month_heads.reserve(logged);
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
      auto [found, added] =
          index.try_emplace(std::string(entry.dossier_id), static_cast<uint32_t>(ids.size()));
      if (added) {
        ids.emplace_back(entry.dossier_id);
        dossiers.emplace_back();
      }
      const uint32_t ordinal = found->second;
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
      hasher.Chain(dossier.head, entry.bytes, &next_head);
      if (next_head != entry.chain_hash) {
        walk.Fail(id, entry.dossier_sequence,
                  "the event's bytes do not match its chain hash (edited, reordered or replaced)");
        next_head.assign(entry.chain_hash);  // follow the stored chain to report later breaks once
      }
      dossier.head.swap(next_head);
      dossier.next_sequence = entry.dossier_sequence + 1;
      dossier.last_log_sequence = entry.sequence;
      if (entry.sequence <= checkpoint_sequence) {
        dossier.checkpoint_count = dossier.next_sequence;
        dossier.checkpoint_head = dossier.head;
        dossier.checkpoint_last = entry.sequence;
      }
      int month = 0;
      if (MonthOfLoggedEvent(entry.bytes, &month)) {
        month_heads.push_back(MonthHead{month, ordinal, entry.sequence, dossier.head});
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
      const std::string key(records->key());
      if (!projections::DecodeDossierRecord(records->value(), names, &state, &record_id).ok() ||
          record_id != key) {
        walk.Fail(key, -1, "the dossier's stored state is unreadable");
        continue;
      }
      auto found = index.find(key);
      if (found == index.end()) {
        walk.Fail(key, -1, "a dossier state is stored but the log holds none of its events");
        continue;
      }
      DossierWalk& dossier = dossiers[found->second];
      dossier.has_record = true;
      const std::string head(reinterpret_cast<const char*>(state.chain_head.data()), 32);
      if (state.event_count != dossier.checkpoint_count) {
        walk.Fail(key, dossier.checkpoint_count,
                  "the dossier state counts " + std::to_string(state.event_count) +
                      " events but the log holds " + std::to_string(dossier.checkpoint_count) +
                      " (an event was deleted or added)");
      } else if (head != dossier.checkpoint_head ||
                 state.last_log_sequence != dossier.checkpoint_last) {
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

  // Month roots: the link after each dossier's last-logged event of each month.
  std::sort(month_heads.begin(), month_heads.end(), [&](const MonthHead& a, const MonthHead& b) {
    if (a.month != b.month) return a.month < b.month;
    if (a.dossier != b.dossier) return a.dossier < b.dossier;  // MonthRoot orders by id
    return a.sequence < b.sequence;
  });
  std::map<std::string, std::string> heads;
  for (size_t i = 0; i < month_heads.size(); ++i) {
    const MonthHead& head = month_heads[i];
    const bool last_of_dossier = i + 1 == month_heads.size() ||
                                 month_heads[i + 1].month != head.month ||
                                 month_heads[i + 1].dossier != head.dossier;
    if (last_of_dossier) heads.emplace(ids[head.dossier], head.head);
    if (i + 1 == month_heads.size() || month_heads[i + 1].month != head.month) {
      walk.report.month_roots[head.month] = MonthRoot(heads);
      heads.clear();
    }
  }
  return walk.report;
}

}  // namespace hoso::runtime
