#include "atlas/reply.h"

#include <cstdio>

namespace helios::atlas {

namespace {

// Printable ASCII as is, quotes and backslashes escaped, anything else as \xNN.
std::string escape(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 2);
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", u);
      out += hex;
    }
  }
  return out;
}

}  // namespace

std::string Reply::to_string() const {
  switch (kind) {
    case Kind::kOk:
      return "OK";
    case Kind::kNil:
      return "nil";
    case Kind::kInteger:
      return "(integer) " + std::to_string(integer);
    case Kind::kBulk:
      return "\"" + escape(text) + "\"";
    case Kind::kError:
      return "(error) " + text;
  }
  return "(unknown reply kind)";
}

}  // namespace helios::atlas
