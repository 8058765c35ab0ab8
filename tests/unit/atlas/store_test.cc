// Store semantics, one rule at a time: SET and its flags, DEL, EXPIRE and its flags,
// PERSIST, INCRBY with Redis's error lines, the stamp rule for expired keys, active expiry
// (expired_keys, DELETE_IF_EXPIRED), reads at the serving node's clock, batches.
#include "atlas/store.h"

#include <gtest/gtest.h>

#include <limits>

#include "store_test_util.h"

namespace helios::atlas {

namespace {

using test::apply1;
using test::integer;
using test::kMaxI64;
using test::kMinI64;
using test::state;

TEST(StoreTest, set_storesAndGetReadsIt) {
  Store s;
  EXPECT_EQ(apply1(s, 10, SetOp{"k", "v"}), Reply::ok());
  EXPECT_EQ(s.get("k", 10), "v");
  EXPECT_EQ(s.ttl_ms("k", 10), -1);
  EXPECT_EQ(apply1(s, 11, SetOp{"k", "w", 100}), Reply::ok());
  EXPECT_EQ(state(s, "k", 40), "w ttl=60");
  // A plain SET clears the deadline.
  EXPECT_EQ(apply1(s, 12, SetOp{"k", "x"}), Reply::ok());
  EXPECT_EQ(state(s, "k", 1000), "x");
  EXPECT_EQ(s.expired_keys(1000, 10).size(), 0u);
}

// Every valid flag combination against every state of the key: absent, live without a
// deadline, live with one, expired at the stamp (which counts as absent).
TEST(StoreTest, set_everyFlagCombinationAgainstEveryKeyState) {
  enum class Before { kAbsent, kPlain, kVolatile, kExpired };
  constexpr std::uint64_t kStamp = 100;
  for (int bits = 0; bits < 16; ++bits) {
    for (const std::uint64_t deadline_ms : {std::uint64_t{0}, std::uint64_t{500}}) {
      const SetOp op{.key = "k",
                     .value = "new",
                     .deadline_ms = deadline_ms,
                     .nx = (bits & 1) != 0,
                     .xx = (bits & 2) != 0,
                     .keep_ttl = (bits & 4) != 0,
                     .get = (bits & 8) != 0};
      if ((op.nx && op.xx) || (op.keep_ttl && deadline_ms != 0)) {
        continue;
      }
      for (const Before before :
           {Before::kAbsent, Before::kPlain, Before::kVolatile, Before::kExpired}) {
        Store s;
        std::uint64_t old_deadline_ms = 0;
        if (before == Before::kPlain) {
          apply1(s, 1, SetOp{"k", "old"});
        } else if (before == Before::kVolatile || before == Before::kExpired) {
          old_deadline_ms = before == Before::kVolatile ? 300 : kStamp;
          apply1(s, 1, SetOp{"k", "old", old_deadline_ms});
        }
        const bool live = before == Before::kPlain || before == Before::kVolatile;
        const bool stores = !(op.nx && live) && !(op.xx && !live);
        Reply want = stores ? Reply::ok() : Reply::nil();
        if (op.get) {
          want = live ? Reply::bulk("old") : Reply::nil();
        }
        const std::string where = "bits=" + std::to_string(bits) +
                                  " deadline=" + std::to_string(deadline_ms) +
                                  " before=" + std::to_string(static_cast<int>(before));
        EXPECT_EQ(apply1(s, kStamp, op), want) << where;
        const std::uint64_t want_deadline_ms =
            !stores ? (live ? old_deadline_ms : 0)
                    : (op.keep_ttl && live ? old_deadline_ms : deadline_ms);
        const std::string want_value = stores ? "new" : (live ? "old" : "");
        if (want_value.empty()) {
          EXPECT_EQ(state(s, "k", kStamp), "absent") << where;
          EXPECT_EQ(s.item_count(), 0u) << where;  // the expired item was removed on touch
        } else {
          EXPECT_EQ(s.get("k", kStamp), want_value) << where;
          EXPECT_EQ(
              s.ttl_ms("k", kStamp),
              want_deadline_ms == 0 ? -1 : static_cast<std::int64_t>(want_deadline_ms - kStamp))
              << where;
        }
      }
    }
  }
}

TEST(StoreTest, set_deadlineAtOrBeforeStamp_leavesKeyAbsent) {
  Store s;
  apply1(s, 1, SetOp{"k", "old"});
  EXPECT_EQ(apply1(s, 50, SetOp{.key = "k", .value = "v", .deadline_ms = 50, .get = true}),
            Reply::bulk("old"));
  EXPECT_FALSE(s.exists("k", 0));  // gone for every reader, whatever its clock
  EXPECT_EQ(s.item_count(), 0u);
  EXPECT_EQ(apply1(s, 50, SetOp{"j", "v", 49}), Reply::ok());
  EXPECT_EQ(s.item_count(), 0u);
  EXPECT_EQ(apply1(s, 50, SetOp{"j", "v", 51}), Reply::ok());
  EXPECT_EQ(s.ttl_ms("j", 50), 1);
}

TEST(StoreTest, set_nxOnKeyExpiredAtStamp_stores) {
  Store s;
  apply1(s, 1, SetOp{"k", "old", 100});
  EXPECT_EQ(apply1(s, 99, SetOp{.key = "k", .value = "a", .nx = true}),
            Reply::nil());  // still live at 99
  EXPECT_EQ(apply1(s, 100, SetOp{.key = "k", .value = "b", .nx = true}),
            Reply::ok());  // expired at 100
  EXPECT_EQ(state(s, "k", 100), "b");
}

TEST(StoreTest, del_countsLiveKeysOnce) {
  Store s;
  apply1(s, 1, SetOp{"a", "1"});
  apply1(s, 1, SetOp{"b", "2"});
  apply1(s, 1, SetOp{"c", "3", 50});
  EXPECT_EQ(apply1(s, 60, DelOp{{"a", "a", "missing", "c", "b"}}), integer(2));
  EXPECT_EQ(s.item_count(), 0u);  // the expired "c" was removed, not counted
  EXPECT_EQ(apply1(s, 61, DelOp{{"a"}}), integer(0));
}

// Redis 7's EXPIRE flags; a key without a deadline has an infinite TTL for GT and LT.
TEST(StoreTest, expire_flagsFollowRedis) {
  struct Case {
    std::uint64_t current_ms;  // 0 = no deadline
    ExpireOp op;
    std::int64_t want;
  };
  const Case cases[] = {
      {0, {.key = "k", .deadline_ms = 500}, 1},
      {300, {.key = "k", .deadline_ms = 500}, 1},
      {0, {.key = "k", .deadline_ms = 500, .nx = true}, 1},                // NX, no deadline
      {300, {.key = "k", .deadline_ms = 500, .nx = true}, 0},              // NX, has one
      {0, {.key = "k", .deadline_ms = 500, .xx = true}, 0},                // XX, no deadline
      {300, {.key = "k", .deadline_ms = 500, .xx = true}, 1},              // XX, has one
      {0, {.key = "k", .deadline_ms = 500, .gt = true}, 0},                // GT vs infinite
      {300, {.key = "k", .deadline_ms = 500, .gt = true}, 1},              // GT, later
      {300, {.key = "k", .deadline_ms = 300, .gt = true}, 0},              // GT, equal
      {300, {.key = "k", .deadline_ms = 200, .gt = true}, 0},              // GT, earlier
      {0, {.key = "k", .deadline_ms = 500, .lt = true}, 1},                // LT vs infinite
      {300, {.key = "k", .deadline_ms = 200, .lt = true}, 1},              // LT, earlier
      {300, {.key = "k", .deadline_ms = 300, .lt = true}, 0},              // LT, equal
      {300, {.key = "k", .deadline_ms = 500, .lt = true}, 0},              // LT, later
      {0, {.key = "k", .deadline_ms = 500, .xx = true, .gt = true}, 0},    // XX GT, no deadline
      {300, {.key = "k", .deadline_ms = 500, .xx = true, .gt = true}, 1},  // XX GT, later
      {0, {.key = "k", .deadline_ms = 200, .xx = true, .lt = true}, 0},    // XX LT, no deadline
      {300, {.key = "k", .deadline_ms = 200, .xx = true, .lt = true}, 1},  // XX LT, earlier
  };
  for (const Case& c : cases) {
    Store s;
    apply1(s, 1, SetOp{"k", "v", c.current_ms});
    const std::string where =
        "current=" + std::to_string(c.current_ms) + " deadline=" + std::to_string(c.op.deadline_ms);
    EXPECT_EQ(apply1(s, 100, c.op), integer(c.want)) << where;
    const std::uint64_t deadline_ms = c.want == 1 ? c.op.deadline_ms : c.current_ms;
    EXPECT_EQ(s.ttl_ms("k", 100),
              deadline_ms == 0 ? -1 : static_cast<std::int64_t>(deadline_ms - 100))
        << where;
  }
}

TEST(StoreTest, expire_missingOrExpiredKey_returnsZero) {
  Store s;
  EXPECT_EQ(apply1(s, 10, ExpireOp{"k", 500}), integer(0));
  apply1(s, 10, SetOp{"k", "v", 20});
  EXPECT_EQ(apply1(s, 20, ExpireOp{"k", 500}), integer(0));
  EXPECT_EQ(s.item_count(), 0u);
}

TEST(StoreTest, expire_deadlineAtOrBeforeStamp_deletesKey) {
  Store s;
  apply1(s, 1, SetOp{"a", "v"});
  apply1(s, 1, SetOp{"b", "v", 900});
  apply1(s, 1, SetOp{"c", "v"});
  EXPECT_EQ(apply1(s, 100, ExpireOp{"a", 100}), integer(1));
  EXPECT_EQ(apply1(s, 100, ExpireOp{"b", 0}), integer(1));  // the epoch
  EXPECT_EQ(apply1(s, 100, ExpireOp{.key = "c", .deadline_ms = 99, .lt = true}), integer(1));
  EXPECT_EQ(s.item_count(), 0u);
  EXPECT_TRUE(s.expired_keys(std::numeric_limits<std::uint64_t>::max(), 10).empty());
}

TEST(StoreTest, persist_removesDeadlineOfLiveKeyOnly) {
  Store s;
  EXPECT_EQ(apply1(s, 1, PersistOp{"k"}), integer(0));
  apply1(s, 1, SetOp{"k", "v"});
  EXPECT_EQ(apply1(s, 2, PersistOp{"k"}), integer(0));
  apply1(s, 3, ExpireOp{"k", 50});
  EXPECT_EQ(apply1(s, 4, PersistOp{"k"}), integer(1));
  EXPECT_EQ(state(s, "k", 1000), "v");
  apply1(s, 5, ExpireOp{"k", 50});
  EXPECT_EQ(apply1(s, 50, PersistOp{"k"}), integer(0));  // expired at 50: too late
  EXPECT_EQ(s.item_count(), 0u);
}

TEST(StoreTest, incrBy_countsFromZeroAndStoresCanonicalDecimal) {
  Store s;
  EXPECT_EQ(apply1(s, 1, IncrByOp{"n", 1}), integer(1));
  EXPECT_EQ(apply1(s, 1, IncrByOp{"n", -11}), integer(-10));
  EXPECT_EQ(s.get("n", 1), "-10");
  EXPECT_EQ(apply1(s, 1, IncrByOp{"n", 10}), integer(0));
  EXPECT_EQ(s.get("n", 1), "0");
  EXPECT_EQ(apply1(s, 1, IncrByOp{"z", 0}), integer(0));
  EXPECT_EQ(s.get("z", 1), "0");
}

TEST(StoreTest, incrBy_keepsDeadline) {
  Store s;
  apply1(s, 1, SetOp{"n", "5", 100});
  EXPECT_EQ(apply1(s, 2, IncrByOp{"n", 2}), integer(7));
  EXPECT_EQ(state(s, "n", 50), "7 ttl=50");
}

TEST(StoreTest, incrBy_nonIntegerValue_returnsRedisErrorAndChangesNothing) {
  for (const char* value : {"abc", "", "+1", " 1", "1 ", "01", "-0", "1.5", "9223372036854775808",
                            "12345678901234567890123"}) {
    Store s;
    apply1(s, 1, SetOp{"n", value, 100});
    EXPECT_EQ(apply1(s, 2, IncrByOp{"n", 1}),
              Reply::error("ERR value is not an integer or out of range"))
        << value;
    EXPECT_EQ(s.get("n", 2), value);
    EXPECT_EQ(s.ttl_ms("n", 2), 98);
  }
}

TEST(StoreTest, incrBy_overflow_returnsRedisErrorAndChangesNothing) {
  Store s;
  apply1(s, 1, SetOp{"max", "9223372036854775807"});
  apply1(s, 1, SetOp{"min", "-9223372036854775808"});
  const Reply overflow = Reply::error("ERR increment or decrement would overflow");
  EXPECT_EQ(apply1(s, 2, IncrByOp{"max", 1}), overflow);
  EXPECT_EQ(apply1(s, 2, IncrByOp{"min", -1}), overflow);
  EXPECT_EQ(apply1(s, 2, IncrByOp{"max", kMaxI64}), overflow);
  EXPECT_EQ(s.get("max", 2), "9223372036854775807");
  EXPECT_EQ(apply1(s, 2, IncrByOp{"max", kMinI64}), integer(-1));
  EXPECT_EQ(apply1(s, 2, IncrByOp{"fresh", kMinI64}), integer(kMinI64));
  EXPECT_EQ(s.get("fresh", 2), "-9223372036854775808");
}

// docs/architecture.md "TTLs are deterministic": INCR on a key expired at the stamp starts from 0.
TEST(StoreTest, incrBy_keyExpiredAtStamp_startsFromZeroWithoutDeadline) {
  Store s;
  apply1(s, 1, SetOp{"n", "41", 100});
  EXPECT_EQ(apply1(s, 99, IncrByOp{"n", 1}), integer(42));  // live at 99
  EXPECT_EQ(apply1(s, 100, IncrByOp{"n", 1}), integer(1));  // expired at 100
  EXPECT_EQ(state(s, "n", 5000), "1");
  apply1(s, 101, SetOp{"t", "text", 150});
  EXPECT_EQ(apply1(s, 150, IncrByOp{"t", 5}), integer(5));  // not an error: the key is gone
}

TEST(StoreTest, reads_hideKeysExpiredByTheReadersClockWithoutRemovingThem) {
  Store s;
  apply1(s, 1, SetOp{"a", "1", 100});
  apply1(s, 1, SetOp{"b", "2"});
  apply1(s, 1, SetOp{"c", "3", 200});
  EXPECT_EQ(s.size(99), 3u);
  EXPECT_EQ(s.size(100), 2u);
  EXPECT_EQ(s.size(200), 1u);
  EXPECT_EQ(s.get("a", 99), "1");
  EXPECT_EQ(s.get("a", 100), std::nullopt);
  EXPECT_TRUE(s.exists("a", 99));
  EXPECT_FALSE(s.exists("a", 100));
  EXPECT_EQ(s.ttl_ms("a", 99), 1);
  EXPECT_EQ(s.ttl_ms("a", 100), -2);
  EXPECT_EQ(s.ttl_ms("b", 100), -1);
  EXPECT_EQ(s.ttl_ms("missing", 0), -2);
  EXPECT_EQ(s.item_count(), 3u);  // reads never remove
  EXPECT_EQ(s.get("a", 0), "1");  // a node with a slow clock still sees it
}

TEST(StoreTest, expiredKeys_smallestDeadlineFirstThenKeyWithinLimit) {
  Store s;
  apply1(s, 1, SetOp{"d", "v", 30});
  apply1(s, 1, SetOp{"b", "v", 20});
  apply1(s, 1, SetOp{"a", "v", 20});
  apply1(s, 1, SetOp{"c", "v", 10});
  apply1(s, 1, SetOp{"e", "v", 40});
  apply1(s, 1, SetOp{"p", "v"});
  const std::vector<ExpiredKey> want = {{"c", 10}, {"a", 20}, {"b", 20}, {"d", 30}};
  EXPECT_EQ(s.expired_keys(39, 100), want);
  EXPECT_EQ(s.expired_keys(39, 2), std::vector<ExpiredKey>(want.begin(), want.begin() + 2));
  EXPECT_TRUE(s.expired_keys(9, 100).empty());
  EXPECT_TRUE(s.expired_keys(39, 0).empty());
  apply1(s, 2, PersistOp{"a"});
  apply1(s, 2, ExpireOp{"c", 35});
  const std::vector<ExpiredKey> after = {{"b", 20}, {"d", 30}, {"c", 35}};
  EXPECT_EQ(s.expired_keys(39, 100), after);
}

TEST(StoreTest, deleteIfExpired_deletesOnlyTheDeadlineItWasProposedFor) {
  Store s;
  apply1(s, 1, SetOp{"k", "v", 100});
  ASSERT_EQ(s.expired_keys(100, 10), (std::vector<ExpiredKey>{{"k", 100}}));
  EXPECT_EQ(apply1(s, 100, DeleteIfExpiredOp{"k", 100}), integer(1));
  EXPECT_EQ(s.item_count(), 0u);
  EXPECT_EQ(apply1(s, 101, DeleteIfExpiredOp{"k", 100}), integer(0));  // already gone
}

TEST(StoreTest, deleteIfExpired_racedByLaterExpireOrSet_doesNothing) {
  Store s;
  apply1(s, 1, SetOp{"e", "v", 100});
  apply1(s, 1, SetOp{"s", "v", 100});
  apply1(s, 1, SetOp{"p", "v", 100});
  // The leader saw both expired at 100; before its deletes apply, clients extended them.
  apply1(s, 99, ExpireOp{"e", 500});
  apply1(s, 99, SetOp{"s", "new", 600});
  apply1(s, 99, PersistOp{"p"});
  EXPECT_EQ(apply1(s, 100, DeleteIfExpiredOp{"e", 100}), integer(0));
  EXPECT_EQ(apply1(s, 100, DeleteIfExpiredOp{"s", 100}), integer(0));
  EXPECT_EQ(apply1(s, 100, DeleteIfExpiredOp{"p", 100}), integer(0));
  EXPECT_EQ(state(s, "e", 100), "v ttl=400");
  EXPECT_EQ(state(s, "s", 100), "new ttl=500");
  EXPECT_EQ(state(s, "p", 100), "v");
}

TEST(StoreTest, deleteIfExpired_beforeDeadlineOrOtherDeadline_doesNothing) {
  Store s;
  apply1(s, 1, SetOp{"k", "v", 100});
  EXPECT_EQ(apply1(s, 99, DeleteIfExpiredOp{"k", 100}), integer(0));  // stamp before deadline
  EXPECT_EQ(apply1(s, 150, DeleteIfExpiredOp{"k", 90}), integer(0));  // not its deadline
  EXPECT_EQ(s.item_count(), 1u);  // still held, absent for everyone
  EXPECT_FALSE(s.exists("k", 100));
  EXPECT_EQ(apply1(s, 150, DeleteIfExpiredOp{"k", 100}), integer(1));
}

TEST(StoreTest, apply_batchRunsInOrderAndErrorsDoNotStopIt) {
  Store s;
  Command c;
  c.stamp_ms = 10;
  c.ops = {SetOp{"a", "x"},
           IncrByOp{"a", 1},
           IncrByOp{"b", 2},
           ExpireOp{"b", 500},
           SetOp{.key = "a", .value = "y", .get = true},
           DelOp{{"a", "b", "c"}}};
  const std::vector<Reply> want = {Reply::ok(),      Reply::error(kErrNotInteger),
                                   integer(2),       integer(1),
                                   Reply::bulk("x"), integer(2)};
  EXPECT_EQ(s.apply(c), want);
  EXPECT_EQ(s.item_count(), 0u);
  s.check_invariants();
}

TEST(StoreTest, move_keepsTheDeadlineIndexValid) {
  Store a;
  apply1(a, 1, SetOp{"k1", "v", 100});
  apply1(a, 1, SetOp{"k2", "v", 50});
  const std::string bytes = a.serialize();
  Store b(std::move(a));
  b.check_invariants();
  EXPECT_EQ(b.serialize(), bytes);
  Store c;
  apply1(c, 1, SetOp{"other", "v", 7});
  c = std::move(b);
  c.check_invariants();
  EXPECT_EQ(c.serialize(), bytes);
  EXPECT_EQ(apply1(c, 60, DelOp{{"k1", "k2"}}), integer(1));
  EXPECT_EQ(c.item_count(), 0u);
}

}  // namespace
}  // namespace helios::atlas
