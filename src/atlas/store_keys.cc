// Store's listing reads: keys (KEYS), scan (SCAN), random_key (RANDOMKEY), and the SCAN
// order (scan_hash).
#include <algorithm>
#include <utility>

#include "atlas/glob.h"
#include "atlas/scan.h"
#include "atlas/store.h"
#include "base/assert.h"
#include "base/checksum.h"
#include "base/prng.h"

namespace helios::atlas {

namespace {

// Fixed forever (see scan_hash): "SCAN" in ASCII.
constexpr std::uint64_t kScanHashSeed = 0x5343414e;

}  // namespace

std::uint64_t scan_hash(std::string_view key) {
  return base::checksum64(key, kScanHashSeed);
}

std::vector<std::string> Store::keys(std::string_view pattern, std::uint64_t now_ms,
                                     std::size_t limit) const {
  if (limit == 0) {
    return {};
  }
  if (Glob::is_literal(pattern)) {
    if (find_visible(pattern, now_ms) == nullptr) {
      return {};
    }
    return {std::string(pattern)};
  }
  const Glob glob(pattern);
  const bool everything = pattern == "*";  // Redis's KEYS * lists the empty key too
  // A max-heap of the `limit` smallest matching keys seen so far.
  std::vector<std::string_view> heap;
  heap.reserve(std::min(limit, items_.size()));
  for (const auto& [key, item] : items_) {
    if (expired_at(item.deadline_ms, now_ms)) {
      continue;
    }
    const std::string_view k = key;
    const bool full = heap.size() == limit;
    if (full && k >= heap.front()) {
      continue;  // cannot be among the smallest: skip the matching
    }
    if (!everything && !glob.matches(k)) {
      continue;
    }
    if (full) {
      std::pop_heap(heap.begin(), heap.end());
      heap.back() = k;
    } else {
      heap.push_back(k);
    }
    std::push_heap(heap.begin(), heap.end());
  }
  std::sort_heap(heap.begin(), heap.end());
  HELIOS_ASSERT(heap.size() <= limit);
  return std::vector<std::string>(heap.begin(), heap.end());
}

ScanPage Store::scan(std::uint64_t cursor, std::string_view pattern, std::size_t count,
                     std::uint64_t now_ms) const {
  const auto for_each_visible = [&](const auto& visit) {
    for (const auto& [key, item] : items_) {
      if (!expired_at(item.deadline_ms, now_ms)) {
        visit(std::string_view(key));
      }
    }
  };
  return scan_page(for_each_visible, scan_hash, cursor, pattern,
                   std::max(count, items_.size() / kScanPagesAtMost));
}

std::optional<std::string> Store::random_key(std::uint64_t seed, std::uint64_t now_ms) const {
  if (items_.empty()) {
    return std::nullopt;
  }
  base::Prng prng(seed);
  // Empty slots are skipped (a table emptied by deletes keeps its slots); after kDraws
  // expired keys or too many empty slots, a walk.
  constexpr int kDraws = 100;
  int expired = 0;
  for (int attempt = 0; attempt < 16 * kDraws && expired < kDraws; ++attempt) {
    const Items::value_type* entry = items_.at_slot(prng.uniform(items_.slot_count()));
    if (entry == nullptr) {
      continue;
    }
    if (!expired_at(entry->second.deadline_ms, now_ms)) {
      return entry->first;
    }
    ++expired;
  }
  // A walk, drawing among the live keys.
  std::vector<const std::string*> live;
  for (const auto& [key, item] : items_) {
    if (!expired_at(item.deadline_ms, now_ms)) {
      live.push_back(&key);
    }
  }
  if (live.empty()) {
    return std::nullopt;
  }
  return *live[prng.uniform(live.size())];
}

}  // namespace helios::atlas
