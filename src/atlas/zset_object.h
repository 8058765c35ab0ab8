#pragma once
// ZSetObject: the value of a sorted-set key (ZADD, ZRANGE...), in one of two representations
// that the zset commands never see (issue 14's memory goal, after Redis's zset encodings):
//   - compact: one Listpack of members and scores alternating, in the set's order (score,
//     then member bytes: zset_order.h), scores as the shortest text that reads back as the
//     same double (std::to_chars), while the set has at most kZSetMaxListpackEntries members
//     of at most kZSetMaxListpackValue bytes (Redis 7.0's zset-max-listpack-* defaults);
//     every operation is a linear walk;
//   - skiplist: a SortedSet (O(log n) ranks and ranges).
// A change that would break the compact limits converts the set to a skip list first; a
// skip list never converts back (as Redis). OBJECT ENCODING: "listpack", "skiplist".
//
// The interface is SortedSet's, with the same results whatever the representation (tests
// run the same operations on both); the representation depends on the set's history, so
// nothing observable may depend on it. Thread rules: none (a plain value type, move-only;
// copy it with clone()).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "atlas/listpack.h"
#include "atlas/sorted_set.h"

namespace helios::atlas {

inline constexpr std::size_t kZSetMaxListpackEntries = 128;
inline constexpr std::size_t kZSetMaxListpackValue = 64;

class ZSetObject {
 public:
  using Entry = SortedSet::Entry;
  using ScoreBound = SortedSet::ScoreBound;
  using LexBound = SortedSet::LexBound;

  ZSetObject() = default;
  ZSetObject clone() const;

  std::size_t size() const;
  bool empty() const { return size() == 0; }

  // As SortedSet's (sorted_set.h): the same contracts.
  bool insert(std::string_view member, double score);
  bool erase(std::string_view member);
  std::optional<double> score(std::string_view member) const;
  std::optional<std::size_t> rank(std::string_view member, bool reverse = false) const;
  Entry at(std::size_t rank) const;
  std::vector<Entry> range_by_rank(std::size_t first, std::size_t last, bool reverse) const;
  std::vector<Entry> range_by_score(ScoreBound min, ScoreBound max, bool reverse,
                                    std::size_t offset = 0, std::size_t limit = SIZE_MAX) const;
  std::size_t count(ScoreBound min, ScoreBound max) const;
  std::vector<Entry> range_by_lex(const LexBound& min, const LexBound& max, bool reverse,
                                  std::size_t offset = 0, std::size_t limit = SIZE_MAX) const;
  std::size_t lex_count(const LexBound& min, const LexBound& max) const;
  std::vector<Entry> entries() const;

  bool compact() const { return std::holds_alternative<Listpack>(data_); }
  // "listpack" or "skiplist" (OBJECT ENCODING).
  std::string_view encoding() const { return compact() ? "listpack" : "skiplist"; }
  // Makes it a skip list now (the limits do it by themselves; tests force it).
  void convert_to_skiplist();
  // The compact limits and order, or the skip list's own invariants; asserts.
  void check_invariants() const;

 private:
  const SortedSet* big() const;
  SortedSet* big();

  std::variant<Listpack, std::unique_ptr<SortedSet>> data_;
};

}  // namespace helios::atlas
