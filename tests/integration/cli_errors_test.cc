// Issue 8, defect 7: clear errors for the operator's mistakes, and a new
// database that is never seen half made.
#include <gtest/gtest.h>

#include <filesystem>

#include "connectors/rocksdb/rocks_kv_store.h"
#include "projections/meta.h"
#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::TempDir;

TEST(CliErrorsTest, IngestOfAMissingFileIsBadUsageAndCreatesNothing) {
  TempDir dir;
  auto result = RunHoso({"ingest", "--events", dir.File("no-such.jsonl"), "--db", dir.File("db")});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("cannot read events file"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("db")));
}

TEST(CliErrorsTest, APeriodBefore1970SaysWhatIsWrongWithIt) {
  TempDir dir;
  testing::WriteFile(dir.File("e.jsonl"), "");
  ASSERT_EQ(RunHoso({"ingest", "--events", dir.File("e.jsonl"), "--db", dir.File("db")}).exit_code,
            0);
  auto result = RunHoso({"kpi", "--db", dir.File("db"), "--period", "1900"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("year 1900 is before 1970"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("is not YYYY-MM"), std::string::npos) << result.err;
}

TEST(CliErrorsTest, ASecondWriterIsToldTheDatabaseIsInUse) {
  TempDir dir;
  const std::string db = dir.File("db");
  testing::WriteFile(dir.File("e.jsonl"), "");
  ASSERT_EQ(RunHoso({"ingest", "--events", dir.File("e.jsonl"), "--db", db}).exit_code, 0);
  auto holder = connectors::RocksKvStore::Open(db);  // like a running `hoso serve`
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  auto result = RunHoso({"ingest", "--events", dir.File("e.jsonl"), "--db", db});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("in use by another hoso process"), std::string::npos) << result.err;
  // Readers are not locked out.
  EXPECT_EQ(RunHoso({"kpi", "--db", db, "--period", "2019"}).exit_code, 0);
}

// A reader opening the path while the database is being created sees either
// nothing or a database that already holds its projection version (`kpi` in
// the first milliseconds of a new database used to say "not a hoso database").
TEST(CliErrorsTest, ANewDatabaseAppearsOnlyOnceInitialized) {
  TempDir dir;
  const std::string db = dir.File("db");
  connectors::RocksOptions options;
  bool checked = false;
  options.initialize = [&](projections::KvStore& store) {
    // Mid-creation: nothing at the path yet, so a reader finds no database.
    EXPECT_FALSE(std::filesystem::exists(db));
    auto query = RunHoso({"kpi", "--db", db, "--period", "2019"});
    EXPECT_EQ(query.exit_code, 2);
    EXPECT_NE(query.err.find("no hoso database at"), std::string::npos) << query.err;
    checked = true;
    auto batch = store.NewBatch();
    batch->Put(projections::Column::kMeta, projections::kMetaProjection,
               projections::ProjectionTag());
    return store.Write(*batch);
  };
  auto store = connectors::RocksKvStore::Open(db, options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(checked);
  std::string tag;
  ASSERT_TRUE((*store)->Get(projections::Column::kMeta, projections::kMetaProjection, &tag).ok());
  EXPECT_EQ(tag, projections::ProjectionTag());
  store->reset();
  EXPECT_EQ(RunHoso({"kpi", "--db", db, "--period", "2019"}).exit_code, 0);
  // No staging directory is left behind.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

}  // namespace
}  // namespace hoso
