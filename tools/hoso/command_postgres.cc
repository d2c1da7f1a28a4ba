// hoso postgres init --dsn DSN: creates (or migrates) the PostgreSQL schema
// `hoso` that the BI sink writes and BI tools read (docs/bi.md), and loads
// the reference lists into it.
#include <cstdio>
#include <memory>

#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_schema.h"
#include "tools/hoso/command.h"
#include "tools/hoso/context.h"

namespace hoso::tools {
namespace {

namespace pg = connectors::postgres;

struct InitArgs {
  std::string dsn;
  int connect_timeout_s = 10;
  ReferenceOptions reference;
};

int RunInit(const InitArgs& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("postgres init", reference.status());
  auto redacted = pg::RedactDsn(args.dsn);
  if (!redacted.ok()) return ReportError("postgres init", redacted.status());
  auto conn = pg::PgConnection::Connect(args.dsn, args.connect_timeout_s);
  if (!conn.ok()) return ReportError("postgres init", conn.status());
  core::Status s = pg::InitSchema(**conn, (*reference)->catalog, (*reference)->agencies);
  if (!s.ok()) return ReportError("postgres init", s);
  std::printf("schema hoso at version %d in %s (%zu agencies, %zu procedures)\n",
              pg::kSchemaVersion, redacted->c_str(), (*reference)->agencies.all().size(),
              (*reference)->catalog.all().size());
  return kExitOk;
}

}  // namespace

void RegisterPostgres(CLI::App& app, int* exit_code) {
  CLI::App* postgres =
      app.add_subcommand("postgres", "the PostgreSQL database BI tools read (docs/bi.md)");
  postgres->require_subcommand(1);
  auto args = std::make_shared<InitArgs>();
  CLI::App* init = postgres->add_subcommand(
      "init",
      "create or migrate the schema hoso (tables, the kpi_monthly view) and load the "
      "agency and procedure lists");
  init->add_option("--dsn", args->dsn,
                   "libpq connection string or URI; password from PGPASSWORD or ~/.pgpass")
      ->required();
  init->add_option("--connect-timeout", args->connect_timeout_s, "seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  AddReferenceOptions(init, &args->reference);
  init->callback([args, exit_code] { *exit_code = RunInit(*args); });
}

}  // namespace hoso::tools
