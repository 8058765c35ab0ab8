#include "atlas/intset.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "base/assert.h"

namespace helios::atlas {

namespace {

constexpr std::size_t kHeaderBytes = 8;

// The smallest width that holds `value`.
std::size_t width_of(std::int64_t value) {
  if (value >= std::numeric_limits<std::int16_t>::min() &&
      value <= std::numeric_limits<std::int16_t>::max()) {
    return 2;
  }
  if (value >= std::numeric_limits<std::int32_t>::min() &&
      value <= std::numeric_limits<std::int32_t>::max()) {
    return 4;
  }
  return 8;
}

std::int64_t load(const unsigned char* p, std::size_t width) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < width; ++i) {
    u |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  }
  if (width < 8 && (u >> (8 * width - 1)) != 0) {
    u |= ~std::uint64_t{0} << (8 * width);  // sign-extend
  }
  return static_cast<std::int64_t>(u);
}

void store(unsigned char* p, std::size_t width, std::int64_t value) {
  const auto u = static_cast<std::uint64_t>(value);
  for (std::size_t i = 0; i < width; ++i) {
    p[i] = static_cast<unsigned char>(u >> (8 * i));
  }
}

std::uint32_t count_of(const unsigned char* block) {
  std::uint32_t n = 0;
  std::memcpy(&n, block, sizeof(n));
  return n;
}

}  // namespace

IntSet::IntSet(const IntSet& other) {
  if (other.block_ != nullptr) {
    const std::size_t bytes = kHeaderBytes + other.size() * other.width();
    block_ = std::make_unique<unsigned char[]>(bytes);
    std::memcpy(block_.get(), other.block_.get(), bytes);
  }
}

std::size_t IntSet::size() const {
  return block_ == nullptr ? 0 : count_of(block_.get());
}

std::size_t IntSet::width() const {
  return block_ == nullptr ? 2 : block_[4];
}

std::int64_t IntSet::at(std::size_t index) const {
  HELIOS_ASSERT(index < size());
  return load(block_.get() + kHeaderBytes + index * width(), width());
}

std::pair<std::size_t, bool> IntSet::search(std::int64_t value) const {
  std::size_t lo = 0;
  std::size_t hi = size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (at(mid) < value) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return {lo, lo < size() && at(lo) == value};
}

bool IntSet::contains(std::int64_t value) const {
  return width_of(value) <= width() && search(value).second;
}

void IntSet::resize(std::size_t count, std::size_t width) {
  HELIOS_ASSERT(count <= std::numeric_limits<std::uint32_t>::max());
  if (count == 0) {
    block_.reset();
    return;
  }
  auto block = std::make_unique<unsigned char[]>(kHeaderBytes + count * width);
  const std::size_t kept = std::min(count, size());
  for (std::size_t i = 0; i < kept; ++i) {
    store(block.get() + kHeaderBytes + i * width, width, at(i));
  }
  const auto n = static_cast<std::uint32_t>(count);
  std::memcpy(block.get(), &n, sizeof(n));
  block[4] = static_cast<unsigned char>(width);
  block_ = std::move(block);
}

bool IntSet::insert(std::int64_t value) {
  const auto [index, found] = search(value);
  if (found) {
    return false;
  }
  const std::size_t n = size();
  const std::size_t w = std::max(width(), width_of(value));
  resize(n + 1, w);
  unsigned char* values = block_.get() + kHeaderBytes;
  std::memmove(values + (index + 1) * w, values + index * w, (n - index) * w);
  store(values + index * w, w, value);
  return true;
}

bool IntSet::erase(std::int64_t value) {
  if (width_of(value) > width()) {
    return false;
  }
  const auto [index, found] = search(value);
  if (!found) {
    return false;
  }
  const std::size_t n = size();
  const std::size_t w = width();
  unsigned char* values = block_.get() + kHeaderBytes;
  std::memmove(values + index * w, values + (index + 1) * w, (n - index - 1) * w);
  resize(n - 1, w);
  return true;
}

void IntSet::check_invariants() const {
  if (block_ == nullptr) {
    return;
  }
  HELIOS_ASSERT(size() > 0);
  const std::size_t w = width();
  HELIOS_ASSERT(w == 2 || w == 4 || w == 8);
  for (std::size_t i = 0; i < size(); ++i) {
    HELIOS_ASSERT(width_of(at(i)) <= w);
    HELIOS_ASSERT(i == 0 || at(i - 1) < at(i));
  }
}

}  // namespace helios::atlas
