#include "tools/hoso/queries.h"

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>
#include <utility>

#include "engine/core/alert.h"
#include "engine/core/event.h"
#include "engine/runtime/chain_hash.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/log_replayer.h"
#include "projections/alert_log.h"
#include "projections/batch_delta.h"
#include "projections/dossier_record.h"
#include "projections/event_log.h"
#include "projections/kpi_cells.h"
#include "projections/meta.h"
#include "projections/month_end_figures.h"
#include "projections/open_dossiers.h"
#include "schemas/codec/event_codec.h"
#include "tools/hoso/kpi_output.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {

core::Result<std::string> ReadStateKey(projections::KvStore& store) {
  auto meta = projections::ReadEngineMeta(store);
  if (!meta.ok()) return meta.status();
  if (!meta->has_value()) return std::string("empty");
  return std::to_string((*meta)->batch_serial) + "/" + std::to_string((*meta)->log_sequence) + "/" +
         std::to_string((*meta)->alert_sequence);
}

core::Result<LiveFigures> LoadLiveFigures(projections::KvStore& store) {
  LiveFigures live;
  auto key = ReadStateKey(store);
  if (!key.ok()) return key.status();
  live.state_key = std::move(*key);
  auto clock = StoreClock(store);
  if (!clock.ok()) return clock.status();
  live.clock = *clock;
  // The checkpoint's cells and open dossiers, then one pass over the batch
  // deltas for both (after a crash, folding them is a fifth of a `kpi` process).
  core::IdTable names;
  HOSO_RETURN_IF_ERROR(projections::LoadNames(store, &names));
  std::map<projections::KpiKey, core::KpiCounters> cells;
  HOSO_RETURN_IF_ERROR(projections::LoadCheckpointKpiCells(store, &cells));
  HOSO_RETURN_IF_ERROR(projections::LoadCheckpointOpenDossiers(store, names, &live.open));
  core::Status bad_cell;
  projections::DeltaVisitor visitor;
  projections::SetKpiDeltaVisitor(&cells, &bad_cell, &visitor);
  projections::SetOpenDeltaVisitor(&live.open, &visitor);
  HOSO_RETURN_IF_ERROR(projections::ForEachDelta(store, names, visitor));
  HOSO_RETURN_IF_ERROR(bad_cell);
  // Summed over input partitions once here, not on every request: serve
  // keeps a cell per Kafka partition (128 in the benchmark), and every
  // answer sums them anyway.
  for (auto& [key, counters] : cells) {
    projections::KpiKey summed = key;
    summed.partition = 0;
    live.cells[std::move(summed)] += counters;
  }
  return live;
}

core::Result<core::Instant> ResolveAsOf(const projections::Period& period,
                                        const std::string& as_of_text, core::Instant now) {
  if (!as_of_text.empty()) return ParseAsOf(as_of_text);
  // The end of the period, or now if the period is not over.
  const core::Instant end{period.end.epoch_ms - 1000};
  return now < end ? now : end;
}

namespace {

// The month-end figures that answer a report of `period` as of `as_of` (an
// instant before the store's clock), if stored, valid and holding every
// month of the period; nullopt: fold the log.
core::Result<std::optional<projections::MonthEndFigures>> MonthEndFor(
    projections::KvStore& store, const projections::Period& period, core::Instant as_of) {
  auto figures = projections::ReadMonthEndFigures(store, as_of);
  if (!figures.ok() || !figures->has_value()) return figures;
  if (period.first_month < projections::MonthEndWindowStart((*figures)->month_key)) {
    return std::optional<projections::MonthEndFigures>();
  }
  return figures;
}

}  // namespace

