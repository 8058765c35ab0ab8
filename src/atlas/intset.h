#pragma once
// IntSet: a small set of int64 values held as Redis's intset (issue 14's memory goal): the
// values sorted ascending, each in a fixed width of 2, 4 or 8 bytes (little-endian), the
// smallest width that holds every value added so far, in one heap block behind one pointer.
// An insert that needs a wider width widens every value first (as Redis, it never narrows
// again); lookups are binary searches, inserts and erases move the tail: O(n), which is why
// SetObject keeps at most kSetMaxIntsetEntries values here.
//
// Rules (check_invariants asserts them): values strictly ascending, each fits the width;
// an empty set holds no block. Thread rules: none (a plain value type).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace helios::atlas {

class IntSet {
 public:
  IntSet() = default;
  IntSet(const IntSet& other);
  IntSet& operator=(const IntSet& other) { return *this = IntSet(other); }
  IntSet(IntSet&&) noexcept = default;
  IntSet& operator=(IntSet&&) noexcept = default;
  ~IntSet() = default;

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // The bytes per value: 2, 4 or 8 (2 when empty).
  std::size_t width() const;
  bool contains(std::int64_t value) const;
  // Adds `value`; true if it is new.
  bool insert(std::int64_t value);
  // Removes `value`; true if it was there.
  bool erase(std::int64_t value);
  // The index-th smallest value (index < size()).
  std::int64_t at(std::size_t index) const;

  void check_invariants() const;

 private:
  // The index of the first value not below `value`, and whether it equals it.
  std::pair<std::size_t, bool> search(std::int64_t value) const;
  // Reallocates the block for `count` values of `width` bytes, keeping the first
  // min(count, size()) values.
  void resize(std::size_t count, std::size_t width);

  // [count:u32][width:u8][3 bytes unused][values]; nullptr when empty.
  std::unique_ptr<unsigned char[]> block_;
};

}  // namespace helios::atlas
