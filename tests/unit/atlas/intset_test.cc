// IntSet (atlas/intset.h) against a std::set<int64_t> model, its widths, and SetObject's
// intset representation at its limits (atlas/set_object.h).
#include "atlas/intset.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "atlas/object.h"
#include "atlas/set_object.h"
#include "base/prng.h"

namespace helios::atlas {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

std::vector<std::int64_t> contents(const IntSet& s) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    out.push_back(s.at(i));
  }
  return out;
}

TEST(IntSetTest, widensToTheLargestValueAndNeverNarrows) {
  IntSet s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.width(), 2u);
  EXPECT_TRUE(s.insert(-32768));
  EXPECT_TRUE(s.insert(32767));
  EXPECT_EQ(s.width(), 2u);
  EXPECT_TRUE(s.insert(32768));
  EXPECT_EQ(s.width(), 4u);
  EXPECT_TRUE(s.insert(kMin));
  EXPECT_EQ(s.width(), 8u);
  EXPECT_FALSE(s.insert(32768));
  EXPECT_EQ(contents(s), (std::vector<std::int64_t>{kMin, -32768, 32767, 32768}));
  EXPECT_TRUE(s.erase(kMin));
  EXPECT_FALSE(s.erase(kMin));
  EXPECT_EQ(s.width(), 8u);  // as Redis: no narrowing
  EXPECT_FALSE(s.contains(kMax));
  EXPECT_TRUE(s.contains(-32768));
  s.check_invariants();
}

TEST(IntSetTest, randomOperationsMatchTheModel) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    base::Prng prng(seed);
    IntSet s;
    std::set<std::int64_t> model;
    const auto value = [&]() -> std::int64_t {
      switch (prng.uniform(4)) {
        case 0:
          return static_cast<std::int64_t>(prng.uniform(200)) - 100;  // 2 bytes
        case 1:
          return static_cast<std::int64_t>(prng.uniform(1u << 20)) - (1 << 19);  // 4 bytes
        case 2:
          return static_cast<std::int64_t>(prng.next());  // 8 bytes
        default:
          return prng.uniform(2) == 0 ? kMin : kMax;
      }
    };
    for (int step = 0; step < 600; ++step) {
      const std::int64_t v = value();
      if (prng.uniform(3) == 0) {
        EXPECT_EQ(s.erase(v), model.erase(v) == 1);
      } else {
        EXPECT_EQ(s.insert(v), model.insert(v).second);
      }
      EXPECT_EQ(s.contains(v), model.contains(v));
      ASSERT_EQ(s.size(), model.size());
      s.check_invariants();
    }
    EXPECT_EQ(contents(s), std::vector<std::int64_t>(model.begin(), model.end()));
    const IntSet copy = s;  // a deep copy
    EXPECT_EQ(contents(copy), contents(s));
    IntSet moved = std::move(s);
    EXPECT_EQ(contents(moved), contents(copy));
  }
}

TEST(IntSetTest, setObjectKeepsCanonicalIntegersAsAnIntsetUpTo512) {
  SetObject s;
  for (std::int64_t i = 0; i < 511; ++i) {
    EXPECT_TRUE(s.insert(std::to_string(i * 1000003 - 200000000)));
  }
  EXPECT_TRUE(s.insert(std::to_string(kMin)));  // the 512th
  EXPECT_EQ(s.encoding(), "intset");
  EXPECT_TRUE(s.contains(std::to_string(kMin)));
  EXPECT_FALSE(s.contains("+1"));
  EXPECT_FALSE(s.contains("-0"));
  EXPECT_FALSE(s.contains(" 0"));
  EXPECT_FALSE(s.insert(std::to_string(kMin)));
  EXPECT_EQ(s.encoding(), "intset");
  SetObject text = s;
  EXPECT_TRUE(s.insert(std::to_string(kMax)));  // the 513th: a table
  EXPECT_EQ(s.encoding(), "hashtable");
  EXPECT_EQ(s.size(), 513u);
  EXPECT_TRUE(s.contains(std::to_string(kMax)));
  EXPECT_TRUE(text.insert("007"));  // not canonical: text, past 128 entries: a table
  EXPECT_EQ(text.encoding(), "hashtable");
  EXPECT_TRUE(text.contains("007"));
  s.check_invariants();
  text.check_invariants();
}

TEST(IntSetTest, setObjectTurnsAListpackOnTextWhenItFits) {
  SetObject s;
  for (std::int64_t i = 0; i < 127; ++i) {
    s.insert(std::to_string(i));
  }
  EXPECT_EQ(s.encoding(), "intset");
  SetObject long_text = s;
  EXPECT_TRUE(s.insert("a"));  // 128 members: a listpack
  EXPECT_EQ(s.encoding(), "listpack");
  EXPECT_TRUE(s.contains("126"));
  EXPECT_TRUE(s.erase("a"));
  EXPECT_EQ(s.encoding(), "listpack");  // never back to an intset
  EXPECT_TRUE(long_text.insert(std::string(kSetMaxListpackValue + 1, 'x')));
  EXPECT_EQ(long_text.encoding(), "hashtable");
  SetObject first_text;
  EXPECT_TRUE(first_text.insert("x"));
  EXPECT_EQ(first_text.encoding(), "listpack");
  s.check_invariants();
  long_text.check_invariants();
}

TEST(IntSetTest, membersComeAsCanonicalTextThatOutlivesTheCall) {
  SetObject a;
  SetObject b;
  for (const char* m : {"10", "-5", "300000", "9223372036854775807"}) {
    a.insert(m);
  }
  b.insert("7");
  MemberText text;
  const std::vector<std::string_view> from_a = a.members(text);
  const std::vector<std::string_view> from_b = b.members(text);  // the first stay valid
  EXPECT_EQ(from_a, (std::vector<std::string_view>{"-5", "10", "300000", "9223372036854775807"}));
  EXPECT_EQ(from_b, std::vector<std::string_view>{"7"});
  // The canonical encoding is the same as for the same members held as text.
  SetObject as_table = a;
  as_table.convert_to_table();
  Object one = make_object(ObjectType::kSet);
  one.as<SetObject>() = a;
  Object two = make_object(ObjectType::kSet);
  two.as<SetObject>() = as_table;
  EXPECT_EQ(encode_object(one), encode_object(two));
  Result<Object> decoded = decode_object(ObjectType::kSet, encode_object(two));
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded.value().encoding(), "intset");
}

TEST(ObjectSizeTest, handlesStaySmall) {
  EXPECT_LE(sizeof(Listpack), 8u);
  EXPECT_LE(sizeof(IntSet), 8u);
  EXPECT_LE(sizeof(SetObject), 16u);
  EXPECT_LE(sizeof(HashObject), 16u);
  EXPECT_LE(sizeof(ZSetObject), 16u);
  EXPECT_LE(sizeof(Object), 24u);
}

}  // namespace
}  // namespace helios::atlas
