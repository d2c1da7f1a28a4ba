// The Kafka commands (docs/kafka.md): broker, produce, serve, demo, and
// `bench kafka`. This file wires connectors/kafka, RocksDB and the engine.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "connectors/dvcqg/sync_topic_bridge.h"
#include "connectors/kafka/district_view.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/group_membership.h"
#include "connectors/kafka/kafka_event_source.h"
#include "connectors/kafka/kafka_sinks.h"
#include "connectors/kafka/library_version.h"
#include "connectors/kafka/serve_config.h"
#include "connectors/postgres/postgres_sink.h"
#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/runtime/committer.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/pipeline.h"
#include "projections/kpi_query.h"
#include "tools/hoso/backup_request.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/dvcqg_setup.h"
#include "tools/hoso/http_api.h"
#include "tools/hoso/kpi_output.h"
#include "tools/hoso/logging.h"
#include "tools/hoso/process_usage.h"
#include "tools/hoso/scorecard.h"
#include "tools/hoso/self_command.h"
#include "tools/hoso/serve_status.h"
#include "tools/hoso/store_access.h"
#include "tools/loadgen/loadgen.h"

namespace hoso::tools {
namespace {

namespace fs = std::filesystem;
namespace kafka = connectors::kafka;
using Clock = std::chrono::steady_clock;

// Set by SIGINT/SIGTERM; every long-running command polls it.
std::atomic<bool> g_stop{false};
// Whether the brokers answered at the last look (logged when it changes).
bool broker_up_ = true;

void OnSignal(int) { g_stop.store(true); }

void InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The value of the string field `field` ("\"dossier_id\"") of a JSON event by
// a cheap scan (no full parse); empty when absent or escaped.
std::string_view CheapStringField(std::string_view line, std::string_view kField) {
  size_t at = line.find(kField);
  if (at == std::string_view::npos) return {};
  at += kField.size();
  while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
  if (at >= line.size() || line[at] != ':') return {};
  ++at;
  while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
  if (at >= line.size() || line[at] != '"') return {};
  ++at;
  const size_t end = line.find('"', at);
  if (end == std::string_view::npos) return {};
  std::string_view id = line.substr(at, end - at);
  if (id.find('\\') != std::string_view::npos) return {};
  return id;
}

// The dossier_id of a JSON event; empty when absent or escaped.
std::string_view CheapDossierId(std::string_view line) {
  return CheapStringField(line, "\"dossier_id\"");
}

// The Kafka key of a JSON event: its dossier_id, or the dialogue_id or
// feedback_id of an agency event (docs/decisions.md "Agency events"); empty
// when absent or escaped, so such records go without key and the engine
// judges them. A feedback's events share its key, so they stay in order.
std::string_view CheapRecordKey(std::string_view line) {
  const std::string_view dossier_id = CheapDossierId(line);
  if (!dossier_id.empty()) return dossier_id;
  const std::string_view dialogue_id = CheapStringField(line, "\"dialogue_id\"");
  return dialogue_id.empty() ? CheapStringField(line, "\"feedback_id\"") : dialogue_id;
}

// Parses "-X name=value" pass-through properties.
core::Status AddProperties(const std::vector<std::string>& pairs, kafka::Properties* properties) {
  for (const std::string& pair : pairs) {
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return core::Status::InvalidArgument("-X expects name=value, got '" + pair + "'");
    }
    (*properties)[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return core::Status::Ok();
}

// --------------------------------------------------------------------------
// The engine loop shared by serve, demo and bench: runtime::Pipeline over the
// Kafka source, with the Kafka sinks for dead letters (flushed before each
// commit) and for what follows a durable commit (alerts, then marked in the
// outbox; KPI changes), docs/alerts.md "Publication". Publication runs on
// the pipeline's publishing thread, so `commit_sink` (or the sinks) must be
// safe to call from there.

struct LoopOptions {
  size_t batch_max_records = 2000;
  bool wall_clock = false;
  // The engine clock in wall-clock mode. Default: the system clock.
  std::function<core::Instant()> now;
  // Checked after each iteration; true ends the loop. May be empty.
  std::function<bool(const runtime::PipelineStats&)> done;
  // Called after each iteration. May be empty.
  std::function<void(const runtime::PipelineStats&)> progress;
  // Called before each batch's commit is sealed. May be empty.
  std::function<void(int64_t batch_number)> before_seal;
};

core::Status RunEngineLoop(runtime::Engine& engine, projections::KvStore* store,
                           kafka::KafkaEventSource& source, kafka::EngineSinks& sinks,
                           const LoopOptions& options, runtime::PipelineStats* stats,
                           runtime::CommitSink* commit_sink = nullptr) {
  runtime::Committer committer(store, /*threaded=*/true);
  runtime::PipelineOptions pipeline_options;
  pipeline_options.batch_max_records = options.batch_max_records;
  pipeline_options.wall_clock = options.wall_clock;
  pipeline_options.now = options.now;
  pipeline_options.stop = [] { return g_stop.load(); };
  pipeline_options.done = options.done;
  pipeline_options.progress = [&](const runtime::PipelineStats& s) {
    if (source.broker_up() != broker_up_) {
      broker_up_ = source.broker_up();
      if (broker_up_) {
        spdlog::warn("serve: Kafka brokers reachable again; resuming");
      } else {
        spdlog::warn("serve: all Kafka brokers down; librdkafka keeps retrying");
      }
    }
    if (options.progress) options.progress(s);
  };
  pipeline_options.before_seal = options.before_seal;
  // Waiting for hoso.kpi's and hoso.alerts' acknowledgements took about a
  // third of this loop's thread (BENCHMARKS.md, issue 9).
  pipeline_options.publish_on_thread = true;
  runtime::Pipeline pipeline(&engine, &source, &committer, &sinks,
                             commit_sink != nullptr ? commit_sink : &sinks, pipeline_options);
  core::Status s = pipeline.Run(stats);
  // A clean stop (SIGTERM, the end of a finite input) writes a checkpoint.
  core::Status finished = pipeline.Finish(/*checkpoint=*/s.ok(), stats);
  HOSO_RETURN_IF_ERROR(s);
  HOSO_RETURN_IF_ERROR(finished);
  return sinks.Flush();
}

// --------------------------------------------------------------------------
// hoso broker

struct BrokerArgs {
  int partitions = 64;
  std::string bootstrap_file;
  int port = 0;
};

int RunBroker(const BrokerArgs& args) {
  InstallSignalHandlers();
  kafka::EmbeddedBrokerOptions options;
  options.event_partitions = args.partitions;
  options.forward_port = args.port;
  auto broker = kafka::EmbeddedBroker::Start(options);
  if (!broker.ok()) return ReportError("broker", broker.status());
  const std::string bootstrap = (*broker)->public_bootstraps();
  std::fprintf(stderr,
               "hoso broker: embedded Kafka broker (librdkafka mock cluster) on loopback.\n"
               "  In memory only: about 5 MiB per partition (older data is dropped), and all "
               "data is lost when it stops.\n"
               "  Topics: %s (%d partitions), %s, %s, %s. Stop with Ctrl-C.\n",
               kafka::kEventsTopic, args.partitions, kafka::kDeadLetterTopic, kafka::kAlertsTopic,
               kafka::kKpiTopic);
  if (args.port != 0) {
    std::fprintf(stderr, "  Port %d forwards bootstrap connections to %s.\n", args.port,
                 (*broker)->bootstraps().c_str());
  }
  std::printf("%s\n", bootstrap.c_str());
  std::fflush(stdout);
  if (!args.bootstrap_file.empty() && !WriteFileAtomically(args.bootstrap_file, bootstrap + "\n")) {
    return ReportError("broker",
                       core::Status::IOError("cannot write bootstrap file " + args.bootstrap_file));
  }
  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!args.bootstrap_file.empty()) {
    std::error_code ec;
    fs::remove(args.bootstrap_file, ec);
  }
  std::fprintf(stderr, "hoso broker: stopped; its data is gone.\n");
  return kExitOk;
}

// --------------------------------------------------------------------------
// hoso produce

struct ProduceArgs {
  std::string brokers;
  std::string topic = kafka::kEventsTopic;
  std::string file;
  int connect_timeout_ms = 10000;
  std::vector<std::string> properties;
  bool no_progress = false;
};

int RunProduce(const ProduceArgs& args) {
  InstallSignalHandlers();
  std::ifstream in(args.file, std::ios::binary);
  if (!in) return ReportError("produce", core::Status::InvalidArgument("cannot read " + args.file));
  kafka::Properties properties = {{"bootstrap.servers", args.brokers},
                                  {"message.timeout.ms", "60000"}};
  core::Status s = AddProperties(args.properties, &properties);
  if (!s.ok()) return ReportError("produce", s);
  auto producer = kafka::KafkaProducer::Create(properties);
  if (!producer.ok()) return ReportError("produce", producer.status());
  s = kafka::CheckReachable((*producer)->handle(), args.connect_timeout_ms);
  if (!s.ok()) return ReportError("produce", s);
  const bool progress = !args.no_progress && StderrIsTerminal();
  const auto started = Clock::now();
  auto last_draw = started;
  int64_t lines = 0;
  std::string line;
  while (!g_stop.load() && std::getline(in, line)) {
    if (line.empty()) continue;
    s = (*producer)->Produce(args.topic, CheapRecordKey(line), line);
    if (!s.ok()) return ReportError("produce", s);
    ++lines;
    if ((lines & 1023) == 0) {
      (*producer)->Poll(0);
      if ((*producer)->failed() > 0) break;
      if (progress && Clock::now() - last_draw > std::chrono::milliseconds(250)) {
        last_draw = Clock::now();
        std::fprintf(stderr, "\rproduce: %lld records sent, %lld acknowledged, %.0f/s   ",
                     static_cast<long long>(lines),
                     static_cast<long long>((*producer)->delivered()),
                     lines / SecondsSince(started));
      }
    }
  }
  while ((*producer)->outstanding() > 0 && !(*producer)->Flush(1000)) {
    if ((*producer)->failed() > 0 && g_stop.load()) break;
  }
  if (progress) std::fprintf(stderr, "\n");
  if ((*producer)->failed() > 0) {
    return ReportError("produce", core::Status::Unavailable(std::to_string((*producer)->failed()) +
                                                            " records refused or undelivered: " +
                                                            (*producer)->first_error()));
  }
  std::printf("produced %lld records to %s in %.2f s\n", static_cast<long long>(lines),
              args.topic.c_str(), SecondsSince(started));
  return g_stop.load() ? kExitRuntimeFailure : kExitOk;
}

// --------------------------------------------------------------------------
// hoso serve

struct ServeArgs {
  std::string config_path;
  std::string http_listen;  // overrides http.listen of the config
  ReferenceOptions reference;
};

// Hands each durable commit to several sinks, in order (Kafka, then
// PostgreSQL, which only queues it).
class FanOutSink final : public runtime::CommitSink {
 public:
  explicit FanOutSink(std::vector<runtime::CommitSink*> sinks) : sinks_(std::move(sinks)) {}
  core::Status Published(const runtime::Commit& commit) override {
    for (runtime::CommitSink* sink : sinks_) HOSO_RETURN_IF_ERROR(sink->Published(commit));
    return core::Status::Ok();
  }
  core::Status PublishedAll(std::span<const runtime::Commit* const> commits) override {
    for (runtime::CommitSink* sink : sinks_) HOSO_RETURN_IF_ERROR(sink->PublishedAll(commits));
    return core::Status::Ok();
  }

