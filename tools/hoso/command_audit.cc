// Audit commands (issue 5): replay, verify, audit export, audit check.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "connectors/rocksdb/legacy_log.h"
#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/runtime/chain_hash.h"
#include "engine/runtime/committer.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/log_replayer.h"
#include "engine/runtime/log_verifier.h"
#include "projections/event_log.h"
#include "projections/kpi_query.h"
#include "projections/meta.h"
#include "projections/open_dossiers.h"
#include "schemas/codec/calendar_loader.h"
#include "schemas/codec/embedded_reference.h"
#include "schemas/codec/event_codec.h"
#include "schemas/codec/reference_loader.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/kpi_output.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

namespace fs = std::filesystem;
using projections::Column;

// A progress bar with an ETA on a terminal; silent otherwise.
class Progress {
 public:
  explicit Progress(const char* what) : what_(what), enabled_(StderrIsTerminal()) {}
  void Update(uint64_t done, uint64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && done < total) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double fraction = total > 0 ? static_cast<double>(done) / total : 1.0;
    const double eta = fraction > 0 ? seconds * (1 - fraction) / fraction : 0;
    const int filled = static_cast<int>(fraction * 30);
    std::fprintf(stderr, "\r%s [%.*s%*s] %5.1f%%  %llu/%llu  ETA %.0f s ", what_, filled,
                 "##############################", 30 - filled, "", fraction * 100,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 eta);
    if (done >= total) std::fprintf(stderr, "\n");
  }

 private:
  const char* what_;
  bool enabled_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

core::Result<uint64_t> LoggedEvents(projections::KvStore& store) {
  auto meta = projections::ReadEngineMeta(store);
  if (!meta.ok()) return meta.status();
  return meta->has_value() ? (*meta)->log_sequence : uint64_t{0};
}

// ---- replay ---------------------------------------------------------------

struct ReplayArgs {
  std::string db_path;
  std::string into_path;
  std::string until;
  ReferenceOptions reference;
};

int RunReplay(const ReplayArgs& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("replay", reference.status());
  std::error_code ec;
  if (fs::exists(args.into_path, ec) && !fs::is_empty(args.into_path, ec)) {
    return ReportError(
        "replay", core::Status::InvalidArgument(args.into_path +
                                                " is not empty; replay builds a new database"));
  }
  // A database of the current layout, or else one of the previous layout
  // (its own reader), which a replay migrates.
  auto source = OpenForQuery(args.db_path);
  std::unique_ptr<connectors::LegacyLog> legacy;
  if (!source.ok() && source.status().code() == core::StatusCode::kVersionMismatch) {
    auto opened = connectors::LegacyLog::Open(args.db_path);
    if (!opened.ok()) {
      return ReportError("replay", opened.status().code() == core::StatusCode::kNotFound
                                       ? source.status()
                                       : opened.status());
    }
    legacy = std::move(*opened);
    spdlog::info("{} holds the previous layout ({}); replay rebuilds it in {}", args.db_path,
                 legacy->projection_tag(), projections::ProjectionTag());
  } else if (!source.ok()) {
    return ReportError("replay", source.status());
  }
  // A new database, thrown away if the replay fails: written without the
  // write-ahead log and flushed once at the end (the rebuilt database is the
  // same, byte for byte, in what users see), through small memtables that
  // flush while it is written (0.9 of the time; BENCHMARKS.md, fifteenth
  // session).
  connectors::RocksOptions target_options;
  target_options.disable_wal = true;
  target_options.write_buffer_bytes = size_t{8} << 20;
  auto target = OpenForWrite(args.into_path, target_options);
  if (!target.ok()) return ReportError("replay", target.status());
  runtime::EngineOptions options;
  options.machine = (*reference)->machine->options();
  // The rebuilt database stores the alerts; nothing reads them back as
  // core::Alert values (5 % of the engine thread on the 1M-event year).
  options.collect_alerts = false;
  options.commit_alerts = false;  // no sink: a rebuild publishes nothing
  // Logged events only: their ids need no index but the derived ones'.
  options.index_input_event_ids = false;
  // Checkpoints twice as often as a live engine: finished dossiers leave
  // memory sooner and each checkpoint's records take half the buffer, so
  // the rebuild touches less fresh memory (the 1M-event year: 0.90 of the
  // time, peak RSS 305 -> 257 MiB; every 65,536 events was slower again:
  // BENCHMARKS.md). Where checkpoints fall changes nothing a user reads.
  options.checkpoint_events = 131072;
  if (!args.until.empty()) {
    auto until = ParseAsOf(args.until);
    if (!until.ok()) return ReportError("replay", until.status());
    options.until = *until;
  }
  auto engine = runtime::Engine::Open(target->get(), (*reference)->machine.get(), options);
  if (!engine.ok()) return ReportError("replay", engine.status());
  Progress progress("replay");
  runtime::ReplayOptions replay_options;
  replay_options.on_progress = [&](uint64_t done, uint64_t total) { progress.Update(done, total); };
  replay_options.size_for_whole_log = args.until.empty();
  const auto started = std::chrono::steady_clock::now();
  runtime::Committer committer(target->get(), /*threaded=*/true);
  std::map<std::string, std::string> positions;
  core::Result<runtime::BatchResult> result = runtime::BatchResult();
  if (legacy) {
    // The old log holds no batches: replay it in batches of the size ingest
    // uses by default.
    constexpr size_t kLegacyBatch = 8192;
    runtime::Replayer replayer(engine->get(), &committer, replay_options, legacy->events());
    core::Status s = legacy->ForEach([&](const connectors::LegacyEvent& event) {
      replayer.Add({event.bytes, event.partition, event.offset, event.derived});
      return replayer.batch_size() >= kLegacyBatch ? replayer.EndBatch() : core::Status::Ok();
    });
    result = s.ok() ? replayer.Finish() : core::Result<runtime::BatchResult>(s);
    positions = legacy->positions();
  } else {
    result = runtime::ReplayLog(**source, **engine, &committer, replay_options);
    auto it = (*source)->NewIterator(Column::kMeta);
    const std::string prefix(projections::kMetaPositionPrefix);
    for (it->Seek(prefix); it->Valid() && it->key().substr(0, prefix.size()) == prefix;
         it->Next()) {
      positions[std::string(it->key())] = std::string(it->value());
    }
    if (!it->status().ok()) return ReportError("replay", it->status());
  }
  if (!result.ok()) return ReportError("replay", result.status());
  if (args.until.empty()) {
    // A full rebuild takes over the source positions, so ingestion can go on
    // from the rebuilt database.
    auto batch = (*target)->NewBatch();
    for (const auto& [key, position] : positions) batch->Put(Column::kMeta, key, position);
    core::Status s = (*target)->Write(*batch);
    if (!s.ok()) return ReportError("replay", s);
  }
  core::Status flushed = (*target)->Flush();
  if (!flushed.ok()) return ReportError("replay", flushed);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  nlohmann::ordered_json json;
  json["replayed"] = result->applied;
  json["derived_overdue"] = result->derived_events;
  json["into"] = args.into_path;
  json["until"] = args.until.empty() ? nlohmann::ordered_json(nullptr)
                                     : nlohmann::ordered_json(core::FormatLocal(*options.until));
  json["seconds"] = seconds;
  json["events_per_s"] = seconds > 0 ? result->applied / seconds : 0.0;
  std::printf("%s\n", json.dump(2).c_str());
  return kExitOk;
}

