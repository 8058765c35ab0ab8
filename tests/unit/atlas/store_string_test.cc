// Store semantics of the string ops, one rule at a time: READ of every kind (at the stamp,
// changing nothing), APPEND, SETRANGE, INCRBYFLOAT with Redis's error lines, RENAME and
// RENAMENX moving deadlines, FLUSH, MSETNX; keys expired at the stamp count as absent.
// Every apply is followed by check_invariants.
#include <gtest/gtest.h>

#include <limits>

#include "atlas/store.h"
#include "store_test_util.h"

namespace helios::atlas {

namespace {

using test::apply1;
using test::integer;
using test::kMaxI64;
using test::kMinI64;
using test::state;

Reply read(Store& store, std::uint64_t stamp_ms, ReadKind what, std::string key, std::int64_t a = 0,
           std::int64_t b = 0) {
  return apply1(store, stamp_ms, ReadOp{what, std::move(key), a, b});
}

// ---- READ ----

TEST(StoreStringTest, read_everyKindOnLiveAbsentAndExpiredKeys) {
  Store s;
  apply1(s, 1, SetOp{"plain", "hello"});
  apply1(s, 1, SetOp{"vol", "abc", 500});
  apply1(s, 1, SetOp{"gone", "x", 100});
  const std::uint64_t t = 100;  // "gone" is expired at this stamp
  EXPECT_EQ(read(s, t, ReadKind::kGet, "plain"), Reply::bulk("hello"));
  EXPECT_EQ(read(s, t, ReadKind::kGet, "gone"), Reply::nil());
  EXPECT_EQ(read(s, t, ReadKind::kGet, "missing"), Reply::nil());
  EXPECT_EQ(read(s, t, ReadKind::kStrlen, "plain"), integer(5));
  EXPECT_EQ(read(s, t, ReadKind::kStrlen, "gone"), integer(0));
  EXPECT_EQ(read(s, t, ReadKind::kExists, "vol"), integer(1));
  EXPECT_EQ(read(s, t, ReadKind::kExists, "gone"), integer(0));
  EXPECT_EQ(read(s, t, ReadKind::kPttl, "plain"), integer(-1));
  EXPECT_EQ(read(s, t, ReadKind::kPttl, "vol"), integer(400));
  EXPECT_EQ(read(s, t, ReadKind::kPttl, "gone"), integer(-2));
  EXPECT_EQ(read(s, t, ReadKind::kPexpireTime, "plain"), integer(-1));
  EXPECT_EQ(read(s, t, ReadKind::kPexpireTime, "vol"), integer(500));
  EXPECT_EQ(read(s, t, ReadKind::kPexpireTime, "gone"), integer(-2));
  EXPECT_EQ(read(s, t, ReadKind::kGetRange, "vol", 1, 1), Reply::bulk("b"));
  EXPECT_EQ(read(s, t, ReadKind::kGetRange, "gone", 0, -1), Reply::bulk(""));
  EXPECT_EQ(read(s, t, ReadKind::kDbSize, ""), integer(2));
  EXPECT_EQ(read(s, 99, ReadKind::kDbSize, ""), integer(3));
  // Reads never remove, not even the key expired at the stamp.
  EXPECT_EQ(s.item_count(), 3u);
  EXPECT_EQ(s.expired_keys(100, 10), (std::vector<ExpiredKey>{{"gone", 100}}));
}

TEST(StoreStringTest, read_pexpireTimeOfAHugeDeadlineIsClamped) {
  Store s;
  apply1(s, 1, SetOp{"k", "v", std::numeric_limits<std::uint64_t>::max()});
  EXPECT_EQ(read(s, 2, ReadKind::kPexpireTime, "k"), integer(kMaxI64));
  EXPECT_EQ(read(s, 2, ReadKind::kPttl, "k"), integer(kMaxI64));
}

// Redis's GETRANGE page examples, and its index rules at the edges.
TEST(StoreStringTest, read_getRangeFollowsRedis) {
  Store s;
  apply1(s, 1, SetOp{"k", "This is a string"});
  apply1(s, 1, SetOp{"empty", ""});
  struct Case {
    std::int64_t a;
    std::int64_t b;
    const char* want;
  };
  const Case cases[] = {
      {0, 3, "This"},
      {-3, -1, "ing"},
      {0, -1, "This is a string"},
      {10, 100, "string"},
      {5, 3, ""},
      {-1, -5, ""},  // both negative, start after end
      {-100, 1, "Th"},
      {-100, -100, "T"},  // both clamp to 0
      {16, 20, ""},
      {15, 15, "g"},
      {kMinI64, kMaxI64, "This is a string"},
      {kMaxI64, kMinI64, ""},
      {kMinI64, kMinI64, "T"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(read(s, 2, ReadKind::kGetRange, "k", c.a, c.b), Reply::bulk(c.want))
        << c.a << " " << c.b;
  }
  EXPECT_EQ(read(s, 2, ReadKind::kGetRange, "empty", 0, -1), Reply::bulk(""));
  EXPECT_EQ(read(s, 2, ReadKind::kGetRange, "missing", 0, -1), Reply::bulk(""));
}

// MULTI/EXEC, GETDEL, GETEX: the read sees the ops before it in the same command.
TEST(StoreStringTest, read_inABatchSeesTheEarlierOps) {
  Store s;
  apply1(s, 1, SetOp{"k", "old", 100});
  Command c;
  c.stamp_ms = 50;
  c.ops = {ReadOp{ReadKind::kGet, "k"},          // GETDEL k: the value...
           DelOp{{"k"}},                         // ...then the delete
           ReadOp{ReadKind::kGet, "k"},          // gone
           SetOp{"n", "1"},                      // SET n 1
           ExpireOp{"n", 80},                    // GETEX n PXAT 80: the expire...
           ReadOp{ReadKind::kGet, "n"},          // ...and the value
           ReadOp{ReadKind::kPexpireTime, "n"},  //
           ReadOp{ReadKind::kDbSize, ""}};
  const std::vector<Reply> want = {Reply::bulk("old"), integer(1),       Reply::nil(), Reply::ok(),
                                   integer(1),         Reply::bulk("1"), integer(80),  integer(1)};
  EXPECT_EQ(s.apply(c), want);
  s.check_invariants();
}

// ---- APPEND ----

TEST(StoreStringTest, append_createsOrExtendsAndKeepsTheDeadline) {
  Store s;
  EXPECT_EQ(apply1(s, 1, AppendOp{"k", "Hello"}), integer(5));
  EXPECT_EQ(apply1(s, 1, AppendOp{"k", " World"}), integer(11));
  EXPECT_EQ(state(s, "k", 1), "Hello World");
  EXPECT_EQ(apply1(s, 1, AppendOp{"empty", ""}), integer(0));  // created, as in Redis
  EXPECT_TRUE(s.exists("empty", 1));
  apply1(s, 1, SetOp{"v", "a", 100});
  EXPECT_EQ(apply1(s, 2, AppendOp{"v", "b"}), integer(2));
  EXPECT_EQ(state(s, "v", 50), "ab ttl=50");
}

TEST(StoreStringTest, append_onKeyExpiredAtStamp_startsAfreshWithoutDeadline) {
  Store s;
  apply1(s, 1, SetOp{"k", "old", 100});
  EXPECT_EQ(apply1(s, 100, AppendOp{"k", "new"}), integer(3));
  EXPECT_EQ(state(s, "k", 5000), "new");
}

TEST(StoreStringTest, append_beyondTheValueLimit_errorsAndChangesNothing) {
  Store s;
  apply1(s, 1, SetOp{"k", std::string(kMaxValueBytes - 1, 'x'), 900});
  EXPECT_EQ(apply1(s, 2, AppendOp{"k", "ab"}), Reply::error(kErrStringTooLong));
  EXPECT_EQ(s.get("k", 2)->size(), kMaxValueBytes - 1);
  EXPECT_EQ(apply1(s, 2, AppendOp{"k", "a"}), integer(static_cast<std::int64_t>(kMaxValueBytes)));
  EXPECT_EQ(s.ttl_ms("k", 2), 898);
  EXPECT_EQ(apply1(s, 2, AppendOp{"k", ""}), integer(static_cast<std::int64_t>(kMaxValueBytes)));
  EXPECT_EQ(kErrStringTooLong, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
}

// ---- SETRANGE ----

// Redis's SETRANGE page examples.
TEST(StoreStringTest, setRange_overwritesAndZeroPads) {
  Store s;
  apply1(s, 1, SetOp{"key1", "Hello World"});
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"key1", 6, "Redis"}), integer(11));
  EXPECT_EQ(s.get("key1", 1), "Hello Redis");
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"key2", 6, "Redis"}), integer(11));
  EXPECT_EQ(s.get("key2", 1), std::string("\0\0\0\0\0\0Redis", 11));
  EXPECT_EQ(s.ttl_ms("key2", 1), -1);
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"key1", 0, "J"}), integer(11));
  EXPECT_EQ(s.get("key1", 1), "Jello Redis");
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"key1", 13, "!"}), integer(14));
  EXPECT_EQ(s.get("key1", 1), std::string("Jello Redis\0\0!", 14));
}

