// Audit commands (issue 5): replay, verify, audit export, audit check.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "engine/runtime/chain_hash.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/log_replayer.h"
#include "engine/runtime/log_verifier.h"
#include "projections/kpi_query.h"
#include "projections/memory_kv_store.h"
#include "projections/records.h"
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
  std::string value;
  core::Status s = store.Get(Column::kMeta, projections::kMetaLogSequence, &value);
  if (s.code() == core::StatusCode::kNotFound) return uint64_t{0};
  if (!s.ok()) return s;
  return projections::DecodeFixed64(value);
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
  auto source = OpenForQuery(args.db_path);
  if (!source.ok()) return ReportError("replay", source.status());
  auto target = connectors::RocksKvStore::Open(args.into_path);
  if (!target.ok()) return ReportError("replay", target.status());
  runtime::EngineOptions options;
  options.machine = (*reference)->machine->options();
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
  const auto started = std::chrono::steady_clock::now();
  auto result = runtime::ReplayLog(**source, **engine, replay_options);
  if (!result.ok()) return ReportError("replay", result.status());
  if (args.until.empty()) {
    // A full rebuild takes over the source positions, so ingestion can go on
    // from the rebuilt database.
    auto batch = (*target)->NewBatch();
    auto it = (*source)->NewIterator(Column::kMeta);
    const std::string prefix(projections::kMetaPositionPrefix);
    for (it->Seek(prefix); it->Valid() && it->key().substr(0, prefix.size()) == prefix;
         it->Next()) {
      batch->Put(Column::kMeta, it->key(), it->value());
    }
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
  auto store = OpenForQuery(args.db_path);
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
  projections::MemoryKvStore memory;
  runtime::EngineOptions options;
  options.machine = reference.machine->options();
  options.keep_log = false;
  const core::Instant as_of = ReportAsOf(period);
  options.until = as_of;
  auto engine = runtime::Engine::Open(&memory, reference.machine.get(), options);
  if (!engine.ok()) return engine.status();
  std::vector<runtime::Engine::LoggedInput> inputs;
  for (const BundleEvent* event : order) {
    inputs.push_back({event->bytes, 0, 0, event->derived});
  }
  auto applied = (*engine)->ApplyLogged(inputs);
  if (!applied.ok()) return applied.status();
  auto open = projections::CountOpenDossiers(memory, as_of);
  if (!open.ok()) return open.status();
  return projections::BuildKpiReport(period, as_of, projections::GroupBy::kAgency,
                                     projections::CellsInPeriod((*engine)->kpi_cells(), period),
                                     *open, reference.catalog, reference.agencies);
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
// month of receipt.
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
        received = true;
        break;
      case core::EventType::kResolved:
      case core::EventType::kWithdrawn:
      case core::EventType::kRejected:
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
  codec::EventDecoder decoder;
  core::Event event;
  core::Rejection rejection;
  std::vector<BundleEvent> events;
  std::vector<ChainEvent> chain;
  auto take_prefix = [&] {
    const size_t length = BundlePrefixLength(chain, *period, as_of);
    for (size_t i = 0; i < length; ++i) events.push_back(std::move(chain[i].logged));
    chain.clear();
  };
  auto it = (*store)->NewIterator(Column::kEvents);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = projections::DecodeEventKey(it->key());
    auto logged = projections::DecodeLoggedEvent(it->value());
    if (!key.ok() || !logged.ok()) {
      return ReportError("audit export", core::Status::Corruption("unreadable event"));
    }
    if (!chain.empty() && key->first != chain.front().logged.dossier_id) take_prefix();
    // Every logged event decoded when it was logged; one that no longer does
    // would leave a hole in its chain, so it stops the export.
    if (!decoder.Decode(logged->bytes, &event, &rejection)) {
      return ReportError(
          "audit export",
          core::Status::Corruption("event " + std::to_string(key->second) + " of dossier " +
                                   key->first + " no longer decodes: " + rejection.message));
    }
    chain.push_back(ChainEvent{BundleEvent{key->first, key->second, logged->global_sequence,
                                           logged->derived, logged->chain_hash, logged->bytes},
                               event.occurred_at, event.type});
  }
  if (!it->status().ok()) return ReportError("audit export", it->status());
  take_prefix();

  std::error_code ec;
  fs::create_directories(args.out_dir, ec);
  if (ec)
    return ReportError("audit export", core::Status::IOError("cannot create " + args.out_dir));
  const fs::path out(args.out_dir);
  std::string events_text;
  std::map<std::string, std::string> heads;
  for (const BundleEvent& e : events) {
    nlohmann::ordered_json line;
    line["dossier_id"] = e.dossier_id;
    line["sequence"] = e.sequence;
    line["global_sequence"] = e.global_sequence;
    line["derived"] = e.derived;
    line["hash"] = runtime::ToHex(e.hash);
    line["event"] = e.bytes;
    events_text += line.dump() + "\n";
    heads[e.dossier_id] = e.hash;
  }
  nlohmann::ordered_json chain_json;
  chain_json["heads"] = nlohmann::ordered_json::object();
  for (const auto& [id, head] : heads) chain_json["heads"][id] = runtime::ToHex(head);
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
  const std::map<std::string, std::string> files = {{"events.jsonl", events_text},
                                                    {"chain.json", chain_json.dump(2) + "\n"},
                                                    {"calendar.json", *calendar_json},
                                                    {"catalog.json", *catalog_json},
                                                    {"agencies.json", *agencies_json},
                                                    {"rules.json", rules.dump(2) + "\n"},
                                                    {"kpi.json", KpiReportJson(*report) + "\n"}};
  nlohmann::ordered_json manifest;
  manifest["format"] = kBundleFormat;
  manifest["files"] = nlohmann::ordered_json::object();
  for (const auto& [name, text] : files) {
    core::Status s = WriteText(out / name, text);
    if (!s.ok()) return ReportError("audit export", s);
    manifest["files"][name] = Sha256Hex(text);
  }
  core::Status s = WriteText(out / "manifest.json", manifest.dump(2) + "\n");
  if (!s.ok()) return ReportError("audit export", s);
  std::printf("bundle %s: %zu events of %zu dossiers, period %s\n", args.out_dir.c_str(),
              events.size(), heads.size(), period->label.c_str());
  return kExitOk;
}

