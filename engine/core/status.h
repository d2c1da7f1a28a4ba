// Status and Result<T>: expected failures as values.
//
// Every fallible function in hoso returns a Status (no value) or a Result<T>
// (a value or a Status). Both are [[nodiscard]]: ignoring one on purpose takes
// an explicit, greppable IgnoreError("why"). Exceptions never cross a module
// boundary; adapters that call throwing third-party code convert at the edge.
//
// Thread-safety: plain values; safe to copy between threads.
#ifndef HOSO_ENGINE_CORE_STATUS_H_
#define HOSO_ENGINE_CORE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace hoso::core {

// What the caller should do about a failure (docs/conventions.md rule 10).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from a user or a record: reject, do not retry
  kNotFound,         // a looked-up thing is absent
  kOutOfRange,       // e.g. a date outside the known calendar years
  kCorruption,       // stored data does not match what we wrote
  kIOError,          // disk or network failure: may be retried
  kVersionMismatch,  // data written by another projection version
  kUnavailable,      // a remote service is down: retry with back-off
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status OutOfRange(std::string message) {
    return Status(StatusCode::kOutOfRange, std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(StatusCode::kCorruption, std::move(message));
  }
  static Status IOError(std::string message) {
    return Status(StatusCode::kIOError, std::move(message));
  }
  static Status VersionMismatch(std::string message) {
    return Status(StatusCode::kVersionMismatch, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

  // Drops the status on purpose. `why` documents the decision at the call site.
  void IgnoreError(std::string_view why) const { (void)why; }

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

std::string_view StatusCodeName(StatusCode code);

inline std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

inline std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "Invalid argument";
    case StatusCode::kNotFound:
      return "Not found";
    case StatusCode::kOutOfRange:
      return "Out of range";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kIOError:
      return "IO error";
    case StatusCode::kVersionMismatch:
      return "Version mismatch";
    case StatusCode::kUnavailable:
      return "Unavailable";
  }
  return "Unknown";
}

// A value of T or a failed Status. REQUIRES: value() only when ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T& value() & {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  void IgnoreError(std::string_view why) const { (void)why; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace hoso::core

// Returns early from the enclosing function when `expr` (a Status) failed.
#define HOSO_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::hoso::core::Status hoso_status_ = (expr);  \
    if (!hoso_status_.ok()) return hoso_status_; \
  } while (0)

#endif  // HOSO_ENGINE_CORE_STATUS_H_
