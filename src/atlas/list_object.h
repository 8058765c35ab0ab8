#pragma once
// ListObject: the value of a list key (LPUSH, LRANGE...), held as Redis 7.0 holds a list: a
// quicklist, a sequence of nodes, each a Listpack of consecutive elements (issue 14's memory
// goal: one buffer per ~8 KiB of elements instead of a heap string per element).
//
// Representation: one pointer to a heap Rep (so the value adds 8 bytes to Object's variant),
// null while the list has never held an element; the Rep holds the nodes, head node first,
// in a std::vector, and the element count. A list of a few elements is one node.
//
// Rules (check_invariants asserts them):
//   - no node is empty;
//   - a node of more than one element encodes in at most kMaxNodeBytes (Redis's
//     list-max-listpack-size -2, 8 KiB); an element bigger than that sits alone in its node;
//   - the cached count equals the sum of the nodes' sizes.
// Which nodes hold which elements depends on the list's history (a snapshot loads it packed
// from the head), so nothing observable may depend on it: every operation is defined on the
// sequence of elements alone. Adjacent nodes that fit together are merged after a removal
// inside the list (LREM, LSET, LINSERT's splits), not after pops at the ends.
//
// Costs: pushes and pops at either end O(node bytes) (a pop of n, O(n + node bytes)); index access
// O(nodes) to the node, walking from the nearer end, then O(node bytes); LREM, LPOS, LINSERT's
// search O(n).
//
// Views returned by at() and given to the visitors stay valid until the next change. Thread
// rules: none (a plain value type; copying is deep).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atlas/listpack.h"

namespace helios::atlas {

class ListObject {
 public:
  // The byte bound of a node of more than one element (Redis: list-max-listpack-size -2).
  static constexpr std::size_t kMaxNodeBytes = 8192;

  ListObject() = default;
  ListObject(const ListObject& other);
  ListObject& operator=(const ListObject& other);
  ListObject(ListObject&&) noexcept = default;
  ListObject& operator=(ListObject&&) noexcept = default;
  ~ListObject() = default;

  std::size_t size() const { return rep_ == nullptr ? 0 : rep_->count; }
  bool empty() const { return size() == 0; }
  std::size_t node_count() const { return rep_ == nullptr ? 0 : rep_->nodes.size(); }

  void push_front(std::string_view element);
  void push_back(std::string_view element);
  // Remove and return the head / the tail element (the list must not be empty).
  std::string pop_front();
  std::string pop_back();
  // Remove min(n, size()) elements from the head / the tail and return them in the order
  // they leave (pop_back: the tail first); one pass over each node they leave.
  std::vector<std::string> pop_front(std::size_t n);
  std::vector<std::string> pop_back(std::size_t n);

  // The element at `index` (< size()), counted from the head.
  std::string_view at(std::size_t index) const;
  // Replaces the element at `index` (< size()).
  void set(std::size_t index, std::string_view element);
  // Inserts `element` before the element at `index` (index == size(): at the tail).
  void insert(std::size_t index, std::string_view element);
  // Removes up to `limit` elements equal to `element` (0: every one), the first ones from
  // the head, or from the tail if `from_tail`; returns how many went (LREM).
  std::size_t remove(std::string_view element, std::uint64_t limit, bool from_tail);
  // Keeps only the elements [first, last) (LTRIM; first <= last <= size()).
  void trim(std::size_t first, std::size_t last);

  // Calls fn(element) for the elements [first, last) in order (LRANGE; last <= size()).
  void for_range(std::size_t first, std::size_t last,
                 const std::function<void(std::string_view)>& fn) const;
  // Calls fn(element) for every element, head first.
  void for_each(const std::function<void(std::string_view)>& fn) const;
  // Calls fn(index, element) from the head (or from the tail if `from_tail`) while it returns
  // true (LPOS, LINSERT's pivot).
  void scan(bool from_tail, const std::function<bool(std::size_t, std::string_view)>& fn) const;

  // "quicklist" (OBJECT ENCODING: Redis 7.0 names every list so).
  std::string_view encoding() const { return "quicklist"; }
  void check_invariants() const;

 private:
  struct Rep {
    std::vector<Listpack> nodes;
    std::size_t count = 0;
  };
  // A node and the index of an element inside it.
  struct Where {
    std::size_t node = 0;
    std::size_t offset = 0;
  };

  Rep& rep();
  // pop_front(n) or pop_back(n).
  std::vector<std::string> pop(std::size_t n, bool from_tail);
  // The node and offset of element `index` (< size()), walking from the nearer end.
  Where locate(std::size_t index) const;
  // Splits node `i` (over the byte bound, more than one element) into nodes within it.
  void split(std::size_t i);
  // Merges node `i` into node i - 1 if both exist and fit in one node; true if it did.
  bool merge_into_previous(std::size_t i);
  // Merges node `i` with its neighbours where they fit.
  void merge_around(std::size_t i);
  // Removes node `i` if it is empty; true if it did.
  bool drop_if_empty(std::size_t i);

  std::unique_ptr<Rep> rep_;
};

}  // namespace helios::atlas