// ---- verify ---------------------------------------------------------------

struct VerifyArgs {
  std::string db_path;
  std::string format = "text";
};

int RunVerify(const VerifyArgs& args) {
  auto store = OpenForQuery(args.db_path, QueryReads::kLogSegments);
  if (!store.ok()) return ReportError("verify", store.status());
  auto total = LoggedEvents(**store);
  if (!total.ok()) return ReportError("verify", total.status());
  Progress progress("verify");
  runtime::VerifyOptions options;
  options.on_progress = [&](uint64_t done) { progress.Update(done, *total); };
  const auto started = std::chrono::steady_clock::now();
  auto report = runtime::VerifyLog(**store, options);
  if (!report.ok()) return ReportError("verify", report.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  nlohmann::ordered_json json;
  json["ok"] = report->ok;
  json["events"] = report->events;
  json["dossiers"] = report->dossiers;
  if (!report->ok) {
    json["dossier_id"] = report->bad_dossier_id;
    json["sequence"] = report->bad_sequence >= 0 ? nlohmann::ordered_json(report->bad_sequence)
                                                 : nlohmann::ordered_json(nullptr);
    json["problem"] = report->problem;
  }
  json["month_roots"] = nlohmann::ordered_json::object();
  for (const auto& [month, root] : report->month_roots) {
    char label[16];
    std::snprintf(label, sizeof label, "%04d-%02d", month / 100, month % 100);
    json["month_roots"][label] = runtime::ToHex(root);
  }
  json["seconds"] = seconds;
  if (args.format == "json") {
    std::printf("%s\n", json.dump(2).c_str());
  } else if (report->ok) {
    std::printf("ok: %llu events of %llu dossiers, every chain and month root checks (%.2f s)\n",
                static_cast<unsigned long long>(report->events),
                static_cast<unsigned long long>(report->dossiers), seconds);
  } else {
    std::printf("BROKEN: dossier %s, event %s: %s\n", report->bad_dossier_id.c_str(),
                report->bad_sequence >= 0 ? std::to_string(report->bad_sequence).c_str() : "-",
                report->problem.c_str());
  }
  return report->ok ? kExitOk : kExitVerifyFailed;
}

// ---- audit export / check -------------------------------------------------

// Format 2 (issue 16): chains are prefixes in sequence order, dossiers open at
// the period's end are included, and rules.json states both rules below.
constexpr std::string_view kBundleFormat = "hoso-audit-bundle/2";
// What a bundle holds of each dossier's chain (docs/decisions.md "Storage and audit").
constexpr std::string_view kChainSelection = "prefix-to-last-event-before-period-end";
// Which time decides whether an event counts in the KPI report: an event
// counts when its occurred_at is at or before as_of, in the month it is
// dated, wherever it sits in the log (late deliveries included).
constexpr std::string_view kKpiCountsEventsBy = "occurred_at";
constexpr std::array<std::string_view, 7> kBundleFiles = {
    "agencies.json", "calendar.json", "catalog.json", "chain.json",
    "events.jsonl",  "kpi.json",      "rules.json"};
// Bound on rules.json's due_soon_lead_minutes: a year of minutes.
constexpr int64_t kMaxLeadMinutes = 366 * 24 * 60;

struct ExportArgs {
  std::string db_path;
  std::string period;
  std::string out_dir;
  ReferenceOptions reference;
};

std::string Sha256Hex(const std::string& bytes) {
  return runtime::ToHex(runtime::ChainHash("", bytes));
}

core::Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return core::Status::IOError("cannot write " + path.string());
  return core::Status::Ok();
}