core::Result<std::unique_ptr<connectors::RocksKvStore>> OpenForKpi(const std::string& path,
                                                                   const KpiRequest& request,
                                                                   core::Instant now) {
  auto store = OpenForQuery(path, QueryReads::kSmallValues, kLiveFigureColumns);
  if (!store.ok()) return store;
  auto period = projections::ParsePeriod(request.period);
  if (!period.ok()) return period.status();
  auto as_of = ResolveAsOf(*period, request.as_of, now);
  if (!as_of.ok()) return as_of.status();
  auto clock = StoreClock(**store);
  if (!clock.ok()) return clock.status();
  if (!clock->has_value() || **clock <= *as_of) return store;
  auto month_end = MonthEndFor(**store, *period, *as_of);
  if (!month_end.ok()) return month_end.status();
  if (month_end->has_value()) return store;
  store->reset();  // an earlier instant without month-end figures: QueryKpi folds the log
  return OpenForQuery(path);
}

namespace {

// The period of a KPI request, once its period, grouping and agency are
// known to be valid (InvalidArgument naming the one that is not).
core::Result<projections::Period> CheckKpiRequest(const Reference& reference,
                                                  const KpiRequest& request) {
  auto period = projections::ParsePeriod(request.period);
  if (!period.ok()) return period.status();
  if (request.by != "agency" && request.by != "procedure") {
    return core::Status::InvalidArgument("by must be agency or procedure, not '" + request.by +
                                         "'");
  }
  if (!request.agency_id.empty() && reference.agencies.Find(request.agency_id) == nullptr) {
    return core::Status::InvalidArgument("unknown agency '" + request.agency_id + "'");
  }
  return period;
}

// The report of `request` from `cells` (per partition) and the `open`
// counts at `as_of`, narrowed to the request's agency.
projections::KpiReport ReportFromCells(
    const Reference& reference, const KpiRequest& request, const projections::Period& period,
    core::Instant as_of, const std::map<projections::KpiKey, core::KpiCounters>& cells,
    std::vector<core::OpenCell> open) {
  std::vector<core::KpiCell> in_period = projections::CellsInPeriod(cells, period);
  if (!request.agency_id.empty()) {
    std::erase_if(in_period,
                  [&](const core::KpiCell& cell) { return cell.agency_id != request.agency_id; });
    std::erase_if(open,
                  [&](const core::OpenCell& cell) { return cell.agency_id != request.agency_id; });
  }
  const auto by =
      request.by == "procedure" ? projections::GroupBy::kProcedure : projections::GroupBy::kAgency;
  projections::KpiReport report = projections::BuildKpiReport(
      period, as_of, by, in_period, open, reference.catalog, reference.agencies);
  if (!request.agency_id.empty() && by == projections::GroupBy::kAgency) {
    std::erase_if(report.rows,
                  [&](const core::KpiRow& row) { return row.key != request.agency_id; });
  }
  return report;
}

}  // namespace

core::Result<projections::KpiReport> QueryKpi(projections::KvStore& store,
                                              const Reference& reference, const KpiRequest& request,
                                              const LiveFigures* live, core::Instant now) {
  auto period = CheckKpiRequest(reference, request);
  if (!period.ok()) return period.status();
  auto resolved = ResolveAsOf(*period, request.as_of, now);
  if (!resolved.ok()) return resolved.status();
  const core::Instant as_of = *resolved;
  LiveFigures loaded;
  if (live == nullptr) {
    auto clock = StoreClock(store);
    if (!clock.ok()) return clock.status();
    loaded.clock = *clock;
  }
  const std::optional<core::Instant> clock = live != nullptr ? live->clock : loaded.clock;
  std::map<projections::KpiKey, core::KpiCounters> folded_cells;
  const std::map<projections::KpiKey, core::KpiCounters>* cells = nullptr;
  std::vector<core::OpenCell> open;
  if (!clock.has_value() || *clock <= as_of) {
    // Nothing after as_of has been applied: the live projections are the
    // answer (the last checkpoint with the deltas written since).
    if (live == nullptr) {
      auto figures = LoadLiveFigures(store);
      if (!figures.ok()) return figures.status();
      loaded = std::move(*figures);
      live = &loaded;
    }
    cells = &live->cells;
    open = projections::CountOpen(live->open, as_of);
  } else if (auto month_end = MonthEndFor(store, *period, as_of); !month_end.ok()) {
    return month_end.status();
  } else if (month_end->has_value()) {
    // The end of a past month, whose figures the engine stored when it
    // passed it (projections/month_end_figures.h): the fold's answer.
    folded_cells = std::move((*month_end)->cells);
    cells = &folded_cells;
    open = std::move((*month_end)->open);
  } else {
    // An earlier instant: fold the log up to as_of in memory.
    runtime::EngineOptions options;
    options.machine = reference.machine->options();
    options.persist = false;
    options.collect_alerts = false;  // the figures only
    options.until = as_of;
    auto engine = runtime::Engine::Open(nullptr, reference.machine.get(), options);
    if (!engine.ok()) return engine.status();
    auto replayed = runtime::ReplayLog(store, **engine, nullptr, runtime::ReplayOptions{});
    if (!replayed.ok()) return replayed.status();
    folded_cells = (*engine)->kpi_cells();
    cells = &folded_cells;
    open = (*engine)->CountOpen(as_of);
  }
  return ReportFromCells(reference, request, *period, as_of, *cells, std::move(open));
}

