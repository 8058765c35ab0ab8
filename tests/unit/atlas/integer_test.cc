// Redis's integer rules (string2ll and the INCRBY overflow test), which decide what INCRBY
// accepts and what it stores.
#include "atlas/integer.h"

#include <gtest/gtest.h>

#include <limits>

#include "base/prng.h"

namespace helios::atlas {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

TEST(IntegerTest, parseInt64_acceptsCanonicalDecimals) {
  EXPECT_EQ(parse_int64("0"), 0);
  EXPECT_EQ(parse_int64("1"), 1);
  EXPECT_EQ(parse_int64("-1"), -1);
  EXPECT_EQ(parse_int64("10"), 10);
  EXPECT_EQ(parse_int64("1234567890"), 1234567890);
  EXPECT_EQ(parse_int64("9223372036854775807"), kMax);
  EXPECT_EQ(parse_int64("-9223372036854775808"), kMin);
}

TEST(IntegerTest, parseInt64_rejectsWhatRedisRejects) {
  // clang-format off
  const char* const rejected[] = {
      "", "-", "+", "+1", " 1", "1 ", "01", "00", "-0", "-01", "1.0", "1e3", "0x10", "abc",
      "1a", "--1", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
      "99999999999999999999", "123456789012345678901", "\t1", "1\n"};
  // clang-format on
  for (const char* text : rejected) {
    EXPECT_FALSE(parse_int64(text).has_value()) << "'" << text << "'";
  }
  EXPECT_FALSE(parse_int64(std::string_view("1\0", 2)).has_value());
}

TEST(IntegerTest, formatInt64_isCanonicalAndRoundTrips) {
  EXPECT_EQ(format_int64(0), "0");
  EXPECT_EQ(format_int64(-7), "-7");
  EXPECT_EQ(format_int64(kMax), "9223372036854775807");
  EXPECT_EQ(format_int64(kMin), "-9223372036854775808");
  EXPECT_EQ(format_int64(kMin).size(), kMaxInt64DecimalBytes);
  base::Prng prng(42);
  for (int i = 0; i < 10000; ++i) {
    const auto v = static_cast<std::int64_t>(prng.next() >> prng.uniform(64));
    const std::int64_t signed_v = prng.chance(1, 2) ? v : ~v;  // ~ covers negatives
    EXPECT_EQ(parse_int64(format_int64(signed_v)), signed_v);
  }
}

TEST(IntegerTest, checkedAdd_detectsOverflowBothWays) {
  EXPECT_EQ(checked_add(1, 2), 3);
  EXPECT_EQ(checked_add(kMax, 0), kMax);
  EXPECT_EQ(checked_add(kMax - 1, 1), kMax);
  EXPECT_FALSE(checked_add(kMax, 1).has_value());
  EXPECT_EQ(checked_add(kMin + 1, -1), kMin);
  EXPECT_FALSE(checked_add(kMin, -1).has_value());
  EXPECT_EQ(checked_add(kMin, kMax), -1);
  EXPECT_FALSE(checked_add(kMin, kMin).has_value());
  EXPECT_FALSE(checked_add(kMax, kMax).has_value());
}

}  // namespace
}  // namespace helios::atlas
