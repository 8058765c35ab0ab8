// KeyTable (atlas/key_table.h) against std::map as the model: random inserts, erases and
// lookups, with a good hash and with colliding ones (long probe runs that wrap around the
// end of the slots, which backward-shift deletion must keep findable), plus the contract's
// guarantees: nodes and iterators stay valid across growth and other keys' erases.
#include "atlas/key_table.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/prng.h"

namespace helios::atlas {
namespace {

struct GoodHash {
  std::size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
};
// Every key in one of four runs, all near the end of the slots: collisions and wrap-around.
struct CollidingHash {
  std::size_t operator()(std::string_view k) const {
    return ~std::size_t{0} - std::hash<std::string_view>{}(k) % 4;
  }
};

template <typename Hash>
void check_equal(const KeyTable<int, Hash>& table, const std::map<std::string, int>& model) {
  ASSERT_EQ(table.size(), model.size());
  std::map<std::string, int> walked;
  for (const auto& [key, value] : table) {
    ASSERT_TRUE(walked.emplace(key, value).second) << "visited twice: " << key;
  }
  ASSERT_EQ(walked, model);
  for (const auto& [key, value] : model) {
    auto it = table.find(key);
    ASSERT_NE(it, table.end()) << key;
    ASSERT_EQ(it->second, value);
  }
  if (table.slot_count() > 0) {
    ASSERT_LE(table.size() * 4, table.slot_count() * 3);  // the load factor bound
  }
}

template <typename Hash>
void random_ops(std::uint64_t seed, int keys) {
  KeyTable<int, Hash> table;
  std::map<std::string, int> model;
  base::Prng prng(seed);
  for (int step = 0; step < 6000; ++step) {
    const std::string key = "k" + std::to_string(prng.uniform(keys));
    switch (prng.uniform(3)) {
      case 0: {
        auto [it, inserted] = table.try_emplace(std::string(key), step);
        ASSERT_EQ(inserted, model.emplace(key, step).second);
        ASSERT_EQ(it->first, key);
        ASSERT_EQ(it->second, model.at(key));
        break;
      }
      case 1: {
        auto it = table.find(key);
        ASSERT_EQ(it != table.end(), model.count(key) == 1);
        if (it != table.end()) {
          table.erase(it);
          model.erase(key);
        }
        break;
      }
      default:
        ASSERT_EQ(table.find(key) != table.end(), model.count(key) == 1);
    }
    if (step % 500 == 0) {
      check_equal(table, model);
    }
  }
  check_equal(table, model);
}

TEST(KeyTableTest, matchesAMapUnderRandomOps) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    random_ops<GoodHash>(seed, 300);
  }
}

TEST(KeyTableTest, matchesAMapWithCollidingHashesThatWrapAround) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    random_ops<CollidingHash>(seed, 60);
  }
}

TEST(KeyTableTest, nodesAndIteratorsSurviveGrowthAndOtherErases) {
  KeyTable<int, CollidingHash> table;
  auto [kept, inserted] = table.try_emplace("kept", 7);
  ASSERT_TRUE(inserted);
  const std::string* key = &kept->first;
  int* value = &kept->second;
  for (int i = 0; i < 1000; ++i) {  // grows many times
    table.try_emplace("x" + std::to_string(i), i);
  }
  for (int i = 0; i < 1000; i += 2) {  // shifts entries back
    table.erase(table.find("x" + std::to_string(i)));
  }
  EXPECT_EQ(&kept->first, key);
  EXPECT_EQ(&kept->second, value);
  EXPECT_EQ(table.find("kept"), kept);
  EXPECT_EQ(kept->second, 7);
  table.erase(kept);  // the stale slot hint is found again by the key
  EXPECT_EQ(table.find("kept"), table.end());
  EXPECT_EQ(table.size(), 500u);
}

TEST(KeyTableTest, moveSwapClearAndReserve) {
  KeyTable<int, GoodHash> a;
  a.reserve(100);
  const std::size_t slots = a.slot_count();
  EXPECT_GE(slots * 3, 100u * 4);
  for (int i = 0; i < 100; ++i) {
    a.try_emplace(std::to_string(i), i);
  }
  EXPECT_EQ(a.slot_count(), slots);  // reserved: no growth
  const int* node = &a.find("42")->second;
  KeyTable<int, GoodHash> b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(&b.find("42")->second, node);
  a.try_emplace("other", 1);
  a.swap(b);
  EXPECT_EQ(a.size(), 100u);
  EXPECT_EQ(b.size(), 1u);
  a.clear();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.find("42"), a.end());
  a.try_emplace("again", 2);
  EXPECT_EQ(a.find("again")->second, 2);
}

TEST(KeyTableTest, everySlotIsEmptyOrHoldsOneEntry) {
  KeyTable<int, GoodHash> t;
  EXPECT_EQ(t.slot_count(), 0u);
  for (int i = 0; i < 50; ++i) {
    t.try_emplace(std::to_string(i), i);
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < t.slot_count(); ++i) {
    if (const auto* e = t.at_slot(i)) {
      EXPECT_TRUE(seen.insert(e->first).second);
    }
  }
  EXPECT_EQ(seen.size(), 50u);
}

}  // namespace
}  // namespace helios::atlas
