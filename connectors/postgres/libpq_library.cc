#include "connectors/postgres/libpq_library.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace hoso::connectors::postgres {
namespace {

// The soname libpq-dev's libpq.so points to (Debian's libpq5).
constexpr char kLibraryName[] = "libpq.so.5";

template <typename Function>
bool Bind(void* handle, const char* name, Function* out, std::string* missing) {
  *out = reinterpret_cast<Function>(::dlsym(handle, name));
  if (*out == nullptr && missing->empty()) *missing = name;
  return *out != nullptr;
}

}  // namespace

core::Result<const LibPq*> LoadLibPq() {
  static LibPq library;
  static core::Status status = core::Status::Ok();
  static std::once_flag once;
  std::call_once(once, [] {
    // Never closed: the table lives as long as the process.
    void* handle = ::dlopen(kLibraryName, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* error = ::dlerror();
      status = core::Status::Unavailable(std::string("PostgreSQL: cannot load ") + kLibraryName +
                                         " (" + (error != nullptr ? error : "unknown error") +
                                         "); install Debian's libpq5");
      return;
    }
    std::string missing;
    Bind(handle, "PQclear", &library.PQclear, &missing);
    Bind(handle, "PQconnectdbParams", &library.PQconnectdbParams, &missing);
    Bind(handle, "PQconninfoFree", &library.PQconninfoFree, &missing);
    Bind(handle, "PQconninfoParse", &library.PQconninfoParse, &missing);
    Bind(handle, "PQerrorMessage", &library.PQerrorMessage, &missing);
    Bind(handle, "PQexec", &library.PQexec, &missing);
    Bind(handle, "PQexecParams", &library.PQexecParams, &missing);
    Bind(handle, "PQfinish", &library.PQfinish, &missing);
    Bind(handle, "PQfreemem", &library.PQfreemem, &missing);
    Bind(handle, "PQgetisnull", &library.PQgetisnull, &missing);
    Bind(handle, "PQgetlength", &library.PQgetlength, &missing);
    Bind(handle, "PQgetResult", &library.PQgetResult, &missing);
    Bind(handle, "PQgetvalue", &library.PQgetvalue, &missing);
    Bind(handle, "PQnfields", &library.PQnfields, &missing);
    Bind(handle, "PQntuples", &library.PQntuples, &missing);
    Bind(handle, "PQpingParams", &library.PQpingParams, &missing);
    Bind(handle, "PQputCopyData", &library.PQputCopyData, &missing);
    Bind(handle, "PQputCopyEnd", &library.PQputCopyEnd, &missing);
    Bind(handle, "PQresultStatus", &library.PQresultStatus, &missing);
    Bind(handle, "PQsetNoticeProcessor", &library.PQsetNoticeProcessor, &missing);
    Bind(handle, "PQstatus", &library.PQstatus, &missing);
    if (!missing.empty()) {
      status = core::Status::Unavailable(std::string("PostgreSQL: ") + kLibraryName + " has no " +
                                         missing + "; install Debian's libpq5");
    }
  });
  if (!status.ok()) return status;
  return &library;
}

}  // namespace hoso::connectors::postgres
