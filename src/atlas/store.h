#pragma once
// Store: the ATLAS state machine. Every node applies the same committed Commands, in log
// order, to its own Store, and so holds the same keys, values and deadlines.
//
// Determinism (architecture.md "TTLs are deterministic"): apply never reads a clock. Time enters
// only as numbers: the Command's `stamp_ms` and the deadlines in it, both chosen by the
// leader. While applying a command, a key whose deadline is nonzero and at or before
// `stamp_ms` counts as absent, and any operation that touches it removes it first (READ
// excepted: it changes nothing); so INCR on an expired key starts from 0 on every replica
// alike, whatever each replica's clock says.
// Nothing else removes an expired key: the leader proposes DELETE_IF_EXPIRED for the keys
// expired_keys() lists (active expiry), and those deletes go through the log like any write.
//
// Reads (get, ttl_ms, expire_time_ms, exists, size, keys, scan) take the serving node's
// clock as `now_ms` and hide keys whose deadline is at or before it; they never change the
// store, so reads with different clocks on different nodes cannot make the states diverge.
// (A ReadOp inside a command reads the same way, at the stamp.)
//
// No hash-table order leaks into any output: everything that lists keys (expired_keys,
// keys, serialize) sorts them, and scan orders them by scan_hash, a fixed function of the
// key alone, so a SCAN cursor means the same on every node and after a restart. std::hash
// is fixed, not seeded; if hash flooding by hostile key names becomes a concern, the node
// can pass a seed (no randomness of our own: habit 8).
//
// Invariants (check_invariants() verifies them; tests and the simulator call it):
//   - deadlines_ holds exactly one entry (deadline_ms, key) per item whose deadline_ms is
//     nonzero, and nothing else;
//   - each entry's key is a view of the key inside items_ (the nodes of a KeyTable never
//     move, across rehashing, move construction and swap: atlas/key_table.h), so an item
//     is erased from deadlines_ before it is erased from items_;
//   - keys and values respect kMaxKeyBytes and kMaxValueBytes;
//   - an item holds a string (`value()`) or, for the other types, an Object (`object()`,
//     inline in the item) that obeys atlas/object.h's rules (never empty...); object_count_
//     counts the items holding one;
//   - digest_ is the XOR of item_digest over every string item (atlas/digest.h), expired
//     ones included, and of deadline_digest over every object item. Every change keeps it in
//     step at the cost of the bytes it involves (an item in or out: its key and value; a
//     value change: the key and both values; a deadline change: the key), never a walk of
//     the store: the value and deadline of an item change only through insert,
//     insert_object, erase, replace_value, edit_value and set_deadline. An object's value
//     half is computed when a digest is asked for (digest_hex walks the object items), since
//     commands change objects element by element (atlas/objects.h);
//   - every item's version is at most applied_index() (0: restored from a snapshot format
//     without versions; key_version reports it as kVersionUnknown); versions_since() is at
//     most applied_index() too.
//
// Key versions (WATCH, atlas/command.h WatchOp): each item carries the index of the command
// that last changed it, the log index the node passes to apply. Every change of the key's
// value or deadline sets it (insert, insert_object, edit_value, replace_value,
// set_deadline; an object write sets it for the keys it changed: store_versions.cc), and
// what Redis does not count as a change (SADD of a member already there, DEL of an absent
// key, a failed SET NX, an error) leaves it; a deleted key has none (0, as an absent one),
// so a key deleted and created again gets a new one. The versions are part of the applied
// state: serialize carries them, so a replica restored from a snapshot holds the same.
//
// Versions count only from versions_since(): the index of the first StartVersionsOp
// applied (atlas/command.h; 0 until then). Before it, replicas may hold different versions
// for the same key (one restored from a snapshot of a release before WATCH holds none, one
// that applied the log holds real ones), so a WatchOp guards nothing: it skips its ops on
// every replica alike; snapshots then carry no versions (formats 1 and 2, which that
// release reads). From it on, a key's version is the larger of what the item holds and
// versions_since(), the same on every replica, and snapshots carry both (format 4).
//
// Not thread-safe: the node's Ready-loop thread owns it (architecture.md "Node runtime"). Not
// copyable (a copy's deadline index would point into the original); serialize and
// deserialize to duplicate one.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "atlas/command.h"
#include "atlas/digest.h"
#include "atlas/key_table.h"
#include "atlas/object.h"
#include "atlas/reply.h"
#include "base/arrival.h"
#include "base/status.h"

