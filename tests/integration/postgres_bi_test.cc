// Issue 11: the PostgreSQL BI feed through the real `hoso` binary and a
// private PostgreSQL 15 cluster. After `hoso postgres init` and `hoso ingest
// --postgres` of the domain fixture and of a loadgen year, hoso.kpi_monthly
// says what `hoso kpi --format json` says for every month and agency; bad
// DSNs and a missing schema stop ingest and serve at start, naming what to
// run.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/postgres_bi_expect.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/postgres_cluster.h"
#include "tests/testing/serve_test_config.h"

namespace hoso {
namespace {

using testing::PostgresCluster;
using testing::RunHoso;
using testing::TempDir;

class PostgresBiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster_ = PostgresCluster::Start(&error);
    ASSERT_NE(cluster_, nullptr) << error;
  }
  // A fresh database with the schema made by `hoso postgres init`.
  std::string InitDatabase(const std::string& name) {
    std::string error;
    EXPECT_TRUE(cluster_->CreateDatabase(name, &error)) << error;
    auto init = RunHoso({"postgres", "init", "--dsn", cluster_->Dsn(name)});
    EXPECT_EQ(init.exit_code, 0) << init.err;
    EXPECT_NE(init.out.find("schema hoso at version 3"), std::string::npos) << init.out;
    return cluster_->Dsn(name);
  }
  void IngestAndCompare(const std::string& events, const std::string& pg_db) {
    const std::string dsn = InitDatabase(pg_db);
    const std::string db = dir_.File(pg_db + "-rocks");
    auto ingest =
        RunHoso({"ingest", "--events", events, "--db", db, "--postgres", dsn, "--no-progress"});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
    EXPECT_NE(ingest.out.find("PostgreSQL: "), std::string::npos) << ingest.out;
    testing::ExpectKpiMonthlyEqualsKpiJson(*cluster_, pg_db, db);
    testing::ExpectAlertsAndDossiersAgree(*cluster_, pg_db, db);
    // Running the same ingest again changes nothing: it resumes at the end,
    // and PostgreSQL already holds that position.
    const std::string before = cluster_->Psql(pg_db, "SELECT sum(received) FROM hoso.kpi_cells");
    auto again =
        RunHoso({"ingest", "--events", events, "--db", db, "--postgres", dsn, "--no-progress"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(cluster_->Psql(pg_db, "SELECT sum(received) FROM hoso.kpi_cells"), before);
  }

  TempDir dir_;
  std::unique_ptr<PostgresCluster> cluster_;
};

TEST_F(PostgresBiTest, KpiMonthlyEqualsKpiJsonAfterTheDomainFixture) {
  IngestAndCompare(testing::SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl"), "bi_fixture");
}

TEST_F(PostgresBiTest, KpiMonthlyEqualsKpiJsonAfterALoadgenYear) {
  const std::string events = dir_.File("year.jsonl");
  auto gen = RunHoso({"loadgen", "--seed", "7", "--dossiers", "3000", "--out", events});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  IngestAndCompare(events, "bi_year");
  // Every month of the year has cells (resolutions may spill into the next).
  const std::string months =
      cluster_->Psql("bi_year", "SELECT count(DISTINCT period) FROM hoso.kpi_monthly");
  EXPECT_GE(std::stoi(months), 12) << months;
}

// PostgreSQL emptied behind the engine's back (a restored backup, a new
// database): the next run finds the position missing and writes everything.
TEST_F(PostgresBiTest, ALostPositionIsCaughtUpFromRocksDb) {
  const std::string fixture = testing::SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl");
  const std::string dsn = InitDatabase("bi_lost");
  const std::string db = dir_.File("lost-rocks");
  ASSERT_EQ(RunHoso({"ingest", "--events", fixture, "--db", db, "--no-progress"}).exit_code, 0);
  EXPECT_EQ(cluster_->Psql("bi_lost", "SELECT count(*) FROM hoso.kpi_cells"), "0\n");
  auto caught_up =
      RunHoso({"ingest", "--events", fixture, "--db", db, "--postgres", dsn, "--no-progress"});
  ASSERT_EQ(caught_up.exit_code, 0) << caught_up.err;
  testing::ExpectKpiMonthlyEqualsKpiJson(*cluster_, "bi_lost", db);
  testing::ExpectAlertsAndDossiersAgree(*cluster_, "bi_lost", db);
}

TEST_F(PostgresBiTest, BadDsnOrMissingSchemaIsAClearErrorAtStart) {
  const std::string fixture = testing::SourcePath("tests/data/fixture_bach_khoa_2019_06.jsonl");
  const std::string db = dir_.File("rocks");
  auto unparsable =
      RunHoso({"ingest", "--events", fixture, "--db", db, "--postgres", "nonsense_key=1"});
  EXPECT_EQ(unparsable.exit_code, 2);
  EXPECT_NE(unparsable.err.find("PostgreSQL DSN does not parse"), std::string::npos)
      << unparsable.err;
  EXPECT_FALSE(std::filesystem::exists(db)) << "nothing is created before PostgreSQL is checked";

  auto down = RunHoso({"ingest", "--events", fixture, "--db", db, "--postgres",
                       "host=" + dir_.path() + " dbname=bi connect_timeout=2"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("does not answer"), std::string::npos) << down.err;

  std::string error;
  ASSERT_TRUE(cluster_->CreateDatabase("bi_empty", &error)) << error;
  const std::string dsn = cluster_->Dsn("bi_empty");
  auto missing = RunHoso({"ingest", "--events", fixture, "--db", db, "--postgres", dsn});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("has no schema hoso; run: hoso postgres init --dsn '"),
            std::string::npos)
      << missing.err;

  // serve checks before it consumes anything (no broker needed to fail).
  const std::string config =
      testing::WriteServeConfig(dir_.File("serve.json"), "127.0.0.1:1", "g", dir_.File("serve-db"),
                                {{"sinks", {{"postgres", {{"dsn", dsn + " password=s3cret"}}}}}});
  auto serve = RunHoso({"serve", "--config", config});
  EXPECT_EQ(serve.exit_code, 2);
  EXPECT_NE(serve.err.find("run: hoso postgres init --dsn '"), std::string::npos) << serve.err;
  EXPECT_EQ(serve.err.find("s3cret"), std::string::npos) << "a password is never shown";
}

}  // namespace
}  // namespace hoso
