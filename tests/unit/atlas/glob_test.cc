// Redis's glob patterns: the examples of Redis's KEYS documentation and test suite, the
// quirks Redis clients can see, hostile patterns in bounded time, and a differential test
// against a direct (recursive, exponential) transcription of Redis's stringmatchlen.
#include "atlas/glob.h"

#include <gtest/gtest.h>

#include <string>

#include "base/prng.h"

namespace helios::atlas {
namespace {

// Redis's stringmatchlen (case-sensitive), transcribed step by step on the raw pattern:
// full backtracking on '*', the class parsed as the string is matched. Exponential on
// hostile input; only for the short inputs of the differential test.
bool reference_match(std::string_view p, std::string_view s) {
  std::size_t pi = 0;
  std::size_t si = 0;
  while (pi < p.size() && si < s.size()) {
    const auto c = static_cast<unsigned char>(s[si]);
    switch (p[pi]) {
      case '*': {
        while (pi + 1 < p.size() && p[pi + 1] == '*') {
          ++pi;
        }
        if (pi + 1 == p.size()) {
          return true;
        }
        for (std::size_t k = si; k < s.size(); ++k) {
          if (reference_match(p.substr(pi + 1), s.substr(k))) {
            return true;
          }
        }
        return false;
      }
      case '?':
        ++si;
        break;
      case '[': {
        ++pi;
        const bool negate = pi < p.size() && p[pi] == '^';
        pi += negate ? 1 : 0;
        bool match = false;
        while (true) {
          if (pi + 1 < p.size() && p[pi] == '\\') {
            ++pi;
            match = match || static_cast<unsigned char>(p[pi]) == c;
          } else if (pi < p.size() && p[pi] == ']') {
            break;
          } else if (pi >= p.size()) {
            --pi;
            break;
          } else if (pi + 2 < p.size() && p[pi + 1] == '-') {
            auto lo = static_cast<unsigned char>(p[pi]);
            auto hi = static_cast<unsigned char>(p[pi + 2]);
            if (lo > hi) {
              std::swap(lo, hi);
            }
            match = match || (lo <= c && c <= hi);
            pi += 2;
          } else {
            match = match || static_cast<unsigned char>(p[pi]) == c;
          }
          ++pi;
        }
        if (match == negate) {
          return false;
        }
        ++si;
        break;
      }
      case '\\':
        if (pi + 1 < p.size()) {
          ++pi;
        }
        [[fallthrough]];
      default:
        if (p[pi] != s[si]) {
          return false;
        }
        ++si;
        break;
    }
    ++pi;
    if (si == s.size()) {
      while (pi < p.size() && p[pi] == '*') {
        ++pi;
      }
      break;
    }
  }
  return pi == p.size() && si == s.size();
}

void expect_matches(std::string_view pattern, std::initializer_list<std::string_view> yes,
                    std::initializer_list<std::string_view> no) {
  const Glob glob(pattern);
  for (const std::string_view text : yes) {
    EXPECT_TRUE(glob.matches(text)) << pattern << " should match " << text;
    EXPECT_TRUE(reference_match(pattern, text)) << pattern << " / " << text;
  }
  for (const std::string_view text : no) {
    EXPECT_FALSE(glob.matches(text)) << pattern << " should not match " << text;
    EXPECT_FALSE(reference_match(pattern, text)) << pattern << " / " << text;
  }
}

// The examples of Redis's KEYS page.
TEST(GlobTest, redisKeysDocumentationExamples) {
  expect_matches("h?llo", {"hello", "hallo", "hxllo"}, {"hllo", "heello", "hello!"});
  expect_matches("h*llo", {"hllo", "heeeello", "hello"}, {"hell", "hlo", "xhllo"});
  expect_matches("h[ae]llo", {"hello", "hallo"}, {"hillo", "hllo", "haello"});
  expect_matches("h[^e]llo", {"hallo", "hbllo", "hxllo"}, {"hello", "hllo"});
  expect_matches("h[a-b]llo", {"hallo", "hbllo"}, {"hcllo", "hello"});
  expect_matches("h\\*llo", {"h*llo"}, {"hello", "hllo"});
}

// Redis's keyspace.tcl: "KEYS with pattern".
TEST(GlobTest, redisTestSuitePrefixPattern) {
  expect_matches("foo*", {"foo_a", "foo_b", "foo_c", "foo"}, {"key_x", "key_y", "fo", "xfoo"});
  expect_matches("*", {"key_x", "a", "*"}, {});
}

TEST(GlobTest, starsQuestionMarksAndEscapes) {
  expect_matches("*a*b*", {"ab", "xaxbx", "aab", "abb"}, {"ba", "a", "b", ""});
  expect_matches("a*", {"a", "abc"}, {"ba", ""});
  expect_matches("**a", {"a", "ba"}, {"ab"});
  expect_matches("?", {"a", "?", "\xff"}, {"", "ab"});
  expect_matches("\\?", {"?"}, {"a"});
  expect_matches("a\\", {"a\\"}, {"a", "a\\\\"});  // a lone backslash at the end is itself
  expect_matches("\\\\", {"\\"}, {"\\\\"});
  expect_matches("[\\]]", {"]"}, {"\\", "[", "]]"});
  expect_matches("[\\-a]", {"-", "a"}, {"b", "\\"});
}

TEST(GlobTest, classesAndTheirQuirks) {
  expect_matches("[abc]", {"a", "b", "c"}, {"d", "", "ab"});
  expect_matches("[z-a]", {"a", "m", "z"}, {"A", "{"});  // a reversed range is swapped
  expect_matches("[a-cx]", {"a", "b", "x"}, {"d", "-"});
  expect_matches("[]", {}, {"]", "a", "[]"});  // an empty class matches nothing
  expect_matches("[^]", {"a", "]"}, {"", "ab"});
  expect_matches("[]a]", {}, {"]", "a", "]a"});          // "[]" then a literal "a]"
  expect_matches("[abc", {"a", "c"}, {"[", "d", "ab"});  // unclosed: the rest is the set
  expect_matches("[", {}, {"[", "a"});
  expect_matches("[^", {"a", "["}, {""});
  expect_matches("[a-]", {"a", "]", "^"}, {"-", "b"});  // ']' ends the range ']'..'a'
  expect_matches("[\x80-\xff]", {"\x80", "\xc3", "\xff"}, {"a", "\x7f"});  // unsigned bytes
}

TEST(GlobTest, emptyTextAndEmptyPattern_asRedis) {
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
  // Redis's stringmatchlen never matches the empty text with a nonempty pattern; its KEYS
  // and SCAN special-case the lone "*" (Store::keys and Store::scan too).
  EXPECT_FALSE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("**", ""));
  EXPECT_FALSE(reference_match("*", ""));
}

TEST(GlobTest, isLiteral_onlyWithoutSpecialBytes) {
  EXPECT_TRUE(Glob::is_literal(""));
  EXPECT_TRUE(Glob::is_literal("user:42"));
  EXPECT_TRUE(Glob::is_literal("a]b^-c"));
  for (const char* special : {"a*", "?", "[a", "a\\b"}) {
    EXPECT_FALSE(Glob::is_literal(special)) << special;
  }
}

// Redis's keyspace.tcl "Regression for pattern matching very long nested loops", made
// harder: a 64 KiB key of 'a's against many stars and a final 'b'. Exponential
// backtracking would never finish; this is O(pattern x text).
TEST(GlobTest, hostilePatterns_finishQuickly) {
  const std::string key(64 << 10, 'a');
  std::string pattern;
  for (int i = 0; i < 40; ++i) {
    pattern += "a*";
  }
  EXPECT_FALSE(glob_match(pattern + "b", key));
  EXPECT_TRUE(glob_match(pattern + "a", key));
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*[^a]", key));
  EXPECT_FALSE(glob_match("*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*b", key));
}

// Random short patterns over the special bytes against random short texts: the
// greedy matcher agrees with the transcription of Redis's recursive one.
TEST(GlobTest, matchesAgreeWithRedisTranscriptionOnRandomInputs) {
  base::Prng prng(0x610b);
  constexpr char kPatternBytes[] = {'a', 'b', '*', '?', '[', ']', '^', '-', '\\', 'c'};
  constexpr char kTextBytes[] = {'a', 'b', 'c', ']', '-', '^', '\\', '*'};
  int matched = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string pattern;
    for (std::uint64_t n = prng.uniform(9); pattern.size() < n;) {
      pattern.push_back(kPatternBytes[prng.uniform(sizeof(kPatternBytes))]);
    }
    std::string text;
    for (std::uint64_t n = prng.uniform(7); text.size() < n;) {
      text.push_back(kTextBytes[prng.uniform(sizeof(kTextBytes))]);
    }
    const bool want = reference_match(pattern, text);
    ASSERT_EQ(glob_match(pattern, text), want)
        << "pattern '" << pattern << "' text '" << text << "'";
    matched += want ? 1 : 0;
  }
  EXPECT_GT(matched, 5000);  // both outcomes are well covered (about 4%)
}

}  // namespace
}  // namespace helios::atlas
