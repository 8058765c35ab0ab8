#pragma once
// SortedSet: the index of a Redis sorted set (ZADD, ZRANGE, ZRANK...): members ordered by
// (score, member bytes), with ranks and ranges in O(log n). A skip list whose links carry
// spans (the number of elements they jump over, Pugh's "skip list cookbook" §3.4, as in
// Redis's zskiplist) plus a hash index from member to node.
//
// Order: ascending score, then member bytes compared as unsigned bytes (memcmp), exactly as
// Redis orders elements of equal score. Scores are never NaN (asserted: the command layer
// refuses NaN, as Redis does); -inf and +inf are allowed.
//
// Determinism: a node's level is drawn from a Prng seeded at construction (kLevelSeed), so
// the same sequence of operations builds the same structure on every replica; a replica
// restored from a snapshot (inserts in order) has other levels. So results never depend on
// the levels, only costs do (lex ranges over differing scores walk the list: range_by_lex).
//
// Costs: insert, erase, rank, score lookups O(log n) expected; a range of k elements
// O(log n + k); count() and lex_count() O(log n) (O(n) for a lex range when scores differ).
//
// Thread rules: none (a plain value type, move-only; a moved-from set may only be destroyed
// or assigned to). Not copyable: copy explicitly with clone() (snapshots fork instead).
//
// Memory: each member is held once, inside its node: a node is one allocation (score,
// backward link, its levels, then the member's bytes), and the hash index is a set of node
// pointers looked up by member. The compact encoding of small sets is ZSetObject's other
// representation (atlas/zset_object.h).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/prng.h"

namespace helios::atlas {

class SortedSet {
 public:
  struct Entry {
    std::string member;
    double score = 0;
    bool operator==(const Entry&) const = default;
  };
  // A score bound of ZRANGEBYSCORE: "(1.5" is {1.5, true}, "-inf" is {-inf, false}.
  struct ScoreBound {
    double value = 0;
    bool exclusive = false;
  };
  // A member bound of ZRANGEBYLEX: "-" (kMin), "+" (kMax), "[a" (inclusive), "(a" (exclusive).
  struct LexBound {
    enum class Kind : std::uint8_t { kMin, kMax, kInclusive, kExclusive };
    Kind kind = Kind::kMin;
    std::string value;
  };

  static constexpr int kMaxLevel = 32;
  static constexpr std::uint64_t kLevelSeed = 0x5eed5e75;

  SortedSet();
  ~SortedSet();
  SortedSet(SortedSet&&) noexcept;
  SortedSet& operator=(SortedSet&&) noexcept;
  SortedSet(const SortedSet&) = delete;
  SortedSet& operator=(const SortedSet&) = delete;
  SortedSet clone() const;

  std::size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }

  // Adds `member` with `score`, or moves it to `score` (-0 is held as 0). Returns true if it
  // was new.
  bool insert(std::string_view member, double score);
  // Removes `member`; false if it was not there.
  bool erase(std::string_view member);
  std::optional<double> score(std::string_view member) const;

  // 0-based position in ascending order (reverse: in descending order).
  std::optional<std::size_t> rank(std::string_view member, bool reverse = false) const;
  // The element at 0-based ascending position `rank` (< size()).
  Entry at(std::size_t rank) const;
  // Elements at ascending positions first..last (inclusive; last clamped to size() - 1;
  // empty if first > last or first >= size()), in ascending order, or (reverse) the same
  // positions counted from the end, in descending order (ZRANGE ... REV).
  std::vector<Entry> range_by_rank(std::size_t first, std::size_t last, bool reverse) const;

  // Elements with a score within [min, max] (bounds exclusive as flagged), ascending; with
  // reverse, descending (then `min` is still the low bound). `offset` elements are skipped
  // and at most `limit` returned (LIMIT offset count).
  std::vector<Entry> range_by_score(ScoreBound min, ScoreBound max, bool reverse,
                                    std::size_t offset = 0, std::size_t limit = SIZE_MAX) const;
  std::size_t count(ScoreBound min, ScoreBound max) const;

  // As range_by_score by member bytes, when all scores are equal (Redis's rule; O(log n + k)).
  // When they differ the result is Redis's walk for a small sorted set (zset_order::walk_lex):
  // O(n), and independent of the skip list's levels, which differ between replicas (the
  // order of inserts decides them): the ranks count_while finds would not be.
  std::vector<Entry> range_by_lex(const LexBound& min, const LexBound& max, bool reverse,
                                  std::size_t offset = 0, std::size_t limit = SIZE_MAX) const;
  std::size_t lex_count(const LexBound& min, const LexBound& max) const;

  // PLANTED BUG for the simulator only (`lex-by-rank`): lex ranges over differing scores by
  // the rank descent, whose result depends on the levels. Process-wide; never set outside
  // the simulator.
  static void plant_lex_by_rank(bool on);
  static bool lex_by_rank_planted();

  // Every element in ascending order (snapshots, digests).
  std::vector<Entry> entries() const { return range_by_rank(0, SIZE_MAX, false); }

  // Checks every invariant (order, spans, levels, the index agreeing with the list); asserts.
  // For tests: O(n * levels).
  void check_invariants() const;

  // The list's element (sorted_set.cc); public only for the helpers there.
  struct Node;

 private:
  int random_level();
  // True when every score is the same (the first's equals the last's): the lex order is then
  // the element order.
  bool uniform_scores() const;
  // The number of elements before the first element that is not below the bound (for a
  // lower bound) / at or below it (for an upper bound): both O(log n).
  // The number of elements, from the first on, for which pred(node) holds (pred must hold
  // for a prefix of the order).
  template <typename Pred>
  std::size_t count_while(Pred pred) const;
  std::size_t count_below(ScoreBound min) const;
  std::size_t count_at_or_below(ScoreBound max) const;
  std::size_t count_below_lex(const LexBound& min) const;
  std::size_t count_at_or_below_lex(const LexBound& max) const;
  // Elements at ascending positions [lo, hi) after `offset`, at most `limit`, in the given
  // direction.
  std::vector<Entry> slice(std::size_t lo, std::size_t hi, bool reverse, std::size_t offset,
                           std::size_t limit) const;
  void unlink(Node* x, Node** update);

  Node* head_;
  Node* tail_ = nullptr;
  int level_ = 1;
  base::Prng prng_{kLevelSeed};
  // The index: every node but the head, found by its member (heterogeneous lookup by
  // std::string_view). The hash is cached in the index's nodes (not noexcept).
  struct NodeHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    std::size_t operator()(const Node* node) const;
  };
  struct NodeEq {
    using is_transparent = void;
    bool operator()(const Node* a, const Node* b) const;
    bool operator()(const Node* a, std::string_view b) const;
    bool operator()(std::string_view a, const Node* b) const;
  };
  std::unordered_set<Node*, NodeHash, NodeEq> index_;
};

}  // namespace helios::atlas
