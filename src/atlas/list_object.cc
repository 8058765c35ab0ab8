#include "atlas/list_object.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "base/assert.h"

namespace helios::atlas {

namespace {

// The bytes `element` takes in a Listpack: its LEB128 length and its bytes (listpack.h).
std::size_t entry_bytes(std::string_view element) {
  std::size_t head = 1;
  for (std::size_t n = element.size(); n >= 0x80; n >>= 7) {
    ++head;
  }
  return head + element.size();
}

// True if `element` may join `node` (an empty node takes any element).
bool fits(const Listpack& node, std::string_view element) {
  return node.empty() || node.encoded_bytes() + entry_bytes(element) <= ListObject::kMaxNodeBytes;
}

// The positions of a node's elements, in order (a Listpack steps forward only).
std::vector<Listpack::Pos> positions(const Listpack& node) {
  std::vector<Listpack::Pos> out;
  out.reserve(node.size());
  for (Listpack::Pos pos = node.begin(); pos != node.end(); pos = node.next(pos)) {
    out.push_back(pos);
  }
  return out;
}

}  // namespace

ListObject::ListObject(const ListObject& other)
    : rep_(other.rep_ == nullptr ? nullptr : std::make_unique<Rep>(*other.rep_)) {}

ListObject& ListObject::operator=(const ListObject& other) {
  if (this != &other) {
    rep_ = other.rep_ == nullptr ? nullptr : std::make_unique<Rep>(*other.rep_);
  }
  return *this;
}

ListObject::Rep& ListObject::rep() {
  if (rep_ == nullptr) {
    rep_ = std::make_unique<Rep>();
  }
  return *rep_;
}

void ListObject::push_front(std::string_view element) {
  Rep& r = rep();
  if (r.nodes.empty() || !fits(r.nodes.front(), element)) {
    r.nodes.insert(r.nodes.begin(), Listpack{});
  }
  r.nodes.front().push_front(element);
  ++r.count;
}

void ListObject::push_back(std::string_view element) {
  Rep& r = rep();
  if (r.nodes.empty() || !fits(r.nodes.back(), element)) {
    r.nodes.emplace_back();
  }
  r.nodes.back().push_back(element);
  ++r.count;
}

std::string ListObject::pop_front() {
  HELIOS_ASSERT(!empty());
  return std::move(pop_front(1).front());
}

std::string ListObject::pop_back() {
  HELIOS_ASSERT(!empty());
  return std::move(pop_back(1).front());
}

std::vector<std::string> ListObject::pop_front(std::size_t n) {
  return pop(n, false);
}

std::vector<std::string> ListObject::pop_back(std::size_t n) {
  return pop(n, true);
}

std::vector<std::string> ListObject::pop(std::size_t n, bool from_tail) {
  std::vector<std::string> out;
  out.reserve(std::min(n, size()));
  while (out.size() < n && !empty()) {
    const std::size_t i = from_tail ? rep_->nodes.size() - 1 : 0;
    Listpack& node = rep_->nodes[i];
    const std::size_t take = std::min(n - out.size(), node.size());
    // The leaving elements of the node, read head first (a Listpack steps forward only),
    // then reversed if they leave from the tail.
    const Listpack::Pos first = from_tail ? node.nth(node.size() - take) : node.begin();
    const std::size_t before = out.size();
    for (Listpack::Pos pos = first; out.size() - before < take; pos = node.next(pos)) {
      out.emplace_back(node.at(pos));
    }
    if (from_tail) {
      std::reverse(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
    }
    node.erase(first, take);
    rep_->count -= take;
    drop_if_empty(i);
  }
  return out;
}

ListObject::Where ListObject::locate(std::size_t index) const {
  HELIOS_ASSERT(index < size());
  const std::vector<Listpack>& nodes = rep_->nodes;
  if (index < rep_->count / 2) {
    std::size_t i = 0;
    while (index >= nodes[i].size()) {
      index -= nodes[i].size();
      ++i;
    }
    return {i, index};
  }
  std::size_t from_tail = rep_->count - 1 - index;
  std::size_t i = nodes.size() - 1;
  while (from_tail >= nodes[i].size()) {
    from_tail -= nodes[i].size();
    --i;
  }
  return {i, nodes[i].size() - 1 - from_tail};
}

std::string_view ListObject::at(std::size_t index) const {
  const Where w = locate(index);
  const Listpack& node = rep_->nodes[w.node];
  return node.at(node.nth(w.offset));
}

void ListObject::set(std::size_t index, std::string_view element) {
  const Where w = locate(index);
  Listpack& node = rep_->nodes[w.node];
  node.replace(node.nth(w.offset), element);
  if (node.size() > 1 && node.encoded_bytes() > kMaxNodeBytes) {
    split(w.node);
  } else {
    merge_around(w.node);
  }
}

void ListObject::insert(std::size_t index, std::string_view element) {
  HELIOS_ASSERT(index <= size());
  if (index == size()) {
    push_back(element);
    return;
  }
  if (index == 0) {
    push_front(element);
    return;
  }
  const Where w = locate(index);
  Rep& r = *rep_;
  ++r.count;
  // Before a node's first element: the end of the previous node if it has room.
  if (w.offset == 0 && fits(r.nodes[w.node - 1], element)) {
    r.nodes[w.node - 1].push_back(element);
    return;
  }
  Listpack& node = r.nodes[w.node];
  node.insert(node.nth(w.offset), element);
  if (node.encoded_bytes() > kMaxNodeBytes) {
    split(w.node);
  }
}

void ListObject::split(std::size_t i) {
  Rep& r = *rep_;
  const Listpack old = std::move(r.nodes[i]);
  // Halves when that fits (later inserts there find room), else nodes filled to the bound.
  const std::size_t target =
      old.encoded_bytes() <= 2 * kMaxNodeBytes ? old.encoded_bytes() / 2 : kMaxNodeBytes;
  std::vector<Listpack> pieces(1);
  for (Listpack::Pos pos = old.begin(); pos != old.end(); pos = old.next(pos)) {
    const std::string_view element = old.at(pos);
    if (!fits(pieces.back(), element) || pieces.back().encoded_bytes() >= target) {
      pieces.emplace_back();
    }
    pieces.back().push_back(element);
  }
  r.nodes[i] = std::move(pieces.front());
  r.nodes.insert(r.nodes.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                 std::make_move_iterator(pieces.begin() + 1),
                 std::make_move_iterator(pieces.end()));
  merge_into_previous(i + pieces.size());
  merge_into_previous(i);
}

bool ListObject::merge_into_previous(std::size_t i) {
  std::vector<Listpack>& nodes = rep_->nodes;
  if (i == 0 || i >= nodes.size() ||
      nodes[i - 1].encoded_bytes() + nodes[i].encoded_bytes() > kMaxNodeBytes) {
    return false;
  }
  const Listpack& from = nodes[i];
  for (Listpack::Pos pos = from.begin(); pos != from.end(); pos = from.next(pos)) {
    nodes[i - 1].push_back(from.at(pos));
  }
  nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(i));
  return true;
}

void ListObject::merge_around(std::size_t i) {
  merge_into_previous(i + 1);
  merge_into_previous(i);
}

bool ListObject::drop_if_empty(std::size_t i) {
  std::vector<Listpack>& nodes = rep_->nodes;
  if (!nodes[i].empty()) {
    return false;
  }
  nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(i));
  return true;
}

