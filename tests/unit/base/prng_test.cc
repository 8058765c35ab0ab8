#include "base/prng.h"

#include <gtest/gtest.h>

namespace helios::base {
namespace {

TEST(PrngTest, sameSeed_sameSequence) {
  Prng a(42);
  Prng b(42);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(a.next(), b.next());
  }
}

TEST(PrngTest, differentSeeds_differentSequences) {
  Prng a(1);
  Prng b(2);
  int equal = 0;
  for (int i = 0; i < 100; ++i) {
    equal += a.next() == b.next() ? 1 : 0;
  }
  EXPECT_LT(equal, 2);
}

TEST(PrngTest, range_staysWithinBoundsAndHitsBoth) {
  Prng prng(7);
  bool saw_lo = false;
  bool saw_hi = false;
  for (int i = 0; i < 10000; ++i) {
    const auto v = prng.range(3, 9);
    ASSERT_GE(v, 3u);
    ASSERT_LE(v, 9u);
    saw_lo = saw_lo || v == 3;
    saw_hi = saw_hi || v == 9;
  }
  EXPECT_TRUE(saw_lo);
  EXPECT_TRUE(saw_hi);
}

TEST(PrngTest, chance_matchesProbabilityRoughly) {
  Prng prng(9);
  int hits = 0;
  for (int i = 0; i < 100000; ++i) {
    hits += prng.chance(1, 4) ? 1 : 0;
  }
  EXPECT_GT(hits, 23000);
  EXPECT_LT(hits, 27000);
}

TEST(PrngDeathTest, uniform_zeroBoundAsserts) {
  Prng prng(1);
  EXPECT_DEATH((void)prng.uniform(0), "bound > 0");
}

}  // namespace
}  // namespace helios::base
