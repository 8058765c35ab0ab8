// The compact representations of small collections (atlas/hash_object.h, set_object.h,
// zset_object.h): the conversions at the limits (by entries and by element size, never
// back), OBJECT ENCODING's names, and the same random operations on a compact object and
// on one forced to the big representation giving the same results, the same canonical
// encoding (encode_object) and a model's contents; check_invariants after every step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "atlas/object.h"
#include "base/prng.h"

namespace helios::atlas {
namespace {

std::string n(std::size_t i) {
  return "m" + std::to_string(i);
}

// A random element: usually short, sometimes past the compact limit (65..80 bytes).
std::string element(base::Prng& prng, std::size_t pool) {
  const std::string base = "e" + std::to_string(prng.uniform(pool));
  if (prng.uniform(40) == 0) {
    return base + std::string(65, 'x');
  }
  return base;
}

std::string encoded(const HashObject& h) {
  return encode_object(Object{h});
}
std::string encoded(const SetObject& s) {
  return encode_object(Object{s});
}
std::string encoded(const ZSetObject& z) {
  return encode_object(Object{z.clone()});
}
void force_big(HashObject& h) {
  h.convert_to_table();
}
void force_big(SetObject& s) {
  s.convert_to_table();
}
void force_big(ZSetObject& z) {
  z.convert_to_skiplist();
}

// Runs `steps` random operations, for seeds 1..20, on a compact object and on one forced
// big: make_step(seed) makes the step (with its model), step(prng, small, big) applies one
// operation to both and compares what they answer; after each, the compact one's invariants
// and both canonical encodings.
template <typename T, typename MakeStep>
void agree_under_random_operations(int steps, MakeStep make_step) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    base::Prng prng(seed);
    T small;
    T big;
    force_big(big);
    auto step = make_step(seed);
    for (int i = 0; i < steps; ++i) {
      step(prng, small, big);
      small.check_invariants();
      if (!small.empty()) {
        EXPECT_EQ(encoded(small), encoded(big));
      }
      if (::testing::Test::HasFailure()) {
        FAIL() << "seed " << seed << " step " << i;
      }
    }
  }
}

// --- hashes ----------------------------------------------------------------------------------

TEST(CompactHashTest, convertsPastTheEntriesLimitAndNeverBack) {
  HashObject h;
  for (std::size_t i = 0; i < kHashMaxListpackEntries; ++i) {
    EXPECT_TRUE(h.set(n(i), "v"));
  }
  EXPECT_TRUE(h.compact());
  EXPECT_EQ(h.encoding(), "listpack");
  EXPECT_FALSE(h.set(n(0), "w"));  // an update does not grow it
  EXPECT_TRUE(h.compact());
  EXPECT_TRUE(h.set(n(kHashMaxListpackEntries), "v"));
  EXPECT_FALSE(h.compact());
  EXPECT_EQ(h.encoding(), "hashtable");
  EXPECT_EQ(h.size(), kHashMaxListpackEntries + 1);
  EXPECT_EQ(h.find(n(0)), "w");
  for (std::size_t i = 1; i <= kHashMaxListpackEntries; ++i) {
    EXPECT_TRUE(h.erase(n(i)));
  }
  EXPECT_FALSE(h.compact());  // never back, as Redis
  h.check_invariants();
}

TEST(CompactHashTest, convertsForALongFieldOrValue) {
  const std::string at_limit(kHashMaxListpackValue, 'f');
  const std::string past = at_limit + "x";
  HashObject h;
  h.set(at_limit, at_limit);
  EXPECT_TRUE(h.compact());
  HashObject long_field = h;
  long_field.set(past, "v");
  EXPECT_FALSE(long_field.compact());
  HashObject long_value = h;
  long_value.set(at_limit, past);  // an update of an existing field
  EXPECT_FALSE(long_value.compact());
  EXPECT_EQ(long_value.find(at_limit), past);
  EXPECT_EQ(long_value.size(), 1u);
}

TEST(CompactHashTest, compactAndTableAgreeUnderRandomOperations) {
  agree_under_random_operations<HashObject>(600, [](std::uint64_t seed) {
    const std::size_t pool = seed % 2 == 0 ? 40 : 300;  // odd seeds cross the entries limit
    return [pool, model = std::map<std::string, std::string>()](base::Prng& prng, HashObject& small,
                                                                HashObject& big) mutable {
      const std::string field = element(prng, pool);
      if (prng.uniform(3) == 0) {
        const bool had = model.erase(field) == 1;
        EXPECT_EQ(small.erase(field), had);
        EXPECT_EQ(big.erase(field), had);
      } else {
        const std::string value = element(prng, 1000);
        const bool fresh = !model.contains(field);
        model[field] = value;
        EXPECT_EQ(small.set(field, value), fresh);
        EXPECT_EQ(big.set(field, value), fresh);
      }
      ASSERT_EQ(small.size(), model.size());
      ASSERT_EQ(big.size(), model.size());
      EXPECT_EQ(small.find(field), big.find(field));
      std::vector<std::string_view> fields;
      for (const auto& [f, v] : model) {
        fields.emplace_back(f);
      }
      EXPECT_EQ(small.fields(), fields);
      EXPECT_EQ(big.fields(), fields);
    };
  });
}

