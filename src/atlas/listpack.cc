#include "atlas/listpack.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/assert.h"

namespace helios::atlas {

namespace {

// The LEB128 encoding of `n`: 7 bits per byte, low bits first, high bit = more follows.
std::size_t varint_size(std::uint64_t n) {
  std::size_t bytes = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++bytes;
  }
  return bytes;
}

void put_varint(char* out, std::uint64_t n) {
  while (n >= 0x80) {
    *out++ = static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  *out = static_cast<char>(n);
}

// Decodes the varint at `p` (written by put_varint: well-formed by construction).
std::uint64_t get_varint(const char* p, std::size_t& bytes) {
  std::uint64_t n = 0;
  int shift = 0;
  bytes = 0;
  while (true) {
    const auto b = static_cast<std::uint8_t>(p[bytes++]);
    n |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      return n;
    }
    shift += 7;
    HELIOS_ASSERT(shift < 64);
  }
}

// The whole encoding of one element: its varint length and its bytes.
std::string encode(std::string_view element) {
  HELIOS_ASSERT(element.size() <= Listpack::kMaxElementBytes);
  std::string out(varint_size(element.size()) + element.size(), '\0');
  put_varint(out.data(), element.size());
  element.copy(out.data() + varint_size(element.size()), element.size());
  return out;
}

}  // namespace

Listpack::Listpack(const Listpack& other) {
  if (other.block_ != nullptr) {
    block_ = make_block(other.header().used, other.buffer(), {}, {}, other.header().count);
  }
}

std::unique_ptr<char[]> Listpack::make_block(std::size_t capacity, std::string_view prefix,
                                             std::string_view bytes, std::string_view suffix,
                                             std::uint32_t count) {
  const std::size_t used = prefix.size() + bytes.size() + suffix.size();
  HELIOS_ASSERT(used <= capacity && capacity <= kMaxBytes);
  auto block = std::make_unique_for_overwrite<char[]>(sizeof(Header) + capacity);
  const Header h{static_cast<std::uint32_t>(used), static_cast<std::uint32_t>(capacity), count};
  std::memcpy(block.get(), &h, sizeof(h));
  char* out = block.get() + sizeof(Header);
  prefix.copy(out, prefix.size());
  bytes.copy(out + prefix.size(), bytes.size());
  suffix.copy(out + prefix.size() + bytes.size(), suffix.size());
  return block;
}

std::string_view Listpack::at(Pos pos) const {
  const std::string_view buf = buffer();
  HELIOS_ASSERT(pos < buf.size());
  std::size_t head = 0;
  const std::uint64_t length = get_varint(buf.data() + pos, head);
  HELIOS_ASSERT(pos + head + length <= buf.size());
  return buf.substr(pos + head, length);
}

Listpack::Pos Listpack::next(Pos pos) const {
  HELIOS_ASSERT(pos < encoded_bytes());
  std::size_t head = 0;
  const std::uint64_t length = get_varint(data() + pos, head);
  return pos + head + length;
}

Listpack::Pos Listpack::nth(std::size_t index) const {
  if (index >= size()) {
    return end();
  }
  Pos pos = begin();
  for (std::size_t i = 0; i < index; ++i) {
    pos = next(pos);
  }
  return pos;
}

void Listpack::splice(Pos pos, Pos stop, std::string_view bytes, std::ptrdiff_t added) {
  const std::string_view buf = buffer();
  HELIOS_ASSERT(pos <= stop && stop <= buf.size());
  const std::size_t needed = buf.size() - (stop - pos) + bytes.size();
  HELIOS_ASSERT(needed <= kMaxBytes);
  const std::size_t capacity = block_ == nullptr ? 0 : header().capacity;
  const auto count = static_cast<std::uint32_t>(static_cast<std::ptrdiff_t>(size()) + added);
  if (needed == 0) {
    block_.reset();
    return;
  }
  const bool grow = needed > capacity;
  const bool shrink = !grow && capacity - needed > needed / 4 + kSlackBytes;
  if (grow || shrink) {
    const std::size_t room =
        grow ? std::min(needed + needed / kSlackDivisor, std::size_t{kMaxBytes}) : needed;
    block_ = make_block(room, buf.substr(0, pos), bytes, buf.substr(stop), count);
    return;
  }
  char* out = block_.get() + sizeof(Header);
  std::memmove(out + pos + bytes.size(), out + stop, buf.size() - stop);
  bytes.copy(out + pos, bytes.size());
  header().used = static_cast<std::uint32_t>(needed);
  header().count = count;
}

Listpack::Pos Listpack::insert(Pos pos, std::string_view element) {
  HELIOS_ASSERT(pos <= encoded_bytes());
  splice(pos, pos, encode(element), 1);
  return pos;
}

Listpack::Pos Listpack::erase(Pos pos, std::size_t n) {
  HELIOS_ASSERT(n <= size());
  Pos stop = pos;
  for (std::size_t i = 0; i < n; ++i) {
    stop = next(stop);
  }
  splice(pos, stop, {}, -static_cast<std::ptrdiff_t>(n));
  return pos;
}

Listpack::Pos Listpack::replace(Pos pos, std::string_view element) {
  const Pos stop = next(pos);
  splice(pos, stop, encode(element), 0);
  return pos;
}

Listpack::Pos Listpack::find(std::string_view element, std::size_t step) const {
  HELIOS_ASSERT(step >= 1);
  std::size_t i = 0;
  for (Pos pos = begin(); pos != end(); pos = next(pos), ++i) {
    if (i % step == 0 && at(pos) == element) {
      return pos;
    }
  }
  return end();
}

}  // namespace helios::atlas
