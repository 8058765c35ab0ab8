#include "node/read_clock.h"

#include <algorithm>
#include <iterator>

namespace helios::node {

void ReadClock::start_term(std::uint64_t log_stamp) {
  stamps_.clear();
  base_ = log_stamp;
}

void ReadClock::on_proposed(Index index, std::uint64_t stamp) {
  // A leader's indexes only grow; an index at or below the last one means its log was
  // replaced under it (it cannot happen while it leads, but dropping is always safe).
  while (!stamps_.empty() && stamps_.back().first >= index) {
    stamps_.pop_back();
  }
  if (stamp != 0) {
    stamps_.emplace_back(index, stamp);
  }
}

void ReadClock::forget_through(Index lowest_read_index) {
  while (!stamps_.empty() && stamps_.front().first <= lowest_read_index) {
    base_ = std::max(base_, stamps_.front().second);
    stamps_.pop_front();
  }
}

std::uint64_t ReadClock::read_time(Index read_index, std::uint64_t leader_now) const {
  if (leader_now == 0) {
    return 0;
  }
  const auto after = std::upper_bound(
      stamps_.begin(), stamps_.end(), read_index,
      [](Index i, const std::pair<Index, std::uint64_t>& s) { return i < s.first; });
  // The last stamp up to read_index: stamps never decrease along the log.
  const std::uint64_t upto = after == stamps_.begin() ? base_ : std::prev(after)->second;
  std::uint64_t t = std::min(leader_now, std::max(upto, base_) + kReadTimeAheadMs);
  if (after != stamps_.end()) {
    t = std::min(t, after->second);
  }
  // The node that serves the read raises T to its own applied stamp, which covers every
  // entry up to read_index. At least 1: 0 means "no time".
  return std::max<std::uint64_t>(t, 1);
}

}  // namespace helios::node
