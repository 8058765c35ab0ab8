#pragma once
// Object: the value of a key that is not a string: a hash, a list, a set or a sorted set
// (Redis's data types). Store keeps a string value inline and any other type as an Object
// (store.h); the object commands (atlas/objects.h) read and change them.
//
// Rules every Object obeys (Store::check_invariants asserts them):
//   - never empty: a command that removes the last element removes the key, as Redis does;
//   - at most kMaxMembers elements, each field, value or member at most kMaxValueBytes;
//   - a sorted set's scores are never NaN;
//   - a compact hash, set or sorted set keeps its representation's limits (check_invariants
//     of HashObject, SetObject, ZSetObject).
//
// encode_object is the canonical encoding, used by snapshots (atlas/snapshot.h, format 2)
// and by the digest: the same contents give the same bytes on every replica, whatever the
// hash tables' order (hash fields and set members are sorted bytewise; a list in its order;
// a sorted set in its order, by score then member). Integers little-endian:
//
//   object  := count:u64 (1..kMaxMembers) element{count}
//   element := hash: field value | list, set: member | zset: member score:u64 (IEEE bits)
//   field, value, member := length:u32 (<= kMaxValueBytes) bytes
//
// decode_object is strict: a count of 0 or beyond the limit or the input, a length beyond a
// limit or the input, hash fields or set members not strictly ascending, sorted-set members
// repeated, a NaN score, or bytes after the last element are kCorruption.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "atlas/hash_object.h"
#include "atlas/list_object.h"
#include "atlas/set_object.h"
#include "atlas/zset_object.h"
#include "base/status.h"

namespace helios::atlas {

// Elements of one collection (Redis has no limit; one Helios key is applied, snapshotted and
// digested as a unit, so it is bounded): 16,777,216.
inline constexpr std::size_t kMaxMembers = 1u << 24;

// The type of a key's value, as TYPE names it. The numbers are part of the snapshot format.
enum class ObjectType : std::uint8_t { kString = 0, kHash = 1, kList = 2, kSet = 3, kZSet = 4 };
inline constexpr std::uint8_t kMaxObjectType = 4;

// "string", "hash", "list", "set", "zset".
std::string_view type_name(ObjectType type);

// Memory: an Object is held inline in the store's item (store.h), so it is small: every
// alternative is a pointer-sized handle plus its own tag (16 bytes at most: a compact
// Listpack or IntSet, or a box around the big representation; a list is one pointer to its
// nodes), 24 bytes in all (asserted below).
struct Object {
  // Alternatives in ObjectType order (index + 1 == type).
  std::variant<HashObject, ListObject, SetObject, ZSetObject> data;

  ObjectType type() const { return static_cast<ObjectType>(data.index() + 1); }
  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // OBJECT ENCODING: how this build holds it, in Redis 7.0's names: hash "listpack" or
  // "hashtable", list "quicklist", set "intset", "listpack" (7.0: "hashtable") or
  // "hashtable", sorted set "listpack" or "skiplist" (hash_object.h, set_object.h,
  // zset_object.h).
  std::string_view encoding() const;

  template <typename T>
  T& as() {
    return std::get<T>(data);
  }
  template <typename T>
  const T& as() const {
    return std::get<T>(data);
  }
};
static_assert(sizeof(Object) <= 24, "Object is held inline in every item: keep it small");

// A new, empty object of `type` (not kString).
Object make_object(ObjectType type);
// A deep copy (COPY, and sorted sets are not copyable by accident).
Object clone_object(const Object& object);

// The canonical encoding (file comment). O(n log n) for hashes and sets (sorted first).
std::string encode_object(const Object& object);
// Decodes what encode_object wrote for an object of `type` (not kString); see the file
// comment for the errors.
Result<Object> decode_object(ObjectType type, std::string_view bytes);

// Asserts the rules of the file comment (and the sorted set's own invariants).
void check_object(const Object& object);

}  // namespace helios::atlas
