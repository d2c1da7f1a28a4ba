// ServeConfig: the settings of `hoso serve --config FILE` (every one is
// documented in docs/kafka.md; connectors/kafka/hoso.example.json is a
// complete example).
//
//   {"kafka.bootstrap.servers": "127.0.0.1:9092", "kafka.group.id": "hoso",
//    "topics": {"events": ..., "dead_letter": ..., "alerts": ..., "kpi": ...,
//               "dvcqg": ...}, "dvcqg": {"mapping": "site-mapping.json"},
//    "db": "/var/lib/hoso/db", "batch_max_records": 2000,
//    "poll_timeout_ms": 100, "clock": "wall", "clock_tick_ms": 200,
//    "clock_offset_ms": 0, "clock_start": "2019-06-24T09:00:00+07:00",
//    "sinks": {"postgres": {"dsn": "host=/run/postgresql dbname=hoso"}}}
//
// Every key starting with "kafka." is passed to librdkafka verbatim (prefix
// removed) for the consumer and the producer alike, so SASL/SSL settings and
// real clusters need no code change. Unknown other keys are refused, so a
// typo fails fast.
#ifndef HOSO_CONNECTORS_KAFKA_SERVE_CONFIG_H_
#define HOSO_CONNECTORS_KAFKA_SERVE_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>

#include "connectors/kafka/kafka_handles.h"
#include "connectors/kafka/merge_defaults.h"
#include "engine/core/instant.h"
#include "engine/core/status.h"

