#pragma once
// The SCAN page algorithm (Store::scan documents the contract), over any key set and any
// hash, so that tests can drive it with a hash of their choosing (hash ties, 0, UINT64_MAX)
// and Store::scan with its items and scan_hash.
//
//   for_each_key(f): calls f(std::string_view key) once per key of the set (visible keys);
//                    the views must stay valid until scan_page returns. Called twice.
//   hash(key):       the key's position, a std::uint64_t; the same key, the same hash.
//
// Keys are taken in (hash, key) order from the first hash >= cursor: the `count` smallest
// hashes (count 0 counts as 1), plus every other key sharing the largest hash taken; then
// only the keys matching `pattern` are kept ("*" keeps all, the empty key too, as Redis's
// SCAN). next_cursor = largest hash taken + 1, or 0 if no key has a larger hash.
// O(n log count) time, O(count) memory (more only if many keys share the largest hash).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "atlas/glob.h"
#include "atlas/store.h"
#include "base/assert.h"

namespace helios::atlas {

template <typename ForEachKey, typename Hash>
ScanPage scan_page(const ForEachKey& for_each_key, const Hash& hash, std::uint64_t cursor,
                   std::string_view pattern, std::size_t count) {
  count = std::max<std::size_t>(count, 1);
  // Pass 1: the `count` smallest hashes at or above the cursor (a max-heap, repeats kept),
  // so that its top is the largest hash this page takes.
  std::vector<std::uint64_t> heap;
  for_each_key([&](std::string_view key) {
    const std::uint64_t h = hash(key);
    if (h < cursor) {
      return;
    }
    if (heap.size() < count) {
      heap.push_back(h);
      std::push_heap(heap.begin(), heap.end());
    } else if (h < heap.front()) {
      std::pop_heap(heap.begin(), heap.end());
      heap.back() = h;
      std::push_heap(heap.begin(), heap.end());
    }
  });
  if (heap.empty()) {
    return ScanPage{};  // nothing at or above the cursor: the iteration is over
  }
  const std::uint64_t last = heap.front();
  // Pass 2: every key with a hash in [cursor, last], ties at `last` included, and whether
  // any key lies beyond `last` (then the iteration goes on at last + 1, which cannot wrap:
  // no hash exceeds UINT64_MAX, so nothing lies beyond it).
  std::vector<std::pair<std::uint64_t, std::string_view>> taken;
  taken.reserve(heap.size());
  bool more = false;
  for_each_key([&](std::string_view key) {
    const std::uint64_t h = hash(key);
    if (h > last) {
      more = true;
    } else if (h >= cursor) {
      taken.emplace_back(h, key);
    }
  });
  HELIOS_ASSERT(taken.size() >= heap.size());
  std::sort(taken.begin(), taken.end());
  ScanPage page;
  page.next_cursor = more ? last + 1 : 0;
  const Glob glob(pattern);
  const bool everything = pattern == "*";
  for (const auto& [h, key] : taken) {
    if (everything || glob.matches(key)) {
      page.keys.emplace_back(key);
    }
  }
  return page;
}

}  // namespace helios::atlas
