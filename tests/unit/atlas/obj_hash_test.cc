// The hash commands and the collection machinery they run on (atlas/objects.h): replies and
// Redis's error lines, WRONGTYPE both ways (hash commands on strings, string commands on
// hashes), errors that change nothing, the never-empty rule, TYPE, RENAME and SET over a
// hash, snapshots and digests of hashes, determinism of seeded picks across a snapshot
// restore; GETDEL and GETEX (obj_string.cc). check_invariants after every apply.
#include <gtest/gtest.h>

#include <set>

#include "atlas/objects.h"
#include "atlas/store.h"
#include "store_test_util.h"

namespace helios::atlas {

namespace {

using test::apply1;
using test::integer;
using test::obj;

Reply bulk(const char* s) {
  return Reply::bulk(s);
}

Reply strings(std::vector<const char*> items) {
  std::vector<Reply> out;
  for (const char* i : items) {
    out.push_back(Reply::bulk(i));
  }
  return Reply::array(std::move(out));
}

const Reply kWrongType = Reply::error(kErrWrongType);

TEST(ObjHashTest, setGetAndTheReadsOfAHash) {
  Store s;
  EXPECT_EQ(obj(s, 1, "HSET", {"h", "a", "1", "b", "2", "a", "3"}), integer(2));
  EXPECT_EQ(obj(s, 1, "HSET", {"h", "b", "9", "c", "4"}), integer(1));
  EXPECT_EQ(obj(s, 1, "HGET", {"h", "a"}), bulk("3"));
  EXPECT_EQ(obj(s, 1, "HGET", {"h", "zz"}), Reply::nil());
  EXPECT_EQ(obj(s, 1, "HGET", {"nokey", "a"}), Reply::nil());
  EXPECT_EQ(obj(s, 1, "HMGET", {"h", "a", "zz", "c"}),
            Reply::array({bulk("3"), Reply::nil(), bulk("4")}));
  EXPECT_EQ(obj(s, 1, "HMGET", {"nokey", "a"}), Reply::array({Reply::nil()}));
  EXPECT_EQ(obj(s, 1, "HLEN", {"h"}), integer(3));
  EXPECT_EQ(obj(s, 1, "HLEN", {"nokey"}), integer(0));
  EXPECT_EQ(obj(s, 1, "HEXISTS", {"h", "b"}), integer(1));
  EXPECT_EQ(obj(s, 1, "HSTRLEN", {"h", "b"}), integer(1));
  EXPECT_EQ(obj(s, 1, "HKEYS", {"h"}), strings({"a", "b", "c"}));
  EXPECT_EQ(obj(s, 1, "HVALS", {"h"}), strings({"3", "9", "4"}));
  EXPECT_EQ(obj(s, 1, "HGETALL", {"h"}),
            Reply::map({bulk("a"), bulk("3"), bulk("b"), bulk("9"), bulk("c"), bulk("4")}));
  EXPECT_EQ(obj(s, 1, "HGETALL", {"nokey"}), Reply::map({}));
  EXPECT_EQ(obj(s, 1, "HSETNX", {"h", "a", "x"}), integer(0));
  EXPECT_EQ(obj(s, 1, "HSETNX", {"h", "d", "x"}), integer(1));
  EXPECT_EQ(obj(s, 1, "HMSET", {"h", "e", "5"}), Reply::ok());
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kType, "h"}), Reply::status("hash"));
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kType, "nokey"}), Reply::status("none"));
}

