// Store's listing reads at the serving node's clock: expire_time_ms (PEXPIRETIME), keys
// (KEYS) and scan (SCAN): sorted and deterministic output whatever the insertion history,
// hidden expired keys, SCAN's cursor contract (every key exactly once, stable across other
// keys' inserts and deletes, cursor 0 at the end), and the page algorithm itself driven by
// chosen hashes (ties, 0, UINT64_MAX).
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "atlas/scan.h"
#include "atlas/store.h"
#include "base/prng.h"
#include "store_test_util.h"

namespace helios::atlas {
namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

void put(Store& store, std::uint64_t stamp_ms, std::string key, std::uint64_t deadline_ms = 0) {
  Command c{stamp_ms, {SetOp{std::move(key), "v", deadline_ms}}};
  (void)store.apply(std::move(c));
  store.check_invariants();
}

void del(Store& store, std::uint64_t stamp_ms, std::string key) {
  Command c{stamp_ms, {DelOp{{std::move(key)}}}};
  (void)store.apply(std::move(c));
  store.check_invariants();
}

// Every page of a SCAN from cursor 0, concatenated; asserts it ends.
std::vector<std::string> scan_all(const Store& s, std::string_view pattern, std::size_t count,
                                  std::uint64_t now_ms) {
  std::vector<std::string> out;
  std::uint64_t cursor = 0;
  for (int pages = 0;; ++pages) {
    EXPECT_LT(pages, 100000) << "SCAN does not end";
    ScanPage page = s.scan(cursor, pattern, count, now_ms);
    out.insert(out.end(), page.keys.begin(), page.keys.end());
    if (page.next_cursor == 0) {
      return out;
    }
    EXPECT_GT(page.next_cursor, cursor);
    cursor = page.next_cursor;
  }
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(StoreKeysTest, expireTime_followsRedisPexpiretime) {
  Store s;
  put(s, 1, "plain");
  put(s, 1, "vol", 500);
  put(s, 1, "far", kU64Max);
  EXPECT_EQ(s.expire_time_ms("missing", 1), -2);
  EXPECT_EQ(s.expire_time_ms("plain", 1), -1);
  EXPECT_EQ(s.expire_time_ms("vol", 499), 500);
  EXPECT_EQ(s.expire_time_ms("vol", 500), -2);  // expired at the reader's clock
  EXPECT_EQ(s.expire_time_ms("far", 1), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(s.item_count(), 3u);
}

TEST(StoreKeysTest, keys_sortedMatchingVisibleKeys) {
  Store s;
  for (const char* key : {"key_z", "foo_b", "key_x", "foo_c", "foo_a", "key_y"}) {
    put(s, 1, key);
  }
  put(s, 1, "foo_gone", 100);
  using Keys = std::vector<std::string>;
  EXPECT_EQ(s.keys("foo*", 99, 100), (Keys{"foo_a", "foo_b", "foo_c", "foo_gone"}));
  EXPECT_EQ(s.keys("foo*", 100, 100), (Keys{"foo_a", "foo_b", "foo_c"}));
  EXPECT_EQ(s.keys("*", 100, 100), (Keys{"foo_a", "foo_b", "foo_c", "key_x", "key_y", "key_z"}));
  EXPECT_EQ(s.keys("key_[xz]", 100, 100), (Keys{"key_x", "key_z"}));
  EXPECT_EQ(s.keys("nothing*", 100, 100), Keys{});
  EXPECT_EQ(s.item_count(), 7u);  // reads never remove
}

TEST(StoreKeysTest, keys_limitKeepsTheSmallest) {
  Store s;
  for (const char* key : {"e", "b", "d", "a", "c"}) {
    put(s, 1, key);
  }
  using Keys = std::vector<std::string>;
  EXPECT_EQ(s.keys("*", 1, 0), Keys{});
  EXPECT_EQ(s.keys("*", 1, 1), Keys{"a"});
  EXPECT_EQ(s.keys("*", 1, 3), (Keys{"a", "b", "c"}));
  EXPECT_EQ(s.keys("[b-e]", 1, 2), (Keys{"b", "c"}));
  EXPECT_EQ(s.keys("*", 1, 6).size(), 5u);  // limit + 1 tells whether there are more
}

TEST(StoreKeysTest, keys_literalPatternsAndTheEmptyKey) {
  Store s;
  put(s, 1, "");
  put(s, 1, "a*b");
  put(s, 1, "plain");
  put(s, 1, "gone", 10);
  using Keys = std::vector<std::string>;
  EXPECT_EQ(s.keys("plain", 1, 10), Keys{"plain"});
  EXPECT_EQ(s.keys("gone", 10, 10), Keys{});
  EXPECT_EQ(s.keys("missing", 1, 10), Keys{});
  EXPECT_EQ(s.keys("", 1, 10), Keys{""});
  EXPECT_EQ(s.keys("a\\*b", 1, 10), Keys{"a*b"});
  EXPECT_EQ(s.keys("a*b", 1, 10), Keys{"a*b"});
  // "*" is special in Redis's KEYS: it lists the empty key; other patterns never match it.
  EXPECT_EQ(s.keys("*", 20, 10), (Keys{"", "a*b", "plain"}));
  EXPECT_EQ(s.keys("**", 20, 10), (Keys{"a*b", "plain"}));
}

TEST(StoreKeysTest, keysAndScan_sameOnEveryNodeWhateverTheHistory) {
  // Same contents, different insertion orders, deletes and a snapshot restore: the hash
  // tables differ inside, the answers do not.
  Store a;
  Store b;
  for (int i = 0; i < 300; ++i) {
    put(a, 1, "k" + std::to_string(i));
  }
  for (int i = 299; i >= 0; --i) {
    put(b, 1, "junk" + std::to_string(i));
    put(b, 1, "k" + std::to_string(i));
  }
  for (int i = 0; i < 300; ++i) {
    del(b, 2, "junk" + std::to_string(i));
  }
  ASSERT_EQ(test::data_bytes(a), test::data_bytes(b));
  Result<Store> restored = Store::deserialize(a.serialize());
  ASSERT_TRUE(restored.is_ok());
  const Store& c = restored.value();
  for (const Store* s : {static_cast<const Store*>(&b), &c}) {
    EXPECT_EQ(s->keys("k1*", 3, 7), a.keys("k1*", 3, 7));
    std::uint64_t cursor = 0;
    do {
      const ScanPage page = a.scan(cursor, "*", 17, 3);
      ASSERT_EQ(s->scan(cursor, "*", 17, 3), page);
      cursor = page.next_cursor;
    } while (cursor != 0);
  }
}

TEST(StoreKeysTest, scan_aWholeIterationTakesAtMostAboutKScanPagesAtMostPages) {
  // COUNT 1 over 6,400 keys: a page takes at least 6400 / 64 = 100 keys (COUNT is a hint),
  // so the iteration ends within 65 pages (not 6,400) and still returns every key once.
  Store s;
  constexpr std::size_t kKeys = 100 * Store::kScanPagesAtMost;
  for (std::size_t i = 0; i < kKeys; ++i) {
    put(s, 1, "many:" + std::to_string(i));
  }
  std::set<std::string> seen;
  std::uint64_t cursor = 0;
  std::size_t pages = 0;
  do {
    const ScanPage page = s.scan(cursor, "*", 1, 1);
    ++pages;
    EXPECT_GE(page.keys.size(), page.next_cursor == 0 ? 1u : 100u);
    for (const std::string& key : page.keys) {
      EXPECT_TRUE(seen.insert(key).second) << key << " returned twice";
    }
    cursor = page.next_cursor;
  } while (cursor != 0 && pages <= kKeys);
  EXPECT_EQ(seen.size(), kKeys);
  EXPECT_LE(pages, Store::kScanPagesAtMost + 1);
}

TEST(StoreKeysTest, scan_emptyStoreAndCursorPastTheEnd) {
  Store s;
  EXPECT_EQ(s.scan(0, "*", 10, 1), ScanPage{});
  put(s, 1, "k");
  EXPECT_EQ(s.scan(0, "*", 10, 1), (ScanPage{0, {"k"}}));
  EXPECT_EQ(s.scan(scan_hash("k") + 1, "*", 10, 1), ScanPage{});
  EXPECT_EQ(s.scan(scan_hash("k"), "*", 10, 1), (ScanPage{0, {"k"}}));
  EXPECT_EQ(s.scan(0, "*", 10, 2000), (ScanPage{0, {"k"}}));
}

TEST(StoreKeysTest, scan_pagesFollowTheHashOrder) {
  Store s;
  std::vector<std::pair<std::uint64_t, std::string>> want;
  for (int i = 0; i < 50; ++i) {
    const std::string key = "key:" + std::to_string(i);
    put(s, 1, key);
    want.emplace_back(scan_hash(key), key);
  }
  std::sort(want.begin(), want.end());
  const ScanPage first = s.scan(0, "*", 10, 1);
  ASSERT_EQ(first.keys.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(first.keys[i], want[i].second);
  }
  EXPECT_EQ(first.next_cursor, want[9].first + 1);
  const ScanPage second = s.scan(first.next_cursor, "*", 10, 1);
  ASSERT_EQ(second.keys.size(), 10u);
  EXPECT_EQ(second.keys.front(), want[10].second);
  // Everything in one page: the cursor says the iteration is over.
  EXPECT_EQ(s.scan(0, "*", 50, 1).next_cursor, 0u);
  EXPECT_EQ(s.scan(0, "*", 49, 1).next_cursor, want[48].first + 1);
  // COUNT 0 counts as 1.
  EXPECT_EQ(s.scan(0, "*", 0, 1), s.scan(0, "*", 1, 1));
}

TEST(StoreKeysTest, scan_fullIterationReturnsEveryVisibleKeyExactlyOnce) {
  Store s;
  std::vector<std::string> live;
  for (int i = 0; i < 500; ++i) {
    const std::string key = "user:" + std::to_string(i);
    put(s, 1, key, i % 5 == 0 ? 100 : 0);  // every fifth expires at 100
    if (i % 5 != 0) {
      live.push_back(key);
    }
  }
  put(s, 1, "");
  live.emplace_back("");
  for (const std::size_t count : {1u, 2u, 7u, 10u, 100u, 1000u}) {
    EXPECT_EQ(sorted(scan_all(s, "*", count, 100)), sorted(live)) << count;
  }
  EXPECT_EQ(scan_all(s, "*", 10, 99).size(), 501u);  // a slower clock sees them all
}

TEST(StoreKeysTest, scan_matchFiltersAfterSelection) {
  Store s;
  for (int i = 0; i < 100; ++i) {
    put(s, 1, (i % 10 == 0 ? "hit:" : "miss:") + std::to_string(i));
  }
  std::vector<std::string> hits;
  std::uint64_t cursor = 0;
  bool saw_empty_page_midway = false;
  do {
    const ScanPage page = s.scan(cursor, "hit:*", 3, 1);
    saw_empty_page_midway |= page.keys.empty() && page.next_cursor != 0;
    hits.insert(hits.end(), page.keys.begin(), page.keys.end());
    cursor = page.next_cursor;
  } while (cursor != 0);
  EXPECT_EQ(hits.size(), 10u);
  EXPECT_TRUE(saw_empty_page_midway);  // a page of misses is empty, the scan goes on
  EXPECT_EQ(sorted(scan_all(s, "", 5, 1)), std::vector<std::string>{});
}

// Keys present for the whole iteration are returned exactly once, however many other keys
// come and go between the pages.
TEST(StoreKeysTest, scan_stableAcrossInsertsAndDeletesOfOtherKeys) {
  base::Prng prng(0x5ca9);
  for (int round = 0; round < 20; ++round) {
    Store s;
    std::set<std::string> stable;
    for (int i = 0; i < 200; ++i) {
      const std::string key = "stable:" + std::to_string(i);
      put(s, 1, key);
      stable.insert(key);
    }
    std::multiset<std::string> seen;
    std::uint64_t cursor = 0;
    int churn = 0;
    do {
      const ScanPage page = s.scan(cursor, "*", 1 + prng.uniform(20), 2);
      seen.insert(page.keys.begin(), page.keys.end());
      cursor = page.next_cursor;
      for (int i = 0; i < 10; ++i, ++churn) {  // other keys come and go
        put(s, 2, "churn:" + std::to_string(churn));
        if (prng.chance(1, 2)) {
          del(s, 2, "churn:" + std::to_string(prng.uniform(churn + 1)));
        }
      }
    } while (cursor != 0);
    for (const std::string& key : stable) {
      EXPECT_EQ(seen.count(key), 1u) << key;
    }
    for (const std::string& key : seen) {
      EXPECT_EQ(seen.count(key), 1u) << key;  // nothing twice, churn keys included
    }
  }
}

// ---- scan_page with chosen hashes ----

struct FakeKeys {
  std::map<std::string, std::uint64_t> hash_of;

  ScanPage scan(std::uint64_t cursor, std::size_t count, std::string_view pattern = "*") const {
    const auto for_each = [&](const auto& visit) {
      for (const auto& [key, h] : hash_of) {
        visit(std::string_view(key));
      }
    };
    const auto hash = [&](std::string_view key) { return hash_of.at(std::string(key)); };
    return scan_page(for_each, hash, cursor, pattern, count);
  }
};

TEST(StoreKeysTest, scanPage_takesEveryKeySharingTheLastHash) {
  const FakeKeys keys{{{"a", 5}, {"b", 5}, {"c", 5}, {"d", 7}, {"e", 9}}};
  EXPECT_EQ(keys.scan(0, 1), (ScanPage{6, {"a", "b", "c"}}));
  EXPECT_EQ(keys.scan(0, 2), (ScanPage{6, {"a", "b", "c"}}));
  EXPECT_EQ(keys.scan(0, 4), (ScanPage{8, {"a", "b", "c", "d"}}));
  EXPECT_EQ(keys.scan(6, 1), (ScanPage{8, {"d"}}));
  EXPECT_EQ(keys.scan(8, 1), (ScanPage{0, {"e"}}));
  EXPECT_EQ(keys.scan(0, 5), (ScanPage{0, {"a", "b", "c", "d", "e"}}));
  EXPECT_EQ(keys.scan(0, 1, "[bc]"), (ScanPage{6, {"b", "c"}}));
}

TEST(StoreKeysTest, scanPage_hashZeroAndHashMax) {
  const FakeKeys keys{{{"zero", 0}, {"max", kU64Max}, {"max2", kU64Max}, {"mid", 1u << 20}}};
  // Hash 0 is taken by the first page; the cursor after it is 1, never 0.
  EXPECT_EQ(keys.scan(0, 1), (ScanPage{1, {"zero"}}));
  EXPECT_EQ(keys.scan(1, 1), (ScanPage{(1u << 20) + 1, {"mid"}}));
  // The last hash is UINT64_MAX: the cursor cannot go on (no wrap to a false restart).
  EXPECT_EQ(keys.scan((1u << 20) + 1, 1), (ScanPage{0, {"max", "max2"}}));
  EXPECT_EQ(keys.scan(kU64Max, 10), (ScanPage{0, {"max", "max2"}}));
  const FakeKeys only_zero{{{"z", 0}}};
  EXPECT_EQ(only_zero.scan(0, 1), (ScanPage{0, {"z"}}));
}

}  // namespace
}  // namespace helios::atlas
