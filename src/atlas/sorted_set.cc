#include "atlas/sorted_set.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <new>
#include <unordered_map>
#include <utility>

#include "atlas/zset_order.h"
#include "base/assert.h"

namespace helios::atlas {

// A node is one allocation: this header, its `height` levels, then the member's bytes (so
// the member is held once: the hash index points at nodes). Trivially destructible; made by
// make_node, freed by free_node.
struct SortedSet::Node {
  struct Level {
    Node* forward = nullptr;
    std::size_t span = 0;  // elements from this node to `forward` (this one excluded)
  };
  double score = 0;
  Node* backward = nullptr;
  std::uint32_t size = 0;    // the member's bytes
  std::uint32_t height = 0;  // levels

  Level* level() { return reinterpret_cast<Level*>(this + 1); }
  const Level* level() const { return reinterpret_cast<const Level*>(this + 1); }
  std::string_view member() const {
    return {reinterpret_cast<const char*>(level() + height), size};
  }
};
static_assert(sizeof(SortedSet::Node) % alignof(SortedSet::Node::Level) == 0);

namespace {

using Node = SortedSet::Node;

Node* make_node(std::string_view member, double score, int levels) {
  HELIOS_ASSERT(member.size() <= UINT32_MAX && levels >= 1 && levels <= SortedSet::kMaxLevel);
  const std::size_t bytes =
      sizeof(Node) + static_cast<std::size_t>(levels) * sizeof(Node::Level) + member.size();
  void* raw = ::operator new(bytes);
  auto* node = new (raw) Node{score, nullptr, static_cast<std::uint32_t>(member.size()),
                              static_cast<std::uint32_t>(levels)};
  for (int i = 0; i < levels; ++i) {
    new (node->level() + i) Node::Level{};
  }
  member.copy(reinterpret_cast<char*>(node->level() + levels), member.size());
  return node;
}

void free_node(Node* node) {
  ::operator delete(static_cast<void*>(node));
}

}  // namespace

std::size_t SortedSet::NodeHash::operator()(const Node* node) const {
  return (*this)(node->member());
}

bool SortedSet::NodeEq::operator()(const Node* a, const Node* b) const {
  return a->member() == b->member();
}
bool SortedSet::NodeEq::operator()(const Node* a, std::string_view b) const {
  return a->member() == b;
}
bool SortedSet::NodeEq::operator()(std::string_view a, const Node* b) const {
  return a == b->member();
}

using zset_order::before;
using zset_order::below;
using zset_order::below_lex;
using zset_order::within_max;
using zset_order::within_max_lex;

SortedSet::SortedSet() : head_(make_node("", 0, kMaxLevel)) {}

SortedSet::~SortedSet() {
  if (head_ == nullptr) {
    return;
  }
  Node* x = head_->level()[0].forward;
  while (x != nullptr) {
    Node* next = x->level()[0].forward;
    free_node(x);
    x = next;
  }
  free_node(head_);
}

SortedSet::SortedSet(SortedSet&& other) noexcept
    : head_(std::exchange(other.head_, nullptr)),
      tail_(std::exchange(other.tail_, nullptr)),
      level_(std::exchange(other.level_, 1)),
      prng_(other.prng_),
      index_(std::move(other.index_)) {
  other.index_.clear();
}

SortedSet& SortedSet::operator=(SortedSet&& other) noexcept {
  if (this != &other) {
    SortedSet gone(std::move(*this));
    head_ = std::exchange(other.head_, nullptr);
    tail_ = std::exchange(other.tail_, nullptr);
    level_ = std::exchange(other.level_, 1);
    prng_ = other.prng_;
    index_ = std::move(other.index_);
    other.index_.clear();
  }
  return *this;
}

SortedSet SortedSet::clone() const {
  SortedSet out;
  for (const Node* x = head_->level()[0].forward; x != nullptr; x = x->level()[0].forward) {
    out.insert(x->member(), x->score);
  }
  return out;
}

int SortedSet::random_level() {
  int level = 1;
  while (level < kMaxLevel && prng_.uniform(4) == 0) {  // p = 1/4, as Redis
    ++level;
  }
  return level;
}

bool SortedSet::insert(std::string_view member, double score) {
  HELIOS_ASSERT(head_ != nullptr);
  HELIOS_ASSERT(!std::isnan(score));
  // A zero is stored as +0, as Redis's compact encoding does (ZADD z -0 m; ZSCORE z m is "0").
  score = score == 0 ? 0.0 : score;
  if (auto it = index_.find(member); it != index_.end()) {
    if ((*it)->score == score) {
      return false;
    }
    erase(member);
    insert(member, score);
    return false;
  }
  Node* update[kMaxLevel];
  std::size_t rank[kMaxLevel];
  Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->level()[i].forward != nullptr &&
           before(x->level()[i].forward->score, x->level()[i].forward->member(), score, member)) {
      rank[i] += x->level()[i].span;
      x = x->level()[i].forward;
    }
    update[i] = x;
  }
  const int level = random_level();
  if (level > level_) {
    for (int i = level_; i < level; ++i) {
      rank[i] = 0;
      update[i] = head_;
      update[i]->level()[i].span = index_.size();
    }
    level_ = level;
  }
  x = make_node(member, score, level);
  for (int i = 0; i < level; ++i) {
    x->level()[i].forward = update[i]->level()[i].forward;
    update[i]->level()[i].forward = x;
    x->level()[i].span = update[i]->level()[i].span - (rank[0] - rank[i]);
    update[i]->level()[i].span = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; ++i) {
    update[i]->level()[i].span++;
  }
  x->backward = update[0] == head_ ? nullptr : update[0];
  if (x->level()[0].forward != nullptr) {
    x->level()[0].forward->backward = x;
  } else {
    tail_ = x;
  }
  index_.insert(x);
  return true;
}

