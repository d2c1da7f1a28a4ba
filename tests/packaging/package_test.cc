// The Debian package (packaging/cpack.cmake): built from this build tree with
// cpack, its control data and file list checked with dpkg-deb, its files
// unpacked into a scratch root (the binary runs from there, the unit passes
// `systemd-analyze verify`), and, where the test may change the machine
// (root and HOSO_TEST_INSTALL_PACKAGE=1: a throwaway container or CI
// machine), installed with apt, run as the hoso user, and purged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::CommandResult;
using testing::RunProgram;
using testing::TempDir;

CommandResult Shell(const std::string& script, const std::vector<std::string>& args = {}) {
  std::vector<std::string> words = {"-c", script, "sh"};
  words.insert(words.end(), args.begin(), args.end());
  return RunProgram("/bin/sh", words, {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"});
}

// Builds the package into `dir`; returns its path ("" on failure, with the
// reason in `log`).
std::string BuildPackage(const std::string& dir, std::string* log) {
  auto built =
      RunProgram(HOSO_CPACK_COMMAND,
                 {"--config", std::string(HOSO_BINARY_DIR) + "/CPackConfig.cmake", "-B", dir});
  *log = built.out + built.err;
  if (built.exit_code != 0) return "";
  const std::string deb = dir + "/hoso_" + std::string(HOSO_PROJECT_VERSION) + "_amd64.deb";
  return std::filesystem::exists(deb) ? deb : "";
}

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deb_ = BuildPackage(dir_.File("out"), &log_);
    ASSERT_FALSE(deb_.empty()) << log_;
  }
  TempDir dir_;
  std::string deb_;
  std::string log_;
};