TEST(ObjHashTest, countersKeepRedisErrorsAndChangeNothingOnError) {
  Store s;
  EXPECT_EQ(obj(s, 1, "HINCRBY", {"h", "n", "5"}), integer(5));
  EXPECT_EQ(obj(s, 1, "HINCRBY", {"h", "n", "-7"}), integer(-2));
  obj(s, 1, "HSET", {"h", "s", "abc", "big", "9223372036854775807"});
  const std::string before = s.digest_hex();
  EXPECT_EQ(obj(s, 1, "HINCRBY", {"h", "s", "1"}), Reply::error(kErrHashNotInteger));
  EXPECT_EQ(obj(s, 1, "HINCRBY", {"h", "big", "1"}), Reply::error(kErrOverflow));
  EXPECT_EQ(obj(s, 1, "HINCRBY", {"h", "n", "x"}), Reply::error(kErrNotInteger));
  EXPECT_EQ(obj(s, 1, "HINCRBYFLOAT", {"h", "s", "1"}), Reply::error(kErrHashNotFloat));
  EXPECT_EQ(obj(s, 1, "HINCRBYFLOAT", {"h", "n", "inf"}),
            Reply::error("ERR value is NaN or Infinity"));
  EXPECT_EQ(obj(s, 1, "HINCRBYFLOAT", {"h", "n", "x"}), Reply::error(kErrNotFloat));
  EXPECT_EQ(s.digest_hex(), before);
  EXPECT_EQ(obj(s, 1, "HINCRBYFLOAT", {"h", "n", "1.5"}), bulk("-0.5"));
  obj(s, 1, "HSET", {"h", "huge", "1e4932"});
  const std::string with_huge = s.digest_hex();
  EXPECT_EQ(obj(s, 1, "HINCRBYFLOAT", {"h", "huge", "1e4932"}), Reply::error(kErrNanOrInfinity));
  EXPECT_EQ(s.digest_hex(), with_huge);
}

TEST(ObjHashTest, wrongTypeBothWaysChangesNothing) {
  Store s;
  apply1(s, 1, SetOp{"str", "v"});
  obj(s, 1, "HSET", {"h", "f", "v"});
  const std::string before = s.digest_hex();
  EXPECT_EQ(obj(s, 1, "HSET", {"str", "f", "v"}), kWrongType);
  EXPECT_EQ(obj(s, 1, "HGET", {"str", "f"}), kWrongType);
  EXPECT_EQ(obj(s, 1, "HGETALL", {"str"}), kWrongType);
  EXPECT_EQ(obj(s, 1, "HDEL", {"str", "f"}), kWrongType);
  EXPECT_EQ(obj(s, 1, "HINCRBY", {"str", "f", "1"}), kWrongType);
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kGet, "h"}), kWrongType);
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kGetOrNil, "h"}), Reply::nil());  // MGET
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kGetOrNil, "str"}), bulk("v"));
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kStrlen, "h"}), kWrongType);
  EXPECT_EQ(apply1(s, 1, IncrByOp{"h", 1}), kWrongType);
  EXPECT_EQ(apply1(s, 1, AppendOp{"h", "x"}), kWrongType);
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"h", 0, "x"}), kWrongType);
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"h", "1"}), kWrongType);
  EXPECT_EQ(apply1(s, 1, SetOp{"h", "v", 0, false, false, false, true}), kWrongType);
  EXPECT_EQ(obj(s, 1, "GETDEL", {"h"}), kWrongType);
  EXPECT_EQ(obj(s, 1, "GETEX", {"h", "PERSIST"}), kWrongType);
  EXPECT_EQ(s.digest_hex(), before);
  // Metadata reads and key commands see any type.
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kExists, "h"}), integer(1));
  EXPECT_EQ(apply1(s, 1, ExpireOp{"h", 50}), integer(1));
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kPttl, "h"}), integer(49));
  // SET replaces a hash (its deadline too, unless KEEPTTL).
  EXPECT_EQ(apply1(s, 1, SetOp{"h", "now a string"}), Reply::ok());
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kType, "h"}), Reply::status("string"));
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kPttl, "h"}), integer(-1));
  EXPECT_EQ(s.object_count(), 0u);
}

TEST(ObjHashTest, theLastFieldRemovedRemovesTheKey) {
  Store s;
  obj(s, 1, "HSET", {"h", "a", "1", "b", "2"});
  EXPECT_EQ(obj(s, 1, "HDEL", {"h", "a", "zz"}), integer(1));
  EXPECT_EQ(obj(s, 1, "HDEL", {"h", "b", "b"}), integer(1));
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kExists, "h"}), integer(0));
  EXPECT_EQ(s.item_count(), 0u);
  EXPECT_EQ(s.object_count(), 0u);
  EXPECT_EQ(obj(s, 1, "HDEL", {"h", "a"}), integer(0));
}

