#pragma once
// Listpack: the compact encoding of a small collection (issue 14's memory goal, after
// Redis's listpack): a sequence of binary strings packed into one buffer, each a length
// (LEB128 varint) followed by its bytes. A small hash is its fields and values alternating,
// a small set its members, a small sorted set its members and scores (as text) alternating,
// a small list its elements. One allocation for the whole collection instead of one or two
// per element; lookups are linear scans, which is why collections switch to a hash table
// or a SortedSet past a size (Redis's defaults: 128 entries, 64-byte elements).
//
// Positions: an element is named by its byte offset in the buffer (Pos). begin() is the
// first element's, end() is one past the last's; next() steps over one element. Any change
// invalidates every Pos after the changed one (as iterators of a vector).
//
// Limits: an element is at most kMaxElementBytes (the command layer's value limit is far
// below it); the encoding is canonical (the shortest varint), so equal sequences are equal
// buffers.
//
// Memory: the buffer grows by an eighth beyond what a change needs (a std::string would
// double) and is shrunk when more than a quarter of it (plus kSlackBytes) is unused.
//
// Thread rules: none (a plain value type).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace helios::atlas {

class Listpack {
 public:
  using Pos = std::size_t;
  static constexpr std::size_t kMaxElementBytes = std::size_t{1} << 32;

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Bytes used by the encoding (not counting the std::string's own header or spare room).
  std::size_t encoded_bytes() const { return buf_.size(); }
  const std::string& buffer() const { return buf_; }

  Pos begin() const { return 0; }
  Pos end() const { return buf_.size(); }
  // The element at `pos` (< end()).
  std::string_view at(Pos pos) const;
  // The position after the element at `pos`.
  Pos next(Pos pos) const;
  // The position of the index-th element (O(index)); end() if index >= size().
  Pos nth(std::size_t index) const;

  void push_back(std::string_view element) { insert(end(), element); }
  void push_front(std::string_view element) { insert(begin(), element); }
  // Inserts `element` before the element at `pos` (or at the end); returns its position.
  Pos insert(Pos pos, std::string_view element);
  // Removes `n` elements from `pos` on (n elements must exist); returns `pos`.
  Pos erase(Pos pos, std::size_t n = 1);
  // Replaces the element at `pos`; returns `pos`.
  Pos replace(Pos pos, std::string_view element);

  // The position of the first element equal to `element` among elements 0, step, 2*step...
  // (step 2 finds a hash's field, never a value); end() if none.
  Pos find(std::string_view element, std::size_t step = 1) const;

  bool operator==(const Listpack&) const = default;

 private:
  static constexpr std::size_t kSlackDivisor = 8;
  static constexpr std::size_t kSlackBytes = 32;
  // Replaces the bytes [pos, stop) by `bytes` under the memory rule of the file comment.
  void splice(Pos pos, Pos stop, std::string_view bytes);

  std::string buf_;
  std::size_t count_ = 0;
};

}  // namespace helios::atlas
