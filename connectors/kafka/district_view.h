// DistrictView: what any instance of a scaled-out hoso can know about the
// whole district (docs/scale.md "District-wide answers").
//
//  - Every KPI cell: the latest value of every key of hoso.kpi, read from the
//    first record of every partition of the topic, without a consumer group
//    (a global table, as in Kafka Streams). Each cell is keyed by its input
//    partition and published only by the instance where that partition is
//    live, so the sum over partitions is the district's figures, whichever
//    instance holds the view.
//  - Which instance owns which input partition: hoso.instances, a small topic
//    where each serve announces (keyed by its instance name) its HTTP address
//    and the partitions live in it, whenever that set changes. The owner of a
//    partition is the instance that announced it last; an instance that died
//    without a word keeps its claim until another instance announces the
//    partition (a restore goes live, then announces).
//
// A hoso.kpi value is kept as sent and decoded when a query first needs it
// (most are replaced before anyone asks). Records that do not parse are
// skipped and counted (Stats): a key or an announcement when read, a cell's
// value when first decoded. A tombstone (null value) removes its key.
//
// Thread-safety: every method may be called from any thread; a background
// thread polls the consumer.
#ifndef HOSO_CONNECTORS_KAFKA_DISTRICT_VIEW_H_
#define HOSO_CONNECTORS_KAFKA_DISTRICT_VIEW_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_handles.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/status.h"
#include "projections/kpi_cells.h"

namespace hoso::connectors::kafka {

// One instance's announcement on hoso.instances.
struct InstanceRecord {
  std::string instance;             // group.instance.id, or host-pid for a dynamic member
  std::string http_url;             // "http://host:port"; empty: no HTTP API
  std::vector<int32_t> partitions;  // input partitions live in it, ascending
  int64_t announced_at_ms = 0;      // wall clock of the announcement
  bool operator==(const InstanceRecord&) const = default;
};
std::string EncodeInstanceRecord(const InstanceRecord& record);
core::Result<InstanceRecord> DecodeInstanceRecord(std::string_view json);

// The KPI cell a hoso.kpi value describes (kafka_sinks.h KpiMessageValue);
// InvalidArgument naming what is missing or malformed.
core::Result<std::pair<projections::KpiKey, core::KpiCounters>> DecodeKpiMessageValue(
    std::string_view json);

struct DistrictViewOptions {
  // librdkafka properties, verbatim (bootstrap.servers required). Group
  // settings are dropped: the view reads every partition without a group.
  Properties properties;
  std::string kpi_topic = "hoso.kpi";             // Default: hoso.kpi
  std::string instances_topic = kInstancesTopic;  // Default: hoso.instances; "": none
  // The input topic, whose partition count Stats reports (so an instance
  // can tell whether it owns them all); "": not read. Default: "".
  std::string input_topic;
  // Partitions added to either topic are found this often. Default: 2000.
  int metadata_refresh_ms = 2000;
};

class DistrictView {
 public:
  using Cells = std::map<projections::KpiKey, core::KpiCounters>;

  // Creates the consumer and starts reading. InvalidArgument for a refused
  // property.
  static core::Result<std::unique_ptr<DistrictView>> Start(DistrictViewOptions options);
  ~DistrictView();  // Stop()
  DistrictView(const DistrictView&) = delete;
  DistrictView& operator=(const DistrictView&) = delete;

  // The cells of the months first_month..last_month (yyyymm, inclusive), per
  // input partition, as read so far.
  Cells CellsInMonths(int first_month, int last_month) const;
  // Every instance announced, by name.
  std::vector<InstanceRecord> Instances() const;
  // The instance that announced `partition` last; nullopt when none did.
  std::optional<InstanceRecord> OwnerOf(int32_t partition) const;

  // True once every partition of both topics found at the first metadata
  // read has been read to its end once: the view then holds at least what
  // was published before Start.
  bool caught_up() const;
  // Waits for caught_up() up to `timeout`; false on timeout.
  bool WaitCaughtUp(std::chrono::milliseconds timeout) const;

  struct Stats {
    int64_t records = 0;      // records read from both topics
    int64_t bad_records = 0;  // skipped: not a cell or announcement this version reads
                              // (a cell's value counts once a query has decoded it)
    size_t cells = 0;
    size_t instances = 0;
    int partitions = 0;         // of both topics, assigned
    int input_partitions = -1;  // of input_topic at the last metadata read; -1: unknown
    bool caught_up = false;
  };
  Stats stats() const;

  // Queues `self` for the instances topic (a producer is created on first
  // use; it delivers in the background and Stop waits up to 10 s for what
  // is queued). Fails when the producer cannot be created or refuses it.
  core::Status Announce(const InstanceRecord& self);

  // Stops the thread and closes the consumer (and producer).
  void Stop();

  struct State;

 private:
  explicit DistrictView(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_DISTRICT_VIEW_H_
