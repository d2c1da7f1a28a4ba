#include "connectors/kafka/district_view.h"

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "connectors/kafka/kafka_sinks.h"
#include "connectors/kafka/logger.h"
#include "engine/core/string_hash.h"

namespace hoso::connectors::kafka {
namespace {

using TopicPartition = std::pair<std::string, int32_t>;
using Clock = std::chrono::steady_clock;

// "2019-06" -> 201906; 0 when malformed.
int MonthKeyOfPeriod(std::string_view period) {
  if (period.size() != 7 || period[4] != '-') return 0;
  int value = 0;
  for (size_t i = 0; i < period.size(); ++i) {
    if (i == 4) continue;
    if (period[i] < '0' || period[i] > '9') return 0;
    value = value * 10 + (period[i] - '0');
  }
  const int month = value % 100;
  return month >= 1 && month <= 12 ? value : 0;
}

}  // namespace

std::string EncodeInstanceRecord(const InstanceRecord& record) {
  nlohmann::ordered_json json;
  json["instance"] = record.instance;
  json["http"] = record.http_url;
  json["partitions"] = record.partitions;
  json["announced_at_ms"] = record.announced_at_ms;
  return json.dump();
}

core::Result<InstanceRecord> DecodeInstanceRecord(std::string_view text) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return core::Status::InvalidArgument("not a JSON object");
  InstanceRecord record;
  const auto instance = json.find("instance");
  const auto http = json.find("http");
  const auto partitions = json.find("partitions");
  const auto at = json.find("announced_at_ms");
  if (instance == json.end() || !instance->is_string() || instance->get<std::string>().empty()) {
    return core::Status::InvalidArgument("no instance name");
  }
  if (http == json.end() || !http->is_string()) return core::Status::InvalidArgument("no http");
  if (partitions == json.end() || !partitions->is_array()) {
    return core::Status::InvalidArgument("no partitions");
  }
  if (at == json.end() || !at->is_number_integer()) {
    return core::Status::InvalidArgument("no announced_at_ms");
  }
  record.instance = instance->get<std::string>();
  record.http_url = http->get<std::string>();
  for (const auto& partition : *partitions) {
    if (!partition.is_number_integer()) return core::Status::InvalidArgument("bad partition");
    record.partitions.push_back(partition.get<int32_t>());
  }
  std::sort(record.partitions.begin(), record.partitions.end());
  record.announced_at_ms = at->get<int64_t>();
  return record;
}

core::Result<std::pair<projections::KpiKey, core::KpiCounters>> DecodeKpiMessageValue(
    std::string_view text) {
  // simdjson, one parser per thread: a query decodes every cell of its
  // months it has not decoded before, and nlohmann's DOM took ten times as
  // long.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(text.data(), text.size()).get_object().get(object) != simdjson::SUCCESS) {
    return core::Status::InvalidArgument("not a JSON object");
  }
  static const std::unordered_map<std::string_view, int> kCounterIndex = [] {
    std::unordered_map<std::string_view, int> index;
    for (int f = 0; f < core::kKpiFieldCount; ++f) {
      index.emplace(core::KpiFieldName(static_cast<core::KpiField>(f)), f);
    }
    return index;
  }();
  projections::KpiKey key;
  core::KpiCounters counters;  // a counter an older publisher did not have is zero
  bool has_agency = false;
  bool has_procedure = false;
  bool has_partition = false;
  for (const auto field : object) {
    const std::string_view name = field.key;
    if (name == "period") {
      std::string_view period;
      if (field.value.get_string().get(period) != simdjson::SUCCESS ||
          (key.month_key = MonthKeyOfPeriod(period)) == 0) {
        return core::Status::InvalidArgument("no period yyyy-mm");
      }
    } else if (name == "agency_id" || name == "procedure_id") {
      std::string_view id;
      if (field.value.get_string().get(id) != simdjson::SUCCESS) {
        return core::Status::InvalidArgument(std::string(name) + " is not a string");
      }
      if (name == "agency_id") {
        key.agency_id = id;
        has_agency = true;
      } else {
        key.procedure_id = id;
        has_procedure = true;
      }
    } else if (name == "partition") {
      int64_t partition = 0;
      if (field.value.get_int64().get(partition) != simdjson::SUCCESS || partition < INT32_MIN ||
          partition > INT32_MAX) {
        return core::Status::InvalidArgument("partition is not a 32-bit integer");
      }
      key.partition = static_cast<int32_t>(partition);
      has_partition = true;
    } else if (const auto counter = kCounterIndex.find(name); counter != kCounterIndex.end()) {
      if (field.value.get_int64().get(counters.values[counter->second]) != simdjson::SUCCESS) {
        return core::Status::InvalidArgument("counter " + std::string(name) + " is not an integer");
      }
    }
  }
  if (key.month_key == 0) return core::Status::InvalidArgument("no period yyyy-mm");
  if (!has_agency) return core::Status::InvalidArgument("no agency_id");
  if (!has_procedure) return core::Status::InvalidArgument("no procedure_id");
  if (!has_partition) return core::Status::InvalidArgument("no partition");
  return std::pair(std::move(key), counters);
}

