// The JSON-lines translation (json_lines.h, docs/json-lines.md): request lines -> argv,
// replies -> lines, and the strict base64 they use for values.
#include "api/json_lines.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

namespace helios::api {

namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

std::atomic<bool> g_json_ttl_seconds{false};  // the simulator runs seeds on threads

// ---- Small helpers ------------------------------------------------------------------------

Status invalid_request(std::string message) {
  return Status(Code::kInvalidArgument, std::move(message));
}

// `text` cut to at most `max` bytes, not inside a UTF-8 sequence, "..." marking a cut.
std::string clip(std::string_view text, std::size_t max) {
  if (text.size() <= max) {
    return std::string(text);
  }
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return std::string(text.substr(0, cut)) + "...";
}

// A field name as error messages show it: 'name' (clipped: it may be the client's junk).
std::string quote_name(std::string_view name) {
  return "'" + clip(name, 64) + "'";
}

// True if `s` is well-formed UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t extra = c < 0x80       ? 0
                              : c >> 5 == 6  ? 1
                              : c >> 4 == 14 ? 2
                              : c >> 3 == 30 ? 3
                                             : 4;
    if (extra == 4 || s.size() - i <= extra) {
      return false;
    }
    std::uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if (cc >> 6 != 2) {
        return false;
      }
      cp = cp << 6 | (cc & 0x3F);
    }
    constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// ---- Base64 -------------------------------------------------------------------------------

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// kAlphabet inverted: the 6-bit value of each character, -1 for any other byte.
constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& x : t) {
    x = -1;
  }
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return t;
}
constexpr std::array<std::int8_t, 256> kDecode = make_decode_table();

std::string describe_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7F) {
    return std::string("character '") + c + "'";
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 0xF];
}

// ---- Requests -----------------------------------------------------------------------------

// The request fields, as bits (a set of them is an unsigned).
enum Field : unsigned {
  kCmd = 1u << 0,
  kKey = 1u << 1,
  kKeys = 1u << 2,
  kValue = 1u << 3,
  kTtl = 1u << 4,
  kTtlMs = 1u << 5,
  kBy = 1u << 6,
  kPattern = 1u << 7,
  kArgs = 1u << 8,
};

struct FieldName {
  std::string_view name;
  Field field;
};
// Every field; the shaped ones (those a command's Shape gives meaning to) in the order their
// errors are reported.
constexpr FieldName kFields[] = {{"value", kValue}, {"ttl", kTtl},         {"ttl_ms", kTtlMs},
                                 {"by", kBy},       {"pattern", kPattern}, {"cmd", kCmd},
                                 {"key", kKey},     {"keys", kKeys},       {"args", kArgs}};
constexpr unsigned kShapedMask = kValue | kTtl | kTtlMs | kBy | kPattern;

// The field called `name`, or 0 if there is none.
unsigned field_named(std::string_view name) {
  for (const FieldName& n : kFields) {
    if (n.name == name) {
      return n.field;
    }
  }
  return 0;
}

// How a command lays out the shaped fields it accepts. Commands without a Shape take only
// "key", "keys" and "args".
struct Shape {
  std::string_view name;  // upper case
  unsigned fields;        // the shaped fields it accepts
  bool keyed;             // those fields need "key"; false: "key" does not apply at all
  enum Ttl : std::uint8_t {
    kBare,    // the number alone, after the key (EXPIRE k 10)
    kOption,  // EX n / PX n, after the value (SET k v EX 10; GETEX k PX 5)
    kFirst,   // the number before the value, both required (SETEX k 10 v)
  } ttl = kBare;
  bool integer_by = true;  // "by" must be an integer (false: INCRBYFLOAT)
};

constexpr Shape kShapes[] = {
    {"APPEND", kValue, true},
    {"DECRBY", kBy, true},
    {"ECHO", kValue, false},
    {"EXPIRE", kTtl, true},
    {"GETEX", kTtl | kTtlMs, true, Shape::kOption},
    {"GETSET", kValue, true},
    {"INCRBY", kBy, true},
    {"INCRBYFLOAT", kBy, true, Shape::kBare, false},
    {"KEYS", kPattern, false},
    {"PEXPIRE", kTtlMs, true},
    {"PING", kValue, false},
    {"PSETEX", kTtlMs | kValue, true, Shape::kFirst},
    {"SET", kValue | kTtl | kTtlMs, true, Shape::kOption},
    {"SETEX", kTtl | kValue, true, Shape::kFirst},
    {"SETNX", kValue, true},
};

