#include "api/plan.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "api/acl_state.h"
#include "api/args.h"
#include "atlas/floating.h"
#include "atlas/integer.h"

namespace helios::api {

namespace {

using atlas::Op;
using atlas::ReadKind;
using atlas::ReadOp;

constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();

Plan read_plan(ReadKind what, const std::string& key, Shape shape = Shape::kAsIs) {
  Plan p;
  p.ops.emplace_back(ReadOp{what, key, 0, 0});
  p.shape = shape;
  return p;
}

Plan write_plan(Op op, Shape shape = Shape::kAsIs) {
  Plan p;
  p.ops.push_back(std::move(op));
  p.shape = shape;
  p.write = true;
  return p;
}

// A relative TTL in `unit_ms` (1000 for seconds) or an absolute one (unix s or ms), as the
// deadline in unix ms. Redis refuses values that overflow; `positive` also refuses <= 0 (SET,
// GETEX, SETEX), while EXPIRE takes any value (a deadline in the past deletes the key).
Result<std::uint64_t> deadline(std::string_view arg, std::int64_t unit_ms, bool absolute,
                               bool positive, std::uint64_t now_ms, std::string_view cmd) {
  const std::optional<std::int64_t> v = atlas::parse_int64(arg);
  if (!v.has_value()) {
    return invalid(kErrNotInteger);
  }
  const std::string bad = "ERR invalid expire time in '" + lower(cmd) + "' command";
  if (positive && *v <= 0) {
    return invalid(bad);
  }
  if (*v > kMaxI64 / unit_ms || *v < -kMaxI64 / unit_ms) {
    return invalid(bad);
  }
  std::int64_t ms = *v * unit_ms;
  if (!absolute) {
    const std::int64_t now = static_cast<std::int64_t>(now_ms);
    if (ms > kMaxI64 - now) {
      return invalid(bad);
    }
    ms += now;
  }
  // A deadline at or before the epoch is in the past all the same: 0 is the epoch.
  return static_cast<std::uint64_t>(std::max<std::int64_t>(ms, 0));
}

Result<Plan> plan_set(const Argv& argv, std::uint64_t now_ms) {
  atlas::SetOp op;
  op.key = argv[1];
  op.value = argv[2];
  bool have_expire = false;
  for (std::size_t i = 3; i < argv.size(); ++i) {
    const std::string opt = upper(argv[i]);
    const bool has_next = i + 1 < argv.size();
    if (opt == "NX" && !op.xx) {
      op.nx = true;
    } else if (opt == "XX" && !op.nx) {
      op.xx = true;
    } else if (opt == "GET") {
      op.get = true;
    } else if (opt == "KEEPTTL" && !have_expire) {
      op.keep_ttl = true;
    } else if ((opt == "EX" || opt == "PX" || opt == "EXAT" || opt == "PXAT") && has_next &&
               !have_expire && !op.keep_ttl) {
      const bool seconds = opt == "EX" || opt == "EXAT";
      Result<std::uint64_t> d =
          deadline(argv[++i], seconds ? 1000 : 1, opt.size() == 4, true, now_ms, "set");
      if (!d.is_ok()) {
        return d.status();
      }
      op.deadline_ms = d.value();
      have_expire = true;
    } else {
      return invalid(kErrSyntax);
    }
  }
  return write_plan(std::move(op));
}

Result<Plan> plan_setex(std::string_view name, const Argv& argv, std::uint64_t now_ms) {
  Result<std::uint64_t> d =
      deadline(argv[2], name == "SETEX" ? 1000 : 1, false, true, now_ms, name);
  if (!d.is_ok()) {
    return d.status();
  }
  return write_plan(atlas::SetOp{argv[1], argv[3], d.value(), false, false, false, false});
}

Result<Plan> plan_getex(const Argv& argv, std::uint64_t now_ms) {
  Plan p = read_plan(ReadKind::kGet, argv[1], Shape::kFirst);
  if (argv.size() == 2) {
    return p;
  }
  const std::string opt = upper(argv[2]);
  if (opt == "PERSIST" && argv.size() == 3) {
    p.ops.emplace_back(atlas::PersistOp{argv[1]});
  } else if ((opt == "EX" || opt == "PX" || opt == "EXAT" || opt == "PXAT") && argv.size() == 4) {
    const bool seconds = opt == "EX" || opt == "EXAT";
    Result<std::uint64_t> d =
        deadline(argv[3], seconds ? 1000 : 1, opt.size() == 4, true, now_ms, "getex");
    if (!d.is_ok()) {
      return d.status();
    }
    p.ops.emplace_back(atlas::ExpireOp{argv[1], d.value(), false, false, false, false});
  } else {
    return invalid(kErrSyntax);
  }
  p.write = true;
  return p;
}

Result<Plan> plan_expire(std::string_view name, const Argv& argv, std::uint64_t now_ms) {
  const bool seconds = name == "EXPIRE" || name == "EXPIREAT";
  const bool absolute = name == "EXPIREAT" || name == "PEXPIREAT";
  Result<std::uint64_t> d = deadline(argv[2], seconds ? 1000 : 1, absolute, false, now_ms, name);
  if (!d.is_ok()) {
    return d.status();
  }
  atlas::ExpireOp op{argv[1], d.value(), false, false, false, false};
  for (std::size_t i = 3; i < argv.size(); ++i) {
    const std::string opt = upper(argv[i]);
    if (opt == "NX") {
      op.nx = true;
    } else if (opt == "XX") {
      op.xx = true;
    } else if (opt == "GT") {
      op.gt = true;
    } else if (opt == "LT") {
      op.lt = true;
    } else {
      return invalid("ERR Unsupported option " + argv[i]);
    }
  }
  if (op.nx && (op.xx || op.gt || op.lt)) {
    return invalid("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (op.gt && op.lt) {
    return invalid("ERR GT and LT options at the same time are not compatible");
  }
  return write_plan(std::move(op));
}

Result<Plan> plan_incr(std::string_view name, const Argv& argv) {
  std::int64_t delta = name == "DECR" ? -1 : 1;
  if (name == "INCRBY" || name == "DECRBY") {
    const std::optional<std::int64_t> v = atlas::parse_int64(argv[2]);
    if (!v.has_value()) {
      return invalid(kErrNotInteger);
    }
    if (name == "DECRBY" && *v == std::numeric_limits<std::int64_t>::min()) {
      return invalid("ERR decrement would overflow");
    }
    delta = name == "DECRBY" ? -*v : *v;
  }
  return write_plan(atlas::IncrByOp{argv[1], delta});
}

Result<Plan> plan_multi_key(std::string_view name, const Argv& argv) {
  Plan p;
  if (name == "MGET" || name == "EXISTS") {
    for (std::size_t i = 1; i < argv.size(); ++i) {
      p.ops.emplace_back(
          ReadOp{name == "MGET" ? ReadKind::kGet : ReadKind::kExists, argv[i], 0, 0});
    }
    p.shape = name == "MGET" ? Shape::kArray : Shape::kSum;
    return p;
  }
  if (name == "DEL" || name == "UNLINK") {
    return write_plan(atlas::DelOp{Argv(argv.begin() + 1, argv.end())});
  }
  // MSET and MSETNX: key value pairs.
  if (argv.size() % 2 != 1) {
    return invalid(wrong_args(name));
  }
  if (name == "MSETNX") {
    atlas::MSetNxOp op;
    for (std::size_t i = 1; i < argv.size(); i += 2) {
      op.keys.push_back(argv[i]);
      op.values.push_back(argv[i + 1]);
    }
    return write_plan(std::move(op));
  }
  p.write = true;
  p.shape = Shape::kAllOk;
  for (std::size_t i = 1; i < argv.size(); i += 2) {
    p.ops.emplace_back(atlas::SetOp{argv[i], argv[i + 1], 0, false, false, false, false});
  }
  return p;
}

Result<Plan> plan_range(std::string_view name, const Argv& argv) {
  const std::optional<std::int64_t> a = atlas::parse_int64(argv[2]);
  if (!a.has_value()) {
    return invalid(kErrNotInteger);
  }
  if (name == "SETRANGE") {
    if (*a < 0) {
      return invalid("ERR offset is out of range");
    }
    if (argv[3].empty()) {  // changes nothing, whatever the offset: Redis answers the length
      return read_plan(ReadKind::kStrlen, argv[1]);
    }
    if (static_cast<std::uint64_t>(*a) + argv[3].size() > atlas::kMaxValueBytes) {
      return invalid(kErrTooLarge);
    }
    return write_plan(atlas::SetRangeOp{argv[1], static_cast<std::uint64_t>(*a), argv[3]});
  }
  const std::optional<std::int64_t> b = atlas::parse_int64(argv[3]);
  if (!b.has_value()) {
    return invalid(kErrNotInteger);
  }
  Plan p;
  p.ops.emplace_back(ReadOp{ReadKind::kGetRange, argv[1], *a, *b});
  return p;
}

Result<Plan> plan_incrbyfloat(const Argv& argv) {
  if (!is_float_text(argv[2])) {
    const std::optional<long double> v = atlas::parse_long_double(argv[2]);
    return invalid(v.has_value() && argv[2].size() <= 64  // "inf": a float, but not finite
                       ? "ERR increment would produce NaN or Infinity"
                       : "ERR value is not a valid float");
  }
  return write_plan(atlas::IncrByFloatOp{argv[1], argv[2]});
}

Result<Plan> plan_flush(const Argv& argv) {
  if (argv.size() > 2) {
    return invalid(kErrSyntax);
  }
  if (argv.size() == 2) {
    const std::string mode = upper(argv[1]);
    if (mode != "ASYNC" && mode != "SYNC") {
      return invalid(kErrSyntax);
    }
  }
  return write_plan(atlas::FlushOp{});
}

}  // namespace

Result<Plan> make_plan_unchecked(std::string_view name, const Argv& argv, std::uint64_t now_ms);

bool is_data_command(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "GET",     "STRLEN",      "EXISTS",    "TTL",     "PTTL",   "EXPIRETIME", "PEXPIRETIME",
      "TYPE",    "GETRANGE",    "SUBSTR",    "MGET",    "DBSIZE", "SET",        "SETNX",
      "SETEX",   "PSETEX",      "GETSET",    "GETDEL",  "GETEX",  "MSET",       "MSETNX",
      "APPEND",  "SETRANGE",    "DEL",       "UNLINK",  "RENAME", "RENAMENX",   "EXPIRE",
      "PEXPIRE", "EXPIREAT",    "PEXPIREAT", "PERSIST", "INCR",   "INCRBY",     "DECR",
      "DECRBY",  "INCRBYFLOAT", "FLUSHDB",   "FLUSHALL"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

Result<Plan> make_plan(std::string_view name, const Argv& argv, std::uint64_t now_ms) {
  // Values and keys beyond ATLAS's limits get Redis's answer before anything is planned.
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i].size() > atlas::kMaxValueBytes) {
      return invalid(kErrTooLarge);
    }
  }
  return make_plan_unchecked(name, argv, now_ms);
}