TEST(StoreStringTest, setRange_emptyValueChangesNothing) {
  Store s;
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"k", 5, ""}), integer(0));
  EXPECT_EQ(s.item_count(), 0u);  // not created
  apply1(s, 1, SetOp{"k", "abc"});
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"k", 10, ""}), integer(3));
  // Even at the largest offset: Redis answers before checking the length.
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"k", kMaxValueBytes, ""}), integer(3));
  EXPECT_EQ(s.get("k", 1), "abc");
}

TEST(StoreStringTest, setRange_keepsDeadlineAndTreatsKeyExpiredAtStampAsAbsent) {
  Store s;
  apply1(s, 1, SetOp{"k", "abc", 100});
  EXPECT_EQ(apply1(s, 2, SetRangeOp{"k", 1, "X"}), integer(3));
  EXPECT_EQ(state(s, "k", 50), "aXc ttl=50");
  EXPECT_EQ(apply1(s, 100, SetRangeOp{"k", 1, "Y"}), integer(2));
  EXPECT_EQ(state(s, "k", 5000), std::string("\0Y", 2));
}

TEST(StoreStringTest, setRange_beyondTheValueLimit_errorsAndChangesNothing) {
  Store s;
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"new", kMaxValueBytes, "x"}), Reply::error(kErrStringTooLong));
  EXPECT_EQ(s.item_count(), 0u);
  apply1(s, 1, SetOp{"k", "abc"});
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"k", kMaxValueBytes - 1, "xy"}),
            Reply::error(kErrStringTooLong));
  EXPECT_EQ(s.get("k", 1), "abc");
  EXPECT_EQ(apply1(s, 1, SetRangeOp{"k", kMaxValueBytes - 1, "x"}),
            integer(static_cast<std::int64_t>(kMaxValueBytes)));
}