struct DistrictView::State {
  DistrictViewOptions options;
  HandlePtr consumer;
  std::thread thread;
  std::atomic<bool> stop{false};

  mutable std::mutex mutex;
  mutable std::condition_variable caught_up_changed;
  // The latest value of every hoso.kpi key, kept as sent and decoded when
  // a query first needs it: most values are replaced before anyone asks
  // (a cell changes with almost every commit), so reading the topic costs a
  // hash lookup and a copy per record.
  struct Entry {
    int month_key = 0;  // from the key, to select a query's months undecoded
    std::string value;
    bool decoded = false;
    bool bad = false;  // decoded, and not a cell: skipped (counted once)
    projections::KpiKey key;
    core::KpiCounters counters;
  };
  // Found by the message's key without copying it: every serve reads every
  // KPI change of the district (~0.4 per event), and the copy and free of
  // each key were most of that work.
  core::StringMap<Entry> entries;                   // by message key; guarded by mutex
  std::map<std::string, InstanceRecord> instances;  // guarded by mutex
  Stats stats;                                      // guarded by mutex

  // The poll thread's own.
  std::map<TopicPartition, int64_t> next_offsets;  // assigned partitions
  std::set<TopicPartition> not_yet_at_end;         // of the first assignment
  bool first_assignment_done = false;
  bool reported_bad = false;  // guarded by mutex

  std::mutex producer_mutex;
  std::unique_ptr<KafkaProducer> producer;  // guarded by producer_mutex

  int PartitionCount(const std::string& topic) {
    return TopicPartitionCount(consumer.get(), topic, 5000);
  }