void SortedSet::unlink(Node* x, Node** update) {
  for (int i = 0; i < level_; ++i) {
    if (update[i]->level()[i].forward == x) {
      update[i]->level()[i].span += x->level()[i].span - 1;
      update[i]->level()[i].forward = x->level()[i].forward;
    } else {
      update[i]->level()[i].span -= 1;
    }
  }
  if (x->level()[0].forward != nullptr) {
    x->level()[0].forward->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && head_->level()[level_ - 1].forward == nullptr) {
    --level_;
  }
}

bool SortedSet::erase(std::string_view member) {
  HELIOS_ASSERT(head_ != nullptr);
  auto it = index_.find(member);
  if (it == index_.end()) {
    return false;
  }
  const double score = (*it)->score;
  Node* update[kMaxLevel];
  Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->level()[i].forward != nullptr &&
           before(x->level()[i].forward->score, x->level()[i].forward->member(), score, member)) {
      x = x->level()[i].forward;
    }
    update[i] = x;
  }
  x = x->level()[0].forward;
  HELIOS_ASSERT(x != nullptr && x->score == score && x->member() == member);
  unlink(x, update);
  index_.erase(it);  // first: the index reads the node's member
  free_node(x);
  return true;
}

std::optional<double> SortedSet::score(std::string_view member) const {
  auto it = index_.find(member);
  if (it == index_.end()) {
    return std::nullopt;
  }
  return (*it)->score;
}

std::optional<std::size_t> SortedSet::rank(std::string_view member, bool reverse) const {
  const std::optional<double> s = score(member);
  if (!s) {
    return std::nullopt;
  }
  std::size_t traversed = 0;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->level()[i].forward != nullptr &&
           !before(*s, member, x->level()[i].forward->score, x->level()[i].forward->member())) {
      traversed += x->level()[i].span;
      x = x->level()[i].forward;
    }
  }
  HELIOS_ASSERT(x != head_ && x->member() == member);
  const std::size_t ascending = traversed - 1;
  return reverse ? size() - 1 - ascending : ascending;
}

SortedSet::Entry SortedSet::at(std::size_t rank) const {
  HELIOS_ASSERT(rank < size());
  const std::size_t target = rank + 1;
  std::size_t traversed = 0;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->level()[i].forward != nullptr && traversed + x->level()[i].span <= target) {
      traversed += x->level()[i].span;
      x = x->level()[i].forward;
    }
    if (traversed == target) {
      return Entry{std::string(x->member()), x->score};
    }
  }
  HELIOS_PANIC("rank %zu not found in a sorted set of %zu", rank, size());
}

std::vector<SortedSet::Entry> SortedSet::slice(std::size_t lo, std::size_t hi, bool reverse,
                                               std::size_t offset, std::size_t limit) const {
  std::vector<Entry> out;
  if (hi <= lo || hi - lo <= offset || limit == 0) {
    return out;
  }
  const std::size_t n = std::min(limit, hi - lo - offset);
  out.reserve(n);
  // Find the first node to emit by rank (O(log n)), then walk.
  const std::size_t start = reverse ? hi - 1 - offset : lo + offset;
  const std::size_t target = start + 1;
  std::size_t traversed = 0;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0 && traversed != target; --i) {
    while (x->level()[i].forward != nullptr && traversed + x->level()[i].span <= target) {
      traversed += x->level()[i].span;
      x = x->level()[i].forward;
    }
  }
  HELIOS_ASSERT(traversed == target);
  for (std::size_t k = 0; k < n; ++k) {
    HELIOS_ASSERT(x != nullptr && x != head_);
    out.push_back(Entry{std::string(x->member()), x->score});
    x = reverse ? x->backward : x->level()[0].forward;
  }
  return out;
}

