#include "node/read_clock.h"

#include <algorithm>

namespace helios::node {

void ReadClock::truncate_from(Index first) {
  while (!stamps_.empty() && stamps_.back().first >= first) {
    stamps_.pop_back();
  }
}

void ReadClock::forget_through(Index lowest_read_index) {
  while (!stamps_.empty() && stamps_.front().first <= lowest_read_index) {
    stamps_.pop_front();
  }
}

std::uint64_t ReadClock::read_time(Index read_index, std::uint64_t leader_now,
                                   std::uint64_t applied_stamp) const {
  if (leader_now == 0) {
    return 0;
  }
  std::uint64_t t = std::min(leader_now, applied_stamp + kReadTimeAheadMs);
  const auto after = std::upper_bound(
      stamps_.begin(), stamps_.end(), read_index,
      [](Index i, const std::pair<Index, std::uint64_t>& s) { return i < s.first; });
  if (after != stamps_.end()) {
    t = std::min(t, after->second);
  }
  // The node that serves the read raises T to its own applied stamp, which covers every
  // entry up to read_index. At least 1: 0 means "no time".
  return std::max<std::uint64_t>(t, 1);
}

}  // namespace helios::node
