// The dataset digest (atlas/digest.h, Store::digest_hex, Store::item_digest_hex): pinned
// values, the empty store, unambiguous items, order independence, every mutating op changing
// it and ops that change nothing leaving it, undo restoring it, snapshots and moves keeping
// it, and random histories: equal states give equal digests, different states different
// ones. Every apply is followed by check_invariants, which recomputes the digest.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "atlas/digest.h"
#include "atlas/store.h"
#include "base/prng.h"
#include "store_test_util.h"

namespace helios::atlas {

namespace {

using test::apply1;
using test::integer;

const std::string kZeros(40, '0');

// The XOR of item_digest_hex over `keys`, for comparing with digest_hex.
std::string xor_of_items(const Store& s, const std::vector<std::string>& keys) {
  std::string out = kZeros;
  for (const std::string& key : keys) {
    const std::string item = s.item_digest_hex(key);
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
      out[i] = "0123456789abcdef"[nibble(out[i]) ^ nibble(item[i])];
    }
  }
  return out;
}

// ---- The digest function ----

// The digest is a format (digest.h): these values must never change. They were computed
// apart, from the contract in digest.h (Python, ctypes, libxxhash's XXH3_128bits_withSeed).
TEST(DigestTest, itemDigest_pinnedValues) {
  EXPECT_EQ(item_digest("k", "v", 0).hex(), "911d265e668149511cfe1324cd4dcb5fc59672c5");
  EXPECT_EQ(item_digest("k", "v", 1700000000000).hex(), "16b5ec2081579ae77cf068039631a4d5dcbd79b4");
  EXPECT_EQ(item_digest("", "", 0).hex(), "a66e9016f8ffd0d346da1dfeec375e2d6c030141");
}

TEST(DigestTest, itemDigest_isTheXorOfItsHalves) {
  EXPECT_EQ(deadline_digest("k", 0), Digest{});
  EXPECT_EQ(item_digest("k", "v", 0), value_digest("k", "v"));
  EXPECT_EQ(item_digest("k", "v", 5), value_digest("k", "v") ^ deadline_digest("k", 5));
  EXPECT_NE(deadline_digest("k", 5), Digest{});
}

TEST(DigestTest, itemDigest_everyFieldCountsAndBytesCannotMoveBetweenThem) {
  const std::vector<Digest> all = {
      item_digest("ab", "c", 0),
      item_digest("a", "bc", 0),
      item_digest("abc", "", 0),
      item_digest("", "abc", 0),
      item_digest("c", "ab", 0),
      item_digest("ab", "c", 1),
      item_digest("ab", "c", 256),
      item_digest("ab", "d", 0),
      item_digest("ac", "c", 0),
      item_digest("ab", std::string("c\0", 2), 0),
      Digest{},
  };
  const std::set<std::string> distinct = [&] {
    std::set<std::string> out;
    for (const Digest& d : all) {
      out.insert(d.hex());
    }
    return out;
  }();
  EXPECT_EQ(distinct.size(), all.size());
}

TEST(DigestTest, hex_isFortyLowercaseHexDigits) {
  Digest d;
  EXPECT_EQ(d.hex(), kZeros);
  d.bytes[0] = 0xAB;
  d.bytes[19] = 0x0F;
  EXPECT_EQ(d.hex(), "ab" + std::string(36, '0') + "0f");
}

// ---- The store's digest ----

TEST(StoreDigestTest, emptyStore_isFortyZeros) {
  Store s;
  EXPECT_EQ(s.digest_hex(), kZeros);
  EXPECT_EQ(s.item_digest_hex("missing"), kZeros);
  apply1(s, 1, SetOp{"k", "v"});
  EXPECT_NE(s.digest_hex(), kZeros);
  apply1(s, 2, DelOp{{"k"}});
  EXPECT_EQ(s.digest_hex(), kZeros);
}

TEST(StoreDigestTest, digest_isTheXorOfTheItemDigests) {
  Store s;
  apply1(s, 1, SetOp{"a", "1"});
  apply1(s, 1, SetOp{"b", "2", 500});
  apply1(s, 1, SetOp{"c", "3", 100});
  EXPECT_EQ(s.item_digest_hex("a"), item_digest("a", "1", 0).hex());
  EXPECT_EQ(s.item_digest_hex("b"), item_digest("b", "2", 500).hex());
  EXPECT_EQ(xor_of_items(s, {"a", "b", "c"}), s.digest_hex());
  EXPECT_EQ(s.item_digest_hex("d"), kZeros);
}

// The digest describes the applied state: an item expired but not yet removed still counts,
// in both the dataset digest and its own, until an op removes it.
TEST(StoreDigestTest, itemsExpiredButNotRemoved_count) {
  Store s;
  apply1(s, 1, SetOp{"gone", "x", 100});
  apply1(s, 1, SetOp{"kept", "y"});
  const std::string before = s.digest_hex();
  apply1(s, 200, ReadOp{ReadKind::kGet, "gone"});  // a read never removes
  EXPECT_EQ(s.item_count(), 2u);
  EXPECT_EQ(s.digest_hex(), before);
  EXPECT_EQ(s.item_digest_hex("gone"), item_digest("gone", "x", 100).hex());
  EXPECT_EQ(apply1(s, 200, DeleteIfExpiredOp{"gone", 100}), integer(1));
  EXPECT_EQ(s.item_digest_hex("gone"), kZeros);
  EXPECT_EQ(s.digest_hex(), item_digest("kept", "y", 0).hex());
}

TEST(StoreDigestTest, sameItemsInAnyOrder_sameDigest) {
  std::vector<std::pair<std::string, std::string>> items;
  for (int i = 0; i < 50; ++i) {
    items.emplace_back("key:" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'v'));
  }
  std::string first;
  base::Prng prng(7);
  for (int round = 0; round < 10; ++round) {
    for (std::size_t i = items.size(); i > 1; --i) {  // Fisher-Yates
      std::swap(items[i - 1], items[prng.uniform(i)]);
    }
    Store s;
    for (const auto& [key, value] : items) {
      apply1(s, 1, SetOp{key, value, key.size() % 2 == 0 ? 0u : 1000u});
    }
    if (round == 0) {
      first = s.digest_hex();
    }
    EXPECT_EQ(s.digest_hex(), first) << round;
  }
}

