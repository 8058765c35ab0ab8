#pragma once
// GatherBuffer: the bytes of one write (a WAL append, a frame) built without copying large
// shared data. Encoders append to bytes(); append(SharedBytes) copies data under
// kSpliceMinBytes (a small copy costs less than another piece of a gather write: another
// iovec, another checksum update) and splices the rest, held by reference until clear().
// The content is bytes() with each splice inserted where bytes() ended when it was added;
// for_each_piece() yields it in order, as one write of the concatenation would.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/shared_bytes.h"

namespace helios::base {

class GatherBuffer {
 public:
  static constexpr std::size_t kSpliceMinBytes = 512;

  GatherBuffer() = default;
  // Only copied bytes (a frame built as one string).
  GatherBuffer(std::string bytes)  // NOLINT(google-explicit-constructor): a string is one
      : bytes_(std::move(bytes)) {}

  // The copied bytes, to append to (encoders write here).
  std::string& bytes() { return bytes_; }
  const std::string& bytes() const { return bytes_; }
  // Adds `data` after everything so far: spliced, or copied if small.
  void append(const SharedBytes& data) {
    if (data.size() < kSpliceMinBytes) {
      bytes_.append(data.view());
      return;
    }
    spliced_bytes_ += data.size();
    splices_.push_back(Splice{bytes_.size(), data});
  }
  bool has_splices() const { return !splices_.empty(); }
  std::size_t size() const { return bytes_.size() + spliced_bytes_; }
  bool empty() const { return size() == 0; }
  // Calls visit(std::string_view) for each non-empty piece from content byte `skip` on
  // (`skip` must lie within bytes() before the first splice), in order.
  template <typename Visit>
  void for_each_piece(Visit&& visit, std::size_t skip = 0) const {
    const std::string_view bytes(bytes_);
    std::size_t from = skip;
    for (const Splice& s : splices_) {
      HELIOS_ASSERT(from <= s.after);
      if (s.after > from) {
        visit(bytes.substr(from, s.after - from));
      }
      visit(s.data.view());
      from = s.after;
    }
    HELIOS_ASSERT(from <= bytes.size());
    if (bytes.size() > from) {
      visit(bytes.substr(from));
    }
  }
  // The content as one string (a copy: tests, and TLS, which encrypts one buffer).
  std::string joined() const {
    std::string out;
    out.reserve(size());
    for_each_piece([&out](std::string_view piece) { out.append(piece); });
    return out;
  }
  void clear() {
    bytes_.clear();
    splices_.clear();
    spliced_bytes_ = 0;
  }

 private:
  struct Splice {
    std::size_t after = 0;  // bytes_'s size when it was added
    SharedBytes data;
  };
  std::string bytes_;
  std::vector<Splice> splices_;
  std::uint64_t spliced_bytes_ = 0;
};

}  // namespace helios::base
