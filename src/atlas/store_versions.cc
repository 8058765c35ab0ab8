// Store's key versions (store.h, "Key versions"): their start (StartVersionsOp), the WATCH
// guard (WatchOp), key_version, and for object writes which keys an ObjOp
// changed, by Redis's rule (the keys Redis 7.0 passes to signalModifiedKey). The string
// ops set versions through the item functions themselves (store.cc); an object write edits
// its object in place, so the version is set here, after the row ran, from what it
// replied: no row needs to know about versions.
//
// Rules, for the keys that still exist after the op (a deleted key has no version, and a
// created one got it from insert_object):
//   - an error reply changed nothing (atlas/objects.h: errors change nothing);
//   - a nil or null-array reply changed nothing (a pop of an empty or absent key, ZADD
//     NX/XX/GT/LT INCR that did not update, GETEX of an absent key);
//   - an integer 0 reply of a row whose integer counts its changes changed nothing (SADD of
//     members already there, SREM/HDEL/ZREM of absent ones, SMOVE that moved nothing,
//     HSETNX of a field already there, LREM and ZREMRANGEBY* that removed nothing), nor
//     LINSERT's -1 (no pivot);
//   - GETEX and GETDEL change a key only through a deadline or a delete, which set versions
//     themselves (store.cc);
//   - the *STORE rows change only their destination (args[0]), COPY only its destination
//     (args[1]; its 0 copied nothing); LMPOP and ZMPOP only the key
//     they popped from (the reply's first element); the others every key they name.
// Anything else counts as a change, as Redis does (HSET of a field to the value it had,
// LSET, LTRIM that kept everything, ZADD that only updated a score): a version changed
// too often costs a WATCH an abort it could have avoided, one missed would let EXEC
// overwrite a change it should have seen, so an unclear case counts as a change.
//
// Not thread-safe: the Store's thread (store.h). The planted bug's flag is process-wide.
#include <algorithm>
#include <array>
#include <atomic>
#include <string_view>

#include "atlas/objects.h"
#include "atlas/store.h"
#include "base/assert.h"

namespace helios::atlas {

namespace {

// Planted bugs; atomic because the simulator runs seeds on threads.
std::atomic<bool> g_snapshot_drops_versions{false};
std::atomic<bool> g_versions_unestablished{false};

// Rows whose integer reply counts what they changed (0: nothing).
constexpr std::array<std::string_view, 13> kCountingRows = {"SADD",
                                                            "COPY",
                                                            "SREM",
                                                            "HDEL",
                                                            "ZREM",
                                                            "LREM",
                                                            "SMOVE",
                                                            "HSETNX",
                                                            "LPUSHX",
                                                            "RPUSHX",
                                                            "ZREMRANGEBYRANK",
                                                            "ZREMRANGEBYSCORE",
                                                            "ZREMRANGEBYLEX"};

bool counts_changes(std::string_view name) {
  return std::find(kCountingRows.begin(), kCountingRows.end(), name) != kCountingRows.end();
}

bool changed_nothing(const ObjectCommand& row, const Reply& reply) {
  switch (reply.kind) {
    case Reply::Kind::kError:
    case Reply::Kind::kNil:
    case Reply::Kind::kNilArray:
      return true;
    case Reply::Kind::kInteger:
      return (reply.integer == 0 && counts_changes(row.name)) ||
             (reply.integer == -1 && row.name == "LINSERT");
    default:
      return row.name == "GETEX" || row.name == "GETDEL";
  }
}

}  // namespace

void Store::plant_snapshot_drops_versions(bool on) {
  g_snapshot_drops_versions.store(on, std::memory_order_relaxed);
}

void Store::plant_versions_unestablished(bool on) {
  g_versions_unestablished.store(on, std::memory_order_relaxed);
}

Reply Store::apply_op(StartVersionsOp&, std::uint64_t) {
  if (versions_since_ != 0) {
    return Reply::of_integer(0);
  }
  versions_since_ = applied_index_;
  HELIOS_ASSERT(versions_since_ != 0);
  return Reply::of_integer(1);
}

Reply Store::apply_op(WatchOp& op, std::uint64_t stamp_ms) {
  HELIOS_ASSERT(op.keys.size() == op.versions.size());
  if (versions_since_ == 0 && !g_versions_unestablished.load(std::memory_order_relaxed)) {
    return Reply::nil();  // replicas may disagree on the versions: no one runs the ops
  }
  for (std::size_t i = 0; i < op.keys.size(); ++i) {
    if (key_version(op.keys[i], stamp_ms) != op.versions[i]) {
      return Reply::nil();
    }
  }
  return Reply::of_integer(1);
}

std::uint64_t Store::key_version(std::string_view key, std::uint64_t now_ms) const {
  const Item* item = find_visible(key, now_ms);
  return item == nullptr ? 0 : std::max({item->version, versions_since_, kVersionUnknown});
}

bool snapshot_drops_versions_planted() {
  return g_snapshot_drops_versions.load(std::memory_order_relaxed);
}

void Store::touch_object_keys(const ObjOp& op, const Reply& reply) {
  const ObjectCommand* row = find_object_command(op.code);
  HELIOS_ASSERT(row != nullptr);  // validated
  if (row->write == nullptr || changed_nothing(*row, reply)) {
    return;
  }
  auto touch_key = [this](std::string_view key) {
    auto it = items_.find(key);
    if (it != items_.end()) {
      touch(it);
    }
  };
  if (row->name.ends_with("STORE")) {
    touch_key(op.args.front());
    return;
  }
  if (row->name == "COPY") {  // the source is only read
    touch_key(op.args[1]);
    return;
  }
  if ((row->name == "LMPOP" || row->name == "ZMPOP") && reply.kind == Reply::Kind::kArray &&
      !reply.elements.empty()) {
    touch_key(reply.elements.front().text);
    return;
  }
  for (std::size_t i : object_key_positions(*row, op.args)) {
    touch_key(op.args[i]);
  }
}

}  // namespace helios::atlas