// The shape of the command `cmd` (in any case), or nullptr.
const Shape* find_shape(std::string_view cmd) {
  auto same = [](char c, char upper) { return c == upper || c == upper - 'A' + 'a'; };
  for (const Shape& s : kShapes) {
    if (std::equal(cmd.begin(), cmd.end(), s.name.begin(), s.name.end(), same)) {
      return &s;
    }
  }
  return nullptr;
}

// The name of the first of `fields` in kFields order.
std::string_view first_field_name(unsigned fields) {
  for (const FieldName& n : kFields) {
    if ((fields & n.field) != 0) {
      return n.name;
    }
  }
  return "?";
}

// A request's fields, type-checked and converted (numbers to their decimal text).
struct Request {
  unsigned present = 0;
  std::string cmd;
  std::string key;
  std::vector<std::string> keys;
  std::string value;  // decoded
  std::string ttl;
  std::string ttl_ms;
  std::string by;
  bool by_is_integer = false;
  std::string pattern;
  std::vector<std::string> args;
};

// "null", "a string", "an array"...: what `j` is, for error messages.
std::string type_text(const Json& j) {
  if (j.is_null()) {
    return "null";
  }
  return (j.is_array() || j.is_object() ? "an " : "a ") + std::string(j.type_name());
}

Status wrong_type(std::string_view name, const char* wanted, const Json& j) {
  return invalid_request("field " + quote_name(name) + " must be " + wanted + ", not " +
                         type_text(j));
}

// take_string and take_strings move the strings out of `j`: it is read only once.
Status take_string(std::string_view name, Json& j, std::string& out) {
  if (!j.is_string()) {
    return wrong_type(name, "a string", j);
  }
  out = std::move(j.get_ref<std::string&>());
  return Status::ok();
}

Status take_strings(std::string_view name, Json& j, std::vector<std::string>& out) {
  if (!j.is_array()) {
    return wrong_type(name, "an array of strings", j);
  }
  Json::array_t& a = j.get_ref<Json::array_t&>();
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string()) {
      return invalid_request("field " + quote_name(name) +
                             " must hold only strings: " + std::string(name) + "[" +
                             std::to_string(i) + "] is " + type_text(a[i]));
    }
    out.push_back(std::move(a[i].get_ref<std::string&>()));
  }
  return Status::ok();
}

Status take_integer(std::string_view name, const Json& j, std::string& out) {
  if (j.is_number_unsigned()) {
    out = std::to_string(j.get<std::uint64_t>());
  } else if (j.is_number_integer()) {
    out = std::to_string(j.get<std::int64_t>());
  } else {
    return wrong_type(name, "an integer", j);
  }
  return Status::ok();
}

// One field of the request object into `r` (`name` is a known field).
Status take_field(const std::string& name, Json& j, Request& r) {
  const unsigned field = field_named(name);
  r.present |= field;
  switch (field) {
    case kCmd: {
      Status s = take_string(name, j, r.cmd);
      if (s.is_ok() && r.cmd.empty()) {
        return invalid_request("field 'cmd' must not be empty");
      }
      return s;
    }
    case kKey:
      return take_string(name, j, r.key);
    case kKeys:
      return take_strings(name, j, r.keys);
    case kArgs:
      return take_strings(name, j, r.args);
    case kPattern:
      return take_string(name, j, r.pattern);
    case kTtl:
      return take_integer(name, j, r.ttl);
    case kTtlMs:
      return take_integer(name, j, r.ttl_ms);
    case kBy:
      if (j.is_number_float()) {
        r.by = j.dump();  // the shortest text that reads back as the same double
        return Status::ok();
      }
      r.by_is_integer = true;
      return j.is_number() ? take_integer(name, j, r.by) : wrong_type(name, "a number", j);
    case kValue: {
      if (!j.is_string()) {
        return wrong_type(name, "a string", j);
      }
      Result<std::string> bytes = base64_decode(j.get_ref<const std::string&>());
      if (!bytes.is_ok()) {
        return invalid_request("field 'value' is not valid base64: " + bytes.status().message());
      }
      r.value = std::move(bytes).value();
      return Status::ok();
    }
    default:
      return invalid_request("unknown field " + quote_name(name));
  }
}