Result<Plan> make_plan_unchecked(std::string_view name, const Argv& argv, std::uint64_t now_ms) {
  if (name == "ACL")  // SETUSER, DELUSER, LOAD: a replicated change of the users
    return plan_acl(argv);
  if (name == "GET")
    return read_plan(ReadKind::kGet, argv[1]);
  if (name == "STRLEN")
    return read_plan(ReadKind::kStrlen, argv[1]);
  if (name == "TTL")
    return read_plan(ReadKind::kPttl, argv[1], Shape::kSeconds);
  if (name == "PTTL")
    return read_plan(ReadKind::kPttl, argv[1]);
  if (name == "EXPIRETIME")
    return read_plan(ReadKind::kPexpireTime, argv[1], Shape::kSeconds);
  if (name == "PEXPIRETIME")
    return read_plan(ReadKind::kPexpireTime, argv[1]);
  if (name == "TYPE")
    return read_plan(ReadKind::kExists, argv[1], Shape::kType);
  if (name == "DBSIZE")
    return read_plan(ReadKind::kDbSize, "");
  if (name == "GETRANGE" || name == "SUBSTR" || name == "SETRANGE") {
    return plan_range(name, argv);
  }
  if (name == "MGET" || name == "EXISTS" || name == "DEL" || name == "UNLINK" || name == "MSET" ||
      name == "MSETNX") {
    return plan_multi_key(name, argv);
  }
  if (name == "SET")
    return plan_set(argv, now_ms);
  if (name == "SETNX") {
    return write_plan(atlas::SetOp{argv[1], argv[2], 0, true, false, false, false},
                      Shape::kOkToInt);
  }
  if (name == "SETEX" || name == "PSETEX")
    return plan_setex(name, argv, now_ms);
  if (name == "GETSET") {
    return write_plan(atlas::SetOp{argv[1], argv[2], 0, false, false, false, true});
  }
  if (name == "GETDEL") {
    Plan p = read_plan(ReadKind::kGet, argv[1], Shape::kFirst);
    p.ops.emplace_back(atlas::DelOp{{argv[1]}});
    p.write = true;
    return p;
  }
  if (name == "GETEX")
    return plan_getex(argv, now_ms);
  if (name == "APPEND")
    return write_plan(atlas::AppendOp{argv[1], argv[2]});
  if (name == "RENAME" || name == "RENAMENX") {
    return write_plan(atlas::RenameOp{argv[1], argv[2], name == "RENAMENX"});
  }
  if (name == "EXPIRE" || name == "PEXPIRE" || name == "EXPIREAT" || name == "PEXPIREAT") {
    return plan_expire(name, argv, now_ms);
  }
  if (name == "PERSIST")
    return write_plan(atlas::PersistOp{argv[1]});
  if (name == "INCR" || name == "DECR" || name == "INCRBY" || name == "DECRBY") {
    return plan_incr(name, argv);
  }
  if (name == "INCRBYFLOAT")
    return plan_incrbyfloat(argv);
  if (name == "FLUSHDB" || name == "FLUSHALL")
    return plan_flush(argv);
  HELIOS_PANIC("make_plan: not a data command");
}

