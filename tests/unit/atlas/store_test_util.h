#pragma once
// Helpers shared by the Store tests: apply one op and check the invariants, a key's state
// as a short string, and readable Replies in gtest failures.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "atlas/objects.h"
#include "atlas/snapshot.h"
#include "atlas/store.h"

namespace helios::atlas {

inline void PrintTo(const Reply& reply, std::ostream* os) {
  *os << reply.to_string();
}

namespace test {

inline constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t kMinI64 = std::numeric_limits<std::int64_t>::min();

// Applies `op` alone at `stamp_ms`, checks the store's invariants, returns the op's reply.
inline Reply apply1(Store& store, std::uint64_t stamp_ms, Op op) {
  Command c;
  c.stamp_ms = stamp_ms;
  c.ops.push_back(std::move(op));
  std::vector<Reply> replies = store.apply(std::move(c));
  EXPECT_EQ(replies.size(), 1u);
  store.check_invariants();
  return replies.empty() ? Reply::error("no reply") : replies.front();
}

// Applies the object command `name` (a row of atlas/objects.h) with `args` alone, as apply1.
inline Reply obj(Store& s, std::uint64_t stamp, std::string_view name,
                 std::vector<std::string> args, std::uint64_t seed = 0) {
  const ObjectCommand* row = find_object_command(name);
  EXPECT_NE(row, nullptr) << name;
  return apply1(s, stamp, ObjOp{row->code, seed, std::move(args)});
}

inline Reply integer(std::int64_t v) {
  return Reply::of_integer(v);
}

// The item of `key` as a reader at `now_ms` sees it: "value", "value ttl=N", or "absent".
inline std::string state(const Store& store, std::string_view key, std::uint64_t now_ms) {
  const std::optional<std::string_view> value = store.get(key, now_ms);
  if (!value) {
    return "absent";
  }
  const std::int64_t ttl = store.ttl_ms(key, now_ms);
  return std::string(*value) + (ttl == -1 ? "" : " ttl=" + std::to_string(ttl));
}

// The items of `store` (keys, values, deadlines) as snapshot bytes without the key
// versions: what two stores reached by different histories must hold alike (the versions
// are log indexes, which differ with the history).
inline std::string data_bytes(const Store& store) {
  Result<std::vector<SnapshotItem>> items = decode_snapshot(store.serialize());
  EXPECT_TRUE(items.is_ok());
  std::vector<SnapshotItemView> views;
  for (const SnapshotItem& item : items.value()) {
    views.push_back(SnapshotItemView{item.key, item.value, item.deadline_ms, item.type});
  }
  return encode_snapshot(views);
}

// The items of `store` with their key versions (not the applied index, which every
// command moves): what an op that changes nothing must leave as it was.
inline std::vector<SnapshotItem> items_of(const Store& store) {
  Result<std::vector<SnapshotItem>> items = decode_snapshot(store.serialize());
  EXPECT_TRUE(items.is_ok());
  return items.is_ok() ? items.value() : std::vector<SnapshotItem>{};
}

}  // namespace test
}  // namespace helios::atlas