core::Result<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Status::IOError("cannot read " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string MonthLabel(int month) {
  char label[16];
  std::snprintf(label, sizeof label, "%04d-%02d", month / 100, month % 100);
  return label;
}

int NextMonth(int month) { return month % 100 == 12 ? month + 89 : month + 1; }

// "YYYY-MM" -> yyyymm; nullopt for anything else.
std::optional<int> ParseMonthLabel(std::string_view label) {
  if (label.size() != 7 || label[4] != '-') return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < label.size(); ++i) {
    if (i == 4) continue;
    if (label[i] < '0' || label[i] > '9') return std::nullopt;
    value = value * 10 + (label[i] - '0');
  }
  if (value % 100 < 1 || value % 100 > 12) return std::nullopt;
  return value;
}

// The KPI report of a bundle is as of the period's last second, as `hoso kpi`
// reports a past period by default.
core::Instant ReportAsOf(const projections::Period& period) {
  return core::Instant{period.end.epoch_ms - 1000};
}

struct BundleEvent {
  std::string dossier_id;
  uint32_t sequence = 0;
  uint64_t global_sequence = 0;
  bool derived = false;
  std::string hash;  // raw
  std::string bytes;
};

// Recomputes the KPI report of `period` as of its end from logged events:
// the producer events (derived ones are re-derived) in the order they were
// logged, cut at as_of by occurred_at, exactly as `hoso kpi --as-of` folds a
// database's log.
core::Result<projections::KpiReport> KpiFromEvents(const std::vector<BundleEvent>& events,
                                                   const Reference& reference,
                                                   const projections::Period& period) {
  std::vector<const BundleEvent*> order;
  for (const BundleEvent& event : events) order.push_back(&event);
  std::sort(order.begin(), order.end(), [](const BundleEvent* a, const BundleEvent* b) {
    return a->global_sequence < b->global_sequence;
  });
  runtime::EngineOptions options;
  options.machine = reference.machine->options();
  options.persist = false;
  options.collect_alerts = false;  // the figures only
  const core::Instant as_of = ReportAsOf(period);
  options.until = as_of;
  auto engine = runtime::Engine::Open(nullptr, reference.machine.get(), options);
  if (!engine.ok()) return engine.status();
  std::vector<runtime::Engine::LoggedInput> inputs;
  for (const BundleEvent* event : order) {
    inputs.push_back({event->bytes, 0, 0, event->derived});
  }
  auto applied = (*engine)->ApplyLogged(inputs);
  if (!applied.ok()) return applied.status();
  return projections::BuildKpiReport(period, as_of, projections::GroupBy::kAgency,
                                     projections::CellsInPeriod((*engine)->kpi_cells(), period),
                                     (*engine)->CountOpen(as_of), reference.catalog,
                                     reference.agencies);
}

// One logged event of a dossier's chain with the fields the selection needs.
struct ChainEvent {
  BundleEvent logged;
  core::Instant occurred_at;
  core::EventType type = core::EventType::kReceived;
};

// How many leading events of one dossier's chain (sequence order) go into the
// bundle of `period`; 0 leaves the dossier out. A chain is a sequence, not a
// date range: a producer's event delivered late is logged after events dated
// later (the engine's derived `overdue`), and a chain checks only from its
// start. So the bundle takes the prefix up to the last event dated before the
// period's end, whatever the dates of the events before it; that holds every
// event of the period's months (month roots) and every event the KPI report
// counts (occurred_at <= as_of). Dossiers with an event dated in the period
// go in, and so do those open at as_of: `open` counts them whatever their
// month of receipt (and feedback awaiting its answer, `feedback_open`).
size_t BundlePrefixLength(const std::vector<ChainEvent>& chain, const projections::Period& period,
                          core::Instant as_of) {
  bool in_period = false;
  bool received = false;
  bool finished = false;
  size_t length = 0;
  for (size_t i = 0; i < chain.size(); ++i) {
    const ChainEvent& event = chain[i];
    if (!(event.occurred_at < period.end)) continue;
    length = i + 1;
    if (!(event.occurred_at < period.start)) in_period = true;
    if (event.logged.derived || as_of < event.occurred_at) continue;
    switch (event.type) {
      case core::EventType::kReceived:
      case core::EventType::kFeedbackReceived:
        received = true;
        break;
      case core::EventType::kResolved:
      case core::EventType::kWithdrawn:
      case core::EventType::kRejected:
      case core::EventType::kFeedbackAnswered:  // no longer counted as open feedback
        finished = true;
        break;
      default:
        break;
    }
  }
  return in_period || (received && !finished) ? length : 0;
}