// ---- INCRBYFLOAT ----

// Redis's INCRBYFLOAT page examples.
TEST(StoreStringTest, incrByFloat_redisExamples) {
  Store s;
  apply1(s, 1, SetOp{"mykey", "10.50"});
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"mykey", "0.1"}), Reply::bulk("10.6"));
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"mykey", "-5"}), Reply::bulk("5.6"));
  apply1(s, 1, SetOp{"mykey", "5.0e3"});
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"mykey", "2.0e2"}), Reply::bulk("5200"));
  EXPECT_EQ(s.get("mykey", 1), "5200");
}

TEST(StoreStringTest, incrByFloat_absentCountsAsZeroAndDeadlineStays) {
  Store s;
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"f", "3.0e3"}), Reply::bulk("3000"));
  EXPECT_EQ(state(s, "f", 1), "3000");
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"z", "-0"}), Reply::bulk("0"));
  apply1(s, 1, SetOp{"v", "10", 100});
  EXPECT_EQ(apply1(s, 2, IncrByFloatOp{"v", "1.5"}), Reply::bulk("11.5"));
  EXPECT_EQ(state(s, "v", 50), "11.5 ttl=50");
  // Expired at the stamp: starts from 0, without the old deadline.
  EXPECT_EQ(apply1(s, 100, IncrByFloatOp{"v", "0x10"}), Reply::bulk("16"));
  EXPECT_EQ(state(s, "v", 5000), "16");
}