core::Result<projections::KpiReport> QueryDistrictKpi(const Reference& reference,
                                                      const KpiRequest& request, core::Instant now,
                                                      const CellsOfMonths& cells_of_months) {
  auto period = CheckKpiRequest(reference, request);
  if (!period.ok()) return period.status();
  if (!request.as_of.empty()) {
    return core::Status::InvalidArgument(
        "as_of: district figures are the latest value of every cell on hoso.kpi; an earlier "
        "instant is a fold of the event log, which is split between the instances (ask each "
        "with scope=local for its partitions, or a single-instance database)");
  }
  auto cells = cells_of_months(period->first_month, period->last_month);
  if (!cells.ok()) return cells.status();
  projections::KpiReport report =
      ReportFromCells(reference, request, *period, now, *cells, /*open=*/{});
  report.open_known = false;
  for (core::KpiRow& row : report.rows) row.ratios.on_time_ratio_766.reset();
  report.total.ratios.on_time_ratio_766.reset();
  return report;
}

core::Result<nlohmann::ordered_json> QueryHistory(projections::KvStore& store,
                                                  const Reference& reference,
                                                  std::string_view dossier_id) {
  // Where the dossier's events are: its record of the last checkpoint says
  // from which event on (and, once finished, up to which); one received
  // after that checkpoint is in the log from the checkpoint on.
  core::IdTable ids;
  HOSO_RETURN_IF_ERROR(projections::LoadNames(store, &ids));
  core::DossierState stored;
  uint64_t first = 1;
  uint64_t last = 0;   // 0: to the end of the log
  uint64_t count = 0;  // 0: unknown (more may follow the checkpoint)
  const std::string id(dossier_id);
  const bool dialogue = dossier_id.starts_with(core::kDialogueChainPrefix);
  const bool feedback = dossier_id.starts_with(core::kFeedbackChainPrefix);
  core::Status found = projections::FindDossierRecord(store, id, ids, &stored);
  if (found.ok()) {
    first = stored.first_log_sequence;
    if (!stored.is_open()) {
      // Finished at the checkpoint: nothing is logged for it after.
      last = stored.last_log_sequence;
      count = stored.event_count;
    }
  } else if (found.code() == core::StatusCode::kNotFound) {
    auto checkpoint = projections::ReadCheckpointMeta(store);
    if (!checkpoint.ok()) return checkpoint.status();
    first = checkpoint->has_value() ? (*checkpoint)->log_sequence + 1 : 1;
  } else {
    return found;
  }
  codec::EventDecoder decoder;
  const core::DossierStateMachine& machine = *reference.machine;
  std::optional<core::DossierState> state;
  std::string previous_hash;
  bool chain_ok = true;
  core::Effects effects;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  // The input partition of its events (one: they share a key), which says
  // which instance of a consumer group owns it (docs/scale.md).
  std::optional<int32_t> input_partition;
  projections::LogReader log(&store);
  HOSO_RETURN_IF_ERROR(
      log.DossierEvents(id, first, last, count, [&](const projections::LogEntry& logged) {
        if (!input_partition && logged.partition >= 0) input_partition = logged.partition;
        const bool link_ok = runtime::ChainHash(previous_hash, logged.bytes) == logged.chain_hash;
        chain_ok = chain_ok && link_ok;
        previous_hash = logged.chain_hash;
        nlohmann::ordered_json entry;
        entry["sequence"] = logged.dossier_sequence;
        entry["global_sequence"] = logged.sequence;
        entry["derived"] = logged.derived;
        entry["hash"] = runtime::ToHex(logged.chain_hash);
        entry["link_ok"] = link_ok;
        core::Event event;
        core::Rejection rejection;
        if (!decoder.Decode(logged.bytes, &event, &rejection)) {
          entry["error"] = rejection.message;
          events.push_back(entry);
          return core::Status::Ok();
        }
        entry["event_id"] = event.event_id;
        entry["type"] = core::EventTypeName(event.type);
        entry["occurred_at"] = core::FormatLocal(event.occurred_at);
        entry["agency_id"] = event.agency_id;
        core::DossierState next = state ? *state : core::DossierState{};
        if (machine.Apply(&next, !state, event, logged.derived, &ids, &effects, &rejection)) {
          state = std::move(next);
        } else {
          entry["replay_error"] = rejection.message;
        }
        if (state) {
          entry["status"] = core::DossierStatusName(state->status);
          // A dialogue's chain (issue 13) has no appointment; a feedback's
          // deadline is its answer's until answered, then its publication's.
          if (feedback) {
            // Its status is open, paused (answered) or finished: the stage says more.
            entry["status"] = core::FeedbackStageName(state->feedback_stage);
            entry["due_at"] = core::FormatLocal(
                state->feedback_stage == core::FeedbackStage::kReceived ? state->due_at
                                                                        : state->promised_due_at);
          } else if (!dialogue) {
            entry["due_at"] = core::FormatLocal(state->due_at);
          }
        }
        events.push_back(entry);
        return core::Status::Ok();
      }));
  if (events.empty()) return core::Status::NotFound("no dossier '" + id + "'");
  nlohmann::ordered_json summary;
  summary["dossier_id"] = id;
  summary["chain_ok"] = chain_ok;
  summary["chain_head"] = runtime::ToHex(previous_hash);
  if (input_partition) summary["input_partition"] = *input_partition;
  if (state) {
    // A feedback is paused once answered (core::DossierState): say open.
    summary["status"] = feedback ? (state->is_open() ? "open" : "finished")
                                 : core::DossierStatusName(state->status);
    summary["receiving_agency_id"] = ids.Name(state->receiving_agency);
    summary["holder_agency_id"] = ids.Name(state->holder_agency);
  }
  if (state && feedback) {
    summary["channel"] = core::FeedbackChannelName(state->feedback_channel);
    summary["stage"] = core::FeedbackStageName(state->feedback_stage);
    summary["answer_due_at"] = core::FormatLocal(state->due_at);
    if (state->feedback_stage != core::FeedbackStage::kReceived) {
      summary["answered_at"] = core::FormatLocal(state->finished_at);
      // Against the deadline of its outcome (2 working days for a rejection).
      summary["classification"] =
          state->classification == core::Classification::kLate ? "late" : "on_time";
      summary["publication_due_at"] = core::FormatLocal(state->promised_due_at);
    } else {
      summary["classification"] = nullptr;
    }
    summary["rated"] = state->feedback_rated;
  }
  if (state && !dialogue && !feedback) {
    summary["procedure_id"] = ids.Name(state->procedure);
    summary["initial_due_at"] = core::FormatLocal(state->initial_due_at);
    summary["due_at"] = core::FormatLocal(state->due_at);
    if (state->finish == core::FinishKind::kResolved) {
      summary["classification"] = core::ClassificationName(state->classification);
    } else if (state->finish != core::FinishKind::kNone) {
      summary["classification"] = core::FinishKindName(state->finish);
    } else {
      summary["classification"] = nullptr;
    }
    summary["apologies"] = state->apology_count;
    if (state->apology_count > 0) summary["first_apology_timely"] = state->first_apology_timely;
  }
  summary["events"] = std::move(events);
  return summary;
}

