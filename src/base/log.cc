#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace helios::base {

namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<LogSink> g_sink{nullptr};
std::mutex g_mutex;

const char* level_tag(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "[DEBUG]";
    case LogLevel::kInfo:
      return "[INFO]";
    case LogLevel::kWarn:
      return "[WARN]";
    case LogLevel::kError:
      return "[ERROR]";
  }
  return "[?]";
}

void default_sink(LogLevel, const std::string& line) {
  // The seed's format: "2024/01/15 10:00:00 message".
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y/%m/%d %H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "%s %s\n", stamp, line.c_str());
  std::fflush(stderr);
}

}  // namespace

void set_log_level(LogLevel level) {
  g_level = static_cast<int>(level);
}
LogLevel log_level() {
  return static_cast<LogLevel>(g_level.load());
}
void set_log_sink(LogSink sink) {
  g_sink = sink;
}

bool parse_log_level(const std::string& name, LogLevel* level) {
  if (name == "debug") {
    *level = LogLevel::kDebug;
  } else if (name == "info") {
    *level = LogLevel::kInfo;
  } else if (name == "warn") {
    *level = LogLevel::kWarn;
  } else if (name == "error") {
    *level = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

void log(LogLevel level, const char* component, const char* fmt, ...) {
  if (static_cast<int>(level) < g_level.load()) {
    return;
  }
  char message[2048];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(message, sizeof(message), fmt, args);
  va_end(args);
  std::string line;
  if (component != nullptr && component[0] != '\0') {
    line = std::string(level_tag(level)) + " " + component + ": " + message;
  } else {
    line = message;
  }
  LogSink sink = g_sink.load();
  (sink != nullptr ? sink : &default_sink)(level, line);
}

}  // namespace helios::base
