// Value::to_string and repr: redis-cli's rendering (redis-cli.c cliFormatReplyTTY and
// sds.c sdscatrepr).
#include <string>
#include <utility>

#include "base/assert.h"
#include "resp/reply_parser.h"

namespace helios::resp {

namespace {

void render(const Value& v, const std::string& prefix, std::string& out);

const char* empty_aggregate_text(Value::Type type) {
  switch (type) {
    case Value::Type::kMap:
      return "(empty hash)";
    case Value::Type::kSet:
      return "(empty set)";
    case Value::Type::kPush:
      return "(empty push)";
    default:
      return "(empty array)";
  }
}

// An aggregate's elements, one per line: "<index><sep> <element>", the index right-aligned
// to the width of the largest one; the first line carries no prefix (the caller has written
// this aggregate's own index on it), nested elements are indented past the index.
void render_aggregate(const Value& v, const std::string& prefix, std::string& out) {
  const bool is_map = v.type == Value::Type::kMap;
  const std::size_t entries = is_map ? v.elements.size() / 2 : v.elements.size();
  if (v.elements.empty()) {
    out.append(empty_aggregate_text(v.type));
    out.push_back('\n');
    return;
  }
  const std::size_t width = std::to_string(entries).size();
  const std::string nested_prefix = prefix + std::string(width + 2, ' ');
  const char separator = v.type == Value::Type::kSet ? '~' : (is_map ? '#' : ')');
  for (std::size_t i = 0; i < v.elements.size(); ++i) {
    const std::string index = std::to_string((is_map ? i / 2 : i) + 1);
    if (i > 0) {
      out.append(prefix);
    }
    out.append(width - index.size(), ' ');
    out.append(index);
    out.push_back(separator);
    out.push_back(' ');
    render(v.elements[i], nested_prefix, out);
    if (is_map && i + 1 < v.elements.size()) {
      i += 1;
      HELIOS_ASSERT(out.back() == '\n');
      out.pop_back();
      out.append(" => ");
      render(v.elements[i], nested_prefix, out);
    }
  }
}

// One value, ending with a newline.
void render(const Value& v, const std::string& prefix, std::string& out) {
  switch (v.type) {
    case Value::Type::kSimple:
    case Value::Type::kVerbatim:
      out.append(v.str);
      break;
    case Value::Type::kError:
      out.append("(error) ").append(v.str);
      break;
    case Value::Type::kInteger:
      out.append("(integer) ").append(std::to_string(v.integer));
      break;
    case Value::Type::kBulk:
      out.append(repr(v.str));
      break;
    case Value::Type::kNull:
      out.append("(nil)");
      break;
    case Value::Type::kBool:
      out.append(v.integer != 0 ? "(true)" : "(false)");
      break;
    case Value::Type::kDouble:
      out.append("(double) ").append(v.str);
      break;
    case Value::Type::kBigNumber:
      out.append("(big number) ").append(v.str);
      break;
    case Value::Type::kArray:
    case Value::Type::kMap:
    case Value::Type::kSet:
    case Value::Type::kPush:
      render_aggregate(v, prefix, out);
      return;  // its lines end with their own newlines
  }
  out.push_back('\n');
}

}  // namespace

Value Value::scalar(Type type, std::string str, std::int64_t number) {
  Value v;
  v.type = type;
  v.str = std::move(str);
  v.integer = number;
  return v;
}

Value Value::aggregate(Type type, std::vector<Value> elements) {
  Value v;
  v.type = type;
  v.elements = std::move(elements);
  return v;
}

std::string Value::to_string() const {
  std::string out;
  render(*this, "", out);
  HELIOS_ASSERT(!out.empty() && out.back() == '\n');
  out.pop_back();
  return out;
}

std::string repr(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : bytes) {
    switch (c) {
      case '\\':
      case '"':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\a':
        out.append("\\a");
        break;
      case '\b':
        out.append("\\b");
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {  // isprint in the "C" locale
          out.push_back(c);
        } else {
          const auto byte = static_cast<unsigned char>(c);
          out.append("\\x");
          out.push_back(kHex[byte >> 4]);
          out.push_back(kHex[byte & 0xf]);
        }
        break;
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace helios::resp
