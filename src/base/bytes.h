#pragma once
// Little-endian encoding helpers for on-disk and on-wire formats. Writers append to a
// std::string; Reader consumes a byte range with bounds checks (it never reads past the end:
// a short read makes ok() false and returns zeros).

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace helios::base {

inline void put_u8(std::string& out, std::uint8_t v) {
  out.push_back(static_cast<char>(v));
}

inline void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

inline void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

inline void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

inline std::uint32_t load_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return v;
}

inline std::uint64_t load_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return v;
}

inline void store_u64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool ok() const { return ok_; }
  std::size_t remaining() const { return data_.size() - pos_; }

  std::uint8_t u8() {
    if (!take(1)) {
      return 0;
    }
    return static_cast<std::uint8_t>(data_[pos_ - 1]);
  }
  std::uint32_t u32() { return take(4) ? load_u32(data_.data() + pos_ - 4) : 0; }
  std::uint64_t u64() { return take(8) ? load_u64(data_.data() + pos_ - 8) : 0; }
  std::string_view bytes(std::size_t n) {
    if (!take(n)) {
      return {};
    }
    return data_.substr(pos_ - n, n);
  }
  std::string_view rest() { return bytes(remaining()); }

 private:
  bool take(std::size_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace helios::base
