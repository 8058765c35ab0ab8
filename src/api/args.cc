#include "api/args.h"

#include <cmath>
#include <optional>

#include "atlas/floating.h"

namespace helios::api {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string wrong_args(std::string_view name) {
  return "ERR wrong number of arguments for '" + lower(name) + "' command";
}

bool is_float_text(std::string_view text) {
  if (text.size() > 64) {
    return false;
  }
  const std::optional<long double> v = atlas::parse_long_double(text);
  return v.has_value() && std::isfinite(*v);
}

}  // namespace helios::api
