// The PostgreSQL BI sink against a real private PostgreSQL 15 cluster
// (tests/testing/postgres_cluster.h): the schema, its errors, and the sink's
// upserts of absolute values — repeated, coalesced, and across an outage.
#include "connectors/postgres/postgres_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_schema.h"
#include "tests/testing/postgres_cluster.h"

namespace hoso::connectors::postgres {
namespace {

using std::chrono::seconds;

core::ProcedureCatalog Catalog() {
  core::Procedure ward;
  ward.procedure_id = "P-WARD";
  ward.name = "Chứng thực bản sao";
  ward.online_level_offered = 3;
  core::Procedure district;
  district.procedure_id = "P-DIST";
  district.name = "Cấp phép xây dựng";
  district.level = core::AgencyLevel::kDistrict;
  district.online_level_offered = 4;
  return core::ProcedureCatalog({ward, district});
}

core::AgencyList Agencies() {
  core::Agency ward;
  ward.agency_id = "W01";
  ward.name = "UBND phường 1";
  ward.kind = "ward";
  ward.parent = "D";
  core::Agency district;
  district.agency_id = "D";
  district.name = "UBND quận";
  district.kind = "district";
  district.level = core::AgencyLevel::kDistrict;
  return core::AgencyList({ward, district});
}

class PostgresSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster_ = hoso::testing::PostgresCluster::Start(&error);
    ASSERT_NE(cluster_, nullptr) << error;
    ASSERT_TRUE(cluster_->CreateDatabase("bi", &error)) << error;
    dsn_ = cluster_->Dsn("bi");
  }
  void Init() {
    auto conn = PgConnection::Connect(dsn_, 5);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    core::Status s = InitSchema(**conn, catalog_, agencies_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::unique_ptr<PostgresSink> NewSink(bool require_up = true) {
    PostgresSinkOptions options;
    options.dsn = dsn_;
    options.source_id = "/db/test";
    options.require_up = require_up;
    options.max_backoff_ms = 200;
    auto sink = PostgresSink::Create(options, &catalog_, &agencies_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(*sink) : nullptr;
  }
  std::string Sql(const std::string& sql) { return cluster_->Psql("bi", sql); }

  std::unique_ptr<hoso::testing::PostgresCluster> cluster_;
  std::string dsn_;
  core::ProcedureCatalog catalog_ = Catalog();
  core::AgencyList agencies_ = Agencies();
};

runtime::Commit CommitWith(int64_t received, core::DossierStatus status, uint64_t logged,
                           uint64_t first_log_sequence = 0) {
  runtime::Commit commit;
  core::KpiCounters counters;
  counters[core::KpiField::kReceived] = received;
  counters[core::KpiField::kOnlineReceived] = 1;
  commit.changed_kpi.push_back(
      projections::MakeKpiChange(projections::KpiKey{201906, "W01", "P-WARD", 3}, counters));
  runtime::DossierChange dossier;
  dossier.dossier_id = "HS-1\twith a tab";  // escaped in COPY
  dossier.agency_id = "W01";
  dossier.procedure_id = "P-WARD";
  dossier.received_at = core::Instant{1559527200000};  // 2019-06-03T09:00+07:00
  dossier.due_at = core::ToLocalMinute(core::Instant{1559966400000});
  dossier.status = status;
  dossier.first_log_sequence = first_log_sequence;
  if (status == core::DossierStatus::kFinished) {
    dossier.finish = core::FinishKind::kResolved;
    dossier.classification = core::Classification::kLate;
    dossier.finished_at = core::Instant{1560139200000};
  }
  commit.changed_dossiers = std::make_shared<std::vector<runtime::DossierChange>>(1, dossier);
  commit.alerts.Add(
      dossier.dossier_id, core::AlertKind::kOverdue, dossier.due_at,
      R"({"alert_id":"HS-1|overdue|20190608T1100","kind":"overdue",)"
      R"("dossier_id":"HS-1","agency_id":"W01","procedure_id":"P-WARD",)"
      R"("due_at":"2019-06-08T11:00:00+07:00","fires_at":"2019-06-08T11:00:00+07:00",)"
      R"("raised_at":"2019-06-08T11:05:00+07:00","message_vi":"x","message_en":"x"})");
  commit.logged_events = logged;
  commit.raised_alerts = 1;
  return commit;
}

// A database made by a hoso before issue 13 (schema version 1, 16 counters)
// is brought to the current version by init: its rows kept, dialogues_held
// and the feedback counters 0, the view made again with the columns.
TEST_F(PostgresSinkTest, InitMigratesAVersion1SchemaKeepingItsRows) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on chains of +.
  std::string version1 =
      "CREATE SCHEMA hoso;\n"
      "CREATE TABLE hoso.schema_version (version integer PRIMARY KEY,\n"
      "  applied_at timestamptz NOT NULL DEFAULT now());\n";
  version1 += MigrationSql(1);
  version1 += "INSERT INTO hoso.schema_version (version) VALUES (1);\n";
  Sql(version1);
  ASSERT_EQ(Sql("SELECT max(version) FROM hoso.schema_version"), "1\n");
  ASSERT_EQ(Sql("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'hoso' "
                "AND table_name = 'kpi_cells' AND column_name = 'dialogues_held'"),
            "0\n");
  Sql("INSERT INTO hoso.kpi_cells (month, agency_id, procedure_id, partition, received,\n"
      "  source_position) VALUES ('2019-06-01', 'W01', 'P-WARD', 0, 5, 1);");
  Init();
  EXPECT_EQ(Sql("SELECT max(version), count(*) FROM hoso.schema_version"), "3|3\n");
  EXPECT_EQ(Sql("SELECT received, dialogues_held, feedback_received FROM hoso.kpi_cells"),
            "5|0|0\n");
  EXPECT_EQ(Sql("SELECT received, dialogues_held, feedback_received FROM hoso.kpi_monthly "
                "WHERE agency_id = 'W01'"),
            "5|0|0\n");
  EXPECT_EQ(MigrationSql(0), "");
  EXPECT_EQ(MigrationSql(kSchemaVersion + 1), "");
}

// A database at version 2 (dialogues, issue 13 part 2) is brought to version
// 3 by init: the feedback (PAKN) counters appear as 0, its rows are kept and
// the view gains the counters and the three feedback ratios.
TEST_F(PostgresSinkTest, InitMigratesAVersion2SchemaKeepingItsRows) {
  std::string version2 =
      "CREATE SCHEMA hoso;\n"
      "CREATE TABLE hoso.schema_version (version integer PRIMARY KEY,\n"
      "  applied_at timestamptz NOT NULL DEFAULT now());\n";
  version2 += MigrationSql(1);
  version2 += MigrationSql(2);
  version2 += "INSERT INTO hoso.schema_version (version) VALUES (1), (2);\n";
  Sql(version2);
  ASSERT_EQ(Sql("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'hoso' "
                "AND table_name = 'kpi_cells' AND column_name LIKE 'feedback%'"),
            "0\n");
  Sql("INSERT INTO hoso.kpi_cells (month, agency_id, procedure_id, partition, received,\n"
      "  dialogues_held, source_position) VALUES ('2019-06-01', 'W01', '', 0, 5, 1, 1);");
  Init();
  EXPECT_EQ(Sql("SELECT max(version), count(*) FROM hoso.schema_version"), "3|3\n");
  EXPECT_EQ(Sql("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'hoso' "
                "AND table_name = 'kpi_cells' AND column_name LIKE 'feedback%'"),
            "12\n");
  EXPECT_EQ(Sql("SELECT received, dialogues_held, feedback_received, feedback_answered_late "
                "FROM hoso.kpi_cells"),
            "5|1|0|0\n");
  EXPECT_EQ(Sql("SELECT received, dialogues_held, feedback_received, "
                "coalesce(feedback_on_time_ratio::text, 'null') "
                "FROM hoso.kpi_monthly WHERE agency_id = 'W01'"),
            "5|1|0|null\n");
}

TEST_F(PostgresSinkTest, InitCreatesTheSchemaOnceAndLoadsTheReferenceLists) {
  Init();
  Init();  // a second init finds the work done
  EXPECT_EQ(Sql("SELECT max(version), count(*) FROM hoso.schema_version"), "3|3\n");
  EXPECT_EQ(Sql("SELECT agency_id, level FROM hoso.agencies ORDER BY 1"), "D|district\nW01|ward\n");
  EXPECT_EQ(Sql("SELECT procedure_id, online_level_offered FROM hoso.procedures ORDER BY 1"),
            "P-DIST|4\nP-WARD|3\n");
}

TEST_F(PostgresSinkTest, AMissingSchemaNamesTheCommandToRun) {
  PostgresSinkOptions options;
  options.dsn = dsn_;
  options.source_id = "/db/test";
  auto sink = PostgresSink::Create(options, &catalog_, &agencies_);
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("hoso postgres init --dsn '"), std::string::npos)
      << sink.status().ToString();
  EXPECT_NE(sink.status().message().find("dbname=bi"), std::string::npos);
}

TEST_F(PostgresSinkTest, BadDsnsAreClearAndPasswordsNeverShown) {
  auto redacted = RedactDsn("host=/tmp dbname=bi password=s3cret user=u");
  ASSERT_TRUE(redacted.ok());
  EXPECT_EQ(redacted->find("s3cret"), std::string::npos) << *redacted;
  auto uri = RedactDsn("postgresql://u:s3cret@localhost/bi");
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(uri->find("s3cret"), std::string::npos) << *uri;

  PostgresSinkOptions options;
  options.source_id = "/db/test";
  options.dsn = "nonsense_key=1";
  auto bad = PostgresSink::Create(options, &catalog_, &agencies_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("does not parse"), std::string::npos)
      << bad.status().ToString();

  options.dsn = cluster_->Dsn("no_such_database") + " password=s3cret";
  auto refused = PostgresSink::Create(options, &catalog_, &agencies_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("no_such_database"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("s3cret"), std::string::npos);

  options.dsn = "host=/nonexistent-dir dbname=bi connect_timeout=2";
  options.require_up = true;
  auto down = PostgresSink::Create(options, &catalog_, &agencies_);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), core::StatusCode::kUnavailable) << down.status().ToString();
}