struct CheckArgs {
  std::string bundle_dir;
};

int RunCheck(const CheckArgs& args) {
  const fs::path dir(args.bundle_dir);
  std::vector<std::string> problems;
  auto manifest_text = ReadText(dir / "manifest.json");
  if (!manifest_text.ok()) return ReportError("audit check", manifest_text.status());
  nlohmann::json manifest = nlohmann::json::parse(*manifest_text, nullptr, false);
  if (manifest.is_discarded() || !manifest.contains("files")) {
    return ReportError("audit check",
                       core::Status::InvalidArgument("manifest.json is not a bundle manifest"));
  }
  std::map<std::string, std::string> files;
  for (const auto& [name, hash] : manifest["files"].items()) {
    auto text = ReadText(dir / name);
    if (!text.ok()) return ReportError("audit check", text.status());
    if (Sha256Hex(*text) != hash.get<std::string>())
      problems.push_back(name + ": digest differs from the manifest");
    files[name] = std::move(*text);
  }
  for (const char* needed : {"events.jsonl", "chain.json", "calendar.json", "catalog.json",
                             "agencies.json", "rules.json", "kpi.json"}) {
    if (files.count(needed) == 0) {
      return ReportError("audit check",
                         core::Status::InvalidArgument(std::string("bundle lacks ") + needed));
    }
  }
  // Reference data and rules from the bundle alone.
  const nlohmann::json rules = nlohmann::json::parse(files["rules.json"], nullptr, false);
  auto calendar_data = codec::ParseCalendarJson(files["calendar.json"]);
  auto catalog = codec::ParseCatalogJson(files["catalog.json"]);
  auto agencies = codec::ParseAgenciesJson(files["agencies.json"]);
  if (rules.is_discarded() || !calendar_data.ok() || !catalog.ok() || !agencies.ok()) {
    return ReportError("audit check",
                       core::Status::InvalidArgument("bundle reference data is unreadable"));
  }
  auto reference = std::make_unique<Reference>();
  reference->calendar_data = *calendar_data;
  core::CalendarOptions calendar_options;
  calendar_options.count_makeup_saturdays = rules.value("count_makeup_saturdays", true);
  auto calendar = core::WorkingCalendar::Create(reference->calendar_data, calendar_options);
  if (!calendar.ok()) return ReportError("audit check", calendar.status());
  reference->calendar = std::make_unique<core::WorkingCalendar>(std::move(*calendar));
  reference->catalog = std::move(*catalog);
  reference->agencies = std::move(*agencies);
  core::StateMachineOptions machine_options;
  machine_options.due_soon_lead_minutes = rules.value("due_soon_lead_minutes", int64_t{540});
  reference->machine = std::make_unique<core::DossierStateMachine>(
      reference->calendar.get(), &reference->catalog, machine_options);

  // Chains, heads and month roots.
  std::vector<BundleEvent> events;
  std::istringstream lines(files["events.jsonl"]);
  std::string line;
  std::map<std::string, std::string> heads;
  std::map<int, std::map<std::string, std::string>> month_heads;
  std::map<std::string, uint32_t> next_sequence;
  codec::EventDecoder decoder;
  core::Event event;
  core::Rejection rejection;
  while (std::getline(lines, line)) {
    nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded()) {
      problems.push_back("events.jsonl: unreadable line");
      continue;
    }
    BundleEvent e;
    e.dossier_id = entry.value("dossier_id", "");
    e.sequence = entry.value("sequence", 0u);
    e.global_sequence = entry.value("global_sequence", uint64_t{0});
    e.derived = entry.value("derived", false);
    e.bytes = entry.value("event", "");
    const std::string recomputed = runtime::ChainHash(heads[e.dossier_id], e.bytes);
    if (next_sequence[e.dossier_id] != e.sequence) {
      problems.push_back("dossier " + e.dossier_id + ": event " +
                         std::to_string(next_sequence[e.dossier_id]) + " is missing");
    }
    next_sequence[e.dossier_id] = e.sequence + 1;
    if (runtime::ToHex(recomputed) != entry.value("hash", "")) {
      problems.push_back("dossier " + e.dossier_id + " event " + std::to_string(e.sequence) +
                         ": bytes do not match the chain hash");
    }
    heads[e.dossier_id] = recomputed;
    e.hash = recomputed;
    if (decoder.Decode(e.bytes, &event, &rejection)) {
      month_heads[core::MonthKeyOf(event.occurred_at)][e.dossier_id] = recomputed;
    }
    events.push_back(std::move(e));
  }
  const nlohmann::json chain = nlohmann::json::parse(files["chain.json"], nullptr, false);
  for (const auto& [id, head] : heads) {
    if (chain["heads"].value(id, "") != runtime::ToHex(head)) {
      problems.push_back("dossier " + id + ": chain head differs from chain.json");
    }
  }
  for (const auto& [label, root] : chain["month_roots"].items()) {
    const int month = std::stoi(label.substr(0, 4)) * 100 + std::stoi(label.substr(5, 2));
    if (runtime::ToHex(runtime::MonthRoot(month_heads[month])) != root.get<std::string>()) {
      problems.push_back("month root of " + label + " does not match the events");
    }
  }
  // KPIs recomputed from the events alone.
  auto period = projections::ParsePeriod(rules.value("period", ""));
  if (!period.ok()) return ReportError("audit check", period.status());
  auto report = KpiFromEvents(events, *reference, *period);
  if (!report.ok()) return ReportError("audit check", report.status());
  const bool kpi_match = nlohmann::json::parse(KpiReportJson(*report)) ==
                         nlohmann::json::parse(files["kpi.json"], nullptr, false);
  if (!kpi_match) problems.push_back("kpi.json differs from the KPIs recomputed from the events");

  std::printf("bundle %s: %zu events of %zu dossiers, period %s\n", args.bundle_dir.c_str(),
              events.size(), heads.size(), period->label.c_str());
  std::printf("chains and month roots: %s\n", problems.empty() ? "ok" : "BROKEN");
  std::printf("KPIs recomputed from the bundle: %s the report\n",
              kpi_match ? "match" : "DO NOT match");
  for (const std::string& problem : problems) std::printf("  %s\n", problem.c_str());
  return problems.empty() ? kExitOk : kExitVerifyFailed;
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
