// The list commands (atlas/obj_list.cc) applied to a Store as ObjOps: Redis 7.0's replies
// and error lines (checked against redis-server 7.0.15), errors that change nothing,
// WRONGTYPE, the never-empty rule, and determinism across a snapshot round trip.

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "atlas/obj_common.h"
#include "store_test_util.h"

namespace helios::atlas {
namespace {

using test::integer;

constexpr std::uint64_t kStamp = 1000;

Reply bulks(std::vector<std::string> items) {
  return bulk_array(items);
}

Reply ints(const std::vector<std::int64_t>& items) {
  std::vector<Reply> out;
  for (std::int64_t i : items) {
    out.push_back(Reply::of_integer(i));
  }
  return Reply::array(std::move(out));
}

ObjOp obj_op(const std::vector<std::string>& argv, std::uint64_t seed = 0) {
  const ObjectCommand* row = find_object_command(argv.at(0));
  EXPECT_NE(row, nullptr) << argv.at(0);
  ObjOp op;
  op.code = row == nullptr ? 0 : row->code;
  op.seed = seed;
  op.args.assign(argv.begin() + 1, argv.end());
  EXPECT_TRUE(row == nullptr || object_arity_ok(*row, op.args.size())) << argv.at(0);
  return op;
}

class ListTest : public ::testing::Test {
 protected:
  // Applies the command argv (argv[0] its name) and checks the invariants.
  Reply run(const std::vector<std::string>& argv) {
    return test::apply1(store_, kStamp, obj_op(argv));
  }

  // Runs argv, expects `error`, and that the store did not change; if the row has a `check`
  // that answers before the keys, it must say the same (`checked`).
  void expect_error(const std::vector<std::string>& argv, std::string_view error,
                    bool checked = false) {
    const std::string before = store_.digest_hex();
    const std::vector<SnapshotItem> items = test::items_of(store_);  // versions included
    EXPECT_EQ(run(argv), Reply::error(error)) << argv[0];
    EXPECT_EQ(store_.digest_hex(), before) << argv[0];
    EXPECT_EQ(test::items_of(store_), items) << argv[0];
    const ObjectCommand* row = find_object_command(argv[0]);
    const Args args(argv.begin() + 1, argv.end());
    if (checked) {
      ASSERT_NE(row->check, nullptr) << argv[0];
      EXPECT_EQ(row->check(args), error) << argv[0];
    } else if (row->check != nullptr) {
      EXPECT_EQ(row->check(args), "") << argv[0];
    }
  }

  // The whole list at `key` (LRANGE key 0 -1).
  Reply contents(const std::string& key) { return run({"LRANGE", key, "0", "-1"}); }

  void set_string(const std::string& key) {
    SetOp set;
    set.key = key;
    set.value = "x";
    EXPECT_EQ(test::apply1(store_, kStamp, set), Reply::ok());
  }

  bool exists(const std::string& key) const { return store_.type_of(key, kStamp).has_value(); }

