// The set commands (atlas/obj_set.cc, obj_set_algebra.cc) applied through Store::apply:
// Redis 7.0's replies and error lines, WRONGTYPE, errors that change nothing (the digest),
// the never-empty rule, and determinism of the seeded picks across a snapshot reload.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "atlas/objects.h"
#include "atlas/store.h"
#include "base/prng.h"
#include "store_test_util.h"

namespace helios::atlas {
namespace {

using test::apply1;
using test::integer;

constexpr std::uint64_t kNow = 1000;
constexpr std::string_view kNumkeysError = "ERR numkeys should be greater than 0";

Op obj(std::string_view name, Args args, std::uint64_t seed) {
  const ObjectCommand* row = find_object_command(name);
  EXPECT_NE(row, nullptr) << name;
  return ObjOp{row == nullptr ? std::uint16_t{0} : row->code, seed, std::move(args)};
}

// Applies one set command (a read one too: Store::apply runs it at the stamp).
Reply run(Store& s, std::string_view name, Args args, std::uint64_t seed = 7) {
  return apply1(s, kNow, obj(name, std::move(args), seed));
}

// Runs a read row through Store::read, as a serving node does.
Reply read(const Store& s, std::string_view name, Args args, std::uint64_t seed = 7) {
  return s.read(obj(name, std::move(args), seed), kNow);
}

std::vector<Reply> bulks(const std::vector<std::string>& items) {
  std::vector<Reply> out;
  for (const std::string& i : items) {
    out.push_back(Reply::bulk(i));
  }
  return out;
}
Reply set_of(const std::vector<std::string>& items) {
  return Reply::set(bulks(items));
}
Reply array_of(const std::vector<std::string>& items) {
  return Reply::array(bulks(items));
}
Reply ints(const std::vector<std::int64_t>& values) {
  std::vector<Reply> out;
  for (std::int64_t v : values) {
    out.push_back(integer(v));
  }
  return Reply::array(std::move(out));
}

// The members of a reply of bulk strings, as a sorted std::set-free vector.
std::vector<std::string> texts(const Reply& r) {
  std::vector<std::string> out;
  for (const Reply& e : r.elements) {
    out.push_back(e.text);
  }
  return out;
}

// Runs the command, expects `error` and no change to the store.
void expect_error(Store& s, std::string_view name, Args args, std::string_view error) {
  const std::string before = s.digest_hex();
  EXPECT_EQ(run(s, name, args), Reply::error(error)) << name;
  EXPECT_EQ(s.digest_hex(), before) << name;
}

class SetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run(s_, "SADD", {"a", "1", "2", "3", "x"}), integer(4));
    ASSERT_EQ(run(s_, "SADD", {"b", "2", "3", "4"}), integer(3));
    SetOp str;
    str.key = "str";
    str.value = "v";
    apply1(s_, kNow, str);
    ASSERT_EQ(apply1(s_, kNow, obj("HSET", {"hash", "f", "v"}, 0)), integer(1));
  }
  Store s_;
};

TEST_F(SetTest, addRemoveCountAndMembership) {
  EXPECT_EQ(run(s_, "SADD", {"a", "x", "y", "y", "z"}), integer(2));  // x is there, y twice
  EXPECT_EQ(run(s_, "SCARD", {"a"}), integer(6));
  EXPECT_EQ(run(s_, "SCARD", {"nope"}), integer(0));
  EXPECT_EQ(run(s_, "SISMEMBER", {"a", "y"}), integer(1));
  EXPECT_EQ(run(s_, "SISMEMBER", {"a", "q"}), integer(0));
  EXPECT_EQ(run(s_, "SISMEMBER", {"nope", "q"}), integer(0));
  EXPECT_EQ(run(s_, "SMISMEMBER", {"a", "y", "q", "1"}), ints({1, 0, 1}));
  EXPECT_EQ(run(s_, "SMISMEMBER", {"nope", "y", "q"}), ints({0, 0}));
  EXPECT_EQ(run(s_, "SMEMBERS", {"a"}), set_of({"1", "2", "3", "x", "y", "z"}));
  EXPECT_EQ(read(s_, "SMEMBERS", {"b"}), set_of({"2", "3", "4"}));
  EXPECT_EQ(run(s_, "SMEMBERS", {"nope"}), set_of({}));
  EXPECT_EQ(run(s_, "SREM", {"a", "y", "q", "y"}), integer(1));
  EXPECT_EQ(run(s_, "SREM", {"nope", "y"}), integer(0));
  EXPECT_EQ(s_.type_of("a", kNow), ObjectType::kSet);
}

