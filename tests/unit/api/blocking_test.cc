// Blocking commands (api/blocking.h): Redis 7.0's timeout rule, the plans (the non-blocking
// form, the reply shape, the order of argument errors), the keys waited on, the null
// replies, and the rows (arity, flags, key positions) as redis-server 7.0.15's COMMAND INFO.
#include "api/blocking.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "api/args.h"
#include "api/command_table.h"
#include "api/plan.h"
#include "atlas/objects.h"

namespace helios::api {
namespace {

constexpr std::uint64_t kNow = 1'700'000'000'000;

std::string timeout_error(const std::string& text) {
  std::string error;
  EXPECT_FALSE(parse_block_timeout(text, &error).has_value()) << text;
  return error;
}

std::int64_t timeout_ms(const std::string& text) {
  std::string error;
  const std::optional<std::int64_t> ms = parse_block_timeout(text, &error);
  EXPECT_TRUE(ms.has_value()) << text << ": " << error;
  return ms.value_or(-1);
}

TEST(BlockingTimeoutTest, SecondsAsRedisParsesThem) {
  EXPECT_EQ(timeout_ms("0"), 0);
  EXPECT_EQ(timeout_ms("1"), 1000);
  EXPECT_EQ(timeout_ms("0.5"), 500);
  EXPECT_EQ(timeout_ms("0.0001"), 0);   // truncated: forever, as in Redis
  EXPECT_EQ(timeout_ms("-0.0001"), 0);  // likewise
  EXPECT_EQ(timeout_ms("-0"), 0);
  EXPECT_EQ(timeout_ms("1e3"), 1'000'000);
  EXPECT_EQ(timeout_ms("0x10"), 16'000);  // strtold's hexadecimal
  EXPECT_EQ(timeout_ms("1e15"), 1'000'000'000'000'000'000);
  const std::string not_float = "ERR timeout is not a float or out of range";
  for (const char* bad : {"", "abc", " 1", "1 ", "nan", "1x", "--1"}) {
    EXPECT_EQ(timeout_error(bad), not_float) << bad;
  }
  EXPECT_EQ(timeout_error(std::string(6000, '1')), not_float);
  const std::string negative = "ERR timeout is negative";
  for (const char* bad : {"-1", "-0.5", "inf", "-inf", "1e16", "1e400", "9223372036854775807"}) {
    EXPECT_EQ(timeout_error(bad), negative) << bad;
  }
}

Result<Plan> plan(const Argv& argv) {
  const CommandSpec* spec = find_command(argv[0]);
  EXPECT_NE(spec, nullptr) << argv[0];
  return make_plan(*spec, argv, kNow);
}

const atlas::ObjOp& only_op(const Plan& p) {
  EXPECT_EQ(p.ops.size(), 1u);
  return std::get<atlas::ObjOp>(p.ops.at(0));
}

TEST(BlockingPlanTest, EachIsItsNonBlockingForm) {
  struct Case {
    Argv argv;
    const char* plain;
    Argv args;
    Shape shape;
  };
  const Case cases[] = {
      {{"BLPOP", "a", "b", "0"}, "LMPOP", {"2", "a", "b", "LEFT", "COUNT", "1"}, Shape::kKeyedOne},
      {{"brpop", "a", "1.5"}, "LMPOP", {"1", "a", "RIGHT", "COUNT", "1"}, Shape::kKeyedOne},
      {{"BZPOPMIN", "z", "0"}, "ZMPOP", {"1", "z", "MIN", "COUNT", "1"}, Shape::kKeyedOne},
      {{"BZPOPMAX", "z", "y", "0"},
       "ZMPOP",
       {"2", "z", "y", "MAX", "COUNT", "1"},
       Shape::kKeyedOne},
      {{"BLMOVE", "s", "d", "LEFT", "RIGHT", "0"},
       "LMOVE",
       {"s", "d", "LEFT", "RIGHT"},
       Shape::kAsIs},
      {{"BRPOPLPUSH", "s", "d", "3"}, "RPOPLPUSH", {"s", "d"}, Shape::kAsIs},
      {{"BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "3"},
       "LMPOP",
       {"2", "a", "b", "LEFT", "COUNT", "3"},
       Shape::kAsIs},
      {{"BZMPOP", "1", "1", "z", "MAX"}, "ZMPOP", {"1", "z", "MAX"}, Shape::kAsIs},
  };
  for (const Case& c : cases) {
    const std::string name = c.argv[0];
    Argv upper_argv = c.argv;
    upper_argv[0] = upper(name);
    Result<Plan> p = plan(upper_argv);
    ASSERT_TRUE(p.is_ok()) << name << ": " << p.status().message();
    EXPECT_TRUE(p.value().write) << name;
    EXPECT_EQ(p.value().shape, c.shape) << name;
    const atlas::ObjOp& op = only_op(p.value());
    EXPECT_EQ(op.code, atlas::find_object_command(c.plain)->code) << name;
    EXPECT_EQ(op.args, c.args) << name;
  }
}

TEST(BlockingPlanTest, ArgumentErrorsInRedisOrder) {
  const std::string not_float = "ERR timeout is not a float or out of range";
  const std::string negative = "ERR timeout is negative";
  struct Case {
    Argv argv;
    std::string error;
  };
  const Case cases[] = {
      {{"BLPOP", "q", "abc"}, not_float},
      {{"BZPOPMIN", "q", "-1"}, negative},
      {{"BRPOPLPUSH", "a", "b", "-1"}, negative},
      // BLMOVE: the directions first, then the timeout.
      {{"BLMOVE", "a", "b", "UP", "LEFT", "-1"}, "ERR syntax error"},
      {{"BLMOVE", "a", "b", "LEFT", "LEFT", "abc"}, not_float},
      // BLMPOP / BZMPOP: numkeys, the direction and COUNT before the timeout.
      {{"BLMPOP", "abc", "0", "k", "LEFT"}, "ERR numkeys should be greater than 0"},
      {{"BLMPOP", "0.01", "5", "k", "LEFT"}, "ERR syntax error"},
      {{"BLMPOP", "x", "1", "k", "LEFT", "COUNT", "0"}, "ERR count should be greater than 0"},
      {{"BLMPOP", "x", "1", "k", "LEFT"}, not_float},
      {{"BZMPOP", "x", "1", "k", "MIN", "COUNT", "0"}, "ERR count should be greater than 0"},
      {{"BZMPOP", "0", "1", "k", "MID"}, "ERR syntax error"},
  };
  for (const Case& c : cases) {
    Result<Plan> p = plan(c.argv);
    ASSERT_FALSE(p.is_ok()) << c.argv[0];
    EXPECT_EQ(p.status().message(), c.error) << c.argv[0] << " " << c.argv[1];
  }
}

TEST(BlockingPlanTest, KeysWaitedOnAndTimeouts) {
  std::optional<BlockingWait> w = blocking_wait({"BLPOP", "a", "b", "2.5"});
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->type, atlas::ObjectType::kList);
  EXPECT_EQ(w->keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(w->timeout_ms, 2500);
  w = blocking_wait({"BLMOVE", "src", "dst", "LEFT", "LEFT", "0"});  // the source only
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->keys, (std::vector<std::string>{"src"}));
  w = blocking_wait({"BZMPOP", "1", "2", "x", "y", "MIN", "COUNT", "2"});
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->type, atlas::ObjectType::kZSet);
  EXPECT_EQ(w->keys, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(w->timeout_ms, 1000);
  EXPECT_FALSE(blocking_wait({"LPOP", "a"}).has_value());
  EXPECT_FALSE(blocking_wait({"BLPOP", "a", "x"}).has_value());
}

TEST(BlockingReplyTest, NullRepliesAndTheFlatShape) {
  EXPECT_EQ(blocking_null_reply({"BLPOP", "a", "0"}, 2), "*-1\r\n");
  EXPECT_EQ(blocking_null_reply({"BZMPOP", "0", "1", "a", "MIN"}, 2), "*-1\r\n");
  // Redis 7.0 times BLMOVE out with the null array too (LMOVE's nil is the null bulk).
  EXPECT_EQ(blocking_null_reply({"BLMOVE", "a", "b", "LEFT", "LEFT", "0"}, 2), "*-1\r\n");
  EXPECT_EQ(blocking_null_reply({"BRPOPLPUSH", "a", "b", "0"}, 3), "_\r\n");
  EXPECT_EQ(blocking_null_reply({"BLPOP", "a", "0"}, 3), "_\r\n");

  using atlas::Reply;
  auto rendered = [](const Reply& r, int protocol) {
    std::string out;
    resp::Writer w(out, protocol);
    render(Shape::kKeyedOne, &r, 1, w);
    return out;
  };
  // LMPOP's [key, [element]] -> [key, element].
  const Reply list = Reply::array({Reply::bulk("q"), Reply::array({Reply::bulk("job")})});
  EXPECT_EQ(rendered(list, 2), "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
  // ZMPOP's [key, [[member, score]]] -> [key, member, score]: a double in RESP3.
  const Reply zset = Reply::array(
      {Reply::bulk("z"), Reply::array({Reply::array({Reply::bulk("m"), Reply::of_double(1.5)})})});
  EXPECT_EQ(rendered(zset, 2), "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$3\r\n1.5\r\n");
  EXPECT_EQ(rendered(zset, 3), "*3\r\n$1\r\nz\r\n$1\r\nm\r\n,1.5\r\n");
  EXPECT_EQ(rendered(Reply::nil_array(), 2), "*-1\r\n");
  EXPECT_EQ(rendered(Reply::error("WRONGTYPE x"), 2), "-WRONGTYPE x\r\n");
}

TEST(BlockingRowsTest, AsRedisCommandInfo) {
  struct Row {
    const char* name;
    int arity;
    const char* flags;
    int first, last, step;
  };
  const Row rows[] = {
      {"BLPOP", -3, "write noscript blocking", 1, -2, 1},
      {"BRPOP", -3, "write noscript blocking", 1, -2, 1},
      {"BLMOVE", 6, "write denyoom noscript blocking", 1, 2, 1},
      {"BRPOPLPUSH", 4, "write denyoom noscript blocking", 1, 2, 1},
      {"BLMPOP", -5, "write blocking movablekeys", 0, 0, 0},
      {"BZPOPMIN", -3, "write noscript blocking fast", 1, -2, 1},
      {"BZPOPMAX", -3, "write noscript blocking fast", 1, -2, 1},
      {"BZMPOP", -5, "write blocking movablekeys", 0, 0, 0},
  };
  for (const Row& r : rows) {
    const CommandSpec* spec = find_command(r.name);
    ASSERT_NE(spec, nullptr) << r.name;
    EXPECT_EQ(spec->arity, r.arity) << r.name;
    EXPECT_EQ(spec->flags, r.flags) << r.name;
    EXPECT_EQ(spec->first_key, r.first) << r.name;
    EXPECT_EQ(spec->last_key, r.last) << r.name;
    EXPECT_EQ(spec->step, r.step) << r.name;
    EXPECT_EQ(spec->kind, Kind::kData) << r.name;
    EXPECT_NE(spec->plan, nullptr) << r.name;
    EXPECT_NE(spec->handle, nullptr) << r.name;
  }
  // BLMPOP's keys for ACL patterns: after the timeout and numkeys.
  const CommandSpec* blmpop = find_command("BLMPOP");
  ASSERT_NE(blmpop->object, nullptr);
  const atlas::Args args = {"0", "2", "a", "b", "LEFT"};
  EXPECT_EQ(atlas::object_key_positions(*blmpop->object, args), (std::vector<std::size_t>{2, 3}));
}

}  // namespace
}  // namespace helios::api
