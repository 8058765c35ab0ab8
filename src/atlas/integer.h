#pragma once
// Redis's integer rules for string values (INCR, INCRBY, DECR, DECRBY). A value is a byte
// string; it counts as an integer only in the canonical decimal form Redis's string2ll
// accepts, and a counter is always stored back in that form, so every replica holds the same
// bytes after the same increments.
//
// Pure functions: no allocation except format_int64's result, no locale, no errno.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace helios::atlas {

// The longest canonical int64: "-9223372036854775808" (20 bytes). Redis rejects any input of
// LONG_STR_SIZE (21) bytes or more before looking at it; longer input can only overflow.
inline constexpr std::size_t kMaxInt64DecimalBytes = 20;

// The value of `text` if it is a canonical decimal int64, as Redis's string2ll decides:
// an optional '-' then digits, the first of them 1-9 unless the whole text is "0"; no '+',
// no spaces, no leading zeros, no "-0", no empty text, nothing after the digits, and within
// [INT64_MIN, INT64_MAX]. Anything else: nullopt.
std::optional<std::int64_t> parse_int64(std::string_view text);

// The canonical decimal form of `value` (parse_int64(format_int64(v)) == v for every v).
std::string format_int64(std::int64_t value);

// a + b, or nullopt if the sum does not fit in an int64 (Redis's "increment or decrement
// would overflow" test).
std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b);

}  // namespace helios::atlas
