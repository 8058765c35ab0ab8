#pragma once
// Always-on assertions (they ignore NDEBUG) and PANIC.
//
// Three error classes (docs/architecture.md coding habit 4):
//   - a programmer bug: HELIOS_ASSERT, always on, aborts with file, line and condition;
//   - an expected failure (bad input, not leader): a Status / Result, never an assert;
//   - an environment that can no longer be trusted (failed fsync, corrupt record): PANIC.

#include <cstdio>
#include <cstdlib>

namespace helios::base {

// Called with a one-line description before the process aborts. The simulator installs a
// handler that throws, so that a planted bug's broken invariant fails one seed instead of
// the whole run. Production code never installs one. Not thread-safe: set it at startup.
using FailureHandler = void (*)(const char* description);
void set_failure_handler(FailureHandler handler);

[[noreturn]] void assert_fail(const char* file, int line, const char* cond, const char* msg);
[[noreturn]] void panic(const char* file, int line, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace helios::base

#define HELIOS_ASSERT(cond)                                            \
  do {                                                                 \
    if (!(cond)) [[unlikely]] {                                        \
      ::helios::base::assert_fail(__FILE__, __LINE__, #cond, nullptr); \
    }                                                                  \
  } while (0)

#define HELIOS_ASSERT_MSG(cond, msg)                                 \
  do {                                                               \
    if (!(cond)) [[unlikely]] {                                      \
      ::helios::base::assert_fail(__FILE__, __LINE__, #cond, (msg)); \
    }                                                                \
  } while (0)

#define HELIOS_PANIC(...) ::helios::base::panic(__FILE__, __LINE__, __VA_ARGS__)