TEST(StoreDigestTest, differentHistoriesToTheSameState_sameDigest) {
  Store a;
  apply1(a, 1, SetOp{"x", "1"});
  apply1(a, 1, SetOp{"y", "hello", 900});
  Store b;
  apply1(b, 1, SetOp{"y", "he"});
  apply1(b, 2, AppendOp{"y", "llo"});
  apply1(b, 3, ExpireOp{"y", 900});
  apply1(b, 4, SetOp{"tmp", "0"});
  apply1(b, 5, IncrByOp{"tmp", 1});
  apply1(b, 6, RenameOp{"tmp", "x"});
  apply1(b, 7, SetOp{"z", "zz", 50});
  apply1(b, 60, IncrByOp{"z", 1});  // z expired at the stamp: removed, then created afresh
  apply1(b, 61, DelOp{{"z"}});
  ASSERT_EQ(test::data_bytes(a), test::data_bytes(b));
  EXPECT_EQ(a.digest_hex(), b.digest_hex());
}

// Applies `op` at `stamp` and expects the digest to change (or not), and check_invariants
// (inside apply1) to agree with the kept digest.
void expect_change(Store& s, std::uint64_t stamp, Op op, bool changes, const char* what) {
  const std::string before = s.digest_hex();
  apply1(s, stamp, std::move(op));
  if (changes) {
    EXPECT_NE(s.digest_hex(), before) << what;
  } else {
    EXPECT_EQ(s.digest_hex(), before) << what;
  }
}