TEST(ObjHashTest, expiryRenameDelAndFlushTreatAHashAsAKey) {
  Store s;
  obj(s, 1, "HSET", {"h", "a", "1"});
  apply1(s, 1, ExpireOp{"h", 100});
  EXPECT_EQ(obj(s, 99, "HGET", {"h", "a"}), bulk("1"));
  EXPECT_EQ(obj(s, 100, "HGET", {"h", "a"}), Reply::nil());     // expired at the stamp
  EXPECT_EQ(obj(s, 100, "HSET", {"h", "b", "2"}), integer(1));  // a new hash
  EXPECT_EQ(obj(s, 100, "HLEN", {"h"}), integer(1));
  apply1(s, 100, ExpireOp{"h", 500});
  EXPECT_EQ(apply1(s, 100, RenameOp{"h", "g"}), Reply::ok());
  EXPECT_EQ(obj(s, 100, "HGET", {"g", "b"}), bulk("2"));
  EXPECT_EQ(apply1(s, 100, ReadOp{ReadKind::kPexpireTime, "g"}), integer(500));
  EXPECT_EQ(apply1(s, 100, DelOp{{"g"}}), integer(1));
  obj(s, 100, "HSET", {"x", "a", "1"});
  apply1(s, 100, FlushOp{});
  EXPECT_EQ(s.item_count(), 0u);
  EXPECT_EQ(s.object_count(), 0u);
}

TEST(ObjHashTest, snapshotsAndDigestsCoverHashes) {
  Store a;
  obj(a, 1, "HSET", {"h", "b", "2", "a", "1"});
  apply1(a, 1, SetOp{"s", "v", 900});
  apply1(a, 1, ExpireOp{"h", 800});
  Result<Store> b = Store::deserialize(a.serialize());
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  EXPECT_EQ(b.value().serialize(), a.serialize());
  EXPECT_EQ(b.value().digest_hex(), a.digest_hex());
  EXPECT_EQ(b.value().item_digest_hex("h"), a.item_digest_hex("h"));
  // A field's value, a field's name, the deadline: each changes the digest.
  Store c;
  obj(c, 1, "HSET", {"h", "b", "2", "a", "1"});
  const std::string without_deadline = c.digest_hex();
  apply1(c, 1, ExpireOp{"h", 800});
  EXPECT_NE(c.digest_hex(), without_deadline);
  const std::string with_deadline = c.digest_hex();
  obj(c, 1, "HSET", {"h", "a", "X"});
  EXPECT_NE(c.digest_hex(), with_deadline);
  obj(c, 1, "HSET", {"h", "a", "1"});
  EXPECT_EQ(c.digest_hex(), with_deadline);
  EXPECT_EQ(c.item_digest_hex("h"), a.item_digest_hex("h"));
  obj(c, 1, "HSET", {"h", "z", "1"});
  EXPECT_NE(c.digest_hex(), with_deadline);
  // A hash and a string holding the same bytes differ.
  Store d;
  apply1(d, 1, SetOp{"h", "a"});
  Store e;
  obj(e, 1, "HSET", {"h", "a", ""});
  EXPECT_NE(d.digest_hex(), e.digest_hex());
}

TEST(ObjHashTest, seededPicksAreTheSameOnARestoredReplica) {
  // One replica applies every op; another restores a snapshot taken midway (its hash table
  // holds the fields in another order) and applies the rest. Seeded picks must agree.
  Store a;
  for (int i = 0; i < 200; ++i) {
    obj(a, 1, "HSET", {"h", "f" + std::to_string((i * 37) % 200), std::to_string(i)});
  }
  Result<Store> b = Store::deserialize(a.serialize());
  ASSERT_TRUE(b.is_ok());
  for (std::uint64_t seed = 1; seed < 50; ++seed) {
    EXPECT_EQ(obj(a, 2, "HRANDFIELD", {"h", "5", "WITHVALUES"}, seed),
              obj(b.value(), 2, "HRANDFIELD", {"h", "5", "WITHVALUES"}, seed));
    EXPECT_EQ(obj(a, 2, "HRANDFIELD", {"h", "-7"}, seed),
              obj(b.value(), 2, "HRANDFIELD", {"h", "-7"}, seed));
  }
  const Reply distinct = obj(a, 2, "HRANDFIELD", {"h", "300"}, 9);
  EXPECT_EQ(distinct.elements.size(), 200u);  // a count beyond the size: every field once
  EXPECT_EQ(obj(a, 2, "HRANDFIELD", {"h", "1", "WITHVALUES", "x"}), Reply::error(kErrSyntax));
}

