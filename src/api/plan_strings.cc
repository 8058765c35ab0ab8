// The string commands (and the keyspace commands of a string-only store: DEL, EXPIRE, TYPE,
// DBSIZE, FLUSHALL...): each one's row of the command table and its planner (plan.h), the
// ATLAS operations it becomes, parsed exactly as Redis parses it.

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "api/args.h"
#include "api/command_table.h"
#include "atlas/floating.h"
#include "atlas/integer.h"
#include "atlas/objects.h"

namespace helios::api {

namespace {

using atlas::Op;
using atlas::ReadKind;
using atlas::ReadOp;

constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();

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

// Reads.

Result<Plan> plan_get(PlanArgs& argv, std::uint64_t) {
  return read_plan(ReadKind::kGet, argv[1]);
}

Result<Plan> plan_strlen(PlanArgs& argv, std::uint64_t) {
  return read_plan(ReadKind::kStrlen, argv[1]);
}

Result<Plan> plan_ttl(PlanArgs& argv, std::uint64_t) {
  return read_plan(ReadKind::kPttl, argv[1], Shape::kSeconds);
}

Result<Plan> plan_pttl(PlanArgs& argv, std::uint64_t) {
  return read_plan(ReadKind::kPttl, argv[1]);
}

Result<Plan> plan_expiretime(PlanArgs& argv, std::uint64_t) {
  return read_plan(ReadKind::kPexpireTime, argv[1], Shape::kSeconds);
}

Result<Plan> plan_pexpiretime(PlanArgs& argv, std::uint64_t) {
  return read_plan(ReadKind::kPexpireTime, argv[1]);
}

Result<Plan> plan_type(PlanArgs& argv, std::uint64_t) {
  return read_plan(ReadKind::kType, argv[1]);
}

Result<Plan> plan_dbsize(PlanArgs&, std::uint64_t) {
  return read_plan(ReadKind::kDbSize, "");
}

// GETRANGE and SUBSTR.
Result<Plan> plan_getrange(PlanArgs& argv, std::uint64_t) {
  const std::optional<std::int64_t> a = atlas::parse_int64(argv[2]);
  const std::optional<std::int64_t> b = atlas::parse_int64(argv[3]);
  if (!a.has_value() || !b.has_value()) {
    return invalid(kErrNotInteger);
  }
  Plan p;
  p.ops.emplace_back(ReadOp{ReadKind::kGetRange, argv[1], *a, *b});
  return p;
}

// MGET and EXISTS: one read per key.
Plan plan_each_key(const PlanArgs& argv, ReadKind what, Shape shape) {
  Plan p;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    p.ops.emplace_back(ReadOp{what, argv[i], 0, 0});
  }
  p.shape = shape;
  return p;
}

Result<Plan> plan_mget(PlanArgs& argv, std::uint64_t) {
  return plan_each_key(argv, ReadKind::kGetOrNil, Shape::kArray);
}

Result<Plan> plan_exists(PlanArgs& argv, std::uint64_t) {
  return plan_each_key(argv, ReadKind::kExists, Shape::kSum);
}

// Writes.

// EX, PX, EXAT or PXAT `arg` (an upper-case option) of `cmd`, as a deadline.
bool is_expire_option(std::string_view opt) {
  return opt == "EX" || opt == "PX" || opt == "EXAT" || opt == "PXAT";
}

Result<std::uint64_t> option_deadline(std::string_view opt, std::string_view arg,
                                      std::uint64_t now_ms, std::string_view cmd) {
  const bool seconds = opt == "EX" || opt == "EXAT";
  return deadline(arg, seconds ? 1000 : 1, opt.size() == 4, true, now_ms, cmd);
}

// Every option is read before the expiry's number, as Redis does: "EX abc NOSUCH" is a syntax
// error, not an invalid number.
Result<Plan> plan_set(PlanArgs& argv, std::uint64_t now_ms) {
  atlas::SetOp op;
  op.key = argv[1];
  bool have_expire = false;
  std::string expire_opt;
  std::size_t expire_arg = 0;
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
    } else if (is_expire_option(opt) && has_next && !have_expire && !op.keep_ttl) {
      expire_opt = opt;
      expire_arg = ++i;
      have_expire = true;
    } else {
      return invalid(kErrSyntax);
    }
  }
  if (have_expire) {
    Result<std::uint64_t> d = option_deadline(expire_opt, argv[expire_arg], now_ms, "set");
    if (!d.is_ok()) {
      return d.status();
    }
    op.deadline_ms = d.value();
  }
  op.value = argv.take(2);
  return write_plan(std::move(op));
}

