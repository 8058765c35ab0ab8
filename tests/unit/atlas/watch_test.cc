// WATCH's parts in ATLAS: the WatchOp encoding (strict decoding of its pairs and of the ops
// it guards), the key versions Store keeps (changed exactly when Redis 7.0 would signal the
// key as modified), their start (StartVersionsOp: guards skip their ops before it, and
// replicas that held different versions agree after it), the guard skipping or running the
// transaction, and the versions kept across a snapshot (format 4) and given to the keys of
// older formats.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "atlas/command.h"
#include "atlas/objects.h"
#include "atlas/snapshot.h"
#include "atlas/store.h"
#include "base/bytes.h"
#include "base/checksum.h"
#include "store_test_util.h"

namespace helios::atlas {
namespace {

constexpr std::uint64_t kNow = 1000;

Op obj(std::string_view name, Args args) {
  return ObjOp{find_object_command(name)->code, 7, std::move(args)};
}

// Applies `ops` as one command at log index `index`.
std::vector<Reply> at(Store& s, std::uint64_t index, std::vector<Op> ops,
                      std::uint64_t stamp = kNow) {
  std::vector<Reply> replies = s.apply(Command{stamp, std::move(ops)}, index);
  s.check_invariants();
  return replies;
}

std::uint64_t version(const Store& s, std::string_view key, std::uint64_t now = kNow) {
  return s.key_version(key, now);
}

Command guarded(std::uint32_t count, std::vector<std::string> keys,
                std::vector<std::uint64_t> versions, std::vector<Op> ops) {
  Command c{kNow, {}};
  c.ops.push_back(WatchOp{count, std::move(keys), std::move(versions)});
  for (Op& op : ops) {
    c.ops.push_back(std::move(op));
  }
  return c;
}

// --- encoding ---

TEST(WatchOpTest, roundTripsAndPinsItsLayout) {
  const Command c = guarded(1, {"k", ""}, {5, 0}, {SetOp{"k", "v"}});
  ASSERT_TRUE(validate_command(c).is_ok());
  const std::string bytes = encode_command(c);
  EXPECT_EQ(bytes.size(), encoded_size(c));
  Result<Command> back = decode_command(bytes);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value(), c);
  // code 16, guarded u32, count u32, (key, version u64) pairs
  std::string op;
  base::put_u8(op, 16);
  base::put_u32(op, 1);
  base::put_u32(op, 2);
  base::put_u32(op, 1);
  op += "k";
  base::put_u64(op, 5);
  base::put_u32(op, 0);
  base::put_u64(op, 0);
  EXPECT_EQ(bytes.substr(1 + 8 + 4, op.size()), op);
  EXPECT_TRUE(uses_data_types(c));  // held back while a member of wire minor 0 remains
}

TEST(WatchOpTest, validateRejectsBadPairsAndGuardedCounts) {
  auto invalid = [](const Command& c, std::string_view needle) {
    const Status s = validate_command(c);
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  invalid(guarded(0, {}, {}, {}), "WATCH of 0 keys");
  invalid(guarded(0, {"a"}, {1, 2}, {}), "WATCH of 1 keys and 2 versions");
  invalid(guarded(0, {std::string(kMaxKeyBytes + 1, 'k')}, {1}, {}), "key");
  invalid(guarded(2, {"a"}, {1}, {SetOp{"a", "1"}}), "WATCH guarding 2 ops, 1 follow");
  Command nested = guarded(2, {"a"}, {1}, {WatchOp{0, {"b"}, {0}}, SetOp{"a", "1"}});
  invalid(nested, "WATCH inside the ops another WATCH guards");
  // Two guards side by side (two transactions of one batch) are fine.
  Command two = guarded(1, {"a"}, {1}, {SetOp{"a", "1"}, WatchOp{1, {"b"}, {0}}, SetOp{"b", "2"}});
  EXPECT_TRUE(validate_command(two).is_ok());
}

TEST(WatchOpTest, decodeRejectsBadGuardOps) {
  auto op_bytes = [](std::uint32_t guarded_ops, std::uint32_t count, bool pair) {
    std::string out;
    base::put_u8(out, kCommandVersion);
    base::put_u64(out, 1);
    base::put_u32(out, 1);
    base::put_u8(out, 16);
    base::put_u32(out, guarded_ops);
    base::put_u32(out, count);
    if (pair) {
      base::put_u32(out, 1);
      out += "k";
      base::put_u64(out, 3);
    }
    return out;
  };
  EXPECT_TRUE(decode_command(op_bytes(0, 1, true)).is_ok());
  for (const std::string& bad : {op_bytes(0, 0, false), op_bytes(1, 1, true), op_bytes(0, 2, true),
                                 op_bytes(0, 70000, true), op_bytes(0, 1, true).substr(0, 20)}) {
    Result<Command> r = decode_command(bad);
    EXPECT_FALSE(r.is_ok());
    if (!r.is_ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    }
  }
  std::string trailing = op_bytes(0, 1, true) + "x";
  EXPECT_FALSE(decode_command(trailing).is_ok());
}

// --- versions ---

TEST(KeyVersionTest, stringWritesSetTheEntryIndexAndNoOpsLeaveIt) {
  Store s;
  EXPECT_EQ(version(s, "k"), 0u);
  at(s, 3, {SetOp{"k", "v"}});
  EXPECT_EQ(version(s, "k"), 3u);
  at(s, 4, {SetOp{.key = "k", .value = "w", .nx = true}});  // NX on an existing key: no change
  EXPECT_EQ(version(s, "k"), 3u);
  at(s, 5, {DelOp{{"missing"}}, PersistOp{"k"}, ReadOp{ReadKind::kGet, "k"}});
  EXPECT_EQ(version(s, "k"), 3u);
  at(s, 6, {IncrByOp{"k", 1}});  // an error (not an integer): no change
  EXPECT_EQ(version(s, "k"), 3u);
  at(s, 7, {SetOp{"k", "v"}});  // the same value: Redis signals it anyway
  EXPECT_EQ(version(s, "k"), 7u);
  at(s, 8, {ExpireOp{.key = "k", .deadline_ms = kNow + 500}});
  EXPECT_EQ(version(s, "k"), 8u);
  at(s, 9, {ExpireOp{.key = "k", .deadline_ms = kNow + 500}});  // the same deadline: signalled
  EXPECT_EQ(version(s, "k"), 9u);
  at(s, 10, {ExpireOp{.key = "k", .deadline_ms = kNow + 100, .gt = true}});  // refused
  EXPECT_EQ(version(s, "k"), 9u);
  at(s, 11, {AppendOp{"k", "x"}, SetRangeOp{"other", 0, ""}});
  EXPECT_EQ(version(s, "k"), 11u);
  EXPECT_EQ(version(s, "other"), 0u);
  at(s, 12, {RenameOp{"k", "r"}});
  EXPECT_EQ(version(s, "k"), 0u);
  EXPECT_EQ(version(s, "r"), 12u);
  at(s, 13, {RenameOp{"r", "r"}});  // the same key: Redis changes nothing
  EXPECT_EQ(version(s, "r"), 12u);
  at(s, 14, {MSetNxOp{{"a", "r"}, {"1", "2"}}});  // r exists: nothing set
  EXPECT_EQ(version(s, "r"), 12u);
  EXPECT_EQ(version(s, "a"), 0u);
  at(s, 15, {FlushOp{}});
  EXPECT_EQ(version(s, "r"), 0u);
}

TEST(KeyVersionTest, expiryMakesAKeyAbsentAndADeletedKeyGetsANewVersion) {
  Store s;
  at(s, 1, {SetOp{.key = "k", .value = "v", .deadline_ms = kNow + 10}});
  EXPECT_EQ(version(s, "k"), 1u);
  EXPECT_EQ(version(s, "k", kNow + 10), 0u);  // expired at that time: absent
  at(s, 2, {DeleteIfExpiredOp{"k", kNow + 10}}, kNow + 20);
  EXPECT_EQ(version(s, "k"), 0u);
  at(s, 3, {SetOp{"k", "v"}}, kNow + 20);
  EXPECT_EQ(version(s, "k"), 3u);
}

TEST(KeyVersionTest, objectWritesChangeTheVersionOnlyWhenRedisSignalsTheKey) {
  Store s;
  at(s, 1, {obj("SADD", {"s", "a"}), obj("HSET", {"h", "f", "1"}), obj("RPUSH", {"l", "x"})});
  EXPECT_EQ(version(s, "s"), 1u);
  at(s, 2,
     {obj("SADD", {"s", "a"}), obj("SREM", {"s", "zz"}), obj("HDEL", {"h", "g"}),
      obj("LREM", {"l", "0", "nope"}), obj("HSETNX", {"h", "f", "2"})});
  EXPECT_EQ(version(s, "s"), 1u);  // nothing changed
  EXPECT_EQ(version(s, "h"), 1u);
  EXPECT_EQ(version(s, "l"), 1u);
  at(s, 3, {obj("SADD", {"s", "b"}), obj("HSET", {"h", "f", "1"})});  // HSET: always signalled
  EXPECT_EQ(version(s, "s"), 3u);
  EXPECT_EQ(version(s, "h"), 3u);
  at(s, 4, {obj("LPUSH", {"s", "x"})});  // WRONGTYPE: no change
  EXPECT_EQ(version(s, "s"), 3u);
  at(s, 5, {obj("SMOVE", {"s", "t", "a"})});  // both keys
  EXPECT_EQ(version(s, "s"), 5u);
  EXPECT_EQ(version(s, "t"), 5u);
  at(s, 6, {obj("SINTERSTORE", {"d", "s", "t"}), obj("SUNIONSTORE", {"e", "s", "t"})});
  EXPECT_EQ(version(s, "s"), 5u);  // a source is only read
  EXPECT_EQ(version(s, "e"), 6u);
  at(s, 7, {obj("LMPOP", {"2", "none", "l", "LEFT"})});
  EXPECT_EQ(version(s, "l"), 0u);  // popped empty: deleted
  at(s, 8, {obj("RPUSH", {"l", "1", "2"}), obj("RPUSH", {"m", "1"})});
  at(s, 9, {obj("LMPOP", {"2", "l", "m", "LEFT"})});
  EXPECT_EQ(version(s, "l"), 9u);
  EXPECT_EQ(version(s, "m"), 8u);  // not popped from
  at(s, 10, {obj("LPOP", {"nothing"}), obj("LINSERT", {"l", "BEFORE", "nope", "x"})});
  EXPECT_EQ(version(s, "l"), 9u);
}

TEST(KeyVersionTest, copyChangesOnlyItsDestination) {
  Store s;
  at(s, 1, {obj("RPUSH", {"src", "x"}), SetOp{.key = "dst", .value = "v"}});
  at(s, 2, {obj("COPY", {"src", "dst"})});  // dst exists, no REPLACE: 0, nothing changed
  EXPECT_EQ(version(s, "src"), 1u);
  EXPECT_EQ(version(s, "dst"), 1u);
  at(s, 3, {obj("COPY", {"src", "dst", "REPLACE"}), obj("COPY", {"src", "new"})});
  EXPECT_EQ(version(s, "src"), 1u);  // only read
  EXPECT_EQ(version(s, "dst"), 3u);
  EXPECT_EQ(version(s, "new"), 3u);
}

TEST(KeyVersionTest, guardRunsTheTransactionOnlyIfNoWatchedKeyChanged) {
  Store s;
  at(s, 1, {StartVersionsOp{}, SetOp{"k", "1"}});
  // Unchanged (an absent key watched as absent too): the ops run, the guard replies 1.
  std::vector<Reply> r = s.apply(guarded(1, {"k", "absent"}, {1, 0}, {IncrByOp{"k", 1}}), 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], Reply::of_integer(1));
  EXPECT_EQ(r[1], Reply::of_integer(2));
  // k changed at 2: the guarded ops are skipped (nil each), the op after them runs.
  Command c = guarded(2, {"k"}, {1}, {IncrByOp{"k", 1}, SetOp{"x", "1"}});
  c.ops.push_back(SetOp{"y", "1"});
  r = s.apply(std::move(c), 3);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0], Reply::nil());
  EXPECT_EQ(r[1], Reply::nil());
  EXPECT_EQ(r[2], Reply::nil());
  EXPECT_EQ(r[3], Reply::ok());
  EXPECT_EQ(test::state(s, "k", kNow), "2");
  EXPECT_EQ(test::state(s, "x", kNow), "absent");
  EXPECT_EQ(test::state(s, "y", kNow), "1");
  // A watched key that expired by the stamp counts as absent: changed.
  at(s, 4, {SetOp{.key = "t", .value = "v", .deadline_ms = kNow + 10}});
  r = s.apply(guarded(1, {"t"}, {4}, {SetOp{"z", "1"}}), 5);
  EXPECT_EQ(r[0], Reply::of_integer(1));
  Command late = guarded(1, {"t"}, {4}, {SetOp{"z", "2"}});
  late.stamp_ms = kNow + 10;
  r = s.apply(std::move(late), 6);
  EXPECT_EQ(r[0], Reply::nil());
  EXPECT_EQ(test::state(s, "z", kNow), "1");
  // An empty transaction checks too.
  r = s.apply(guarded(0, {"k"}, {2}, {}), 7);
  EXPECT_EQ(r, std::vector<Reply>{Reply::of_integer(1)});
  r = s.apply(guarded(0, {"k"}, {1}, {}), 8);
  EXPECT_EQ(r, std::vector<Reply>{Reply::nil()});
  s.check_invariants();
}