 private:
  std::vector<runtime::CommitSink*> sinks_;
};

// This host's name, for an address that listens on every interface.
std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// The URL other instances reach this one's API at: http.advertise, else the
// listen address with the port bound (this host's name for 0.0.0.0 / ::).
std::string AdvertisedUrl(const std::string& advertise, const std::string& listen, int port) {
  if (!advertise.empty()) return advertise;
  auto address = ParseListenAddress(listen);
  std::string host = address.ok() ? address->first : "localhost";
  if (host.empty() || host == "0.0.0.0" || host == "::") host = HostName();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port);
}

int RunServe(const ServeArgs& args) {
  InstallSignalHandlers();
  auto config = kafka::LoadServeConfig(args.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "hoso serve: %s\n", config.status().ToString().c_str());
    return kExitBadInput;
  }
  // From here on every message is a log line in the configured format
  // (docs/operations.md "Logs"); -v makes the level at least info.
  LogOptions log_options;
  log_options.format = *ParseLogFormat(config->log.format);  // validated with the config
  log_options.level = std::min(spdlog::get_level(), *ParseLogLevel(config->log.level));
  log_options.journal = JournalIsStderr();
  ConfigureLogging(log_options);
  auto fail = [](const core::Status& status) {
    spdlog::error("serve: {}", status.ToString());
    return ExitCodeFor(status);
  };
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return fail(reference.status());
  // The national portal's sync records (docs/dvcqg.md "In serve"): a bad
  // mapping file stops serve here; the bridge starts with the consumer.
  std::unique_ptr<DvcqgSetup> dvcqg_setup;
  if (!config->dvcqg_topic.empty()) {
    auto setup = LoadDvcqgSetup(config->dvcqg_mapping_path, (*reference)->catalog);
    if (!setup.ok()) return fail(setup.status());
    dvcqg_setup = std::move(*setup);
  }
  std::unique_ptr<connectors::dvcqg::SyncTopicBridge> dvcqg_bridge;
  // What /metrics reads (from the HTTP threads) once the bridge runs.
  std::atomic<const connectors::dvcqg::SyncTopicBridge*> dvcqg_bridge_view{nullptr};
  // PostgreSQL (docs/bi.md): a bad DSN or a missing schema stops serve here;
  // a server that does not answer only delays the BI tables.
  std::unique_ptr<connectors::postgres::PostgresSink> postgres;
  if (!config->postgres_dsn.empty()) {
    connectors::postgres::PostgresSinkOptions pg_options;
    pg_options.dsn = config->postgres_dsn;
    pg_options.source_id = fs::absolute(config->db_path).lexically_normal().string();
    auto sink = connectors::postgres::PostgresSink::Create(pg_options, &(*reference)->catalog,
                                                           &(*reference)->agencies);
    if (!sink.ok()) return fail(sink.status());
    postgres = std::move(*sink);
  }
  connectors::RocksOptions rocks_options;
  rocks_options.min_free_bytes = static_cast<uint64_t>(config->min_free_disk_mb) << 20;
  auto store = OpenForWrite(config->db_path, rocks_options);
  if (!store.ok()) return fail(store.status());

  // A static group.instance.id kept in the database directory (we hold its
  // lock), so a restart moves no partition; the assignor librdkafka gets right.
  kafka::Properties consumer_properties = config->kafka;
  auto membership = kafka::ApplyGroupMembershipDefaults(&consumer_properties, config->db_path,
                                                        kafka::LibrdkafkaVersionNumber());
  if (!membership.ok()) return fail(membership.status());
  if (!membership->warning.empty()) spdlog::warn("serve: {}", membership->warning);
  const std::string instance_name = membership->instance_id.empty()
                                        ? HostName() + "-" + std::to_string(::getpid())
                                        : membership->instance_id;

  // What the whole group knows (docs/scale.md "District-wide answers"):
  // every partition's KPI cells from hoso.kpi and which instance owns which
  // partition, read from before recovery so that it is ready with the engine.
  kafka::DistrictViewOptions district_options;
  district_options.properties = config->kafka;
  district_options.kpi_topic = config->kpi_topic;
  district_options.instances_topic = config->instances_topic;
  district_options.input_topic = config->events_topic;
  auto district_view = kafka::DistrictView::Start(district_options);
  if (!district_view.ok()) return fail(district_view.status());
  const std::unique_ptr<kafka::DistrictView> district = std::move(*district_view);

