// PostgresCluster: a private PostgreSQL 15 cluster for one test, like any
// integration test with a real database (never a mock): `initdb` in a fresh
// temp directory, the server listening on a Unix socket in that directory
// only (no TCP), stopped with `pg_ctl stop -m immediate` and removed by the
// destructor. As root, initdb and postgres refuse to run, so they run as
// the `postgres` user (runuser) in a directory it owns.
//
// Thread-safety: one thread uses a cluster.
#ifndef HOSO_TESTS_TESTING_POSTGRES_CLUSTER_H_
#define HOSO_TESTS_TESTING_POSTGRES_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

namespace hoso::testing {

class PostgresCluster {
 public:
  // Starts a cluster (superuser hoso_test, trust authentication, fsync off:
  // the machine does not crash during a test). nullptr with *error set when
  // it cannot (PostgreSQL 15 missing: run tools/install-deps).
  static std::unique_ptr<PostgresCluster> Start(std::string* error);
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // A libpq DSN for `database` on this cluster's socket.
  std::string Dsn(const std::string& database) const;
  // CREATE DATABASE; false (with the message in *error) on failure.
  bool CreateDatabase(const std::string& database, std::string* error);
  // Runs `sql` with psql on `database`: unaligned, tuples only, '|'
  // between fields, one row per line. The output, or "error: ..." on failure.
  std::string Psql(const std::string& database, const std::string& sql) const;
  // Stops the server (pg_ctl stop -m fast) and starts it again (-w waits
  // until it accepts connections). True on success.
  bool Stop();
  bool Restart();
  const std::string& directory() const { return directory_; }

 private:
  PostgresCluster() = default;
  // Runs a PostgreSQL program as the cluster's owner; its exit code and
  // output in *output.
  int Run(const std::string& program, const std::vector<std::string>& args,
          std::string* output) const;

  std::string directory_;
  bool as_postgres_user_ = false;
  bool running_ = false;
};

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_POSTGRES_CLUSTER_H_
