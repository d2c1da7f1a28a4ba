// Issue 8, defect 3: a full disk must stop `hoso ingest` with a clear
// message (never a RocksDB assertion), and a run with room must then finish
// with the figures of an uninterrupted run. The small filesystem is a tmpfs
// mounted for the test, which needs root; elsewhere the test is skipped.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::TempDir;

// A tmpfs of `mib` MiB at `path`, unmounted by the destructor.
class SmallFilesystem {
 public:
  SmallFilesystem(const std::string& path, int mib) : path_(path) {
    std::filesystem::create_directories(path_);
    const std::string options = "size=" + std::to_string(mib) + "m";
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallFilesystem() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

std::string Kpi(const std::string& db) {
  auto kpi = RunHoso({"kpi", "--db", db, "--period", "2019", "--format", "json"});
  EXPECT_EQ(kpi.exit_code, 0) << kpi.err;
  return kpi.out;
}

TEST(DiskFullTest, IngestStopsWithAClearMessageAndResumesToTheSameFigures) {
  TempDir dir;
  SmallFilesystem small(dir.File("small"), 48);
  if (!small.mounted()) {
    GTEST_SKIP() << "mounting a tmpfs needs root (CAP_SYS_ADMIN); the disk-full test is skipped";
  }
  const std::string events = dir.File("events.jsonl");
  ASSERT_EQ(RunHoso({"loadgen", "--out", events, "--seed", "5", "--dossiers", "20000"}).exit_code,
            0);
  const std::string reference_db = dir.File("reference-db");
  ASSERT_EQ(RunHoso({"ingest", "--events", events, "--db", reference_db}).exit_code, 0);

  // 26 MiB of the 48 taken by another file: the database runs out of room
  // (its write-ahead log alone grows to ~14 MiB here).
  const std::string filler = dir.File("small/filler");
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string mib(1 << 20, 'x');
    for (int i = 0; i < 26; ++i) out << mib;
  }
  const std::string db = dir.File("small/db");
  auto full = RunHoso({"ingest", "--events", events, "--db", db, "--min-free-disk-mb", "16"});
  EXPECT_EQ(full.exit_code, 1) << full.err;
  EXPECT_NE(full.err.find("no space left on device"), std::string::npos) << full.err;
  EXPECT_NE(full.err.find("Free at least"), std::string::npos) << full.err;
  EXPECT_EQ(full.err.find("Assertion"), std::string::npos) << full.err;

  // Room again: the run resumes and ends with the uninterrupted figures.
  std::filesystem::remove(filler);
  auto resumed = RunHoso({"ingest", "--events", events, "--db", db, "--min-free-disk-mb", "16"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resumed at byte"), std::string::npos) << resumed.out;
  EXPECT_EQ(Kpi(db), Kpi(reference_db));
  auto verify = RunHoso({"verify", "--db", db});
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
}

}  // namespace
}  // namespace hoso