  Store store_;
};

TEST_F(ListTest, rows_haveRedisArityFlagsAndKeys) {
  const ObjectCommand* lmove = find_object_command("LMOVE");
  ASSERT_NE(lmove, nullptr);
  EXPECT_EQ(lmove->arity, 5);
  EXPECT_EQ(object_key_positions(*lmove, {"a", "b", "LEFT", "RIGHT"}),
            (std::vector<std::size_t>{0, 1}));
  const ObjectCommand* lmpop = find_object_command("LMPOP");
  ASSERT_NE(lmpop, nullptr);
  EXPECT_EQ(object_key_positions(*lmpop, {"2", "a", "b", "LEFT"}),
            (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(object_key_positions(*lmpop, {"9", "a", "LEFT"}), (std::vector<std::size_t>{1, 2}));
  EXPECT_TRUE(object_key_positions(*lmpop, {"x", "a", "LEFT"}).empty());
  for (const ObjectCommand* row : all_object_commands()) {
    if (row->code >= 200 && row->code < 300) {
      EXPECT_EQ(row, find_object_command(row->name)) << row->name;
    }
  }
  EXPECT_EQ(list_commands().size(), 17u);
}

TEST_F(ListTest, push_lengthOrderAndX) {
  EXPECT_EQ(run({"LPUSHX", "l", "a"}), integer(0));
  EXPECT_FALSE(exists("l"));
  EXPECT_EQ(run({"RPUSHX", "l", "a"}), integer(0));
  EXPECT_EQ(run({"LPUSH", "l", "a", "b"}), integer(2));
  EXPECT_EQ(run({"RPUSH", "l", "c", "d"}), integer(4));
  EXPECT_EQ(run({"LPUSHX", "l", "e"}), integer(5));
  EXPECT_EQ(run({"RPUSHX", "l", "f", "g"}), integer(7));
  EXPECT_EQ(contents("l"), bulks({"e", "b", "a", "c", "d", "f", "g"}));
  EXPECT_EQ(store_.type_of("l", kStamp), ObjectType::kList);
  EXPECT_EQ(run({"LLEN", "l"}), integer(7));
  EXPECT_EQ(run({"LLEN", "none"}), integer(0));
}

TEST_F(ListTest, wrongType_changesNothing) {
  set_string("s");
  run({"RPUSH", "l", "a"});
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"LPUSH", "s", "a"},
           {"RPUSH", "s", "a"},
           {"LPUSHX", "s", "a"},
           {"RPUSHX", "s", "a"},
           {"LPOP", "s"},
           {"RPOP", "s", "0"},
           {"LLEN", "s"},
           {"LINDEX", "s", "x"},
           {"LRANGE", "s", "0", "1"},
           {"LSET", "s", "x", "v"},
           {"LINSERT", "s", "BEFORE", "a", "b"},
           {"LREM", "s", "0", "a"},
           {"LTRIM", "s", "0", "1"},
           {"LPOS", "s", "a"},
           {"LMOVE", "s", "l", "LEFT", "LEFT"},
           {"LMOVE", "l", "s", "LEFT", "LEFT"},
           {"RPOPLPUSH", "l", "s"},
           {"RPOPLPUSH", "s", "l"},
           {"LMPOP", "2", "none", "s", "LEFT"},
       }) {
    expect_error(argv, kErrWrongType);
  }
  EXPECT_EQ(contents("l"), bulks({"a"}));
}

TEST_F(ListTest, pop_withAndWithoutCount) {
  EXPECT_EQ(run({"LPOP", "l"}), Reply::nil());
  EXPECT_EQ(run({"LPOP", "l", "2"}), Reply::nil_array());
  EXPECT_EQ(run({"RPOP", "l", "0"}), Reply::nil_array());
  run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(run({"LPOP", "l", "0"}), Reply::array({}));
  EXPECT_EQ(run({"LPOP", "l"}), Reply::bulk("a"));
  EXPECT_EQ(run({"RPOP", "l"}), Reply::bulk("e"));
  EXPECT_EQ(run({"RPOP", "l", "2"}), bulks({"d", "c"}));  // the tail first
  EXPECT_EQ(run({"LPOP", "l", "9223372036854775807"}), bulks({"b"}));
  EXPECT_FALSE(exists("l"));  // never empty
  run({"RPUSH", "l", "x"});
  EXPECT_EQ(run({"RPOP", "l"}), Reply::bulk("x"));
  EXPECT_FALSE(exists("l"));
}

TEST_F(ListTest, pop_badCount) {
  run({"RPUSH", "l", "a"});
  expect_error({"LPOP", "l", "-1"}, kErrNotPositive, true);
  expect_error({"RPOP", "l", "abc"}, kErrNotPositive, true);
  expect_error({"LPOP", "l", "1", "2"}, "ERR wrong number of arguments for 'lpop' command", true);
  expect_error({"RPOP", "none", "-1"}, kErrNotPositive, true);  // before the key
}

TEST_F(ListTest, lindexAndLset) {
  EXPECT_EQ(run({"LINDEX", "l", "abc"}), Reply::nil());  // the key first
  expect_error({"LSET", "l", "abc", "v"}, kErrNoSuchKey);
  run({"RPUSH", "l", "a", "b", "c"});
  EXPECT_EQ(run({"LINDEX", "l", "0"}), Reply::bulk("a"));
  EXPECT_EQ(run({"LINDEX", "l", "-1"}), Reply::bulk("c"));
  EXPECT_EQ(run({"LINDEX", "l", "-3"}), Reply::bulk("a"));
  EXPECT_EQ(run({"LINDEX", "l", "3"}), Reply::nil());
  EXPECT_EQ(run({"LINDEX", "l", "-4"}), Reply::nil());
  EXPECT_EQ(run({"LINDEX", "l", "-9223372036854775808"}), Reply::nil());
  EXPECT_EQ(run({"LINDEX", "l", "abc"}), Reply::error(kErrNotInteger));
  expect_error({"LSET", "l", "1.5", "v"}, kErrNotInteger);
  expect_error({"LSET", "l", "3", "v"}, kErrIndexOutOfRange);
  expect_error({"LSET", "l", "-4", "v"}, kErrIndexOutOfRange);
  EXPECT_EQ(run({"LSET", "l", "-1", "z"}), Reply::ok());
  EXPECT_EQ(run({"LSET", "l", "0", "y"}), Reply::ok());
  EXPECT_EQ(contents("l"), bulks({"y", "b", "z"}));
}

TEST_F(ListTest, lrangeAndLtrim) {
  expect_error({"LRANGE", "none", "a", "1"}, kErrNotInteger, true);
  EXPECT_EQ(run({"LRANGE", "none", "0", "-1"}), Reply::array({}));
  EXPECT_EQ(run({"LTRIM", "none", "0", "1"}), Reply::ok());
  EXPECT_FALSE(exists("none"));
  run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(run({"LRANGE", "l", "1", "2"}), bulks({"b", "c"}));
  EXPECT_EQ(run({"LRANGE", "l", "-2", "100"}), bulks({"d", "e"}));
  EXPECT_EQ(run({"LRANGE", "l", "-100", "0"}), bulks({"a"}));
  EXPECT_EQ(run({"LRANGE", "l", "3", "2"}), Reply::array({}));
  EXPECT_EQ(run({"LRANGE", "l", "5", "9"}), Reply::array({}));
  EXPECT_EQ(run({"LRANGE", "l", "-9223372036854775808", "9223372036854775807"}),
            bulks({"a", "b", "c", "d", "e"}));
  expect_error({"LTRIM", "l", "0", "x"}, kErrNotInteger, true);
  EXPECT_EQ(run({"LTRIM", "l", "1", "-2"}), Reply::ok());
  EXPECT_EQ(contents("l"), bulks({"b", "c", "d"}));
  EXPECT_EQ(run({"LTRIM", "l", "-1", "100"}), Reply::ok());
  EXPECT_EQ(contents("l"), bulks({"d"}));
  EXPECT_EQ(run({"LTRIM", "l", "1", "0"}), Reply::ok());
  EXPECT_FALSE(exists("l"));  // nothing kept: the key is gone
}

TEST_F(ListTest, linsert) {
  expect_error({"LINSERT", "none", "middle", "a", "b"}, kErrSyntax, true);
  EXPECT_EQ(run({"LINSERT", "none", "BEFORE", "a", "b"}), integer(0));
  EXPECT_FALSE(exists("none"));
  run({"RPUSH", "l", "a", "b", "a"});
  EXPECT_EQ(run({"LINSERT", "l", "before", "a", "x"}), integer(4));
  EXPECT_EQ(run({"LINSERT", "l", "After", "a", "y"}), integer(5));
  EXPECT_EQ(run({"LINSERT", "l", "AFTER", "nope", "y"}), integer(-1));
  EXPECT_EQ(contents("l"), bulks({"x", "a", "y", "b", "a"}));
}

TEST_F(ListTest, lrem) {
  expect_error({"LREM", "none", "x", "a"}, kErrNotInteger, true);
  EXPECT_EQ(run({"LREM", "none", "0", "a"}), integer(0));
  run({"RPUSH", "l", "a", "b", "a", "c", "a", "b"});
  EXPECT_EQ(run({"LREM", "l", "-2", "a"}), integer(2));
  EXPECT_EQ(contents("l"), bulks({"a", "b", "c", "b"}));
  EXPECT_EQ(run({"LREM", "l", "1", "b"}), integer(1));
  EXPECT_EQ(contents("l"), bulks({"a", "c", "b"}));
  EXPECT_EQ(run({"LREM", "l", "0", "zz"}), integer(0));
  run({"RPUSH", "l", "a", "a"});
  EXPECT_EQ(run({"LREM", "l", "0", "a"}), integer(3));
  EXPECT_EQ(contents("l"), bulks({"c", "b"}));
  EXPECT_EQ(run({"LREM", "l", "-9223372036854775808", "c"}), integer(1));
  EXPECT_EQ(run({"LREM", "l", "5", "b"}), integer(1));
  EXPECT_FALSE(exists("l"));
}

TEST_F(ListTest, lpos) {
  EXPECT_EQ(run({"LPOS", "none", "a"}), Reply::nil());
  EXPECT_EQ(run({"LPOS", "none", "a", "COUNT", "1"}), Reply::array({}));
  expect_error({"LPOS", "none", "a", "RANK", "0"},
               "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
               "... or use negative to start from the end of the list",
               true);
  expect_error({"LPOS", "none", "a", "RANK", "x"}, kErrNotInteger, true);
  expect_error({"LPOS", "none", "a", "COUNT", "abc"}, "ERR COUNT can't be negative", true);
  expect_error({"LPOS", "none", "a", "COUNT", "-1"}, "ERR COUNT can't be negative", true);
  expect_error({"LPOS", "none", "a", "MAXLEN", "-1"}, "ERR MAXLEN can't be negative", true);
  expect_error({"LPOS", "none", "a", "RANK"}, kErrSyntax, true);
  expect_error({"LPOS", "none", "a", "FOO", "1"}, kErrSyntax, true);
  run({"RPUSH", "l", "a", "b", "a", "c", "a"});
  EXPECT_EQ(run({"LPOS", "l", "a"}), integer(0));
  EXPECT_EQ(run({"LPOS", "l", "c"}), integer(3));
  EXPECT_EQ(run({"LPOS", "l", "z"}), Reply::nil());
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "2"}), integer(2));
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "-1"}), integer(4));
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "4"}), Reply::nil());
  EXPECT_EQ(run({"LPOS", "l", "a", "COUNT", "0"}), ints({0, 2, 4}));
  EXPECT_EQ(run({"LPOS", "l", "a", "COUNT", "2"}), ints({0, 2}));
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "-2", "COUNT", "5"}), ints({2, 0}));
  EXPECT_EQ(run({"LPOS", "l", "a", "rank", "2", "count", "0", "maxlen", "3"}), ints({2}));
  EXPECT_EQ(run({"LPOS", "l", "a", "COUNT", "0", "RANK", "-1", "MAXLEN", "2"}), ints({4}));
  EXPECT_EQ(run({"LPOS", "l", "a", "MAXLEN", "1", "RANK", "2"}), Reply::nil());
  EXPECT_EQ(run({"LPOS", "l", "z", "COUNT", "0"}), Reply::array({}));
  // Redis 7.0 on RANK INT64_MIN (its negation stays negative): from the tail, every match.
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "-9223372036854775808"}), integer(4));
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "-9223372036854775808", "COUNT", "1"}), ints({4, 2, 0}));
  EXPECT_EQ(run({"LPOS", "l", "a", "RANK", "9223372036854775807", "COUNT", "1"}), Reply::array({}));
}