namespace hoso::connectors::kafka {

struct ServeConfig {
  // librdkafka properties ("kafka." removed). bootstrap.servers and group.id
  // are required. Default: none.
  Properties kafka;
  std::string events_topic = "hoso.dossier-events";    // Default: hoso.dossier-events
  std::string dead_letter_topic = "hoso.dead-letter";  // Default: hoso.dead-letter
  std::string alerts_topic = "hoso.alerts";            // Default: hoso.alerts
  std::string kpi_topic = "hoso.kpi";                  // Default: hoso.kpi
  // Which instance owns which input partition (district_view.h).
  std::string instances_topic = "hoso.instances";  // Default: hoso.instances
  // The national portal's sync records (docs/dvcqg.md "In serve"): serve
  // turns them into lifecycle events on events_topic. Default: "" (off).
  std::string dvcqg_topic;
  // "dvcqg": {"mapping": FILE}: the site's status codes over the national
  // default (schemas/dvcqg-mapping.schema.json); relative to the config
  // file's directory. Default: "" (the national default).
  std::string dvcqg_mapping_path;
  // "dvcqg": {"checkpoint_interval_ms": N}: how often the bridge writes its
  // tracks' checkpoint while records arrive (it also does when serve
  // stops); valid 1000..3600000. Default: 60000.
  int dvcqg_checkpoint_interval_ms = 60000;
  // RocksDB directory (created when absent). Required; a relative path is
  // relative to the config file's directory.
  std::string db_path;
  // Most records per engine batch (one RocksDB write). Valid 1..100000.
  // Default: 2000.
  int batch_max_records = 2000;
  // Longest wait for the first record of a batch, in ms. Valid 1..10000.
  // Default: 100.
  int poll_timeout_ms = 100;
  // "wall": alerts fire by the wall clock (AdvanceClock every loop); "event":
  // the engine clock is the highest occurred_at applied. Default: "wall".
  bool wall_clock = true;
  // Wall clock only, for tests and drills: the engine clock is the system
  // clock plus this many ms (may be negative). Default: 0.
  int64_t clock_offset_ms = 0;
  // Wall clock only, for tests and drills: when set (RFC 3339), the engine
  // clock starts at this instant when serve starts and then advances with
  // real (steady) time; overrides clock_offset_ms. The engine clock never
  // goes back: after a restart it resumes from max(stored clock, this clock).
  // Default: none.
  std::optional<core::Instant> clock_start;
  // Wall clock only: longest interval between two AdvanceClock calls, in ms,
  // even when no record arrives (it caps the consumer's poll wait), so an
  // alert is raised at most this long after it became due. Valid 10..1000.
  // Default: 200.
  int clock_tick_ms = 200;
  // Hand records to the engine in occurred_at order across partitions
  // (KafkaSourceOptions::event_time_order). Default: true with clock "event",
  // false with "wall".
  bool event_time_order = false;
  // Input guards (runtime::EngineOptions, docs/decisions.md "Input
  // guards"): with the event clock, reject events more than this many days
  // ahead of the engine clock (-1: off; valid -1..36500). Default: 31.
  int max_ahead_days = 31;
  // Reject events dated more than this many minutes after the real current
  // time (-1: off). Default: 10.
  int future_skew_minutes = 10;
  // Event-time merge only: a partition that has received nothing for this
  // long, in ms, stops holding the merge back (docs/kafka.md "Event-time
  // order across partitions"); valid 0..3600000. Default: 500.
  int idle_partition_ms = kDefaultIdlePartitionMs;
  // Event-time merge only: most records held back waiting for the
  // watermark (memory bound; partitions holding more than their share are
  // paused, docs/kafka.md); valid 1000..100000000. Default: 400000.
  int merge_max_held_records = kDefaultMergeMaxHeldRecords;
  // Stop with a clear message, before RocksDB runs out of room, when the
  // database's filesystem has less than this many MiB free (0: off).
  // Default: 256.
  int min_free_disk_mb = 256;
  // Dead letters keep the original value whole up to this many bytes
  // (EngineSinks); valid 65537..100000000. Default: 900000.
  int dead_letter_max_bytes = 900000;
  // Publish changed KPI cells to topics.kpi. Default: true.
  bool publish_kpi = true;
  // "sinks": {"postgres": {"dsn": "..."}}: mirror KPI cells, dossiers and
  // alerts into PostgreSQL for BI tools (connectors/postgres, docs/bi.md).
  // A libpq connection string or URI; the password comes from PGPASSWORD or
  // ~/.pgpass, never from this file. Default: "" (off).
  std::string postgres_dsn;
  // The HTTP API of docs/http.md, served by serve itself.
  struct Http {
    // host:port; "" turns it off; "http_port": N is 127.0.0.1:N.
    std::string listen = "127.0.0.1:8080";
    // False while `listen` is the default: then a port in use is a warning
    // and serve runs without HTTP; a configured address that cannot be
    // bound stops serve.
    bool listen_configured = false;
    // The URL other instances reach this one's API at (dossier lookups are
    // forwarded to the owner, docs/scale.md). Default: http://<listen>, with
    // the port bound; set it when listening on 0.0.0.0 or behind a proxy.
    std::string advertise;
    std::string token_file;  // bearer token; required off loopback
    std::string port_file;   // the port listened on is written here (for port 0)
    int refresh_ms = 1000;   // the API catches up with the engine's commits this often
    // /readyz says not ready while the consumer lag exceeds this many
    // records. Default: 10,000.
    int64_t ready_max_lag = 10000;
  } http;
  // Logging (docs/operations.md "Logs"); every line goes to stderr (the
  // journal under systemd).
  struct Log {
    // "text" or "json" (one JSON object per line). Default: "text".
    std::string format = "text";
    // The most verbose level logged: "error", "warn", "info" or "debug";
    // `hoso -v` makes it at least "info". Default: "warn".
    std::string level = "warn";
  } log;
};

// Parses and validates the JSON text. InvalidArgument with the offending key.
core::Result<ServeConfig> ParseServeConfig(const std::string& json_text,
                                           const std::string& base_dir = ".");
// Reads and parses `path`; IOError when unreadable.
core::Result<ServeConfig> LoadServeConfig(const std::string& path);

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_SERVE_CONFIG_H_
