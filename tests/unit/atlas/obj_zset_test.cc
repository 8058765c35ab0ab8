// The sorted-set commands (src/atlas/obj_zset*.cc) applied through Store::apply: Redis 7's
// replies and error lines, errors that change nothing, the never-empty rule, WRONGTYPE, and
// determinism across a snapshot round trip.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "atlas/objects.h"
#include "base/prng.h"
#include "store_test_util.h"

namespace helios::atlas {
namespace {

using test::apply1;
using test::integer;

constexpr double kInf = std::numeric_limits<double>::infinity();

Reply z(Store& s, std::string_view name, std::vector<std::string> args, std::uint64_t seed = 0) {
  const ObjectCommand* row = find_object_command(name);
  EXPECT_NE(row, nullptr) << name;
  return apply1(s, 1000, ObjOp{row->code, seed, std::move(args)});
}

Reply b(std::string s) {
  return Reply::bulk(std::move(s));
}
Reply d(double v) {
  return Reply::of_double(v);
}
Reply arr(std::vector<Reply> v) {
  return Reply::array(std::move(v));
}
Reply bulks(const std::vector<std::string>& v) {
  std::vector<Reply> out;
  for (const std::string& s : v) {
    out.push_back(b(s));
  }
  return arr(std::move(out));
}
Reply pairs(const std::vector<std::pair<std::string, double>>& v) {
  std::vector<Reply> out;
  for (const auto& [m, sc] : v) {
    out.push_back(b(m));
    out.push_back(d(sc));
  }
  return Reply::pairs(std::move(out));
}
Reply err(std::string_view line) {
  return Reply::error(line);
}

// Applies `args` and expects `error`, with the store unchanged.
void expect_error(Store& s, std::string_view name, std::vector<std::string> args,
                  std::string_view error) {
  const std::string before = s.digest_hex();
  EXPECT_EQ(z(s, name, args), err(error)) << name << " " << (args.empty() ? "" : args.back());
  EXPECT_EQ(s.digest_hex(), before) << name;
  // The proposer's check answers the argument errors without a log entry; when it accepts,
  // the error must come from the keys.
  const ObjectCommand* row = find_object_command(name);
  if (row->check != nullptr && !row->check(args).empty()) {
    EXPECT_EQ(row->check(args), error) << name;
  }
}

Store sample() {
  Store s;
  EXPECT_EQ(z(s, "ZADD", {"z", "1", "a", "2", "b", "3", "c", "3", "d", "-inf", "lo", "inf", "hi"}),
            integer(6));
  return s;
}

TEST(ObjZsetTest, zadd_optionsAndReplies) {
  Store s;
  EXPECT_EQ(z(s, "ZADD", {"z", "1", "a", "2", "b"}), integer(2));
  EXPECT_EQ(z(s, "ZADD", {"z", "5", "a", "3", "c"}), integer(1));
  EXPECT_EQ(z(s, "ZADD", {"z", "CH", "6", "a", "3", "c", "4", "x"}), integer(2));
  EXPECT_EQ(z(s, "ZADD", {"z", "nx", "9", "a", "9", "y"}), integer(1));
  EXPECT_EQ(z(s, "ZSCORE", {"z", "a"}), d(6));
  EXPECT_EQ(z(s, "ZADD", {"z", "xx", "ch", "7", "a", "9", "new"}), integer(1));
  EXPECT_EQ(z(s, "ZSCORE", {"z", "new"}), Reply::nil());
  EXPECT_EQ(z(s, "ZADD", {"z", "GT", "CH", "1", "a", "8", "b"}), integer(1));
  EXPECT_EQ(z(s, "ZSCORE", {"z", "a"}), d(7));
  EXPECT_EQ(z(s, "ZADD", {"z", "LT", "CH", "10", "a", "0", "b"}), integer(1));
  EXPECT_EQ(z(s, "ZSCORE", {"z", "b"}), d(0));
  // INCR: the new score, or nil when an option stops it.
  EXPECT_EQ(z(s, "ZADD", {"z", "INCR", "2.5", "a"}), d(9.5));
  EXPECT_EQ(z(s, "ZADD", {"z", "INCR", "XX", "1", "nobody"}), Reply::nil());
  EXPECT_EQ(z(s, "ZADD", {"z", "INCR", "GT", "-1", "a"}), Reply::nil());
  EXPECT_EQ(z(s, "ZADD", {"z", "INCR", "NX", "1", "a"}), Reply::nil());
  EXPECT_EQ(z(s, "ZINCRBY", {"z", "-0.5", "a"}), d(9));
  EXPECT_EQ(z(s, "ZINCRBY", {"fresh", "+inf", "m"}), d(kInf));
  // XX on a missing key creates nothing.
  EXPECT_EQ(z(s, "ZADD", {"none", "XX", "1", "a"}), integer(0));
  EXPECT_EQ(z(s, "ZADD", {"none", "XX", "INCR", "1", "a"}), Reply::nil());
  EXPECT_EQ(s.type_of("none", 1000), std::nullopt);
  // The same member twice: the last score wins, counted once.
  EXPECT_EQ(z(s, "ZADD", {"dup", "1", "m", "2", "m"}), integer(1));
  EXPECT_EQ(z(s, "ZSCORE", {"dup", "m"}), d(2));
  EXPECT_EQ(z(s, "ZCARD", {"z"}), integer(5));
  EXPECT_EQ(z(s, "ZCARD", {"missing"}), integer(0));
}

TEST(ObjZsetTest, zadd_errorsChangeNothing) {
  Store s = sample();
  expect_error(s, "ZADD", {"z", "1"}, kErrSyntax);
  expect_error(s, "ZADD", {"z", "NX", "1", "a", "2"}, kErrSyntax);
  expect_error(s, "ZADD", {"z", "NX", "XX", "1", "a"},
               "ERR XX and NX options at the same time are not compatible");
  expect_error(s, "ZADD", {"z", "GT", "LT", "1", "a"},
               "ERR GT, LT, and/or NX options at the same time are not compatible");
  expect_error(s, "ZADD", {"z", "NX", "GT", "1", "a"},
               "ERR GT, LT, and/or NX options at the same time are not compatible");
  expect_error(s, "ZADD", {"z", "INCR", "1", "a", "2", "b"},
               "ERR INCR option supports a single increment-element pair");
  expect_error(s, "ZADD", {"z", "1", "new", "x", "b"}, kErrNotFloat);
  expect_error(s, "ZADD", {"z", "nan", "a"}, kErrNotFloat);
  expect_error(s, "ZADD", {"z", " 1", "a"}, kErrNotFloat);
  expect_error(s, "ZADD", {"z", "1e400", "a"}, kErrNotFloat);
  expect_error(s, "ZADD", {"z", "", "a"}, kErrNotFloat);
  expect_error(s, "ZINCRBY", {"z", "abc", "a"}, kErrNotFloat);
  expect_error(s, "ZINCRBY", {"z", "NX", "a"}, kErrSyntax);
  // inf + -inf: NaN, refused.
  expect_error(s, "ZINCRBY", {"z", "-inf", "hi"}, "ERR resulting score is not a number (NaN)");
  expect_error(s, "ZADD", {"z", "INCR", "+inf", "lo"}, "ERR resulting score is not a number (NaN)");
  apply1(s, 1000, SetOp{"str", "v"});
  for (const char* cmd : {"ZADD", "ZINCRBY"}) {
    expect_error(s, cmd, {"str", "1", "a"}, kErrWrongType);
  }
  expect_error(s, "ZREM", {"str", "a"}, kErrWrongType);
  expect_error(s, "ZPOPMIN", {"str"}, kErrWrongType);
  expect_error(s, "ZRANGESTORE", {"dst", "str", "0", "-1"}, kErrWrongType);
  expect_error(s, "ZREMRANGEBYRANK", {"str", "0", "-1"}, kErrWrongType);
  expect_error(s, "ZUNIONSTORE", {"dst", "2", "z", "str"}, kErrWrongType);
  expect_error(s, "ZMPOP", {"2", "missing", "str", "MIN"}, kErrWrongType);
  for (const char* cmd : {"ZSCORE", "ZRANK", "ZREVRANK", "ZMSCORE"}) {
    EXPECT_EQ(z(s, cmd, {"str", "a"}), err(kErrWrongType)) << cmd;
  }
  EXPECT_EQ(z(s, "ZCARD", {"str"}), err(kErrWrongType));
  EXPECT_EQ(z(s, "ZRANGE", {"str", "0", "1"}), err(kErrWrongType));
  EXPECT_EQ(z(s, "ZCOUNT", {"str", "0", "1"}), err(kErrWrongType));
  EXPECT_EQ(z(s, "ZUNION", {"1", "str"}), err(kErrWrongType));
  EXPECT_EQ(z(s, "ZSCAN", {"str", "0"}), err(kErrWrongType));
  EXPECT_EQ(z(s, "ZRANDMEMBER", {"str"}), err(kErrWrongType));
}

TEST(ObjZsetTest, readsOfScoresAndRanks) {
  Store s = sample();
  EXPECT_EQ(z(s, "ZSCORE", {"z", "lo"}), d(-kInf));
  EXPECT_EQ(z(s, "ZSCORE", {"missing", "a"}), Reply::nil());
  EXPECT_EQ(z(s, "ZMSCORE", {"z", "a", "nope", "hi"}), arr({d(1), Reply::nil(), d(kInf)}));
  EXPECT_EQ(z(s, "ZMSCORE", {"missing", "a", "b"}), arr({Reply::nil(), Reply::nil()}));
  EXPECT_EQ(z(s, "ZRANK", {"z", "a"}), integer(1));
  EXPECT_EQ(z(s, "ZREVRANK", {"z", "a"}), integer(4));
  EXPECT_EQ(z(s, "ZRANK", {"z", "nope"}), Reply::nil());
  EXPECT_EQ(z(s, "ZRANK", {"missing", "a"}), Reply::nil());
  EXPECT_EQ(z(s, "ZCOUNT", {"z", "-inf", "+inf"}), integer(6));
  EXPECT_EQ(z(s, "ZCOUNT", {"z", "(1", "3"}), integer(3));
  EXPECT_EQ(z(s, "ZCOUNT", {"z", "(1", "(3"}), integer(1));
  EXPECT_EQ(z(s, "ZCOUNT", {"missing", "0", "1"}), integer(0));
  expect_error(s, "ZCOUNT", {"z", "x", "1"}, "ERR min or max is not a float");
  expect_error(s, "ZCOUNT", {"z", "1", "nan"}, "ERR min or max is not a float");
  expect_error(s, "ZCOUNT", {"missing", "((1", "1"}, "ERR min or max is not a float");
  Store lex;
  z(lex, "ZADD", {"l", "0", "a", "0", "b", "0", "c", "0", "d"});
  EXPECT_EQ(z(lex, "ZLEXCOUNT", {"l", "-", "+"}), integer(4));
  EXPECT_EQ(z(lex, "ZLEXCOUNT", {"l", "(a", "[c"}), integer(2));
  EXPECT_EQ(z(lex, "ZLEXCOUNT", {"l", "+", "-"}), integer(0));
  expect_error(lex, "ZLEXCOUNT", {"l", "a", "+"}, "ERR min or max not valid string range item");
  expect_error(lex, "ZLEXCOUNT", {"l", "-", "++"}, "ERR min or max not valid string range item");
}

TEST(ObjZsetTest, zrangeFamily) {
  Store s = sample();
  EXPECT_EQ(z(s, "ZRANGE", {"z", "0", "-1"}), bulks({"lo", "a", "b", "c", "d", "hi"}));
  EXPECT_EQ(z(s, "ZRANGE", {"z", "-2", "100"}), bulks({"d", "hi"}));
  EXPECT_EQ(z(s, "ZRANGE", {"z", "3", "1"}), bulks({}));
  EXPECT_EQ(z(s, "ZRANGE", {"z", "-100", "0", "WITHSCORES"}), pairs({{"lo", -kInf}}));
  EXPECT_EQ(z(s, "ZRANGE", {"z", "0", "1", "REV"}), bulks({"hi", "d"}));
  EXPECT_EQ(z(s, "ZREVRANGE", {"z", "0", "1", "withscores"}), pairs({{"hi", kInf}, {"d", 3}}));
  EXPECT_EQ(z(s, "ZRANGE", {"z", "(1", "3", "BYSCORE"}), bulks({"b", "c", "d"}));
  EXPECT_EQ(z(s, "ZRANGE", {"z", "3", "(1", "BYSCORE", "REV", "LIMIT", "1", "1"}), bulks({"c"}));
  EXPECT_EQ(z(s, "ZRANGEBYSCORE", {"z", "-inf", "2", "WITHSCORES", "LIMIT", "1", "-1"}),
            pairs({{"a", 1}, {"b", 2}}));
  EXPECT_EQ(z(s, "ZRANGEBYSCORE", {"z", "-inf", "2", "LIMIT", "-1", "5"}), bulks({}));
  EXPECT_EQ(z(s, "ZRANGEBYSCORE", {"z", "-inf", "2", "LIMIT", "0", "0"}), bulks({}));
  EXPECT_EQ(z(s, "ZREVRANGEBYSCORE", {"z", "+inf", "(3"}), bulks({"hi"}));
  EXPECT_EQ(z(s, "ZRANGE", {"missing", "0", "-1"}), bulks({}));
  Store lex;
  z(lex, "ZADD", {"l", "0", "a", "0", "b", "0", "c", "0", "d"});
  EXPECT_EQ(z(lex, "ZRANGEBYLEX", {"l", "[b", "+"}), bulks({"b", "c", "d"}));
  EXPECT_EQ(z(lex, "ZREVRANGEBYLEX", {"l", "(d", "-", "LIMIT", "0", "2"}), bulks({"c", "b"}));
  EXPECT_EQ(z(lex, "ZRANGE", {"l", "[a", "(c", "BYLEX"}), bulks({"a", "b"}));
  expect_error(s, "ZRANGE", {"z", "0", "1", "LIMIT", "0", "1"},
               "ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
               "or BYLEX");
  expect_error(s, "ZRANGE", {"z", "-", "+", "BYLEX", "WITHSCORES"},
               "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  expect_error(s, "ZRANGE", {"z", "0", "1", "BYSCORE", "BYLEX"}, kErrSyntax);
  expect_error(s, "ZRANGE", {"z", "0", "1", "LIMIT", "0"}, kErrSyntax);
  expect_error(s, "ZRANGE", {"z", "0", "x"}, kErrNotInteger);
  expect_error(s, "ZRANGE", {"z", "0", "1", "BYSCORE", "LIMIT", "a", "1"}, kErrNotInteger);
  expect_error(s, "ZRANGE", {"z", "a", "1", "BYSCORE"}, "ERR min or max is not a float");
  expect_error(s, "ZREVRANGE", {"z", "0", "1", "REV"}, kErrSyntax);
  expect_error(s, "ZRANGEBYSCORE", {"z", "0", "1", "BYLEX"}, kErrSyntax);
  expect_error(s, "ZRANGEBYLEX", {"z", "a", "+"}, "ERR min or max not valid string range item");
  expect_error(s, "ZRANGESTORE", {"d", "z", "0", "1", "WITHSCORES"}, kErrSyntax);
}

TEST(ObjZsetTest, zrangestore_replacesOrDeletesTheDestination) {
  Store s = sample();
  apply1(s, 1000, SetOp{"dst", "a string"});
  EXPECT_EQ(z(s, "ZRANGESTORE", {"dst", "z", "1", "2", "BYSCORE"}), integer(2));
  EXPECT_EQ(z(s, "ZRANGE", {"dst", "0", "-1", "WITHSCORES"}), pairs({{"a", 1}, {"b", 2}}));
  EXPECT_EQ(z(s, "ZRANGESTORE", {"z", "z", "0", "0"}), integer(1));  // onto itself
  EXPECT_EQ(z(s, "ZRANGE", {"z", "0", "-1"}), bulks({"lo"}));
  EXPECT_EQ(z(s, "ZRANGESTORE", {"dst", "missing", "0", "-1"}), integer(0));
  EXPECT_EQ(s.type_of("dst", 1000), std::nullopt);
}

TEST(ObjZsetTest, removals_neverLeaveAnEmptyKey) {
  Store s = sample();
  EXPECT_EQ(z(s, "ZREM", {"z", "a", "nope", "a"}), integer(1));
  EXPECT_EQ(z(s, "ZREM", {"missing", "a"}), integer(0));
  EXPECT_EQ(z(s, "ZREMRANGEBYSCORE", {"z", "(2", "3"}), integer(2));
  EXPECT_EQ(z(s, "ZRANGE", {"z", "0", "-1"}), bulks({"lo", "b", "hi"}));
  EXPECT_EQ(z(s, "ZREMRANGEBYRANK", {"z", "5", "10"}), integer(0));
  EXPECT_EQ(z(s, "ZREMRANGEBYRANK", {"z", "-2", "-2"}), integer(1));
  EXPECT_EQ(z(s, "ZREMRANGEBYRANK", {"z", "0", "-1"}), integer(2));
  EXPECT_EQ(s.type_of("z", 1000), std::nullopt);
  z(s, "ZADD", {"l", "0", "a", "0", "b", "0", "c"});
  EXPECT_EQ(z(s, "ZREMRANGEBYLEX", {"l", "(a", "+"}), integer(2));
  EXPECT_EQ(z(s, "ZREMRANGEBYLEX", {"l", "-", "+"}), integer(1));
  EXPECT_EQ(s.type_of("l", 1000), std::nullopt);
  expect_error(s, "ZREMRANGEBYRANK", {"l", "a", "1"}, kErrNotInteger);
  expect_error(s, "ZREMRANGEBYSCORE", {"l", "a", "1"}, "ERR min or max is not a float");
  expect_error(s, "ZREMRANGEBYLEX", {"l", "a", "+"}, "ERR min or max not valid string range item");
}

TEST(ObjZsetTest, pops) {
  Store s = sample();
  EXPECT_EQ(z(s, "ZPOPMIN", {"z"}), arr({b("lo"), d(-kInf)}));
  EXPECT_EQ(z(s, "ZPOPMAX", {"z", "2"}), pairs({{"hi", kInf}, {"d", 3}}));
  EXPECT_EQ(z(s, "ZPOPMIN", {"z", "0"}), arr({}));
  EXPECT_EQ(z(s, "ZPOPMIN", {"missing"}), arr({}));
  expect_error(s, "ZPOPMIN", {"z", "-1"}, kErrNotPositive);
  expect_error(s, "ZPOPMIN", {"z", "x"}, kErrNotPositive);  // Redis: "out of range" too
  expect_error(s, "ZPOPMIN", {"z", "1", "2"}, kErrSyntax);
  EXPECT_EQ(z(s, "ZMPOP", {"2", "missing", "z", "MAX", "COUNT", "2"}),
            arr({b("z"), arr({arr({b("c"), d(3)}), arr({b("b"), d(2)})})}));
  EXPECT_EQ(z(s, "ZMPOP", {"1", "z", "min", "count", "10"}),
            arr({b("z"), arr({arr({b("a"), d(1)})})}));
  EXPECT_EQ(s.type_of("z", 1000), std::nullopt);
  EXPECT_EQ(z(s, "ZMPOP", {"1", "z", "MIN"}), Reply::nil_array());
  expect_error(s, "ZMPOP", {"0", "z", "MIN"}, "ERR numkeys should be greater than 0");
  expect_error(s, "ZMPOP", {"x", "z", "MIN"}, "ERR numkeys should be greater than 0");
  expect_error(s, "ZMPOP", {"2", "z", "MIN"}, kErrSyntax);
  expect_error(s, "ZMPOP", {"1", "z", "MID"}, kErrSyntax);
  expect_error(s, "ZMPOP", {"1", "z", "MIN", "COUNT", "0"}, "ERR count should be greater than 0");
  expect_error(s, "ZMPOP", {"1", "z", "MIN", "COUNT", "1", "COUNT", "1"}, kErrSyntax);
  const ObjectCommand* row = find_object_command("ZMPOP");
  EXPECT_EQ(object_key_positions(*row, {"2", "a", "b", "MIN"}), (std::vector<std::size_t>{1, 2}));
}

TEST(ObjZsetTest, unionInterDiff) {
  Store s;
  z(s, "ZADD", {"a", "1", "x", "2", "y", "3", "z"});
  z(s, "ZADD", {"b", "10", "y", "20", "z", "30", "w"});
  EXPECT_EQ(z(s, "ZUNION", {"2", "a", "b", "WITHSCORES"}),
            pairs({{"x", 1}, {"y", 12}, {"z", 23}, {"w", 30}}));
  EXPECT_EQ(z(s, "ZUNION", {"2", "a", "b", "WEIGHTS", "2", "-1", "AGGREGATE", "MAX"}),
            bulks({"w", "x", "y", "z"}));
  EXPECT_EQ(z(s, "ZINTER", {"3", "a", "b", "a", "AGGREGATE", "min", "withscores"}),
            pairs({{"y", 2}, {"z", 3}}));
  EXPECT_EQ(z(s, "ZINTER", {"2", "a", "missing"}), bulks({}));
  EXPECT_EQ(z(s, "ZDIFF", {"2", "a", "b", "WITHSCORES"}), pairs({{"x", 1}}));
  EXPECT_EQ(z(s, "ZDIFF", {"2", "missing", "b"}), bulks({}));
  // inf * 0 counts as 0; inf + -inf sums to 0.
  z(s, "ZADD", {"i", "inf", "x"});
  z(s, "ZADD", {"j", "-inf", "x"});
  EXPECT_EQ(z(s, "ZUNION", {"2", "i", "j", "WITHSCORES"}), pairs({{"x", 0}}));
  EXPECT_EQ(z(s, "ZUNION", {"1", "i", "WEIGHTS", "0", "WITHSCORES"}), pairs({{"x", 0}}));
  apply1(s, 1000, SetOp{"dst", "v"});
  EXPECT_EQ(z(s, "ZUNIONSTORE", {"dst", "2", "a", "b"}), integer(4));
  EXPECT_EQ(z(s, "ZRANGE", {"dst", "0", "-1", "WITHSCORES"}),
            pairs({{"x", 1}, {"y", 12}, {"z", 23}, {"w", 30}}));
  EXPECT_EQ(z(s, "ZINTERSTORE", {"a", "2", "a", "b", "WEIGHTS", "1", "0"}), integer(2));
  EXPECT_EQ(z(s, "ZRANGE", {"a", "0", "-1", "WITHSCORES"}), pairs({{"y", 2}, {"z", 3}}));
  EXPECT_EQ(z(s, "ZDIFFSTORE", {"dst", "2", "a", "b"}), integer(0));
  EXPECT_EQ(s.type_of("dst", 1000), std::nullopt);
  expect_error(s, "ZUNIONSTORE", {"d", "0", "a"},
               "ERR at least 1 input key is needed for 'zunionstore' command");
  expect_error(s, "ZINTER", {"-1", "a"}, "ERR at least 1 input key is needed for 'zinter' command");
  expect_error(s, "ZUNION", {"3", "a", "b"}, kErrSyntax);
  expect_error(s, "ZUNION", {"x", "a"}, kErrNotInteger);
  expect_error(s, "ZUNION", {"2", "a", "b", "WEIGHTS", "1"}, kErrSyntax);
  expect_error(s, "ZUNION", {"2", "a", "b", "WEIGHTS", "1", "x"},
               "ERR weight value is not a float");
  expect_error(s, "ZUNION", {"1", "a", "AGGREGATE", "AVG"}, kErrSyntax);
  expect_error(s, "ZDIFF", {"1", "a", "WEIGHTS", "1"}, kErrSyntax);
  expect_error(s, "ZUNIONSTORE", {"d", "1", "a", "WITHSCORES"}, kErrSyntax);
  const ObjectCommand* row = find_object_command("ZUNIONSTORE");
  EXPECT_EQ(object_key_positions(*row, {"d", "2", "a", "b", "WEIGHTS", "1", "2"}),
            (std::vector<std::size_t>{0, 2, 3}));
}

TEST(ObjZsetTest, zrandmemberAndZscan) {
  Store s = sample();
  const Reply one = z(s, "ZRANDMEMBER", {"z"}, 42);
  EXPECT_EQ(one, z(s, "ZRANDMEMBER", {"z"}, 42));
  EXPECT_EQ(z(s, "ZRANDMEMBER", {"z", "100"}, 7), bulks({"lo", "a", "b", "c", "d", "hi"}));
  const Reply three = z(s, "ZRANDMEMBER", {"z", "3", "WITHSCORES"}, 7);
  EXPECT_EQ(three.kind, Reply::Kind::kPairs);
  EXPECT_EQ(three.elements.size(), 6u);
  EXPECT_EQ(z(s, "ZRANDMEMBER", {"z", "-10"}, 7).elements.size(), 10u);
  EXPECT_EQ(z(s, "ZRANDMEMBER", {"z", "0"}, 7), bulks({}));
  EXPECT_EQ(z(s, "ZRANDMEMBER", {"missing"}, 7), Reply::nil());
  EXPECT_EQ(z(s, "ZRANDMEMBER", {"missing", "2"}, 7), bulks({}));
  expect_error(s, "ZRANDMEMBER", {"z", "1", "WITHVALUES"}, kErrSyntax);
  expect_error(s, "ZRANDMEMBER", {"z", "x"}, kErrNotInteger);
  expect_error(s, "ZRANDMEMBER", {"z", "-9223372036854775808"},
               "ERR value is out of range, value must between -9223372036854775807 and "
               "9223372036854775807");
  expect_error(s, "ZRANDMEMBER", {"z", "9223372036854775807", "WITHSCORES"},
               "ERR value is out of range");
  // ZSCAN: every member once with its score as text, over the whole cursor walk.
  std::string cursor = "0";
  std::vector<std::string> seen;
  do {
    const Reply page = z(s, "ZSCAN", {"z", cursor, "COUNT", "2"});
    ASSERT_EQ(page.elements.size(), 2u);
    cursor = page.elements[0].text;
    for (const Reply& e : page.elements[1].elements) {
      seen.push_back(e.text);
    }
  } while (cursor != "0");
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"-inf", "1", "2", "3", "3", "a", "b", "c", "d", "hi",
                                            "inf", "lo"}));
  EXPECT_EQ(z(s, "ZSCAN", {"z", "0", "MATCH", "h*"}), arr({b("0"), bulks({"hi", "inf"})}));
  z(s, "ZADD", {"f", "0.1", "m"});
  EXPECT_EQ(z(s, "ZSCAN", {"f", "0"}), arr({b("0"), bulks({"m", "0.10000000000000001"})}));
  expect_error(s, "ZSCAN", {"z", "x"}, "ERR invalid cursor");
}