// --- the start of versions ---

TEST(StartVersionsTest, roundTripsAsItsCodeAlone) {
  const Command c{kNow, {StartVersionsOp{}}};
  ASSERT_TRUE(validate_command(c).is_ok());
  const std::string bytes = encode_command(c);
  EXPECT_EQ(bytes.size(), encoded_size(c));
  EXPECT_EQ(bytes.substr(1 + 8 + 4), std::string(1, '\x11'));  // code 17, nothing else
  Result<Command> back = decode_command(bytes);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back.value(), c);
  EXPECT_EQ(std::string(op_name(OpCode::kStartVersions)), "START_VERSIONS");
  EXPECT_TRUE(uses_data_types(c));  // a release before WATCH cannot decode it
  EXPECT_FALSE(decode_command(bytes + "x").is_ok());
}

TEST(StartVersionsTest, guardsSkipTheirOpsUntilVersionsStart) {
  Store s;
  at(s, 3, {SetOp{"k", "1"}});
  EXPECT_EQ(s.versions_since(), 0u);
  // The versions WATCH would read, unchanged since, yet the guard skips its ops.
  std::vector<Reply> r = s.apply(guarded(1, {"k", "a"}, {3, 0}, {SetOp{"x", "1"}}), 4);
  EXPECT_EQ(r, (std::vector<Reply>{Reply::nil(), Reply::nil()}));
  EXPECT_EQ(test::state(s, "x", kNow), "absent");
  // The first start counts from its own index: every existing key's version becomes it.
  EXPECT_EQ(at(s, 7, {StartVersionsOp{}, SetOp{"n", "1"}})[0], Reply::of_integer(1));
  EXPECT_EQ(s.versions_since(), 7u);
  EXPECT_EQ(version(s, "k"), 7u);
  EXPECT_EQ(version(s, "n"), 7u);
  EXPECT_EQ(version(s, "a"), 0u);  // absent keys stay 0
  // Later ones change nothing.
  EXPECT_EQ(at(s, 8, {StartVersionsOp{}}), std::vector<Reply>{Reply::of_integer(0)});
  EXPECT_EQ(s.versions_since(), 7u);
  at(s, 9, {SetOp{"k", "2"}});
  EXPECT_EQ(version(s, "k"), 9u);
  r = s.apply(guarded(1, {"k", "n", "a"}, {9, 7, 0}, {SetOp{"x", "1"}}), 10);
  EXPECT_EQ(r, (std::vector<Reply>{Reply::of_integer(1), Reply::ok()}));
  r = s.apply(guarded(1, {"k"}, {3}, {SetOp{"x", "2"}}), 11);  // a version read before the start
  EXPECT_EQ(r[0], Reply::nil());
  s.check_invariants();
}

