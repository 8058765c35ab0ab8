#pragma once
// The order and the range bounds of a sorted set, shared by its two representations
// (SortedSet's skip list and ZSetObject's listpack): ascending score, then member bytes
// compared as unsigned bytes (memcmp), as Redis orders elements of equal score.

#include <string_view>

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

}  // namespace helios::atlas::zset_order
