#include "base/assert.h"

#include <cstdarg>

#include <string>

namespace helios::base {

namespace {
FailureHandler g_failure_handler = nullptr;

[[noreturn]] void fail(const std::string& description) {
  if (g_failure_handler != nullptr) {
    g_failure_handler(description.c_str());
  }
  std::fprintf(stderr, "%s\n", description.c_str());
  std::fflush(stderr);
  std::abort();
}
}  // namespace

void set_failure_handler(FailureHandler handler) {
  g_failure_handler = handler;
}

void assert_fail(const char* file, int line, const char* cond, const char* msg) {
  std::string d =
      "ASSERTION FAILED at " + std::string(file) + ":" + std::to_string(line) + ": " + cond;
  if (msg != nullptr) {
    d += ": ";
    d += msg;
  }
  fail(d);
}

void panic(const char* file, int line, const char* fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  fail("PANIC at " + std::string(file) + ":" + std::to_string(line) + ": " + buf);
}

}  // namespace helios::base
