// The commands on keys of any type (atlas/obj_keys.cc): COPY (values of every type, the
// deadline, REPLACE, Redis's argument errors in its order), TOUCH, OBJECT's subcommands and
// RANDOMKEY. check_invariants after every apply (apply1).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "atlas/objects.h"
#include "atlas/store.h"
#include "store_test_util.h"

namespace helios::atlas {

namespace {

using test::apply1;
using test::integer;
using test::obj;
using test::state;

void set(Store& s, std::string key, std::string value, std::uint64_t deadline_ms = 0) {
  apply1(s, 1, SetOp{.key = std::move(key), .value = std::move(value), .deadline_ms = deadline_ms});
}

TEST(ObjKeysTest, copyCopiesAStringAndItsDeadline) {
  Store s;
  set(s, "a", "hello", 5000);
  EXPECT_EQ(obj(s, 10, "COPY", {"a", "b"}), integer(1));
  EXPECT_EQ(state(s, "b", 10), "hello ttl=4990");
  EXPECT_EQ(state(s, "a", 10), "hello ttl=4990");
  // An existing destination needs REPLACE; without it nothing changes.
  set(s, "c", "old");
  EXPECT_EQ(obj(s, 10, "COPY", {"a", "c"}), integer(0));
  EXPECT_EQ(state(s, "c", 10), "old");
  EXPECT_EQ(obj(s, 10, "COPY", {"a", "c", "replace"}), integer(1));
  EXPECT_EQ(state(s, "c", 10), "hello ttl=4990");
  // An absent or expired source copies nothing.
  EXPECT_EQ(obj(s, 10, "COPY", {"nokey", "d"}), integer(0));
  EXPECT_EQ(obj(s, 6000, "COPY", {"a", "d"}), integer(0));
  EXPECT_EQ(state(s, "d", 6000), "absent");
}

TEST(ObjKeysTest, copyOfACollectionIsDeep) {
  Store s;
  EXPECT_EQ(obj(s, 1, "HSET", {"h", "f", "1"}), integer(1));
  set(s, "str", "x");
  EXPECT_EQ(obj(s, 1, "COPY", {"h", "str", "REPLACE"}), integer(1));  // over another type
  EXPECT_EQ(s.type_of("str", 1), ObjectType::kHash);
  EXPECT_EQ(obj(s, 1, "HSET", {"str", "g", "2"}), integer(1));
  EXPECT_EQ(obj(s, 1, "HLEN", {"h"}), integer(1));
  EXPECT_EQ(obj(s, 1, "HLEN", {"str"}), integer(2));
  // A store built directly holds the same items, so the same digest.
  Store t;
  EXPECT_EQ(obj(t, 1, "HSET", {"h", "f", "1"}), integer(1));
  EXPECT_EQ(obj(t, 1, "HSET", {"str", "f", "1", "g", "2"}), integer(2));
  EXPECT_EQ(s.digest_hex(), t.digest_hex());
}

TEST(ObjKeysTest, copyArgumentErrorsAsRedis) {
  Store s;
  set(s, "a", "v");
  const std::string before = s.digest_hex();
  EXPECT_EQ(obj(s, 1, "COPY", {"a", "a"}),
            Reply::error("ERR source and destination objects are the same"));
  EXPECT_EQ(obj(s, 1, "COPY", {"a", "b", "DB", "1"}), Reply::error("ERR DB index is out of range"));
  EXPECT_EQ(obj(s, 1, "COPY", {"a", "b", "DB", "x"}), Reply::error(kErrNotInteger));
  EXPECT_EQ(obj(s, 1, "COPY", {"a", "b", "DB"}), Reply::error(kErrSyntax));
  EXPECT_EQ(obj(s, 1, "COPY", {"a", "b", "NOPE"}), Reply::error(kErrSyntax));
  // The options are read before the keys are compared, as Redis does.
  EXPECT_EQ(obj(s, 1, "COPY", {"a", "a", "NOPE"}), Reply::error(kErrSyntax));
  EXPECT_EQ(s.digest_hex(), before);
  EXPECT_EQ(obj(s, 1, "COPY", {"a", "b", "DB", "0"}), integer(1));
  // The row's check answers the same before anything is proposed.
  const ObjectCommand* row = find_object_command("COPY");
  EXPECT_EQ(row->check({"a", "a"}), "ERR source and destination objects are the same");
  EXPECT_EQ(row->check({"a", "b", "REPLACE"}), "");
}

TEST(ObjKeysTest, touchCountsTheKeysThatExist) {
  Store s;
  set(s, "a", "v");
  set(s, "gone", "v", 50);
  EXPECT_EQ(obj(s, 1, "SADD", {"set", "m"}), integer(1));
  EXPECT_EQ(obj(s, 100, "TOUCH", {"a", "set", "gone", "nokey", "a"}), integer(3));
}

TEST(ObjKeysTest, objectSubcommands) {
  Store s;
  set(s, "int", "12345");
  set(s, "short", "hello");
  set(s, "long", std::string(45, 'x'));
  set(s, "zero", "7");
  EXPECT_EQ(obj(s, 1, "HSET", {"h", "f", "1"}), integer(1));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"ENCODING", "int"}), Reply::bulk("int"));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"encoding", "short"}), Reply::bulk("embstr"));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"ENCODING", "long"}), Reply::bulk("raw"));
  const Reply hash = obj(s, 1, "OBJECT", {"ENCODING", "h"});
  EXPECT_EQ(hash.kind, Reply::Kind::kBulk);
  EXPECT_FALSE(hash.text.empty());
  EXPECT_EQ(obj(s, 1, "OBJECT", {"ENCODING", "nokey"}), Reply::nil());
  EXPECT_EQ(obj(s, 1, "OBJECT", {"REFCOUNT", "zero"}), integer(2147483647));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"REFCOUNT", "int"}), integer(1));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"REFCOUNT", "h"}), integer(1));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"IDLETIME", "h"}), integer(0));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"FREQ", "h"}).kind, Reply::Kind::kError);
  EXPECT_EQ(obj(s, 1, "OBJECT", {"FREQ", "nokey"}), Reply::nil());
  EXPECT_EQ(obj(s, 1, "OBJECT", {"NOPE", "h"}),
            Reply::error("ERR unknown subcommand 'NOPE'. Try OBJECT HELP."));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"Encoding"}),
            Reply::error("ERR wrong number of arguments for 'object|encoding' command"));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"HELP", "x"}),
            Reply::error("ERR wrong number of arguments for 'object|help' command"));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"help"}).kind, Reply::Kind::kArray);
}