namespace helios::atlas {

// Applies an AclOp to the ACL table (opaque bytes; "" when the store holds none yet): on
// success updates `table` and returns the reply (OK, a count); on failure returns an error
// reply and leaves `table` unchanged. Must be a pure function of its arguments (every
// replica calls it with the same ones). Installed once per process (set_acl_applier) by
// the layer that knows ACL rules (src/api/).
using AclApplier = Reply (*)(std::string& table, const AclOp& op);
void set_acl_applier(AclApplier applier);

// A key whose deadline has passed, for the leader's active expiry.
struct ExpiredKey {
  std::string key;
  std::uint64_t deadline_ms = 0;
  bool operator==(const ExpiredKey&) const = default;
};

// One page of Store::scan.
struct ScanPage {
  std::uint64_t next_cursor = 0;  // 0: the iteration is over
  std::vector<std::string> keys;  // in scan order: (scan_hash(key), key)
  bool operator==(const ScanPage&) const = default;
};

// The position of `key` in SCAN order: base::checksum64 (XXH3-64) of the key with a fixed
// seed. Part of the SCAN cursor contract: changing it invalidates cursors handed out before.
std::uint64_t scan_hash(std::string_view key);

class Store {
 public:
  using ScanPage = atlas::ScanPage;

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  ~Store() = default;

  // Applies every op of `command`, in order, at time command.stamp_ms, and returns one Reply
  // per op (same size and order as command.ops). `command` must be valid: decode_command
  // validated it (not checked again here). Taken by value so that a decoded command's values
  // move into the store instead of being copied. `index` (the entry's log index) becomes the
  // version of every key the command changes; it must exceed applied_index() (asserted).
  // A WatchOp whose keys changed skips the ops it guards: they and the guard reply nil.
  std::vector<Reply> apply(Command command, std::uint64_t index);
  // The same at index applied_index() + 1 (tests and tools that have no log).
  std::vector<Reply> apply(Command command);
  // The index of the last command applied (the largest key version held after a restore).
  std::uint64_t applied_index() const { return applied_index_; }
  // The index from which key versions count (class comment); 0 while they do not.
  std::uint64_t versions_since() const { return versions_since_; }
  // The version of `key` (see the class comment): 0 if it is absent or expired at `now_ms`.
  // Otherwise the larger of the item's version and versions_since() (at least
  // kVersionUnknown). WATCH records it; a WatchOp compares it at the stamp (and skips its
  // ops while versions_since() is 0).
  std::uint64_t key_version(std::string_view key, std::uint64_t now_ms) const;

  // The value of `key`, or nullopt if it is absent, expired at `now_ms` or not a string. The
  // view is valid until the next apply or move.
  std::optional<std::string_view> get(std::string_view key, std::uint64_t now_ms) const;
  // Redis PTTL: -2 if `key` is absent or expired at `now_ms`, -1 if it has no deadline,
  // else the milliseconds left (deadline_ms - now_ms, at least 1).
  std::int64_t ttl_ms(std::string_view key, std::uint64_t now_ms) const;
  // Redis PEXPIRETIME: -2 if `key` is absent or expired at `now_ms`, -1 if it has no
  // deadline, else the deadline (unix ms; INT64_MAX for a deadline beyond it).
  std::int64_t expire_time_ms(std::string_view key, std::uint64_t now_ms) const;
  bool exists(std::string_view key, std::uint64_t now_ms) const;
  // The number of keys not expired at `now_ms` (DBSIZE). O(number of expired keys not yet
  // removed), which active expiry keeps small.
  std::uint64_t size(std::uint64_t now_ms) const;

