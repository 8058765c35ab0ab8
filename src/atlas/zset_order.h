#pragma once
// The order and the range bounds of a sorted set, shared by its two representations
// (SortedSet's skip list and ZSetObject's listpack): ascending score, then member bytes
// compared as unsigned bytes (memcmp), as Redis orders elements of equal score.

#include <cstddef>
#include <string_view>
#include <vector>

#include "atlas/sorted_set.h"
#include "base/assert.h"

namespace helios::atlas::zset_order {

// (a_score, a_member) < (b_score, b_member), members as unsigned bytes.
inline bool before(double a_score, std::string_view a_member, double b_score,
                   std::string_view b_member) {
  return a_score < b_score || (a_score == b_score && a_member.compare(b_member) < 0);
}

// Whether an element of `score` lies below the low bound `min` (is excluded by it).
inline bool below(double score, SortedSet::ScoreBound min) {
  return min.exclusive ? score <= min.value : score < min.value;
}

// Whether an element of `score` satisfies the high bound `max`.
inline bool within_max(double score, SortedSet::ScoreBound max) {
  return max.exclusive ? score < max.value : score <= max.value;
}

inline bool below_lex(std::string_view member, const SortedSet::LexBound& min) {
  using Kind = SortedSet::LexBound::Kind;
  switch (min.kind) {
    case Kind::kMin:
      return false;
    case Kind::kMax:
      return true;
    case Kind::kInclusive:
      return member.compare(min.value) < 0;
    case Kind::kExclusive:
      return member.compare(min.value) <= 0;
  }
  HELIOS_PANIC("bad lex bound kind");
}

inline bool within_max_lex(std::string_view member, const SortedSet::LexBound& max) {
  using Kind = SortedSet::LexBound::Kind;
  switch (max.kind) {
    case Kind::kMin:
      return false;
    case Kind::kMax:
      return true;
    case Kind::kInclusive:
      return member.compare(max.value) <= 0;
    case Kind::kExclusive:
      return member.compare(max.value) < 0;
  }
  HELIOS_PANIC("bad lex bound kind");
}

// Redis's zslParseLexRange/zzlIsInLexRange: a range that is empty whatever the elements: min
// above max, or equal with either exclusive ("-" and "+" count as exclusive).
inline bool lex_range_empty(const SortedSet::LexBound& min, const SortedSet::LexBound& max) {
  using Kind = SortedSet::LexBound::Kind;
  const auto rank = [](const SortedSet::LexBound& b) {
    return b.kind == Kind::kMin ? 0 : b.kind == Kind::kMax ? 2 : 1;
  };
  int cmp = rank(min) - rank(max);
  if (cmp == 0 && rank(min) == 1) {
    cmp = min.value.compare(max.value);
  }
  return cmp > 0 || (cmp == 0 && (min.kind != Kind::kInclusive || max.kind != Kind::kInclusive));
}

// A lex range over elements whose scores differ (`all` in the set's order): Redis's walk over
// a small sorted set (zzlFirstInLexRange, zzlLastInLexRange). Empty unless the first element
// is within max and the last within min; else from the first element (the last, with
// reverse) within the near bound, which must be within the far one too, skip `offset`
// elements without looking at them, then take elements while they are within the far bound,
// at most `limit`. Depends only on the elements, never on how they are held. O(n).
inline std::vector<SortedSet::Entry> walk_lex(const std::vector<SortedSet::Entry>& all,
                                              const SortedSet::LexBound& min,
                                              const SortedSet::LexBound& max, bool reverse,
                                              std::size_t offset, std::size_t limit) {
  std::vector<SortedSet::Entry> out;
  if (all.empty() || lex_range_empty(min, max) || !within_max_lex(all.front().member, max) ||
      below_lex(all.back().member, min)) {
    return out;
  }
  const auto near_ok = [&](const SortedSet::Entry& e) {
    return reverse ? within_max_lex(e.member, max) : !below_lex(e.member, min);
  };
  const auto far_ok = [&](const SortedSet::Entry& e) {
    return reverse ? !below_lex(e.member, min) : within_max_lex(e.member, max);
  };
  const std::size_t n = all.size();
  const auto at = [&](std::size_t k) -> const SortedSet::Entry& {
    return all[reverse ? n - 1 - k : k];
  };
  std::size_t k = 0;
  while (k < n && !near_ok(at(k))) {
    ++k;
  }
  if (k == n || !far_ok(at(k))) {
    return out;
  }
  for (k += offset; k < n && out.size() < limit && far_ok(at(k)); ++k) {
    out.push_back(at(k));
  }
  return out;
}

}  // namespace helios::atlas::zset_order
