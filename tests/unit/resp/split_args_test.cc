// split_args: Redis's sdssplitargs rules, one case per rule.
#include "resp/split_args.h"

#include <gtest/gtest.h>

namespace helios::resp {
namespace {

using Args = std::vector<std::string>;

Args split(std::string_view line) {
  std::optional<Args> args = split_args(line);
  EXPECT_TRUE(args.has_value()) << line;
  return args.value_or(Args{});
}

TEST(SplitArgsTest, split_whitespace) {
  EXPECT_EQ(split(""), Args{});
  EXPECT_EQ(split(" \t\r\n\v\f"), Args{});
  EXPECT_EQ(split("a"), (Args{"a"}));
  EXPECT_EQ(split("  a \t b\r\nc  "), (Args{"a", "b", "c"}));
  // \v and \f separate nothing inside an argument (sdssplitargs ends one only at space, tab,
  // CR and LF) but are skipped between arguments.
  EXPECT_EQ(split("\va\vb\f c"), (Args{"a\vb\f", "c"}));
}

TEST(SplitArgsTest, split_doubleQuotes) {
  EXPECT_EQ(split("\"a b\" c"), (Args{"a b", "c"}));
  EXPECT_EQ(split("\"\""), (Args{""}));
  EXPECT_EQ(split("\"\\n\\r\\t\\b\\a\\\\\\\"\""), (Args{"\n\r\t\b\a\\\""}));
  EXPECT_EQ(split("\"\\x41\\x7a\\xFF\\x00\""), (Args{std::string("Az\xff\0", 4)}));
  // Not a full hex escape: the backslash escapes the 'x' alone.
  EXPECT_EQ(split("\"\\xZZ\\x4\""), (Args{"xZZx4"}));
  EXPECT_EQ(split("\"\\q\\'\""), (Args{"q'"}));
  EXPECT_EQ(split("\"'\""), (Args{"'"}));
}

TEST(SplitArgsTest, split_singleQuotes) {
  EXPECT_EQ(split("'a b' c"), (Args{"a b", "c"}));
  EXPECT_EQ(split("'it\\'s'"), (Args{"it's"}));
  // Only \' is an escape inside single quotes.
  EXPECT_EQ(split("'\\n\\x41\\\\ x'"), (Args{"\\n\\x41\\\\ x"}));
  // So a backslash before the closing quote escapes it.
  EXPECT_FALSE(split_args("'a\\\\'").has_value());
  EXPECT_EQ(split("'\"'"), (Args{"\""}));
}

TEST(SplitArgsTest, split_quoteOpensInsideAnArgument) {
  EXPECT_EQ(split("a\"b c\" d"), (Args{"ab c", "d"}));
  EXPECT_EQ(split("key'x y'"), (Args{"keyx y"}));
}

TEST(SplitArgsTest, split_closingQuoteNeedsWhitespaceOrEnd) {
  EXPECT_EQ(split("\"a\"\tb"), (Args{"a", "b"}));
  EXPECT_EQ(split("\"a\"\v"), (Args{"a"}));
  EXPECT_FALSE(split_args("\"a\"b").has_value());
  EXPECT_FALSE(split_args("'a'b").has_value());
  EXPECT_FALSE(split_args("\"a\"\"b\"").has_value());
}

TEST(SplitArgsTest, split_unbalanced) {
  for (const char* bad : {"\"", "'", "\"abc", "'abc", "a \"b", "\"a\\\"", "'a\\'", "\"a\\"}) {
    EXPECT_FALSE(split_args(bad).has_value()) << bad;
  }
}

TEST(SplitArgsTest, split_binarySafe) {
  EXPECT_EQ(split(std::string_view("a\0b c", 5)), (Args{std::string("a\0b", 3), "c"}));
}

}  // namespace
}  // namespace helios::resp
