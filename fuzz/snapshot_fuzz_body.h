#pragma once
// The check of an ATLAS store snapshot decode, shared by atlas_fuzz (fuzz/atlas_fuzz.cc) and
// tests/unit/atlas/snapshot_test.cc (seeded mutations in every CI run). Store::deserialize
// checks only O(1) invariants itself (its inserts keep the rest), so this is where a decoded
// store is held to all of them.
//
// `bytes` gets a valid checksum (so that mutations reach the structural checks); whatever
// it holds, deserialize must not crash; a store that decodes must satisfy
// check_invariants(), and its serialization must decode to a store that serializes to the
// same bytes (older formats are rewritten in the current one once, then stay put). The
// same bytes decoded as an arriving stream (base::ArrivingBytes, every byte in) must agree:
// both refuse, or both give the same store.

#include <string>
#include <string_view>

#include "atlas/snapshot.h"
#include "atlas/store.h"
#include "base/arrival.h"
#include "base/assert.h"
#include "base/bytes.h"
#include "base/checksum.h"

namespace helios::atlas::fuzz {

// Returns true if the sealed input decoded.
inline bool snapshot_fuzz_one(std::string_view bytes) {
  std::string sealed(bytes);
  base::put_u64(sealed, base::checksum64(sealed, kSnapshotChecksumSeed));
  Result<Store> store = Store::deserialize(sealed);
  base::ArrivingBytes arriving(sealed.size());
  arriving.append(sealed);
  Result<Store> streamed = Store::deserialize(arriving.whole(), &arriving);
  HELIOS_ASSERT(streamed.is_ok() == store.is_ok());
  if (!store.is_ok()) {
    HELIOS_ASSERT(streamed.status().code() == store.status().code());
    return false;
  }
  HELIOS_ASSERT(streamed.value().serialize() == store.value().serialize());
  store.value().check_invariants();
  const std::string once = store.value().serialize();
  Result<Store> again = Store::deserialize(once);
  HELIOS_ASSERT(again.is_ok());
  again.value().check_invariants();
  HELIOS_ASSERT(again.value().serialize() == once);
  HELIOS_ASSERT(again.value().digest_hex() == store.value().digest_hex());
  return true;
}

}  // namespace helios::atlas::fuzz
