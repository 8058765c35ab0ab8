#pragma once
// ASCII helpers with the C locale's meaning (Redis compares names with strcasecmp and tests
// names and patterns with isspace), independent of the process locale.

#include <string>
#include <string_view>

namespace helios::acl {

inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = ascii_lower(c);
  }
  return out;
}

// strcasecmp(a, b) == 0.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

// isspace() in the C locale: space, \t, \n, \v, \f, \r.
inline bool is_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// Redis's ACLStringHasSpaces: a white-space or NUL byte anywhere.
inline bool has_space_or_nul(std::string_view s) {
  for (char c : s) {
    if (is_space(c) || c == '\0') {
      return true;
    }
  }
  return false;
}

}  // namespace helios::acl
