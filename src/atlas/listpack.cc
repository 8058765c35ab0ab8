#include "atlas/listpack.h"

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

std::string_view Listpack::at(Pos pos) const {
  HELIOS_ASSERT(pos < buf_.size());
  std::size_t head = 0;
  const std::uint64_t length = get_varint(buf_.data() + pos, head);
  HELIOS_ASSERT(pos + head + length <= buf_.size());
  return std::string_view(buf_).substr(pos + head, length);
}

Listpack::Pos Listpack::next(Pos pos) const {
  HELIOS_ASSERT(pos < buf_.size());
  std::size_t head = 0;
  const std::uint64_t length = get_varint(buf_.data() + pos, head);
  return pos + head + length;
}

Listpack::Pos Listpack::nth(std::size_t index) const {
  if (index >= count_) {
    return end();
  }
  Pos pos = begin();
  for (std::size_t i = 0; i < index; ++i) {
    pos = next(pos);
  }
  return pos;
}

void Listpack::splice(Pos pos, Pos stop, std::string_view bytes) {
  HELIOS_ASSERT(pos <= stop && stop <= buf_.size());
  const std::size_t needed = buf_.size() - (stop - pos) + bytes.size();
  if (needed > buf_.capacity()) {
    std::string grown;
    grown.reserve(needed + needed / kSlackDivisor);
    grown.append(buf_, 0, pos).append(bytes).append(buf_, stop);
    buf_ = std::move(grown);
    return;
  }
  buf_.replace(pos, stop - pos, bytes);
  if (buf_.capacity() - buf_.size() > buf_.size() / 4 + kSlackBytes) {
    buf_.shrink_to_fit();
  }
}

Listpack::Pos Listpack::insert(Pos pos, std::string_view element) {
  HELIOS_ASSERT(pos <= buf_.size());
  splice(pos, pos, encode(element));
  ++count_;
  return pos;
}

Listpack::Pos Listpack::erase(Pos pos, std::size_t n) {
  HELIOS_ASSERT(n <= count_);
  Pos stop = pos;
  for (std::size_t i = 0; i < n; ++i) {
    stop = next(stop);
  }
  splice(pos, stop, {});
  count_ -= n;
  return pos;
}

Listpack::Pos Listpack::replace(Pos pos, std::string_view element) {
  const Pos stop = next(pos);
  splice(pos, stop, encode(element));
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
