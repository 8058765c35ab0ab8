#include "node/stamp_clock.h"

#include <algorithm>

#include "node/atlas_machine.h"
#include "node/read_clock.h"

namespace helios::node {

void StampClock::on_written(const std::vector<raft::Entry>& entries) {
  log_stamp_ms_ = std::max(log_stamp_ms_, max_stamp(entries));
}

void StampClock::on_leading(std::uint64_t applied_stamp_ms) {
  if (forget_log_ || unraised_leader_) {
    return;
  }
  last_stamp_ms_ =
      std::max(last_stamp_ms_, std::max(log_stamp_ms_, applied_stamp_ms) + kReadTimeAheadMs);
}

std::uint64_t StampClock::stamp(std::uint64_t wall_ms, std::uint64_t applied_stamp_ms) {
  const std::uint64_t log_floor = forget_log_ ? 0 : log_stamp_ms_;
  last_stamp_ms_ = std::max({wall_ms, last_stamp_ms_, log_floor, applied_stamp_ms});
  return last_stamp_ms_;
}

}  // namespace helios::node