namespace {

// Calls visit(stored, fires_at, alert_id) for every stored alert `request`
// selects, in sequence order: the one selection behind QueryAlerts and
// QueryAlertPage. The fields it filters on are read without parsing the
// alert's JSON (parsed only when a value is escaped or absent).
core::Status ForEachSelectedAlert(
    projections::KvStore& store, const AlertRequest& request, const projections::OpenDossiers* open,
    const std::function<void(const projections::StoredAlert&, std::string_view fires_at,
                             std::string_view alert_id)>& visit) {
  projections::OpenDossiers loaded;
  if (request.open_only && open == nullptr) {
    auto dossiers = projections::LoadOpenDossiers(store);
    if (!dossiers.ok()) return dossiers.status();
    loaded = std::move(*dossiers);
    open = &loaded;
  }
  // Local instants with the same offset sort as text, so `since` is compared
  // in the form the alerts carry.
  const std::string since = request.since ? core::FormatLocal(*request.since) : std::string();
  return projections::ForEachAlert(store, 1, [&](const projections::StoredAlert& stored) {
    if (!request.kind.empty() && core::AlertKindName(stored.kind) != request.kind) {
      return core::Status::Ok();
    }
    if (request.open_only && !open->contains(stored.dossier_id)) {
      return core::Status::Ok();
    }
    auto fires_at = runtime::CompactStringField(stored.json, "fires_at");
    auto alert_id = runtime::CompactStringField(stored.json, "alert_id");
    std::optional<std::string_view> agency_id;
    if (!request.agency_id.empty())
      agency_id = runtime::CompactStringField(stored.json, "agency_id");
    std::string parsed_fires_at;
    std::string parsed_alert_id;
    std::string parsed_agency_id;
    if (!fires_at || !alert_id || (!request.agency_id.empty() && !agency_id)) {
      // Not the engine's compact form: read it properly.
      auto alert = nlohmann::ordered_json::parse(stored.json, nullptr, /*allow_exceptions=*/false);
      if (alert.is_discarded() || !alert.is_object()) {
        return core::Status::Corruption("unreadable alert record " +
                                        std::to_string(stored.sequence));
      }
      parsed_fires_at = alert.value("fires_at", "");
      parsed_alert_id = alert.value("alert_id", "");
      parsed_agency_id = alert.value("agency_id", "");
      fires_at = parsed_fires_at;
      alert_id = parsed_alert_id;
      agency_id = parsed_agency_id;
    }
    if (!request.agency_id.empty() && *agency_id != request.agency_id) return core::Status::Ok();
    if (!since.empty() && *fires_at < since) return core::Status::Ok();
    visit(stored, *fires_at, *alert_id);
    return core::Status::Ok();
  });
}

}  // namespace