// nlohmann-json's message without its "[json.exception.parse_error.101] " prefix, clipped
// (it quotes the text last read, which may be long).
std::string json_error_text(const nlohmann::json::exception& e) {
  std::string_view what = e.what();
  const std::size_t end = what.find("] ");
  if (!what.empty() && what[0] == '[' && end != std::string_view::npos) {
    what.remove_prefix(end + 2);
  }
  return "invalid JSON: " + clip(what, 200);
}

std::string too_many_args() {
  return "too many arguments (more than " + std::to_string(kMaxJsonLineArgs) + ")";
}

// The most values a request's object may hold (its fields and their elements) while its
// argv stays within kMaxJsonLineArgs.
constexpr std::size_t kMaxJsonValues = kMaxJsonLineArgs + std::size(kFields);

// `line` parsed into an object holding only known fields, each once. The parse keeps memory
// bounded by the line's length, whatever the line holds: an unknown field is not kept, nor
// anything deeper than kMaxJsonRequestDepth, nor any value past the first kMaxJsonValues.
Result<Json> parse_request(std::string_view line) {
  bool too_deep = false;
  bool too_many = false;
  std::optional<std::string> unknown;
  std::optional<std::string> duplicate;
  unsigned seen = 0;
  std::size_t values = 0;  // kept so far, not counting the top-level one
  auto keep_value = [&](int depth) {
    if (depth >= 1 && ++values > kMaxJsonValues) {
      too_many = true;
      return false;
    }
    return true;
  };
  auto check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth >= kMaxJsonRequestDepth) {
          too_deep = true;
          return false;  // discard it (and what is inside it)
        }
        return keep_value(depth);
      case Json::parse_event_t::value:
        return keep_value(depth);
      case Json::parse_event_t::key: {
        if (depth != 1) {
          return true;
        }
        const std::string& name = parsed.get_ref<const std::string&>();
        const unsigned field = field_named(name);
        if (field == 0 || (seen & field) != 0) {
          std::optional<std::string>& first = field == 0 ? unknown : duplicate;
          if (!first) {
            first = name;
          }
          return false;  // skip the field
        }
        seen |= field;
        return true;
      }
      default:
        return true;
    }
  };
  Json j;
  try {
    j = Json::parse(line.begin(), line.end(), check);
  } catch (const nlohmann::json::exception& e) {
    return invalid_request(json_error_text(e));
  }
  if (too_deep) {
    return invalid_request("invalid JSON: nested deeper than " +
                           std::to_string(kMaxJsonRequestDepth) + " levels");
  }
  if (!j.is_object()) {
    return invalid_request("a request must be a JSON object, not " + type_text(j));
  }
  if (unknown) {
    return invalid_request("unknown field " + quote_name(*unknown));
  }
  if (duplicate) {
    return invalid_request("duplicate field " + quote_name(*duplicate));
  }
  if (too_many) {
    return invalid_request(too_many_args());
  }
  return j;
}

// The rules between fields, once each field is well-typed (see docs/json-lines.md).
Status check_shape(const Request& r, const Shape* shape) {
  const unsigned shaped = r.present & kShapedMask;
  for (const FieldName& f : kFields) {
    if ((shaped & f.field) != 0 && (shape == nullptr || (shape->fields & f.field) == 0)) {
      return invalid_request("field " + quote_name(f.name) + " does not apply to " + r.cmd);
    }
  }
  if (shape == nullptr) {
    return Status::ok();
  }
  if ((r.present & kKeys) != 0) {
    return invalid_request("field 'keys' does not apply to " + r.cmd);
  }
  if (!shape->keyed && (r.present & kKey) != 0) {
    return invalid_request("field 'key' does not apply to " + r.cmd);
  }
  if (shape->keyed && shaped != 0 && (r.present & kKey) == 0) {
    return invalid_request("field " + quote_name(first_field_name(shaped)) + " needs field 'key'");
  }
  const unsigned ttl = shaped & (kTtl | kTtlMs);
  if (ttl == (kTtl | kTtlMs)) {
    return invalid_request("fields 'ttl' and 'ttl_ms' exclude each other");
  }
  if (ttl != 0 && (shape->fields & kValue) != 0 && (shaped & kValue) == 0) {
    return invalid_request("field " + quote_name(first_field_name(ttl)) + " needs field 'value'");
  }
  if (shape->ttl == Shape::kFirst && (shaped & kValue) != 0 && ttl == 0) {
    return invalid_request("field 'value' needs field " +
                           quote_name((shape->fields & kTtl) != 0 ? "ttl" : "ttl_ms"));
  }
  if ((shaped & kBy) != 0 && shape->integer_by && !r.by_is_integer) {
    return invalid_request("field 'by' must be an integer for " + r.cmd);
  }
  return Status::ok();
}

