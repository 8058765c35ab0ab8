#include "raft/read_only.h"

#include "base/assert.h"

namespace helios::raft {

std::uint64_t ReadOnly::start_round(Index read_index) {
  HELIOS_ASSERT(!in_flight_);
  HELIOS_ASSERT(!pending_.empty());
  ++round_;
  in_flight_ = true;
  current_index_ = read_index;
  current_.swap(pending_);
  pending_.clear();
  return round_;
}

CompletedRound ReadOnly::complete_round() {
  HELIOS_ASSERT(in_flight_);
  in_flight_ = false;
  CompletedRound out;
  out.read_index = current_index_;
  out.reads.swap(current_);
  return out;
}

void ReadOnly::reset() {
  pending_.clear();
  current_.clear();
  in_flight_ = false;
}

}  // namespace helios::raft