  // The reply `op` gives at `now_ms` (atlas/command.h, ReadOp): for the reads the serving
  // node answers itself, at its clock. apply evaluates a ReadOp with this very function, at
  // the stamp. Never changes the store; an unknown kind is asserted.
  Reply read(const ReadOp& op, std::uint64_t now_ms) const;
  // The same for any read op: a ReadOp, or an ObjOp of a read row (atlas/objects.h).
  Reply read(const Op& op, std::uint64_t now_ms) const;
  // True if `op` only reads (a ReadOp, or an ObjOp of a read row).
  static bool is_read(const Op& op);
  // RANDOMKEY: a key visible at `now_ms`, drawn from `seed` (random slots of the table until
  // one holds a key, so uniform over the items), or nullopt when none is. O(1) expected
  // while most keys are live; a walk of the items after 100 draws that found only expired
  // keys (or 1,600 that found only empty slots: a table emptied by deletes keeps its slots).
  std::optional<std::string> random_key(std::uint64_t seed, std::uint64_t now_ms) const;
  // The type of `key` at `now_ms`, or nullopt if it is absent.
  std::optional<ObjectType> type_of(std::string_view key, std::uint64_t now_ms) const;

  // KEYS pattern: the keys visible at `now_ms` that match the glob `pattern` (atlas/glob.h;
  // "*" matches every key, the empty one too, as in Redis), sorted bytewise; only the
  // `limit` smallest of them if there are more (ask for limit + 1 to learn that there are).
  // Every node returns the same list for the same state: no hash order decides which keys
  // are cut. O(n log limit) plus the pattern matching, n = item_count(); memory O(limit). A
  // pattern without special bytes is a single lookup.
  std::vector<std::string> keys(std::string_view pattern, std::uint64_t now_ms,
                                std::size_t limit) const;

  // SCAN cursor [MATCH pattern] [COUNT count]. Keys are ordered by (scan_hash(key), key).
  // A page takes the keys visible at `now_ms` whose hash is at least `cursor`: the `count`
  // smallest hashes, plus every other key sharing the largest hash taken (so none is
  // skipped), then keeps those that match `pattern` ("*" for no MATCH; filtered after
  // selection, as in Redis, so a page may hold fewer than `count` keys, even none, while the
  // iteration goes on). next_cursor is the largest hash taken + 1, or 0 when no visible key
  // lies beyond it. Cursor 0 starts; count 0 counts as 1.
  //
  // Guarantees, for any mix of nodes serving the pages (the order is the same everywhere):
  // a matching key visible for the whole iteration is returned at least once (exactly once:
  // successive pages cover disjoint hash ranges, so no key is ever returned twice); keys
  // added or removed meanwhile may or may not be; inserts and deletes of other keys do not
  // move the cursor. A page costs O(n log count) time, n = item_count() (two passes over
  // the items, hashing each key twice), and O(count) memory. COUNT is a hint (as in Redis,
  // which may return more): a page takes at least n / kScanPagesAtMost keys, so that a whole
  // iteration takes about kScanPagesAtMost pages and O(n) time however small COUNT is
  // (with COUNT 10 alone it would take n / 10 pages, O(n^2)).
  static constexpr std::size_t kScanPagesAtMost = 64;
  ScanPage scan(std::uint64_t cursor, std::string_view pattern, std::size_t count,
                std::uint64_t now_ms) const;

  // Up to `limit` keys whose deadline is at or before `now_ms`, smallest deadline first, ties
  // by key: the leader proposes DELETE_IF_EXPIRED(key, deadline_ms) for each. O(log n +
  // limit); the same state and arguments give the same list on every node.
  std::vector<ExpiredKey> expired_keys(std::uint64_t now_ms, std::size_t limit) const;