void render_reply(const atlas::Reply& reply, resp::Writer& w) {
  switch (reply.kind) {
    case atlas::Reply::Kind::kOk:
      w.simple("OK");
      return;
    case atlas::Reply::Kind::kNil:
      w.null();
      return;
    case atlas::Reply::Kind::kInteger:
      w.integer(reply.integer);
      return;
    case atlas::Reply::Kind::kBulk:
      w.bulk(reply.text);
      return;
    case atlas::Reply::Kind::kError:
      w.error(reply.text);
      return;
  }
}

void render(Shape shape, const atlas::Reply* replies, std::size_t count, resp::Writer& w) {
  HELIOS_ASSERT(count >= 1);
  const atlas::Reply& first = replies[0];
  switch (shape) {
    case Shape::kAsIs:
    case Shape::kFirst:
      render_reply(first, w);
      return;
    case Shape::kOkToInt:
      if (first.kind == atlas::Reply::Kind::kError) {
        render_reply(first, w);
      } else {
        w.integer(first.kind == atlas::Reply::Kind::kOk ? 1 : 0);
      }
      return;
    case Shape::kAllOk:
      w.simple("OK");
      return;
    case Shape::kSum: {
      std::int64_t sum = 0;
      for (std::size_t i = 0; i < count; ++i) {
        sum += replies[i].integer;
      }
      w.integer(sum);
      return;
    }
    case Shape::kSeconds:
      w.integer(first.integer < 0 ? first.integer : (first.integer + 500) / 1000);
      return;
    case Shape::kType:
      w.simple(first.integer != 0 ? "string" : "none");
      return;
    case Shape::kArray:
      w.array(count);
      for (std::size_t i = 0; i < count; ++i) {
        render_reply(replies[i], w);
      }
      return;
  }
}

}  // namespace helios::api
