// Listpack (atlas/listpack.h): the layout (LEB128 lengths, canonical), and every operation
// against a std::vector<std::string> model over random sequences.
#include "atlas/listpack.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/prng.h"

namespace helios::atlas {
namespace {

std::vector<std::string> contents(const Listpack& lp) {
  std::vector<std::string> out;
  for (Listpack::Pos p = lp.begin(); p != lp.end(); p = lp.next(p)) {
    out.emplace_back(lp.at(p));
  }
  return out;
}

TEST(ListpackTest, layoutIsLeb128LengthThenBytes) {
  Listpack lp;
  lp.push_back("");
  lp.push_back(std::string("a\0b", 3));
  EXPECT_EQ(lp.buffer(), std::string("\x00\x03"
                                     "a\0b",
                                     5));
  // Length 127 takes one byte, 128 two (0x80 0x01), 16384 three (0x80 0x80 0x01).
  for (const auto& [length, head] : std::vector<std::pair<std::size_t, std::string>>{
           {127, "\x7f"}, {128, "\x80\x01"}, {16383, "\xff\x7f"}, {16384, "\x80\x80\x01"}}) {
    Listpack one;
    one.push_back(std::string(length, 'x'));
    EXPECT_EQ(one.buffer().substr(0, head.size()), head) << length;
    EXPECT_EQ(one.encoded_bytes(), head.size() + length) << length;
    EXPECT_EQ(one.at(one.begin()).size(), length);
  }
}

TEST(ListpackTest, findSkipsValuesWithAStep) {
  Listpack hash;  // field, value, field, value
  for (const char* s : {"f1", "v", "v", "f2"}) {
    hash.push_back(s);
  }
  EXPECT_EQ(hash.find("v", 2), hash.nth(2));  // "v" as a field (index 2), not index 1
  EXPECT_EQ(hash.find("f2", 2), hash.end());  // only a value
  EXPECT_EQ(hash.find("f2"), hash.nth(3));
  EXPECT_EQ(hash.nth(4), hash.end());
}

TEST(ListpackTest, randomOperationsMatchTheModel) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    base::Prng prng(seed);
    Listpack lp;
    std::vector<std::string> model;
    const auto element = [&]() {
      const std::uint64_t k = prng.uniform(10);
      const std::size_t n = k == 0 ? 200 + prng.uniform(20000) : prng.uniform(12);
      std::string s(n, '\0');
      for (char& c : s) {
        c = static_cast<char>(prng.uniform(256));
      }
      return s;
    };
    for (int step = 0; step < 400; ++step) {
      const std::size_t index = prng.uniform(model.size() + 1);
      switch (prng.uniform(6)) {
        case 0: {
          const std::string e = element();
          lp.push_back(e);
          model.push_back(e);
          break;
        }
        case 1: {
          const std::string e = element();
          lp.push_front(e);
          model.insert(model.begin(), e);
          break;
        }
        case 2: {
          const std::string e = element();
          EXPECT_EQ(lp.insert(lp.nth(index), e), lp.nth(index));
          model.insert(model.begin() + static_cast<long>(index), e);
          break;
        }
        case 3:
          if (index < model.size()) {
            const std::size_t n = 1 + prng.uniform(model.size() - index);
            lp.erase(lp.nth(index), n);
            model.erase(model.begin() + static_cast<long>(index),
                        model.begin() + static_cast<long>(index + n));
          }
          break;
        case 4:
          if (index < model.size()) {
            const std::string e = element();
            lp.replace(lp.nth(index), e);
            model[index] = e;
          }
          break;
        default:
          if (!model.empty()) {
            const std::string& want = model[prng.uniform(model.size())];
            std::size_t first = model.size(), first_even = model.size();
            for (std::size_t i = model.size(); i-- > 0;) {
              if (model[i] == want) {
                first = i;
                if (i % 2 == 0) {
                  first_even = i;
                }
              }
            }
            EXPECT_EQ(lp.find(want), lp.nth(first));
            EXPECT_EQ(lp.find(want, 2), lp.nth(first_even));
          }
          break;
      }
      ASSERT_EQ(lp.size(), model.size()) << "seed " << seed << " step " << step;
      ASSERT_EQ(contents(lp), model) << "seed " << seed << " step " << step;
    }
    // Canonical: the same sequence built from scratch is the same buffer.
    Listpack again;
    for (const std::string& e : model) {
      again.push_back(e);
    }
    EXPECT_EQ(again, lp);
  }
}

}  // namespace
}  // namespace helios::atlas
