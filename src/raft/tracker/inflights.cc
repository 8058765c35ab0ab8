#include "raft/tracker/inflights.h"

#include "base/assert.h"

namespace helios::raft {

void Inflights::add(Index last_index, std::uint64_t bytes) {
  HELIOS_ASSERT(!full());
  if (!window_.empty()) {
    HELIOS_ASSERT(last_index > window_.back().index);
  }
  window_.push_back(Item{last_index, bytes});
  bytes_ += bytes;
}

void Inflights::free_le(Index index) {
  while (!window_.empty() && window_.front().index <= index) {
    HELIOS_ASSERT(bytes_ >= window_.front().bytes);
    bytes_ -= window_.front().bytes;
    window_.pop_front();
  }
}

void Inflights::free_first_one() {
  if (!window_.empty()) {
    free_le(window_.front().index);
  }
}

void Inflights::reset() {
  window_.clear();
  bytes_ = 0;
}

}  // namespace helios::raft
