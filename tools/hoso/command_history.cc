// hoso history DOSSIER --db DIR [--format table|json]: the dossier's
// timeline with its hash-chain links, the due instant after each event and
// the classification.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/runtime/chain_hash.h"
#include "projections/dossier_record.h"
#include "projections/event_log.h"
#include "projections/meta.h"
#include "schemas/codec/event_codec.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string dossier_id;
  std::string db_path;
  std::string format = "table";
  ReferenceOptions reference;
};

int RunHistory(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("history", reference.status());
  auto store = OpenForQuery(args.db_path);
  if (!store.ok()) return ReportError("history", store.status());

  // Where the dossier's events are: its record of the last checkpoint says
  // from which event on (and, once finished, up to which); one received
  // after that checkpoint is in the log from the checkpoint on.
  core::IdTable ids;
  core::Status named = projections::LoadNames(**store, &ids);
  if (!named.ok()) return ReportError("history", named);
  core::DossierState stored;
  uint64_t first = 1;
  uint64_t last = 0;  // 0: to the end of the log
  core::Status found = projections::FindDossierRecord(**store, args.dossier_id, ids, &stored);
  if (found.ok()) {
    first = stored.first_log_sequence;
    if (!stored.is_open()) last = stored.last_log_sequence;
  } else if (found.code() == core::StatusCode::kNotFound) {
    auto checkpoint = projections::ReadCheckpointMeta(**store);
    if (!checkpoint.ok()) return ReportError("history", checkpoint.status());
    first = checkpoint->has_value() ? (*checkpoint)->log_sequence + 1 : 1;
  } else {
    return ReportError("history", found);
  }
  codec::EventDecoder decoder;
  const core::DossierStateMachine& machine = *(*reference)->machine;
  std::optional<core::DossierState> state;
  std::string previous_hash;
  bool chain_ok = true;
  core::Effects effects;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  projections::LogReader log(store->get());
  core::Status read =
      log.DossierEvents(args.dossier_id, first, last, [&](const projections::LogEntry& logged) {
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
          entry["due_at"] = core::FormatLocal(state->due_at);
        }
        events.push_back(entry);
        return core::Status::Ok();
      });
  if (!read.ok()) return ReportError("history", read);
  if (events.empty()) {
    return ReportError("history", core::Status::NotFound("no dossier '" + args.dossier_id +
                                                         "' in " + args.db_path));
  }
  nlohmann::ordered_json summary;
  summary["dossier_id"] = args.dossier_id;
  summary["chain_ok"] = chain_ok;
  summary["chain_head"] = runtime::ToHex(previous_hash);
  if (state) {
    summary["status"] = core::DossierStatusName(state->status);
    summary["receiving_agency_id"] = ids.Name(state->receiving_agency);
    summary["holder_agency_id"] = ids.Name(state->holder_agency);
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
  summary["events"] = events;
  if (args.format == "json") {
    std::printf("%s\n", summary.dump(2).c_str());
    return kExitOk;
  }
  std::printf("dossier %s  (%s, chain %s)\n", args.dossier_id.c_str(),
              summary.value("procedure_id", "").c_str(), chain_ok ? "ok" : "BROKEN");
  std::printf("%-4s %-21s %-26s %-8s %-26s %-9s %s\n", "seq", "type", "occurred_at", "status",
              "due_at after", "link", "hash");
  for (const auto& entry : events) {
    std::printf("%-4d %-21s %-26s %-8s %-26s %-9s %.16s…%s\n", entry["sequence"].get<int>(),
                entry.value("type", "?").c_str(), entry.value("occurred_at", "?").c_str(),
                entry.value("status", "").c_str(), entry.value("due_at", "").c_str(),
                entry["link_ok"].get<bool>() ? "ok" : "MISMATCH",
                entry["hash"].get<std::string>().c_str(),
                entry["derived"].get<bool>() ? "  (derived by the engine)" : "");
  }
  if (summary.contains("classification") && !summary["classification"].is_null()) {
    std::printf("classification: %s\n", summary["classification"].get<std::string>().c_str());
  }
  return kExitOk;
}

}  // namespace

void RegisterHistory(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "history", "a dossier's timeline: events, hash-chain links, due instants, classification");
  command->add_option("dossier", args->dossier_id, "dossier id")->required();
  command->add_option("--db", args->db_path, "database directory")->required();
  command->add_option("--format", args->format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunHistory(*args); });
}

}  // namespace hoso::tools