// Redis 7.0 walks a set of at most 512 canonical integers (an intset) in numeric order.
TEST_F(SetTest, integerSetsComeInIntsetOrder) {
  EXPECT_EQ(run(s_, "SADD", {"n", "10", "9", "-1", "100"}), integer(4));
  EXPECT_EQ(run(s_, "SMEMBERS", {"n"}), set_of({"-1", "9", "10", "100"}));
  EXPECT_EQ(run(s_, "SUNION", {"n", "b"}), set_of({"-1", "2", "3", "4", "9", "10", "100"}));
  EXPECT_EQ(run(s_, "SRANDMEMBER", {"n", "9"}), array_of({"-1", "9", "10", "100"}));
  EXPECT_EQ(run(s_, "SSCAN", {"n", "7", "COUNT", "1", "MATCH", "1*"}),
            Reply::array({Reply::bulk("0"), array_of({"10", "100"})}));  // one page, as Redis
  EXPECT_EQ(run(s_, "SADD", {"n", "010"}), integer(1));  // not canonical: a hash table's
  EXPECT_EQ(run(s_, "SMEMBERS", {"n"}), set_of({"-1", "010", "10", "100", "9"}));
  Args many{"big"};
  for (int i = 0; i < 513; ++i) {
    many.push_back(std::to_string(i));
  }
  ASSERT_EQ(run(s_, "SADD", many), integer(513));
  EXPECT_EQ(run(s_, "SMEMBERS", {"big"}).elements[2], Reply::bulk("10"));  // bytewise
  EXPECT_EQ(run(s_, "SREM", {"big", "512"}), integer(1));
  EXPECT_EQ(run(s_, "SMEMBERS", {"big"}).elements[2], Reply::bulk("2"));  // numeric
}

TEST_F(SetTest, removingTheLastMemberRemovesTheKey) {
  EXPECT_EQ(run(s_, "SREM", {"b", "2", "3", "4", "5"}), integer(3));
  EXPECT_EQ(s_.type_of("b", kNow), std::nullopt);
  EXPECT_EQ(run(s_, "SPOP", {"a", "10"}), set_of({"1", "2", "3", "x"}));
  EXPECT_EQ(s_.type_of("a", kNow), std::nullopt);
  EXPECT_EQ(run(s_, "SADD", {"c", "only"}), integer(1));
  EXPECT_EQ(run(s_, "SPOP", {"c"}), Reply::bulk("only"));
  EXPECT_EQ(s_.type_of("c", kNow), std::nullopt);
  EXPECT_EQ(run(s_, "SADD", {"d", "m"}), integer(1));
  EXPECT_EQ(run(s_, "SMOVE", {"d", "e", "m"}), integer(1));
  EXPECT_EQ(s_.type_of("d", kNow), std::nullopt);
  EXPECT_EQ(run(s_, "SMEMBERS", {"e"}), set_of({"m"}));
}

TEST_F(SetTest, wrongTypeChangesNothing) {
  const std::string_view wt = kErrWrongType;
  for (const std::string key : {"str", "hash"}) {
    expect_error(s_, "SADD", {key, "m"}, wt);
    expect_error(s_, "SREM", {key, "m"}, wt);
    expect_error(s_, "SCARD", {key}, wt);
    expect_error(s_, "SISMEMBER", {key, "m"}, wt);
    expect_error(s_, "SMISMEMBER", {key, "m"}, wt);
    expect_error(s_, "SMEMBERS", {key}, wt);
    expect_error(s_, "SPOP", {key}, wt);
    expect_error(s_, "SPOP", {key, "2"}, wt);
    expect_error(s_, "SRANDMEMBER", {key}, wt);
    expect_error(s_, "SRANDMEMBER", {key, "-2"}, wt);
    expect_error(s_, "SMOVE", {key, "a", "1"}, wt);
    expect_error(s_, "SMOVE", {"a", key, "1"}, wt);
    expect_error(s_, "SMOVE", {"a", key, "absent-member"}, wt);  // types before membership
    expect_error(s_, "SINTER", {"a", key}, wt);
    expect_error(s_, "SINTER", {"nope", key}, wt);  // an empty set first: still checked
    expect_error(s_, "SUNION", {key, "a"}, wt);
    expect_error(s_, "SDIFF", {"a", key}, wt);
    expect_error(s_, "SDIFF", {"nope", key}, wt);
    expect_error(s_, "SINTERCARD", {"2", "a", key}, wt);
    expect_error(s_, "SINTERSTORE", {"b", "a", key}, wt);
    expect_error(s_, "SUNIONSTORE", {"b", key}, wt);
    expect_error(s_, "SDIFFSTORE", {"b", "a", key}, wt);
    expect_error(s_, "SSCAN", {key, "0"}, wt);
    expect_error(s_, "SSCAN", {key, "0", "COUNT", "x"}, wt);  // the type before the options
  }
  // A missing source answers 0 whatever the destination holds.
  EXPECT_EQ(run(s_, "SMOVE", {"nope", "str", "1"}), integer(0));
}