TEST_F(ListTest, lmoveAndRpoplpush) {
  expect_error({"LMOVE", "a", "b", "UP", "LEFT"}, kErrSyntax, true);
  expect_error({"LMOVE", "a", "b", "LEFT", "down"}, kErrSyntax, true);
  EXPECT_EQ(run({"LMOVE", "none", "b", "LEFT", "LEFT"}), Reply::nil());
  EXPECT_EQ(run({"RPOPLPUSH", "none", "b"}), Reply::nil());
  EXPECT_FALSE(exists("b"));
  run({"RPUSH", "src", "a", "b", "c"});
  EXPECT_EQ(run({"RPOPLPUSH", "src", "dst"}), Reply::bulk("c"));
  EXPECT_EQ(run({"LMOVE", "src", "dst", "left", "right"}), Reply::bulk("a"));
  EXPECT_EQ(contents("src"), bulks({"b"}));
  EXPECT_EQ(contents("dst"), bulks({"c", "a"}));
  EXPECT_EQ(run({"LMOVE", "dst", "dst", "LEFT", "RIGHT"}), Reply::bulk("c"));  // rotation
  EXPECT_EQ(contents("dst"), bulks({"a", "c"}));
  EXPECT_EQ(run({"RPOPLPUSH", "dst", "dst"}), Reply::bulk("c"));
  EXPECT_EQ(contents("dst"), bulks({"c", "a"}));
  EXPECT_EQ(run({"LMOVE", "src", "dst", "RIGHT", "LEFT"}), Reply::bulk("b"));
  EXPECT_FALSE(exists("src"));  // the last element left
  EXPECT_EQ(contents("dst"), bulks({"b", "c", "a"}));
  EXPECT_EQ(run({"LMOVE", "dst", "fresh", "LEFT", "LEFT"}), Reply::bulk("b"));
  EXPECT_EQ(contents("fresh"), bulks({"b"}));
}

