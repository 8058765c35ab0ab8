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
// Memory: the object itself is one pointer (8 bytes: a collection's handle stays small, see
// atlas/object.h), to one heap block holding a 12-byte header (bytes used, capacity, element
// count) and the buffer; an empty listpack holds no block. The buffer grows by an eighth
// beyond what a change needs (a std::string would double) and is shrunk when more than a
// quarter of it (plus kSlackBytes) is unused. The whole encoding is at most kMaxBytes.
//
// Thread rules: none (a plain value type).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace helios::atlas {

class Listpack {
 public:
  using Pos = std::size_t;
  static constexpr std::size_t kMaxBytes = UINT32_MAX;
  static constexpr std::size_t kMaxElementBytes = kMaxBytes - 8;

  Listpack() = default;
  Listpack(const Listpack& other);
  Listpack& operator=(const Listpack& other) { return *this = Listpack(other); }
  Listpack(Listpack&&) noexcept = default;
  Listpack& operator=(Listpack&&) noexcept = default;
  ~Listpack() = default;

  std::size_t size() const { return block_ == nullptr ? 0 : header().count; }
  bool empty() const { return size() == 0; }
  // Bytes used by the encoding (not counting the block's header or spare room).
  std::size_t encoded_bytes() const { return block_ == nullptr ? 0 : header().used; }
  std::string_view buffer() const { return {data(), encoded_bytes()}; }

  Pos begin() const { return 0; }
  Pos end() const { return encoded_bytes(); }
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

  bool operator==(const Listpack& other) const {
    return size() == other.size() && buffer() == other.buffer();
  }

 private:
  struct Header {
    std::uint32_t used = 0;      // bytes of the encoding
    std::uint32_t capacity = 0;  // bytes the block has room for after the header
    std::uint32_t count = 0;     // elements
  };
  static constexpr std::size_t kSlackDivisor = 8;
  static constexpr std::size_t kSlackBytes = 32;

  const Header& header() const { return *reinterpret_cast<const Header*>(block_.get()); }
  Header& header() { return *reinterpret_cast<Header*>(block_.get()); }
  const char* data() const { return block_ == nullptr ? "" : block_.get() + sizeof(Header); }
  // Replaces the bytes [pos, stop) by `bytes` under the memory rule of the file comment;
  // `added` elements more (negative: fewer).
  void splice(Pos pos, Pos stop, std::string_view bytes, std::ptrdiff_t added);
  // A block with room for `capacity` bytes holding `prefix` then `bytes` then `suffix`.
  static std::unique_ptr<char[]> make_block(std::size_t capacity, std::string_view prefix,
                                            std::string_view bytes, std::string_view suffix,
                                            std::uint32_t count);

  std::unique_ptr<char[]> block_;  // Header, then the buffer; nullptr when empty
};

}  // namespace helios::atlas