// A random mix of writes (including seeded random reads) applied to two stores, one of them
// rebuilt from its snapshot halfway: the same replies and the same digest at the end.
TEST(ObjZsetTest, sameOpsSameState_acrossASnapshotRoundTrip) {
  base::Prng prng(2026);
  const auto member = [&] { return "m" + std::to_string(prng.uniform(40)); };
  const auto key = [&] { return "k" + std::to_string(prng.uniform(3)); };
  const auto score = [&] { return std::to_string(static_cast<int>(prng.uniform(20)) - 10); };
  Store a;
  Store b;
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::string> args;
    std::string_view name;
    switch (prng.uniform(9)) {
      case 0:
      case 1:
        name = "ZADD";
        args = {key(), score(), member(), score(), member()};
        break;
      case 2:
        name = "ZINCRBY";
        args = {key(), score(), member()};
        break;
      case 3:
        name = "ZREM";
        args = {key(), member()};
        break;
      case 4:
        name = prng.uniform(2) == 0 ? "ZPOPMIN" : "ZPOPMAX";
        args = {key(), "2"};
        break;
      case 5:
        name = "ZUNIONSTORE";
        args = {key(), "2", key(), key(), "AGGREGATE", "MAX"};
        break;
      case 6:
        name = "ZREMRANGEBYSCORE";
        args = {key(), score(), score()};
        break;
      case 7:
        name = "ZRANDMEMBER";
        args = {key(), "-3", "WITHSCORES"};
        break;
      default:
        name = "ZRANGESTORE";
        args = {key(), key(), "0", "5"};
        break;
    }
    const std::uint64_t seed = prng.next();
    ASSERT_EQ(z(a, name, args, seed), z(b, name, args, seed)) << i;
    if (i == 1500) {
      Result<Store> restored = Store::deserialize(b.serialize());
      ASSERT_TRUE(restored.is_ok());
      b = std::move(restored).value();
    }
  }
  EXPECT_EQ(a.digest_hex(), b.digest_hex());
}

}  // namespace
}  // namespace helios::atlas
