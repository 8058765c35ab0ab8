// The string commands that need a type check before they change anything (atlas/objects.h):
// GETDEL, GETEX, and INCRBYFLOAT's refusals. GETEX without options is a plain read, which the
// client port plans itself (src/api/plan_strings.cc); with options it is this row, with the
// client's arguments.

#include <cmath>
#include <limits>
#include <variant>

#include "atlas/floating.h"
#include "atlas/integer.h"
#include "atlas/obj_common.h"

namespace helios::atlas {

namespace {

// GETDEL key: the value (bulk) or nil; the key is deleted. WRONGTYPE for another type, which
// stays.
// The value of `key` as a bulk reply, or the reply that ends the command: nil for an absent
// key, WRONGTYPE for another type (`found` false then).
Reply read_string(ObjectWriter& w, const std::string& key, bool* found) {
  bool wrong_type = false;
  const std::string* value = w.find_string(key, &wrong_type);
  *found = value != nullptr;
  if (wrong_type) {
    return Reply::error(kErrWrongType);
  }
  return value == nullptr ? Reply::nil() : Reply::bulk(*value);
}

Reply getdel(ObjectWriter& w, const Args& args) {
  bool found = false;
  Reply reply = read_string(w, args[0], &found);
  if (found) {
    w.erase(args[0]);
  }
  return reply;
}

// GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST], parsed as Redis 7 does: options
// first (an option repeated is allowed, the last one wins; mixing kinds is a syntax error),
// then the key (nil if absent, WRONGTYPE), and only then the TTL's number, relative ones
// counted from the stamp.
struct GetexArgs {
  std::string_view unit;  // "EX", "PX", "EXAT", "PXAT", or "" (none)
  std::string_view ttl;
  bool persist = false;
};

std::optional<GetexArgs> parse_getex(const Args& args) {
  GetexArgs g;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const bool has_next = i + 1 < args.size();
    bool matched = false;
    for (std::string_view unit : {"EX", "PX", "EXAT", "PXAT"}) {
      if (equals_upper(args[i], unit) && has_next && !g.persist &&
          (g.unit.empty() || g.unit == unit)) {
        g.unit = unit;
        g.ttl = args[++i];
        matched = true;
        break;
      }
    }
    if (!matched && equals_upper(args[i], "PERSIST") && g.unit.empty()) {
      g.persist = true;
      matched = true;
    }
    if (!matched) {
      return std::nullopt;
    }
  }
  return g;
}

std::string check_getex(const Args& args) {
  return parse_getex(args).has_value() ? std::string() : std::string(kErrSyntax);
}

// The deadline of GETEX's TTL (Redis's getExpireMillisecondsOrReply), or an error line.
std::variant<std::uint64_t, std::string> getex_deadline(const GetexArgs& g, std::uint64_t now) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::optional<std::int64_t> v = parse_int64(g.ttl);
  if (!v.has_value()) {
    return std::string(kErrNotInteger);
  }
  const bool seconds = g.unit == "EX" || g.unit == "EXAT";
  const std::string bad = "ERR invalid expire time in 'getex' command";
  if (*v <= 0 || (seconds && *v > kMax / 1000)) {
    return bad;
  }
  std::int64_t ms = seconds ? *v * 1000 : *v;
  if (g.unit.size() == 2) {  // relative
    if (ms > kMax - static_cast<std::int64_t>(now)) {
      return bad;
    }
    ms += static_cast<std::int64_t>(now);
  }
  return static_cast<std::uint64_t>(ms);
}

Reply getex(ObjectWriter& w, const Args& args) {
  const std::optional<GetexArgs> g = parse_getex(args);
  if (!g.has_value()) {
    return Reply::error(kErrSyntax);
  }
  bool found = false;
  Reply reply = read_string(w, args[0], &found);
  if (!found) {
    return reply;
  }
  if (g->persist) {
    w.set_deadline(args[0], 0);
  } else if (!g->unit.empty()) {
    const auto deadline = getex_deadline(*g, w.stamp_ms());
    if (const auto* error = std::get_if<std::string>(&deadline)) {
      return Reply::error(*error);
    }
    const std::uint64_t ms = std::get<std::uint64_t>(deadline);
    if (ms <= w.stamp_ms()) {
      w.erase(args[0]);  // a deadline in the past deletes the key
    } else {
      w.set_deadline(args[0], ms);
    }
  }
  return reply;
}

// INCRBYFLOAT key increment, for an increment a log entry cannot carry (atlas/command.h:
// not a finite number of at most kMaxFloatIncrementBytes): the error Redis answers, in its
// order: the key's type, then the current value, then the increment. A read: it changes
// nothing whatever the key holds.
Reply incrbyfloat_refused(const ObjectReader& r, const Args& args) {
  const ObjectReader::Found any = r.find(args[0], ObjectType::kHash);
  if (any.object != nullptr || any.wrong_type) {  // the key exists
    const std::optional<std::string_view> value = r.string_value(args[0]);
    if (!value.has_value()) {
      return Reply::error(kErrWrongType);
    }
    if (!parse_long_double(*value).has_value()) {
      return Reply::error(kErrNotFloat);
    }
  }
  const std::optional<long double> incr = parse_long_double(args[1]);
  return Reply::error(incr.has_value() && std::isinf(*incr) ? kErrNanOrInfinity : kErrNotFloat);
}

constexpr ObjectCommand kRows[] = {
    {.name = "GETDEL", .code = 1, .arity = 2, .flags = "write fast", .write = getdel},
    {.name = "GETEX",
     .code = 2,
     .arity = -3,
     .flags = "write fast",
     .write = getex,
     .check = check_getex,
     .client = false},
    {.name = "INCRBYFLOAT",
     .code = 3,
     .arity = 3,
     .flags = "write denyoom fast",
     .read = incrbyfloat_refused,
     .client = false},
};

}  // namespace

std::span<const ObjectCommand> string_object_commands() {
  return kRows;
}

}  // namespace helios::atlas