  // The HTTP API (docs/http.md) starts before recovery, so /readyz can say
  // that the engine is recovering; it reads the database as a secondary.
  ServeStatus status(config->http.ready_max_lag);
  std::unique_ptr<HttpApi> http;
  const std::string listen = args.http_listen.empty() ? config->http.listen : args.http_listen;
  if (!listen.empty()) {
    HttpOptions http_options;
    http_options.listen = listen;
    http_options.refresh_ms = config->http.refresh_ms;
    if (!config->http.token_file.empty()) {
      auto token = ReadTokenFile(config->http.token_file);
      if (!token.ok()) return fail(token.status());
      http_options.token = std::move(*token);
    }
    http_options.extra_metrics = [&status, &postgres, &district, &dvcqg_bridge_view] {
      std::string text = status.Metrics();
      if (postgres) text += PostgresSinkMetrics(postgres->stats());
      text += DistrictViewMetrics(district->stats());
      if (const auto* bridge = dvcqg_bridge_view.load())
        text += DvcqgBridgeMetrics(bridge->stats());
      return text;
    };
    // Without KPI publication there is no district view: the instance's own
    // database answers.
    if (config->publish_kpi) {
      http_options.district_cells = [&district, &config](int first_month, int last_month)
          -> core::Result<std::map<projections::KpiKey, core::KpiCounters>> {
        if (!district->caught_up()) {
          return core::Status::Unavailable("district figures: still reading " + config->kpi_topic +
                                           " (" + std::to_string(district->stats().cells) +
                                           " cells so far); ask again shortly, or with scope=local "
                                           "for this instance's database");
        }
        return district->CellsInMonths(first_month, last_month);
      };
      http_options.holds_whole_district = [&district, &status] {
        const int input_partitions = district->stats().input_partitions;
        return input_partitions > 0 &&
               status.live_partition_count() == static_cast<size_t>(input_partitions);
      };
    }
    http_options.partition_live_here = [&status](int32_t partition) {
      return status.PartitionLive(partition);
    };
    http_options.owner_of = [&district,
                             &instance_name](int32_t partition) -> std::optional<PeerInstance> {
      auto owner = district->OwnerOf(partition);
      // This instance's own earlier claim (a restart, a restore under way)
      // names no one who can answer.
      if (!owner || owner->instance == instance_name) return std::nullopt;
      return PeerInstance{owner->instance, owner->http_url};
    };
    http_options.other_instances = [&district, &instance_name] {
      std::vector<PeerInstance> peers;
      for (const auto& record : district->Instances()) {
        if (record.instance != instance_name) peers.push_back({record.instance, record.http_url});
      }
      return peers;
    };
    http_options.not_ready_reason = [&status] { return status.NotReadyReason(); };
    auto started = HttpApi::Start(config->db_path, reference->get(), http_options);
    if (started.ok()) {
      http = std::move(*started);
      spdlog::info("serve: HTTP API on port {}", http->port());
      if (!config->http.port_file.empty()) {
        core::Status written = WritePortFile(config->http.port_file, http->port());
        if (!written.ok()) return fail(written);
      }
    } else if (config->http.listen_configured || !args.http_listen.empty()) {
      return fail(started.status());
    } else {
      // The default address is a convenience, not a requirement.
      spdlog::warn("serve: no HTTP API on the default {} ({}); set http.listen", listen,
                   started.status().message());
    }
  }

  runtime::EngineOptions engine_options;
  engine_options.machine = (*reference)->machine->options();
  engine_options.collect_alerts = false;  // the pipeline reads them from its commits
  engine_options.clock_mode =
      config->wall_clock ? runtime::ClockMode::kWallTime : runtime::ClockMode::kEventTime;
  engine_options.max_ahead_ms =
      config->max_ahead_days < 0 ? -1 : int64_t{config->max_ahead_days} * 86400 * 1000;
  engine_options.future_skew_ms =
      config->future_skew_minutes < 0 ? -1 : int64_t{config->future_skew_minutes} * 60 * 1000;
  engine_options.collect_changed_dossiers = postgres != nullptr;
  // A consumer-group member: timers, alerts and KPI cells follow the
  // partitions the group assigns (docs/scale.md "Restore").
  engine_options.partition_ownership = true;
  auto engine = runtime::Engine::Open(store->get(), (*reference)->machine.get(), engine_options);
  if (!engine.ok()) return fail(engine.status());
  if (postgres) {
    core::Status caught_up = postgres->CatchUp(**engine, **store);
    if (!caught_up.ok()) return fail(caught_up);
  }

  kafka::SinkOptions sink_options;
  sink_options.properties = config->kafka;
  sink_options.properties.erase("group.id");
  // Consumer-only properties would make the producer warn; keep the common ones.
  for (const char* name :
       {"session.timeout.ms", "heartbeat.interval.ms", "fetch.wait.max.ms", "auto.offset.reset",
        "partition.assignment.strategy", "max.poll.interval.ms", "group.instance.id",
        "isolation.level", "fetch.min.bytes", "enable.partition.eof"}) {
    sink_options.properties.erase(name);
  }
  sink_options.source_topic = config->events_topic;
  sink_options.dead_letter_topic = config->dead_letter_topic;
  sink_options.alerts_topic = config->alerts_topic;
  sink_options.kpi_topic = config->kpi_topic;
  sink_options.dead_letter_max_bytes = static_cast<size_t>(config->dead_letter_max_bytes);
  sink_options.stop = &g_stop;
  auto sinks = kafka::EngineSinks::Create(sink_options);
  if (!sinks.ok()) return fail(sinks.status());

  kafka::KafkaSourceOptions source_options;
  source_options.properties = consumer_properties;
  source_options.topic = config->events_topic;
  spdlog::info(
      "serve: group {} as {} ({})", source_options.properties["group.id"],
      membership->instance_id.empty() ? std::string("a dynamic member") : membership->instance_id,
      membership->strategy);
  // In wall-clock mode the loop must tick even when no record arrives.
  source_options.poll_timeout_ms = config->wall_clock
                                       ? std::min(config->poll_timeout_ms, config->clock_tick_ms)
                                       : config->poll_timeout_ms;
  source_options.event_time_order = config->event_time_order;
  source_options.idle_partition_ms = config->idle_partition_ms;
  source_options.max_held_records = static_cast<size_t>(config->merge_max_held_records);
  auto source = kafka::KafkaEventSource::Create(source_options);
  if (!source.ok()) return fail(source.status());
  runtime::PositionLookup lookup = [&](std::string_view id) { return (*engine)->LoadPosition(id); };
  core::Status s = (*source)->Start(lookup);
  if (!s.ok()) return fail(s);
  spdlog::info("serve: consuming {} into {}", config->events_topic, config->db_path);
  // A partition new to this instance is restored from its oldest record:
  // say so when the topic does not keep them all (docs/scale.md "Restore").
  // Asked after subscribing, so the group join runs meanwhile: a broker that
  // does not answer (the embedded one) costs the whole timeout.
  auto retention = (*source)->InputRetention(1000);
  if (!retention.ok()) {
    spdlog::info("serve: retention of {} unknown ({}); restores read from its oldest record",
                 config->events_topic, retention.status().message());
  } else if (const std::string warning = kafka::RetentionWarning(config->events_topic, *retention);
             !warning.empty()) {
    spdlog::warn("serve: {}", warning);
  }
  if (dvcqg_setup) {
    connectors::dvcqg::SyncTopicBridgeOptions bridge_options;
    bridge_options.consumer_properties = config->kafka;
    bridge_options.producer_properties = sink_options.properties;
    bridge_options.sync_topic = config->dvcqg_topic;
    bridge_options.events_topic = config->events_topic;
    bridge_options.dead_letter_topic = config->dead_letter_topic;
    bridge_options.group_id = config->kafka.at("group.id") + ".dvcqg";
    // The tracks' checkpoint beside the database, one per bridge group: a
    // restart reads on from its offsets instead of re-reading the topic.
    const std::string tracks_dir = config->db_path + ".dvcqg";
    std::error_code dir_error;
    fs::create_directories(tracks_dir, dir_error);
    if (dir_error) {
      spdlog::warn("serve: cannot create {} ({}); a restart re-reads {} to rebuild the tracks",
                   tracks_dir, dir_error.message(), config->dvcqg_topic);
    } else {
      std::string file_name = bridge_options.group_id;
      for (char& c : file_name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
      }
      bridge_options.checkpoint_path = tracks_dir + "/serve-tracks-" + file_name + ".jsonl";
      bridge_options.checkpoint_interval_ms = config->dvcqg_checkpoint_interval_ms;
    }
    bridge_options.diff = dvcqg_setup->options;
    // A delivery that failed for good stops serve: nothing after the last
    // commit is lost, and the next start produces it again.
    bridge_options.on_failure = [](const core::Status&) { g_stop.store(true); };
    auto bridge = connectors::dvcqg::SyncTopicBridge::Start(std::move(bridge_options));
    if (!bridge.ok()) return fail(bridge.status());
    dvcqg_bridge = std::move(*bridge);
    dvcqg_bridge_view.store(dvcqg_bridge.get());
    spdlog::info("serve: turning the sync records of {} into events on {}", config->dvcqg_topic,
                 config->events_topic);
  }

