#include "api/args.h"

#include <cmath>
#include <cstdlib>

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
  if (text.empty() || text.size() > 64 || std::isspace(static_cast<unsigned char>(text[0]))) {
    return false;
  }
  const std::string copy(text);
  char* end = nullptr;
  const long double v = std::strtold(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && std::isfinite(v);
}

}  // namespace helios::api
