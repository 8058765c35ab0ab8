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
    case Kind::kStatus:
      return text;
    case Kind::kDouble: {
      char buf[40];
      std::snprintf(buf, sizeof(buf), "(double) %.17g", as_double());
      return buf;
    }
    case Kind::kNilArray:
      return "nil-array";
    case Kind::kArray:
    case Kind::kPairs:
    case Kind::kMap:
    case Kind::kSet: {
      std::string out = kind == Kind::kArray ? "[" : kind == Kind::kMap ? "map[" : "set[";
      for (std::size_t i = 0; i < elements.size(); ++i) {
        out += (i == 0 ? "" : ", ") + elements[i].to_string();
      }
      return out + "]";
    }
  }
  return "(unknown reply kind)";
}

}  // namespace helios::atlas
