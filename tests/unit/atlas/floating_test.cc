// Redis's long double rules (string2ld, ld2string in human mode), which decide what
// INCRBYFLOAT accepts and what it stores.
#include "atlas/floating.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <limits>

namespace helios::atlas {
namespace {

TEST(FloatingTest, parse_acceptsWhatStrtoldConsumesEntirely) {
  EXPECT_EQ(parse_long_double("1"), 1.0L);
  EXPECT_EQ(parse_long_double("-1.5"), -1.5L);
  EXPECT_EQ(parse_long_double("+.5"), 0.5L);
  EXPECT_EQ(parse_long_double("5."), 5.0L);
  EXPECT_EQ(parse_long_double("10.50"), 10.5L);
  EXPECT_EQ(parse_long_double("5.0e3"), 5000.0L);
  EXPECT_EQ(parse_long_double("0x1p3"), 8.0L);
  EXPECT_EQ(parse_long_double("-0"), 0.0L);
  EXPECT_EQ(parse_long_double("9223372036854775807"), 9223372036854775807.0L);
  // Subnormal: ERANGE, but not zero, so Redis keeps it.
  const std::optional<long double> tiny = parse_long_double("1e-4940");
  ASSERT_TRUE(tiny.has_value());
  EXPECT_GT(*tiny, 0.0L);
  // Infinity parses, as in Redis (INCRBYFLOAT then refuses the sum).
  EXPECT_EQ(parse_long_double("inf"), std::numeric_limits<long double>::infinity());
  EXPECT_EQ(parse_long_double("-Infinity"), -std::numeric_limits<long double>::infinity());
}

TEST(FloatingTest, parse_refusesEverythingElse) {
  for (const std::string& bad :
       {std::string(""), std::string(" 1"), std::string("\n1"), std::string("1 "),
        std::string("1\0", 2),
        std::string("1\0"
                    "2",
                    3),
        std::string("abc"), std::string("1,5"), std::string("0x"), std::string("1e"),
        std::string("--1"), std::string("nan"), std::string("-NaN"), std::string("nan(123)"),
        std::string("1e5000"), std::string("-1e5000"), std::string("1e-5000")}) {
    EXPECT_EQ(parse_long_double(bad), std::nullopt) << bad;
  }
}

TEST(FloatingTest, parse_lengthLimitIsRedisBuffer) {
  const std::string longest = "0." + std::string(kMaxLongDoubleBytes - 2, '0');
  ASSERT_EQ(longest.size(), kMaxLongDoubleBytes);
  EXPECT_EQ(parse_long_double(longest), 0.0L);
  EXPECT_EQ(parse_long_double(longest + "0"), std::nullopt);
}

TEST(FloatingTest, parse_leavesErrnoAlone) {
  errno = EBADF;
  EXPECT_EQ(parse_long_double("1e5000"), std::nullopt);
  EXPECT_EQ(errno, EBADF);
}

// The examples of Redis's INCRBYFLOAT page, and the "-0" rule.
TEST(FloatingTest, format_isRedisHumanFriendlyForm) {
  EXPECT_EQ(format_long_double(10.5L + 0.1L), "10.6");
  EXPECT_EQ(format_long_double(10.6L - 5), "5.6");
  EXPECT_EQ(format_long_double(5.0e3L + 2.0e2L), "5200");
  EXPECT_EQ(format_long_double(5000.0L), "5000");
  EXPECT_EQ(format_long_double(0.1L + 0.2L), "0.3");
  EXPECT_EQ(format_long_double(0.0L), "0");
  EXPECT_EQ(format_long_double(-0.0L), "0");
  EXPECT_EQ(format_long_double(1e-20L), "0");
  EXPECT_EQ(format_long_double(-1e-20L), "0");
  EXPECT_EQ(format_long_double(-2.5L), "-2.5");
  EXPECT_EQ(format_long_double(1e20L), "100000000000000000000");
  EXPECT_EQ(format_long_double(0.00000000000000001L), "0.00000000000000001");
}

TEST(FloatingTest, format_largestValuesFitAndParseBack) {
  const long double max = std::numeric_limits<long double>::max();
  for (const long double v : {max, -max, 1e4932L}) {
    const std::string text = format_long_double(v);
    EXPECT_GT(text.size(), 4900u);
    EXPECT_LE(text.size(), kMaxLongDoubleBytes);
    EXPECT_EQ(text.find('.'), std::string::npos);
    EXPECT_EQ(parse_long_double(text), v);
  }
}

TEST(FloatingTest, formatThenParse_isStableAcrossIncrements) {
  // What INCRBYFLOAT stores must parse again, and re-formatting it gives the same text.
  long double v = 0;
  for (int i = 0; i < 1000; ++i) {
    v += 0.1L;
    const std::string text = format_long_double(v);
    const std::optional<long double> back = parse_long_double(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(format_long_double(*back), text);
    v = *back;
  }
  EXPECT_EQ(format_long_double(v), "100");
}

}  // namespace
}  // namespace helios::atlas