int RunExport(const ExportArgs& args) {
  auto period = projections::ParsePeriod(args.period);
  if (!period.ok()) return ReportError("audit export", period.status());
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("audit export", reference.status());
  auto store = OpenForQuery(args.db_path);
  if (!store.ok()) return ReportError("audit export", store.status());
  auto verified = runtime::VerifyLog(**store, {});
  if (!verified.ok()) return ReportError("audit export", verified.status());
  if (!verified->ok) {
    return ReportError(
        "audit export",
        core::Status::Corruption("the log does not verify (dossier " + verified->bad_dossier_id +
                                 ": " + verified->problem + "); run `hoso verify`"));
  }
  const core::Instant as_of = ReportAsOf(*period);
  // Pass 1: each dossier's chain (dates and types only), to choose the
  // prefix of it that goes into the bundle.
  codec::EventDecoder decoder;
  core::Event event;
  core::Rejection rejection;
  std::unordered_map<std::string, std::vector<ChainEvent>> chains;
  projections::LogReader log(store->get());
  core::Status read = log.ForEach(1, [&](const projections::LogEntry& entry) {
    // Every logged event decoded when it was logged; one that no longer does
    // would leave a hole in its chain, so it stops the export.
    if (!decoder.Decode(entry.bytes, &event, &rejection)) {
      return core::Status::Corruption("event " + std::to_string(entry.dossier_sequence) +
                                      " of dossier " + std::string(entry.dossier_id) +
                                      " no longer decodes: " + rejection.message);
    }
    BundleEvent logged;
    logged.derived = entry.derived;
    chains[std::string(entry.dossier_id)].push_back(
        ChainEvent{std::move(logged), event.occurred_at, event.type});
    return core::Status::Ok();
  });
  if (!read.ok()) return ReportError("audit export", read);
  std::unordered_map<std::string, size_t> prefix;
  for (const auto& [dossier_id, chain] : chains) {
    const size_t length = BundlePrefixLength(chain, *period, as_of);
    if (length > 0) prefix.emplace(dossier_id, length);
  }
  chains.clear();
  // Pass 2: those prefixes, with their bytes and links, in log order (each
  // chain stays in sequence order).
  std::vector<BundleEvent> events;
  read = log.ForEach(1, [&](const projections::LogEntry& entry) {
    auto found = prefix.find(std::string(entry.dossier_id));
    if (found == prefix.end() || entry.dossier_sequence >= found->second) {
      return core::Status::Ok();
    }
    events.push_back(BundleEvent{std::string(entry.dossier_id), entry.dossier_sequence,
                                 entry.sequence, entry.derived, std::string(entry.chain_hash),
                                 std::string(entry.bytes)});
    return core::Status::Ok();
  });
  if (!read.ok()) return ReportError("audit export", read);

  std::error_code ec;
  fs::create_directories(args.out_dir, ec);
  if (ec)
    return ReportError("audit export", core::Status::IOError("cannot create " + args.out_dir));
  const fs::path out(args.out_dir);
  std::map<std::string, std::string> heads;
  for (const BundleEvent& e : events) heads[e.dossier_id] = e.hash;
  nlohmann::ordered_json chain_json;
  chain_json["heads"] = nlohmann::ordered_json::object();
  // Appended in key order (`heads` is sorted, so keys are unique): an
  // ordered_json object's operator[] compares the key with every key before
  // it, which made a year's bundle (~400,000 dossiers) take minutes.
  auto& heads_object = chain_json["heads"].get_ref<nlohmann::ordered_json::object_t&>();
  heads_object.reserve(heads.size());
  for (const auto& [id, head] : heads) heads_object.emplace_back(id, runtime::ToHex(head));
  chain_json["month_roots"] = nlohmann::ordered_json::object();
  for (int month = period->first_month; month <= period->last_month; month = NextMonth(month)) {
    auto root = verified->month_roots.find(month);
    if (root != verified->month_roots.end()) {
      chain_json["month_roots"][MonthLabel(month)] = runtime::ToHex(root->second);
    }
  }
  auto report = KpiFromEvents(events, **reference, *period);
  if (!report.ok()) return ReportError("audit export", report.status());
  nlohmann::ordered_json rules;
  rules["projection"] = projections::ProjectionTag();
  rules["calendar_version"] = (*reference)->calendar->version();
  rules["count_makeup_saturdays"] = (*reference)->calendar->options().count_makeup_saturdays;
  rules["due_soon_lead_minutes"] = (*reference)->machine->options().due_soon_lead_minutes;
  rules["period"] = period->label;
  rules["as_of"] = core::FormatLocal(report->as_of);
  rules["chain_selection"] = kChainSelection;
  rules["kpi_counts_events_by"] = kKpiCountsEventsBy;

  // The reference data exactly as used: the compiled-in text, or the file given.
  auto reference_text = [](const std::string& path,
                           std::string_view embedded) -> core::Result<std::string> {
    if (path.empty()) return std::string(embedded);
    return ReadText(path);
  };
  auto calendar_json = reference_text(args.reference.calendar_path, codec::EmbeddedCalendarJson());
  auto catalog_json = reference_text(args.reference.catalog_path, codec::EmbeddedCatalogJson());
  auto agencies_json = reference_text(args.reference.agencies_path, codec::EmbeddedAgenciesJson());
  for (const auto* text : {&calendar_json, &catalog_json, &agencies_json}) {
    if (!text->ok()) return ReportError("audit export", text->status());
  }
  // events.jsonl is written line by line and hashed on the way: a year's
  // is hundreds of megabytes, which a string built whole held twice over
  // while it grew.
  std::map<std::string, std::string> digests;  // file name -> SHA-256, hex
  {
    std::ofstream events_out(out / "events.jsonl", std::ios::binary | std::ios::trunc);
    runtime::Sha256Stream events_digest;
    std::string text;
    for (const BundleEvent& e : events) {
      nlohmann::ordered_json line;
      line["dossier_id"] = e.dossier_id;
      line["sequence"] = e.sequence;
      line["global_sequence"] = e.global_sequence;
      line["derived"] = e.derived;
      line["hash"] = runtime::ToHex(e.hash);
      line["event"] = e.bytes;
      text = line.dump();
      text += '\n';
      events_out << text;
      events_digest.Update(text);
    }
    events_out.close();
    if (!events_out) {
      return ReportError("audit export",
                         core::Status::IOError("cannot write " + (out / "events.jsonl").string()));
    }
    digests["events.jsonl"] = runtime::ToHex(events_digest.Finish());
  }
  std::map<std::string, std::string> files;
  files.emplace("chain.json", chain_json.dump(2) + "\n");
  files.emplace("calendar.json", std::move(*calendar_json));
  files.emplace("catalog.json", std::move(*catalog_json));
  files.emplace("agencies.json", std::move(*agencies_json));
  files.emplace("rules.json", rules.dump(2) + "\n");
  files.emplace("kpi.json", KpiReportJson(*report) + "\n");
  nlohmann::ordered_json manifest;
  manifest["format"] = kBundleFormat;
  manifest["files"] = nlohmann::ordered_json::object();
  for (const auto& [name, text] : files) {
    core::Status s = WriteText(out / name, text);
    if (!s.ok()) return ReportError("audit export", s);
    digests[name] = Sha256Hex(text);
  }
  for (const auto& [name, digest] : digests) manifest["files"][name] = digest;
  core::Status s = WriteText(out / "manifest.json", manifest.dump(2) + "\n");
  if (!s.ok()) return ReportError("audit export", s);
  std::printf("bundle %s: %zu events of %zu dossiers, period %s\n", args.out_dir.c_str(),
              events.size(), heads.size(), period->label.c_str());
  return kExitOk;
}