  // Alerts stored by a previous run but never acknowledged by the broker
  // (serve died between the commit and the acknowledgement) go out first.
  kafka::AlertOutbox outbox(store->get());
  uint64_t next_alert = 0;
  auto unpublished = outbox.Unpublished(&next_alert);
  if (!unpublished.ok()) return fail(unpublished.status());
  if (!unpublished->empty()) {
    for (const auto& [dossier_id, json] : *unpublished) {
      s = (*sinks)->WriteAlertJson(dossier_id, json);
      if (!s.ok()) return fail(s);
    }
    s = (*sinks)->FlushOutputs();
    if (s.ok()) s = outbox.MarkPublished(next_alert);
    if (!s.ok()) return fail(s);
    spdlog::warn("serve: published {} alerts stored by a previous run but not acknowledged",
                 unpublished->size());
  }
  spdlog::info("serve: alert outbox checked ({} re-published)", unpublished->size());
  // KPI changes go out after the commit that stores them, so a crash in
  // between would leave hoso.kpi behind until each cell changes again. Every
  // cell of a partition is therefore published again when the group assigns
  // it and it is live (the engine puts them in that commit): the values are
  // absolute and keyed, so a consumer (or a compacted topic) just sees them
  // again, and the cells of a partition another instance owns now are never
  // sent with this instance's older figures.
  // `hoso backup` of this database asks serve for the checkpoint.
  BackupResponder backup(config->db_path, store->get());
  (*sinks)->set_outbox(&outbox);
  (*sinks)->set_publish_kpi(config->publish_kpi);

  LoopOptions loop;
  loop.batch_max_records = static_cast<size_t>(config->batch_max_records);
  loop.wall_clock = config->wall_clock;
  if (config->clock_start) {
    const core::Instant start = *config->clock_start;
    const auto started = Clock::now();
    loop.now = [start, started] {
      return core::Instant{
          start.epoch_ms +
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()};
    };
  } else if (config->clock_offset_ms != 0) {
    const int64_t offset_ms = config->clock_offset_ms;
    loop.now = [offset_ms] { return core::Instant{WallNow().epoch_ms + offset_ms}; };
  }
  auto last_restore_line = Clock::now();
  // Announced on the instances topic whenever the partitions live here
  // change (and once at start, with the URL), so other instances can route
  // dossier lookups here.
  const std::string http_url =
      http ? AdvertisedUrl(config->http.advertise, listen, http->port()) : std::string();
  bool announced = false;
  bool announce_failed = false;
  auto announce = [&](std::vector<int32_t> partitions) {
    kafka::InstanceRecord self{instance_name, http_url, std::move(partitions), WallNow().epoch_ms};
    if (core::Status s = district->Announce(self); !s.ok() && !announce_failed) {
      announce_failed = true;
      spdlog::warn(
          "serve: cannot announce this instance ({}); other instances cannot route "
          "dossier lookups here",
          s.message());
    }
    announced = true;
  };
  loop.progress = [&](const runtime::PipelineStats& progress) {
    backup.Poll();
    const std::set<int32_t>& live = (*engine)->live_partitions();
    std::vector<int32_t> live_now(live.begin(), live.end());
    if (status.SetLivePartitions(live_now) || !announced) announce(std::move(live_now));
    const kafka::RestoreProgress restoring = (*source)->Restoring();
    if (http) {
      status.Update(progress, (*source)->LagByPartition(), (*engine)->pending_timers(),
                    (*sinks)->alerts_acknowledged());
      status.SetRestore(restoring.partitions, restoring.records_remaining);
    }
    if (restoring.partitions > 0 && Clock::now() - last_restore_line >= std::chrono::seconds(5)) {
      last_restore_line = Clock::now();
      spdlog::info("serve: restoring {} partitions, {} records remaining", restoring.partitions,
                   restoring.records_remaining);
    }
  };
  runtime::PipelineStats stats;
  FanOutSink fan_out({sinks->get(), postgres.get()});
  s = RunEngineLoop(**engine, store->get(), **source, **sinks, loop, &stats,
                    postgres ? static_cast<runtime::CommitSink*>(&fan_out) : nullptr);
  if (postgres && s.ok() && !postgres->WaitCaughtUp(std::chrono::seconds(10))) {
    // Nothing is lost: the next start catches up from RocksDB.
    spdlog::warn("serve: PostgreSQL is {} events behind at exit; the next start catches up",
                 postgres->stats().queued_log_sequence - postgres->stats().written_log_sequence);
  }
  if (http) http->Stop();
  if (dvcqg_bridge) {
    dvcqg_bridge->Stop();
    if (s.ok()) s = dvcqg_bridge->status();
  }
  source->reset();  // closes the consumer: leaves the group, commits on revoke
  // No longer the owner of anything (another instance announces what it takes).
  status.SetLivePartitions({});
  announce({});
  district->Stop();
  if (!s.ok()) return fail(s);
  // Warning level: a daemon's stop is worth a line even when quiet.
  spdlog::warn(
      "serve: stopped after {} records (applied {}, duplicates {}, rejected {}, alerts {})",
      stats.records, stats.totals.applied, stats.totals.duplicates, stats.totals.rejected,
      stats.alerts);
  return kExitOk;
}

// --------------------------------------------------------------------------
// hoso demo

// A streambuf that hands every complete line to a callback (loadgen output
// goes straight to the producer, no file).
class LineStreambuf : public std::streambuf {
 public:
  explicit LineStreambuf(std::function<bool(std::string_view)> on_line)
      : on_line_(std::move(on_line)) {}

 protected:
  int_type overflow(int_type ch) override {
    if (ch == traits_type::eof()) return traits_type::not_eof(ch);
    return Put(static_cast<char>(ch)) ? ch : traits_type::eof();
  }
  std::streamsize xsputn(const char* data, std::streamsize count) override {
    for (std::streamsize i = 0; i < count; ++i) {
      if (!Put(data[i])) return i;
    }
    return count;
  }

 private:
  bool Put(char c) {
    if (c != '\n') {
      line_.push_back(c);
      return true;
    }
    const bool ok = on_line_(line_);
    line_.clear();
    return ok;
  }
  std::function<bool(std::string_view)> on_line_;
  std::string line_;
};

struct DemoArgs {
  int64_t dossiers = 60000;
  uint64_t seed = 1;
  std::string data_dir = "hoso-demo-data";
  int partitions = 64;
  ReferenceOptions reference;
};

