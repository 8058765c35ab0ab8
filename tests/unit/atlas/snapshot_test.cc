// Store snapshots: round trips, byte-for-byte determinism, and refusal of every damaged or
// malformed input (the checksum catches damage; structural checks catch a crafted or buggy
// input that carries a valid checksum).
#include "atlas/snapshot.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <thread>

#include "atlas/objects.h"
#include "atlas/store.h"
#include "base/arrival.h"
#include "base/bytes.h"
#include "base/checksum.h"
#include "base/prng.h"
#include "fuzz/snapshot_fuzz_body.h"
#include "store_test_util.h"

namespace helios::atlas {
namespace {

void set(Store& s, std::uint64_t stamp_ms, std::string key, std::string value,
         std::uint64_t deadline_ms = 0) {
  Command c;
  c.stamp_ms = stamp_ms;
  c.ops.push_back(SetOp{std::move(key), std::move(value), deadline_ms});
  (void)s.apply(std::move(c));
}

Store sample() {
  Store s;
  s.apply(Command{1, {StartVersionsOp{}}});  // versions started: format 4
  set(s, 1, "plain", "value");
  set(s, 1, "", "empty key");
  set(s, 1, std::string("bin\0\xff", 5), std::string("\0\r\n", 3), 500);
  set(s, 1, "volatile", "v", 100);
  set(s, 1, "counter", "42", 1000);
  return s;
}

// Replaces the checksum so that only the structural checks can catch what the test broke.
std::string reseal(std::string bytes) {
  bytes.resize(bytes.size() - kSnapshotTrailerBytes);
  base::put_u64(bytes, base::checksum64(bytes, kSnapshotChecksumSeed));
  return bytes;
}

void expect_corrupt(const std::string& bytes, const std::string& needle) {
  Result<Store> r = Store::deserialize(bytes);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().to_string();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(SnapshotTest, serialize_roundTripsEveryItemAndDeadline) {
  const Store s = sample();
  const std::string bytes = s.serialize();
  Result<Store> back = Store::deserialize(bytes);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  back.value().check_invariants();
  EXPECT_EQ(back.value().serialize(), bytes);
  EXPECT_EQ(back.value().item_count(), 5u);
  EXPECT_EQ(back.value().get(std::string("bin\0\xff", 5), 0), std::string("\0\r\n", 3));
  EXPECT_EQ(back.value().ttl_ms("volatile", 40), 60);  // deadlines are absolute
  EXPECT_EQ(back.value().expired_keys(100, 10), (std::vector<ExpiredKey>{{"volatile", 100}}));
}

TEST(SnapshotTest, serialize_emptyStore) {
  const std::string bytes = Store().serialize();
  EXPECT_EQ(bytes.size(), kSnapshotHeaderBytes + kSnapshotTrailerBytes);
  Result<Store> back = Store::deserialize(bytes);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back.value().item_count(), 0u);
}

TEST(SnapshotTest, serialize_sameStateSameBytesWhateverTheHistory) {
  Store a;
  Store b;
  for (int i = 0; i < 200; ++i) {
    set(a, 1, "key" + std::to_string(i), std::to_string(i), i % 3 == 0 ? 5000 + i : 0);
  }
  for (int i = 399; i >= 0; --i) {  // other order, extra keys deleted again
    set(b, 1, "key" + std::to_string(i), "junk", 77);
    if (i < 200) {
      set(b, 1, "key" + std::to_string(i), std::to_string(i), i % 3 == 0 ? 5000 + i : 0);
    } else {
      Command del{2, {DelOp{{"key" + std::to_string(i)}}}};
      (void)b.apply(del);
    }
  }
  // The same items, in the same bytes (the key versions, log indexes, differ with the
  // history: watch_test.cc covers them).
  EXPECT_EQ(test::data_bytes(a), test::data_bytes(b));
}

TEST(SnapshotTest, serialize_pinsTheLayout) {
  Store s;
  s.apply(Command{1, {StartVersionsOp{}}});  // index 1
  set(s, 1, "k", "vv", 0x0102);              // index 2
  const std::string bytes = s.serialize();
  // Versions started: format 4.
  std::string want(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(want, 4);       // version
  base::put_u64(want, 1);       // count
  base::put_u64(want, 2);       // applied index
  base::put_u64(want, 1);       // versions since
  base::put_u32(want, 1);       // key length
  base::put_u8(want, 0);        // type: string
  base::put_u64(want, 2);       // value length
  base::put_u64(want, 0x0102);  // deadline
  base::put_u64(want, 2);       // key version
  want += "kvv";
  base::put_u64(want, base::checksum64(want, kSnapshotChecksumSeed));
  EXPECT_EQ(bytes, want);
}

TEST(SnapshotTest, serialize_pinsTheLayoutWithAnObject) {
  Store s;
  set(s, 1, "k", "vv", 0x0102);              // index 1
  s.apply(Command{1, {StartVersionsOp{}}});  // index 2: k's version becomes 2
  const std::uint16_t hset = find_object_command("HSET")->code;
  s.apply(Command{1, {ObjOp{hset, 0, {"h", "f", "v"}}}});  // index 3
  std::string want(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(want, 4);  // version
  base::put_u64(want, 2);  // count
  base::put_u64(want, 3);  // applied index
  base::put_u64(want, 2);  // versions since
  base::put_u32(want, 1);  // "h": key length
  base::put_u8(want, 1);   // type: hash
  base::put_u64(want, 8 + 4 + 1 + 4 + 1);
  base::put_u64(want, 0);  // no deadline
  base::put_u64(want, 3);  // key version
  want += "h";
  base::put_u64(want, 1);  // one field
  base::put_u32(want, 1);
  want += "f";
  base::put_u32(want, 1);
  want += "v";
  base::put_u32(want, 1);  // "k"
  base::put_u8(want, 0);
  base::put_u64(want, 2);
  base::put_u64(want, 0x0102);
  base::put_u64(want, 2);  // the versions' start (k was set before it)
  want += "kvv";
  base::put_u64(want, base::checksum64(want, kSnapshotChecksumSeed));
  EXPECT_EQ(s.serialize(), want);
}

TEST(SnapshotTest, deserialize_detectsEveryFlippedByteAndTruncation) {
  const std::string bytes = sample().serialize();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(Store::deserialize(bad).is_ok()) << "byte " << i;
  }
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(Store::deserialize(bytes.substr(0, n)).is_ok()) << "length " << n;
  }
  expect_corrupt(bytes + "x", "checksum");
  expect_corrupt("", "only 0 bytes");
}

// Store::deserialize leaves the O(n) invariant check to its callers' tests: here, seeded
// mutations of a snapshot holding every type, resealed so that they reach the structural
// checks, are held to all the invariants whenever they decode (fuzz/snapshot_fuzz_body.h).
TEST(SnapshotTest, deserialize_resealedMutationsKeepEveryInvariant) {
  Store s = sample();
  test::obj(s, 2, "HSET", {"h", "f", "1", "g", "x"});
  test::obj(s, 2, "RPUSH", {"l", "1", "a", "1"});
  test::obj(s, 2, "SADD", {"s", "1", "2", "a"});
  test::obj(s, 2, "SADD", {"t", "7", "8"});
  test::obj(s, 2, "ZADD", {"z", "1", "a", "2", "b"});
  std::string valid = s.serialize();
  valid.resize(valid.size() - kSnapshotTrailerBytes);
  ASSERT_TRUE(fuzz::snapshot_fuzz_one(valid));
  base::Prng prng(20261205);
  int decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = valid;
    const std::uint64_t flips = 1 + prng.uniform(3);
    for (std::uint64_t f = 0; f < flips; ++f) {
      const std::size_t at = prng.uniform(bytes.size());
      bytes[at] = prng.chance(1, 2) ? static_cast<char>(bytes[at] ^ (1 << prng.uniform(8)))
                                    : static_cast<char>(prng.uniform(256));
    }
    if (prng.chance(1, 8)) {
      bytes.resize(prng.uniform(bytes.size()));
    }
    decoded += fuzz::snapshot_fuzz_one(bytes) ? 1 : 0;
  }
  // Flips inside values and deadlines decode (and must keep the invariants).
  EXPECT_GT(decoded, 100);
}

TEST(SnapshotTest, deserialize_rejectsWrongMagicAndNewerVersion) {
  std::string bytes = Store().serialize();
  bytes[0] = 'X';
  expect_corrupt(reseal(bytes), "bad magic");
  bytes = Store().serialize();
  bytes[8] = 5;
  Result<Store> r = Store::deserialize(reseal(bytes));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("version 5"), std::string::npos);
  EXPECT_NE(r.status().message().find("versions 1 to 4"), std::string::npos);
  bytes[8] = 0;
  r = Store::deserialize(reseal(bytes));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(SnapshotTest, deserialize_rejectsStructuralDamageUnderAValidChecksum) {
  // Keys out of order and repeated.
  // (Format 1, strings only, which is still read.)
  std::string out_of_order(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(out_of_order, kSnapshotVersionStrings);
  base::put_u64(out_of_order, 2);
  for (const char* key : {"b", "a"}) {
    base::put_u32(out_of_order, 1);
    base::put_u32(out_of_order, 0);
    base::put_u64(out_of_order, 0);
    out_of_order += key;
  }
  base::put_u64(out_of_order, 0);
  expect_corrupt(reseal(out_of_order), "out of key order");
  std::string repeated = out_of_order;
  repeated[kSnapshotHeaderBytes + 2 * kSnapshotItemHeaderBytesV1 + 1] = 'b';  // "b", "b"
  expect_corrupt(reseal(repeated), "out of key order");

  // A count the input cannot hold, and one item fewer than the count.
  std::string bytes = sample().serialize();
  base::store_u64(bytes.data() + 12, std::numeric_limits<std::uint64_t>::max());
  expect_corrupt(reseal(bytes), "does not fit");
  bytes = sample().serialize();
  base::store_u64(bytes.data() + 12, 4);
  expect_corrupt(reseal(bytes), "after the last item");
  bytes = sample().serialize();
  base::store_u64(bytes.data() + 12, 6);
  expect_corrupt(reseal(bytes), "bad length");
}

TEST(SnapshotTest, deserialize_rejectsLengthsBeyondLimitsOrInput) {
  std::string bytes(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(bytes, kSnapshotVersionStrings);
  base::put_u64(bytes, 1);
  base::put_u32(bytes, static_cast<std::uint32_t>(kMaxKeyBytes + 1));
  base::put_u32(bytes, 0);
  base::put_u64(bytes, 0);
  bytes += std::string(kMaxKeyBytes + 1, 'k');
  base::put_u64(bytes, 0);
  expect_corrupt(reseal(bytes), "bad length");

  std::string value(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(value, kSnapshotVersionStrings);
  base::put_u64(value, 1);
  base::put_u32(value, 1);
  base::put_u32(value, 1000);  // beyond the input
  base::put_u64(value, 0);
  value += "kv";
  base::put_u64(value, 0);
  expect_corrupt(reseal(value), "bad length");
}

TEST(SnapshotTest, snapshot_holdsKeysAndValuesAtTheirLimits) {
  Store s;
  set(s, 1, std::string(kMaxKeyBytes, 'k'), std::string(kMaxValueBytes, 'v'), 9);
  Result<Store> back = Store::deserialize(s.serialize());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value().ttl_ms(std::string(kMaxKeyBytes, 'k'), 1), 8);
}

TEST(SnapshotTest, formatOne_isStillRead) {
  std::string v1(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(v1, kSnapshotVersionStrings);
  base::put_u64(v1, 1);
  base::put_u32(v1, 1);       // key length
  base::put_u32(v1, 2);       // value length
  base::put_u64(v1, 0x0102);  // deadline
  v1 += "kvv";
  base::put_u64(v1, base::checksum64(v1, kSnapshotChecksumSeed));
  Result<Store> back = Store::deserialize(v1);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value().get("k", 1), std::optional<std::string_view>("vv"));
  Store s;
  set(s, 1, "k", "vv", 0x0102);
  EXPECT_EQ(back.value().serialize(), v1);  // strings only: written back as format 1
}

TEST(SnapshotTest, formatTwo_refusesAnUnknownTypeAndADamagedObject) {
  std::string bytes(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(bytes, kSnapshotVersionTypes);
  base::put_u64(bytes, 1);
  base::put_u32(bytes, 1);
  base::put_u8(bytes, 9);  // no such type
  base::put_u64(bytes, 0);
  base::put_u64(bytes, 0);
  bytes += "k";
  base::put_u64(bytes, 0);
  expect_corrupt(reseal(bytes), "bad length or type");
  // A hash whose encoding claims no element (Redis never holds an empty collection).
  std::string empty(kSnapshotMagic, sizeof(kSnapshotMagic));
  base::put_u32(empty, kSnapshotVersionTypes);
  base::put_u64(empty, 1);
  base::put_u32(empty, 1);
  base::put_u8(empty, static_cast<std::uint8_t>(ObjectType::kHash));
  base::put_u64(empty, 8);
  base::put_u64(empty, 0);
  empty += "k";
  base::put_u64(empty, 0);  // the object: count 0
  base::put_u64(empty, 0);
  expect_corrupt(reseal(empty), "bad element count");
}

// Decodes `bytes` as they arrive: a writer thread appends them `piece` at a time.
Result<Store> deserialize_arriving(const std::string& bytes, std::size_t piece) {
  base::ArrivingBytes arriving(bytes.size());
  std::thread writer([&]() {
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      arriving.append(std::string_view(bytes).substr(at, piece));
    }
  });
  Result<Store> r = Store::deserialize(arriving.whole(), &arriving);
  writer.join();
  return r;
}

TEST(SnapshotTest, deserializeArriving_decodesTheSameStoreAsTheWholeBytes) {
  Store s = sample();
  for (int i = 0; i < 500; ++i) {
    set(s, 2, "key:" + std::to_string(i), std::string(static_cast<std::size_t>(i % 97), 'v'),
        i % 3 == 0 ? 10'000 + static_cast<std::uint64_t>(i) : 0);
  }
  const std::string bytes = s.serialize();
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, bytes.size()}) {
    Result<Store> back = deserialize_arriving(bytes, piece);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    back.value().check_invariants();
    EXPECT_EQ(back.value().serialize(), bytes) << "pieces of " << piece;
    EXPECT_EQ(back.value().digest_hex(), s.digest_hex());
  }
}

TEST(SnapshotTest, deserializeArriving_detectsEveryFlippedByteWhenTheLastOneArrives) {
  // The checksum can only be checked at the end: a flipped value byte decodes as an item and
  // must still fail the whole.
  const std::string bytes = sample().serialize();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(deserialize_arriving(bad, 5).is_ok()) << "byte " << i;
  }
  std::string value_flipped = bytes;
  value_flipped[value_flipped.find("empty key")] ^= 0x01;
  Result<Store> r = deserialize_arriving(value_flipped, 3);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_NE(r.status().message().find("checksum mismatch"), std::string::npos);
}

TEST(SnapshotTest, deserializeArriving_stopsWhenTheBytesAreAbandoned) {
  const std::string bytes = sample().serialize();
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    base::ArrivingBytes arriving(bytes.size());
    arriving.append(std::string_view(bytes).substr(0, cut));
    std::thread abandoner([&]() { arriving.abandon(); });
    Result<Store> r = Store::deserialize(arriving.whole(), &arriving);
    abandoner.join();
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), Code::kAborted) << "cut at " << cut;
  }
}

TEST(SnapshotTest, decodeSnapshot_returnsSortedItems) {
  const std::vector<SnapshotItemView> views = {{"a", "1", 0}, {"b", "", 7}};
  Result<std::vector<SnapshotItem>> items = decode_snapshot(encode_snapshot(views));
  ASSERT_TRUE(items.is_ok());
  EXPECT_EQ(items.value(), (std::vector<SnapshotItem>{{"a", "1", 0}, {"b", "", 7}}));
}

}  // namespace
}  // namespace helios::atlas
