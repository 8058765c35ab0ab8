// ListObject (atlas/list_object.h): every operation against a std::deque<std::string> model
// over random sequences (elements of 0..100 bytes and some over a node's 8 KiB, so nodes
// fill, split and merge), the node rules after each step, and the packing that gives lists
// their memory figure.
#include "atlas/list_object.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "atlas/object.h"
#include "base/bytes.h"
#include "base/prng.h"

namespace helios::atlas {
namespace {

std::vector<std::string> contents(const ListObject& l) {
  std::vector<std::string> out;
  l.for_each([&](std::string_view e) { out.emplace_back(e); });
  return out;
}

std::vector<std::string> contents(const std::deque<std::string>& model) {
  return {model.begin(), model.end()};
}

// A random element: mostly from a small pool (so LREM and the searches find matches), else
// random bytes of 0..100, rarely bigger than a node.
std::string random_element(base::Prng& prng) {
  const std::uint64_t kind = prng.uniform(100);
  if (kind < 40) {
    return "v" + std::to_string(prng.uniform(8));
  }
  const std::size_t length = kind < 98 ? prng.uniform(101) : 8192 + prng.uniform(4000);
  std::string out(length, '\0');
  for (char& c : out) {
    c = static_cast<char>('a' + prng.uniform(26));
  }
  return out;
}

// One random operation on both; both must agree afterwards (checked by the caller).
void step(base::Prng& prng, ListObject& l, std::deque<std::string>& model) {
  const std::uint64_t op = prng.uniform(100);
  const std::size_t n = model.size();
  if (op < 25 || n == 0) {
    const std::string e = random_element(prng);
    l.push_back(e);
    model.push_back(e);
  } else if (op < 45) {
    const std::string e = random_element(prng);
    l.push_front(e);
    model.push_front(e);
  } else if (op < 52) {
    ASSERT_EQ(l.pop_front(), model.front());
    model.pop_front();
  } else if (op < 59) {
    ASSERT_EQ(l.pop_back(), model.back());
    model.pop_back();
  } else if (op < 60) {
    // A pop of many (LPOP/RPOP with a count), sometimes more than there are.
    const std::size_t count = prng.uniform(40);
    const bool from_tail = prng.uniform(2) == 1;
    std::vector<std::string> expected;
    while (expected.size() < count && !model.empty()) {
      expected.push_back(from_tail ? model.back() : model.front());
      from_tail ? model.pop_back() : model.pop_front();
    }
    ASSERT_EQ(from_tail ? l.pop_back(count) : l.pop_front(count), expected);
  } else if (op < 68) {
    const std::size_t i = prng.uniform(n + 1);
    const std::string e = random_element(prng);
    l.insert(i, e);
    model.insert(model.begin() + static_cast<std::ptrdiff_t>(i), e);
  } else if (op < 74) {
    const std::size_t i = prng.uniform(n);
    const std::string e = random_element(prng);
    l.set(i, e);
    model[i] = e;
  } else if (op < 82) {
    const std::size_t i = prng.uniform(n);
    ASSERT_EQ(l.at(i), model[i]) << i;
  } else if (op < 86) {
    const std::string e = "v" + std::to_string(prng.uniform(8));
    const std::uint64_t limit = prng.uniform(4);
    const bool from_tail = prng.uniform(2) == 1;
    std::size_t expected = 0;
    std::deque<std::string> kept;
    if (from_tail) {
      for (auto it = model.rbegin(); it != model.rend(); ++it) {
        if (*it == e && (limit == 0 || expected < limit)) {
          ++expected;
        } else {
          kept.push_front(*it);
        }
      }
    } else {
      for (const std::string& x : model) {
        if (x == e && (limit == 0 || expected < limit)) {
          ++expected;
        } else {
          kept.push_back(x);
        }
      }
    }
    ASSERT_EQ(l.remove(e, limit, from_tail), expected);
    model = std::move(kept);
  } else if (op < 88) {
    // Trims keep most of the list (a list that shrinks to nothing tests little).
    const std::size_t first = prng.uniform(n / 8 + 1);
    const std::size_t last = n - prng.uniform((n - first) / 8 + 1);
    l.trim(first, last);
    model.erase(model.begin() + static_cast<std::ptrdiff_t>(last), model.end());
    model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(first));
  } else if (op < 94) {
    const std::size_t first = prng.uniform(n + 1);
    const std::size_t last = first + prng.uniform(n - first + 1);
    std::vector<std::string> got;
    l.for_range(first, last, [&](std::string_view e) { got.emplace_back(e); });
    ASSERT_EQ(got, std::vector<std::string>(model.begin() + static_cast<std::ptrdiff_t>(first),
                                            model.begin() + static_cast<std::ptrdiff_t>(last)));
  } else if (op < 99) {
    // A scan that stops after `stop` elements, from either end.
    const bool from_tail = prng.uniform(2) == 1;
    const std::size_t stop = prng.uniform(n + 1);
    std::size_t visited = 0;
    l.scan(from_tail, [&](std::size_t i, std::string_view e) {
      const std::size_t expected = from_tail ? n - 1 - visited : visited;
      EXPECT_EQ(i, expected);
      EXPECT_EQ(e, model[expected]);
      return ++visited < stop;
    });
    ASSERT_EQ(visited, std::min(n, std::max<std::size_t>(stop, 1)));
  } else {
    ListObject copy(l);
    ASSERT_EQ(contents(copy), contents(model));
    copy.push_back("only in the copy");
    ASSERT_EQ(l.size(), model.size());
  }
}

TEST(ListObjectTest, randomOperationsMatchADeque) {
  std::size_t most_nodes = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    base::Prng prng(seed);
    ListObject l;
    std::deque<std::string> model;
    for (int i = 0; i < 4000; ++i) {
      step(prng, l, model);
      if (testing::Test::HasFatalFailure()) {
        FAIL() << "seed " << seed << " step " << i;
      }
      l.check_invariants();
      ASSERT_EQ(l.size(), model.size()) << "seed " << seed << " step " << i;
      most_nodes = std::max(most_nodes, l.node_count());
      if (i % 97 == 0) {
        ASSERT_EQ(contents(l), contents(model)) << "seed " << seed << " step " << i;
      }
    }
    ASSERT_EQ(contents(l), contents(model)) << "seed " << seed;
  }
  // The sequences grew lists over many nodes (the model test covers splits and merges).
  EXPECT_GT(most_nodes, 10u);
}