// --- sets ------------------------------------------------------------------------------------

TEST(CompactSetTest, integersStayAnIntsetUpTo512) {
  SetObject s;
  for (std::size_t i = 0; i < kSetMaxIntsetEntries; ++i) {
    EXPECT_TRUE(s.insert(std::to_string(i * 7)));
  }
  EXPECT_TRUE(s.compact());
  EXPECT_EQ(s.encoding(), "intset");
  SetObject plus_string = s;
  EXPECT_TRUE(s.insert("-1"));
  EXPECT_FALSE(s.compact());
  EXPECT_EQ(s.encoding(), "hashtable");
  // 512 integers and one word: past the listpack's 128 entries, a table.
  EXPECT_TRUE(plus_string.insert("word"));
  EXPECT_EQ(plus_string.encoding(), "hashtable");
  // "01" is not a canonical integer (Redis's intset refuses it too).
  SetObject padded;
  for (std::size_t i = 0; i < kSetMaxListpackEntries; ++i) {
    padded.insert(std::to_string(i));
  }
  padded.insert("01");
  EXPECT_EQ(padded.encoding(), "hashtable");
}

TEST(CompactSetTest, stringsStayAListpackUpTo128ShortMembers) {
  SetObject s;
  for (std::size_t i = 0; i < kSetMaxListpackEntries; ++i) {
    s.insert(n(i));
  }
  EXPECT_FALSE(s.insert(n(0)));
  EXPECT_EQ(s.encoding(), "listpack");
  SetObject long_member = s;
  long_member.erase(n(0));
  long_member.insert(std::string(kSetMaxListpackValue + 1, 'x'));
  EXPECT_EQ(long_member.encoding(), "hashtable");
  s.insert(n(kSetMaxListpackEntries));
  EXPECT_EQ(s.encoding(), "hashtable");
  for (std::size_t i = 1; i <= kSetMaxListpackEntries; ++i) {
    s.erase(n(i));
  }
  EXPECT_EQ(s.encoding(), "hashtable");  // never back
  MemberText text;
  EXPECT_EQ(s.members(text), std::vector<std::string_view>{n(0)});
}

TEST(CompactSetTest, compactAndTableAgreeUnderRandomOperations) {
  agree_under_random_operations<SetObject>(800, [](std::uint64_t seed) {
    const std::size_t pool = seed % 2 == 0 ? 60 : 700;
    const bool integers = seed % 3 == 0;
    return [pool, integers, model = std::set<std::string>()](base::Prng& prng, SetObject& small,
                                                             SetObject& big) mutable {
      const std::string m = integers ? std::to_string(prng.uniform(pool)) : element(prng, pool);
      if (prng.uniform(4) == 0) {
        const bool had = model.erase(m) == 1;
        EXPECT_EQ(small.erase(m), had);
        EXPECT_EQ(big.erase(m), had);
      } else {
        const bool fresh = model.insert(m).second;
        EXPECT_EQ(small.insert(m), fresh);
        EXPECT_EQ(big.insert(m), fresh);
      }
      ASSERT_EQ(small.size(), model.size());
      ASSERT_EQ(big.size(), model.size());
      EXPECT_EQ(small.contains(m), big.contains(m));
      MemberText text;
      std::vector<std::string_view> members = small.members(text);
      std::sort(members.begin(), members.end());
      EXPECT_TRUE(std::equal(members.begin(), members.end(), model.begin(), model.end()));
    };
  });
}

// --- sorted sets -----------------------------------------------------------------------------

TEST(CompactZSetTest, convertsPastTheLimits) {
  ZSetObject z;
  for (std::size_t i = 0; i < kZSetMaxListpackEntries; ++i) {
    EXPECT_TRUE(z.insert(n(i), static_cast<double>(i % 7)));
  }
  EXPECT_EQ(z.encoding(), "listpack");
  EXPECT_FALSE(z.insert(n(0), 100));  // a new score for a member: no growth
  EXPECT_EQ(z.encoding(), "listpack");
  ZSetObject long_member = z.clone();
  long_member.erase(n(1));
  long_member.insert(std::string(kZSetMaxListpackValue + 1, 'x'), 1);
  EXPECT_EQ(long_member.encoding(), "skiplist");
  z.insert(n(kZSetMaxListpackEntries), 1);
  EXPECT_EQ(z.encoding(), "skiplist");
  EXPECT_EQ(z.score(n(0)), 100.0);
  for (std::size_t i = 1; i <= kZSetMaxListpackEntries; ++i) {
    z.erase(n(i));
  }
  EXPECT_EQ(z.encoding(), "skiplist");  // never back
  z.check_invariants();
}