int RunDemo(const DemoArgs& args) {
  InstallSignalHandlers();
  const auto started = Clock::now();
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("demo", reference.status());
  // Only a previous demo directory is ever reused (and its database wiped).
  std::error_code ec;
  const fs::path dir = fs::absolute(args.data_dir);
  const fs::path marker = dir / ".hoso-demo";
  if (fs::exists(dir) && !fs::is_empty(dir) && !fs::exists(marker)) {
    return ReportError("demo", core::Status::InvalidArgument(
                                   dir.string() + " exists and is not a hoso demo directory"));
  }
  fs::create_directories(dir, ec);
  fs::remove_all(dir / "db", ec);
  { std::ofstream(marker) << "hoso demo data directory\n"; }
  const std::string db_path = (dir / "db").string();

  std::fprintf(stderr,
               "hoso demo: embedded Kafka broker (in memory, ~5 MiB per partition) + engine + a "
               "simulated Hai Bà Trưng year of %lld dossiers\n",
               static_cast<long long>(args.dossiers));
  kafka::EmbeddedBrokerOptions broker_options;
  broker_options.event_partitions = args.partitions;
  auto broker = kafka::EmbeddedBroker::Start(broker_options);
  if (!broker.ok()) return ReportError("demo", broker.status());
  const std::string bootstrap = (*broker)->bootstraps();

  auto store = OpenForWrite(db_path);
  if (!store.ok()) return ReportError("demo", store.status());
  runtime::EngineOptions engine_options;
  engine_options.machine = (*reference)->machine->options();
  engine_options.collect_alerts = false;  // the pipeline reads them from its commits
  engine_options.clock_mode = runtime::ClockMode::kEventTime;
  auto engine = runtime::Engine::Open(store->get(), (*reference)->machine.get(), engine_options);
  if (!engine.ok()) return ReportError("demo", engine.status());

  kafka::SinkOptions sink_options;
  sink_options.properties = {{"bootstrap.servers", bootstrap}};
  sink_options.stop = &g_stop;
  auto sinks = kafka::EngineSinks::Create(sink_options);
  if (!sinks.ok()) return ReportError("demo", sinks.status());
  kafka::KafkaSourceOptions source_options;
  source_options.properties = {{"bootstrap.servers", bootstrap}, {"fetch.wait.max.ms", "10"}};
  source_options.subscribe = false;  // one consumer: direct assignment, no 3 s group join
  source_options.poll_timeout_ms = 50;
  source_options.event_time_order = true;  // event-time clock (docs/alerts.md)
  source_options.idle_partition_ms = -1;   // the producer says when it is done
  auto source = kafka::KafkaEventSource::Create(source_options);
  if (!source.ok()) return ReportError("demo", source.status());
  runtime::PositionLookup lookup = [&](std::string_view id) { return (*engine)->LoadPosition(id); };
  core::Status s = (*source)->Start(lookup);
  if (!s.ok()) return ReportError("demo", s);

  // Producer thread: the loadgen year, keyed by dossier_id, while we consume.
  std::atomic<int64_t> produced{0};
  std::atomic<bool> producer_done{false};
  core::Status producer_status;
  loadgen::Stats gen_stats;
  std::string first_dossier_id;  // for the follow-up `history`; read after the join
  std::thread producer_thread([&] {
    auto producer = kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
    if (!producer.ok()) {
      producer_status = producer.status();
      producer_done.store(true);
      return;
    }
    LineStreambuf buffer([&](std::string_view line) {
      if (g_stop.load()) return false;
      const std::string_view dossier_id = CheapDossierId(line);
      if (first_dossier_id.empty()) first_dossier_id = dossier_id;
      core::Status p = (*producer)->Produce(kafka::kEventsTopic, CheapRecordKey(line), line);
      if (!p.ok()) {
        producer_status = p;
        return false;
      }
      produced.fetch_add(1);
      return true;
    });
    std::ostream out(&buffer);
    loadgen::Options options;
    options.seed = args.seed;
    options.dossiers = args.dossiers;
    core::Status g = loadgen::Generate(options, (*reference)->catalog, (*reference)->agencies,
                                       *(*reference)->calendar, out, &gen_stats);
    if (producer_status.ok() && !g.ok() && !g_stop.load()) producer_status = g;
    while ((*producer)->outstanding() > 0 && !g_stop.load()) (*producer)->Flush(500);
    if (producer_status.ok() && (*producer)->failed() > 0) {
      producer_status =
          core::Status::Unavailable("undelivered events: " + (*producer)->first_error());
    }
    producer_done.store(true);
  });

  const bool tty = StderrIsTerminal();
  auto last_draw = started;
  runtime::PipelineStats stats;
  auto draw = [&](bool final_line) {
    const double seconds = SecondsSince(started);
    std::fprintf(stderr,
                 "%sdemo: %lld events consumed (%.0f/s), lag %lld, rejected %lld, alerts %lld   %s",
                 tty ? "\r" : "", static_cast<long long>(stats.records),
                 seconds > 0 ? stats.records / seconds : 0.0,
                 static_cast<long long>(produced.load() - stats.records),
                 static_cast<long long>(stats.totals.rejected),
                 static_cast<long long>(stats.alerts), tty && !final_line ? "" : "\n");
  };
  LoopOptions loop;
  loop.batch_max_records = 2000;
  bool told_complete = false;
  loop.done = [&](const runtime::PipelineStats&) {
    if (producer_done.load() && !told_complete) {
      told_complete = true;
      (*source)->SetInputComplete();
    }
    return (producer_done.load() && (stats.records >= produced.load() || !producer_status.ok()));
  };
  loop.progress = [&](const runtime::PipelineStats&) {
    const auto now = Clock::now();
    if (now - last_draw > (tty ? std::chrono::milliseconds(250) : std::chrono::seconds(2))) {
      last_draw = now;
      draw(false);
    }
  };
  s = RunEngineLoop(**engine, store->get(), **source, **sinks, loop, &stats);
  g_stop.store(g_stop.load() || !s.ok());
  producer_thread.join();
  draw(true);
  if (!s.ok()) return ReportError("demo", s);
  if (!producer_status.ok()) return ReportError("demo", producer_status);
  if (g_stop.load()) return kExitRuntimeFailure;

  auto period = projections::ParsePeriod(std::to_string(2019));
  if (!period.ok()) return ReportError("demo", period.status());
  const core::Instant as_of{period->end.epoch_ms - 1000};
  const std::vector<core::OpenCell> open = (*engine)->CountOpen(as_of);
  projections::KpiReport report =
      projections::BuildKpiReport(*period, as_of, projections::GroupBy::kAgency,
                                  projections::CellsInPeriod((*engine)->kpi_cells(), *period), open,
                                  (*reference)->catalog, (*reference)->agencies);
  std::printf("\nKPIs of %s per ward and district office, against the plan's targets:\n\n",
              period->label.c_str());
  PrintKpiTable(report, stdout, true);
  // The same figures judged against every target of the plan, dialogues
  // included (per half-year, as of the same instant).
  auto scorecard = BuildScorecard(
      report,
      [&](const std::string& half) -> core::Result<projections::KpiReport> {
        auto half_period = projections::ParsePeriod(half);
        if (!half_period.ok()) return half_period.status();
        return projections::BuildKpiReport(
            *half_period, as_of, projections::GroupBy::kAgency,
            projections::CellsInPeriod((*engine)->kpi_cells(), *half_period), open,
            (*reference)->catalog, (*reference)->agencies);
      },
      **reference);
  if (!scorecard.ok()) return ReportError("demo", scorecard.status());
  std::printf("\nThe plan's scorecard (hoso scorecard; docs/plan-targets.md):\n\n");
  PrintScorecardTable(*scorecard, stdout);
  std::printf("\nAlerts raised (also on topic %s):", kafka::kAlertsTopic);
  for (int k = 0; k < core::kAlertKindCount; ++k) {
    std::printf(" %s %lld%s",
                std::string(core::AlertKindName(static_cast<core::AlertKind>(k))).c_str(),
                static_cast<long long>(stats.alerts_by_kind[k]),
                k + 1 < core::kAlertKindCount ? "," : "\n");
  }
  std::printf(
      "Events: %lld produced, %lld applied, %lld duplicates, %lld rejected (to %s); %.1f s.\n",
      static_cast<long long>(produced.load()), static_cast<long long>(stats.totals.applied),
      static_cast<long long>(stats.totals.duplicates),
      static_cast<long long>(stats.totals.rejected), kafka::kDeadLetterTopic,
      SecondsSince(started));
  if (stats.totals.rejected > 0) {
    std::printf("Rejected by reason:");
    for (int i = 0; i < core::kRejectCodeCount; ++i) {
      if (stats.totals.rejected_by_code[i] == 0) continue;
      std::printf(" %s %lld",
                  std::string(core::RejectCodeName(static_cast<core::RejectCode>(i))).c_str(),
                  static_cast<long long>(stats.totals.rejected_by_code[i]));
    }
    std::printf("\n");
  }
  // Commands to type next, as written: this binary by the name a shell
  // finds it under (or its full path), and paths quoted for the shell.
  const std::string hoso = SelfCommand();
  const std::string db = ShellQuote(db_path);
  std::printf(
      "\nThe broker is gone (it kept data in memory only); the database stays in %s.\n"
      "Query it:\n",
      dir.string().c_str());
  std::printf("  %s kpi --db %s --period 2019 --by agency\n", hoso.c_str(), db.c_str());
  std::printf("  %s kpi --db %s --period 2019-06 --by procedure --format json\n", hoso.c_str(),
              db.c_str());
  if (!first_dossier_id.empty()) {
    std::printf("  %s history %s --db %s\n", hoso.c_str(), ShellQuote(first_dossier_id).c_str(),
                db.c_str());
  }
  std::printf("  %s alerts --db %s --open --format table\n", hoso.c_str(), db.c_str());
  std::printf("  %s http --db %s\n", hoso.c_str(), db.c_str());
  return kExitOk;
}