// Absolute values: the same commit twice, or an older cell value replaced by
// a newer one, leaves the latest values, never a sum.
TEST_F(PostgresSinkTest, UpsertsAbsoluteValuesSoRepeatsNeverDoubleCount) {
  Init();
  auto sink = NewSink();
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Published(CommitWith(5, core::DossierStatus::kOpen, 10)).ok());
  ASSERT_TRUE(sink->Published(CommitWith(5, core::DossierStatus::kOpen, 10)).ok());
  ASSERT_TRUE(sink->WaitCaughtUp(seconds(30)));
  ASSERT_TRUE(sink->Published(CommitWith(7, core::DossierStatus::kFinished, 12)).ok());
  ASSERT_TRUE(sink->WaitCaughtUp(seconds(30)));
  EXPECT_EQ(Sql("SELECT month, agency_id, procedure_id, partition, received, source_position "
                "FROM hoso.kpi_cells"),
            "2019-06-01|W01|P-WARD|3|7|12\n");
  EXPECT_EQ(Sql("SELECT dossier_id, status, classification, resolved_at AT TIME ZONE "
                "'Asia/Ho_Chi_Minh', received_at AT TIME ZONE 'Asia/Ho_Chi_Minh' "
                "FROM hoso.dossiers"),
            "HS-1\twith a tab|resolved|late|2019-06-10 11:00:00|2019-06-03 09:00:00\n");
  EXPECT_EQ(Sql("SELECT alert_id, kind, agency_id, raised_at AT TIME ZONE 'Asia/Ho_Chi_Minh' "
                "FROM hoso.alerts"),
            "HS-1|overdue|20190608T1100|overdue|W01|2019-06-08 11:05:00\n");
  EXPECT_EQ(Sql("SELECT source, log_sequence, alert_sequence FROM hoso.sink_position"),
            "/db/test|12|1\n");
  // The view: the ward's month with its ratios; the district office's
  // month too (every listed agency appears), with nothing received.
  EXPECT_EQ(Sql("SELECT agency_id, received, online_share, online_coverage, one_stop_share, "
                "online_coverage_met FROM hoso.kpi_monthly ORDER BY agency_id"),
            "D|0||0||f\nW01|7|0.14285714285714285|1|0|t\n");
  const PostgresSink::Stats stats = sink->stats();
  EXPECT_EQ(stats.written_log_sequence, 12u);
  EXPECT_EQ(stats.lag_seconds, 0.0);
}

