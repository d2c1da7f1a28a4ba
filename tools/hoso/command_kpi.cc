// hoso kpi --db DIR --period P [--by agency|procedure] [--as-of T] [--format json|table|csv]
// hoso kpi --from-kafka SERVE_CONFIG --period P ...: the district's figures
// from hoso.kpi, whichever instances publish them (docs/scale.md).
#include <chrono>
#include <cstdio>

#include "connectors/kafka/district_view.h"
#include "connectors/kafka/serve_config.h"
#include "projections/kpi_query.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/kpi_output.h"
#include "tools/hoso/queries.h"
#include "tools/hoso/store_access.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string db_path;
  std::string kafka_config;
  int timeout_ms = 30000;
  std::string period;
  std::string by = "agency";
  std::string as_of;
  std::string format = "table";
  std::string agency_id;
  bool only_active = false;
  ReferenceOptions reference;
};

// The district's report from the KPI cells on the topic of a serve config.
core::Result<projections::KpiReport> DistrictReport(const Args& args, const Reference& reference,
                                                    const KpiRequest& request, core::Instant now) {
  namespace kafka = connectors::kafka;
  auto config = kafka::LoadServeConfig(args.kafka_config);
  if (!config.ok()) return config.status();
  kafka::DistrictViewOptions options;
  options.properties = config->kafka;
  options.kpi_topic = config->kpi_topic;
  options.instances_topic.clear();  // the cells are enough
  auto view = kafka::DistrictView::Start(options);
  if (!view.ok()) return view.status();
  if (!(*view)->WaitCaughtUp(std::chrono::milliseconds(args.timeout_ms))) {
    const auto stats = (*view)->stats();
    return core::Status::Unavailable(
        config->kpi_topic + " not read to its end within " + std::to_string(args.timeout_ms) +
        " ms (" + std::to_string(stats.records) + " records so far); is the cluster at " +
        config->kafka["bootstrap.servers"] + " reachable? (--timeout-ms)");
  }
  if ((*view)->stats().partitions == 0) {
    return core::Status::NotFound("topic " + config->kpi_topic + " does not exist on " +
                                  config->kafka["bootstrap.servers"]);
  }
  return QueryDistrictKpi(reference, request, now, [&](int first_month, int last_month) {
    return core::Result<kafka::DistrictView::Cells>(
        (*view)->CellsInMonths(first_month, last_month));
  });
}

int RunKpi(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("kpi", reference.status());
  // The period is checked before the database is opened: a bad one is bad
  // usage whatever the database holds.
  auto period = projections::ParsePeriod(args.period);
  if (!period.ok()) return ReportError("kpi", period.status());
  KpiRequest request;
  request.period = args.period;
  request.by = args.by;
  request.as_of = args.as_of;
  request.agency_id = args.agency_id;
  const core::Instant now = WallNow();
  core::Result<projections::KpiReport> report = core::Status::Ok();
  if (!args.kafka_config.empty()) {
    report = DistrictReport(args, **reference, request, now);
  } else {
    auto store = OpenForKpi(args.db_path, request, now);
    if (!store.ok()) return ReportError("kpi", store.status());
    report = QueryKpi(**store, **reference, request, nullptr, now);
  }
  if (!report.ok()) return ReportError("kpi", report.status());
  if (args.format == "json") {
    std::printf("%s\n", KpiReportJson(*report).c_str());
  } else if (args.format == "csv") {
    std::fputs(KpiReportCsv(*report).c_str(), stdout);
  } else {
    PrintKpiTable(*report, stdout, args.only_active);
  }
  return kExitOk;
}

}  // namespace

void RegisterKpi(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command =
      app.add_subcommand("kpi", "KPIs of a period against the plan's targets (docs/kpis.md)");
  CLI::Option* db = command->add_option("--db", args->db_path, "database directory");
  CLI::Option* kafka =
      command->add_option("--from-kafka", args->kafka_config,
                          "the district's figures from the KPI topic, with the Kafka settings of "
                          "this serve config (several instances, docs/scale.md)");
  db->excludes(kafka);
  command
      ->add_option("--timeout-ms", args->timeout_ms,
                   "--from-kafka: longest wait to read the KPI topic to its end")
      ->capture_default_str()
      ->check(CLI::Range(100, 3600000));
  command->add_option("--period", args->period, "YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY")->required();
  command->add_option("--by", args->by, "one row per agency or per procedure")
      ->capture_default_str()
      ->check(CLI::IsMember({"agency", "procedure"}));
  command->add_option("--as-of", args->as_of,
                      "instant (RFC 3339, or YYYY-MM-DD = end of that day); default: end of "
                      "the period, or now if earlier");
  command->add_option("--format", args->format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv"}));
  command->add_option("--agency", args->agency_id,
                      "only this agency's dossiers (--by agency: its row; --by procedure: its "
                      "procedures)");
  command->add_flag("--active", args->only_active,
                    "table: hide rows with no dossier in the period and none open");
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code, db, kafka] {
    if (db->count() + kafka->count() == 0) {
      throw CLI::RequiredError("--db or --from-kafka");
    }
    *exit_code = RunKpi(*args);
  });
}

}  // namespace hoso::tools