TEST(StartVersionsTest, replicasThatHeldDifferentVersionsAgreeFromTheStart) {
  // One replica applied the log (real versions), one restored from a snapshot of a release
  // before WATCH (none): before the start they disagree, after it they decide alike.
  Store applied;
  at(applied, 3, {SetOp{"k", "1"}});
  at(applied, 5, {obj("SADD", {"s", "m"})});
  Result<Store> restored = Store::deserialize(applied.serialize());  // no versions yet
  ASSERT_TRUE(restored.is_ok());
  EXPECT_NE(version(restored.value(), "k"), version(applied, "k"));
  for (Store* s : {&applied, &restored.value()}) {
    at(*s, 6, {StartVersionsOp{}});
    EXPECT_EQ(version(*s, "k"), 6u);
    EXPECT_EQ(version(*s, "s"), 6u);
  }
  EXPECT_EQ(applied.serialize(), restored.value().serialize());
  const Command c = guarded(1, {"k", "s"}, {6, 6}, {SetOp{"x", "1"}});
  EXPECT_EQ(applied.apply(c, 7), restored.value().apply(c, 7));
  EXPECT_EQ(test::state(restored.value(), "x", kNow), "1");
}

// --- snapshots ---

TEST(KeyVersionTest, snapshotKeepsVersionsAndOlderFormatsGetTheUnknownVersion) {
  Store s;
  at(s, 4, {StartVersionsOp{}, SetOp{"a", "1"}, obj("SADD", {"s", "x"})});
  at(s, 9, {SetOp{"b", "2"}});
  const std::string bytes = s.serialize();
  EXPECT_EQ(base::load_u32(bytes.data() + 8), kSnapshotVersion);
  EXPECT_EQ(base::load_u64(bytes.data() + kSnapshotHeaderBytesV3), 4u);  // versions since
  Result<std::vector<SnapshotItem>> items = decode_snapshot(bytes);
  ASSERT_TRUE(items.is_ok());
  EXPECT_EQ(items.value()[0].version, 4u);
  EXPECT_EQ(items.value()[1].version, 9u);
  Result<Store> back = Store::deserialize(bytes);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back.value().key_version("a", kNow), 4u);
  EXPECT_EQ(back.value().key_version("b", kNow), 9u);
  EXPECT_EQ(back.value().key_version("s", kNow), 4u);
  EXPECT_EQ(back.value().applied_index(), 9u);
  EXPECT_EQ(back.value().versions_since(), 4u);
  EXPECT_EQ(back.value().serialize(), bytes);
  // The restored replica decides a guard as the original does.
  std::vector<Reply> orig = s.apply(guarded(1, {"a", "b"}, {4, 9}, {SetOp{"c", "3"}}), 10);
  std::vector<Reply> copy =
      back.value().apply(guarded(1, {"a", "b"}, {4, 9}, {SetOp{"c", "3"}}), 10);
  EXPECT_EQ(orig, copy);
  EXPECT_EQ(orig[0], Reply::of_integer(1));

  // Before the start, without versions: format 1 for strings only, format 2 with objects;
  // both read back with kVersionUnknown for every key, and written back as they were.
  const std::string v1 = encode_snapshot({{"a", "1", 0}});
  EXPECT_EQ(base::load_u32(v1.data() + 8), kSnapshotVersionStrings);
  const std::string v2 = encode_snapshot({{"a", "1", 0}, {"s", "x", 0, ObjectType::kList}});
  EXPECT_EQ(base::load_u32(v2.data() + 8), kSnapshotVersionTypes);
  Result<Store> old = Store::deserialize(v1);
  ASSERT_TRUE(old.is_ok());
  EXPECT_EQ(old.value().key_version("a", kNow), Store::kVersionUnknown);
  EXPECT_EQ(old.value().versions_since(), 0u);
  EXPECT_EQ(old.value().serialize(), v1);
  Store unstarted;
  at(unstarted, 5, {SetOp{"a", "1"}});
  EXPECT_EQ(unstarted.serialize(), v1);
  at(unstarted, 6, {obj("SADD", {"s", "x"})});
  EXPECT_EQ(base::load_u32(unstarted.serialize().data() + 8), kSnapshotVersionTypes);

  // Format 3 (versions without a start, as written before the start existed): its versions
  // are read, but they count only from a start.
  std::string v3 = bytes.substr(0, bytes.size() - kSnapshotTrailerBytes);
  v3.erase(kSnapshotHeaderBytesV3, 8);
  v3[8] = static_cast<char>(kSnapshotVersionKeyVersions);
  base::put_u64(v3, base::checksum64(v3, kSnapshotChecksumSeed));
  Result<Store> third = Store::deserialize(v3);
  ASSERT_TRUE(third.is_ok()) << third.status().to_string();
  EXPECT_EQ(third.value().versions_since(), 0u);
  EXPECT_EQ(third.value().applied_index(), 9u);
  EXPECT_EQ(third.value().key_version("b", kNow), 9u);
  std::vector<Reply> skipped =
      third.value().apply(guarded(1, {"a", "b"}, {4, 9}, {SetOp{"c", "3"}}), 10);
  EXPECT_EQ(skipped[0], Reply::nil());
}