// New rows (a dossier first logged after the position PostgreSQL holds,
// every alert) are COPYed straight into their tables; when one is there
// after all (another writer, a position ahead of the engine) the COPY is
// rolled back to its savepoint and the rows are upserted in the same
// transaction: the same tables, no failed transaction.
TEST_F(PostgresSinkTest, RowsAlreadyThereTakeTheUpsertPathInTheSameTransaction) {
  Init();
  Sql("INSERT INTO hoso.dossiers (dossier_id, agency_id, procedure_id, channel, online_level, "
      "one_stop, received_at, due_at, status, source_position) VALUES (E'HS-1\\twith a tab', "
      "'W01', 'P-WARD', 'direct', 0, true, '2019-06-01', '2019-06-05', 'open', 1);\n"
      "INSERT INTO hoso.alerts (alert_id, dossier_id, kind, agency_id, procedure_id, due_at, "
      "fires_at, raised_at, source_position) VALUES ('HS-1|overdue|20190608T1100', 'HS-1', "
      "'overdue', 'W01', 'P-WARD', '2019-06-08', '2019-06-08', '2019-06-08', 1);");
  ASSERT_EQ(Sql("SELECT count(*) FROM hoso.dossiers"), "1\n");
  auto sink = NewSink();
  ASSERT_NE(sink, nullptr);
  // First logged at 5, after the position PostgreSQL holds (none): new, as
  // far as the sink knows, yet already there.
  ASSERT_TRUE(sink->Published(CommitWith(3, core::DossierStatus::kFinished, 10, 5)).ok());
  ASSERT_TRUE(sink->WaitCaughtUp(seconds(30)));
  EXPECT_EQ(Sql("SELECT dossier_id, status, classification, source_position FROM hoso.dossiers"),
            "HS-1\twith a tab|resolved|late|10\n");
  EXPECT_EQ(Sql("SELECT count(*), min(source_position) FROM hoso.alerts"), "1|1\n");
  EXPECT_EQ(sink->stats().failures, 0);
  EXPECT_EQ(Sql("SELECT log_sequence FROM hoso.sink_position"), "10\n");
}