// --------------------------------------------------------------------------
// hoso bench kafka

struct BenchArgs {
  int64_t events = 1000000;
  int partitions = 128;
  int latency_seconds = 10;
  int latency_rate = 1000;
  // compression.type of the producers that write the input (the one-stop
  // systems' producers in a deployment): none, gzip, snappy, lz4 or zstd.
  std::string input_compression = "none";
  // Also feed PostgreSQL (docs/bi.md) in (b) and (c): the cost of the sink
  // and its lag. Empty: off.
  std::string postgres_dsn;
  ReferenceOptions reference;
};

// The PostgreSQL sink of a benchmark run (null when `dsn` is empty).
core::Result<std::unique_ptr<connectors::postgres::PostgresSink>> BenchPostgres(
    const std::string& dsn, const fs::path& db, const Reference& reference) {
  if (dsn.empty()) return std::unique_ptr<connectors::postgres::PostgresSink>();
  connectors::postgres::PostgresSinkOptions options;
  options.dsn = dsn;
  options.source_id = db.string();
  options.require_up = true;
  return connectors::postgres::PostgresSink::Create(options, &reference.catalog,
                                                    &reference.agencies);
}

// Most records per engine batch in the benchmark: the batch of `bench
// ingest`, so (b) compares with the file-ingest rate.
constexpr size_t kBenchBatchRecords = 8192;

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

// Producer properties of the engine's sinks in the benchmark: linger.ms=0,
// so the KPI changes sent after a commit (not flushed) leave at once; the
// Flush of dead letters and alerts sends at once anyway.
kafka::Properties BenchSinkProperties(const std::string& bootstrap) {
  return {{"bootstrap.servers", bootstrap}, {"linger.ms", "0"}};
}