std::size_t ListObject::remove(std::string_view element, std::uint64_t limit, bool from_tail) {
  if (rep_ == nullptr) {
    return 0;
  }
  std::vector<Listpack>& nodes = rep_->nodes;
  std::size_t removed = 0;
  // Nodes are visited from the chosen end; the matches of one node are dropped by rebuilding
  // it once (erasing them one by one would move the node's bytes once per match).
  for (std::size_t k = 0; k < nodes.size() && (limit == 0 || removed < limit);) {
    const std::size_t i = from_tail ? nodes.size() - 1 - k : k;
    const Listpack& node = nodes[i];
    std::vector<Listpack::Pos> matches;
    for (Listpack::Pos pos = node.begin(); pos != node.end(); pos = node.next(pos)) {
      if (node.at(pos) == element) {
        matches.push_back(pos);
      }
    }
    const std::size_t take =
        limit == 0
            ? matches.size()
            : static_cast<std::size_t>(std::min<std::uint64_t>(limit - removed, matches.size()));
    if (take == 0) {
      ++k;
      continue;
    }
    // The first `take` matches from the head, or the last `take` from the tail.
    const std::size_t first = from_tail ? matches.size() - take : 0;
    Listpack kept;
    std::size_t next_drop = first;
    for (Listpack::Pos pos = node.begin(); pos != node.end(); pos = node.next(pos)) {
      if (next_drop < first + take && matches[next_drop] == pos) {
        ++next_drop;
      } else {
        kept.push_back(node.at(pos));
      }
    }
    removed += take;
    rep_->count -= take;
    nodes[i] = std::move(kept);
    // k counts nodes from the chosen end: after a dropped node the next one to visit is
    // at the same k (from the head it moves into i; from the tail i - 1 is size - 1 - k).
    if (!drop_if_empty(i)) {
      ++k;
    }
  }
  if (removed != 0) {
    for (std::size_t i = 1; i < nodes.size();) {
      if (!merge_into_previous(i)) {
        ++i;
      }
    }
  }
  return removed;
}