// PostgreSQL stopped: Published still returns at once, the sink reports
// lag, and once the server is back everything queued meanwhile arrives.
TEST_F(PostgresSinkTest, AnOutageOnlyDelaysTheTables) {
  Init();
  auto sink = NewSink();
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Published(CommitWith(1, core::DossierStatus::kOpen, 1)).ok());
  ASSERT_TRUE(sink->WaitCaughtUp(seconds(30)));
  ASSERT_TRUE(cluster_->Stop());
  const auto before = std::chrono::steady_clock::now();
  for (int i = 2; i <= 50; ++i) {
    ASSERT_TRUE(sink->Published(CommitWith(i, core::DossierStatus::kOpen, i)).ok());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - before, seconds(1));
  EXPECT_FALSE(sink->WaitCaughtUp(std::chrono::milliseconds(500)));
  const PostgresSink::Stats down = sink->stats();
  EXPECT_GT(down.lag_seconds, 0.0);
  EXPECT_EQ(down.queued_log_sequence, 50u);
  EXPECT_EQ(down.written_log_sequence, 1u);
  ASSERT_TRUE(cluster_->Restart());
  ASSERT_TRUE(sink->WaitCaughtUp(seconds(60)));
  EXPECT_EQ(Sql("SELECT received, source_position FROM hoso.kpi_cells"), "50|50\n");
  EXPECT_GT(sink->stats().failures, 0);
}

// Started while the server is down (serve): a warning, not an error; the
// sink connects once it can.
TEST_F(PostgresSinkTest, StartsBehindWhenTheServerIsDownAndCatchesUp) {
  Init();
  ASSERT_TRUE(cluster_->Stop());
  auto sink = NewSink(/*require_up=*/false);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Published(CommitWith(3, core::DossierStatus::kOpen, 3)).ok());
  ASSERT_TRUE(cluster_->Restart());
  ASSERT_TRUE(sink->WaitCaughtUp(seconds(60)));
  EXPECT_EQ(Sql("SELECT received FROM hoso.kpi_cells"), "3\n");
}

}  // namespace
}  // namespace hoso::connectors::postgres
