// hoso bench alerts: alert latency and idle cost of the wall-clock loop
// (BENCHMARKS.md "Alerts").
//
// Setup (timed apart): N dossiers received through the engine into a temp
// RocksDB, each carrying a due_at spread evenly over the next `spread_s`
// seconds. Then the loop `serve` runs in wall-clock mode (AdvanceClock every
// tick, commits written by the committer thread) until every overdue timer
// has fired; for each alert, the delay from its due instant to the moment
// the pipeline publishes it (its commit durable).
//
// The rules truncate instants to the minute (docs/time-rules.md), so due instants
// within one real minute would share one or two fire instants. The engine
// clock therefore runs `clock_rate` times faster than the wall clock
// (default 60: one wall second is one engine minute), which spreads the due
// instants over `spread_s` distinct fire instants, one per wall second; all
// delays are converted back to wall time.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/runtime/committer.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/pipeline.h"
#include "schemas/codec/event_codec.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/process_usage.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

struct Args {
  int64_t dossiers = 1000000;
  int spread_s = 60;
  int lead_s = 5;  // wall seconds before the first due instant (the idle stretch)
  int tick_ms = 10;
  int clock_rate = 60;
  std::string db_path;  // empty: a temp dir, removed at the end
  ReferenceOptions reference;
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[index];
}