Argv build_argv(Request& r, const Shape* shape) {
  Argv argv;
  argv.reserve(1 + (r.present & kKey ? 1 : 0) + r.keys.size() + 4 + r.args.size());
  argv.push_back(std::move(r.cmd));
  if ((r.present & kKey) != 0) {
    argv.push_back(std::move(r.key));
  }
  for (std::string& k : r.keys) {
    argv.push_back(std::move(k));
  }
  const bool option = shape != nullptr && shape->ttl == Shape::kOption;
  auto push = [&](Field f, std::string& text, const char* option_name = nullptr) {
    if ((r.present & f) != 0) {
      if (option_name != nullptr) {
        argv.emplace_back(option_name);
      }
      argv.push_back(std::move(text));
    }
  };
  if (!option) {  // EXPIRE k 10, SETEX k 10 v
    push(kTtl, r.ttl);
    push(kTtlMs, r.ttl_ms);
  }
  push(kValue, r.value);
  if (option) {  // SET k v EX 10
    push(kTtl, r.ttl, "EX");
    push(kTtlMs, r.ttl_ms, g_json_ttl_seconds.load(std::memory_order_relaxed) ? "EX" : "PX");
  }
  push(kBy, r.by);
  push(kPattern, r.pattern);
  for (std::string& a : r.args) {
    argv.push_back(std::move(a));
  }
  return argv;
}

// ---- Replies ------------------------------------------------------------------------------

// Renders one element of a reply (inside "result"), refusing nesting deeper than the
// reply parser's.
class Renderer {
 public:
  bool too_deep() const { return too_deep_; }

  // `depth`: the aggregates `v` is in (0 for the reply itself).
  OrderedJson element(const resp::Value& v, std::size_t depth) {
    using Type = resp::Value::Type;
    switch (v.type) {
      case Type::kSimple:
      case Type::kVerbatim:
      case Type::kBigNumber:  // a string: its digits may exceed what JSON readers keep exact
        return v.str;
      case Type::kError:
        return OrderedJson::object({{"error", v.str}});
      case Type::kInteger:
        return v.integer;
      case Type::kBulk:
        return base64_encode(v.str);
      case Type::kNull:
        return nullptr;
      case Type::kBool:
        return v.integer != 0;
      case Type::kDouble:
        return double_value(v.str);
      case Type::kArray:
      case Type::kSet:
      case Type::kPush:
      case Type::kMap:
        break;
    }
    if (depth >= resp::kMaxReplyDepth) {
      too_deep_ = true;
      return nullptr;
    }
    if (v.type == Type::kMap) {
      return map(v, depth + 1);
    }
    OrderedJson out = OrderedJson::array();
    OrderedJson::array_t& a = out.get_ref<OrderedJson::array_t&>();
    a.reserve(v.elements.size());
    for (const resp::Value& e : v.elements) {
      a.push_back(element(e, depth + 1));
    }
    return out;
  }

 private:
  // A finite double as a number; "inf", "-inf", "nan" (or unreadable text) as its text.
  static OrderedJson double_value(const std::string& text) {
    double d = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, d);
    if (ec == std::errc() && ptr == end && std::isfinite(d)) {
      return d;
    }
    return text;
  }

  // An object when every key is a string type holding valid UTF-8 and no key repeats (so
  // the object is exact); otherwise an array of [key, value] pairs.
  OrderedJson map(const resp::Value& v, std::size_t depth) {
    using Type = resp::Value::Type;
    const std::vector<resp::Value>& e = v.elements;
    bool as_object = e.size() % 2 == 0;
    std::unordered_set<std::string_view> seen;
    for (std::size_t i = 0; as_object && i < e.size(); i += 2) {
      const Type t = e[i].type;
      as_object = (t == Type::kBulk || t == Type::kSimple || t == Type::kVerbatim) &&
                  valid_utf8(e[i].str) && seen.insert(e[i].str).second;
    }
    if (as_object) {
      OrderedJson out = OrderedJson::object();
      // Keys are known distinct: append without ordered_map's linear search for each.
      auto& pairs =
          static_cast<OrderedJson::object_t::Container&>(out.get_ref<OrderedJson::object_t&>());
      pairs.reserve(e.size() / 2);
      for (std::size_t i = 0; i < e.size(); i += 2) {
        pairs.emplace_back(e[i].str, element(e[i + 1], depth));
      }
      return out;
    }
    OrderedJson out = OrderedJson::array();
    for (std::size_t i = 0; i < e.size(); i += 2) {
      OrderedJson pair = OrderedJson::array();
      pair.push_back(element(e[i], depth));
      pair.push_back(i + 1 < e.size() ? element(e[i + 1], depth) : OrderedJson(nullptr));
      out.push_back(std::move(pair));
    }
    return out;
  }

  bool too_deep_ = false;
};