TEST(ListObjectTest, nodesFillToTheByteBound) {
  ListObject l;
  for (int i = 0; i < 10000; ++i) {
    l.push_back(std::string(14, 'a'));  // 15 bytes a listpack entry
  }
  // 546 entries of 15 bytes fill 8190 of a node's 8192: 19 nodes.
  EXPECT_EQ(l.node_count(), 19u);
  ListObject front;
  for (int i = 0; i < 10000; ++i) {
    front.push_front(std::string(14, 'a'));
  }
  EXPECT_EQ(front.node_count(), 19u);
  front.check_invariants();
}

TEST(ListObjectTest, aBigElementSitsAloneAndAnOversizedNodeSplits) {
  ListObject l;
  l.push_back("a");
  l.push_back(std::string(10000, 'x'));
  l.push_back("b");
  EXPECT_EQ(l.node_count(), 3u);
  l.check_invariants();
  // Growing an element of a full node past the bound splits the node.
  ListObject full;
  for (int i = 0; i < 500; ++i) {
    full.push_back(std::string(14, 'a'));
  }
  ASSERT_EQ(full.node_count(), 1u);
  full.set(250, std::string(1000, 'y'));
  EXPECT_EQ(full.node_count(), 2u);
  EXPECT_EQ(full.at(250), std::string(1000, 'y'));
  full.check_invariants();
}

TEST(ListObjectTest, removalsMergeNodesBack) {
  ListObject l;
  for (int i = 0; i < 10000; ++i) {
    l.push_back(i % 100 == 0 ? "keep" : "drop-this-one");
  }
  EXPECT_GT(l.node_count(), 10u);
  EXPECT_EQ(l.remove("drop-this-one", 0, false), 9900u);
  EXPECT_EQ(l.size(), 100u);
  EXPECT_EQ(l.node_count(), 1u);
  l.check_invariants();
}

TEST(ListObjectTest, theCanonicalEncodingIsTheElementsInOrder) {
  Object object = make_object(ObjectType::kList);
  auto& l = object.as<ListObject>();
  std::string expected;
  base::put_u64(expected, 3000);
  for (int i = 0; i < 3000; ++i) {
    const std::string e = "element-" + std::to_string(i);
    l.push_back(e);
    base::put_u32(expected, static_cast<std::uint32_t>(e.size()));
    expected += e;
  }
  ASSERT_GT(l.node_count(), 1u);
  EXPECT_EQ(encode_object(object), expected);
  Result<Object> back = decode_object(ObjectType::kList, expected);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(contents(back.value().as<ListObject>()), contents(l));
  check_object(back.value());
  EXPECT_EQ(object.encoding(), "quicklist");
}

}  // namespace
}  // namespace helios::atlas