TEST(ObjHashTest, hscanVisitsEveryFieldOnce) {
  Store s;
  for (int i = 0; i < 100; ++i) {
    obj(s, 1, "HSET", {"h", "f" + std::to_string(i), "v"});
  }
  std::set<std::string> seen;
  std::string cursor = "0";
  int pages = 0;
  do {
    const Reply page = obj(s, 1, "HSCAN", {"h", cursor, "COUNT", "7"});
    ASSERT_EQ(page.kind, Reply::Kind::kArray);
    cursor = page.elements[0].text;
    const std::vector<Reply>& items = page.elements[1].elements;
    for (std::size_t i = 0; i < items.size(); i += 2) {
      EXPECT_TRUE(seen.insert(items[i].text).second) << items[i].text;
    }
    ++pages;
  } while (cursor != "0" && pages < 1000);
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(obj(s, 1, "HSCAN", {"h", "x"}), Reply::error("ERR invalid cursor"));
  EXPECT_EQ(obj(s, 1, "HSCAN", {"h", "0", "COUNT", "0"}), Reply::error(kErrSyntax));
}

TEST(ObjStringTest, getdelAndGetexFollowRedisOrder) {
  Store s;
  apply1(s, 1, SetOp{"k", "v"});
  EXPECT_EQ(obj(s, 1, "GETEX", {"k", "EX", "10"}), bulk("v"));
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kPttl, "k"}), integer(10'000));
  EXPECT_EQ(obj(s, 1, "GETEX", {"k", "PERSIST"}), bulk("v"));
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kPttl, "k"}), integer(-1));
  // The TTL's number is read after the key: a missing key answers nil whatever it is.
  EXPECT_EQ(obj(s, 1, "GETEX", {"nokey", "EX", "abc"}), Reply::nil());
  EXPECT_EQ(obj(s, 1, "GETEX", {"k", "EX", "abc"}), Reply::error(kErrNotInteger));
  EXPECT_EQ(obj(s, 1, "GETEX", {"k", "EX", "0"}),
            Reply::error("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(obj(s, 1, "GETEX", {"k", "EX", "1", "PX", "1"}), Reply::error(kErrSyntax));
  EXPECT_EQ(obj(s, 1, "GETEX", {"k", "EX", "1", "EX", "2"}), bulk("v"));  // the last wins
  EXPECT_EQ(apply1(s, 1, ReadOp{ReadKind::kPttl, "k"}), integer(2'000));
  EXPECT_EQ(obj(s, 5, "GETEX", {"k", "PXAT", "5"}), bulk("v"));  // in the past: deleted
  EXPECT_EQ(apply1(s, 5, ReadOp{ReadKind::kExists, "k"}), integer(0));
  apply1(s, 5, SetOp{"k", "w"});
  EXPECT_EQ(obj(s, 5, "GETDEL", {"k"}), bulk("w"));
  EXPECT_EQ(obj(s, 5, "GETDEL", {"k"}), Reply::nil());
}

TEST(ObjStringTest, incrbyfloatRefusalsAnswerInRedisOrder) {
  Store s;
  apply1(s, 1, SetOp{"num", "1.5"});
  apply1(s, 1, SetOp{"txt", "abc"});
  obj(s, 1, "HSET", {"h", "f", "v"});
  const std::string before = s.digest_hex();
  EXPECT_EQ(obj(s, 1, "INCRBYFLOAT", {"h", "abc"}), kWrongType);
  EXPECT_EQ(obj(s, 1, "INCRBYFLOAT", {"txt", "inf"}), Reply::error(kErrNotFloat));
  EXPECT_EQ(obj(s, 1, "INCRBYFLOAT", {"num", "inf"}), Reply::error(kErrNanOrInfinity));
  EXPECT_EQ(obj(s, 1, "INCRBYFLOAT", {"num", "abc"}), Reply::error(kErrNotFloat));
  EXPECT_EQ(obj(s, 1, "INCRBYFLOAT", {"nokey", "-inf"}), Reply::error(kErrNanOrInfinity));
  EXPECT_EQ(s.digest_hex(), before);
}

}  // namespace
}  // namespace helios::atlas