TEST_F(ListTest, lmpop) {
  expect_error({"LMPOP", "0", "a", "LEFT"}, "ERR numkeys should be greater than 0", true);
  expect_error({"LMPOP", "-1", "a", "LEFT"}, "ERR numkeys should be greater than 0", true);
  expect_error({"LMPOP", "abc", "a", "LEFT"}, "ERR numkeys should be greater than 0", true);
  expect_error({"LMPOP", "2", "a", "LEFT"}, kErrSyntax, true);
  expect_error({"LMPOP", "9223372036854775807", "a", "LEFT"}, kErrSyntax, true);
  expect_error({"LMPOP", "1", "a", "UP"}, kErrSyntax, true);
  expect_error({"LMPOP", "1", "a", "LEFT", "COUNT", "0"}, "ERR count should be greater than 0",
               true);
  expect_error({"LMPOP", "1", "a", "LEFT", "COUNT", "x"}, "ERR count should be greater than 0",
               true);
  expect_error({"LMPOP", "1", "a", "LEFT", "COUNT"}, kErrSyntax, true);
  expect_error({"LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"}, kErrSyntax, true);
  expect_error({"LMPOP", "1", "a", "LEFT", "foo"}, kErrSyntax, true);
  EXPECT_EQ(run({"LMPOP", "2", "a", "b", "RIGHT"}), Reply::nil_array());
  run({"RPUSH", "b", "1", "2", "3"});
  set_string("s");
  // The first key holding a list; a later key of another type is not looked at.
  EXPECT_EQ(run({"LMPOP", "3", "a", "b", "s", "RIGHT", "COUNT", "2"}),
            Reply::array({Reply::bulk("b"), bulks({"3", "2"})}));
  EXPECT_EQ(run({"LMPOP", "1", "b", "left"}), Reply::array({Reply::bulk("b"), bulks({"1"})}));
  EXPECT_FALSE(exists("b"));
  run({"RPUSH", "c", "x", "y"});
  EXPECT_EQ(run({"LMPOP", "1", "c", "LEFT", "count", "9223372036854775807"}),
            Reply::array({Reply::bulk("c"), bulks({"x", "y"})}));
  EXPECT_FALSE(exists("c"));
}

