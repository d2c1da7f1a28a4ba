#include "engine/runtime/log_replayer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "projections/records.h"

namespace hoso::runtime {

core::Result<BatchResult> ReplayLog(projections::KvStore& log, Engine& target,
                                    const ReplayOptions& options) {
  // Pass 1: the order of application. Only (sequence, key) is kept in memory.
  struct Entry {
    uint64_t sequence;
    std::string key;
  };
  std::vector<Entry> order;
  {
    auto it = log.NewIterator(projections::Column::kEvents);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto logged = projections::DecodeLoggedEvent(it->value());
      if (!logged.ok()) return logged.status();
      order.push_back(Entry{logged->global_sequence, std::string(it->key())});
    }
    HOSO_RETURN_IF_ERROR(it->status());
  }
  std::sort(order.begin(), order.end(),
            [](const Entry& a, const Entry& b) { return a.sequence < b.sequence; });

  // Pass 2: apply in order, batch by batch.
  BatchResult totals;
  std::vector<projections::LoggedEvent> events;
  std::vector<Engine::LoggedInput> inputs;
  for (size_t start = 0; start < order.size(); start += options.batch_records) {
    const size_t end = std::min(order.size(), start + options.batch_records);
    events.clear();
    inputs.clear();
    std::string value;
    for (size_t i = start; i < end; ++i) {
      HOSO_RETURN_IF_ERROR(log.Get(projections::Column::kEvents, order[i].key, &value));
      auto logged = projections::DecodeLoggedEvent(value);
      if (!logged.ok()) return logged.status();
      events.push_back(std::move(*logged));
    }
    for (const projections::LoggedEvent& event : events) {
      inputs.push_back(
          Engine::LoggedInput{event.bytes, event.partition, event.offset, event.derived});
    }
    auto result = target.ApplyLogged(inputs);
    if (!result.ok()) return result.status();
    totals.Add(*result);
    if (options.on_progress) options.on_progress(end, order.size());
  }
  return totals;
}

}  // namespace hoso::runtime
