#pragma once
// Boxed<T>: a T held on the heap behind one pointer, copied deeply: how a collection keeps
// its big representation (a hash table, a deque) out of line, so that the handle every key
// holds inline stays pointer-sized (atlas/object.h, issue 14's memory goal).
//
// Rules: never null except after a move (a moved-from Boxed may only be destroyed or
// assigned to; asserted on access). Thread rules: none (a plain value type).

#include <cstddef>
#include <memory>
#include <utility>

#include "base/assert.h"

namespace helios::atlas {

template <typename T>
class Boxed {
 public:
  Boxed() : p_(std::make_unique<T>()) {}
  explicit Boxed(T value) : p_(std::make_unique<T>(std::move(value))) {}
  Boxed(const Boxed& other) : p_(std::make_unique<T>(*other)) {}
  Boxed& operator=(const Boxed& other) {
    if (this != &other) {
      p_ = std::make_unique<T>(*other);
    }
    return *this;
  }
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;

  T& operator*() {
    HELIOS_ASSERT(p_ != nullptr);
    return *p_;
  }
  const T& operator*() const {
    HELIOS_ASSERT(p_ != nullptr);
    return *p_;
  }
  T* operator->() { return &**this; }
  const T* operator->() const { return &**this; }

 private:
  std::unique_ptr<T> p_;
};

// The size of a collection, boxed or not (for std::visit over representations).
template <typename C>
std::size_t size_of(const C& c) {
  return c.size();
}
template <typename T>
std::size_t size_of(const Boxed<T>& c) {
  return c->size();
}

}  // namespace helios::atlas
