#pragma once
// Redis's long double rules for string values (INCRBYFLOAT). A value counts as a number if
// Redis's string2ld accepts it; the sum is stored back as Redis's "human friendly" text, so
// every replica holds the same bytes after the same increments.
//
// Determinism: the arithmetic is x86-64's 80-bit long double, parsing is glibc's strtold and
// formatting its snprintf: the same binary on the same libc gives the same bytes from the
// same inputs, which is what replicas of one build need. Replicas on different libcs or
// architectures (a rolling upgrade) could store different texts for the same INCRBYFLOAT;
// Redis avoids that by replicating INCRBYFLOAT as a SET of its result, which the leader
// could do too if that ever matters. Both functions read the C library's LC_NUMERIC locale
// for the decimal point: Helios never calls setlocale, so it stays "C" ('.'), as in Redis.
//
// Cost: glibc parses and prints exactly, in time that grows with the number's digits; a
// value near LDBL_MAX (4933 digits) takes about 6 ms to parse and print again (measured on
// the development machine), as it would in Redis. Ordinary values take about 2 us.
//
// Pure functions: no state beyond errno (thread-local, saved and restored).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace helios::atlas {

// The longest text parse_long_double looks at: Redis's MAX_LONG_DOUBLE_CHARS (5 KiB) minus
// its terminator. Room for every format_long_double result (the largest, near LDBL_MAX, has
// 4933 integer digits).
inline constexpr std::size_t kMaxLongDoubleBytes = 5 * 1024 - 1;

// The value of `text` as Redis's string2ld decides: 1..kMaxLongDoubleBytes bytes that
// strtold consumes entirely (decimal or hex, optional sign, exponent), with no leading
// space and no NUL byte; not NaN; not beyond the range (overflow) and not a nonzero number
// that underflows to zero. "inf" and "infinity" are accepted, as in Redis (their sums are
// refused later as "would produce NaN or Infinity"). Anything else: nullopt.
std::optional<long double> parse_long_double(std::string_view text);

// Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf", then trailing zeros after the '.' and
// a trailing '.' removed, and "-0" written "0". `value` must be finite (asserted).
// Examples: 10.6 -> "10.6", 5200 -> "5200", 1e-20 -> "0".
std::string format_long_double(long double value);

}  // namespace helios::atlas