// A list whose deadline has passed at the stamp is absent: LMOVE onto it starts a new list,
// LMOVE from it finds nothing.
TEST_F(ListTest, expiredList_isAbsent) {
  run({"RPUSH", "old", "x", "y"});
  run({"RPUSH", "gone", "z"});
  for (const char* key : {"old", "gone"}) {
    ExpireOp expire;
    expire.key = key;
    expire.deadline_ms = kStamp + 10;
    EXPECT_EQ(test::apply1(store_, kStamp, expire), integer(1));
  }
  run({"RPUSH", "src", "a", "b"});
  EXPECT_EQ(test::apply1(store_, kStamp + 10, obj_op({"LMOVE", "src", "old", "LEFT", "LEFT"})),
            Reply::bulk("a"));
  EXPECT_EQ(test::apply1(store_, kStamp + 10, obj_op({"LRANGE", "old", "0", "-1"})), bulks({"a"}));
  EXPECT_EQ(test::apply1(store_, kStamp + 10, obj_op({"RPOPLPUSH", "gone", "src"})), Reply::nil());
  EXPECT_EQ(test::apply1(store_, kStamp + 10, obj_op({"LPUSHX", "gone", "v"})), integer(0));
  EXPECT_EQ(store_.type_of("gone", kStamp + 10), std::nullopt);
}