TEST_F(SetTest, spop) {
  EXPECT_EQ(run(s_, "SPOP", {"nope"}), Reply::nil());
  EXPECT_EQ(run(s_, "SPOP", {"nope", "3"}), set_of({}));
  EXPECT_EQ(run(s_, "SPOP", {"a", "0"}), set_of({}));
  const Reply one = run(s_, "SPOP", {"a"}, 11);
  ASSERT_EQ(one.kind, Reply::Kind::kBulk);
  EXPECT_EQ(run(s_, "SISMEMBER", {"a", one.text}), integer(0));
  const Reply two = run(s_, "SPOP", {"a", "2"}, 12);
  ASSERT_EQ(two.kind, Reply::Kind::kSet);
  ASSERT_EQ(two.elements.size(), 2u);
  EXPECT_LT(two.elements[0].text, two.elements[1].text);  // distinct, in bytewise order
  const std::vector<std::string> rest = texts(run(s_, "SMEMBERS", {"a"}));
  ASSERT_EQ(rest.size(), 1u);
  std::vector<std::string> all{one.text, two.elements[0].text, two.elements[1].text, rest[0]};
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"1", "2", "3", "x"}));
  expect_error(s_, "SPOP", {"b", "-1"}, kErrNotPositive);
  expect_error(s_, "SPOP", {"b", "x"}, kErrNotPositive);  // Redis's line for both
  expect_error(s_, "SPOP", {"b", "1", "2"}, kErrSyntax);
  expect_error(s_, "SPOP", {"nope", "-1"}, kErrNotPositive);  // before the key
  const ObjectCommand* row = find_object_command("SPOP");
  EXPECT_TRUE(row->random);
  EXPECT_EQ(row->check({"k", "-1"}), kErrNotPositive);
  EXPECT_EQ(row->check({"k", "3"}), "");
}

TEST_F(SetTest, spopPicksDependOnTheSeedOnly) {
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Store x;
    Store y;
    for (Store* st : {&x, &y}) {
      run(*st, "SADD", {"k", "a", "b", "c", "d", "e", "f", "g", "h"});
    }
    const Reply rx = run(x, "SPOP", {"k", "3"}, seed);
    EXPECT_EQ(run(y, "SPOP", {"k", "3"}, seed), rx);
    EXPECT_EQ(x.digest_hex(), y.digest_hex());
    seen.insert(rx.to_string());
  }
  EXPECT_GT(seen.size(), 10u);  // the seed is used
}

TEST_F(SetTest, srandmember) {
  const std::string before = s_.digest_hex();
  EXPECT_EQ(run(s_, "SRANDMEMBER", {"nope"}), Reply::nil());
  EXPECT_EQ(run(s_, "SRANDMEMBER", {"nope", "5"}), array_of({}));
  EXPECT_EQ(run(s_, "SRANDMEMBER", {"nope", "-5"}), array_of({}));
  EXPECT_EQ(run(s_, "SRANDMEMBER", {"a", "0"}), array_of({}));
  EXPECT_EQ(run(s_, "SRANDMEMBER", {"a", "4"}), array_of({"1", "2", "3", "x"}));
  EXPECT_EQ(run(s_, "SRANDMEMBER", {"a", "100"}), array_of({"1", "2", "3", "x"}));
  const Reply one = run(s_, "SRANDMEMBER", {"a"});
  EXPECT_EQ(run(s_, "SISMEMBER", {"a", one.text}), integer(1));
  const Reply three = run(s_, "SRANDMEMBER", {"a", "3"}, 99);
  ASSERT_EQ(three.kind, Reply::Kind::kArray);
  std::vector<std::string> t = texts(three);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_EQ(std::set<std::string>(t.begin(), t.end()).size(), 3u);
  EXPECT_EQ(read(s_, "SRANDMEMBER", {"a", "3"}, 99), three);  // same seed, same picks
  const Reply many = run(s_, "SRANDMEMBER", {"b", "-50"}, 5);
  ASSERT_EQ(many.elements.size(), 50u);
  t = texts(many);
  const std::set<std::string> distinct(t.begin(), t.end());
  EXPECT_EQ(distinct, (std::set<std::string>{"2", "3", "4"}));  // repeats, every member
  EXPECT_EQ(s_.digest_hex(), before);
  expect_error(s_, "SRANDMEMBER", {"a", "x"}, kErrNotInteger);
  expect_error(s_, "SRANDMEMBER", {"a", "1", "2"}, kErrSyntax);
  expect_error(s_, "SRANDMEMBER", {"a", "-9223372036854775808"},
               "ERR value is out of range, value must between -9223372036854775807 and "
               "9223372036854775807");
  expect_error(s_, "SRANDMEMBER",
               {"a", std::to_string(-static_cast<std::int64_t>(kMaxMembers) - 1)},
               "ERR value is out of range");
}

