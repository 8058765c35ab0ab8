#include "atlas/digest.h"

#include <xxhash.h>

#include <cstring>

namespace helios::atlas {

namespace {

// Fixed forever: they are part of the definition of every digest (digest.h).
constexpr XXH64_hash_t kKeySeed = 0x4b45595f44494731;       // "KEY_DIG1"
constexpr XXH64_hash_t kValueSeed = 0x56414c5f44494731;     // "VAL_DIG1"
constexpr XXH64_hash_t kHalfSeedHigh = 0x48414c465f484931;  // "HALF_HI1"
constexpr XXH64_hash_t kHalfSeedLow = 0x48414c465f4c4f31;   // "HALF_LO1"
// The first byte of each half's encoding, so that the halves never share an input.
constexpr std::uint8_t kValueTag = 'V';
constexpr std::uint8_t kDeadlineTag = 'D';

constexpr std::size_t kHashBytes = sizeof(XXH128_canonical_t);  // 16
static_assert(kHashBytes == 16);
static_assert(Digest::kBytes == kHashBytes + 4);

// XXH3-128 of `data` with `seed`, in canonical (big-endian) byte order, appended at `out`.
std::uint8_t* put_hash(std::uint8_t* out, std::string_view data, XXH64_hash_t seed) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_withSeed(data.data(), data.size(), seed));
  std::memcpy(out, canonical.digest, kHashBytes);
  return out + kHashBytes;
}

// A half's 160 bits from its fixed-width encoding.
Digest expand(const std::uint8_t* encoding, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(encoding), size);
  std::uint8_t low[kHashBytes];
  Digest d;
  put_hash(d.bytes.data(), bytes, kHalfSeedHigh);
  put_hash(low, bytes, kHalfSeedLow);
  std::memcpy(d.bytes.data() + kHashBytes, low, Digest::kBytes - kHashBytes);
  return d;
}

}  // namespace

std::string Digest::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * kBytes);
  for (const std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

Digest value_digest(std::string_view key, std::string_view value) {
  // tag | XXH3-128(key) | XXH3-128(value)
  std::uint8_t encoding[1 + 2 * kHashBytes];
  encoding[0] = kValueTag;
  std::uint8_t* at = put_hash(encoding + 1, key, kKeySeed);
  at = put_hash(at, value, kValueSeed);
  return expand(encoding, static_cast<std::size_t>(at - encoding));
}

Digest deadline_digest(std::string_view key, std::uint64_t deadline_ms) {
  if (deadline_ms == 0) {
    return Digest{};
  }
  // tag | XXH3-128(key) | deadline_ms as u64 little-endian
  std::uint8_t encoding[1 + kHashBytes + 8];
  encoding[0] = kDeadlineTag;
  std::uint8_t* at = put_hash(encoding + 1, key, kKeySeed);
  for (int i = 0; i < 8; ++i) {
    *at++ = static_cast<std::uint8_t>(deadline_ms >> (8 * i));
  }
  return expand(encoding, static_cast<std::size_t>(at - encoding));
}

Digest item_digest(std::string_view key, std::string_view value, std::uint64_t deadline_ms) {
  return value_digest(key, value) ^ deadline_digest(key, deadline_ms);
}

}  // namespace helios::atlas
