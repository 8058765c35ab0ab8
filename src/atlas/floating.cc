#include "atlas/floating.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/assert.h"

namespace helios::atlas {

namespace {

// What isspace() accepts in the "C" locale.
bool is_c_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

std::optional<long double> parse_long_double(std::string_view text) {
  if (text.empty() || text.size() > kMaxLongDoubleBytes || is_c_space(text.front())) {
    return std::nullopt;
  }
  // strtold needs a terminator; a NUL inside `text` stops it early, which the length check
  // below turns into a refusal.
  const std::string buffer(text);
  const int saved_errno = errno;
  errno = 0;
  char* end = nullptr;
  const long double value = std::strtold(buffer.c_str(), &end);
  const int error = errno;
  errno = saved_errno;
  if (end != buffer.c_str() + buffer.size() || std::isnan(value) || error == EINVAL) {
    return std::nullopt;
  }
  // ERANGE: an overflow returns +-HUGE_VALL, an underflow a tiny or zero value. Redis keeps
  // the tiny (subnormal) ones and refuses the rest.
  if (error == ERANGE && (std::isinf(value) || value == 0.0L)) {
    return std::nullopt;
  }
  return value;
}

std::string format_long_double(long double value) {
  HELIOS_ASSERT(std::isfinite(value));
  char small[64];
  const int wanted = std::snprintf(small, sizeof(small), "%.17Lf", value);
  HELIOS_ASSERT(wanted > 0);
  std::string out;
  if (static_cast<std::size_t>(wanted) < sizeof(small)) {
    out.assign(small, static_cast<std::size_t>(wanted));
  } else {
    out.resize(static_cast<std::size_t>(wanted) + 1);
    const int written = std::snprintf(out.data(), out.size(), "%.17Lf", value);
    HELIOS_ASSERT(written == wanted);
    out.resize(static_cast<std::size_t>(wanted));
  }
  HELIOS_ASSERT(out.size() <= kMaxLongDoubleBytes);
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') {
      out.pop_back();
    }
    if (out.back() == '.') {
      out.pop_back();
    }
  }
  if (out == "-0") {
    out = "0";
  }
  return out;
}

}  // namespace helios::atlas