int RunBenchAlerts(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("bench alerts", reference.status());
  const std::string db_path =
      args.db_path.empty()
          ? (fs::temp_directory_path() / ("hoso-bench-alerts-" + std::to_string(::getpid())))
                .string()
          : args.db_path;
  std::error_code ec;
  fs::remove_all(db_path, ec);
  auto store = OpenForWrite(db_path);
  if (!store.ok()) return ReportError("bench alerts", store.status());
  runtime::EngineOptions options;
  options.machine = (*reference)->machine->options();
  options.clock_mode = runtime::ClockMode::kWallTime;
  options.collect_alerts = false;
  auto engine = runtime::Engine::Open(store->get(), (*reference)->machine.get(), options);
  if (!engine.ok()) return ReportError("bench alerts", engine.status());

  // Engine time: a working Tuesday 08:00 local. Received then, due within
  // lead + spread engine minutes: a budget under 540 minutes, so each
  // dossier arms one timer (overdue, which also raises apology_missing).
  const core::Instant base = *core::ParseRfc3339("2019-06-11T08:00:00+07:00");
  constexpr int64_t kMinuteMs = 60000;
  auto due_minute = [&](int64_t i) { return args.lead_s + (i % args.spread_s); };

  const auto setup_started = SteadyClock::now();
  constexpr int64_t kBatch = 10000;
  std::vector<std::string> lines;
  std::vector<runtime::RawRecord> records;
  for (int64_t first = 0; first < args.dossiers; first += kBatch) {
    lines.clear();
    records.clear();
    for (int64_t i = first; i < std::min(args.dossiers, first + kBatch); ++i) {
      core::Event event;
      event.event_id = "ba-" + std::to_string(i);
      event.dossier_id = "BA-" + std::to_string(i);
      event.type = core::EventType::kReceived;
      event.occurred_at = base;
      event.agency_id = "phuong-bach-khoa";
      event.procedure_id = "ward-xac-nhan-tinh-trang-hon-nhan";
      event.due_at = core::Instant{base.epoch_ms + due_minute(i) * kMinuteMs};
      lines.push_back(codec::EncodeEvent(event));
    }
    for (size_t k = 0; k < lines.size(); ++k) {
      records.push_back(runtime::RawRecord{lines[k], 0, first + static_cast<int64_t>(k)});
    }
    auto result = (*engine)->ApplyBatch(records, {{"bench", std::to_string(first)}});
    if (!result.ok()) return ReportError("bench alerts", result.status());
    if (result->rejected > 0) {
      return ReportError("bench alerts",
                         core::Status::InvalidArgument(result->rejections[0].rejection.message));
    }
  }
  const double setup_s = std::chrono::duration<double>(SteadyClock::now() - setup_started).count();
  const size_t pending = (*engine)->pending_timers();

  // The loop.
  const auto started = SteadyClock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  };
  std::vector<double> delays_ms;
  delays_ms.reserve(static_cast<size_t>(args.dossiers) * 2);
  int64_t ticks = 0, idle_ticks = 0, busy_ticks = 0;
  double idle_cpu_s = 0, idle_wall_s = 0, busy_cpu_s = 0;
  const double idle_until_ms = (args.lead_s - 0.5) * 1000.0;  // before the first due instant
  int64_t derived = 0;
  // The loop of `serve`: runtime::Pipeline::Tick fires at most
  // max_timers_per_advance timers per commit, each commit written by the
  // committer thread while the next one is fired. An alert's delay ends when
  // the pipeline publishes the commit storing it (durable, handed to the
  // sink: what `serve` then produces to hoso.alerts).
  class DelaySink : public runtime::CommitSink {
   public:
    DelaySink(std::function<double()> elapsed_ms, core::Instant base, int clock_rate,
              std::vector<double>* delays_ms)
        : elapsed_ms_(std::move(elapsed_ms)),
          base_(base),
          clock_rate_(clock_rate),
          delays_ms_(delays_ms) {}
    core::Status Published(const runtime::Commit& commit) override {
      const double published_ms = elapsed_ms_();
      for (size_t i = 0; i < commit.alerts.size(); ++i) {
        const double due_ms =
            static_cast<double>(core::ToInstant(commit.alerts.fires_at(i)).epoch_ms -
                                base_.epoch_ms) /
            clock_rate_;
        delays_ms_->push_back(published_ms - due_ms);
      }
      return core::Status::Ok();
    }

   private:
    std::function<double()> elapsed_ms_;
    core::Instant base_;
    int clock_rate_;
    std::vector<double>* delays_ms_;
  };
  DelaySink sink(elapsed_ms, base, args.clock_rate, &delays_ms);
  runtime::Committer committer(store->get(), /*threaded=*/true);
  runtime::PipelineOptions pipeline_options;
  pipeline_options.wall_clock = true;
  // Engine time = base + rate * wall elapsed; a due instant of engine minute
  // m is due at wall elapsed m * 60 / rate seconds.
  pipeline_options.now = [&] {
    return core::Instant{base.epoch_ms + static_cast<int64_t>(elapsed_ms() * args.clock_rate)};
  };
  runtime::Pipeline pipeline(engine->get(), /*source=*/nullptr, &committer, /*rejects=*/nullptr,
                             &sink, pipeline_options);
  runtime::PipelineStats stats;
  while ((*engine)->pending_timers() > 0 || committer.in_flight() > 0) {
    const double cpu_before = ProcessCpuSeconds();
    const double tick_started_ms = elapsed_ms();
    const int64_t alerts_before = stats.alerts;
    const int64_t derived_before = stats.totals.derived_events;
    core::Status ticked = pipeline.Tick(&stats);
    if (!ticked.ok()) return ReportError("bench alerts", ticked);
    derived += stats.totals.derived_events - derived_before;
    const bool raised = stats.alerts > alerts_before;
    const double cpu_used = ProcessCpuSeconds() - cpu_before;
    ++ticks;
    if (!raised) {
      if (tick_started_ms < idle_until_ms) {
        ++idle_ticks;
        idle_cpu_s += cpu_used;
      }
    } else {
      ++busy_ticks;
      busy_cpu_s += cpu_used;
    }
    // Until the next tick, publish durable commits as they come.
    const double next_ms = tick_started_ms + args.tick_ms;
    do {
      core::Status s = pipeline.Settle(&stats);
      if (!s.ok()) return ReportError("bench alerts", s);
      if (elapsed_ms() >= next_ms) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } while (elapsed_ms() < next_ms);
    if (tick_started_ms < idle_until_ms) idle_wall_s = elapsed_ms() / 1000.0;
  }
  core::Status finished = pipeline.Finish(/*checkpoint=*/false, &stats);
  if (!finished.ok()) return ReportError("bench alerts", finished);
  std::sort(delays_ms.begin(), delays_ms.end());
  nlohmann::ordered_json out;
  out["dossiers"] = args.dossiers;
  out["pending_timers"] = pending;
  out["setup_s"] = setup_s;
  out["setup_dossiers_per_s"] = args.dossiers / setup_s;
  out["spread_s"] = args.spread_s;
  out["clock_rate"] = args.clock_rate;
  out["tick_ms"] = args.tick_ms;
  out["alerts"] = delays_ms.size();
  out["derived_overdue"] = derived;
  out["delay_ms_p50"] = Percentile(delays_ms, 0.50);
  out["delay_ms_p99"] = Percentile(delays_ms, 0.99);
  out["delay_ms_max"] = delays_ms.empty() ? 0.0 : delays_ms.back();
  out["ticks"] = ticks;
  out["idle_ticks"] = idle_ticks;
  out["idle_wall_s"] = idle_wall_s;
  out["idle_cpu_s"] = idle_cpu_s;
  out["idle_cpu_us_per_tick"] = idle_ticks > 0 ? idle_cpu_s * 1e6 / idle_ticks : 0.0;
  out["idle_cpu_percent"] = idle_wall_s > 0 ? 100.0 * idle_cpu_s / idle_wall_s : 0.0;
  out["busy_ticks"] = busy_ticks;
  out["busy_cpu_s"] = busy_cpu_s;
  out["busy_cpu_us_per_alert"] =
      delays_ms.empty() ? 0.0 : busy_cpu_s * 1e6 / static_cast<double>(delays_ms.size());
  out["target_p99_under_1s"] = Percentile(delays_ms, 0.99) < 1000.0;
  std::printf("%s\n", out.dump(2).c_str());
  engine->reset();
  store->reset();
  if (args.db_path.empty()) fs::remove_all(db_path, ec);
  return kExitOk;
}

}  // namespace

void RegisterBenchAlerts(CLI::App& app, int* exit_code) {
  CLI::App* bench = app.get_subcommand("bench");
  auto args = std::make_shared<Args>();
  CLI::App* command = bench->add_subcommand(
      "alerts",
      "alert delay (due instant -> raised and stored) of the wall-clock loop with N open "
      "dossiers due over the next seconds, and the idle CPU between timers");
  command->add_option("--dossiers", args->dossiers, "open dossiers")->capture_default_str();
  command->add_option("--spread-s", args->spread_s, "wall seconds the due instants spread over")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  command->add_option("--lead-s", args->lead_s, "wall seconds before the first due instant")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  command->add_option("--tick-ms", args->tick_ms, "AdvanceClock interval")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  command
      ->add_option("--clock-rate", args->clock_rate,
                   "engine minutes per wall minute (60: one engine minute per wall second)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  command->add_option("--db", args->db_path, "database directory (default: a temp dir)");
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunBenchAlerts(*args); });
}

}  // namespace hoso::tools
