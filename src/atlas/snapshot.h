#pragma once
// The ATLAS snapshot format: the whole store as one byte string (Store::serialize and
// Store::deserialize use this codec). storage/ wraps it in a snapshot file with its own
// header and checksum; this format checks itself too, because it also travels between
// nodes (InstallSnapshot) and must be refused whole if any byte is wrong.
//
// Layout (integers little-endian), format 4:
//
//     0  magic "HATLASSN"                                    8 bytes
//     8  version (= kSnapshotVersion)                        u32
//    12  item count n                                        u64
//    20  applied index (Store::applied_index: no key version above it)   u64
//    28  versions since (Store::versions_since: 1..applied index; no key version below it)
//                                                            u64
//    36  n items, keys strictly ascending (bytewise, as std::string_view compares):
//          key length k (<= kMaxKeyBytes)                    u32
//          type (ObjectType: 0 string, 1 hash, 2 list, 3 set, 4 zset)   u8
//          value length v (a string: <= kMaxValueBytes)      u64
//          deadline_ms (absolute unix ms; 0 = none)          u64
//          key version (Store::key_version: the log index of the entry that last
//            changed the key, or versions since; WATCH compares it)   u64
//          key                                               k bytes
//          value: a string's bytes, or encode_object's (atlas/object.h)   v bytes
//        XXH3-64 (seed kSnapshotChecksumSeed) of every byte before it   u64
//
// Format 3 is format 4 without "versions since" (written before key versions needed a
// start; read, its versions kept but not counted: Store::deserialize). Format 2 is format 3
// without the applied index and the key versions; format 1 (strings only: items of key
// length u32, value length u32, deadline u64, key, value) has no type either. Formats 1, 2
// and 3 are read (the applied index and the versions of 1 and 2 read as 0). A store whose
// versions have not started is written as format 2, or format 1 when every item is a
// string, so that an older release can follow a cluster whose state needs nothing newer;
// one whose versions have started, as format 4.
//
// Deterministic: the same items give the same bytes on every replica (sorted keys, absolute
// deadlines, no padding, no hash order). Deadlines are carried as they are, even ones
// already in the past: a snapshot is the applied state, and keys that apply has not yet
// removed still count as absent at any later stamp or read.
//
// Decoding is strict: a short input, a wrong magic, a checksum mismatch, a length beyond a
// limit or beyond the input, keys out of order or repeated, or bytes between the last item
// and the checksum are kCorruption; an unknown version is kInvalidArgument (a newer build
// wrote it). Nothing in the input can make decode assert or allocate beyond its size.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "atlas/object.h"
#include "base/arrival.h"
#include "base/status.h"

namespace helios::atlas {

inline constexpr char kSnapshotMagic[8] = {'H', 'A', 'T', 'L', 'A', 'S', 'S', 'N'};
inline constexpr std::uint32_t kSnapshotVersion = 4;
inline constexpr std::uint32_t kSnapshotVersionKeyVersions = 3;
inline constexpr std::uint32_t kSnapshotVersionTypes = 2;
inline constexpr std::uint32_t kSnapshotVersionStrings = 1;
inline constexpr std::uint64_t kSnapshotChecksumSeed = 0x41544c4153534e31;  // "ATLASSN1"
inline constexpr std::size_t kSnapshotHeaderBytes = 8 + 4 + 8;
inline constexpr std::size_t kSnapshotHeaderBytesV3 = kSnapshotHeaderBytes + 8;
inline constexpr std::size_t kSnapshotHeaderBytesV4 = kSnapshotHeaderBytesV3 + 8;
inline constexpr std::size_t kSnapshotItemHeaderBytes = 4 + 1 + 8 + 8 + 8;
inline constexpr std::size_t kSnapshotItemHeaderBytesV2 = 4 + 1 + 8 + 8;
inline constexpr std::size_t kSnapshotItemHeaderBytesV1 = 4 + 4 + 8;
inline constexpr std::size_t kSnapshotTrailerBytes = 8;
static_assert(kSnapshotHeaderBytes == sizeof(kSnapshotMagic) + 4 + 8);

// One item to encode; the views must outlive the call.
struct SnapshotItemView {
  std::string_view key;
  std::string_view value;  // a string's value, or an object's encoding
  std::uint64_t deadline_ms = 0;
  ObjectType type = ObjectType::kString;
  std::uint64_t version = 0;  // the key version (ignored unless versions_since is set)
};

// One decoded item.
struct SnapshotItem {
  std::string key;
  std::string value;
  std::uint64_t deadline_ms = 0;
  ObjectType type = ObjectType::kString;
  std::uint64_t version = 0;  // 0 when the format carries none (1 and 2)
  bool operator==(const SnapshotItem&) const = default;
};

// Encodes `items`, which must be sorted by key with no key repeated and within the key and
// value limits. With `versions_since` nonzero, as format 4: it must be at most
// `applied_index` and every item's version between the two (asserted: the store guarantees
// it). With 0, as format 2 (or 1 when every item is a string), the versions left out.
std::string encode_snapshot(const std::vector<SnapshotItemView>& items,
                            std::uint64_t applied_index = 0, std::uint64_t versions_since = 0);

// Receives the items of a snapshot as decode_snapshot_into() verifies them.
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  // Called once, before any add(), with the item count (already checked to fit the input).
  virtual void reserve(std::uint64_t count) = 0;
  // Called once, before any add(), with the applied index (0 from formats 1 and 2) and
  // versions since (0 from formats 1 to 3).
  virtual void header(std::uint64_t /*applied_index*/, std::uint64_t /*versions_since*/) {}
  // One item, in strictly ascending key order; the views die when add() returns. `value` is
  // a string's bytes or (another type) the object's encoding, not yet decoded; `version`
  // the key version (0 from formats 1 and 2).
  virtual void add(std::string_view key, std::string_view value, std::uint64_t deadline_ms,
                   ObjectType type, std::uint64_t version) = 0;
};

// Verifies a snapshot and hands its items to `sink` without copying them first (a snapshot
// can hold millions). The checksum is verified before any add(), but a later error (an item
// out of order, say: a producer bug or a crafted input) comes after some add()s: on an error
// the caller must throw away what the sink built. See the file comment for the errors.
//
// With an `arrival`, `bytes` is still arriving (base/arrival.h): each item is decoded as
// soon as its bytes are in, and the checksum is verified when the last byte is, so every
// add() may precede a checksum mismatch. An abandoned arrival is kAborted.
Status decode_snapshot_into(std::string_view bytes, SnapshotSink& sink,
                            base::Arrival* arrival = nullptr);

// Decodes and verifies a snapshot into a vector (tests and tools; see decode_snapshot_into).
Result<std::vector<SnapshotItem>> decode_snapshot(std::string_view bytes);

}  // namespace helios::atlas
