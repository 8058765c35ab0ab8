#pragma once
// ReadIndex (thesis §6.4): the leader answers a read with its commit index once one
// heartbeat round, started after the read arrived, has been acknowledged by a majority.
//
// Reads are batched into rounds: all reads waiting when a round starts are served by it;
// reads arriving while a round is in flight wait for the next one, which starts when the
// current one completes. Round numbers increase for the lifetime of the core (across terms)
// and travel in the heartbeats' `context`; an acknowledgement of round r also confirms every
// earlier round.
//
// Owned by the leader; cleared whenever the node stops being leader (the reads are dropped
// and the caller times them out).

#include <cstdint>
#include <vector>

#include "base/types.h"

namespace helios::raft {

struct ReadRequest {
  std::uint64_t context = 0;
  NodeId from = kNoNode;  // the node that asked (the leader itself for local reads)
};

struct CompletedRound {
  Index read_index = 0;
  std::vector<ReadRequest> reads;
};

class ReadOnly {
 public:
  bool has_pending() const { return !pending_.empty(); }
  bool in_flight() const { return in_flight_; }
  std::uint64_t round() const { return round_; }
  // The read index of the round in flight (meaningful only while in_flight()).
  Index current_index() const { return current_index_; }
  std::uint64_t pending_count() const { return pending_.size() + current_.size(); }

  void enqueue(const ReadRequest& request) { pending_.push_back(request); }
  // Starts a round serving every pending read at `read_index`. Returns the round number.
  std::uint64_t start_round(Index read_index);
  // Completes the in-flight round; returns its reads and their read index.
  CompletedRound complete_round();
  // Drops every read (leadership lost).
  void reset();

 private:
  std::vector<ReadRequest> pending_;
  std::vector<ReadRequest> current_;
  Index current_index_ = 0;
  std::uint64_t round_ = 0;
  bool in_flight_ = false;
};

}  // namespace helios::raft
