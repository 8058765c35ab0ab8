#include "base/log.h"

#include <time.h>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace helios::base {

namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<LogSink> g_sink{nullptr};
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};
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

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", u);
      out += buf;
    } else {
      out += c;  // UTF-8 passes through as it is
    }
  }
  out += '"';
}

void json_sink(LogLevel level, const char* component, const std::string& message) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  std::tm tm{};
  gmtime_r(&ts.tv_sec, &tm);
  char stamp[40];
  const std::size_t n = std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof(stamp) - n, ".%03ldZ", ts.tv_nsec / 1000000);
  const std::string line =
      json_log_line(level, component == nullptr ? "" : component, message, stamp);
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace

std::string json_log_line(LogLevel level, const std::string& component, const std::string& message,
                          const std::string& time) {
  std::string out = "{\"time\":";
  append_json_string(out, time);
  out += ",\"level\":\"";
  out += level_name(level);
  out += "\",\"component\":";
  append_json_string(out, component);
  out += ",\"msg\":";
  append_json_string(out, message);
  out += '}';
  return out;
}

void set_log_format(LogFormat format) {
  g_format = static_cast<int>(format);
}

bool parse_log_format(const std::string& name, LogFormat* format) {
  if (name == "text") {
    *format = LogFormat::kText;
  } else if (name == "json") {
    *format = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

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
  LogSink sink = g_sink.load();
  if (sink == nullptr && g_format.load() == static_cast<int>(LogFormat::kJson)) {
    json_sink(level, component, message);
    return;
  }
  std::string line;
  if (component != nullptr && component[0] != '\0') {
    line = std::string(level_tag(level)) + " " + component + ": " + message;
  } else {
    line = message;
  }
  (sink != nullptr ? sink : &default_sink)(level, line);
}

}  // namespace helios::base