TEST(CompactZSetTest, scoresReadBackExactly) {
  ZSetObject z;
  const std::vector<double> scores = {
      0.1, -0.0, 1e300, -1e-300, 3.0, INFINITY, -INFINITY, 1.0 / 3, 123456789012345678.0};
  for (std::size_t i = 0; i < scores.size(); ++i) {
    z.insert(n(i), scores[i]);
  }
  for (std::size_t i = 0; i < scores.size(); ++i) {
    EXPECT_EQ(z.score(n(i)), scores[i] == 0 ? 0.0 : scores[i]) << i;
  }
  EXPECT_FALSE(std::signbit(*z.score(n(1))));  // -0 held as 0
  z.check_invariants();
}

SortedSet::ScoreBound score_bound(base::Prng& prng) {
  const double v = prng.uniform(4) == 0 ? (prng.uniform(2) == 0 ? -INFINITY : INFINITY)
                                        : static_cast<double>(prng.uniform(12));
  return {v, prng.uniform(2) == 0};
}

SortedSet::LexBound lex_bound(base::Prng& prng, std::size_t pool) {
  using Kind = SortedSet::LexBound::Kind;
  switch (prng.uniform(5)) {
    case 0:
      return {Kind::kMin, ""};
    case 1:
      return {Kind::kMax, ""};
    case 2:
      return {Kind::kExclusive, element(prng, pool)};
    default:
      return {Kind::kInclusive, element(prng, pool)};
  }
}

// Every read of the interface, compared between the two representations.
void expect_same_reads(const ZSetObject& a, const ZSetObject& b, base::Prng& prng,
                       std::size_t pool) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.entries(), b.entries());
  const std::string m = element(prng, pool);
  EXPECT_EQ(a.score(m), b.score(m));
  EXPECT_EQ(a.rank(m, false), b.rank(m, false));
  EXPECT_EQ(a.rank(m, true), b.rank(m, true));
  if (!a.empty()) {
    const std::size_t r = prng.uniform(a.size());
    EXPECT_EQ(a.at(r), b.at(r));
  }
  const std::size_t first = prng.uniform(a.size() + 3);
  const std::size_t last = prng.uniform(4) == 0 ? SIZE_MAX : prng.uniform(a.size() + 3);
  const bool reverse = prng.uniform(2) == 0;
  EXPECT_EQ(a.range_by_rank(first, last, reverse), b.range_by_rank(first, last, reverse));
  const SortedSet::ScoreBound lo = score_bound(prng);
  const SortedSet::ScoreBound hi = score_bound(prng);
  const std::size_t offset = prng.uniform(5);
  const std::size_t limit = prng.uniform(3) == 0 ? SIZE_MAX : prng.uniform(6);
  EXPECT_EQ(a.range_by_score(lo, hi, reverse, offset, limit),
            b.range_by_score(lo, hi, reverse, offset, limit));
  EXPECT_EQ(a.count(lo, hi), b.count(lo, hi));
  // Lex ranges agree whatever the scores (over differing ones both walk as Redis does).
  const SortedSet::LexBound llo = lex_bound(prng, pool);
  const SortedSet::LexBound lhi = lex_bound(prng, pool);
  EXPECT_EQ(a.range_by_lex(llo, lhi, reverse, offset, limit),
            b.range_by_lex(llo, lhi, reverse, offset, limit));
  EXPECT_EQ(a.lex_count(llo, lhi), b.lex_count(llo, lhi));
}

TEST(CompactZSetTest, compactAndSkipListAgreeUnderRandomOperations) {
  agree_under_random_operations<ZSetObject>(500, [](std::uint64_t seed) {
    const std::size_t pool = seed % 2 == 0 ? 40 : 300;
    const bool equal_scores = seed % 3 == 0;
    return [pool, equal_scores](base::Prng& prng, ZSetObject& small, ZSetObject& big) {
      const std::string m = element(prng, pool);
      if (prng.uniform(4) == 0) {
        EXPECT_EQ(small.erase(m), big.erase(m));
      } else {
        const double score = equal_scores ? 0.0 : static_cast<double>(prng.uniform(10)) / 2;
        EXPECT_EQ(small.insert(m, score), big.insert(m, score));
      }
      expect_same_reads(small, big, prng, pool);
    };
  });
}

// --- the canonical encoding ------------------------------------------------------------------

TEST(CompactObjectTest, decodeMakesSmallCollectionsCompactAndKeepsTheBytes) {
  HashObject h;
  h.convert_to_table();
  h.set("b", "2");
  h.set("a", "1");
  const std::string bytes = encoded(h);
  Result<Object> back = decode_object(ObjectType::kHash, bytes);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back.value().encoding(), "listpack");
  EXPECT_EQ(encode_object(back.value()), bytes);
  check_object(back.value());

  Object list = make_object(ObjectType::kList);
  list.as<ListObject>().push_back("x");
  EXPECT_EQ(list.encoding(), "quicklist");
}

}  // namespace
}  // namespace helios::atlas