void ListObject::trim(std::size_t first, std::size_t last) {
  HELIOS_ASSERT(first <= last && last <= size());
  if (first == 0 && last == size()) {
    return;
  }
  Rep& r = *rep_;
  if (first == last) {
    r.nodes.clear();
    r.count = 0;
    return;
  }
  const Where head = locate(first);
  const Where tail = locate(last - 1);
  // The tail first: the head's positions stay valid.
  Listpack& tail_node = r.nodes[tail.node];
  if (tail.offset + 1 < tail_node.size()) {
    tail_node.erase(tail_node.nth(tail.offset + 1), tail_node.size() - tail.offset - 1);
  }
  r.nodes.erase(r.nodes.begin() + static_cast<std::ptrdiff_t>(tail.node) + 1, r.nodes.end());
  Listpack& head_node = r.nodes[head.node];
  if (head.offset != 0) {
    head_node.erase(head_node.begin(), head.offset);
  }
  r.nodes.erase(r.nodes.begin(), r.nodes.begin() + static_cast<std::ptrdiff_t>(head.node));
  r.count = last - first;
}

void ListObject::for_range(std::size_t first, std::size_t last,
                           const std::function<void(std::string_view)>& fn) const {
  HELIOS_ASSERT(first <= last && last <= size());
  if (first == last) {
    return;
  }
  const Where w = locate(first);
  std::size_t left = last - first;
  for (std::size_t i = w.node; left != 0; ++i) {
    const Listpack& node = rep_->nodes[i];
    Listpack::Pos pos = i == w.node ? node.nth(w.offset) : node.begin();
    for (; pos != node.end() && left != 0; pos = node.next(pos), --left) {
      fn(node.at(pos));
    }
  }
}

void ListObject::for_each(const std::function<void(std::string_view)>& fn) const {
  for_range(0, size(), fn);
}

void ListObject::scan(bool from_tail,
                      const std::function<bool(std::size_t, std::string_view)>& fn) const {
  if (rep_ == nullptr) {
    return;
  }
  const std::vector<Listpack>& nodes = rep_->nodes;
  if (!from_tail) {
    std::size_t index = 0;
    for (const Listpack& node : nodes) {
      for (Listpack::Pos pos = node.begin(); pos != node.end(); pos = node.next(pos)) {
        if (!fn(index++, node.at(pos))) {
          return;
        }
      }
    }
    return;
  }
  std::size_t index = rep_->count;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    const std::vector<Listpack::Pos> at = positions(*it);
    for (auto pos = at.rbegin(); pos != at.rend(); ++pos) {
      if (!fn(--index, it->at(*pos))) {
        return;
      }
    }
  }
}

void ListObject::check_invariants() const {
  if (rep_ == nullptr) {
    return;
  }
  std::size_t sum = 0;
  for (const Listpack& node : rep_->nodes) {
    HELIOS_ASSERT(!node.empty());
    HELIOS_ASSERT(node.size() == 1 || node.encoded_bytes() <= kMaxNodeBytes);
    sum += node.size();
  }
  HELIOS_ASSERT(sum == rep_->count);
}

}  // namespace helios::atlas
