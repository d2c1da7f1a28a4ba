#include "engine/runtime/log_verifier.h"

#include "engine/core/instant.h"
#include "engine/runtime/chain_hash.h"
#include "projections/records.h"
#include "schemas/codec/event_codec.h"

namespace hoso::runtime {
namespace {

using projections::Column;

struct Walk {
  VerifyReport report;
  // (month, dossier) -> head recomputed from the log.
  std::map<int, std::map<std::string, std::string>> heads_by_month;

  void Fail(const std::string& dossier_id, int64_t sequence, std::string problem) {
    if (!report.ok) return;  // keep the first problem
    report.ok = false;
    report.bad_dossier_id = dossier_id;
    report.bad_sequence = sequence;
    report.problem = std::move(problem);
  }
};

// Checks one dossier's recomputed chain against its stored state.
core::Status CheckDossierState(projections::KvStore& store, Walk& walk,
                               const std::string& dossier_id, const std::string& head,
                               uint32_t events) {
  std::string value;
  core::Status s = store.Get(Column::kDossiers, dossier_id, &value);
  if (s.code() == core::StatusCode::kNotFound) {
    walk.Fail(dossier_id, -1, "events are logged but the dossier state is missing");
    return core::Status::Ok();
  }
  if (!s.ok()) return s;
  auto state = projections::DecodeDossierState(value);
  if (!state.ok()) {
    walk.Fail(dossier_id, -1, "the dossier state is unreadable");
    return core::Status::Ok();
  }
  if (state->event_count != events) {
    walk.Fail(dossier_id, events,
              "the dossier state counts " + std::to_string(state->event_count) +
                  " events but the log holds " + std::to_string(events) +
                  " (an event was deleted or added)");
  } else if (state->chain_head != head) {
    walk.Fail(dossier_id, events - 1, "the chain head does not match the dossier state");
  }
  return core::Status::Ok();
}

// The local month of a logged event. The bytes were validated when logged, so
// the compact form `"occurred_at":"<RFC 3339>"` is found without a full parse
// (a quote inside a JSON string is always escaped, so the pattern cannot
// come from a value); anything else takes the full decoder.
bool MonthOfLogged(std::string_view bytes, codec::EventDecoder& decoder, int* month) {
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
  core::Event event;
  core::Rejection rejection;
  if (!decoder.Decode(bytes, &event, &rejection)) return false;
  *month = core::MonthKeyOf(event.occurred_at);
  return true;
}

}  // namespace

std::string MonthRoot(const std::map<std::string, std::string>& heads_by_dossier) {
  std::string material;
  for (const auto& [dossier_id, head] : heads_by_dossier) {
    // LEB128 length: ids are up to 512 bytes of UTF-8.
    for (uint64_t n = dossier_id.size(); ; n >>= 7) {
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
  codec::EventDecoder decoder;
  ChainHasher hasher;
  std::string next_head;
  std::string dossier_id;
  std::string head;
  uint32_t expected_sequence = 0;
  bool have_dossier = false;

  auto it = store.NewIterator(Column::kEvents);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = projections::DecodeEventKey(it->key());
    if (!key.ok()) {
      walk.Fail("?", -1, "an event key is malformed");
      continue;
    }
    if (!have_dossier || key->first != dossier_id) {
      if (have_dossier) {
        HOSO_RETURN_IF_ERROR(CheckDossierState(store, walk, dossier_id, head, expected_sequence));
      }
      dossier_id = key->first;
      head.clear();
      expected_sequence = 0;
      have_dossier = true;
      ++walk.report.dossiers;
    }
    ++walk.report.events;
    if (options.on_progress && walk.report.events % 65536 == 0) {
      options.on_progress(walk.report.events);
    }
    if (key->second != expected_sequence) {
      walk.Fail(dossier_id, expected_sequence,
                "event " + std::to_string(expected_sequence) + " is missing (next is " +
                    std::to_string(key->second) + ")");
      expected_sequence = key->second;
    }
    auto logged = projections::DecodeLoggedEvent(it->value());
    if (!logged.ok()) {
      walk.Fail(dossier_id, key->second, "the stored event record is malformed");
      ++expected_sequence;
      continue;
    }
    hasher.Chain(head, logged->bytes, &next_head);
    head.swap(next_head);
    if (head != logged->chain_hash) {
      walk.Fail(dossier_id, key->second,
                "the event's bytes do not match its chain hash (edited, reordered or replaced)");
      head = logged->chain_hash;  // follow the stored chain to report later breaks once
    }
    int month = 0;
    if (MonthOfLogged(logged->bytes, decoder, &month)) {
      walk.heads_by_month[month][dossier_id] = head;
    } else {
      walk.Fail(dossier_id, key->second, "the stored event no longer decodes");
    }
    ++expected_sequence;
  }
  HOSO_RETURN_IF_ERROR(it->status());
  if (have_dossier) {
    HOSO_RETURN_IF_ERROR(CheckDossierState(store, walk, dossier_id, head, expected_sequence));
  }

  // The stored per-month heads must be exactly the recomputed ones.
  std::map<int, std::map<std::string, std::string>> stored;
  auto heads = store.NewIterator(Column::kHeads);
  for (heads->SeekToFirst(); heads->Valid(); heads->Next()) {
    auto key = projections::DecodeHeadKey(heads->key());
    if (!key.ok()) {
      walk.Fail("?", -1, "a month head key is malformed");
      continue;
    }
    stored[key->first][key->second] = std::string(heads->value());
  }
  HOSO_RETURN_IF_ERROR(heads->status());
  if (walk.report.ok && stored != walk.heads_by_month) {
    for (const auto& [month, by_dossier] : walk.heads_by_month) {
      for (const auto& [id, recomputed] : by_dossier) {
        auto found = stored[month].find(id);
        if (found == stored[month].end() || found->second != recomputed) {
          walk.Fail(id, -1,
                    "the month head index of " + std::to_string(month) + " does not match the log");
        }
      }
    }
    walk.Fail("?", -1, "the month head index lists dossiers the log does not have");
  }
  for (const auto& [month, by_dossier] : walk.heads_by_month) {
    walk.report.month_roots[month] = MonthRoot(by_dossier);
  }
  return walk.report;
}

}  // namespace hoso::runtime
