// The PostgreSQL schema `hoso` that BI tools read (docs/bi.md), created and
// migrated by `hoso postgres init`:
//
//   schema_version  (version, applied_at): one row per migration applied
//   kpi_cells       (month, agency_id, procedure_id, partition) -> the
//                   counters of the KPI contract (core::KpiField: 16 in
//                   version 1, 17 in 2, 29 in 3), source_position, updated_at
//   kpi_monthly     view: cells summed over partitions and procedures per
//                   (month, agency), every agency of the list in every month,
//                   the ratios (NULL where the denominator is 0) and whether
//                   each plan target is met
//   dossiers        current state per dossier (no event content, no
//                   personal data)
//   alerts          alert_id -> dossier, kind, agency, due / fires / raised
//   agencies, procedures  the reference lists, for labels and filters
//   sink_position   source -> the engine position the tables reflect
//
// Migrations are numbered; `InitSchema` applies the missing ones in one
// transaction and refuses a schema newer than this build.
//
// Thread-safety: functions use the caller's connection.
#ifndef HOSO_CONNECTORS_POSTGRES_PG_SCHEMA_H_
#define HOSO_CONNECTORS_POSTGRES_PG_SCHEMA_H_

#include <string>

#include "connectors/postgres/pg_connection.h"
#include "engine/core/reference_data.h"
#include "engine/core/status.h"

namespace hoso::connectors::postgres {

// The schema version this build writes and reads.
inline constexpr int kSchemaVersion = 3;

// Creates the schema (or migrates it to kSchemaVersion) and loads the
// reference lists. VersionMismatch when the database holds a newer schema.
core::Status InitSchema(PgConnection& conn, const core::ProcedureCatalog& catalog,
                        const core::AgencyList& agencies);

// The SQL of migration `version` (1..kSchemaVersion) exactly as InitSchema
// applies it, which brings the schema from version - 1 to `version`: what a
// test of an upgrade builds an old schema with.
std::string MigrationSql(int version);

// Checks that the schema exists at kSchemaVersion. Otherwise
// VersionMismatch whose message names the command to run:
// `hoso postgres init --dsn '<redacted_dsn>'`.
core::Status CheckSchema(PgConnection& conn, const std::string& redacted_dsn);

// Upserts the reference lists (agencies, procedures): what a sink writes at
// start, so a changed --catalog or --agencies reaches the BI tables.
// REQUIRES: a transaction is open on `conn` (its temp tables drop at commit).
core::Status UpsertReference(PgConnection& conn, const core::ProcedureCatalog& catalog,
                             const core::AgencyList& agencies);

}  // namespace hoso::connectors::postgres

#endif  // HOSO_CONNECTORS_POSTGRES_PG_SCHEMA_H_