TEST_F(SetTest, smove) {
  EXPECT_EQ(run(s_, "SMOVE", {"a", "b", "1"}), integer(1));
  EXPECT_EQ(run(s_, "SMEMBERS", {"a"}), set_of({"2", "3", "x"}));
  EXPECT_EQ(run(s_, "SMEMBERS", {"b"}), set_of({"1", "2", "3", "4"}));
  EXPECT_EQ(run(s_, "SMOVE", {"a", "b", "2"}), integer(1));  // already in b: leaves a only
  EXPECT_EQ(run(s_, "SMEMBERS", {"a"}), set_of({"3", "x"}));
  EXPECT_EQ(run(s_, "SMEMBERS", {"b"}), set_of({"1", "2", "3", "4"}));
  const std::string before = s_.digest_hex();
  EXPECT_EQ(run(s_, "SMOVE", {"a", "b", "nothere"}), integer(0));
  EXPECT_EQ(run(s_, "SMOVE", {"a", "a", "x"}), integer(1));
  EXPECT_EQ(run(s_, "SMOVE", {"a", "a", "nothere"}), integer(0));
  EXPECT_EQ(s_.digest_hex(), before);
  EXPECT_EQ(run(s_, "SMOVE", {"a", "fresh", "x"}), integer(1));
  EXPECT_EQ(run(s_, "SMEMBERS", {"fresh"}), set_of({"x"}));
}

TEST_F(SetTest, algebra) {
  EXPECT_EQ(run(s_, "SINTER", {"a", "b"}), set_of({"2", "3"}));
  EXPECT_EQ(read(s_, "SINTER", {"b", "a", "b"}), set_of({"2", "3"}));
  EXPECT_EQ(run(s_, "SINTER", {"a"}), set_of({"1", "2", "3", "x"}));
  EXPECT_EQ(run(s_, "SINTER", {"a", "nope"}), set_of({}));
  EXPECT_EQ(run(s_, "SUNION", {"a", "nope", "b"}), set_of({"1", "2", "3", "4", "x"}));
  EXPECT_EQ(run(s_, "SUNION", {"nope"}), set_of({}));
  EXPECT_EQ(run(s_, "SDIFF", {"a", "b"}), set_of({"1", "x"}));
  EXPECT_EQ(run(s_, "SDIFF", {"b", "nope", "a"}), set_of({"4"}));
  EXPECT_EQ(run(s_, "SDIFF", {"a", "b", "a"}), set_of({}));
  EXPECT_EQ(run(s_, "SDIFF", {"nope", "a"}), set_of({}));
  EXPECT_EQ(run(s_, "SDIFF", {"a"}), set_of({"1", "2", "3", "x"}));
}