core::Result<std::vector<nlohmann::ordered_json>> QueryAlerts(
    projections::KvStore& store, const AlertRequest& request,
    const projections::OpenDossiers* open) {
  std::vector<nlohmann::ordered_json> alerts;
  core::Status unreadable;
  HOSO_RETURN_IF_ERROR(ForEachSelectedAlert(
      store, request, open,
      [&](const projections::StoredAlert& stored, std::string_view, std::string_view) {
        nlohmann::ordered_json alert =
            nlohmann::ordered_json::parse(stored.json, nullptr, /*allow_exceptions=*/false);
        if (alert.is_discarded() || !alert.is_object()) {
          unreadable = core::Status::Corruption("unreadable alert record " +
                                                std::to_string(stored.sequence));
          return;
        }
        alerts.push_back(std::move(alert));
      }));
  HOSO_RETURN_IF_ERROR(unreadable);
  // Ties by id keep the order deterministic.
  std::sort(alerts.begin(), alerts.end(), [](const auto& a, const auto& b) {
    return std::pair(a.value("fires_at", ""), a.value("alert_id", "")) <
           std::pair(b.value("fires_at", ""), b.value("alert_id", ""));
  });
  return alerts;
}

core::Result<AlertPage> QueryAlertPage(
    projections::KvStore& store, const AlertRequest& request, const projections::OpenDossiers* open,
    size_t limit, const std::optional<std::pair<std::string, std::string>>& after) {
  struct Entry {
    std::string fires_at;
    std::string alert_id;
    uint64_t sequence;
  };
  std::vector<Entry> entries;
  HOSO_RETURN_IF_ERROR(ForEachSelectedAlert(
      store, request, open,
      [&](const projections::StoredAlert& stored, std::string_view fires_at,
          std::string_view alert_id) {
        if (after &&
            !(std::pair(fires_at, alert_id) <
              std::pair(std::string_view(after->first), std::string_view(after->second)))) {
          return;
        }
        entries.push_back({std::string(fires_at), std::string(alert_id), stored.sequence});
      }));
  // The newest `limit` (+1 to know whether more follow), newest first.
  const size_t keep = std::min(entries.size(), limit + 1);
  auto newer = [](const Entry& a, const Entry& b) {
    return std::tie(a.fires_at, a.alert_id) > std::tie(b.fires_at, b.alert_id);
  };
  std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(keep),
                    entries.end(), newer);
  AlertPage page;
  // Alerts of one batch are stored together (and compressed together): one
  // reader decompresses each batch the page visits in turn once.
  projections::AlertJsonReader reader(store);
  for (size_t i = 0; i < std::min(keep, limit); ++i) {
    std::string json;
    HOSO_RETURN_IF_ERROR(reader.Read(entries[i].sequence, &json));
    auto alert = nlohmann::ordered_json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (alert.is_discarded()) {
      return core::Status::Corruption("unreadable alert record " +
                                      std::to_string(entries[i].sequence));
    }
    page.alerts.push_back(std::move(alert));
  }
  if (keep > limit && limit > 0) {
    page.next = std::pair(entries[limit - 1].fires_at, entries[limit - 1].alert_id);
  }
  return page;
}