Result<Plan> plan_setnx(PlanArgs& argv, std::uint64_t) {
  return write_plan(atlas::SetOp{argv[1], argv.take(2), 0, true, false, false, false},
                    Shape::kOkToInt);
}

// SETEX (seconds) and PSETEX (ms).
Result<Plan> plan_setex_in(std::int64_t unit_ms, std::string_view cmd, PlanArgs& argv,
                           std::uint64_t now_ms) {
  Result<std::uint64_t> d = deadline(argv[2], unit_ms, false, true, now_ms, cmd);
  if (!d.is_ok()) {
    return d.status();
  }
  return write_plan(atlas::SetOp{argv[1], argv.take(3), d.value(), false, false, false, false});
}

Result<Plan> plan_setex(PlanArgs& argv, std::uint64_t now_ms) {
  return plan_setex_in(1000, "SETEX", argv, now_ms);
}

Result<Plan> plan_psetex(PlanArgs& argv, std::uint64_t now_ms) {
  return plan_setex_in(1, "PSETEX", argv, now_ms);
}

Result<Plan> plan_getset(PlanArgs& argv, std::uint64_t) {
  return write_plan(atlas::SetOp{argv[1], argv.take(2), 0, false, false, false, true});
}

Result<Plan> plan_getex(PlanArgs& argv, std::uint64_t) {
  if (argv.size() == 2) {
    return read_plan(ReadKind::kGet, argv[1], Shape::kFirst);
  }
  // A change of the deadline: GETEX's own row in atlas (obj_string.cc) reads and changes the
  // key in one op, in Redis's order (options, then the key's type, then the TTL's number).
  const atlas::ObjectCommand* row = atlas::find_object_command("GETEX");
  atlas::ObjOp op{row->code, 0, Argv(argv.begin() + 1, argv.end())};
  if (std::string error = row->check(op.args); !error.empty()) {
    return invalid(error);
  }
  return write_plan(std::move(op));
}

// MSET and MSETNX: key value pairs.
Result<Plan> plan_mset(PlanArgs& argv, std::uint64_t) {
  if (argv.size() % 2 != 1) {
    return invalid(wrong_args("MSET"));
  }
  Plan p;
  p.write = true;
  p.shape = Shape::kAllOk;
  for (std::size_t i = 1; i < argv.size(); i += 2) {
    p.ops.emplace_back(atlas::SetOp{argv[i], argv.take(i + 1), 0, false, false, false, false});
  }
  return p;
}

Result<Plan> plan_msetnx(PlanArgs& argv, std::uint64_t) {
  if (argv.size() % 2 != 1) {
    return invalid(wrong_args("MSETNX"));
  }
  atlas::MSetNxOp op;
  for (std::size_t i = 1; i < argv.size(); i += 2) {
    op.keys.push_back(argv[i]);
    op.values.push_back(argv.take(i + 1));
  }
  return write_plan(std::move(op));
}

Result<Plan> plan_append(PlanArgs& argv, std::uint64_t) {
  return write_plan(atlas::AppendOp{argv[1], argv.take(2)});
}