TEST_F(SetTest, sintercard) {
  EXPECT_EQ(run(s_, "SINTERCARD", {"2", "a", "b"}), integer(2));
  EXPECT_EQ(run(s_, "SINTERCARD", {"1", "a"}), integer(4));
  EXPECT_EQ(run(s_, "SINTERCARD", {"1", "a", "LIMIT", "3"}), integer(3));
  EXPECT_EQ(run(s_, "SINTERCARD", {"1", "a", "limit", "0"}), integer(4));
  EXPECT_EQ(run(s_, "SINTERCARD", {"1", "a", "LIMIT", "9", "LIMIT", "1"}), integer(1));
  EXPECT_EQ(run(s_, "SINTERCARD", {"2", "a", "b", "LIMIT", "100"}), integer(2));
  EXPECT_EQ(run(s_, "SINTERCARD", {"2", "a", "nope"}), integer(0));
  expect_error(s_, "SINTERCARD", {"0", "a"}, kNumkeysError);
  expect_error(s_, "SINTERCARD", {"-1", "a"}, kNumkeysError);
  expect_error(s_, "SINTERCARD", {"x", "a"}, kNumkeysError);
  expect_error(s_, "SINTERCARD", {"3", "a", "b"},
               "ERR Number of keys can't be greater than number of args");
  expect_error(s_, "SINTERCARD", {"1", "a", "LIMIT"}, kErrSyntax);
  expect_error(s_, "SINTERCARD", {"1", "a", "b"}, kErrSyntax);
  expect_error(s_, "SINTERCARD", {"1", "a", "LIMIT", "-1"}, "ERR LIMIT can't be negative");
  expect_error(s_, "SINTERCARD", {"1", "a", "LIMIT", "x"}, "ERR LIMIT can't be negative");
  const ObjectCommand* row = find_object_command("SINTERCARD");
  EXPECT_EQ(row->check({"3", "a", "b"}), "ERR Number of keys can't be greater than number of args");
  EXPECT_EQ(row->check({"2", "a", "b", "LIMIT", "1"}), "");
  EXPECT_EQ(object_key_positions(*row, {"2", "a", "b", "LIMIT", "1"}),
            (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(object_key_positions(*row, {"0", "a"}), std::vector<std::size_t>{});
}

TEST_F(SetTest, storeReplacesTheDestination) {
  EXPECT_EQ(run(s_, "SINTERSTORE", {"str", "a", "b"}), integer(2));  // a string replaced
  EXPECT_EQ(run(s_, "SMEMBERS", {"str"}), set_of({"2", "3"}));
  EXPECT_EQ(run(s_, "SUNIONSTORE", {"hash", "a", "b"}), integer(5));
  EXPECT_EQ(run(s_, "SMEMBERS", {"hash"}), set_of({"1", "2", "3", "4", "x"}));
  EXPECT_EQ(run(s_, "SDIFFSTORE", {"a", "a", "b"}), integer(2));  // the destination a source
  EXPECT_EQ(run(s_, "SMEMBERS", {"a"}), set_of({"1", "x"}));
  EXPECT_EQ(run(s_, "SINTERSTORE", {"str", "a", "nope"}), integer(0));  // empty: deleted
  EXPECT_EQ(s_.type_of("str", kNow), std::nullopt);
  EXPECT_EQ(run(s_, "SDIFFSTORE", {"hash", "a", "a"}), integer(0));
  EXPECT_EQ(s_.type_of("hash", kNow), std::nullopt);
  EXPECT_EQ(run(s_, "SUNIONSTORE", {"nope2", "nope"}), integer(0));
  EXPECT_EQ(s_.type_of("nope2", kNow), std::nullopt);
}

TEST_F(SetTest, sscan) {
  std::vector<std::string> members;
  for (int i = 0; i < 100; ++i) {
    members.push_back("m" + std::to_string(i));
  }
  Args sadd{"big"};
  sadd.insert(sadd.end(), members.begin(), members.end());
  ASSERT_EQ(run(s_, "SADD", sadd), integer(100));
  std::set<std::string> seen;
  std::string cursor = "0";
  int pages = 0;
  do {
    const Reply page = run(s_, "SSCAN", {"big", cursor, "COUNT", "7"});
    ASSERT_EQ(page.elements.size(), 2u);
    cursor = page.elements[0].text;
    for (const Reply& m : page.elements[1].elements) {
      seen.insert(m.text);
    }
    ++pages;
  } while (cursor != "0" && pages < 1000);
  EXPECT_EQ(seen, std::set<std::string>(members.begin(), members.end()));
  EXPECT_GT(pages, 1);
  const Reply matched = run(s_, "SSCAN", {"big", "0", "MATCH", "m1?", "COUNT", "1000"});
  EXPECT_EQ(matched.elements[1].elements.size(), 10u);
  EXPECT_EQ(run(s_, "SSCAN", {"nope", "0"}), Reply::array({Reply::bulk("0"), array_of({})}));
  // A missing key answers an empty page before the options are read, as Redis does.
  EXPECT_EQ(run(s_, "SSCAN", {"nope", "0", "COUNT", "x"}),
            Reply::array({Reply::bulk("0"), array_of({})}));
  expect_error(s_, "SSCAN", {"big", "0", "COUNT", "x"}, kErrNotInteger);
  expect_error(s_, "SSCAN", {"big", "0", "COUNT", "0"}, kErrSyntax);
  expect_error(s_, "SSCAN", {"big", "0", "COUNT"}, kErrSyntax);
  expect_error(s_, "SSCAN", {"big", "x"}, "ERR invalid cursor");
  expect_error(s_, "SSCAN", {"nope", "x"}, "ERR invalid cursor");
  EXPECT_EQ(find_object_command("SSCAN")->check({"k", "0", "COUNT", "x"}), "");
}

TEST(SetRowsTest, codesAritiesAndKeys) {
  const std::vector<std::pair<std::string_view, int>> arities{
      {"SADD", -3},       {"SREM", -3},        {"SCARD", 2},        {"SISMEMBER", 3},
      {"SMISMEMBER", -3}, {"SMEMBERS", 2},     {"SPOP", -2},        {"SRANDMEMBER", -2},
      {"SMOVE", 4},       {"SINTER", -2},      {"SUNION", -2},      {"SDIFF", -2},
      {"SINTERCARD", -3}, {"SINTERSTORE", -3}, {"SUNIONSTORE", -3}, {"SDIFFSTORE", -3},
      {"SSCAN", -3}};
  for (const auto& [name, arity] : arities) {
    const ObjectCommand* row = find_object_command(name);
    ASSERT_NE(row, nullptr) << name;
    EXPECT_EQ(row->arity, arity) << name;
    EXPECT_GE(row->code, 300) << name;
    EXPECT_LE(row->code, 399) << name;
    EXPECT_EQ(find_object_command(row->code), row) << name;
  }
  EXPECT_FALSE(object_arity_ok(*find_object_command("SADD"), 1));
  EXPECT_EQ(object_key_positions(*find_object_command("SMOVE"), {"s", "d", "m"}),
            (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(object_key_positions(*find_object_command("SINTERSTORE"), {"d", "x", "y"}),
            (std::vector<std::size_t>{0, 1, 2}));
}

// Two stores apply the same random ops; one is reloaded from its snapshot every few ops (its
// sets then iterate in another order). Replies and digests must stay equal.
TEST(SetDeterminismTest, replicasAgreeAcrossSnapshotReloads) {
  base::Prng gen(2026);
  Store a;
  Store b;
  const auto key = [&] { return "k" + std::to_string(gen.uniform(4)); };
  const auto member = [&] { return "m" + std::to_string(gen.uniform(40)); };
  for (int step = 0; step < 3000; ++step) {
    std::string name;
    Args args;
    switch (gen.uniform(9)) {
      case 0:
      case 1:
        name = "SADD";
        args = {key(), member(), member(), member(), member()};
        break;
      case 2:
        name = "SREM";
        args = {key(), member(), member()};
        break;
      case 3:
        name = "SPOP";
        args = {key(), std::to_string(gen.uniform(6))};
        break;
      case 4:
        name = "SPOP";
        args = {key()};
        break;
      case 5:
        name = "SMOVE";
        args = {key(), key(), member()};
        break;
      case 6:
        name = gen.uniform(2) == 0   ? "SINTERSTORE"
               : gen.uniform(2) == 0 ? "SUNIONSTORE"
                                     : "SDIFFSTORE";
        args = {key(), key(), key()};
        break;
      case 7:
        name = "SRANDMEMBER";
        args = {key(), std::to_string(static_cast<std::int64_t>(gen.uniform(9)) - 4)};
        break;
      default:
        name = "SSCAN";
        args = {key(), "0", "COUNT", "5"};
        break;
    }
    const std::uint64_t seed = gen.next();
    const Reply ra = run(a, name, args, seed);
    ASSERT_EQ(run(b, name, args, seed), ra) << step << " " << name;
    if (step % 37 == 0) {
      Result<Store> back = Store::deserialize(b.serialize());
      ASSERT_TRUE(back.is_ok());
      b = std::move(back.value());
      b.check_invariants();
    }
  }
  EXPECT_EQ(a.digest_hex(), b.digest_hex());
  EXPECT_EQ(a.serialize(), b.serialize());
}

}  // namespace
}  // namespace helios::atlas