  // Every item, expired or not, in the format of atlas/snapshot.h (sorted keys, absolute
  // deadlines): the same state gives the same bytes on every node. Before versions_since()
  // is set, without the key versions (format 1 or 2, which a release before WATCH reads);
  // from then on with them and versions_since() (format 4).
  std::string serialize() const;
  // The store `bytes` describes, or the error of decode_snapshot (kCorruption for damage,
  // kInvalidArgument for a newer format). Formats 1 and 2 carry no versions (the keys hold
  // 0, reported as kVersionUnknown); format 3 (written before versions_since existed) keeps
  // its versions but not versions_since(): they count once a StartVersionsOp is applied.
  static constexpr std::uint64_t kVersionUnknown = 1;
  // PLANTED BUG for the simulator only (`snapshot-drops-versions`): deserialize gives every
  // key version 0 (read as versions_since()), as if the snapshot carried none, so a replica
  // restored from a snapshot decides a WatchOp otherwise than the others. Process-wide.
  static void plant_snapshot_drops_versions(bool on);
  // PLANTED BUG for the simulator only (`versions-unestablished`): WatchOps compare the
  // versions the items hold whether or not versions_since() is set (as before it existed),
  // so a replica restored from a snapshot without versions decides otherwise than one that
  // applied the log. Process-wide.
  static void plant_versions_unestablished(bool on);
  // Decodes a serialize()d store; with an `arrival`, as its bytes arrive
  // (decode_snapshot_into).
  static Result<Store> deserialize(std::string_view bytes, base::Arrival* arrival = nullptr);

  // DEBUG DIGEST: the digest of every item held (atlas/digest.h), expired ones included,
  // since it describes the applied state as serialize() does, as 40 lowercase hex digits;
  // 40 zeros when no item is held. Stores holding the same items give the same digest,
  // whatever histories brought them there; any difference in a key, a value or a deadline
  // changes it (with overwhelming probability). An object's value is digested as
  // value_digest(key, "\0HOBJ" type encode_object(object)). O(1) when every value is a
  // string (kept up to date by every change), else a walk of the object items.
  std::string digest_hex() const;
  // DEBUG DIGEST-VALUE: the item_digest of the item held under `key`, expired or not (its
  // share of digest_hex()); 40 zeros if there is none. O(|key| + |value|).
  std::string item_digest_hex(std::string_view key) const;

  // The ACL users (an encoded table; "" when no ACL change was ever applied: then each
  // node enforces its own bootstrap users) and a counter that changes with it, so readers
  // can cache what they decode. Carried by snapshots beside the items (node/atlas_machine).
  const std::string& acl_table() const { return acl_table_; }
  std::uint64_t acl_version() const { return acl_version_; }
  void set_acl_table(std::string table);

  // Items held, counting expired ones that no operation has removed yet.
  std::size_t item_count() const { return items_.size(); }
  // Items with a deadline, counted the same way (INFO keyspace's "expires").
  std::size_t deadline_count() const { return deadlines_.size(); }
  // Items holding a hash, list, set or sorted set.
  std::size_t object_count() const { return object_count_; }

  // Asserts the invariants of the class comment (recomputing the digest from every item).
  // O(n log n + bytes held); for tests and the simulator.
  void check_invariants() const;

 private:
  friend class ObjectWriter;
  friend class ObjectReader;

  // 56 bytes: the value inline (a string, or an Object: 24 bytes, atlas/object.h), the
  // deadline (read by every lookup, so held here as well as in deadlines_) and the version.
  struct Item {
    std::variant<std::string, Object> data;  // a string's value, or any other type's
    std::uint64_t deadline_ms = 0;           // absolute unix ms; 0 = no deadline
    std::uint64_t version = 0;               // the key version (class comment)

    // The object of a hash, list, set or sorted set; nullptr for a string.
    Object* object() { return std::get_if<Object>(&data); }
    const Object* object() const { return std::get_if<Object>(&data); }
    // A string's value (the item must hold a string: asserted by std::get).
    std::string& value() { return std::get<std::string>(data); }
    const std::string& value() const { return std::get<std::string>(data); }
  };
  // Transparent hashing, so that lookups by std::string_view do not build a std::string.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  using Items = KeyTable<Item, KeyHash>;
  // (deadline_ms, key), the key a view into items_.
  using Deadlines = std::set<std::pair<std::uint64_t, std::string_view>>;

