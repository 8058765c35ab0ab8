#pragma once
// SharedBytes: an immutable, reference-counted byte string, binary-safe.
//
// Contract:
//   - A copy shares the bytes (one atomic reference count), never copies them: a log entry's
//     data is encoded once and the unstable log, the Ready, the WAL record, every follower's
//     AppendEntries and the applied entry all point at the same buffer.
//   - A slice (`SharedBytes(owner, view)`) points into a larger buffer that it keeps alive:
//     a follower decodes the entries of an AppendEntries as slices of one copy of the frame.
//   - The bytes never change after construction; the object itself is a value (assignable,
//     movable). Copies may live on different threads (std::shared_ptr's count is atomic).
//   - An empty value owns nothing and allocates nothing.

#include <cstddef>
#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "base/assert.h"

namespace helios::base {

class SharedBytes {
 public:
  SharedBytes() = default;
  // Takes the string's buffer (moved, not copied): one allocation for the count.
  SharedBytes(std::string bytes) {  // NOLINT(google-explicit-constructor): a value type
    if (!bytes.empty()) {
      auto owner = std::make_shared<const std::string>(std::move(bytes));
      view_ = *owner;
      owner_ = std::move(owner);
    }
  }
  SharedBytes(const char* bytes)  // NOLINT(google-explicit-constructor)
      : SharedBytes(std::string(bytes)) {}
  // A slice of `owner`'s bytes, which it keeps alive. `slice` must lie inside *owner.
  SharedBytes(std::shared_ptr<const std::string> owner, std::string_view slice)
      : owner_(std::move(owner)), view_(slice) {
    HELIOS_ASSERT(slice.empty() ||
                  (owner_ != nullptr && slice.data() >= owner_->data() &&
                   slice.data() + slice.size() <= owner_->data() + owner_->size()));
    if (view_.empty()) {
      owner_.reset();
    }
  }
  SharedBytes(const SharedBytes&) = default;
  SharedBytes& operator=(const SharedBytes&) = default;
  // A moved-from value is empty (its view does not outlive the reference it gave away).
  SharedBytes(SharedBytes&& other) noexcept
      : owner_(std::move(other.owner_)), view_(std::exchange(other.view_, {})) {}
  SharedBytes& operator=(SharedBytes&& other) noexcept {
    owner_ = std::move(other.owner_);
    view_ = std::exchange(other.view_, {});
    return *this;
  }
  ~SharedBytes() = default;

  // A new buffer holding a copy of `bytes` (the one place a SharedBytes copies).
  static SharedBytes copy_of(std::string_view bytes) { return SharedBytes(std::string(bytes)); }

  std::string_view view() const { return view_; }
  operator std::string_view() const { return view_; }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view_); }
  const char* data() const { return view_.data(); }
  std::size_t size() const { return view_.size(); }
  bool empty() const { return view_.empty(); }
  const char* begin() const { return view_.data(); }
  const char* end() const { return view_.data() + view_.size(); }
  char operator[](std::size_t i) const { return view_[i]; }
  // Whether this value and `other` point into the same buffer (for tests of sharing).
  bool shares_buffer_with(const SharedBytes& other) const {
    return owner_ != nullptr && owner_ == other.owner_;
  }

  friend bool operator==(const SharedBytes& a, const SharedBytes& b) { return a.view_ == b.view_; }
  friend bool operator==(const SharedBytes& a, std::string_view b) { return a.view_ == b; }
  friend bool operator==(const SharedBytes& a, const std::string& b) { return a.view_ == b; }
  friend bool operator==(const SharedBytes& a, const char* b) { return a.view_ == b; }
  friend std::ostream& operator<<(std::ostream& os, const SharedBytes& b) { return os << b.view_; }

 private:
  std::shared_ptr<const std::string> owner_;
  std::string_view view_;
};

}  // namespace helios::base