  // Assigns every partition of both topics, new ones from their first
  // record, the others where the thread is.
  void RefreshAssignment() {
    if (!options.input_topic.empty()) {
      const int input_partitions = PartitionCount(options.input_topic);
      std::lock_guard lock(mutex);
      if (input_partitions >= 0) stats.input_partitions = input_partitions;
    }
    std::vector<std::string> topics = {options.kpi_topic};
    if (!options.instances_topic.empty()) topics.push_back(options.instances_topic);
    bool changed = false;
    for (const std::string& topic : topics) {
      const int count = PartitionCount(topic);
      if (count < 0) return;  // try again at the next refresh
      for (int32_t p = 0; p < count; ++p) {
        if (next_offsets.emplace(TopicPartition(topic, p), RD_KAFKA_OFFSET_BEGINNING).second) {
          changed = true;
          if (!first_assignment_done) not_yet_at_end.emplace(topic, p);
        }
      }
    }
    if (changed) {
      PartitionListPtr list(
          rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
      for (const auto& [tp, offset] : next_offsets) {
        rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
      }
      if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer.get(), list.get());
          err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Log().warn("district view: cannot assign {} partitions: {}", next_offsets.size(),
                   rd_kafka_err2str(err));
        return;
      }
    }
    std::lock_guard lock(mutex);
    stats.partitions = static_cast<int>(next_offsets.size());
    if (!first_assignment_done) {
      first_assignment_done = true;
      UpdateCaughtUpLocked();
    }
  }

  // The first record skipped is logged; later ones are only counted.
  void ReportBad(const std::string& topic, std::string_view key, const core::Status& why) {
    if (reported_bad) return;
    reported_bad = true;
    Log().warn("district view: skipping the record of {} with key '{}': {} (more are counted only)",
               topic, key, why.message());
  }

  void UpdateCaughtUpLocked() {
    const bool now = first_assignment_done && not_yet_at_end.empty();
    if (now && !stats.caught_up) {
      stats.caught_up = true;
      caught_up_changed.notify_all();
      Log().info("district view: caught up ({} KPI cells, {} instances)", entries.size(),
                 instances.size());
    }
  }

  void Handle(const rd_kafka_message_t& message) {
    const std::string topic = rd_kafka_topic_name(message.rkt);
    const TopicPartition tp(topic, message.partition);
    std::lock_guard lock(mutex);
    if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (not_yet_at_end.erase(tp) > 0) UpdateCaughtUpLocked();
      return;
    }
    if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Log().debug("district view: {}", rd_kafka_message_errstr(&message));
      return;
    }
    next_offsets[tp] = message.offset + 1;
    ++stats.records;
    const std::string_view key(static_cast<const char*>(message.key), message.key_len);
    const std::string_view value(static_cast<const char*>(message.payload), message.len);
    const bool tombstone = message.payload == nullptr;
    core::Status bad;
    if (topic == options.kpi_topic) {
      // The key names the cell: "yyyy-mm|agency|procedure|partition".
      const int month_key = MonthKeyOfPeriod(key.substr(0, 7));
      if (month_key == 0 || key.size() < 8 || key[7] != '|') {
        bad = core::Status::InvalidArgument("key is not yyyy-mm|agency|procedure|partition");
      } else if (tombstone) {
        if (auto it = entries.find(key); it != entries.end()) entries.erase(it);
      } else {
        auto it = entries.find(key);
        if (it == entries.end()) it = entries.emplace(std::string(key), Entry{}).first;
        Entry& entry = it->second;
        entry.month_key = month_key;
        entry.value.assign(value);
        entry.decoded = false;
      }
    } else if (tombstone) {
      instances.erase(std::string(key));
    } else if (auto record = DecodeInstanceRecord(value); record.ok()) {
      instances.insert_or_assign(record->instance, std::move(*record));
    } else {
      bad = record.status();
    }
    if (!bad.ok()) {
      ++stats.bad_records;
      ReportBad(topic, key, bad);
    }
    stats.cells = entries.size();
    stats.instances = instances.size();
  }

  void Run() {
    auto last_refresh = Clock::now() - std::chrono::hours(1);
    while (!stop.load()) {
      if (Clock::now() - last_refresh >= std::chrono::milliseconds(options.metadata_refresh_ms)) {
        RefreshAssignment();
        last_refresh = Clock::now();
      }
      MessagePtr message(rd_kafka_consumer_poll(consumer.get(), 100));
      if (message) Handle(*message);
    }
  }
};

DistrictView::DistrictView(std::unique_ptr<State> state) : state_(std::move(state)) {}

DistrictView::~DistrictView() { Stop(); }