TEST(StoreDigestTest, everyMutatingOp_changesIt) {
  Store s;
  apply1(s, 1, SetOp{"e2", "v", 50});
  expect_change(s, 1, SetOp{"k", "v"}, true, "SET new key");
  expect_change(s, 1, SetOp{"k", "w"}, true, "SET new value");
  expect_change(s, 1, SetOp{"k", "w", 500}, true, "SET same value, new deadline");
  expect_change(s, 1, SetOp{.key = "k", .value = "x", .keep_ttl = true}, true, "SET KEEPTTL");
  expect_change(s, 1, SetOp{.key = "k", .value = "y", .get = true}, true, "SET GET");
  expect_change(s, 1, ExpireOp{"k", 400}, true, "EXPIRE");
  expect_change(s, 1, ExpireOp{"k", 600}, true, "EXPIRE later");
  expect_change(s, 1, PersistOp{"k"}, true, "PERSIST");
  expect_change(s, 1, SetOp{"n", "1"}, true, "SET counter");
  expect_change(s, 1, IncrByOp{"n", 5}, true, "INCRBY");
  expect_change(s, 1, IncrByOp{"fresh", 1}, true, "INCRBY absent key");
  expect_change(s, 1, IncrByFloatOp{"n", "0.5"}, true, "INCRBYFLOAT");
  expect_change(s, 1, IncrByFloatOp{"f", "1.5"}, true, "INCRBYFLOAT absent key");
  expect_change(s, 1, AppendOp{"k", "z"}, true, "APPEND");
  expect_change(s, 1, AppendOp{"a", "new"}, true, "APPEND absent key");
  expect_change(s, 1, SetRangeOp{"k", 0, "Y"}, true, "SETRANGE overwrite");
  expect_change(s, 1, SetRangeOp{"k", 10, "p"}, true, "SETRANGE pad");
  expect_change(s, 1, SetRangeOp{"r", 2, "x"}, true, "SETRANGE absent key");
  expect_change(s, 1, RenameOp{"k", "k2"}, true, "RENAME");
  expect_change(s, 1, RenameOp{"k2", "n"}, true, "RENAME onto a key");
  expect_change(s, 1, MSetNxOp{{"m1", "m2"}, {"1", "2"}}, true, "MSETNX");
  expect_change(s, 1, MSetNxOp{{"m3", "m3"}, {"1", "2"}}, true, "MSETNX twice the same key");
  expect_change(s, 1, DelOp{{"m1", "missing"}}, true, "DEL");
  expect_change(s, 1, SetOp{"e", "v", 50}, true, "SET with deadline");
  expect_change(s, 60, DeleteIfExpiredOp{"e", 50}, true, "DELETE_IF_EXPIRED");
  expect_change(s, 60, ReadOp{ReadKind::kGet, "e2"}, false, "READ of an expired key");
  expect_change(s, 60, SetOp{.key = "e2", .value = "v", .nx = true}, true, "touch, then SET");
  expect_change(s, 60, SetOp{"n", "v", 60}, true, "SET expiring at once deletes the old value");
  expect_change(s, 70, ExpireOp{"m2", 10}, true, "EXPIRE in the past deletes");
  expect_change(s, 70, FlushOp{}, true, "FLUSH");
  EXPECT_EQ(s.digest_hex(), kZeros);
}

TEST(StoreDigestTest, opsThatChangeNothing_leaveIt) {
  Store s;
  apply1(s, 1, SetOp{"k", "text", 500});
  apply1(s, 1, SetOp{"n", "9223372036854775807"});
  expect_change(s, 1, SetOp{"k", "text", 500}, false, "SET the same value and deadline");
  expect_change(s, 1, SetOp{.key = "k", .value = "x", .nx = true}, false, "SET NX on a key");
  expect_change(s, 1, SetOp{.key = "no", .value = "x", .xx = true}, false, "SET XX, no key");
  expect_change(s, 1, ExpireOp{"k", 500}, false, "EXPIRE to the same deadline");
  expect_change(s, 1, ExpireOp{.key = "k", .deadline_ms = 900, .nx = true}, false, "EXPIRE NX");
  expect_change(s, 1, ExpireOp{"missing", 900}, false, "EXPIRE of an absent key");
  expect_change(s, 1, PersistOp{"n"}, false, "PERSIST without a deadline");
  expect_change(s, 1, IncrByOp{"k", 1}, false, "INCRBY of text");
  expect_change(s, 1, IncrByOp{"n", 1}, false, "INCRBY overflowing");
  expect_change(s, 1, IncrByFloatOp{"k", "1"}, false, "INCRBYFLOAT of text");
  expect_change(s, 1, SetRangeOp{"k", 0, ""}, false, "SETRANGE of nothing");
  expect_change(s, 1, RenameOp{"k", "k"}, false, "RENAME onto itself");
  expect_change(s, 1, RenameOp{"missing", "x"}, false, "RENAME of an absent key");
  expect_change(s, 1, RenameOp{"k", "n", true}, false, "RENAMENX onto a key");
  expect_change(s, 1, MSetNxOp{{"new", "k"}, {"1", "2"}}, false, "MSETNX with a key present");
  expect_change(s, 1, DelOp{{"missing"}}, false, "DEL of an absent key");
  expect_change(s, 1, DeleteIfExpiredOp{"k", 500}, false, "DELETE_IF_EXPIRED too early");
  expect_change(s, 1, ReadOp{ReadKind::kDbSize, ""}, false, "READ");
}