TEST_F(PackageTest, ControlDataNamesDebian12LibrariesAndTheConffile) {
  auto info = RunProgram("/usr/bin/dpkg-deb", {"-I", deb_});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find(" Package: hoso\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find(" Architecture: amd64\n"), std::string::npos) << info.out;
  const size_t at = info.out.find(" Depends: ");
  ASSERT_NE(at, std::string::npos) << info.out;
  const std::string depends = info.out.substr(at, info.out.find('\n', at) - at);
  // From dpkg-shlibdeps on the binary, plus adduser for postinst and libpq5
  // (loaded with dlopen by the PostgreSQL sink). RocksDB is linked into the
  // binary (HOSO_STATIC_ROCKSDB): the compression libraries it uses are
  // dependencies, librocksdb is not.
  for (const char* library : {"librdkafka1", "libsimdjson14", "libstdc++6", "libc6", "libspdlog1",
                              "libfmt9", "libsnappy1v5", "libzstd1", "adduser", "libpq5"}) {
    EXPECT_NE(depends.find(library), std::string::npos) << library << " in" << depends;
  }
  EXPECT_EQ(depends.find("librocksdb"), std::string::npos) << depends;
  TempDir control;
  ASSERT_EQ(RunProgram("/usr/bin/dpkg-deb", {"-e", deb_, control.File("DEBIAN")}).exit_code, 0);
  EXPECT_EQ(testing::ReadFile(control.File("DEBIAN/conffiles")), "/etc/hoso/hoso.json\n");
  for (const char* script : {"postinst", "prerm", "postrm"}) {
    const std::string path = control.File(std::string("DEBIAN/") + script);
    EXPECT_EQ(Shell("sh -n \"$1\"", {path}).exit_code, 0) << script;
    EXPECT_EQ(::access(path.c_str(), X_OK), 0) << script;
  }
  EXPECT_NE(testing::ReadFile(control.File("DEBIAN/postinst")).find("adduser --system"),
            std::string::npos);
}

TEST_F(PackageTest, FilesLandWhereDebianServicesKeepThem) {
  auto list = RunProgram("/usr/bin/dpkg-deb", {"-c", deb_});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (const char* path :
       {" ./usr/bin/hoso\n", " ./etc/hoso/hoso.json\n", " ./usr/lib/systemd/system/hoso.service\n",
        " ./usr/share/man/man1/hoso.1.gz\n", " ./usr/share/bash-completion/completions/hoso\n",
        " ./usr/share/hoso/reference/calendar-vn.json\n",
        " ./usr/share/hoso/schemas/alert.schema.json\n", " ./usr/share/doc/hoso/operations.md\n"}) {
    EXPECT_NE(list.out.find(path), std::string::npos) << path << list.out;
  }
  EXPECT_EQ(list.out.find("/usr/local"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("./usr/etc"), std::string::npos) << list.out;

  // Unpacked into a scratch root: the binary runs, the unit verifies.
  const std::string root = dir_.File("root");
  ASSERT_EQ(RunProgram("/usr/bin/dpkg", {"-x", deb_, root}).exit_code, 0);
  auto version = RunProgram(root + "/usr/bin/hoso", {"--version"});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(version.out.rfind(std::string("hoso ") + HOSO_PROJECT_VERSION, 0), 0u) << version.out;
  const std::string unit = testing::ReadFile(root + "/usr/lib/systemd/system/hoso.service");
  EXPECT_NE(unit.find("\nExecStart=/usr/bin/hoso serve --config /etc/hoso/hoso.json\n"),
            std::string::npos)
      << unit;
  if (!std::filesystem::exists("/usr/bin/systemd-analyze")) {
    GTEST_SKIP() << "no systemd-analyze (Debian: systemd) to verify the unit";
  }
  // The unit as installed, its ExecStart pointed at the unpacked binary (a
  // verify --root would also need systemd's own units in the root); the man
  // page it names is not installed on this machine, so man: checks are off.
  std::string local_unit = unit;
  const std::string exec = "ExecStart=/usr/bin/hoso";
  local_unit.replace(local_unit.find(exec), exec.size(), "ExecStart=" + root + "/usr/bin/hoso");
  const std::string unit_path = dir_.File("hoso.service");
  testing::WriteFile(unit_path, local_unit);
  auto verified = RunProgram("/usr/bin/systemd-analyze", {"verify", "--man=no", unit_path});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// Changes the machine: only as root and when asked (HOSO_TEST_INSTALL_PACKAGE=1),
// decided before the package is built.
class PackageInstallTest : public PackageTest {
 protected:
  void SetUp() override {
    const char* allowed = std::getenv("HOSO_TEST_INSTALL_PACKAGE");
    if (::geteuid() != 0 || allowed == nullptr || std::string(allowed) != "1") {
      GTEST_SKIP() << "installing the package changes this machine: run as root with "
                      "HOSO_TEST_INSTALL_PACKAGE=1 in a throwaway environment";
    }
    if (std::filesystem::exists("/usr/bin/hoso")) {
      GTEST_SKIP() << "/usr/bin/hoso exists already: not touching an installed hoso";
    }
    PackageTest::SetUp();
  }
};

TEST_F(PackageInstallTest, InstallsRunsAsTheHosoUserAndPurges) {
  auto installed = Shell("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \"$1\"", {deb_});
  ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;
  auto version = RunProgram("/usr/bin/hoso", {"--version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(Shell("getent passwd hoso").exit_code, 0);
  EXPECT_EQ(Shell("test \"$(stat -c %U /var/lib/hoso)\" = hoso").exit_code, 0);
  auto verified =
      RunProgram("/usr/bin/systemd-analyze", {"verify", "/usr/lib/systemd/system/hoso.service"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  // serve reads the installed config as the hoso user and starts (the
  // default broker 127.0.0.1:9092 need not answer: librdkafka retries);
  // SIGTERM ends it with exit 0. setpriv execs serve itself (runuser would
  // stay in between and exit 143 on the signal).
  auto serve = Shell(
      "setpriv --reuid=hoso --regid=hoso --init-groups /usr/bin/hoso serve --config "
      "/etc/hoso/hoso.json --http 127.0.0.1:0 & "
      "pid=$!; for i in $(seq 1 100); do [ -e /var/lib/hoso/db/CURRENT ] && break; "
      "sleep 0.1; done; kill -TERM $pid; wait $pid");
  EXPECT_EQ(serve.exit_code, 0) << serve.out << serve.err;
  EXPECT_TRUE(std::filesystem::exists("/var/lib/hoso/db/CURRENT"));
  auto purged = Shell("DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq hoso");
  EXPECT_EQ(purged.exit_code, 0) << purged.out << purged.err;
  EXPECT_FALSE(std::filesystem::exists("/usr/bin/hoso"));
  EXPECT_FALSE(std::filesystem::exists("/etc/hoso/hoso.json"));
  // The database and the user are kept on purge (postrm says so); this
  // throwaway test removes them.
  Shell("rm -rf /var/lib/hoso; deluser --quiet --system hoso");
}

}  // namespace
}  // namespace hoso
