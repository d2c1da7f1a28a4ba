#include "connectors/postgres/pg_connection.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstring>

#include "connectors/postgres/libpq_library.h"
#include "connectors/postgres/logger.h"

namespace hoso::connectors::postgres {
namespace {

// The loaded libpq. REQUIRES: LoadLibPq() succeeded (a connection or a
// parsed DSN exists only then).
const LibPq& Pq() { return **LoadLibPq(); }

struct ResultDeleter {
  void operator()(PGresult* result) const { Pq().PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct ConninfoDeleter {
  void operator()(PQconninfoOption* options) const { Pq().PQconninfoFree(options); }
};

// libpq's messages end with a newline; ours do not.
std::string Trimmed(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

spdlog::logger& Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("postgres");
    if (existing) return existing;
    auto created = spdlog::stderr_color_mt("postgres");
    created->set_level(spdlog::get_level());
    return created;
  }();
  return *logger;
}

core::Result<std::string> RedactDsn(const std::string& dsn) {
  if (auto loaded = LoadLibPq(); !loaded.ok()) return loaded.status();
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(
      Pq().PQconninfoParse(dsn.c_str(), &error));
  if (options == nullptr) {
    // The message may quote the DSN; it is not shown, in case it holds a
    // password.
    std::string message = error != nullptr ? Trimmed(error) : "out of memory";
    Pq().PQfreemem(error);
    const bool quotes = message.find('"') != std::string::npos;
    return core::Status::InvalidArgument("PostgreSQL DSN does not parse" +
                                         (quotes ? std::string() : ": " + message));
  }
  std::string out;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr || o->val[0] == '\0') continue;
    if (std::strcmp(o->keyword, "password") == 0) continue;
    if (!out.empty()) out += ' ';
    out += o->keyword;
    out += '=';
    out += o->val;
  }
  return out;
}

Reachability Ping(const std::string& dsn, int connect_timeout_s) {
  if (!LoadLibPq().ok()) return Reachability::kDown;
  const std::string timeout = std::to_string(connect_timeout_s);
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), dsn.c_str(), nullptr};
  switch (Pq().PQpingParams(keywords, values, /*expand_dbname=*/1)) {
    case PQPING_OK:
    case PQPING_REJECT:
      return Reachability::kUp;
    case PQPING_NO_RESPONSE:
      return Reachability::kDown;
    case PQPING_NO_ATTEMPT:
      return Reachability::kBadDsn;
  }
  return Reachability::kDown;
}

core::Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& dsn,
                                                                  int connect_timeout_s) {
  auto redacted = RedactDsn(dsn);
  if (!redacted.ok()) return redacted.status();
  // Ours first: what the DSN itself says wins (expand_dbname).
  const std::string timeout = std::to_string(connect_timeout_s);
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "hoso", dsn.c_str(), nullptr};
  PGconn* conn = Pq().PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return core::Status::Unavailable("PostgreSQL: out of memory");
  if (Pq().PQstatus(conn) != CONNECTION_OK) {
    std::string message = Trimmed(Pq().PQerrorMessage(conn));
    Pq().PQfinish(conn);
    if (Ping(dsn, connect_timeout_s) == Reachability::kDown) {
      return core::Status::Unavailable("PostgreSQL at " + *redacted +
                                       " does not answer: " + message);
    }
    return core::Status::InvalidArgument("PostgreSQL at " + *redacted +
                                         " refused the connection: " + message);
  }
  // Quiet: NOTICEs (e.g. "relation already exists, skipping") are not news.
  Pq().PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { Pq().PQfinish(conn_); }

bool PgConnection::healthy() const { return Pq().PQstatus(conn_) == CONNECTION_OK; }

core::Status PgConnection::Failure(std::string_view what) const {
  std::string message = std::string(what) + ": " + Trimmed(Pq().PQerrorMessage(conn_));
  if (!healthy()) return core::Status::Unavailable("PostgreSQL connection lost; " + message);
  return core::Status::InvalidArgument("PostgreSQL " + message);
}

core::Status PgConnection::Exec(const std::string& sql) {
  ResultPtr result(Pq().PQexec(conn_, sql.c_str()));
  const ExecStatusType status = result ? Pq().PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Failure("statement failed");
  return core::Status::Ok();
}

core::Result<std::vector<Row>> PgConnection::Query(const std::string& sql,
                                                   const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  ResultPtr result(Pq().PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                     values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = result ? Pq().PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Failure("query failed");
  std::vector<Row> rows;
  const int n = Pq().PQntuples(result.get());
  const int columns = Pq().PQnfields(result.get());
  rows.reserve(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    Row row;
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (Pq().PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(Pq().PQgetvalue(result.get(), r, c),
                                     static_cast<size_t>(Pq().PQgetlength(result.get(), r, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

core::Status PgConnection::CopyIn(const std::string& copy_sql, std::string_view data) {
  ResultPtr started(Pq().PQexec(conn_, copy_sql.c_str()));
  if (!started || Pq().PQresultStatus(started.get()) != PGRES_COPY_IN)
    return Failure("COPY failed");
  // Sent in pieces: libpq buffers what it is given, so one call would copy
  // the whole payload once more.
  constexpr size_t kPieceBytes = size_t{1} << 20;
  for (size_t at = 0; at < data.size(); at += kPieceBytes) {
    const size_t length = std::min(kPieceBytes, data.size() - at);
    if (Pq().PQputCopyData(conn_, data.data() + at, static_cast<int>(length)) != 1) {
      return Failure("COPY data failed");
    }
  }
  if (Pq().PQputCopyEnd(conn_, nullptr) != 1) return Failure("COPY end failed");
  core::Status status = core::Status::Ok();
  while (ResultPtr result{Pq().PQgetResult(conn_)}) {
    if (Pq().PQresultStatus(result.get()) != PGRES_COMMAND_OK && status.ok()) {
      status = Failure("COPY failed");
    }
  }
  return status;
}

void AppendCopyField(std::string* line, std::string_view value, bool first) {
  if (!first) line->push_back('\t');
  for (char c : value) {
    switch (c) {
      case '\\':
        line->append("\\\\");
        break;
      case '\t':
        line->append("\\t");
        break;
      case '\n':
        line->append("\\n");
        break;
      case '\r':
        line->append("\\r");
        break;
      default:
        line->push_back(c);
    }
  }
}

void AppendCopyNull(std::string* line, bool first) {
  if (!first) line->push_back('\t');
  line->append("\\N");
}

}  // namespace hoso::connectors::postgres