// Checked reads of a bundle's JSON: a missing member or a wrong type is a
// problem named in the report, never an exception.
template <typename Json>
const Json* Member(const Json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

template <typename Json>
std::optional<std::string> StringMember(const Json& object, const char* name) {
  const auto* value = Member(object, name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->template get_ref<const std::string&>();
}

std::optional<uint64_t> UnsignedMember(const nlohmann::ordered_json& object, const char* name) {
  const auto* value = Member(object, name);
  if (value == nullptr || !value->is_number_unsigned()) return std::nullopt;
  return value->get<uint64_t>();
}

std::optional<int64_t> IntegerMember(const nlohmann::ordered_json& object, const char* name) {
  const auto* value = Member(object, name);
  if (value == nullptr || !value->is_number_integer()) return std::nullopt;
  if (value->is_number_unsigned() &&
      value->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return value->get<int64_t>();
}

std::optional<bool> BoolMember(const nlohmann::ordered_json& object, const char* name) {
  const auto* value = Member(object, name);
  if (value == nullptr || !value->is_boolean()) return std::nullopt;
  return value->get<bool>();
}

nlohmann::ordered_json ParseJson(const std::string& text) {
  return nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// What `audit check` found. Any problem makes the check fail (exit 3).
struct CheckReport {
  std::vector<std::string> problems;
  size_t events = 0;
  size_t dossiers = 0;
  std::string period = "?";
  bool chains_checked = false;
  size_t chain_problems = 0;  // problems found before the KPI recomputation
  bool kpi_checked = false;
  bool kpi_match = false;
};

// Reads the bundle's rule settings and reference data; nullptr (with the
// problems recorded) when they are unusable.
std::unique_ptr<Reference> BundleReference(const std::map<std::string, std::string>& files,
                                           std::optional<projections::Period>* period,
                                           CheckReport* report) {
  auto problem = [&](std::string text) { report->problems.push_back(std::move(text)); };
  const nlohmann::ordered_json rules = ParseJson(files.at("rules.json"));
  if (rules.is_discarded() || !rules.is_object()) {
    problem("rules.json: not a JSON object");
    return nullptr;
  }
  bool usable = true;
  const auto period_label = StringMember(rules, "period");
  if (!period_label) {
    problem("rules.json: `period` is missing or not a string");
    usable = false;
  } else {
    auto parsed = projections::ParsePeriod(*period_label);
    if (parsed.ok()) {
      *period = *parsed;
      report->period = parsed->label;
    } else {
      problem("rules.json: " + parsed.status().message());
      usable = false;
    }
  }
  const auto makeup_saturdays = BoolMember(rules, "count_makeup_saturdays");
  if (!makeup_saturdays) {
    problem("rules.json: `count_makeup_saturdays` is missing or not true/false");
    usable = false;
  }
  const auto lead = IntegerMember(rules, "due_soon_lead_minutes");
  if (!lead || *lead < 0 || *lead > kMaxLeadMinutes) {
    problem("rules.json: `due_soon_lead_minutes` is missing or not an integer in [0, " +
            std::to_string(kMaxLeadMinutes) + "]");
    usable = false;
  }
  // The bundle states the rules it was made with; a check can vouch only for
  // the ones it implements.
  for (const auto& [name, expected] : {std::pair{"chain_selection", kChainSelection},
                                       std::pair{"kpi_counts_events_by", kKpiCountsEventsBy}}) {
    const auto stated = StringMember(rules, name);
    if (!stated || *stated != expected) {
      problem(std::string("rules.json: `") + name + "` is not \"" + std::string(expected) + "\"");
      usable = false;
    }
  }
  auto calendar_data = codec::ParseCalendarJson(files.at("calendar.json"));
  if (!calendar_data.ok()) problem("calendar.json: " + calendar_data.status().message());
  auto catalog = codec::ParseCatalogJson(files.at("catalog.json"));
  if (!catalog.ok()) problem("catalog.json: " + catalog.status().message());
  auto agencies = codec::ParseAgenciesJson(files.at("agencies.json"));
  if (!agencies.ok()) problem("agencies.json: " + agencies.status().message());
  if (!usable || !calendar_data.ok() || !catalog.ok() || !agencies.ok()) return nullptr;

  auto reference = std::make_unique<Reference>();
  reference->calendar_data = std::move(*calendar_data);
  core::CalendarOptions calendar_options;
  calendar_options.count_makeup_saturdays = *makeup_saturdays;
  auto calendar = core::WorkingCalendar::Create(reference->calendar_data, calendar_options);
  if (!calendar.ok()) {
    problem("calendar.json: " + calendar.status().message());
    return nullptr;
  }
  reference->calendar = std::make_unique<core::WorkingCalendar>(std::move(*calendar));
  reference->catalog = std::move(*catalog);
  reference->agencies = std::move(*agencies);
  core::StateMachineOptions machine_options;
  machine_options.due_soon_lead_minutes = *lead;
  reference->machine = std::make_unique<core::DossierStateMachine>(
      reference->calendar.get(), &reference->catalog, machine_options, &reference->agencies);
  return reference;
}

// Re-verifies the bundle in `dir` from its files alone: manifest digests,
// chains, heads, month roots and the KPI report.
CheckReport CheckBundle(const fs::path& dir) {
  CheckReport report;
  auto problem = [&](std::string text) { report.problems.push_back(std::move(text)); };

  // The manifest: the form export writes (so no byte of it can change
  // unnoticed, whitespace included), then every file against its digest.
  auto manifest_text = ReadText(dir / "manifest.json");
  if (!manifest_text.ok()) {
    problem("manifest.json is missing or unreadable");
    return report;
  }
  const nlohmann::ordered_json manifest = ParseJson(*manifest_text);
  if (manifest.is_discarded() || !manifest.is_object()) {
    problem("manifest.json is not a JSON object");
    return report;
  }
  if (manifest.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n" !=
      *manifest_text) {
    problem("manifest.json is not byte for byte what export writes");
  }
  if (StringMember(manifest, "format") != std::string(kBundleFormat)) {
    problem("manifest.json: `format` is not \"" + std::string(kBundleFormat) + "\"");
  }
  const auto* listed = Member(manifest, "files");
  if (listed == nullptr || !listed->is_object()) {
    problem("manifest.json: `files` is missing or not an object");
    return report;
  }
  std::map<std::string, std::string> files;
  for (const auto& [name, digest] : listed->items()) {
    // Only the bundle's own file names: a manifest never makes check read
    // another path.
    if (std::find(kBundleFiles.begin(), kBundleFiles.end(), name) == kBundleFiles.end()) {
      problem("manifest.json lists an unknown file `" + name + "`");
      continue;
    }
    auto text = ReadText(dir / name);
    if (!text.ok()) {
      problem(name + " is listed in manifest.json but missing or unreadable");
      continue;
    }
    if (!digest.is_string() || Sha256Hex(*text) != digest.get_ref<const std::string&>()) {
      problem(name + ": digest differs from the manifest");
    }
    files[name] = std::move(*text);
  }
  bool complete = true;
  for (std::string_view needed : kBundleFiles) {
    if (files.count(std::string(needed)) == 0) {
      if (Member(*listed, std::string(needed).c_str()) == nullptr) {
        problem("manifest.json does not list " + std::string(needed));
      }
      complete = false;
    }
  }
  if (!complete) return report;

  std::optional<projections::Period> period;
  const std::unique_ptr<Reference> reference = BundleReference(files, &period, &report);

  // Chains and heads.
  std::vector<BundleEvent> events;
  std::map<std::string, std::string> heads;
  std::map<std::string, core::Instant> last_occurred_at;
  std::map<int, std::map<std::string, std::string>> month_heads;
  std::map<std::string, uint32_t> next_sequence;
  codec::EventDecoder decoder;
  core::Event event;
  core::Rejection rejection;
  // Lines are cut from the file's text in place, as std::getline cuts them
  // (a stream over the text would copy it: hundreds of megabytes for a year).
  std::string& lines = files["events.jsonl"];
  std::string line;
  size_t next_line = 0;
  for (size_t number = 1; next_line < lines.size(); ++number) {
    const size_t line_end = std::min(lines.find('\n', next_line), lines.size());
    line.assign(lines, next_line, line_end - next_line);
    next_line = line_end + 1;
    const std::string where = "events.jsonl line " + std::to_string(number) + ": ";
    const nlohmann::ordered_json entry = ParseJson(line);
    if (entry.is_discarded() || !entry.is_object()) {
      problem(where + "not a JSON object");
      continue;
    }
    const auto dossier_id = StringMember(entry, "dossier_id");
    const auto sequence = UnsignedMember(entry, "sequence");
    const auto global_sequence = UnsignedMember(entry, "global_sequence");
    const auto derived = BoolMember(entry, "derived");
    const auto hash = StringMember(entry, "hash");
    const auto bytes = StringMember(entry, "event");
    std::vector<std::string> bad;
    if (!dossier_id || dossier_id->empty()) bad.push_back("`dossier_id` (a non-empty string)");
    if (!sequence || *sequence > std::numeric_limits<uint32_t>::max()) {
      bad.push_back("`sequence` (an integer in [0, 2^32))");
    }
    if (!global_sequence) bad.push_back("`global_sequence` (a non-negative integer)");
    if (!derived) bad.push_back("`derived` (true or false)");
    if (!hash) bad.push_back("`hash` (a string)");
    if (!bytes) bad.push_back("`event` (a string)");
    if (!bad.empty()) {
      std::string text = where + "missing or mistyped ";
      for (size_t i = 0; i < bad.size(); ++i) text += (i > 0 ? ", " : "") + bad[i];
      problem(text);
      continue;
    }
    BundleEvent e{*dossier_id, static_cast<uint32_t>(*sequence), *global_sequence, *derived, "",
                  *bytes};
    uint32_t& expected = next_sequence[e.dossier_id];
    if (expected != e.sequence) {
      problem("dossier " + e.dossier_id + ": event " + std::to_string(expected) + " is missing");
    }
    expected = e.sequence + 1;
    std::string& head = heads[e.dossier_id];
    head = runtime::ChainHash(head, e.bytes);
    if (runtime::ToHex(head) != *hash) {
      problem("dossier " + e.dossier_id + " event " + std::to_string(e.sequence) +
              ": bytes do not match the chain hash");
    }
    e.hash = head;
    if (decoder.Decode(e.bytes, &event, &rejection)) {
      month_heads[core::MonthKeyOf(event.occurred_at)][e.dossier_id] = head;
      last_occurred_at[e.dossier_id] = event.occurred_at;
    } else {
      problem("dossier " + e.dossier_id + " event " + std::to_string(e.sequence) +
              ": the event does not decode (" + rejection.message + ")");
    }
    events.push_back(std::move(e));
  }
  std::string().swap(lines);  // read: the events hold their bytes
  report.events = events.size();
  report.dossiers = heads.size();
  if (period) {
    // Export cuts every chain after its last event dated before the period's end.
    for (const auto& [id, at] : last_occurred_at) {
      if (!(at < period->end)) {
        problem("dossier " + id + ": its last event is dated after the period");
      }
    }
  }

  // Heads and month roots against chain.json, parsed into sorted maps: an
  // ordered_json object finds a key by comparing it with each key in turn,
  // quadratic over a year's ~400,000 heads.
  const nlohmann::json chain =
      nlohmann::json::parse(files["chain.json"], nullptr, /*allow_exceptions=*/false);
  const auto* stated_heads = Member(chain, "heads");
  const auto* stated_roots = Member(chain, "month_roots");
  if (stated_heads == nullptr || !stated_heads->is_object() || stated_roots == nullptr ||
      !stated_roots->is_object()) {
    problem("chain.json: `heads` or `month_roots` is missing or not an object");
  } else {
    for (const auto& [id, head] : heads) {
      if (StringMember(*stated_heads, id.c_str()) != runtime::ToHex(head)) {
        problem("dossier " + id + ": chain head differs from chain.json");
      }
    }
    for (const auto& [id, head] : stated_heads->items()) {
      if (heads.count(id) == 0) problem("chain.json: dossier " + id + " has no events");
    }
    std::set<int> stated_months;
    for (const auto& [label, root] : stated_roots->items()) {
      const std::optional<int> month = ParseMonthLabel(label);
      if (!month) {
        problem("chain.json: month root label `" + label + "` is not YYYY-MM");
        continue;
      }
      stated_months.insert(*month);
      if (period && (*month < period->first_month || *month > period->last_month)) {
        problem("chain.json: month root of " + label + " is outside the period");
      }
      if (!root.is_string() || runtime::ToHex(runtime::MonthRoot(month_heads[*month])) !=
                                   root.get_ref<const std::string&>()) {
        problem("month root of " + label + " does not match the events");
      }
    }
    if (period) {
      for (int month = period->first_month; month <= period->last_month; month = NextMonth(month)) {
        if (stated_months.count(month) == 0 && !month_heads[month].empty()) {
          problem("chain.json: the month root of " + MonthLabel(month) + " is missing");
        }
      }
    }
  }
  report.chains_checked = true;
  report.chain_problems = report.problems.size();

  // KPIs recomputed from the events alone.
  if (reference != nullptr && period) {
    auto recomputed = KpiFromEvents(events, *reference, *period);
    if (!recomputed.ok()) {
      problem("the KPIs cannot be recomputed: " + recomputed.status().message());
    } else {
      report.kpi_checked = true;
      report.kpi_match = ParseJson(KpiReportJson(*recomputed)) == ParseJson(files["kpi.json"]);
      if (!report.kpi_match) {
        problem("kpi.json differs from the KPIs recomputed from the events");
      }
    }
  }
  return report;
}

struct CheckArgs {
  std::string bundle_dir;
};

// A problem can quote tampered bytes (a parser's message does); the report
// keeps one problem per line and stays valid UTF-8: control bytes and bytes
// outside a well-formed UTF-8 sequence are printed as \xNN.
std::string Printable(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80           ? 1
                          : (lead >> 5) == 0x6  ? 2
                          : (lead >> 4) == 0xE  ? 3
                          : (lead >> 3) == 0x1E ? 4
                                                : 0;
    bool valid = length > 0 && i + length <= text.size() && lead >= 0x20 && lead != 0x7F;
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", lead);
      out += escaped;
      ++i;
    }
  }
  return out;
}

int RunCheck(const CheckArgs& args) {
  std::error_code ec;
  if (!fs::is_directory(args.bundle_dir, ec)) {
    return ReportError("audit check",
                       core::Status::InvalidArgument(args.bundle_dir + " is not a directory"));
  }
  const CheckReport report = CheckBundle(args.bundle_dir);
  const bool ok = report.problems.empty();
  std::printf("bundle %s: %zu events of %zu dossiers, period %s\n", args.bundle_dir.c_str(),
              report.events, report.dossiers, report.period.c_str());
  std::printf(
      "files, chains and month roots: %s\n",
      !report.chains_checked ? "NOT CHECKED" : (report.chain_problems == 0 ? "ok" : "BROKEN"));
  std::printf("KPIs recomputed from the bundle: %s\n",
              !report.kpi_checked
                  ? "NOT CHECKED"
                  : (report.kpi_match ? "match the report" : "DO NOT match the report"));
  for (const std::string& problem : report.problems) {
    std::printf("  %s\n", Printable(problem).c_str());
  }
  return ok ? kExitOk : kExitVerifyFailed;
}

}  // namespace

void RegisterAudit(CLI::App& app, int* exit_code) {
  auto replay_args = std::make_shared<ReplayArgs>();
  CLI::App* replay = app.add_subcommand(
      "replay", "rebuild every projection from the event log into a new database");
  replay->add_option("--db", replay_args->db_path, "database whose log is replayed")->required();
  replay->add_option("--into", replay_args->into_path, "new database directory")->required();
  replay->add_option("--until", replay_args->until,
                     "stop at this instant (RFC 3339, or YYYY-MM-DD = end of that day)");
  AddReferenceOptions(replay, &replay_args->reference);
  replay->callback([replay_args, exit_code] { *exit_code = RunReplay(*replay_args); });

  auto verify_args = std::make_shared<VerifyArgs>();
  CLI::App* verify = app.add_subcommand(
      "verify", "recompute every hash chain and month root; exit 3 when anything is broken");
  verify->add_option("--db", verify_args->db_path, "database directory")->required();
  verify->add_option("--format", verify_args->format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  verify->callback([verify_args, exit_code] { *exit_code = RunVerify(*verify_args); });

  CLI::App* audit = app.add_subcommand("audit", "self-contained audit bundles");
  audit->require_subcommand(1);
  auto export_args = std::make_shared<ExportArgs>();
  CLI::App* export_command = audit->add_subcommand(
      "export", "write the period's events, chain heads, roots, calendar, rules and KPI report");
  export_command->add_option("--db", export_args->db_path, "database directory")->required();
  export_command->add_option("--period", export_args->period, "YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY")
      ->required();
  export_command->add_option("--out", export_args->out_dir, "bundle directory")->required();
  AddReferenceOptions(export_command, &export_args->reference);
  export_command->callback([export_args, exit_code] { *exit_code = RunExport(*export_args); });

  auto check_args = std::make_shared<CheckArgs>();
  CLI::App* check = audit->add_subcommand(
      "check", "re-verify a bundle and recompute its KPIs from it alone; exit 3 on a mismatch");
  check->add_option("bundle", check_args->bundle_dir, "bundle directory")->required();
  check->callback([check_args, exit_code] { *exit_code = RunCheck(*check_args); });
}

}  // namespace hoso::tools