std::vector<SortedSet::Entry> SortedSet::range_by_rank(std::size_t first, std::size_t last,
                                                       bool reverse) const {
  if (empty() || first >= size() || first > last) {
    return {};
  }
  last = std::min(last, size() - 1);
  if (!reverse) {
    return slice(first, last + 1, false, 0, SIZE_MAX);
  }
  return slice(size() - 1 - last, size() - first, true, 0, SIZE_MAX);
}

template <typename Pred>
std::size_t SortedSet::count_while(Pred pred) const {
  std::size_t n = 0;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->level()[i].forward != nullptr && pred(*x->level()[i].forward)) {
      n += x->level()[i].span;
      x = x->level()[i].forward;
    }
  }
  return n;
}

std::size_t SortedSet::count_below(ScoreBound min) const {
  return count_while([&](const Node& e) { return below(e.score, min); });
}

std::size_t SortedSet::count_at_or_below(ScoreBound max) const {
  return count_while([&](const Node& e) { return within_max(e.score, max); });
}

std::size_t SortedSet::count_below_lex(const LexBound& min) const {
  return count_while([&](const Node& e) { return below_lex(e.member(), min); });
}

std::size_t SortedSet::count_at_or_below_lex(const LexBound& max) const {
  return count_while([&](const Node& e) { return within_max_lex(e.member(), max); });
}

std::vector<SortedSet::Entry> SortedSet::range_by_score(ScoreBound min, ScoreBound max,
                                                        bool reverse, std::size_t offset,
                                                        std::size_t limit) const {
  return slice(count_below(min), count_at_or_below(max), reverse, offset, limit);
}

std::size_t SortedSet::count(ScoreBound min, ScoreBound max) const {
  const std::size_t lo = count_below(min);
  const std::size_t hi = count_at_or_below(max);
  return hi > lo ? hi - lo : 0;
}

namespace {
std::atomic<bool> g_lex_by_rank{false};  // the simulator runs seeds on threads
}  // namespace

void SortedSet::plant_lex_by_rank(bool on) {
  g_lex_by_rank.store(on, std::memory_order_relaxed);
}

bool SortedSet::uniform_scores() const {
  return empty() || head_->level()[0].forward->score == tail_->score || lex_by_rank_planted();
}

bool SortedSet::lex_by_rank_planted() {
  return g_lex_by_rank.load(std::memory_order_relaxed);
}

std::vector<SortedSet::Entry> SortedSet::range_by_lex(const LexBound& min, const LexBound& max,
                                                      bool reverse, std::size_t offset,
                                                      std::size_t limit) const {
  if (!uniform_scores()) {
    return zset_order::walk_lex(entries(), min, max, reverse, offset, limit);
  }
  return slice(count_below_lex(min), count_at_or_below_lex(max), reverse, offset, limit);
}

std::size_t SortedSet::lex_count(const LexBound& min, const LexBound& max) const {
  if (!uniform_scores()) {
    return zset_order::walk_lex(entries(), min, max, false, 0, SIZE_MAX).size();
  }
  const std::size_t lo = count_below_lex(min);
  const std::size_t hi = count_at_or_below_lex(max);
  return hi > lo ? hi - lo : 0;
}

void SortedSet::check_invariants() const {
  HELIOS_ASSERT(head_ != nullptr);
  HELIOS_ASSERT(level_ >= 1 && level_ <= kMaxLevel);
  std::unordered_map<const Node*, std::size_t> position{{head_, 0}};
  std::size_t n = 0;
  const Node* prev = nullptr;
  for (const Node* x = head_->level()[0].forward; x != nullptr; x = x->level()[0].forward) {
    ++n;
    position[x] = n;
    HELIOS_ASSERT(x->backward == prev);
    HELIOS_ASSERT(prev == nullptr || before(prev->score, prev->member(), x->score, x->member()));
    HELIOS_ASSERT(x->height <= static_cast<std::size_t>(level_));
    auto it = index_.find(x->member());
    HELIOS_ASSERT(it != index_.end() && *it == x);
    prev = x;
  }
  HELIOS_ASSERT(tail_ == prev);
  HELIOS_ASSERT(n == index_.size());
  for (int i = 0; i < level_; ++i) {
    for (const Node* x = head_; x != nullptr; x = x->level()[i].forward) {
      const Node* f = x->level()[i].forward;
      if (f != nullptr) {
        HELIOS_ASSERT(static_cast<int>(f->height) > i);
        HELIOS_ASSERT(position.at(f) - position.at(x) == x->level()[i].span);
      }
    }
  }
  for (int i = level_; i < kMaxLevel; ++i) {
    HELIOS_ASSERT(head_->level()[i].forward == nullptr);
  }
}

}  // namespace helios::atlas