TEST(StoreStringTest, incrByFloat_valueNotAFloat_errorsAndChangesNothing) {
  for (const std::string& value :
       {std::string("abc"), std::string(""), std::string(" 1"), std::string("1 "),
        std::string("1\0"
                    "2",
                    3),
        std::string("nan"), std::string("1e5000")}) {
    Store s;
    apply1(s, 1, SetOp{"f", value, 100});
    EXPECT_EQ(apply1(s, 2, IncrByFloatOp{"f", "1"}), Reply::error("ERR value is not a valid float"))
        << value;
    EXPECT_EQ(s.get("f", 2), value);
    EXPECT_EQ(s.ttl_ms("f", 2), 98);
  }
}

TEST(StoreStringTest, incrByFloat_nanOrInfinity_errorsAndChangesNothing) {
  const Reply nan_or_inf = Reply::error("ERR increment would produce NaN or Infinity");
  Store s;
  apply1(s, 1, SetOp{"big", "1e4932"});
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"big", "1e4932"}), nan_or_inf);
  EXPECT_EQ(s.get("big", 1), "1e4932");
  apply1(s, 1, SetOp{"inf", "inf"});  // parses, as in Redis; the sum is what fails
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"inf", "1"}), nan_or_inf);
  apply1(s, 1, SetOp{"-inf", "-inf"});
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"-inf", "-1"}), nan_or_inf);
  EXPECT_EQ(s.get("-inf", 1), "-inf");
  // A huge but finite result is stored in full.
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"huge", "1e4932"}).kind, Reply::Kind::kBulk);
  EXPECT_GT(s.get("huge", 1)->size(), 4900u);
  EXPECT_EQ(apply1(s, 1, IncrByFloatOp{"huge", "-1e4932"}), Reply::bulk("0"));
}

TEST(StoreStringTest, incrByFloat_sameInputsGiveSameBytesOnEveryReplica) {
  Store a;
  Store b;
  for (const char* inc : {"0.1", "0.2", "-1e-3", "3.3333333333333333", "1e10", "-1e10"}) {
    EXPECT_EQ(apply1(a, 1, IncrByFloatOp{"f", inc}), apply1(b, 1, IncrByFloatOp{"f", inc}));
  }
  EXPECT_EQ(a.serialize(), b.serialize());
}

// ---- RENAME / RENAMENX ----

TEST(StoreStringTest, rename_movesValueAndDeadline) {
  Store s;
  apply1(s, 1, SetOp{"src", "v", 100});
  EXPECT_EQ(apply1(s, 2, RenameOp{"src", "dst"}), Reply::ok());
  EXPECT_EQ(state(s, "src", 2), "absent");
  EXPECT_EQ(state(s, "dst", 50), "v ttl=50");
  EXPECT_EQ(s.expired_keys(100, 10), (std::vector<ExpiredKey>{{"dst", 100}}));
  EXPECT_EQ(s.item_count(), 1u);
  // And active expiry of the new name works.
  EXPECT_EQ(apply1(s, 100, DeleteIfExpiredOp{"dst", 100}), integer(1));
  EXPECT_EQ(s.item_count(), 0u);
}

TEST(StoreStringTest, rename_overwritesDestinationAndItsDeadline) {
  Store s;
  apply1(s, 1, SetOp{"plain", "p"});
  apply1(s, 1, SetOp{"vol", "v", 300});
  EXPECT_EQ(apply1(s, 2, RenameOp{"plain", "vol"}), Reply::ok());
  EXPECT_EQ(state(s, "vol", 1000), "p");  // the destination's deadline is gone too
  EXPECT_TRUE(s.expired_keys(1000, 10).empty());
  apply1(s, 3, SetOp{"a", "1", 500});
  apply1(s, 3, SetOp{"b", "2", 400});
  EXPECT_EQ(apply1(s, 4, RenameOp{"a", "b"}), Reply::ok());
  EXPECT_EQ(s.expired_keys(1000, 10), (std::vector<ExpiredKey>{{"b", 500}}));
}

TEST(StoreStringTest, rename_absentOrExpiredSource_errors) {
  Store s;
  const Reply no_such_key = Reply::error("ERR no such key");
  EXPECT_EQ(apply1(s, 1, RenameOp{"missing", "dst"}), no_such_key);
  EXPECT_EQ(apply1(s, 1, RenameOp{"missing", "missing", true}), no_such_key);
  apply1(s, 1, SetOp{"src", "v", 100});
  apply1(s, 1, SetOp{"dst", "d"});
  EXPECT_EQ(apply1(s, 100, RenameOp{"src", "dst"}), no_such_key);
  EXPECT_EQ(state(s, "dst", 100), "d");
  EXPECT_EQ(s.item_count(), 1u);  // the expired source was removed on touch
}