int RunBenchKafka(const BenchArgs& args) {
  InstallSignalHandlers();
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("bench kafka", reference.status());
  std::error_code ec;
  const fs::path dir =
      fs::temp_directory_path() / ("hoso-bench-kafka-" + std::to_string(::getpid()));
  fs::create_directories(dir, ec);

  // Events in memory (generated once), then produced to the broker. loadgen
  // averages about 2.4 events per dossier; 2% more dossiers so the file
  // reaches N events, cut at N (the stream is in time order, so the cut only
  // drops the latest events).
  std::fprintf(stderr, "bench kafka: generating %lld events...\n",
               static_cast<long long>(args.events));
  std::vector<std::string> lines;
  lines.reserve(static_cast<size_t>(args.events));
  {
    LineStreambuf buffer([&](std::string_view line) {
      if (static_cast<int64_t>(lines.size()) >= args.events) return true;
      lines.emplace_back(line);
      return true;
    });
    std::ostream out(&buffer);
    loadgen::Options options;
    options.seed = 42;
    options.dossiers = std::max<int64_t>(1, args.events * 10 / 24 * 102 / 100);
    core::Status s = loadgen::Generate(options, (*reference)->catalog, (*reference)->agencies,
                                       *(*reference)->calendar, out, nullptr);
    if (!s.ok()) return ReportError("bench kafka", s);
  }
  const int64_t n = static_cast<int64_t>(lines.size());

  kafka::EmbeddedBrokerOptions broker_options;
  broker_options.event_partitions = args.partitions;
  auto broker = kafka::EmbeddedBroker::Start(broker_options);
  if (!broker.ok()) return ReportError("bench kafka", broker.status());
  const std::string bootstrap = (*broker)->bootstraps();
  double produce_seconds = 0;
  {
    std::fprintf(stderr, "bench kafka: producing %lld events to %d partitions...\n",
                 static_cast<long long>(n), args.partitions);
    auto producer = kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap},
                                                  {"linger.ms", "20"},
                                                  {"batch.size", "1000000"},
                                                  {"compression.type", args.input_compression}});
    if (!producer.ok()) return ReportError("bench kafka", producer.status());
    const auto t0 = Clock::now();
    for (const std::string& line : lines) {
      core::Status s = (*producer)->Produce(kafka::kEventsTopic, CheapRecordKey(line), line);
      if (!s.ok()) return ReportError("bench kafka", s);
    }
    while ((*producer)->outstanding() > 0) (*producer)->Flush(1000);
    produce_seconds = SecondsSince(t0);
    if ((*producer)->failed() > 0) {
      return ReportError("bench kafka", core::Status::Unavailable((*producer)->first_error()));
    }
  }

  // (a) raw consumer: read every event, nothing else.
  double raw_seconds = 0;
  {
    std::fprintf(stderr, "bench kafka: (a) raw consumer...\n");
    kafka::KafkaSourceOptions options;
    options.properties = {{"bootstrap.servers", bootstrap}, {"fetch.wait.max.ms", "10"}};
    options.subscribe = false;
    auto source = kafka::KafkaEventSource::Create(options);
    if (!source.ok()) return ReportError("bench kafka", source.status());
    runtime::PositionLookup none = [](std::string_view) {
      return core::Result<std::optional<std::string>>(std::optional<std::string>());
    };
    const auto t0 = Clock::now();
    core::Status s = (*source)->Start(none);
    if (!s.ok()) return ReportError("bench kafka", s);
    runtime::SourceBatch batch;
    int64_t read = 0;
    while (read < n && !g_stop.load()) {
      s = (*source)->NextBatch(kBenchBatchRecords, &batch);
      if (!s.ok()) return ReportError("bench kafka", s);
      read += static_cast<int64_t>(batch.records.size());
    }
    raw_seconds = SecondsSince(t0);
  }

  // (b) engine end to end, the loop of `serve`/`demo` with the event-time
  // clock and the ordered merge: projections and offsets committed to
  // RocksDB, dead letters/alerts/KPI changes published and acknowledged.
  double engine_seconds = 0;
  double engine_cpu_seconds = 0;          // of the whole process (broker included) during (b)
  double postgres_caught_up_seconds = 0;  // after the engine finished
  int64_t postgres_transactions = 0;
  int64_t kpi_messages = 0;  // sent to hoso.kpi in (b)
  runtime::PipelineStats engine_stats;
  {
    std::fprintf(stderr, "bench kafka: (b) engine end to end into a fresh database...\n");
    auto store = OpenForWrite((dir / "db").string());
    if (!store.ok()) return ReportError("bench kafka", store.status());
    auto postgres = BenchPostgres(args.postgres_dsn, dir / "db", **reference);
    if (!postgres.ok()) return ReportError("bench kafka", postgres.status());
    runtime::EngineOptions engine_options;
    engine_options.machine = (*reference)->machine->options();
    engine_options.collect_alerts = false;  // the pipeline reads them from its commits
    engine_options.collect_changed_dossiers = *postgres != nullptr;
    auto engine = runtime::Engine::Open(store->get(), (*reference)->machine.get(), engine_options);
    if (!engine.ok()) return ReportError("bench kafka", engine.status());
    kafka::SinkOptions sink_options;
    sink_options.properties = BenchSinkProperties(bootstrap);
    sink_options.stop = &g_stop;
    auto sinks = kafka::EngineSinks::Create(sink_options);
    if (!sinks.ok()) return ReportError("bench kafka", sinks.status());
    kafka::KafkaSourceOptions options;
    options.properties = {{"bootstrap.servers", bootstrap}, {"fetch.wait.max.ms", "10"}};
    options.subscribe = false;
    options.event_time_order = true;
    // The producer above wrote large batches (up to ~3,000 records of one
    // partition, months of event time): the merge must hold about one such
    // batch per partition before the slowest partition lets it release.
    options.max_held_records = static_cast<size_t>(n);
    options.idle_partition_ms = -1;  // the input is complete: SetInputComplete below
    auto source = kafka::KafkaEventSource::Create(options);
    if (!source.ok()) return ReportError("bench kafka", source.status());
    runtime::PositionLookup lookup = [&](std::string_view id) {
      return (*engine)->LoadPosition(id);
    };
    const auto t0 = Clock::now();
    const double cpu0 = ProcessCpuSeconds();
    core::Status s = (*source)->Start(lookup);
    if (!s.ok()) return ReportError("bench kafka", s);
    (*source)->SetInputComplete();
    LoopOptions loop;
    loop.batch_max_records = kBenchBatchRecords;
    loop.done = [&](const runtime::PipelineStats& stats) { return stats.records >= n; };
    FanOutSink fan_out({sinks->get(), postgres->get()});
    s = RunEngineLoop(**engine, store->get(), **source, **sinks, loop, &engine_stats,
                      *postgres ? static_cast<runtime::CommitSink*>(&fan_out) : nullptr);
    if (!s.ok()) return ReportError("bench kafka", s);
    engine_seconds = SecondsSince(t0);
    engine_cpu_seconds = ProcessCpuSeconds() - cpu0;
    kpi_messages = (*sinks)->kpi_updates();
    if (*postgres) {
      const auto t1 = Clock::now();
      if (!(*postgres)->WaitCaughtUp(std::chrono::seconds(600))) {
        return ReportError("bench kafka", core::Status::Unavailable("PostgreSQL did not catch up"));
      }
      postgres_caught_up_seconds = SecondsSince(t1);
      postgres_transactions = (*postgres)->stats().transactions;
    }
  }

  // (c) latency from produce (the record's CreateTime) to KPI visible (its
  // batch committed to RocksDB and the changed KPI cells sent to hoso.kpi),
  // at a steady rate, through the loop of `serve` with its default clock
  // (wall) and no merge, fetch.wait.max.ms=10.
  std::vector<double> latencies_ms;
  std::vector<double> postgres_lag_seconds;  // sampled after every loop iteration
  {
    std::fprintf(stderr, "bench kafka: (c) latency at %d events/s for %d s...\n", args.latency_rate,
                 args.latency_seconds);
    kafka::EmbeddedBrokerOptions latency_broker_options;
    latency_broker_options.event_partitions = 8;
    auto latency_broker = kafka::EmbeddedBroker::Start(latency_broker_options);
    if (!latency_broker.ok()) return ReportError("bench kafka", latency_broker.status());
    const std::string b2 = (*latency_broker)->bootstraps();
    auto store = OpenForWrite((dir / "db-latency").string());
    if (!store.ok()) return ReportError("bench kafka", store.status());
    auto postgres = BenchPostgres(args.postgres_dsn, dir / "db-latency", **reference);
    if (!postgres.ok()) return ReportError("bench kafka", postgres.status());
    runtime::EngineOptions engine_options;
    engine_options.machine = (*reference)->machine->options();
    engine_options.collect_alerts = false;  // the pipeline reads them from its commits
    engine_options.collect_changed_dossiers = *postgres != nullptr;
    engine_options.clock_mode = runtime::ClockMode::kWallTime;
    auto engine = runtime::Engine::Open(store->get(), (*reference)->machine.get(), engine_options);
    if (!engine.ok()) return ReportError("bench kafka", engine.status());
    kafka::SinkOptions sink_options;
    sink_options.properties = BenchSinkProperties(b2);
    sink_options.stop = &g_stop;
    auto sinks = kafka::EngineSinks::Create(sink_options);
    if (!sinks.ok()) return ReportError("bench kafka", sinks.status());
    kafka::KafkaSourceOptions options;
    options.properties = {{"bootstrap.servers", b2}, {"fetch.wait.max.ms", "10"}};
    options.subscribe = false;
    options.poll_timeout_ms = 10;
    auto source = kafka::KafkaEventSource::Create(options);
    if (!source.ok()) return ReportError("bench kafka", source.status());
    runtime::PositionLookup lookup = [&](std::string_view id) {
      return (*engine)->LoadPosition(id);
    };
    core::Status s = (*source)->Start(lookup);
    if (!s.ok()) return ReportError("bench kafka", s);
    // Warm-up: records from the end of the input go out every 10 ms until
    // the engine has been consuming them for 1 s, so one-time start-up costs
    // are not measured (the producers' ids and metadata, the consumer's
    // first fetch, the first publication to each output topic: together
    // they held the first ~0.9 s of records about 1 s); then the timed run.
    const int64_t total =
        std::min<int64_t>(n / 2, int64_t{args.latency_rate} * args.latency_seconds);
    std::atomic<bool> warm{false};
    std::atomic<int64_t> measured_from_ms{INT64_MAX};
    std::atomic<int64_t> produced{0};
    std::atomic<bool> sent_all{false};
    std::thread producer_thread([&] {
      auto producer = kafka::KafkaProducer::Create({{"bootstrap.servers", b2},
                                                    {"linger.ms", "0"},
                                                    {"compression.type", args.input_compression}});
      if (!producer.ok()) {
        sent_all.store(true);
        return;
      }
      auto send = [&](const std::string& line) {
        (*producer)
            ->Produce(kafka::kEventsTopic, CheapRecordKey(line), line)
            .IgnoreError("counted by the consumer side");
        produced.fetch_add(1);
        (*producer)->Poll(0);
      };
      for (int64_t i = 0; !warm.load() && !g_stop.load() && i < n / 2; ++i) {
        send(lines[static_cast<size_t>(n - 1 - i)]);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      measured_from_ms.store(WallNow().epoch_ms);
      const auto t0 = Clock::now();
      for (int64_t i = 0; i < total && !g_stop.load(); ++i) {
        std::this_thread::sleep_until(t0 +
                                      std::chrono::microseconds(i * 1000000 / args.latency_rate));
        send(lines[static_cast<size_t>(i)]);
      }
      (*producer)->Flush(5000);
      sent_all.store(true);
    });
    // A record's latency ends when the commit holding it is durable and its
    // KPI changes are sent: the produce times of each batch wait, in order,
    // for the publication of the next commit that carries source positions.
    // Wait is called on the loop's thread, Published on the publishing one.
    class LatencySink final : public runtime::CommitSink {
     public:
      LatencySink(runtime::CommitSink* inner, std::vector<double>* latencies)
          : inner_(inner), latencies_(latencies) {}
      void Wait(std::vector<int64_t> produced_ms) {
        std::lock_guard lock(mutex_);
        waiting_.push_back(std::move(produced_ms));
      }
      core::Status Published(const runtime::Commit& commit) override {
        const runtime::Commit* const one[] = {&commit};
        return PublishedAll(one);
      }
      core::Status PublishedAll(std::span<const runtime::Commit* const> commits) override {
        HOSO_RETURN_IF_ERROR(inner_->PublishedAll(commits));
        std::lock_guard lock(mutex_);
        const double now_ms = static_cast<double>(WallNow().epoch_ms);
        for (const runtime::Commit* commit : commits) {
          if (commit->positions.empty() || waiting_.empty()) continue;
          for (int64_t produced_ms : waiting_.front()) {
            latencies_->push_back(now_ms - static_cast<double>(produced_ms));
          }
          waiting_.pop_front();
        }
        return core::Status::Ok();
      }

     private:
      runtime::CommitSink* inner_;
      std::vector<double>* latencies_;
      std::mutex mutex_;
      std::deque<std::vector<int64_t>> waiting_;
    };
    FanOutSink outputs({sinks->get(), postgres->get()});
    LatencySink latency_sink(*postgres ? static_cast<runtime::CommitSink*>(&outputs) : sinks->get(),
                             &latencies_ms);
    runtime::PipelineStats stats;
    LoopOptions loop;
    loop.batch_max_records = kBenchBatchRecords;
    loop.wall_clock = true;
    const auto deadline = Clock::now() + std::chrono::seconds(args.latency_seconds + 30);
    std::optional<Clock::time_point> first_consumed;
    loop.before_seal = [&](int64_t) {
      const size_t records = (*source)->last_batch_records();
      std::vector<int64_t> produced_ms;
      if (records > 0) {
        if (!first_consumed) first_consumed = Clock::now();
        if (Clock::now() - *first_consumed >= std::chrono::seconds(1)) warm.store(true);
        const int64_t from_ms = measured_from_ms.load();
        for (size_t i = 0; i < records; ++i) {
          const int64_t produced = (*source)->TimestampMsOf(i);
          if (produced >= from_ms) produced_ms.push_back(produced);
        }
      }
      latency_sink.Wait(std::move(produced_ms));
    };
    loop.done = [&](const runtime::PipelineStats& current) {
      return (sent_all.load() && current.records >= produced.load()) || Clock::now() > deadline;
    };
    if (*postgres) {
      loop.progress = [&](const runtime::PipelineStats&) {
        if (measured_from_ms.load() != INT64_MAX) {
          postgres_lag_seconds.push_back((*postgres)->stats().lag_seconds);
        }
      };
    }
    s = RunEngineLoop(**engine, store->get(), **source, **sinks, loop, &stats, &latency_sink);
    g_stop.store(g_stop.load() || !s.ok());
    producer_thread.join();
    if (!s.ok()) return ReportError("bench kafka", s);
  }
  fs::remove_all(dir, ec);

  const double raw_rate = raw_seconds > 0 ? n / raw_seconds : 0;
  const double engine_rate = engine_seconds > 0 ? n / engine_seconds : 0;
  nlohmann::ordered_json json;
  json["benchmark"] = "kafka";
  json["events"] = n;
  json["partitions"] = args.partitions;
  json["input_compression"] = args.input_compression;
  json["batch_max_records"] = kBenchBatchRecords;
  json["produce_events_per_s"] = produce_seconds > 0 ? n / produce_seconds : 0;
  json["raw_consumer_events_per_s"] = raw_rate;
  json["engine_end_to_end_events_per_s"] = engine_rate;
  json["engine_share_of_raw"] = raw_rate > 0 ? engine_rate / raw_rate : 0;
  // CPU of every thread of the process per event in (b): the loop is bound
  // by the CPU of all its threads (BENCHMARKS.md), so on 2 cores the rate
  // is at most 2,000,000 / this figure.
  json["engine_process_cpu_us_per_event"] = n > 0 ? engine_cpu_seconds * 1e6 / n : 0;
  json["engine_batches"] = engine_stats.batches;
  json["engine_checkpoints"] = engine_stats.checkpoints;
  json["engine_kpi_messages"] = kpi_messages;
  json["engine_applied"] = engine_stats.totals.applied;
  json["engine_rejected"] = engine_stats.totals.rejected;
  json["engine_alerts"] = engine_stats.alerts;
  json["latency_rate_events_per_s"] = args.latency_rate;
  json["latency_samples"] = latencies_ms.size();
  json["latency_p50_ms"] = Percentile(latencies_ms, 0.50);
  json["latency_p99_ms"] = Percentile(latencies_ms, 0.99);
  json["latency_max_ms"] = Percentile(latencies_ms, 1.0);
  if (!args.postgres_dsn.empty()) {
    json["postgres_caught_up_after_engine_s"] = postgres_caught_up_seconds;
    json["postgres_transactions"] = postgres_transactions;
    json["postgres_lag_samples"] = postgres_lag_seconds.size();
    json["postgres_lag_p50_s"] = Percentile(postgres_lag_seconds, 0.50);
    json["postgres_lag_p99_s"] = Percentile(postgres_lag_seconds, 0.99);
    json["postgres_lag_max_s"] = Percentile(postgres_lag_seconds, 1.0);
  }
  json["targets"] = {{"engine_events_per_s_min", 150000},
                     {"engine_share_of_raw_min", 0.25},
                     {"latency_p99_ms_max", 100}};
  std::printf("%s\n", json.dump(2).c_str());
  return kExitOk;
}

}  // namespace

