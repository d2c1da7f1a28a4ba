// libpq, loaded when first needed instead of linked: libpq.so.5 and the 18
// shared libraries only it needs (Kerberos, LDAP, GnuTLS, …; `ldd hoso`
// lists 44 with it linked, 25 without) take loading and relocation that
// cost every `hoso` process ~10 ms at start (measured: an empty program
// linked with hoso's other libraries starts in 27.6 ms, 37.7 ms with libpq
// too), while only the PostgreSQL sink and `hoso postgres` use it.
//
// The functions keep libpq's names and prototypes (from libpq-fe.h).
// Thread-safety: LoadLibPq may be called from any thread; the table it
// returns is immutable.
#ifndef HOSO_CONNECTORS_POSTGRES_LIBPQ_LIBRARY_H_
#define HOSO_CONNECTORS_POSTGRES_LIBPQ_LIBRARY_H_

#include <libpq-fe.h>

#include "engine/core/status.h"

namespace hoso::connectors::postgres {

struct LibPq {
  decltype(&::PQclear) PQclear;
  decltype(&::PQconnectdbParams) PQconnectdbParams;
  decltype(&::PQconninfoFree) PQconninfoFree;
  decltype(&::PQconninfoParse) PQconninfoParse;
  decltype(&::PQerrorMessage) PQerrorMessage;
  decltype(&::PQexec) PQexec;
  decltype(&::PQexecParams) PQexecParams;
  decltype(&::PQfinish) PQfinish;
  decltype(&::PQfreemem) PQfreemem;
  decltype(&::PQgetisnull) PQgetisnull;
  decltype(&::PQgetlength) PQgetlength;
  decltype(&::PQgetResult) PQgetResult;
  decltype(&::PQgetvalue) PQgetvalue;
  decltype(&::PQnfields) PQnfields;
  decltype(&::PQntuples) PQntuples;
  decltype(&::PQpingParams) PQpingParams;
  decltype(&::PQputCopyData) PQputCopyData;
  decltype(&::PQputCopyEnd) PQputCopyEnd;
  decltype(&::PQresultStatus) PQresultStatus;
  decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor;
  decltype(&::PQstatus) PQstatus;
};

// The loaded library (dlopen of libpq.so.5 on first call), or Unavailable
// naming the library and what to install.
core::Result<const LibPq*> LoadLibPq();

}  // namespace hoso::connectors::postgres

#endif  // HOSO_CONNECTORS_POSTGRES_LIBPQ_LIBRARY_H_
