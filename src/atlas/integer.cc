#include "atlas/integer.h"

#include <charconv>
#include <limits>

#include "base/assert.h"

namespace helios::atlas {

std::optional<std::int64_t> parse_int64(std::string_view text) {
  if (text.empty() || text.size() > kMaxInt64DecimalBytes) {
    return std::nullopt;
  }
  if (text == "0") {
    return 0;
  }
  const bool negative = text.front() == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  // The first digit is 1-9: this rules out "", "-", "-0", leading zeros, '+' and spaces.
  if (digits.empty() || digits.front() < '1' || digits.front() > '9') {
    return std::nullopt;
  }
  // Accumulate the magnitude as uint64 (20 digits at most fit after the overflow checks).
  std::uint64_t magnitude = 0;
  constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
  for (const char c : digits) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (magnitude > (kU64Max - digit) / 10) {
      return std::nullopt;
    }
    magnitude = magnitude * 10 + digit;
  }
  constexpr auto kMaxPositive =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!negative) {
    if (magnitude > kMaxPositive) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(magnitude);
  }
  if (magnitude > kMaxPositive + 1) {
    return std::nullopt;
  }
  // Two's complement negation in uint64, then a well-defined conversion (C++20).
  return static_cast<std::int64_t>(~magnitude + 1);
}

std::string format_int64(std::int64_t value) {
  char buf[kMaxInt64DecimalBytes];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), value);
  HELIOS_ASSERT(r.ec == std::errc());
  return std::string(buf, r.ptr);
}

std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return std::nullopt;
  }
  return sum;
}

}  // namespace helios::atlas