void RegisterKafkaCommands(CLI::App& app, int* exit_code) {
  {
    auto args = std::make_shared<BrokerArgs>();
    CLI::App* command = app.add_subcommand(
        "broker",
        "embedded Kafka broker (librdkafka mock cluster) on loopback until stopped; in memory "
        "only, ~5 MiB per partition");
    command->add_option("--partitions", args->partitions, "partitions of hoso.dossier-events")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    command->add_option("--bootstrap-file", args->bootstrap_file,
                        "write the bootstrap address to this file (removed at exit)");
    command
        ->add_option("--port", args->port,
                     "fixed loopback port forwarding to the broker's ephemeral bootstrap port")
        ->check(CLI::Range(1, 65535));
    command->callback([args, exit_code] { *exit_code = RunBroker(*args); });
  }
  {
    auto args = std::make_shared<ProduceArgs>();
    CLI::App* command = app.add_subcommand("produce",
                                           "publish a JSONL file of events to Kafka, keyed by "
                                           "dossier_id (dialogue_id, feedback_id) (idempotent)");
    command->add_option("--brokers", args->brokers, "bootstrap servers (host:port,...)")
        ->required();
    command->add_option("--topic", args->topic, "topic")->capture_default_str();
    command->add_option("--file", args->file, "JSONL file, one event per line")->required();
    command
        ->add_option("--connect-timeout-ms", args->connect_timeout_ms,
                     "give up when no broker answers within this time")
        ->capture_default_str();
    command->add_option("-X", args->properties, "librdkafka property name=value (repeatable)");
    command->add_flag("--no-progress", args->no_progress, "no progress line even on a terminal");
    command->callback([args, exit_code] { *exit_code = RunProduce(*args); });
  }
  {
    auto args = std::make_shared<ServeArgs>();
    CLI::App* command = app.add_subcommand(
        "serve", "the engine daemon: Kafka in, RocksDB, dead letters / alerts / KPI changes out");
    command->add_option("--config", args->config_path, "JSON config (docs/kafka.md)")->required();
    command->add_option("--http", args->http_listen,
                        "serve the HTTP API on host:port (overrides http.listen; docs/http.md)");
    AddTargetsOption(command, &args->reference);
    AddReferenceOptions(command, &args->reference);
    command->callback([args, exit_code] { *exit_code = RunServe(*args); });
  }
  {
    auto args = std::make_shared<DemoArgs>();
    CLI::App* command = app.add_subcommand(
        "demo",
        "embedded broker + engine + a simulated Hai Bà Trưng year in one process; ends with the "
        "KPI table per ward");
    command
        ->add_option("--dossiers", args->dossiers,
                     "dossiers in the simulated year (the default takes well under a minute)")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{2000000}));
    command->add_option("--seed", args->seed, "simulation seed")->capture_default_str();
    command->add_option("--data-dir", args->data_dir, "directory left behind for queries")
        ->capture_default_str();
    command->add_option("--partitions", args->partitions, "partitions of the events topic")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    AddReferenceOptions(command, &args->reference);
    command->callback([args, exit_code] { *exit_code = RunDemo(*args); });
  }
  CLI::App* bench = app.get_subcommand("bench");
  if (bench != nullptr) {
    auto args = std::make_shared<BenchArgs>();
    CLI::App* command = bench->add_subcommand(
        "kafka",
        "embedded broker: raw consumer rate vs. engine end-to-end rate, and p99 produce-to-KPI "
        "latency at 1,000 events/s");
    command->add_option("--events", args->events, "events to produce")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1000}, int64_t{20000000}));
    command->add_option("--partitions", args->partitions, "partitions of the events topic")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    command->add_option("--latency-seconds", args->latency_seconds, "length of the latency run")
        ->capture_default_str()
        ->check(CLI::Range(1, 600));
    command
        ->add_option("--latency-rate", args->latency_rate,
                     "events/s of the latency run (at most half of --events are sent)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    command
        ->add_option("--input-compression", args->input_compression,
                     "compression.type of the producers writing the input, as the one-stop "
                     "systems' producers would set it (the raw consumer reads the same topic)")
        ->capture_default_str()
        ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
    command->add_option("--postgres", args->postgres_dsn,
                        "also feed PostgreSQL (a DSN of a database made by `hoso postgres init`): "
                        "its cost in (b), its lag in (c)");
    AddReferenceOptions(command, &args->reference);
    command->callback([args, exit_code] { *exit_code = RunBenchKafka(*args); });
  }
}

}  // namespace hoso::tools
