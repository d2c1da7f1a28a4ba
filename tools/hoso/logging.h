// The logging of a hoso process: every spdlog logger (the default one, named
// "hoso", and those of the modules, e.g. "kafka") writes one line per event
// to stderr, which systemd hands to the journal. Lines are text or, with
// `log.format: json` in serve's config, one JSON object per line
// (docs/operations.md "Logs"). Under the journal (systemd's JOURNAL_STREAM
// names stderr) a line starts with its syslog priority, "<4>" for a warning,
// which journald strips and records, so `journalctl -p warning` selects by
// level; the journal stamps the time, so text lines carry none there.
//
// Thread-safety: ConfigureLogging replaces formatters and levels of loggers
// other threads may be using; call it before starting them (at start-up).
#ifndef HOSO_TOOLS_HOSO_LOGGING_H_
#define HOSO_TOOLS_HOSO_LOGGING_H_

#include <spdlog/common.h>
#include <spdlog/formatter.h>

#include <memory>
#include <string_view>

#include "engine/core/status.h"

namespace hoso::tools {

enum class LogFormat { kText, kJson };

struct LogOptions {
  LogFormat format = LogFormat::kText;  // Default: text.
  // The most verbose level logged. Default: warn (quiet; -v is info).
  spdlog::level::level_enum level = spdlog::level::warn;
  // Prefix lines with their syslog priority and leave the time to the
  // journal. Default: whether stderr is the journal (JournalIsStderr()).
  bool journal = false;
};

// "text" or "json"; InvalidArgument otherwise.
core::Result<LogFormat> ParseLogFormat(std::string_view text);
// "error", "warn", "info" or "debug"; InvalidArgument otherwise.
core::Result<spdlog::level::level_enum> ParseLogLevel(std::string_view text);

// True when systemd connected stderr to the journal: JOURNAL_STREAM holds
// the device and inode of stderr (systemd.exec(5)).
bool JournalIsStderr();

// The formatter of every logger: a text line "2026-12-02T05:44:49.123Z
// warning kafka: message" (no time under the journal) or a JSON line
// {"time":...,"level":"warning","logger":"kafka","message":...}.
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format, bool journal);

// Makes "hoso" (stderr) the default logger and applies `options` to every
// logger, present and future. May be called again (serve does, once its
// config is read).
void ConfigureLogging(const LogOptions& options);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_LOGGING_H_
