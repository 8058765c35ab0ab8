#pragma once
// Logging: one process-wide sink, leveled, printf-style. In the text format lines look like
// the seed's ("2024/01/15 10:00:00 [INFO] raft: Raft node initialized nodeID=node-1 term=0")
// when the message carries a component prefix; plain lines ("Node node-1 started on ...")
// have no level tag. The JSON format writes one object per line, for journald and log
// shippers: {"time":"2024-01-15T10:00:00.123Z","level":"info","component":"raft",
// "msg":"..."} (component "" for plain lines; msg escaped as JSON strings are). The
// simulator and tests may install their own sink (it gets the text line). Thread-safe.

#include <cstdarg>
#include <string>

namespace helios::base {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat : int { kText = 0, kJson = 1 };

using LogSink = void (*)(LogLevel level, const std::string& line);

void set_log_level(LogLevel level);
LogLevel log_level();
// Replaces the sink (nullptr restores the default: stderr with a timestamp).
void set_log_sink(LogSink sink);
// Parses "debug", "info", "warn", "error". Returns false otherwise.
bool parse_log_level(const std::string& name, LogLevel* level);
void set_log_format(LogFormat format);
// Parses "text", "json". Returns false otherwise.
bool parse_log_format(const std::string& name, LogFormat* format);
// True if a message at `level` would be written (guards costly arguments).
inline bool log_enabled(LogLevel level) {
  return static_cast<int>(level) >= static_cast<int>(log_level());
}
// The JSON line of a message (no newline): exposed for tests.
std::string json_log_line(LogLevel level, const std::string& component, const std::string& message,
                          const std::string& time);

// "[INFO] component: message" (component may be empty: then no tag and no prefix).
void log(LogLevel level, const char* component, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace helios::base

#define HELIOS_LOG_INFO(component, ...) \
  ::helios::base::log(::helios::base::LogLevel::kInfo, component, __VA_ARGS__)
#define HELIOS_LOG_WARN(component, ...) \
  ::helios::base::log(::helios::base::LogLevel::kWarn, component, __VA_ARGS__)
#define HELIOS_LOG_ERROR(component, ...) \
  ::helios::base::log(::helios::base::LogLevel::kError, component, __VA_ARGS__)
#define HELIOS_LOG_DEBUG(component, ...) \
  ::helios::base::log(::helios::base::LogLevel::kDebug, component, __VA_ARGS__)
