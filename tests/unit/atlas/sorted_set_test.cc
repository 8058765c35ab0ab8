// SortedSet (atlas/sorted_set.h): Redis's order, ranks and ranges, checked against a simple
// model (a std::set of (score, member)) over random operations, with the skip list's
// invariants (order, spans, levels) checked along the way.
#include "atlas/sorted_set.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/prng.h"

namespace helios::atlas {
namespace {

using Entry = SortedSet::Entry;
using Bound = SortedSet::ScoreBound;
using Lex = SortedSet::LexBound;
constexpr double kInf = std::numeric_limits<double>::infinity();

// The model: elements in Redis's order.
struct Model {
  std::set<std::pair<double, std::string>> order;
  std::map<std::string, double> scores;

  bool insert(const std::string& m, double s) {
    auto it = scores.find(m);
    const bool added = it == scores.end();
    if (!added) {
      order.erase({it->second, m});
    }
    scores[m] = s;
    order.insert({s, m});
    return added;
  }
  bool erase(const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) {
      return false;
    }
    order.erase({it->second, m});
    scores.erase(it);
    return true;
  }
  std::vector<Entry> all() const {
    std::vector<Entry> out;
    for (const auto& [s, m] : order) {
      out.push_back(Entry{m, s});
    }
    return out;
  }
};

bool in(double s, Bound min, Bound max) {
  return (min.exclusive ? s > min.value : s >= min.value) &&
         (max.exclusive ? s < max.value : s <= max.value);
}

bool in_lex(const std::string& m, const Lex& min, const Lex& max) {
  const auto lower_ok = [&]() {
    switch (min.kind) {
      case Lex::Kind::kMin:
        return true;
      case Lex::Kind::kMax:
        return false;
      case Lex::Kind::kInclusive:
        return m >= min.value;
      case Lex::Kind::kExclusive:
        return m > min.value;
    }
    return false;
  };
  const auto upper_ok = [&]() {
    switch (max.kind) {
      case Lex::Kind::kMin:
        return false;
      case Lex::Kind::kMax:
        return true;
      case Lex::Kind::kInclusive:
        return m <= max.value;
      case Lex::Kind::kExclusive:
        return m < max.value;
    }
    return false;
  };
  return lower_ok() && upper_ok();
}

std::vector<Entry> window(std::vector<Entry> v, bool reverse, std::size_t offset,
                          std::size_t limit) {
  if (reverse) {
    std::reverse(v.begin(), v.end());
  }
  std::vector<Entry> out;
  for (std::size_t i = offset; i < v.size() && out.size() < limit; ++i) {
    out.push_back(v[i]);
  }
  return out;
}

TEST(SortedSetTest, orderIsScoreThenMemberBytes) {
  SortedSet z;
  EXPECT_TRUE(z.insert("b", 1));
  EXPECT_TRUE(z.insert("a", 1));
  EXPECT_TRUE(z.insert("\xff", 1));  // unsigned bytes: after "b"
  EXPECT_TRUE(z.insert("z", -kInf));
  EXPECT_TRUE(z.insert("y", kInf));
  EXPECT_TRUE(z.insert("", 1));
  EXPECT_EQ(z.entries(), (std::vector<Entry>{
                             {"z", -kInf}, {"", 1}, {"a", 1}, {"b", 1}, {"\xff", 1}, {"y", kInf}}));
  EXPECT_EQ(z.rank("b"), 3u);
  EXPECT_EQ(z.rank("b", true), 2u);
  EXPECT_EQ(z.rank("missing"), std::nullopt);
  EXPECT_EQ(z.at(0), (Entry{"z", -kInf}));
  z.check_invariants();
}

TEST(SortedSetTest, insertExistingMovesItAndSaysItWasNotNew) {
  SortedSet z;
  z.insert("a", 1);
  z.insert("b", 2);
  EXPECT_FALSE(z.insert("a", 3));
  EXPECT_FALSE(z.insert("a", 3));  // same score: nothing moves
  EXPECT_EQ(z.score("a"), 3.0);
  EXPECT_EQ(z.entries(), (std::vector<Entry>{{"b", 2}, {"a", 3}}));
  EXPECT_TRUE(z.erase("a"));
  EXPECT_FALSE(z.erase("a"));
  EXPECT_EQ(z.size(), 1u);
  z.check_invariants();
}

TEST(SortedSetTest, rangesLikeRedis) {
  SortedSet z;
  for (int i = 1; i <= 5; ++i) {
    z.insert("m" + std::to_string(i), i);
  }
  // ZRANGE 1 3, ZRANGE 1 3 REV, out-of-range ends.
  EXPECT_EQ(z.range_by_rank(1, 3, false), (std::vector<Entry>{{"m2", 2}, {"m3", 3}, {"m4", 4}}));
  EXPECT_EQ(z.range_by_rank(1, 3, true), (std::vector<Entry>{{"m4", 4}, {"m3", 3}, {"m2", 2}}));
  EXPECT_EQ(z.range_by_rank(3, 100, false).size(), 2u);
  EXPECT_TRUE(z.range_by_rank(5, 9, false).empty());
  EXPECT_TRUE(z.range_by_rank(3, 2, false).empty());
  // ZRANGEBYSCORE (2 4, ZREVRANGEBYSCORE 4 (2, LIMIT 1 1.
  EXPECT_EQ(z.range_by_score({2, true}, {4, false}, false),
            (std::vector<Entry>{{"m3", 3}, {"m4", 4}}));
  EXPECT_EQ(z.range_by_score({2, true}, {4, false}, true),
            (std::vector<Entry>{{"m4", 4}, {"m3", 3}}));
  EXPECT_EQ(z.range_by_score({-kInf, false}, {kInf, false}, false, 1, 1),
            (std::vector<Entry>{{"m2", 2}}));
  EXPECT_EQ(z.count({2, false}, {4, true}), 2u);
  EXPECT_EQ(z.count({4, false}, {2, false}), 0u);
  EXPECT_EQ(z.count({3, true}, {3, false}), 0u);
}

TEST(SortedSetTest, lexRangesOnEqualScores) {
  SortedSet z;
  for (const char* m : {"a", "b", "c", "d", "e"}) {
    z.insert(m, 0);
  }
  const Lex minus{Lex::Kind::kMin, ""}, plus{Lex::Kind::kMax, ""};
  EXPECT_EQ(z.lex_count(minus, plus), 5u);
  EXPECT_EQ(z.range_by_lex({Lex::Kind::kInclusive, "b"}, {Lex::Kind::kExclusive, "d"}, false),
            (std::vector<Entry>{{"b", 0}, {"c", 0}}));
  EXPECT_EQ(z.range_by_lex(minus, {Lex::Kind::kInclusive, "b"}, true),
            (std::vector<Entry>{{"b", 0}, {"a", 0}}));
  EXPECT_EQ(z.lex_count({Lex::Kind::kExclusive, "e"}, plus), 0u);
  EXPECT_EQ(z.lex_count(plus, minus), 0u);
}

// With differing scores a lex range is Redis's walk over a small sorted set (its listpack):
// the expected lists are redis-server 7.0.15's answers for the same set.
TEST(SortedSetTest, lexRangesOnDifferingScoresWalkAsRedisDoes) {
  SortedSet z;
  const std::vector<std::pair<std::string, double>> elements = {{"b", 1}, {"a", 2}, {"x", 3},
                                                                {"c", 4}, {"z", 5}, {"d", 6}};
  for (const auto& [m, s] : elements) {
    z.insert(m, s);
  }
  const auto members = [](const std::vector<Entry>& v) {
    std::string out;
    for (const Entry& e : v) {
      out += e.member;
    }
    return out;
  };
  const Lex minus{Lex::Kind::kMin, ""}, plus{Lex::Kind::kMax, ""};
  const auto inc = [](const char* v) { return Lex{Lex::Kind::kInclusive, v}; };
  const auto exc = [](const char* v) { return Lex{Lex::Kind::kExclusive, v}; };
  EXPECT_EQ(members(z.range_by_lex(inc("a"), inc("c"), false)), "ba");
  EXPECT_EQ(members(z.range_by_lex(minus, plus, false)), "baxczd");
  EXPECT_EQ(members(z.range_by_lex(inc("b"), inc("y"), false)), "baxc");
  EXPECT_EQ(members(z.range_by_lex(exc("a"), inc("d"), false)), "ba");
  // ZREVRANGEBYLEX max min: reverse, same bounds.
  EXPECT_EQ(members(z.range_by_lex(inc("a"), inc("c"), true)), "cxab");
  EXPECT_EQ(members(z.range_by_lex(minus, plus, true)), "dzcxab");
  EXPECT_EQ(members(z.range_by_lex(inc("b"), inc("y"), true)), "dzcx");
  EXPECT_EQ(members(z.range_by_lex(exc("a"), inc("d"), true)), "dzcx");
  EXPECT_EQ(z.lex_count(inc("a"), inc("c")), 2u);
  EXPECT_EQ(z.lex_count(inc("b"), inc("y")), 4u);
  EXPECT_EQ(z.lex_count(exc("a"), inc("z")), 6u);
  // LIMIT's offset skips elements without looking at them.
  const char* forward[] = {"ba", "a", "", "c", ""};
  const char* backward[] = {"dz", "zc", "cx", "xa", "ab"};
  for (std::size_t off = 0; off < 5; ++off) {
    EXPECT_EQ(members(z.range_by_lex(inc("a"), inc("d"), false, off, 2)), forward[off]) << off;
    EXPECT_EQ(members(z.range_by_lex(inc("a"), inc("d"), true, off, 2)), backward[off]) << off;
  }
  // Always-empty ranges.
  EXPECT_EQ(z.lex_count(plus, minus), 0u);
  EXPECT_EQ(z.lex_count(minus, minus), 0u);
  EXPECT_EQ(z.lex_count(inc("c"), exc("c")), 0u);
}

// A lex range over differing scores must not depend on the skip list's levels: replicas
// build the same set through different insert orders (a snapshot restore inserts in order).
TEST(SortedSetTest, lexRangesDoNotDependOnTheStructure) {
  base::Prng prng(77);
  for (int round = 0; round < 30; ++round) {
    std::map<std::string, double> distinct;
    for (int i = 0; i < 60; ++i) {
      distinct[std::string(1, static_cast<char>('a' + prng.uniform(26))) +
               std::to_string(prng.uniform(10))] = static_cast<double>(prng.uniform(5));
    }
    std::vector<std::pair<std::string, double>> elements(distinct.begin(), distinct.end());
    SortedSet in_order;
    for (const auto& [m, s] : elements) {
      in_order.insert(m, s);
    }
    SortedSet shuffled;
    for (std::size_t i = elements.size(); i > 1; --i) {
      std::swap(elements[i - 1], elements[prng.uniform(i)]);
    }
    for (const auto& [m, s] : elements) {
      shuffled.insert("zz-" + m, -1);  // extra nodes change the levels drawn
      shuffled.insert(m, s);
    }
    for (const auto& [m, s] : elements) {
      shuffled.erase("zz-" + m);
    }
    for (int i = 0; i < 40; ++i) {
      const Lex lo{Lex::Kind::kInclusive,
                   std::string(1, static_cast<char>('a' + prng.uniform(26)))};
      const Lex hi{Lex::Kind::kExclusive,
                   std::string(1, static_cast<char>('a' + prng.uniform(26)))};
      const bool rev = prng.uniform(2) == 0;
      ASSERT_EQ(in_order.lex_count(lo, hi), shuffled.lex_count(lo, hi));
      ASSERT_EQ(in_order.range_by_lex(lo, hi, rev), shuffled.range_by_lex(lo, hi, rev));
    }
  }
}

TEST(SortedSetTest, cloneAndMove) {
  SortedSet z;
  for (int i = 0; i < 100; ++i) {
    z.insert("k" + std::to_string(i), i % 7);
  }
  SortedSet c = z.clone();
  c.check_invariants();
  EXPECT_EQ(c.entries(), z.entries());
  SortedSet moved(std::move(z));
  moved.check_invariants();
  EXPECT_EQ(moved.entries(), c.entries());
  SortedSet other;
  other.insert("x", 1);
  other = std::move(moved);
  EXPECT_EQ(other.entries(), c.entries());
  other.check_invariants();
}

// Random operations against the model: every query's answer, and the invariants.
TEST(SortedSetTest, randomOperationsMatchTheModel) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    base::Prng prng(seed);
    SortedSet z;
    Model model;
    const auto member = [&]() { return "m" + std::to_string(prng.uniform(300)); };
    const auto score = [&]() -> double {
      const std::uint64_t r = prng.uniform(100);
      if (r == 0) {
        return -kInf;
      }
      if (r == 1) {
        return kInf;
      }
      return static_cast<double>(prng.uniform(40)) / 4 - 5;  // many ties
    };
    const auto bound = [&]() { return Bound{score(), prng.uniform(2) == 0}; };
    const auto lex = [&]() {
      const std::uint64_t k = prng.uniform(6);
      if (k == 0) {
        return Lex{Lex::Kind::kMin, ""};
      }
      if (k == 1) {
        return Lex{Lex::Kind::kMax, ""};
      }
      return Lex{k % 2 == 0 ? Lex::Kind::kInclusive : Lex::Kind::kExclusive, member()};
    };
    for (int step = 0; step < 3000; ++step) {
      const std::string m = member();
      switch (prng.uniform(4)) {
        case 0:
        case 1: {
          const double s = score();
          ASSERT_EQ(z.insert(m, s), model.insert(m, s)) << "seed " << seed;
          break;
        }
        case 2:
          ASSERT_EQ(z.erase(m), model.erase(m));
          break;
        default:
          break;
      }
      ASSERT_EQ(z.size(), model.scores.size());
      const std::vector<Entry> all = model.all();
      // rank and score of one member
      const auto it = model.scores.find(m);
      if (it == model.scores.end()) {
        ASSERT_EQ(z.rank(m), std::nullopt);
        ASSERT_EQ(z.score(m), std::nullopt);
      } else {
        const std::size_t r = static_cast<std::size_t>(
            std::distance(model.order.begin(), model.order.find({it->second, m})));
        ASSERT_EQ(z.rank(m), r);
        ASSERT_EQ(z.rank(m, true), all.size() - 1 - r);
        ASSERT_EQ(z.at(r), all[r]);
      }
      if (step % 10 != 0) {
        continue;
      }
      z.check_invariants();
      // a rank range, both directions
      const std::size_t a = prng.uniform(all.size() + 3), b = prng.uniform(all.size() + 3);
      const bool rev = prng.uniform(2) == 0;
      std::vector<Entry> by_rank;
      if (!all.empty() && a < all.size() && a <= b) {
        std::vector<Entry> ordered = all;
        if (rev) {
          std::reverse(ordered.begin(), ordered.end());
        }
        for (std::size_t i = a; i <= std::min(b, all.size() - 1); ++i) {
          by_rank.push_back(ordered[i]);
        }
      }
      ASSERT_EQ(z.range_by_rank(a, b, rev), by_rank) << "seed " << seed << " step " << step;
      // a score range with LIMIT
      const Bound lo = bound(), hi = bound();
      std::vector<Entry> matching;
      for (const Entry& e : all) {
        if (in(e.score, lo, hi)) {
          matching.push_back(e);
        }
      }
      ASSERT_EQ(z.count(lo, hi), matching.size());
      const std::size_t offset = prng.uniform(5),
                        limit = prng.uniform(2) ? SIZE_MAX : prng.uniform(6);
      ASSERT_EQ(z.range_by_score(lo, hi, rev, offset, limit), window(matching, rev, offset, limit))
          << "seed " << seed << " step " << step;
    }
    // Lex ranges need equal scores: a second set with every member at score 0.
    SortedSet flat;
    std::set<std::string> names;
    for (int i = 0; i < 200; ++i) {
      const std::string m = member();
      flat.insert(m, 0);
      names.insert(m);
    }
    for (int q = 0; q < 200; ++q) {
      const Lex lo = lex(), hi = lex();
      std::vector<Entry> matching;
      for (const std::string& m : names) {
        if (in_lex(m, lo, hi)) {
          matching.push_back(Entry{m, 0});
        }
      }
      const bool rev = prng.uniform(2) == 0;
      ASSERT_EQ(flat.lex_count(lo, hi), matching.size());
      ASSERT_EQ(flat.range_by_lex(lo, hi, rev, 0, SIZE_MAX), window(matching, rev, 0, SIZE_MAX));
    }
  }
}

}  // namespace
}  // namespace helios::atlas