nlohmann::ordered_json OpenDossiersJson(const LiveFigures& live, const Reference& reference,
                                        core::Instant as_of, const std::string& agency_id) {
  struct Counts {
    int64_t open = 0;
    int64_t paused = 0;
    int64_t overdue = 0;
    int64_t due_today = 0;
    // Feedback (PAKN) awaiting its answer, and of those past the deadline
    // (counted as CountOpen counts feedback_open / feedback_open_overdue).
    int64_t feedback_open = 0;
    int64_t feedback_overdue = 0;
  };
  const int64_t today = core::ToLocalMinute(as_of).day();
  std::map<std::string, Counts> by_agency;
  for (const core::Agency& agency : reference.agencies.all()) by_agency[agency.agency_id];
  Counts total;
  for (const auto& [id, summary] : live.open) {
    if (summary.received_at > as_of) continue;
    if (!agency_id.empty() && summary.agency_id != agency_id) continue;
    if (id.starts_with(core::kFeedbackChainPrefix)) {
      // Open feedback until answered; once answered its clock is stopped
      // (paused) while it waits for publication and rating.
      if (summary.paused) continue;
      const bool late = as_of > core::ToInstant(summary.due_at);
      for (Counts* counts : {&by_agency[summary.agency_id], &total}) {
        ++counts->feedback_open;
        counts->feedback_overdue += late ? 1 : 0;
      }
      continue;
    }
    if (core::IsAgencyChain(id)) continue;  // a dialogue is no dossier
    const bool overdue =
        summary.paused ? summary.paused_late : as_of > core::ToInstant(summary.due_at);
    const bool due_today = !summary.paused && !overdue && summary.due_at.day() == today;
    for (Counts* counts : {&by_agency[summary.agency_id], &total}) {
      ++counts->open;
      counts->paused += summary.paused ? 1 : 0;
      counts->overdue += overdue ? 1 : 0;
      counts->due_today += due_today ? 1 : 0;
    }
  }
  auto counts_json = [](const Counts& counts) {
    nlohmann::ordered_json json;
    json["open"] = counts.open;
    json["paused"] = counts.paused;
    json["overdue"] = counts.overdue;
    json["due_today"] = counts.due_today;
    json["feedback_open"] = counts.feedback_open;
    json["feedback_overdue"] = counts.feedback_overdue;
    return json;
  };
  nlohmann::ordered_json json;
  json["as_of"] = core::FormatLocal(as_of);
  json["agencies"] = nlohmann::ordered_json::array();
  for (const auto& [id, counts] : by_agency) {
    if (!agency_id.empty() && id != agency_id) continue;
    nlohmann::ordered_json entry;
    entry["agency_id"] = id;
    const core::Agency* agency = reference.agencies.Find(id);
    entry["name"] = agency != nullptr ? nlohmann::ordered_json(agency->name) : nullptr;
    entry.update(counts_json(counts));
    json["agencies"].push_back(std::move(entry));
  }
  json["total"] = counts_json(total);
  return json;
}