TEST(StoreDigestTest, undoingAChange_restoresIt) {
  Store s;
  apply1(s, 1, SetOp{"k", "value", 500});
  apply1(s, 1, SetOp{"other", "o"});
  const std::string start = s.digest_hex();
  apply1(s, 2, SetOp{.key = "k", .value = "changed", .keep_ttl = true});
  apply1(s, 3, SetOp{.key = "k", .value = "value", .keep_ttl = true});
  EXPECT_EQ(s.digest_hex(), start) << "value back";
  apply1(s, 4, PersistOp{"k"});
  apply1(s, 5, ExpireOp{"k", 500});
  EXPECT_EQ(s.digest_hex(), start) << "deadline back";
  apply1(s, 6, RenameOp{"k", "moved"});
  apply1(s, 7, RenameOp{"moved", "k"});
  EXPECT_EQ(s.digest_hex(), start) << "renamed back";
  apply1(s, 8, AppendOp{"k", "!!"});
  apply1(s, 9, SetOp{.key = "k", .value = "value", .keep_ttl = true});
  EXPECT_EQ(s.digest_hex(), start) << "appended, then set back";
  apply1(s, 10, SetRangeOp{"k", 0, "V"});
  apply1(s, 11, SetRangeOp{"k", 0, "v"});
  EXPECT_EQ(s.digest_hex(), start) << "setrange back";
  apply1(s, 12, DelOp{{"other"}});
  apply1(s, 13, SetOp{"other", "o"});
  EXPECT_EQ(s.digest_hex(), start) << "deleted, then set again";
  apply1(s, 14, FlushOp{});
  apply1(s, 15, SetOp{"other", "o"});
  apply1(s, 15, SetOp{"k", "value", 500});
  EXPECT_EQ(s.digest_hex(), start) << "flushed, then set again";
}

TEST(StoreDigestTest, snapshotRoundTripAndMoves_keepIt) {
  Store a;
  apply1(a, 1, SetOp{"k1", "v", 100});
  apply1(a, 1, SetOp{"k2", std::string("bin\0ary", 7)});
  apply1(a, 1, SetOp{"gone", "x", 50});  // expired at 60, still held: in the snapshot too
  const std::string digest = a.digest_hex();
  Result<Store> restored = Store::deserialize(a.serialize());
  ASSERT_TRUE(restored.is_ok()) << restored.status().to_string();
  EXPECT_EQ(restored.value().digest_hex(), digest);
  Store b(std::move(a));
  EXPECT_EQ(b.digest_hex(), digest);
  EXPECT_EQ(a.digest_hex(), kZeros);  // a moved-from store is empty
  Store c;
  apply1(c, 1, SetOp{"other", "v"});
  c = std::move(b);
  EXPECT_EQ(c.digest_hex(), digest);
  c.check_invariants();
  Result<Store> empty = Store::deserialize(Store().serialize());
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(empty.value().digest_hex(), kZeros);
}

// Random histories over few keys and values, so that states recur by different routes:
// every state (its snapshot bytes) always has the same digest, and no two states share one.
TEST(StoreDigestTest, randomHistories_digestIdentifiesTheState) {
  const std::vector<std::string> keys = {"a", "b", "c"};
  const std::vector<std::string> values = {"", "1", "x"};
  std::map<std::string, std::string> digest_of_state;
  std::map<std::string, std::string> state_of_digest;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    base::Prng prng(seed);
    Store s;
    std::uint64_t stamp = 100;
    for (int step = 0; step < 200; ++step) {
      stamp += prng.uniform(3);
      const std::string& key = keys[prng.uniform(keys.size())];
      const std::string& value = values[prng.uniform(values.size())];
      const std::uint64_t deadline = prng.chance(1, 3) ? stamp + prng.uniform(4) : 0;
      switch (prng.uniform(7)) {
        case 0:
        case 1:
          apply1(s, stamp, SetOp{key, value, deadline});
          break;
        case 2:
          apply1(s, stamp, DelOp{{key}});
          break;
        case 3:
          apply1(s, stamp, ExpireOp{key, deadline == 0 ? stamp + 2 : deadline});
          break;
        case 4:
          apply1(s, stamp, AppendOp{key, value});
          break;
        case 5:
          apply1(s, stamp, RenameOp{key, keys[prng.uniform(keys.size())]});
          break;
        default:
          apply1(s, stamp, PersistOp{key});
          break;
      }
      const std::string state = test::data_bytes(s);  // the items (versions differ)
      const std::string digest = s.digest_hex();
      const auto [d, new_state] = digest_of_state.emplace(state, digest);
      ASSERT_EQ(d->second, digest) << "seed " << seed << " step " << step;
      const auto [st, new_digest] = state_of_digest.emplace(digest, state);
      ASSERT_EQ(st->second, state) << "seed " << seed << " step " << step;
    }
  }
  EXPECT_GT(digest_of_state.size(), 100u);  // many states, many reached more than once
}

}  // namespace
}  // namespace helios::atlas
