#pragma once
// Fixed-width lowercase hexadecimal, as used in file names and text checksums.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace helios::base {

// Exactly 16 lowercase hex digits.
inline std::string to_hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf, 16);
}

// Parses exactly 16 lowercase hex digits (the form to_hex16 writes); nothing otherwise.
inline std::optional<std::uint64_t> parse_hex16(std::string_view s) {
  if (s.size() != 16) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (char c : s) {
    int digit = -1;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    }
    if (digit < 0) {
      return std::nullopt;
    }
    v = v * 16 + static_cast<std::uint64_t>(digit);
  }
  return v;
}

}  // namespace helios::base
