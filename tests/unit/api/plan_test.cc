// Plans (api/plan.h): every data command's ATLAS operations, reply shape and write flag;
// TTLs made absolute from now_ms (EX, PX, EXAT, PXAT, SETEX, PSETEX, the EXPIRE family,
// GETEX), with Redis's bounds; every error line make_plan answers; and render() of every
// Shape in RESP2 and RESP3.
#include "api/plan.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "api/command_table.h"
#include "atlas/command.h"
#include "atlas/objects.h"
#include "atlas/reply.h"
#include "atlas/store.h"

namespace helios::api {
namespace {

using atlas::Op;
using atlas::ReadKind;
using atlas::ReadOp;
using atlas::Reply;

constexpr std::uint64_t kNow = 1'700'000'000'123;  // the leader's stamp, unix ms
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// ---- Helpers ------------------------------------------------------------------------------

std::string upper_of(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::string joined(const Argv& argv) {
  std::string out;
  for (const std::string& a : argv) {
    out += (out.empty() ? "" : " ") + a;
  }
  return out;
}

// make_plan as the session calls it: the name upper-cased, the arity already checked (the
// tests only pass arities the command table accepts, and this checks that they do).
Result<Plan> plan_of(const Argv& argv, std::uint64_t now = kNow) {
  const std::string name = upper_of(argv[0]);
  const CommandSpec* spec = find_command(name);
  EXPECT_NE(spec, nullptr) << name;
  if (spec != nullptr) {
    EXPECT_TRUE(arity_ok(*spec, argv.size())) << joined(argv) << ": bad arity in the test";
  }
  if (spec == nullptr || spec->plan == nullptr) {
    return Status(Code::kInvalidArgument, "not a data command in the test");
  }
  return make_plan(*spec, argv, now);
}

// A data command: its row has a planner and no handler (the session runs on_data).
bool is_data_command(std::string_view name) {
  const CommandSpec* spec = find_command(name);
  return spec != nullptr && spec->plan != nullptr && spec->handle == nullptr;
}

Plan ok_plan(const Argv& argv, std::uint64_t now = kNow) {
  Result<Plan> r = plan_of(argv, now);
  EXPECT_TRUE(r.is_ok()) << joined(argv) << " -> " << r.status().to_string();
  return r.is_ok() ? r.value() : Plan{};
}

// The error line `argv` is refused with, or "" (and a failure) if it was planned.
std::string error_of(const Argv& argv, std::uint64_t now = kNow) {
  Result<Plan> r = plan_of(argv, now);
  if (r.is_ok()) {
    ADD_FAILURE() << joined(argv) << " was planned";
    return "";
  }
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << joined(argv);
  return r.status().message();
}

std::string describe(const Op& op) {
  return std::visit(
      [](const auto& o) -> std::string {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, atlas::SetOp>) {
          return "SET " + o.key + " " + o.value + " deadline=" + std::to_string(o.deadline_ms) +
                 " nx=" + std::to_string(o.nx) + " xx=" + std::to_string(o.xx) +
                 " keepttl=" + std::to_string(o.keep_ttl) + " get=" + std::to_string(o.get);
        } else if constexpr (std::is_same_v<T, atlas::DelOp>) {
          std::string s = "DEL";
          for (const std::string& k : o.keys) {
            s += " " + k;
          }
          return s;
        } else if constexpr (std::is_same_v<T, atlas::ExpireOp>) {
          return "EXPIRE " + o.key + " deadline=" + std::to_string(o.deadline_ms) +
                 " nx=" + std::to_string(o.nx) + " xx=" + std::to_string(o.xx) +
                 " gt=" + std::to_string(o.gt) + " lt=" + std::to_string(o.lt);
        } else if constexpr (std::is_same_v<T, atlas::PersistOp>) {
          return "PERSIST " + o.key;
        } else if constexpr (std::is_same_v<T, atlas::IncrByOp>) {
          return "INCRBY " + o.key + " " + std::to_string(o.delta);
        } else if constexpr (std::is_same_v<T, atlas::DeleteIfExpiredOp>) {
          return "DELETE_IF_EXPIRED " + o.key;
        } else if constexpr (std::is_same_v<T, ReadOp>) {
          return "READ " + std::to_string(static_cast<int>(o.what)) + " '" + o.key + "' " +
                 std::to_string(o.a) + " " + std::to_string(o.b);
        } else if constexpr (std::is_same_v<T, atlas::AppendOp>) {
          return "APPEND " + o.key + " " + o.value;
        } else if constexpr (std::is_same_v<T, atlas::SetRangeOp>) {
          return "SETRANGE " + o.key + " " + std::to_string(o.offset) + " " + o.value;
        } else if constexpr (std::is_same_v<T, atlas::IncrByFloatOp>) {
          return "INCRBYFLOAT " + o.key + " " + o.increment;
        } else if constexpr (std::is_same_v<T, atlas::RenameOp>) {
          return "RENAME " + o.src + " " + o.dst + " nx=" + std::to_string(o.nx);
        } else if constexpr (std::is_same_v<T, atlas::FlushOp>) {
          return "FLUSH";
        } else if constexpr (std::is_same_v<T, atlas::StartVersionsOp>) {
          return "START_VERSIONS";
        } else if constexpr (std::is_same_v<T, atlas::AclOp> || std::is_same_v<T, atlas::ObjOp>) {
          std::string s = std::is_same_v<T, atlas::AclOp> ? "ACL" : "OBJECT";
          for (const std::string& a : o.args) {
            s += " " + a;
          }
          return s;
        } else if constexpr (std::is_same_v<T, atlas::WatchOp>) {
          std::string s = "WATCH " + std::to_string(o.guarded);
          for (std::size_t i = 0; i < o.keys.size(); ++i) {
            s += " " + o.keys[i] + " " + std::to_string(o.versions[i]);
          }
          return s;
        } else {
          static_assert(std::is_same_v<T, atlas::MSetNxOp>);
          std::string s = "MSETNX";
          for (std::size_t i = 0; i < o.keys.size(); ++i) {
            s += " " + o.keys[i] + " " + o.values[i];
          }
          return s;
        }
      },
      op);
}

// Checks a whole plan: its operations, shape and write flag, and that the leader could
// propose it (atlas::validate_command accepts its operations).
void expect_plan(const Argv& argv, const std::vector<Op>& ops, Shape shape, bool write,
                 std::uint64_t now = kNow) {
  SCOPED_TRACE(joined(argv));
  const Plan p = ok_plan(argv, now);
  ASSERT_EQ(p.ops.size(), ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    EXPECT_TRUE(p.ops[i] == ops[i])
        << "op " << i << ": got " << describe(p.ops[i]) << ", want " << describe(ops[i]);
  }
  EXPECT_EQ(static_cast<int>(p.shape), static_cast<int>(shape));
  EXPECT_EQ(p.write, write);
  bool all_reads = true;
  for (const Op& op : p.ops) {
    all_reads = all_reads && atlas::Store::is_read(op);
  }
  EXPECT_EQ(p.write, !all_reads) << "the write flag must say whether any op is not a read";
  const Status valid = atlas::validate_command(atlas::Command{now, p.ops});
  EXPECT_TRUE(valid.is_ok()) << valid.to_string();
}

atlas::SetOp set_op(std::string key, std::string value, std::uint64_t deadline = 0) {
  return atlas::SetOp{std::move(key), std::move(value), deadline, false, false, false, false};
}

atlas::ExpireOp expire_op(std::string key, std::uint64_t deadline) {
  return atlas::ExpireOp{std::move(key), deadline, false, false, false, false};
}

ReadOp read_op(ReadKind what, std::string key, std::int64_t a = 0, std::int64_t b = 0) {
  return ReadOp{what, std::move(key), a, b};
}

std::string str(std::int64_t v) {
  return std::to_string(v);
}

std::string expire_error(std::string_view cmd) {
  return "ERR invalid expire time in '" + std::string(cmd) + "' command";
}

const std::string kNotInteger(atlas::kErrNotInteger);
const std::string kSyntax = "ERR syntax error";

// ---- The list of data commands ------------------------------------------------------------

TEST(PlanCommandsTest, EveryDataCommandIsKnownAndInTheTableAsData) {
  const char* names[] = {"GET",         "STRLEN",  "EXISTS",   "TTL",    "PTTL",     "EXPIRETIME",
                         "PEXPIRETIME", "TYPE",    "GETRANGE", "SUBSTR", "MGET",     "DBSIZE",
                         "SET",         "SETNX",   "SETEX",    "PSETEX", "GETSET",   "GETDEL",
                         "GETEX",       "MSET",    "MSETNX",   "APPEND", "SETRANGE", "DEL",
                         "UNLINK",      "RENAME",  "RENAMENX", "EXPIRE", "PEXPIRE",  "EXPIREAT",
                         "PEXPIREAT",   "PERSIST", "INCR",     "INCRBY", "DECR",     "DECRBY",
                         "INCRBYFLOAT", "FLUSHDB", "FLUSHALL"};
  for (const char* name : names) {
    EXPECT_TRUE(is_data_command(name)) << name;
    const CommandSpec* spec = find_command(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_EQ(spec->kind, Kind::kData) << name;
  }
  std::size_t data_in_table = 0;
  std::size_t object_rows = 0;  // the hash, list, set and sorted set commands (atlas rows)
  for (const CommandSpec& spec : all_commands()) {
    // The blocking commands (api/blocking.h): BLMPOP's and BZMPOP's object row only names
    // their keys.
    const bool blocking = spec.flags.find("blocking") != std::string_view::npos;
    data_in_table += spec.kind == Kind::kData ? 1 : 0;
    object_rows += spec.object != nullptr && !blocking ? 1 : 0;
    // (A blocking command is planned, and also has the session's handler.)
    EXPECT_EQ(spec.kind == Kind::kData, is_data_command(spec.name) || blocking) << spec.name;
    if (spec.object != nullptr && !blocking) {
      EXPECT_EQ(spec.object, atlas::find_object_command(spec.name)) << spec.name;
      EXPECT_EQ(spec.arity, spec.object->arity) << spec.name;
    }
  }
  std::size_t client_rows = 0;
  for (const atlas::ObjectCommand* row : atlas::all_object_commands()) {
    client_rows += row->client ? 1 : 0;
  }
  EXPECT_EQ(object_rows, client_rows);
  // GETDEL is both a string command above and an object row (atlas/obj_string.cc).
  EXPECT_EQ(data_in_table, std::size(names) + object_rows - 1 + blocking_command_rows().size());
}

TEST(PlanCommandsTest, OtherCommandsAreNotDataCommands) {
  for (const char* name : {"PING", "KEYS", "SCAN", "MULTI", "EXEC", "HELLO", "INFO", "WATCH", "get",
                           "Set", "", "BLPOP", "GETX", "DEBUG"}) {
    EXPECT_FALSE(is_data_command(name)) << name;
  }
  const CommandSpec* debug = find_command("DEBUG");
  ASSERT_NE(debug, nullptr);
  EXPECT_EQ(debug->kind, Kind::kDebug);
  EXPECT_EQ(debug->arity, -2);
}

// Dispatch: every row runs something (a planner, a handler, or each subcommand's handler);
// ACL is answered by the session and planned (SETUSER...) as a replicated change.
TEST(PlanCommandsTest, EveryRowHasItsFunction) {
  for (const CommandSpec& spec : all_commands()) {
    bool subs_run = !spec.subcommands.empty();
    for (const CommandSpec& sub : spec.subcommands) {
      subs_run = subs_run && sub.handle != nullptr;
      EXPECT_EQ(sub.plan, nullptr) << sub.name;
      EXPECT_EQ(find_command_or_subcommand(sub.name), &sub) << sub.name;
    }
    EXPECT_TRUE(spec.plan != nullptr || spec.handle != nullptr || subs_run) << spec.name;
    EXPECT_EQ(find_command(spec.name), &spec) << spec.name;
  }
  const CommandSpec* acl = find_command("ACL");
  ASSERT_NE(acl, nullptr);
  EXPECT_NE(acl->plan, nullptr);
  EXPECT_NE(acl->handle, nullptr);
  EXPECT_EQ(find_command("CONFIG|GET"), nullptr);
  EXPECT_NE(find_command_or_subcommand("CONFIG|GET"), nullptr);
  EXPECT_EQ(find_command_or_subcommand("CONFIG|NOPE"), nullptr);
  EXPECT_EQ(find_subcommand(*find_command("GET"), "X"), nullptr);
  // Inside MULTI: these run at once, MONITOR is refused at once, the rest is queued.
  std::vector<std::string_view> run;
  for (const CommandSpec& spec : all_commands()) {
    if (spec.in_multi == InMulti::kRun) {
      run.push_back(spec.name);
    }
  }
  EXPECT_EQ(run,
            (std::vector<std::string_view>{"DISCARD", "EXEC", "MULTI", "QUIT", "RESET", "WATCH"}));
  EXPECT_EQ(find_command("MONITOR")->in_multi, InMulti::kDenyBlocking);
}

// ---- Reads --------------------------------------------------------------------------------

TEST(PlanReadTest, SingleKeyReads) {
  expect_plan({"GET", "k"}, {read_op(ReadKind::kGet, "k")}, Shape::kAsIs, false);
  expect_plan({"get", ""}, {read_op(ReadKind::kGet, "")}, Shape::kAsIs, false);
  expect_plan({"STRLEN", "k"}, {read_op(ReadKind::kStrlen, "k")}, Shape::kAsIs, false);
  expect_plan({"TTL", "k"}, {read_op(ReadKind::kPttl, "k")}, Shape::kSeconds, false);
  expect_plan({"PTTL", "k"}, {read_op(ReadKind::kPttl, "k")}, Shape::kAsIs, false);
  expect_plan({"EXPIRETIME", "k"}, {read_op(ReadKind::kPexpireTime, "k")}, Shape::kSeconds, false);
  expect_plan({"PEXPIRETIME", "k"}, {read_op(ReadKind::kPexpireTime, "k")}, Shape::kAsIs, false);
  expect_plan({"TYPE", "k"}, {read_op(ReadKind::kType, "k")}, Shape::kAsIs, false);
  expect_plan({"DBSIZE"}, {read_op(ReadKind::kDbSize, "")}, Shape::kAsIs, false);
}

TEST(PlanReadTest, GetRangeAndSubstrTakeSignedBounds) {
  expect_plan({"GETRANGE", "k", "0", "-1"}, {read_op(ReadKind::kGetRange, "k", 0, -1)},
              Shape::kAsIs, false);
  expect_plan({"SUBSTR", "k", "-5", "3"}, {read_op(ReadKind::kGetRange, "k", -5, 3)}, Shape::kAsIs,
              false);
  expect_plan({"GETRANGE", "k", str(kMin), str(kMax)},
              {read_op(ReadKind::kGetRange, "k", kMin, kMax)}, Shape::kAsIs, false);
}

TEST(PlanReadTest, GetRangeRefusesBoundsThatAreNotIntegers) {
  for (const char* bad : {"a", "", "1.5", " 1", "1 ", "+1", "01", "-0", "9223372036854775808",
                          "-9223372036854775809"}) {
    EXPECT_EQ(error_of({"GETRANGE", "k", bad, "1"}), kNotInteger) << bad;
    EXPECT_EQ(error_of({"GETRANGE", "k", "1", bad}), kNotInteger) << bad;
    EXPECT_EQ(error_of({"SUBSTR", "k", bad, "1"}), kNotInteger) << bad;
  }
}

TEST(PlanReadTest, MgetIsOneGetPerKeyAsAnArray) {
  expect_plan({"MGET", "a"}, {read_op(ReadKind::kGetOrNil, "a")}, Shape::kArray, false);
  expect_plan({"MGET", "a", "b", "a"},
              {read_op(ReadKind::kGetOrNil, "a"), read_op(ReadKind::kGetOrNil, "b"),
               read_op(ReadKind::kGetOrNil, "a")},
              Shape::kArray, false);
}

TEST(PlanReadTest, ExistsSumsOneExistsPerKeyRepeatsIncluded) {
  expect_plan({"EXISTS", "a"}, {read_op(ReadKind::kExists, "a")}, Shape::kSum, false);
  expect_plan({"EXISTS", "a", "b", "a"},
              {read_op(ReadKind::kExists, "a"), read_op(ReadKind::kExists, "b"),
               read_op(ReadKind::kExists, "a")},
              Shape::kSum, false);
}

// ---- SET ----------------------------------------------------------------------------------

TEST(PlanSetTest, PlainSetAndFlags) {
  expect_plan({"SET", "k", "v"}, {set_op("k", "v")}, Shape::kAsIs, true);
  expect_plan({"set", "k", ""}, {set_op("k", "")}, Shape::kAsIs, true);
  atlas::SetOp nx = set_op("k", "v");
  nx.nx = true;
  expect_plan({"SET", "k", "v", "NX"}, {nx}, Shape::kAsIs, true);
  expect_plan({"SET", "k", "v", "nx"}, {nx}, Shape::kAsIs, true);
  expect_plan({"SET", "k", "v", "NX", "NX"}, {nx}, Shape::kAsIs, true);
  atlas::SetOp xx = set_op("k", "v");
  xx.xx = true;
  expect_plan({"SET", "k", "v", "Xx"}, {xx}, Shape::kAsIs, true);
  atlas::SetOp get = set_op("k", "v");
  get.get = true;
  expect_plan({"SET", "k", "v", "GET"}, {get}, Shape::kAsIs, true);
  atlas::SetOp keep = set_op("k", "v");
  keep.keep_ttl = true;
  expect_plan({"SET", "k", "v", "KEEPTTL"}, {keep}, Shape::kAsIs, true);
  atlas::SetOp all = set_op("k", "v");
  all.nx = true;
  all.get = true;
  all.keep_ttl = true;
  expect_plan({"SET", "k", "v", "get", "keepttl", "NX"}, {all}, Shape::kAsIs, true);
}

TEST(PlanSetTest, ExpiryOptionsBecomeAbsoluteDeadlines) {
  expect_plan({"SET", "k", "v", "EX", "10"}, {set_op("k", "v", kNow + 10'000)}, Shape::kAsIs, true);
  expect_plan({"SET", "k", "v", "ex", "1"}, {set_op("k", "v", kNow + 1'000)}, Shape::kAsIs, true);
  expect_plan({"SET", "k", "v", "PX", "1500"}, {set_op("k", "v", kNow + 1'500)}, Shape::kAsIs,
              true);
  expect_plan({"SET", "k", "v", "PX", "1"}, {set_op("k", "v", kNow + 1)}, Shape::kAsIs, true);
  expect_plan({"SET", "k", "v", "EXAT", "1800000000"}, {set_op("k", "v", 1'800'000'000'000)},
              Shape::kAsIs, true);
  expect_plan({"SET", "k", "v", "PXAT", "1800000000123"}, {set_op("k", "v", 1'800'000'000'123)},
              Shape::kAsIs, true);
  // An absolute deadline in the past is still a valid time: the key expires at once.
  expect_plan({"SET", "k", "v", "PXAT", "1"}, {set_op("k", "v", 1)}, Shape::kAsIs, true);
  // Another clock reading gives another deadline: nothing but now_ms is used.
  expect_plan({"SET", "k", "v", "EX", "10"}, {set_op("k", "v", 5'000 + 10'000)}, Shape::kAsIs, true,
              5'000);
  atlas::SetOp with_flags = set_op("k", "v", kNow + 20);
  with_flags.xx = true;
  with_flags.get = true;
  expect_plan({"SET", "k", "v", "XX", "PX", "20", "GET"}, {with_flags}, Shape::kAsIs, true);
}

TEST(PlanSetTest, DeadlinesAtTheInt64Edge) {
  const std::uint64_t top = static_cast<std::uint64_t>(kMax);
  const std::int64_t now = static_cast<std::int64_t>(kNow);
  expect_plan({"SET", "k", "v", "PXAT", str(kMax)}, {set_op("k", "v", top)}, Shape::kAsIs, true);
  expect_plan({"SET", "k", "v", "PX", str(kMax - now)}, {set_op("k", "v", top)}, Shape::kAsIs,
              true);
  expect_plan({"SET", "k", "v", "EXAT", str(kMax / 1000)},
              {set_op("k", "v", static_cast<std::uint64_t>(kMax / 1000 * 1000))}, Shape::kAsIs,
              true);
  EXPECT_EQ(error_of({"SET", "k", "v", "PX", str(kMax - now + 1)}), expire_error("set"));
  EXPECT_EQ(error_of({"SET", "k", "v", "PX", str(kMax)}), expire_error("set"));
  EXPECT_EQ(error_of({"SET", "k", "v", "EXAT", str(kMax / 1000 + 1)}), expire_error("set"));
  EXPECT_EQ(error_of({"SET", "k", "v", "EX", str(kMax / 1000)}), expire_error("set"));
  EXPECT_EQ(error_of({"SET", "k", "v", "EX", str(kMax)}), expire_error("set"));
}

TEST(PlanSetTest, NonPositiveTimesAreInvalidExpireTimes) {
  for (const char* opt : {"EX", "PX", "EXAT", "PXAT"}) {
    for (const std::string& v : {std::string("0"), std::string("-1"), str(kMin)}) {
      EXPECT_EQ(error_of({"SET", "k", "v", opt, v}), expire_error("set")) << opt << " " << v;
    }
  }
}

TEST(PlanSetTest, TimesThatAreNotIntegers) {
  for (const char* opt : {"EX", "PX", "EXAT", "PXAT"}) {
    for (const char* v : {"abc", "", "1.5", "10s", " 10", "9223372036854775808"}) {
      EXPECT_EQ(error_of({"SET", "k", "v", opt, v}), kNotInteger) << opt << " '" << v << "'";
    }
  }
}

TEST(PlanSetTest, SyntaxErrors) {
  const std::vector<Argv> bad = {
      {"SET", "k", "v", "NX", "XX"},
      {"SET", "k", "v", "XX", "NX"},
      {"SET", "k", "v", "EX"},
      {"SET", "k", "v", "PXAT"},
      {"SET", "k", "v", "EX", "10", "PX", "10"},
      {"SET", "k", "v", "PX", "10", "EXAT", "10"},
      {"SET", "k", "v", "EX", "10", "KEEPTTL"},
      {"SET", "k", "v", "KEEPTTL", "EX", "10"},
      {"SET", "k", "v", "KEEPTTL", "PXAT", "10"},
      {"SET", "k", "v", "FOO"},
      {"SET", "k", "v", "EX10"},
      {"SET", "k", "v", "10"},
      {"SET", "k", "v", "NX", "GET", "EXPIRE"},
      {"SET", "k", "v", ""},
      // Every option is read before the expiry's number, as in Redis (found by
      // tests/cluster/test_differential.py): a syntax error wins over a bad number.
      {"SET", "k", "v", "EX", "9223372036854775807", "NX", "1"},
      {"SET", "k", "v", "PX", "abc", "FOO"},
      {"SET", "k", "v", "EX", "0", "NX", "XX"},
  };
  for (const Argv& argv : bad) {
    EXPECT_EQ(error_of(argv), kSyntax) << joined(argv);
  }
}

// ---- SET's relatives ------------------------------------------------------------------------

TEST(PlanSetTest, SetnxIsSetNxRepliedAsAnInteger) {
  atlas::SetOp nx = set_op("k", "v");
  nx.nx = true;
  expect_plan({"SETNX", "k", "v"}, {nx}, Shape::kOkToInt, true);
}

TEST(PlanSetTest, SetexAndPsetex) {
  expect_plan({"SETEX", "k", "10", "v"}, {set_op("k", "v", kNow + 10'000)}, Shape::kAsIs, true);
  expect_plan({"PSETEX", "k", "10", "v"}, {set_op("k", "v", kNow + 10)}, Shape::kAsIs, true);
  expect_plan({"setex", "k", "1", ""}, {set_op("k", "", kNow + 1'000)}, Shape::kAsIs, true);
  for (const char* v : {"0", "-1", "-100"}) {
    EXPECT_EQ(error_of({"SETEX", "k", v, "x"}), expire_error("setex")) << v;
    EXPECT_EQ(error_of({"PSETEX", "k", v, "x"}), expire_error("psetex")) << v;
  }
  EXPECT_EQ(error_of({"setex", "k", "0", "x"}), expire_error("setex"));
  EXPECT_EQ(error_of({"SETEX", "k", str(kMax / 1000 + 1), "x"}), expire_error("setex"));
  EXPECT_EQ(error_of({"PSETEX", "k", str(kMax), "x"}), expire_error("psetex"));
  for (const char* v : {"a", "", "1.0", "10 "}) {
    EXPECT_EQ(error_of({"SETEX", "k", v, "x"}), kNotInteger) << v;
    EXPECT_EQ(error_of({"PSETEX", "k", v, "x"}), kNotInteger) << v;
  }
}

TEST(PlanSetTest, GetsetIsSetWithGet) {
  atlas::SetOp get = set_op("k", "v");
  get.get = true;
  expect_plan({"GETSET", "k", "v"}, {get}, Shape::kAsIs, true);
}

TEST(PlanSetTest, MsetIsOneSetPerPairRepliedOk) {
  expect_plan({"MSET", "a", "1"}, {set_op("a", "1")}, Shape::kAllOk, true);
  expect_plan({"MSET", "a", "1", "b", "2", "a", "3"},
              {set_op("a", "1"), set_op("b", "2"), set_op("a", "3")}, Shape::kAllOk, true);
  EXPECT_EQ(error_of({"MSET", "a", "1", "b"}), "ERR wrong number of arguments for 'mset' command");
  EXPECT_EQ(error_of({"mset", "a", "1", "b", "2", "c"}),
            "ERR wrong number of arguments for 'mset' command");
}

TEST(PlanSetTest, MsetnxIsOneOperation) {
  expect_plan({"MSETNX", "a", "1", "b", "2"}, {atlas::MSetNxOp{{"a", "b"}, {"1", "2"}}},
              Shape::kAsIs, true);
  expect_plan({"MSETNX", "a", "1"}, {atlas::MSetNxOp{{"a"}, {"1"}}}, Shape::kAsIs, true);
  EXPECT_EQ(error_of({"MSETNX", "a", "1", "b"}),
            "ERR wrong number of arguments for 'msetnx' command");
}

// ---- GETDEL, GETEX ------------------------------------------------------------------------

atlas::ObjOp obj_op(std::string_view name, std::vector<std::string> args) {
  return atlas::ObjOp{atlas::find_object_command(name)->code, 0, std::move(args)};
}

TEST(PlanGetTest, GetdelIsOneObjectOp) {
  // One op that reads and deletes, so a key of another type answers WRONGTYPE and stays.
  expect_plan({"GETDEL", "k"}, {obj_op("GETDEL", {"k"})}, Shape::kAsIs, true);
}

TEST(PlanGetTest, GetexWithoutOptionsIsARead) {
  expect_plan({"GETEX", "k"}, {read_op(ReadKind::kGet, "k")}, Shape::kFirst, false);
}

TEST(PlanGetTest, GetexOptions) {
  // One GETEX object op with the client's arguments: atlas/obj_string.cc reads the TTL's
  // number after the key, as Redis does (obj_string_test.cc).
  for (std::vector<std::string> args : {std::vector<std::string>{"k", "PERSIST"},
                                        {"k", "persist"},
                                        {"k", "EX", "10"},
                                        {"k", "px", "10"},
                                        {"k", "EXAT", "1800000000"},
                                        {"k", "PXAT", "12"},
                                        {"k", "EX", "1", "EX", "2"},
                                        {"k", "EX", "x"}}) {
    Argv argv{"GETEX"};
    argv.insert(argv.end(), args.begin(), args.end());
    expect_plan(argv, {obj_op("GETEX", args)}, Shape::kAsIs, true);
  }
}

TEST(PlanGetTest, GetexSyntaxErrors) {
  for (const char* opt : {"EX", "PX", "EXAT", "PXAT"}) {
    EXPECT_EQ(error_of({"GETEX", "k", opt}), kSyntax) << opt;
    EXPECT_EQ(error_of({"GETEX", "k", opt, "1", "PERSIST"}), kSyntax) << opt;
  }
  EXPECT_EQ(error_of({"GETEX", "k", "PERSIST", "EX", "1"}), kSyntax);
  EXPECT_EQ(error_of({"GETEX", "k", "EX", "1", "PX", "1"}), kSyntax);
  EXPECT_EQ(error_of({"GETEX", "k", "KEEPTTL"}), kSyntax);
  EXPECT_EQ(error_of({"GETEX", "k", "FOO"}), kSyntax);
}

// ---- Other writes -------------------------------------------------------------------------

TEST(PlanWriteTest, AppendDelUnlinkRenamePersist) {
  expect_plan({"APPEND", "k", "xy"}, {atlas::AppendOp{"k", "xy"}}, Shape::kAsIs, true);
  expect_plan({"APPEND", "k", ""}, {atlas::AppendOp{"k", ""}}, Shape::kAsIs, true);
  expect_plan({"DEL", "a"}, {atlas::DelOp{{"a"}}}, Shape::kAsIs, true);
  expect_plan({"DEL", "a", "b", "a"}, {atlas::DelOp{{"a", "b", "a"}}}, Shape::kAsIs, true);
  expect_plan({"UNLINK", "a", "b"}, {atlas::DelOp{{"a", "b"}}}, Shape::kAsIs, true);
  expect_plan({"RENAME", "a", "b"}, {atlas::RenameOp{"a", "b", false}}, Shape::kAsIs, true);
  expect_plan({"RENAMENX", "a", "b"}, {atlas::RenameOp{"a", "b", true}}, Shape::kAsIs, true);
  expect_plan({"RENAME", "a", "a"}, {atlas::RenameOp{"a", "a", false}}, Shape::kAsIs, true);
  expect_plan({"PERSIST", "k"}, {atlas::PersistOp{"k"}}, Shape::kAsIs, true);
}

TEST(PlanWriteTest, Setrange) {
  expect_plan({"SETRANGE", "k", "0", "abc"}, {atlas::SetRangeOp{"k", 0, "abc"}}, Shape::kAsIs,
              true);
  // An empty value changes nothing: the plan only reads the length.
  expect_plan({"SETRANGE", "k", "5", ""}, {atlas::ReadOp{atlas::ReadKind::kStrlen, "k", 0, 0}},
              Shape::kAsIs, false);
  const std::uint64_t last = atlas::kMaxValueBytes - 1;
  expect_plan({"SETRANGE", "k", std::to_string(last), "x"}, {atlas::SetRangeOp{"k", last, "x"}},
              Shape::kAsIs, true);
  EXPECT_EQ(error_of({"SETRANGE", "k", "-1", "x"}), "ERR offset is out of range");
  EXPECT_EQ(error_of({"SETRANGE", "k", str(kMin), "x"}), "ERR offset is out of range");
  for (const char* bad : {"x", "", "1.5", "9223372036854775808"}) {
    EXPECT_EQ(error_of({"SETRANGE", "k", bad, "x"}), kNotInteger) << bad;
  }
  const std::string too_long = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
  EXPECT_EQ(error_of({"SETRANGE", "k", std::to_string(atlas::kMaxValueBytes), "x"}), too_long);
  EXPECT_EQ(error_of({"SETRANGE", "k", std::to_string(last), "xy"}), too_long);
  EXPECT_EQ(error_of({"SETRANGE", "k", str(kMax), "x"}), too_long);
}

// Redis answers SETRANGE with an empty value by the key's current length whatever the offset
// (setrangeCommand checks the empty value before checkStringLength), and atlas/command.h
// (SetRangeOp) tells src/api/ to plan an offset beyond kMaxValueBytes with an empty value as
// a READ kStrlen. make_plan instead refuses it with "string exceeds maximum allowed size".
TEST(PlanWriteTest, SetrangeWithAnEmptyValueBeyondTheLimitReadsTheLength) {
  const std::string beyond = std::to_string(atlas::kMaxValueBytes + 1);
  expect_plan({"SETRANGE", "k", beyond, ""}, {read_op(ReadKind::kStrlen, "k")}, Shape::kAsIs,
              false);
  expect_plan({"SETRANGE", "k", str(kMax), ""}, {read_op(ReadKind::kStrlen, "k")}, Shape::kAsIs,
              false);
}

TEST(PlanWriteTest, IncrFamilyBecomesIncrBy) {
  expect_plan({"INCR", "k"}, {atlas::IncrByOp{"k", 1}}, Shape::kAsIs, true);
  expect_plan({"DECR", "k"}, {atlas::IncrByOp{"k", -1}}, Shape::kAsIs, true);
  expect_plan({"INCRBY", "k", "5"}, {atlas::IncrByOp{"k", 5}}, Shape::kAsIs, true);
  expect_plan({"INCRBY", "k", "-5"}, {atlas::IncrByOp{"k", -5}}, Shape::kAsIs, true);
  expect_plan({"INCRBY", "k", "0"}, {atlas::IncrByOp{"k", 0}}, Shape::kAsIs, true);
  expect_plan({"DECRBY", "k", "5"}, {atlas::IncrByOp{"k", -5}}, Shape::kAsIs, true);
  expect_plan({"DECRBY", "k", "-5"}, {atlas::IncrByOp{"k", 5}}, Shape::kAsIs, true);
  expect_plan({"INCRBY", "k", str(kMin)}, {atlas::IncrByOp{"k", kMin}}, Shape::kAsIs, true);
  expect_plan({"INCRBY", "k", str(kMax)}, {atlas::IncrByOp{"k", kMax}}, Shape::kAsIs, true);
  expect_plan({"DECRBY", "k", str(kMax)}, {atlas::IncrByOp{"k", -kMax}}, Shape::kAsIs, true);
  EXPECT_EQ(error_of({"DECRBY", "k", str(kMin)}), "ERR decrement would overflow");
  for (const char* bad : {"a", "", "1.0", "+1", " 1", "1 ", "01", "-0", "9223372036854775808",
                          "-9223372036854775809", "0x10"}) {
    EXPECT_EQ(error_of({"INCRBY", "k", bad}), kNotInteger) << bad;
    EXPECT_EQ(error_of({"DECRBY", "k", bad}), kNotInteger) << bad;
  }
}

TEST(PlanWriteTest, Incrbyfloat) {
  for (const char* ok : {"1.5", "-2e3", "5", "0", "-0.0", ".5", "1e308", "0x1p3"}) {
    expect_plan({"INCRBYFLOAT", "k", ok}, {atlas::IncrByFloatOp{"k", ok}}, Shape::kAsIs, true);
  }
  const std::string long_text = "1." + std::string(62, '0');  // 64 bytes: still accepted
  expect_plan({"INCRBYFLOAT", "k", long_text}, {atlas::IncrByFloatOp{"k", long_text}}, Shape::kAsIs,
              true);
  for (const std::string& bad :
       {std::string("abc"), std::string(""), std::string(" 1"), std::string("1 "),
        std::string("1.5x"), std::string("nan"), std::string("-nan"), std::string("1e5000"),
        std::string("-1e5000"), std::string("1,5"), std::string("1\0", 2), long_text + "0",
        std::string("inf")}) {
    // A read that answers Redis's error in Redis's order (atlas/obj_string.cc: the key's
    // type and value first): no log entry can carry this increment.
    expect_plan({"INCRBYFLOAT", "k", bad}, {obj_op("INCRBYFLOAT", {"k", bad})}, Shape::kAsIs,
                false);
  }
}

// Redis's string2ld (and atlas::parse_long_double, which validate_command applies to the
// increment) refuse a nonzero number that underflows to zero: Redis answers "ERR value is
// not a valid float" (after the key's type and value). api::is_float_text accepts it, so the
// planner also asks parse_long_double, and plans the read that answers the refusal.
TEST(PlanWriteTest, IncrbyfloatRefusesAnIncrementThatUnderflows) {
  for (const char* bad : {"1e-5000", "-1e-5000", "0x1p-20000"}) {
    expect_plan({"INCRBYFLOAT", "k", bad}, {obj_op("INCRBYFLOAT", {"k", bad})}, Shape::kAsIs,
                false);
  }
}

TEST(PlanWriteTest, FlushdbAndFlushall) {
  for (const char* cmd : {"FLUSHDB", "FLUSHALL"}) {
    expect_plan({cmd}, {atlas::FlushOp{}}, Shape::kAsIs, true);
    expect_plan({cmd, "ASYNC"}, {atlas::FlushOp{}}, Shape::kAsIs, true);
    expect_plan({cmd, "sync"}, {atlas::FlushOp{}}, Shape::kAsIs, true);
    EXPECT_EQ(error_of({cmd, "LATER"}), kSyntax) << cmd;
    EXPECT_EQ(error_of({cmd, "ASYNC", "SYNC"}), kSyntax) << cmd;
  }
}

// ---- The EXPIRE family --------------------------------------------------------------------

TEST(PlanExpireTest, RelativeAndAbsoluteDeadlines) {
  expect_plan({"EXPIRE", "k", "10"}, {expire_op("k", kNow + 10'000)}, Shape::kAsIs, true);
  expect_plan({"PEXPIRE", "k", "10"}, {expire_op("k", kNow + 10)}, Shape::kAsIs, true);
  expect_plan({"EXPIREAT", "k", "1800000000"}, {expire_op("k", 1'800'000'000'000)}, Shape::kAsIs,
              true);
  expect_plan({"PEXPIREAT", "k", "1800000000123"}, {expire_op("k", 1'800'000'000'123)},
              Shape::kAsIs, true);
  expect_plan({"expire", "k", "0"}, {expire_op("k", kNow)}, Shape::kAsIs, true);
}

// EXPIRE takes any time: one in the past deletes the key. A deadline at or before the epoch
// is 0 (always in the past).
TEST(PlanExpireTest, NegativeAndPastTimes) {
  expect_plan({"EXPIRE", "k", "-10"}, {expire_op("k", kNow - 10'000)}, Shape::kAsIs, true);
  expect_plan({"PEXPIRE", "k", "-1"}, {expire_op("k", kNow - 1)}, Shape::kAsIs, true);
  const std::int64_t now = static_cast<std::int64_t>(kNow);
  expect_plan({"PEXPIRE", "k", str(-now)}, {expire_op("k", 0)}, Shape::kAsIs, true);
  expect_plan({"PEXPIRE", "k", str(-now - 1)}, {expire_op("k", 0)}, Shape::kAsIs, true);
  expect_plan({"EXPIRE", "k", str(-(now / 1000) - 5)}, {expire_op("k", 0)}, Shape::kAsIs, true);
  expect_plan({"EXPIREAT", "k", "-1"}, {expire_op("k", 0)}, Shape::kAsIs, true);
  expect_plan({"EXPIREAT", "k", "0"}, {expire_op("k", 0)}, Shape::kAsIs, true);
  expect_plan({"PEXPIREAT", "k", "0"}, {expire_op("k", 0)}, Shape::kAsIs, true);
  expect_plan({"PEXPIREAT", "k", "1"}, {expire_op("k", 1)}, Shape::kAsIs, true);
  expect_plan({"PEXPIREAT", "k", str(kMin + 1)}, {expire_op("k", 0)}, Shape::kAsIs, true);
  expect_plan({"EXPIREAT", "k", str(kMin / 1000)}, {expire_op("k", 0)}, Shape::kAsIs, true);
}

TEST(PlanExpireTest, OverflowingTimesAreInvalid) {
  const std::int64_t now = static_cast<std::int64_t>(kNow);
  EXPECT_EQ(error_of({"EXPIRE", "k", str(kMax / 1000 + 1)}), expire_error("expire"));
  EXPECT_EQ(error_of({"EXPIRE", "k", str(kMin / 1000 - 1)}), expire_error("expire"));
  EXPECT_EQ(error_of({"EXPIRE", "k", str(kMax / 1000)}), expire_error("expire"));  // + now
  EXPECT_EQ(error_of({"PEXPIRE", "k", str(kMax - now + 1)}), expire_error("pexpire"));
  EXPECT_EQ(error_of({"EXPIREAT", "k", str(kMax / 1000 + 1)}), expire_error("expireat"));
  EXPECT_EQ(error_of({"EXPIREAT", "k", str(kMin / 1000 - 1)}), expire_error("expireat"));
  expect_plan({"PEXPIRE", "k", str(kMax - now)}, {expire_op("k", static_cast<std::uint64_t>(kMax))},
              Shape::kAsIs, true);
  expect_plan({"PEXPIREAT", "k", str(kMax)}, {expire_op("k", static_cast<std::uint64_t>(kMax))},
              Shape::kAsIs, true);
  expect_plan({"EXPIREAT", "k", str(kMax / 1000)},
              {expire_op("k", static_cast<std::uint64_t>(kMax / 1000 * 1000))}, Shape::kAsIs, true);
}

TEST(PlanExpireTest, TimesThatAreNotIntegers) {
  for (const char* cmd : {"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"}) {
    for (const char* bad : {"a", "", "1.5", " 1", "9223372036854775808"}) {
      EXPECT_EQ(error_of({cmd, "k", bad}), kNotInteger) << cmd << " '" << bad << "'";
    }
  }
}

TEST(PlanExpireTest, Flags) {
  const std::uint64_t d = kNow + 10'000;
  auto with = [&](bool nx, bool xx, bool gt, bool lt) {
    return atlas::ExpireOp{"k", d, nx, xx, gt, lt};
  };
  expect_plan({"EXPIRE", "k", "10", "NX"}, {with(true, false, false, false)}, Shape::kAsIs, true);
  expect_plan({"EXPIRE", "k", "10", "xx"}, {with(false, true, false, false)}, Shape::kAsIs, true);
  expect_plan({"EXPIRE", "k", "10", "GT"}, {with(false, false, true, false)}, Shape::kAsIs, true);
  expect_plan({"EXPIRE", "k", "10", "Lt"}, {with(false, false, false, true)}, Shape::kAsIs, true);
  expect_plan({"EXPIRE", "k", "10", "XX", "GT"}, {with(false, true, true, false)}, Shape::kAsIs,
              true);
  expect_plan({"EXPIRE", "k", "10", "LT", "XX"}, {with(false, true, false, true)}, Shape::kAsIs,
              true);
  expect_plan({"EXPIRE", "k", "10", "NX", "NX"}, {with(true, false, false, false)}, Shape::kAsIs,
              true);
  expect_plan({"PEXPIREAT", "k", "5", "GT"}, {atlas::ExpireOp{"k", 5, false, false, true, false}},
              Shape::kAsIs, true);
}

TEST(PlanExpireTest, FlagErrors) {
  const std::string nx_and = "ERR NX and XX, GT or LT options at the same time are not compatible";
  const std::string gt_and_lt = "ERR GT and LT options at the same time are not compatible";
  for (const char* cmd : {"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"}) {
    EXPECT_EQ(error_of({cmd, "k", "10", "NX", "XX"}), nx_and) << cmd;
    EXPECT_EQ(error_of({cmd, "k", "10", "XX", "NX"}), nx_and) << cmd;
    EXPECT_EQ(error_of({cmd, "k", "10", "NX", "GT"}), nx_and) << cmd;
    EXPECT_EQ(error_of({cmd, "k", "10", "LT", "nx"}), nx_and) << cmd;
    EXPECT_EQ(error_of({cmd, "k", "10", "GT", "LT"}), gt_and_lt) << cmd;
    EXPECT_EQ(error_of({cmd, "k", "10", "XX", "LT", "GT"}), gt_and_lt) << cmd;
    EXPECT_EQ(error_of({cmd, "k", "10", "FOO"}), "ERR Unsupported option FOO") << cmd;
    EXPECT_EQ(error_of({cmd, "k", "10", "NX", "keepttl"}), "ERR Unsupported option keepttl") << cmd;
  }
}

// ---- render -------------------------------------------------------------------------------

std::string rendered(Shape shape, const std::vector<Reply>& replies, int protocol) {
  std::string out;
  resp::Writer w(out, protocol);
  render(shape, replies.data(), replies.size(), w);
  return out;
}

// The same bytes in both protocols.
void expect_both(Shape shape, const std::vector<Reply>& replies, const std::string& want) {
  EXPECT_EQ(rendered(shape, replies, 2), want) << "RESP2";
  EXPECT_EQ(rendered(shape, replies, 3), want) << "RESP3";
}

TEST(PlanRenderTest, EveryReplyKindAsIs) {
  expect_both(Shape::kAsIs, {Reply::ok()}, "+OK\r\n");
  expect_both(Shape::kAsIs, {Reply::of_integer(-42)}, ":-42\r\n");
  expect_both(Shape::kAsIs, {Reply::bulk("hi")}, "$2\r\nhi\r\n");
  expect_both(Shape::kAsIs, {Reply::bulk("")}, "$0\r\n\r\n");
  expect_both(Shape::kAsIs, {Reply::bulk(std::string("a\r\n\0b", 5))},
              std::string("$5\r\na\r\n\0b\r\n", 11));
  expect_both(Shape::kAsIs, {Reply::error(atlas::kErrNotInteger)},
              "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(rendered(Shape::kAsIs, {Reply::nil()}, 2), "$-1\r\n");
  EXPECT_EQ(rendered(Shape::kAsIs, {Reply::nil()}, 3), "_\r\n");
  for (int protocol : {2, 3}) {
    for (const Reply& r : {Reply::ok(), Reply::nil(), Reply::of_integer(7), Reply::bulk("x"),
                           Reply::error("ERR x")}) {
      std::string direct;
      resp::Writer w(direct, protocol);
      render_reply(r, w);
      EXPECT_EQ(rendered(Shape::kAsIs, {r}, protocol), direct) << r.to_string();
    }
  }
}

TEST(PlanRenderTest, FirstIgnoresTheLaterReplies) {
  expect_both(Shape::kFirst, {Reply::bulk("v"), Reply::of_integer(1)}, "$1\r\nv\r\n");
  expect_both(Shape::kFirst, {Reply::bulk("v"), Reply::error("ERR later")}, "$1\r\nv\r\n");
  EXPECT_EQ(rendered(Shape::kFirst, {Reply::nil(), Reply::of_integer(0)}, 2), "$-1\r\n");
  EXPECT_EQ(rendered(Shape::kFirst, {Reply::nil(), Reply::of_integer(0)}, 3), "_\r\n");
  expect_both(Shape::kFirst, {Reply::bulk("only")}, "$4\r\nonly\r\n");
}

TEST(PlanRenderTest, OkToInt) {
  expect_both(Shape::kOkToInt, {Reply::ok()}, ":1\r\n");
  expect_both(Shape::kOkToInt, {Reply::nil()}, ":0\r\n");
  expect_both(Shape::kOkToInt, {Reply::error("ERR boom")}, "-ERR boom\r\n");
}

TEST(PlanRenderTest, AllOk) {
  expect_both(Shape::kAllOk, {Reply::ok()}, "+OK\r\n");
  expect_both(Shape::kAllOk, {Reply::ok(), Reply::ok(), Reply::ok()}, "+OK\r\n");
}

TEST(PlanRenderTest, Sum) {
  expect_both(Shape::kSum, {Reply::of_integer(1)}, ":1\r\n");
  expect_both(Shape::kSum, {Reply::of_integer(0)}, ":0\r\n");
  expect_both(Shape::kSum, {Reply::of_integer(1), Reply::of_integer(0), Reply::of_integer(1)},
              ":2\r\n");
}

TEST(PlanRenderTest, SecondsRoundLikeRedisAndKeepNegativeCodes) {
  const std::pair<std::int64_t, std::string> cases[] = {
      {-2, ":-2\r\n"},
      {-1, ":-1\r\n"},
      {0, ":0\r\n"},
      {1, ":0\r\n"},
      {499, ":0\r\n"},
      {500, ":1\r\n"},
      {1'000, ":1\r\n"},
      {1'499, ":1\r\n"},
      {1'500, ":2\r\n"},
      {10'000, ":10\r\n"},
      {1'800'000'000'499, ":1800000000\r\n"},
      {1'800'000'000'500, ":1800000001\r\n"},
  };
  for (const auto& [ms, want] : cases) {
    expect_both(Shape::kSeconds, {Reply::of_integer(ms)}, want);
  }
}

TEST(PlanRenderTest, Type) {
  expect_both(Shape::kAsIs, {Reply::status("string")}, "+string\r\n");
  expect_both(Shape::kAsIs, {Reply::status("none")}, "+none\r\n");
}

TEST(PlanRenderTest, ArrayOfEveryReply) {
  const std::vector<Reply> replies = {Reply::bulk("a"), Reply::nil(), Reply::bulk("")};
  EXPECT_EQ(rendered(Shape::kArray, replies, 2), "*3\r\n$1\r\na\r\n$-1\r\n$0\r\n\r\n");
  EXPECT_EQ(rendered(Shape::kArray, replies, 3), "*3\r\n$1\r\na\r\n_\r\n$0\r\n\r\n");
  expect_both(Shape::kArray, {Reply::bulk("x")}, "*1\r\n$1\r\nx\r\n");
  EXPECT_EQ(rendered(Shape::kArray, {Reply::nil()}, 2), "*1\r\n$-1\r\n");
  EXPECT_EQ(rendered(Shape::kArray, {Reply::nil()}, 3), "*1\r\n_\r\n");
}

// Plans and renders together: the reply a command gets from its own plan's replies.
TEST(PlanRenderTest, CollectionRepliesRenderPerProtocol) {
  const Reply pairs = Reply::pairs({Reply::bulk("a"), Reply::of_double(1.5)});
  EXPECT_EQ(rendered(Shape::kAsIs, {pairs}, 2), "*2\r\n$1\r\na\r\n$3\r\n1.5\r\n");
  EXPECT_EQ(rendered(Shape::kAsIs, {pairs}, 3), "*1\r\n*2\r\n$1\r\na\r\n,1.5\r\n");
  const Reply map = Reply::map({Reply::bulk("f"), Reply::bulk("v")});
  EXPECT_EQ(rendered(Shape::kAsIs, {map}, 2), "*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
  EXPECT_EQ(rendered(Shape::kAsIs, {map}, 3), "%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
  const Reply set = Reply::set({Reply::bulk("m")});
  EXPECT_EQ(rendered(Shape::kAsIs, {set}, 2), "*1\r\n$1\r\nm\r\n");
  EXPECT_EQ(rendered(Shape::kAsIs, {set}, 3), "~1\r\n$1\r\nm\r\n");
  EXPECT_EQ(rendered(Shape::kAsIs, {Reply::nil_array()}, 2), "*-1\r\n");
  EXPECT_EQ(rendered(Shape::kAsIs, {Reply::nil_array()}, 3), "_\r\n");
  const Reply nested = Reply::array({Reply::bulk("k"), Reply::array({Reply::of_integer(1)})});
  expect_both(Shape::kAsIs, {nested}, "*2\r\n$1\r\nk\r\n*1\r\n:1\r\n");
}

TEST(PlanRenderTest, PlannedCommandsRenderAsRedisReplies) {
  const Plan ttl = ok_plan({"TTL", "k"});
  expect_both(ttl.shape, {Reply::of_integer(2'600)}, ":3\r\n");
  const Plan mget = ok_plan({"MGET", "a", "b"});
  EXPECT_EQ(rendered(mget.shape, {Reply::bulk("1"), Reply::nil()}, 3), "*2\r\n$1\r\n1\r\n_\r\n");
  const Plan getdel = ok_plan({"GETDEL", "k"});
  expect_both(getdel.shape, {Reply::bulk("v")}, "$1\r\nv\r\n");
  const Plan mset = ok_plan({"MSET", "a", "1", "b", "2"});
  expect_both(mset.shape, {Reply::ok(), Reply::ok()}, "+OK\r\n");
  const Plan setnx = ok_plan({"SETNX", "k", "v"});
  expect_both(setnx.shape, {Reply::nil()}, ":0\r\n");
  const Plan type = ok_plan({"TYPE", "k"});
  expect_both(type.shape, {Reply::status("none")}, "+none\r\n");
  const Plan exists = ok_plan({"EXISTS", "a", "b", "c"});
  expect_both(exists.shape, {Reply::of_integer(1), Reply::of_integer(1), Reply::of_integer(0)},
              ":2\r\n");
}

}  // namespace
}  // namespace helios::api
