#pragma once
// Inflights: the bounded window of AppendEntries sent to one follower and not yet
// acknowledged (etcd/raft's tracker/inflights.go). Each element is the last index a message
// carried and its byte size; the window is full at max_count messages or max_bytes bytes.
//
// Invariant: indexes in the window strictly increase.

#include <cstdint>
#include <deque>

#include "base/types.h"

namespace helios::raft {

class Inflights {
 public:
  Inflights(std::uint64_t max_count, std::uint64_t max_bytes)
      : max_count_(max_count), max_bytes_(max_bytes) {}

  void add(Index last_index, std::uint64_t bytes);
  // Frees every message whose last index is <= index.
  void free_le(Index index);
  void reset();
  // Frees the oldest message: a heartbeat answer shows the follower is alive, and a full
  // window of lost messages must not stall replication forever.
  void free_first_one();

  bool full() const { return window_.size() >= max_count_ || bytes_ >= max_bytes_; }
  std::uint64_t count() const { return window_.size(); }
  std::uint64_t bytes() const { return bytes_; }

 private:
  struct Item {
    Index index;
    std::uint64_t bytes;
  };
  std::uint64_t max_count_;
  std::uint64_t max_bytes_;
  std::uint64_t bytes_ = 0;
  std::deque<Item> window_;
};

}  // namespace helios::raft
