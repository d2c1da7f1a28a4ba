// hoso loadgen --out F.jsonl --seed S [--dossiers N] [--year Y]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "schemas/codec/embedded_reference.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/loadgen/loadgen.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string out_path;
  std::string reference_dir;
  loadgen::Options options;
  ReferenceOptions reference;
};

int RunLoadgen(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("loadgen", reference.status());
  std::ofstream out(args.out_path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return ReportError("loadgen", core::Status::IOError("cannot write " + args.out_path));
  }
  const auto started = std::chrono::steady_clock::now();
  loadgen::Stats stats;
  core::Status s = loadgen::Generate(args.options, (*reference)->catalog, (*reference)->agencies,
                                     *(*reference)->calendar, out, &stats);
  out.close();
  if (!s.ok()) return ReportError("loadgen", s);
  if (!out) return ReportError("loadgen", core::Status::IOError("cannot write " + args.out_path));
  if (!args.reference_dir.empty()) {
    // The catalog and agency list the events refer to, for other tools.
    for (const auto& [name, text] :
         {std::pair{"procedures.json", args.reference.catalog_path.empty()
                                           ? std::string(codec::EmbeddedCatalogJson())
                                           : std::string()},
          std::pair{"agencies.json", args.reference.agencies_path.empty()
                                         ? std::string(codec::EmbeddedAgenciesJson())
                                         : std::string()}}) {
      if (text.empty()) continue;
      std::ofstream file(args.reference_dir + "/" + name, std::ios::binary | std::ios::trunc);
      file << text;
      if (!file) {
        return ReportError(
            "loadgen", core::Status::IOError("cannot write " + args.reference_dir + "/" + name));
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  nlohmann::ordered_json json;
  json["out"] = args.out_path;
  json["seed"] = args.options.seed;
  json["year"] = args.options.year;
  json["dossiers"] = stats.dossiers;
  json["events"] = stats.events;
  json["online"] = stats.online;
  json["resolved"] = stats.resolved;
  json["late_expected"] = stats.late_expected;
  json["withdrawn"] = stats.withdrawn;
  json["dialogues"] = stats.dialogues;
  json["feedback"] = stats.feedback;
  json["seconds"] = seconds;
  std::fprintf(stderr, "%s\n", json.dump().c_str());
  return kExitOk;
}

}  // namespace

void RegisterLoadgen(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "loadgen", "write a deterministic simulated Hai Bà Trưng year of dossier events (JSONL)");
  command->add_option("--out", args->out_path, "output JSONL file")->required();
  command->add_option("--seed", args->options.seed, "random seed (same seed, same bytes)")
      ->capture_default_str();
  command->add_option("--dossiers", args->options.dossiers, "dossiers received in the year")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, loadgen::kMaxDossiers));
  command->add_option("--year", args->options.year, "year of the receipts")
      ->capture_default_str()
      ->check(CLI::Range(2019, 2026));
  command
      ->add_option("--write-reference", args->reference_dir,
                   "also write the procedure catalog and agency list used into this directory")
      ->check(CLI::ExistingDirectory);
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunLoadgen(*args); });
}

}  // namespace hoso::tools