  Reply apply_op(SetOp& op, std::uint64_t stamp_ms);
  Reply apply_op(DelOp& op, std::uint64_t stamp_ms);
  Reply apply_op(ExpireOp& op, std::uint64_t stamp_ms);
  Reply apply_op(PersistOp& op, std::uint64_t stamp_ms);
  Reply apply_op(IncrByOp& op, std::uint64_t stamp_ms);
  Reply apply_op(DeleteIfExpiredOp& op, std::uint64_t stamp_ms);
  Reply apply_op(ReadOp& op, std::uint64_t stamp_ms);
  Reply apply_op(AppendOp& op, std::uint64_t stamp_ms);
  Reply apply_op(SetRangeOp& op, std::uint64_t stamp_ms);
  Reply apply_op(IncrByFloatOp& op, std::uint64_t stamp_ms);
  Reply apply_op(RenameOp& op, std::uint64_t stamp_ms);
  Reply apply_op(FlushOp& op, std::uint64_t stamp_ms);
  Reply apply_op(AclOp& op, std::uint64_t stamp_ms);
  Reply apply_op(MSetNxOp& op, std::uint64_t stamp_ms);
  Reply apply_op(ObjOp& op, std::uint64_t stamp_ms);
  Reply apply_op(WatchOp& op, std::uint64_t stamp_ms);
  Reply apply_op(StartVersionsOp& op, std::uint64_t stamp_ms);
  // After an object write replied `reply`: sets the version of the keys it changed
  // (store_versions.cc, Redis's signalModifiedKey calls).
  void touch_object_keys(const ObjOp& op, const Reply& reply);
  // Marks the item changed by the command being applied.
  void touch(Items::iterator it) { it->second.version = applied_index_; }

  // The one definition of "expired at t", used by apply (t = stamp) and reads (t = now).
  static bool expired_at(std::uint64_t deadline_ms, std::uint64_t t_ms) {
    return deadline_ms != 0 && deadline_ms <= t_ms;
  }
  // The item of `key` if it is live at `stamp_ms`; an expired item is erased (the touch
  // rule) and end() returned.
  Items::iterator find_live(std::string_view key, std::uint64_t stamp_ms);
  // The item of `key` if it is live at `now_ms` (reads: never erases).
  const Item* find_visible(std::string_view key, std::uint64_t now_ms) const;
  // Every change of an item goes through these five, which keep deadlines_ and digest_ in
  // step.
  // Inserts a new item (the key must be absent).
  Items::iterator insert(std::string key, std::string value, std::uint64_t deadline_ms);
  // Inserts a new item holding `object` (the key must be absent; the object may be empty
  // only while the command that creates it runs: atlas/objects.h).
  Items::iterator insert_object(std::string key, Object object, std::uint64_t deadline_ms);
  // Erases an item and its deadlines_ entry; returns its value (a string's; an object's is
  // dropped: take it out first to keep it).
  std::string erase(Items::iterator it);
  // Replaces an item's value (its deadline stays); returns the old value.
  std::string replace_value(Items::iterator it, std::string value);
  // Changes an item's value in place: edit(std::string& value), which must leave it within
  // kMaxValueBytes.
  template <typename Edit>
  void edit_value(Items::iterator it, Edit&& edit);
  // Changes an item's deadline.
  void set_deadline(Items::iterator it, std::uint64_t deadline_ms);
  // set_deadline without digest_: the item's deadline and its deadlines_ entry.
  void index_deadline(Items::iterator it, std::uint64_t deadline_ms);

  Items items_;
  Deadlines deadlines_;
  Digest digest_;  // see the invariants
  std::size_t object_count_ = 0;
  std::string acl_table_;
  std::uint64_t acl_version_ = 0;
  std::uint64_t applied_index_ = 0;   // the command being (or last) applied: versions
  std::uint64_t versions_since_ = 0;  // see the class comment
};

}  // namespace helios::atlas