TEST(StoreStringTest, renameNx_onlyIntoAnAbsentKey) {
  Store s;
  apply1(s, 1, SetOp{"a", "1", 500});
  apply1(s, 1, SetOp{"b", "2"});
  EXPECT_EQ(apply1(s, 2, RenameOp{"a", "b", true}), integer(0));
  EXPECT_EQ(state(s, "a", 2), "1 ttl=498");
  EXPECT_EQ(state(s, "b", 2), "2");
  EXPECT_EQ(apply1(s, 2, RenameOp{"a", "c", true}), integer(1));
  EXPECT_EQ(state(s, "c", 2), "1 ttl=498");
  // A destination expired at the stamp counts as absent.
  apply1(s, 3, SetOp{"e", "old", 10});
  EXPECT_EQ(apply1(s, 10, RenameOp{"b", "e", true}), integer(1));
  EXPECT_EQ(state(s, "e", 5000), "2");
}

TEST(StoreStringTest, rename_ontoItself) {
  Store s;
  apply1(s, 1, SetOp{"k", "v", 100});
  EXPECT_EQ(apply1(s, 2, RenameOp{"k", "k"}), Reply::ok());
  EXPECT_EQ(apply1(s, 2, RenameOp{"k", "k", true}), integer(0));
  EXPECT_EQ(state(s, "k", 50), "v ttl=50");
}

// ---- FLUSH ----

TEST(StoreStringTest, flush_removesEveryKeyAndDeadline) {
  Store s;
  apply1(s, 1, SetOp{"a", "1"});
  apply1(s, 1, SetOp{"b", "2", 100});
  apply1(s, 1, SetOp{"c", "3", 50});
  EXPECT_EQ(apply1(s, 60, FlushOp{}), Reply::ok());
  EXPECT_EQ(s.item_count(), 0u);
  EXPECT_TRUE(s.expired_keys(std::numeric_limits<std::uint64_t>::max(), 10).empty());
  EXPECT_EQ(apply1(s, 61, FlushOp{}), Reply::ok());
  EXPECT_EQ(apply1(s, 62, SetOp{"b", "new", 90}), Reply::ok());
  EXPECT_EQ(state(s, "b", 62), "new ttl=28");
  EXPECT_EQ(test::data_bytes(s), [] {
    Store fresh;
    apply1(fresh, 1, SetOp{"b", "new", 90});
    return test::data_bytes(fresh);
  }());
}

// ---- MSETNX ----

TEST(StoreStringTest, msetNx_setsAllOrNothing) {
  Store s;
  EXPECT_EQ(apply1(s, 1, MSetNxOp{{"a", "b"}, {"1", "2"}}), integer(1));
  EXPECT_EQ(state(s, "a", 1), "1");
  EXPECT_EQ(state(s, "b", 1), "2");
  EXPECT_EQ(apply1(s, 1, MSetNxOp{{"c", "b"}, {"3", "x"}}), integer(0));
  EXPECT_EQ(state(s, "c", 1), "absent");
  EXPECT_EQ(state(s, "b", 1), "2");
}

TEST(StoreStringTest, msetNx_duplicateKeysLastValueWins) {
  Store s;
  EXPECT_EQ(apply1(s, 1, MSetNxOp{{"k", "j", "k"}, {"first", "j", "last"}}), integer(1));
  EXPECT_EQ(state(s, "k", 1), "last");
  EXPECT_EQ(s.item_count(), 2u);
}

TEST(StoreStringTest, msetNx_keyExpiredAtStampCountsAsAbsentAndGetsNoDeadline) {
  Store s;
  apply1(s, 1, SetOp{"k", "old", 100});
  EXPECT_EQ(apply1(s, 99, MSetNxOp{{"k"}, {"new"}}), integer(0));
  EXPECT_EQ(apply1(s, 100, MSetNxOp{{"k"}, {"new"}}), integer(1));
  EXPECT_EQ(state(s, "k", 5000), "new");
  EXPECT_TRUE(s.expired_keys(5000, 10).empty());
}

}  // namespace
}  // namespace helios::atlas
