#pragma once
// Digest: an order-independent 160-bit fingerprint of a set of items (key, value,
// deadline_ms), for Redis's DEBUG DIGEST and DEBUG DIGEST-VALUE. Store keeps the digest of
// all its items up to date on every change (store.h); two replicas with equal digests hold
// the same items, with overwhelming probability, whatever histories brought them there.
//
// Contract (a format: changing any of it changes every digest ever printed):
//   - An item's digest is value_digest(key, value) ^ deadline_digest(key, deadline_ms), a
//     fixed function of the three fields alone: the same on every node, build and
//     architecture (XXH3-128 with fixed seeds; integers little-endian; hashes in XXH3's
//     canonical big-endian byte order).
//   - Unambiguous: the key and the value are hashed apart, with different seeds, so no bytes
//     can move between them; the deadline is a fixed 8 bytes; the two halves are tagged
//     apart. deadline_digest(key, 0) is all zeros: an item without a deadline costs one half.
//   - Split in two halves so that a change costs only the bytes it involves: a deadline
//     change rehashes the key, not the value (EXPIRE on a large value stays cheap); a value
//     change rehashes the key and the old and new values.
//   - Each half is 160 bits: the 128 bits of XXH3-128 of the half's fixed-width encoding
//     with one seed, then the first 32 bits of XXH3-128 of the same bytes with another seed.
//   - A set's digest is the XOR of its items' digests: independent of order; the empty set's
//     is all zeros (Redis answers 40 zeros for an empty dataset); adding or removing an item,
//     or one half of it, is one XOR.
//   - Not cryptographic: it catches accidents (a replica that applied differently, a bug),
//     not an adversary who chooses keys and values to make two states collide.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace helios::atlas {

struct Digest {
  static constexpr std::size_t kBytes = 20;  // 160 bits

  std::array<std::uint8_t, kBytes> bytes{};  // all zeros: the empty set

  Digest& operator^=(const Digest& other) {
    for (std::size_t i = 0; i < kBytes; ++i) {
      bytes[i] ^= other.bytes[i];
    }
    return *this;
  }
  friend Digest operator^(Digest a, const Digest& b) { return a ^= b; }
  bool operator==(const Digest&) const = default;

  // 40 lowercase hex digits, bytes[0] first (DEBUG DIGEST's answer).
  std::string hex() const;
};

// The digest of the item (key, value, deadline_ms): the XOR of the two halves below.
// O(|key| + |value|).
Digest item_digest(std::string_view key, std::string_view value, std::uint64_t deadline_ms);
// The half that depends on the value. O(|key| + |value|).
Digest value_digest(std::string_view key, std::string_view value);
// The half that depends on the deadline; all zeros for 0 (no deadline). O(|key|).
Digest deadline_digest(std::string_view key, std::uint64_t deadline_ms);

}  // namespace helios::atlas