TEST(ObjKeysTest, randomKeyDrawsLiveKeysFromTheSeed) {
  Store s;
  EXPECT_EQ(obj(s, 1, "RANDOMKEY", {}, 7), Reply::nil());
  std::set<std::string> keys;
  for (int i = 0; i < 20; ++i) {
    set(s, "k" + std::to_string(i), "v");
    keys.insert("k" + std::to_string(i));
  }
  set(s, "expired", "v", 50);
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const Reply r = obj(s, 100, "RANDOMKEY", {}, seed);
    ASSERT_EQ(r.kind, Reply::Kind::kBulk);
    ASSERT_TRUE(keys.count(r.text) == 1) << r.text;
    seen.insert(r.text);
    EXPECT_EQ(obj(s, 100, "RANDOMKEY", {}, seed), r);  // the same seed, the same key
  }
  EXPECT_EQ(seen, keys);  // every key gets drawn
  // Only expired keys: none to draw.
  Store t;
  set(t, "a", "v", 50);
  set(t, "b", "v", 60);
  EXPECT_EQ(obj(t, 100, "RANDOMKEY", {}, 3), Reply::nil());
}

}  // namespace
}  // namespace helios::atlas

namespace helios::atlas {
namespace {

// The item holds a string or an Object inline (store.h): every path that moves an object
// between items or replaces it keeps the value, the deadline and the invariants (apply1
// checks them after each op).
TEST(ObjKeysTest, inlineObjectsSurviveRenameReplaceAndSnapshots) {
  Store s;
  EXPECT_EQ(obj(s, 1, "SADD", {"ints", "3", "-7", "100000"}), integer(3));
  EXPECT_EQ(obj(s, 1, "ZADD", {"z", "1", "a", "2", "b"}), integer(2));
  EXPECT_EQ(apply1(s, 1, ExpireOp{"ints", 5000}), integer(1));
  EXPECT_EQ(apply1(s, 1, RenameOp{"ints", "moved"}), Reply::ok());
  EXPECT_EQ(s.type_of("ints", 1), std::nullopt);
  EXPECT_EQ(s.ttl_ms("moved", 1000), 4000);
  EXPECT_EQ(obj(s, 1, "SMEMBERS", {"moved"}),
            Reply::set({Reply::bulk("-7"), Reply::bulk("3"), Reply::bulk("100000")}));
  EXPECT_EQ(obj(s, 1, "OBJECT", {"ENCODING", "moved"}), Reply::bulk("intset"));
  EXPECT_EQ(apply1(s, 1, RenameOp{"z", "moved"}), Reply::ok());  // an object over an object
  EXPECT_EQ(s.type_of("moved", 1), ObjectType::kZSet);
  EXPECT_EQ(s.ttl_ms("moved", 1000), -1);
  EXPECT_EQ(apply1(s, 1, SetOp{.key = "moved", .value = "text"}), Reply::ok());  // a string over
  EXPECT_EQ(s.get("moved", 1), "text");
  EXPECT_EQ(s.object_count(), 0u);
  EXPECT_EQ(obj(s, 1, "SADD", {"ints", "1", "x"}), integer(2));
  Result<Store> copy = Store::deserialize(s.serialize());
  ASSERT_TRUE(copy.is_ok());
  EXPECT_EQ(copy.value().digest_hex(), s.digest_hex());
  EXPECT_EQ(copy.value().serialize(), s.serialize());
}

}  // namespace
}  // namespace helios::atlas