std::string dump_line(const OrderedJson& j) {
  std::string line = j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

// {"ok":<ok>,"<name>":<value>} (built by hand: an initializer list would copy `value`).
std::string reply_line(bool ok, const char* name, OrderedJson value) {
  OrderedJson line = OrderedJson::object();
  line["ok"] = ok;
  line[name] = std::move(value);
  return dump_line(line);
}

}  // namespace

// ---- The interface ------------------------------------------------------------------------

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  auto byte = [&](std::size_t i) -> std::uint32_t {
    return i < bytes.size() ? static_cast<unsigned char>(bytes[i]) : 0;
  };
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);  // bytes in this group
    const std::uint32_t group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (std::size_t k = 0; k < 4; ++k) {  // n bytes make n + 1 characters, then padding
      out.push_back(k <= n ? kAlphabet[(group >> (18 - 6 * k)) & 63] : '=');
    }
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return invalid_request("length " + std::to_string(text.size()) + " is not a multiple of 4");
  }
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') {
    pad = text[text.size() - 2] == '=' ? 2 : 1;
  }
  const std::size_t data = text.size() - pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  int nbits = 0;
  for (std::size_t i = 0; i < data; ++i) {
    const std::int8_t d = kDecode[static_cast<unsigned char>(text[i])];
    if (d < 0) {
      return invalid_request(text[i] == '=' ? "misplaced '=' at offset " + std::to_string(i)
                                            : "invalid " + describe_byte(text[i]) + " at offset " +
                                                  std::to_string(i));
    }
    bits = (bits << 6) | static_cast<std::uint32_t>(d);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((bits >> nbits) & 0xFF));
    }
  }
  if ((bits & ((1u << nbits) - 1)) != 0) {
    return invalid_request("the character at offset " + std::to_string(data - 1) +
                           " has non-zero bits that padding discards");
  }
  return out;
}

void plant_json_ttl_seconds(bool on) {
  g_json_ttl_seconds.store(on, std::memory_order_relaxed);
}

Result<Argv> json_line_to_argv(std::string_view line) {
  Result<Json> parsed = parse_request(line);
  if (!parsed.is_ok()) {
    return parsed.status();
  }
  Request r;
  try {
    for (auto& [name, field] : parsed.value().items()) {
      Status s = take_field(name, field, r);
      if (!s.is_ok()) {
        return s;
      }
    }
  } catch (const nlohmann::json::exception& e) {  // not expected: every access is type-checked
    return invalid_request(json_error_text(e));
  }
  if ((r.present & kCmd) == 0) {
    return invalid_request("missing field 'cmd'");
  }
  const Shape* shape = find_shape(r.cmd);
  Status s = check_shape(r, shape);
  if (!s.is_ok()) {
    return s;
  }
  Argv argv = build_argv(r, shape);
  if (argv.size() > kMaxJsonLineArgs) {
    return invalid_request(too_many_args());
  }
  return argv;
}

std::string value_to_json_line(const resp::Value& v) {
  using Type = resp::Value::Type;
  try {
    if (v.type == Type::kError) {
      return reply_line(false, "error", v.str);
    }
    if (v.type == Type::kBulk) {
      return reply_line(true, "value", base64_encode(v.str));
    }
    if (v.type == Type::kNull) {
      return reply_line(true, "value", nullptr);
    }
    Renderer renderer;
    OrderedJson result = renderer.element(v, 0);
    if (renderer.too_deep()) {
      return reply_line(
          false, "error",
          "ERR reply nested deeper than " + std::to_string(resp::kMaxReplyDepth) + " levels");
    }
    return reply_line(true, "result", std::move(result));
  } catch (const nlohmann::json::exception&) {  // not expected: dump() replaces bad UTF-8
    return "{\"ok\":false,\"error\":\"ERR reply cannot be rendered as JSON\"}\n";
  }
}

}  // namespace helios::api
