#include "connectors/postgres/pg_schema.h"

#include <cstdio>
#include <vector>

#include "engine/core/kpi_counters.h"

namespace hoso::connectors::postgres {
namespace {

using core::KpiField;

std::string Field(int i) { return std::string(core::KpiFieldName(static_cast<KpiField>(i))); }

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

// `fields`: the counters of core::KpiField a schema version has (the first
// `fields`): a migration's SQL never changes once released.
std::string KpiCellsTable(int fields) {
  std::string sql =
      "CREATE TABLE hoso.kpi_cells (\n"
      "  month date NOT NULL,\n"
      "  agency_id text NOT NULL,\n"
      "  procedure_id text NOT NULL,\n"
      "  partition integer NOT NULL,\n";
  for (int i = 0; i < fields; ++i) {
    sql += "  " + Field(i) + " bigint NOT NULL DEFAULT 0,\n";
  }
  sql +=
      "  source_position bigint NOT NULL,\n"
      "  updated_at timestamptz NOT NULL DEFAULT now(),\n"
      "  PRIMARY KEY (month, agency_id, procedure_id, partition))\n"
      "  WITH (fillfactor = 70);\n";
  return sql;
}

// The view of docs/bi.md: the ratios of the KPI contract exactly as
// core::ComputeKpiRow computes them for an agency row of `hoso kpi`
// (engine/core/kpi_counters.cc), so the two always agree:
//  - counters per (month, agency), summed over procedures and partitions;
//  - online_share over procedures offered online at level >= 3;
//  - online_processing_share over procedures with >= 1 online dossier;
//  - online_coverage: procedures of the agency's level offered at level >= 3
//    with >= 1 online dossier / those offered; for an agency missing from the
//    list, the denominator counts only the procedures it received;
//  - every agency of the list appears in every month that has cells.
// The targets are core::KpiTargets, written in when the view is created;
// met = not (ratio + 1e-12 < target), as `hoso kpi` judges them.
std::string KpiMonthlyView(int fields) {
  const core::KpiTargets targets;
  // From schema version 3: the feedback (PAKN) ratios of core::ComputeKpiRow.
  const bool feedback = fields > core::kKpiFieldCountBeforeFeedback;
  const char* feedback_ratios =
      ",\n"
      "    s.feedback_answered_on_time::float8 /"
      " nullif(s.feedback_answered_on_time + s.feedback_answered_late, 0)"
      " AS feedback_on_time_ratio,\n"
      "    s.feedback_received_online::float8 / nullif(s.feedback_received, 0)"
      " AS feedback_online_share,\n"
      "    (s.feedback_answered_on_time - s.feedback_dissatisfied_on_time)::float8 /"
      " nullif(s.feedback_answered_on_time + s.feedback_answered_late, 0)"
      " AS feedback_satisfaction";
  std::string sums, outer_counters, nonzero;
  for (int i = 0; i < fields; ++i) {
    const std::string f = Field(i);
    sums += "    sum(c." + f + ") AS " + f + ",\n";
    outer_counters += "    coalesce(sum(b." + f + "), 0)::bigint AS " + f + ",\n";
    nonzero += std::string(i == 0 ? "" : " OR ") + "b." + f + " <> 0";
  }
  std::string sql =
      "CREATE VIEW hoso.kpi_monthly AS\n"
      "WITH by_procedure AS (\n"
      "  SELECT c.month, c.agency_id, c.procedure_id,\n" +
      sums +
      "    max(c.updated_at) AS updated_at\n"
      "  FROM hoso.kpi_cells c GROUP BY c.month, c.agency_id, c.procedure_id),\n"
      "months AS (SELECT DISTINCT month FROM hoso.kpi_cells),\n"
      "units AS (\n"
      "  SELECT a.agency_id, a.level FROM hoso.agencies a\n"
      "  UNION\n"
      "  SELECT DISTINCT c.agency_id, NULL::text FROM hoso.kpi_cells c\n"
      "  WHERE NOT EXISTS (SELECT 1 FROM hoso.agencies a WHERE a.agency_id = c.agency_id)),\n"
      "summed AS (\n"
      "  SELECT m.month, u.agency_id, u.level AS agency_level,\n" +
      outer_counters +
      "    coalesce(sum(b.received) FILTER (WHERE p.online_level_offered >= 3), 0)"
      " AS offered_received,\n"
      "    coalesce(sum(b.online_received) FILTER (WHERE p.online_level_offered >= 3), 0)"
      " AS offered_online,\n"
      "    coalesce(sum(b.resolved) FILTER (WHERE b.online_received > 0), 0)"
      " AS processing_resolved,\n"
      "    coalesce(sum(b.resolved_online) FILTER (WHERE b.online_received > 0), 0)"
      " AS processing_online,\n"
      "    count(*) FILTER (WHERE b.online_received > 0 AND p.online_level_offered >= 3\n"
      "      AND (u.level IS NULL OR p.level = u.level)) AS coverage_numerator,\n"
      "    CASE WHEN u.level IS NULL THEN\n"
      "      count(*) FILTER (WHERE p.online_level_offered >= 3 AND (" +
      nonzero +
      "))\n"
      "    ELSE (SELECT count(*) FROM hoso.procedures q\n"
      "          WHERE q.online_level_offered >= 3 AND q.level = u.level) END"
      " AS coverage_denominator,\n"
      "    max(b.updated_at) AS updated_at\n"
      "  FROM months m CROSS JOIN units u\n"
      "  LEFT JOIN by_procedure b ON b.month = m.month AND b.agency_id = u.agency_id\n"
      "  LEFT JOIN hoso.procedures p ON p.procedure_id = b.procedure_id\n"
      "  GROUP BY m.month, u.agency_id, u.level),\n"
      "ratios AS (\n"
      "  SELECT s.*,\n"
      "    (s.resolved_early + s.resolved_on_time)::float8 / nullif(s.resolved, 0)"
      " AS on_time_ratio,\n"
      "    s.offered_online::float8 / nullif(s.offered_received, 0) AS online_share,\n"
      "    s.processing_online::float8 / nullif(s.processing_resolved, 0)"
      " AS online_processing_share,\n"
      "    s.coverage_numerator::float8 / nullif(s.coverage_denominator, 0)"
      " AS online_coverage,\n"
      "    s.received_one_stop::float8 / nullif(s.received, 0) AS one_stop_share,\n"
      "    s.late_apologized_timely::float8 / nullif(s.resolved_late, 0)"
      " AS apology_compliance" +
      std::string(feedback ? feedback_ratios : "") +
      "\n"
      "  FROM summed s)\n"
      "SELECT r.month, to_char(r.month, 'YYYY-MM') AS period, r.agency_id,\n"
      "  a.name AS agency_name, a.kind AS agency_kind, r.agency_level,\n";
  for (int i = 0; i < fields; ++i) sql += "  r." + Field(i) + ",\n";
  struct Judged {
    const char* ratio;
    double target;
  };
  const std::vector<Judged> judged = {{"on_time_ratio", targets.on_time_ratio},
                                      {"online_processing_share", targets.online_processing_share},
                                      {"online_coverage", targets.online_coverage},
                                      {"one_stop_share", targets.one_stop_share},
                                      {"apology_compliance", targets.apology_compliance}};
  sql +=
      "  r.on_time_ratio, r.online_share, r.online_processing_share, r.online_coverage,\n"
      "  r.one_stop_share, r.apology_compliance,\n";
  if (feedback) {
    sql += "  r.feedback_on_time_ratio, r.feedback_online_share, r.feedback_satisfaction,\n";
  }
  std::string all_met_null = "(", all_met = "(";
  for (size_t i = 0; i < judged.size(); ++i) {
    const std::string ratio = std::string("r.") + judged[i].ratio;
    const std::string met = "NOT (" + ratio + " + 1e-12 < " + Number(judged[i].target) + ")";
    sql += "  " + met + " AS " + judged[i].ratio + "_met,\n";
    all_met_null += std::string(i == 0 ? "" : " AND ") + ratio + " IS NULL";
    all_met += std::string(i == 0 ? "" : " AND ") + "coalesce(" + met + ", true)";
  }
  sql += "  CASE WHEN " + all_met_null + ") THEN NULL ELSE " + all_met + ") END AS all_met,\n";
  sql +=
      "  r.updated_at\n"
      "FROM ratios r LEFT JOIN hoso.agencies a ON a.agency_id = r.agency_id;\n";
  return sql;
}

// Migration n brings the schema from version n - 1 to n. Only primary keys
// are indexed: every index is one more write per row the sink upserts
// (measured: the year's 660,000 rows), and BI queries scan these tables
// whole; a site that needs another index adds it (docs/bi.md).
std::vector<std::string> Migrations() {
  std::string v1 =
      "CREATE TABLE hoso.agencies (\n"
      "  agency_id text PRIMARY KEY,\n"
      "  name text NOT NULL,\n"
      "  kind text NOT NULL,\n"
      "  parent_id text,\n"
      "  level text NOT NULL CHECK (level IN ('ward', 'district')));\n"
      "CREATE TABLE hoso.procedures (\n"
      "  procedure_id text PRIMARY KEY,\n"
      "  name text NOT NULL,\n"
      "  level text NOT NULL CHECK (level IN ('ward', 'district')),\n"
      "  online_level_offered smallint NOT NULL,\n"
      "  one_stop boolean NOT NULL);\n" +
      KpiCellsTable(core::kKpiFieldCountBeforeDialogues) +
      "CREATE TABLE hoso.dossiers (\n"
      "  dossier_id text PRIMARY KEY,\n"
      "  agency_id text NOT NULL,\n"
      "  holder_agency_id text,\n"
      "  procedure_id text NOT NULL,\n"
      "  channel text NOT NULL,\n"
      "  online_level smallint NOT NULL,\n"
      "  one_stop boolean NOT NULL,\n"
      "  received_at timestamptz NOT NULL,\n"
      "  due_at timestamptz NOT NULL,\n"
      "  status text NOT NULL,\n"
      "  classification text,\n"
      "  resolved_at timestamptz,\n"
      "  finished_at timestamptz,\n"
      "  source_position bigint NOT NULL,\n"
      "  updated_at timestamptz NOT NULL DEFAULT now())\n"
      // Room on each page, so most updates stay on it (HOT): no index
      // holds a column that changes (status, due_at, ...).
      "  WITH (fillfactor = 70);\n"
      "CREATE TABLE hoso.alerts (\n"
      "  alert_id text PRIMARY KEY,\n"
      "  dossier_id text NOT NULL,\n"
      "  kind text NOT NULL,\n"
      "  agency_id text NOT NULL,\n"
      "  procedure_id text,\n"
      "  due_at timestamptz,\n"
      "  fires_at timestamptz NOT NULL,\n"
      "  raised_at timestamptz NOT NULL,\n"
      "  source_position bigint NOT NULL,\n"
      "  updated_at timestamptz NOT NULL DEFAULT now());\n"

      "CREATE TABLE hoso.sink_position (\n"
      "  source text PRIMARY KEY,\n"
      "  log_sequence bigint NOT NULL,\n"
      "  alert_sequence bigint NOT NULL,\n"
      "  updated_at timestamptz NOT NULL DEFAULT now());\n" +
      KpiMonthlyView(core::kKpiFieldCountBeforeDialogues);
  // Issue 13: dialogues held per (month, agency), in cells whose
  // procedure_id is empty; the view gains the column (a view's columns cannot
  // be inserted by CREATE OR REPLACE, so it is made again).
  std::string v2 =
      "ALTER TABLE hoso.kpi_cells ADD COLUMN dialogues_held bigint NOT NULL DEFAULT 0;\n"
      "DROP VIEW hoso.kpi_monthly;\n" +
      KpiMonthlyView(core::kKpiFieldCountBeforeFeedback);
  // Issue 13, part 3: the feedback (PAKN) counters, in the same cells
  // (procedure_id empty); the view gains them and their three ratios.
  std::string v3;
  for (int i = core::kKpiFieldCountBeforeFeedback; i < core::kKpiFieldCount; ++i) {
    v3.append("ALTER TABLE hoso.kpi_cells ADD COLUMN ")
        .append(Field(i))
        .append(" bigint NOT NULL DEFAULT 0;\n");
  }
  v3.append("DROP VIEW hoso.kpi_monthly;\n").append(KpiMonthlyView(core::kKpiFieldCount));
  return {v1, v2, v3};
}

core::Result<int> StoredVersion(PgConnection& conn) {
  auto rows = conn.Query("SELECT coalesce(max(version), 0) FROM hoso.schema_version");
  if (!rows.ok()) return rows.status();
  if (rows->empty() || !(*rows)[0][0]) return 0;
  return std::stoi(*(*rows)[0][0]);
}

const char* LevelName(core::AgencyLevel level) {
  return level == core::AgencyLevel::kWard ? "ward" : "district";
}

}  // namespace

std::string MigrationSql(int version) {
  const std::vector<std::string> migrations = Migrations();
  if (version < 1 || version > static_cast<int>(migrations.size())) return std::string();
  return migrations[static_cast<size_t>(version - 1)];
}

core::Status InitSchema(PgConnection& conn, const core::ProcedureCatalog& catalog,
                        const core::AgencyList& agencies) {
  HOSO_RETURN_IF_ERROR(
      conn.Exec("BEGIN;\n"
                "CREATE SCHEMA IF NOT EXISTS hoso;\n"
                "CREATE TABLE IF NOT EXISTS hoso.schema_version (\n"
                "  version integer PRIMARY KEY,\n"
                "  applied_at timestamptz NOT NULL DEFAULT now());\n"
                // Two inits at once: the second waits, then finds the work done.
                "LOCK TABLE hoso.schema_version IN EXCLUSIVE MODE;"));
  auto finish = [&](core::Status status) {
    if (!status.ok()) {
      conn.Exec("ROLLBACK").IgnoreError("the first failure is the one reported");
      return status;
    }
    return conn.Exec("COMMIT");
  };
  auto version = StoredVersion(conn);
  if (!version.ok()) return finish(version.status());
  if (*version > kSchemaVersion) {
    return finish(core::Status::VersionMismatch(
        "the PostgreSQL schema hoso is at version " + std::to_string(*version) +
        ", newer than this hoso (" + std::to_string(kSchemaVersion) + "); use a newer hoso"));
  }
  const std::vector<std::string> migrations = Migrations();
  for (int v = *version + 1; v <= kSchemaVersion; ++v) {
    core::Status s = conn.Exec(migrations[static_cast<size_t>(v - 1)]);
    if (s.ok()) {
      s = conn.Query("INSERT INTO hoso.schema_version (version) VALUES ($1)", {std::to_string(v)})
              .status();
    }
    if (!s.ok()) return finish(s);
  }
  return finish(UpsertReference(conn, catalog, agencies));
}

core::Status CheckSchema(PgConnection& conn, const std::string& redacted_dsn) {
  const std::string advice = "; run: hoso postgres init --dsn '" + redacted_dsn + "'";
  auto exists = conn.Query("SELECT to_regclass('hoso.schema_version') IS NOT NULL");
  if (!exists.ok()) return exists.status();
  if ((*exists)[0][0] != std::optional<std::string>("t")) {
    return core::Status::VersionMismatch("PostgreSQL at " + redacted_dsn + " has no schema hoso" +
                                         advice);
  }
  auto version = StoredVersion(conn);
  if (!version.ok()) return version.status();
  if (*version < kSchemaVersion) {
    return core::Status::VersionMismatch("the PostgreSQL schema hoso is at version " +
                                         std::to_string(*version) + ", this hoso needs " +
                                         std::to_string(kSchemaVersion) + advice);
  }
  if (*version > kSchemaVersion) {
    return core::Status::VersionMismatch("the PostgreSQL schema hoso is at version " +
                                         std::to_string(*version) + ", newer than this hoso (" +
                                         std::to_string(kSchemaVersion) + "); use a newer hoso");
  }
  return core::Status::Ok();
}

core::Status UpsertReference(PgConnection& conn, const core::ProcedureCatalog& catalog,
                             const core::AgencyList& agencies) {
  std::string rows;
  for (const core::Agency& a : agencies.all()) {
    AppendCopyField(&rows, a.agency_id, true);
    AppendCopyField(&rows, a.name);
    AppendCopyField(&rows, a.kind);
    if (a.parent.empty()) {
      AppendCopyNull(&rows);
    } else {
      AppendCopyField(&rows, a.parent);
    }
    AppendCopyField(&rows, LevelName(a.level));
    rows += '\n';
  }
  HOSO_RETURN_IF_ERROR(conn.Exec(
      "CREATE TEMP TABLE IF NOT EXISTS agencies_in (LIKE hoso.agencies) ON COMMIT DROP;"));
  HOSO_RETURN_IF_ERROR(conn.CopyIn("COPY agencies_in FROM STDIN", rows));
  HOSO_RETURN_IF_ERROR(conn.Exec(
      "INSERT INTO hoso.agencies SELECT * FROM agencies_in ON CONFLICT (agency_id) DO UPDATE SET "
      "name = EXCLUDED.name, kind = EXCLUDED.kind, parent_id = EXCLUDED.parent_id, "
      "level = EXCLUDED.level;"));
  rows.clear();
  for (const core::Procedure& p : catalog.all()) {
    AppendCopyField(&rows, p.procedure_id, true);
    AppendCopyField(&rows, p.name);
    AppendCopyField(&rows, LevelName(p.level));
    AppendCopyField(&rows, std::to_string(p.online_level_offered));
    AppendCopyField(&rows, p.one_stop ? "t" : "f");
    rows += '\n';
  }
  HOSO_RETURN_IF_ERROR(conn.Exec(
      "CREATE TEMP TABLE IF NOT EXISTS procedures_in (LIKE hoso.procedures) ON COMMIT DROP;"));
  HOSO_RETURN_IF_ERROR(conn.CopyIn("COPY procedures_in FROM STDIN", rows));
  return conn.Exec(
      "INSERT INTO hoso.procedures SELECT * FROM procedures_in ON CONFLICT (procedure_id) DO "
      "UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, online_level_offered = "
      "EXCLUDED.online_level_offered, one_stop = EXCLUDED.one_stop;");
}

}  // namespace hoso::connectors::postgres