// A seeded stream of list commands, on two stores, one of them restored from its snapshot
// midway: the same replies and the same digest at the end.
TEST_F(ListTest, determinism_acrossSnapshotRoundTrip) {
  std::mt19937_64 rng(14);
  const std::vector<std::string> keys = {"k1", "k2", "k3"};
  const std::vector<std::string> values = {"a", "b", "c", "1", ""};
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  auto number = [&] { return std::to_string(static_cast<std::int64_t>(rng() % 9) - 4); };
  auto end = [&] { return rng() % 2 == 0 ? std::string("LEFT") : std::string("RIGHT"); };
  Store a;
  Store b;
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::string> argv;
    switch (rng() % 12) {
      case 0:
        argv = {"LPUSH", pick(keys), pick(values), pick(values)};
        break;
      case 1:
        argv = {"RPUSH", pick(keys), pick(values)};
        break;
      case 2:
        argv = {"LPOP", pick(keys), std::to_string(rng() % 3)};
        break;
      case 3:
        argv = {"RPOP", pick(keys)};
        break;
      case 4:
        argv = {"LSET", pick(keys), number(), pick(values)};
        break;
      case 5:
        argv = {"LINSERT", pick(keys), "BEFORE", pick(values), pick(values)};
        break;
      case 6:
        argv = {"LREM", pick(keys), number(), pick(values)};
        break;
      case 7:
        argv = {"LTRIM", pick(keys), number(), number()};
        break;
      case 8:
        argv = {"LMOVE", pick(keys), pick(keys), end(), end()};
        break;
      case 9:
        argv = {"LMPOP", "2", pick(keys), pick(keys), end(), "COUNT", "2"};
        break;
      case 10:
        argv = {"LPOS", pick(keys), pick(values), "RANK", "-1", "COUNT", "0"};
        break;
      default:
        argv = {"LRANGE", pick(keys), number(), number()};
        break;
    }
    const ObjOp op = obj_op(argv);
    ASSERT_EQ(test::apply1(a, kStamp + i, op), test::apply1(b, kStamp + i, op)) << i;
    if (i == 1000) {
      Result<Store> back = Store::deserialize(b.serialize());
      ASSERT_TRUE(back.is_ok());
      b = std::move(back.value());
      b.check_invariants();
    }
  }
  EXPECT_EQ(a.digest_hex(), b.digest_hex());
  EXPECT_EQ(a.serialize(), b.serialize());
  EXPECT_GT(a.item_count(), 0u);
}

}  // namespace
}  // namespace helios::atlas
