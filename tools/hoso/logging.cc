#include "tools/hoso/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

namespace hoso::tools {
namespace {

// syslog(3) priorities, which journald reads from a "<N>" line prefix.
int SyslogPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return 2;
    case spdlog::level::err:
      return 3;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::info:
      return 6;
    default:
      return 7;
  }
}

// UTC with milliseconds: 2026-12-02T05:44:49.123Z.
std::string Timestamp(spdlog::log_clock::time_point time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];  // room for any int the compiler cannot bound
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return text;
}

class LineFormatter final : public spdlog::formatter {
 public:
  LineFormatter(LogFormat format, bool journal) : format_(format), journal_(journal) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    if (journal_) line.append("<").append(std::to_string(SyslogPriority(msg.level))).append(">");
    const spdlog::string_view_t level_name = spdlog::level::to_string_view(msg.level);
    const std::string_view level(level_name.data(), level_name.size());
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    std::string message(msg.payload.data(), msg.payload.size());
    // One event, one line: a message's own line breaks would split it.
    for (char& c : message) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    if (format_ == LogFormat::kJson) {
      nlohmann::ordered_json json;
      json["time"] = Timestamp(msg.time);
      json["level"] = std::string(level);
      json["logger"] = std::string(logger);
      json["message"] = message;
      // Invalid UTF-8 (e.g. a broker's error text) is replaced, never thrown on.
      line.append(json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      if (!journal_) line.append(Timestamp(msg.time)).append(" ");
      line.append(level).append(" ").append(logger).append(": ").append(message);
    }
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_, journal_);
  }

 private:
  LogFormat format_;
  bool journal_;
};

}  // namespace

core::Result<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return core::Status::InvalidArgument("log format must be \"text\" or \"json\", got '" +
                                       std::string(text) + "'");
}

core::Result<spdlog::level::level_enum> ParseLogLevel(std::string_view text) {
  if (text == "error") return spdlog::level::err;
  if (text == "warn") return spdlog::level::warn;
  if (text == "info") return spdlog::level::info;
  if (text == "debug") return spdlog::level::debug;
  return core::Status::InvalidArgument("log level must be error, warn, info or debug, got '" +
                                       std::string(text) + "'");
}

bool JournalIsStderr() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  uintmax_t device = 0;
  uintmax_t inode = 0;
  if (std::sscanf(stream, "%" SCNuMAX ":%" SCNuMAX, &device, &inode) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<uintmax_t>(st.st_dev) == device && static_cast<uintmax_t>(st.st_ino) == inode;
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format, bool journal) {
  return std::make_unique<LineFormatter>(format, journal);
}

void ConfigureLogging(const LogOptions& options) {
  static const std::shared_ptr<spdlog::logger> hoso = [] {
    auto existing = spdlog::get("hoso");
    return existing ? existing : spdlog::stderr_logger_mt("hoso");
  }();
  spdlog::set_default_logger(hoso);
  // The registry applies these to every registered logger and clones them
  // into loggers created later (a module's logger made on first use).
  spdlog::set_formatter(MakeLogFormatter(options.format, options.journal));
  spdlog::set_level(options.level);
}

}  // namespace hoso::tools