Result<Plan> plan_setrange(PlanArgs& argv, std::uint64_t) {
  const std::optional<std::int64_t> a = atlas::parse_int64(argv[2]);
  if (!a.has_value()) {
    return invalid(kErrNotInteger);
  }
  if (*a < 0) {
    return invalid("ERR offset is out of range");
  }
  if (argv[3].empty()) {  // changes nothing, whatever the offset: Redis answers the length
    return read_plan(ReadKind::kStrlen, argv[1]);
  }
  if (static_cast<std::uint64_t>(*a) + argv[3].size() > atlas::kMaxValueBytes) {
    return invalid(kErrTooLarge);
  }
  return write_plan(atlas::SetRangeOp{argv[1], static_cast<std::uint64_t>(*a), argv.take(3)});
}

// DEL and UNLINK.
Result<Plan> plan_del(PlanArgs& argv, std::uint64_t) {
  return write_plan(atlas::DelOp{Argv(argv.begin() + 1, argv.end())});
}

Result<Plan> plan_rename(PlanArgs& argv, std::uint64_t) {
  return write_plan(atlas::RenameOp{argv[1], argv[2], false});
}

Result<Plan> plan_renamenx(PlanArgs& argv, std::uint64_t) {
  return write_plan(atlas::RenameOp{argv[1], argv[2], true});
}

// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: `cmd` names the command in errors.
Result<Plan> plan_expire_in(std::int64_t unit_ms, bool absolute, std::string_view cmd,
                            const PlanArgs& argv, std::uint64_t now_ms) {
  Result<std::uint64_t> d = deadline(argv[2], unit_ms, absolute, false, now_ms, cmd);
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

Result<Plan> plan_expire(PlanArgs& argv, std::uint64_t now_ms) {
  return plan_expire_in(1000, false, "EXPIRE", argv, now_ms);
}

Result<Plan> plan_pexpire(PlanArgs& argv, std::uint64_t now_ms) {
  return plan_expire_in(1, false, "PEXPIRE", argv, now_ms);
}

Result<Plan> plan_expireat(PlanArgs& argv, std::uint64_t now_ms) {
  return plan_expire_in(1000, true, "EXPIREAT", argv, now_ms);
}

Result<Plan> plan_pexpireat(PlanArgs& argv, std::uint64_t now_ms) {
  return plan_expire_in(1, true, "PEXPIREAT", argv, now_ms);
}

Result<Plan> plan_persist(PlanArgs& argv, std::uint64_t) {
  return write_plan(atlas::PersistOp{argv[1]});
}

Result<Plan> plan_incr(PlanArgs& argv, std::uint64_t) {
  return write_plan(atlas::IncrByOp{argv[1], 1});
}

Result<Plan> plan_decr(PlanArgs& argv, std::uint64_t) {
  return write_plan(atlas::IncrByOp{argv[1], -1});
}

Result<Plan> plan_incrby(PlanArgs& argv, std::uint64_t) {
  const std::optional<std::int64_t> v = atlas::parse_int64(argv[2]);
  if (!v.has_value()) {
    return invalid(kErrNotInteger);
  }
  return write_plan(atlas::IncrByOp{argv[1], *v});
}

Result<Plan> plan_decrby(PlanArgs& argv, std::uint64_t) {
  const std::optional<std::int64_t> v = atlas::parse_int64(argv[2]);
  if (!v.has_value()) {
    return invalid(kErrNotInteger);
  }
  if (*v == std::numeric_limits<std::int64_t>::min()) {
    return invalid("ERR decrement would overflow");
  }
  return write_plan(atlas::IncrByOp{argv[1], -*v});
}

Result<Plan> plan_incrbyfloat(PlanArgs& argv, std::uint64_t) {
  const std::optional<long double> incr = atlas::parse_long_double(argv[2]);
  if (!is_float_text(argv[2]) || !incr.has_value() || !std::isfinite(*incr)) {
    // An increment no log entry carries: a read answers the error Redis would, in its order
    // (the key's type and value first: atlas/obj_string.cc).
    Plan p;
    p.ops.emplace_back(
        atlas::ObjOp{atlas::find_object_command("INCRBYFLOAT")->code, 0, {argv[1], argv[2]}});
    return p;
  }
  return write_plan(atlas::IncrByFloatOp{argv[1], argv[2]});
}

// FLUSHDB and FLUSHALL [ASYNC | SYNC].
Result<Plan> plan_flush(PlanArgs& argv, std::uint64_t) {
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

std::vector<CommandSpec> string_command_rows() {
  constexpr Kind D = Kind::kData;
  return {
      // Reads.
      {"GET", 2, D, "readonly fast", 1, 1, 1, plan_get},
      {"MGET", -2, D, "readonly fast", 1, -1, 1, plan_mget},
      {"STRLEN", 2, D, "readonly fast", 1, 1, 1, plan_strlen},
      {"GETRANGE", 4, D, "readonly", 1, 1, 1, plan_getrange},
      {"SUBSTR", 4, D, "readonly", 1, 1, 1, plan_getrange},
      {"EXISTS", -2, D, "readonly fast", 1, -1, 1, plan_exists},
      {"TTL", 2, D, "readonly fast", 1, 1, 1, plan_ttl},
      {"PTTL", 2, D, "readonly fast", 1, 1, 1, plan_pttl},
      {"EXPIRETIME", 2, D, "readonly fast", 1, 1, 1, plan_expiretime},
      {"PEXPIRETIME", 2, D, "readonly fast", 1, 1, 1, plan_pexpiretime},
      {"TYPE", 2, D, "readonly fast", 1, 1, 1, plan_type},
      {"DBSIZE", 1, D, "readonly fast", 0, 0, 0, plan_dbsize},
      // Writes.
      {"SET", -3, D, "write denyoom", 1, 1, 1, plan_set},
      {"SETNX", 3, D, "write denyoom fast", 1, 1, 1, plan_setnx},
      {"SETEX", 4, D, "write denyoom", 1, 1, 1, plan_setex},
      {"PSETEX", 4, D, "write denyoom", 1, 1, 1, plan_psetex},
      {"GETSET", 3, D, "write denyoom fast", 1, 1, 1, plan_getset},
      {"GETEX", -2, D, "write fast", 1, 1, 1, plan_getex},
      {"MSET", -3, D, "write denyoom", 1, -1, 2, plan_mset},
      {"MSETNX", -3, D, "write denyoom", 1, -1, 2, plan_msetnx},
      {"APPEND", 3, D, "write denyoom fast", 1, 1, 1, plan_append},
      {"SETRANGE", 4, D, "write denyoom", 1, 1, 1, plan_setrange},
      {"DEL", -2, D, "write", 1, -1, 1, plan_del},
      {"UNLINK", -2, D, "write fast", 1, -1, 1, plan_del},
      {"RENAME", 3, D, "write", 1, 2, 1, plan_rename},
      {"RENAMENX", 3, D, "write fast", 1, 2, 1, plan_renamenx},
      {"EXPIRE", -3, D, "write fast", 1, 1, 1, plan_expire},
      {"PEXPIRE", -3, D, "write fast", 1, 1, 1, plan_pexpire},
      {"EXPIREAT", -3, D, "write fast", 1, 1, 1, plan_expireat},
      {"PEXPIREAT", -3, D, "write fast", 1, 1, 1, plan_pexpireat},
      {"PERSIST", 2, D, "write fast", 1, 1, 1, plan_persist},
      {"INCR", 2, D, "write denyoom fast", 1, 1, 1, plan_incr},
      {"DECR", 2, D, "write denyoom fast", 1, 1, 1, plan_decr},
      {"INCRBY", 3, D, "write denyoom fast", 1, 1, 1, plan_incrby},
      {"DECRBY", 3, D, "write denyoom fast", 1, 1, 1, plan_decrby},
      {"INCRBYFLOAT", 3, D, "write denyoom fast", 1, 1, 1, plan_incrbyfloat},
      {"FLUSHDB", -1, D, "write", 0, 0, 0, plan_flush},
      {"FLUSHALL", -1, D, "write", 0, 0, 0, plan_flush},
  };
}

}  // namespace helios::api