nlohmann::ordered_json TargetsJson(const projections::KpiReport& report,
                                   const Reference& reference) {
  const core::KpiTargets targets;
  struct Judged {
    const char* name;
    double target;
    std::optional<double> core::KpiRatios::*ratio;
  };
  const Judged judged[] = {
      {"on_time_ratio", targets.on_time_ratio, &core::KpiRatios::on_time_ratio},
      {"online_processing_share", targets.online_processing_share,
       &core::KpiRatios::online_processing_share},
      {"online_coverage", targets.online_coverage, &core::KpiRatios::online_coverage},
      {"one_stop_share", targets.one_stop_share, &core::KpiRatios::one_stop_share},
      {"apology_compliance", targets.apology_compliance, &core::KpiRatios::apology_compliance},
  };
  nlohmann::ordered_json json;
  json["period"] = report.period.label;
  json["as_of"] = core::FormatLocal(report.as_of);
  json["targets"] = nlohmann::ordered_json::object();
  for (const Judged& j : judged) json["targets"][j.name] = j.target;
  json["agencies"] = nlohmann::ordered_json::array();
  std::map<std::string, const core::KpiRow*> rows;
  for (const core::KpiRow& row : report.rows) rows[row.key] = &row;
  for (const core::Agency& agency : reference.agencies.all()) {
    auto row = rows.find(agency.agency_id);
    nlohmann::ordered_json entry;
    entry["agency_id"] = agency.agency_id;
    entry["name"] = agency.name;
    entry["kind"] = agency.kind;
    entry["ratios"] = nlohmann::ordered_json::object();
    entry["met"] = nlohmann::ordered_json::object();
    std::optional<bool> all_met;
    for (const Judged& j : judged) {
      const std::optional<double> ratio =
          row == rows.end() ? std::nullopt : row->second->ratios.*(j.ratio);
      entry["ratios"][j.name] = RatioJson(ratio);
      if (!ratio) {
        entry["met"][j.name] = nullptr;
        continue;
      }
      const bool met = !MissesTarget(*ratio, j.target);
      entry["met"][j.name] = met;
      all_met = all_met.value_or(true) && met;
    }
    entry["all_met"] = all_met ? nlohmann::ordered_json(*all_met) : nlohmann::ordered_json();
    json["agencies"].push_back(std::move(entry));
  }
  return json;
}

}  // namespace hoso::tools