core::Result<std::unique_ptr<DistrictView>> DistrictView::Start(DistrictViewOptions options) {
  auto state = std::make_unique<State>();
  // No group: every partition is assigned by hand and no offset is ever
  // committed. librdkafka's consumer poll still wants a group.id.
  for (const char* name : {"group.instance.id", "partition.assignment.strategy",
                           "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms"}) {
    options.properties.erase(name);
  }
  options.properties["group.id"] = "hoso-district-view";
  options.properties["enable.auto.commit"] = "false";
  options.properties["enable.auto.offset.store"] = "false";
  options.properties["enable.partition.eof"] = "true";
  if (options.metadata_refresh_ms < 100) options.metadata_refresh_ms = 100;
  state->options = std::move(options);
  auto conf = MakeConf(state->options.properties);
  if (!conf.ok()) return conf.status();
  auto consumer = MakeHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!consumer.ok()) return consumer.status();
  state->consumer = std::move(*consumer);
  rd_kafka_poll_set_consumer(state->consumer.get());
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<DistrictView>(new DistrictView(std::move(state)));
}

void DistrictView::Stop() {
  if (!state_ || !state_->consumer) return;
  state_->stop.store(true);
  if (state_->thread.joinable()) state_->thread.join();
  rd_kafka_consumer_close(state_->consumer.get());
  state_->consumer.reset();
  std::lock_guard lock(state_->producer_mutex);
  state_->producer.reset();
}

DistrictView::Cells DistrictView::CellsInMonths(int first_month, int last_month) const {
  Cells out;
  std::lock_guard lock(state_->mutex);
  for (auto& [message_key, entry] : state_->entries) {
    if (entry.month_key < first_month || entry.month_key > last_month) continue;
    if (!entry.decoded) {
      entry.decoded = true;
      auto cell = DecodeKpiMessageValue(entry.value);
      entry.bad = !cell.ok();
      if (cell.ok()) {
        entry.key = std::move(cell->first);
        entry.counters = cell->second;
      } else {
        ++state_->stats.bad_records;
        state_->ReportBad(state_->options.kpi_topic, message_key, cell.status());
      }
    }
    if (!entry.bad) out.insert_or_assign(entry.key, entry.counters);
  }
  return out;
}

std::vector<InstanceRecord> DistrictView::Instances() const {
  std::lock_guard lock(state_->mutex);
  std::vector<InstanceRecord> out;
  for (const auto& [name, record] : state_->instances) out.push_back(record);
  return out;
}

std::optional<InstanceRecord> DistrictView::OwnerOf(int32_t partition) const {
  std::lock_guard lock(state_->mutex);
  const InstanceRecord* owner = nullptr;
  for (const auto& [name, record] : state_->instances) {
    if (!std::binary_search(record.partitions.begin(), record.partitions.end(), partition)) {
      continue;
    }
    if (owner == nullptr || record.announced_at_ms > owner->announced_at_ms) owner = &record;
  }
  if (owner == nullptr) return std::nullopt;
  return *owner;
}

bool DistrictView::caught_up() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats.caught_up;
}

bool DistrictView::WaitCaughtUp(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->caught_up_changed.wait_for(lock, timeout, [&] { return state_->stats.caught_up; });
}

DistrictView::Stats DistrictView::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

core::Status DistrictView::Announce(const InstanceRecord& self) {
  if (state_->options.instances_topic.empty()) return core::Status::Ok();
  std::lock_guard lock(state_->producer_mutex);
  if (!state_->producer) {
    Properties properties = state_->options.properties;
    for (const char* name :
         {"group.id", "enable.auto.commit", "enable.auto.offset.store", "enable.partition.eof",
          "auto.offset.reset", "fetch.wait.max.ms", "isolation.level", "fetch.min.bytes"}) {
      properties.erase(name);
    }
    auto producer = KafkaProducer::Create(properties);
    if (!producer.ok()) return producer.status();
    state_->producer = std::move(*producer);
  }
  HOSO_RETURN_IF_ERROR(state_->producer->Produce(state_->options.instances_topic, self.instance,
                                                 EncodeInstanceRecord(self)));
  state_->producer->Poll(0);
  if (state_->producer->failed() > 0) {
    return core::Status::Unavailable("announcements on " + state_->options.instances_topic +
                                     " undelivered: " + state_->producer->first_error());
  }
  return core::Status::Ok();
}

}  // namespace hoso::connectors::kafka