TEST(KeyVersionTest, snapshotDecodeRejectsVersionsSinceOutOfRange) {
  Store s;
  at(s, 4, {StartVersionsOp{}, SetOp{"a", "1"}});
  at(s, 9, {SetOp{"b", "2"}});
  const std::string good = s.serialize();
  auto with_since = [&](std::uint64_t since) {
    std::string bytes = good.substr(0, good.size() - kSnapshotTrailerBytes);
    std::string field;
    base::put_u64(field, since);
    bytes.replace(kSnapshotHeaderBytesV3, 8, field);
    base::put_u64(bytes, base::checksum64(bytes, kSnapshotChecksumSeed));
    return bytes;
  };
  EXPECT_TRUE(decode_snapshot(with_since(4)).is_ok());
  for (std::uint64_t bad : {0, 5, 10}) {  // 0, above item "a" (4), above the applied index (9)
    Result<std::vector<SnapshotItem>> r = decode_snapshot(with_since(bad));
    EXPECT_FALSE(r.is_ok()) << bad;
    if (!r.is_ok()) {
      EXPECT_EQ(r.status().code(), Code::kCorruption) << bad;
    }
  }
}

TEST(KeyVersionTest, snapshotDecodeRejectsATruncatedVersionedItem) {
  Store s;
  at(s, 4, {SetOp{"a", "1"}});
  std::string bytes = s.serialize();
  // Drop the version's last byte and fix nothing else: the checksum fails first.
  bytes.erase(bytes.size() - 8 - 2, 1);
  EXPECT_FALSE(decode_snapshot(bytes).is_ok());
}

}  // namespace
}  // namespace helios::atlas
