// PgConnection: one libpq connection, owned, with the few operations the BI
// sink and `hoso postgres init` need: run SQL, read rows, COPY text rows in.
// libpq stays inside this module (docs/bi.md).
//
// Passwords: a DSN may name one, but the documented way is libpq's own
// environment (PGPASSWORD, or a ~/.pgpass file), so it never sits in a
// config file. RedactDsn removes it before anything is logged or shown.
//
// Thread-safety: one thread uses a connection.
#ifndef HOSO_CONNECTORS_POSTGRES_PG_CONNECTION_H_
#define HOSO_CONNECTORS_POSTGRES_PG_CONNECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"

struct pg_conn;

namespace hoso::connectors::postgres {

// The DSN (libpq connection string or URI) with its password removed,
// as "key=value ..." pairs; InvalidArgument when libpq cannot parse it.
core::Result<std::string> RedactDsn(const std::string& dsn);

// Whether a server answers at the DSN's address (PQping): kUp also when it
// would refuse these credentials (the connection attempt says why).
enum class Reachability { kUp, kDown, kBadDsn };
Reachability Ping(const std::string& dsn, int connect_timeout_s);

// One text row of a query's result: nullopt for SQL NULL.
using Row = std::vector<std::optional<std::string>>;

class PgConnection {
 public:
  // Connects (application_name "hoso"; `connect_timeout_s` unless the DSN
  // sets connect_timeout). InvalidArgument for a DSN libpq cannot parse;
  // Unavailable when the server does not answer; InvalidArgument when it
  // answers but refuses (password, unknown database or role), with the
  // server's message.
  static core::Result<std::unique_ptr<PgConnection>> Connect(const std::string& dsn,
                                                             int connect_timeout_s);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more statements without parameters.
  core::Status Exec(const std::string& sql);
  // Runs one statement with text parameters and returns its rows.
  core::Result<std::vector<Row>> Query(const std::string& sql,
                                       const std::vector<std::string>& params = {});
  // Runs `copy_sql` (COPY ... FROM STDIN, text format) and sends `data`,
  // rows already escaped (AppendCopyField).
  core::Status CopyIn(const std::string& copy_sql, std::string_view data);
  // False once the connection is lost; the caller then drops it.
  bool healthy() const;

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  // The failure of the last command: Unavailable when the connection is
  // gone (retry on a new one), else InvalidArgument with the server's
  // message.
  core::Status Failure(std::string_view what) const;

  pg_conn* conn_;
};

// Appends one field of a COPY text row to *line: tab-separated (`first`
// false adds the tab), backslash, tab, newline and carriage return escaped.
void AppendCopyField(std::string* line, std::string_view value, bool first = false);
// \N: SQL NULL in a COPY text row.
void AppendCopyNull(std::string* line, bool first = false);

}  // namespace hoso::connectors::postgres

#endif  // HOSO_CONNECTORS_POSTGRES_PG_CONNECTION_H_
