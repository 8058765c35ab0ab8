#include "node/stall_report.h"

#include <algorithm>

namespace helios::node {

StallReport::StallReport(std::uint32_t election_timeout_ms, std::uint64_t min_gap_ms)
    : election_timeout_ms_(election_timeout_ms),
      threshold_ms_(std::max<std::uint64_t>(1, election_timeout_ms / 2)),
      min_gap_ms_(min_gap_ms) {}

std::optional<std::string> StallReport::note(const StallFacts& facts) {
  if (facts.stall_ms < threshold_ms_) {
    return std::nullopt;
  }
  if (last_warned_ms_.has_value() && facts.now_ms >= *last_warned_ms_ &&
      facts.now_ms - *last_warned_ms_ < min_gap_ms_) {
    ++suppressed_;
    suppressed_max_ = std::max(suppressed_max_, facts.stall_ms);
    return std::nullopt;
  }
  last_warned_ms_ = facts.now_ms;
  std::string text = "the event loop stalled for " + std::to_string(facts.stall_ms) + " ms";
  text += facts.snapshotting
              ? " while a snapshot was being written (copy-on-write page faults after the fork "
                "slow every write to memory)"
              : " (a long apply, a starved CPU or a paused process)";
  if (facts.leader) {
    text +=
        "; a leader sends no heartbeat while it stalls, and followers that hear nothing for "
        "an election timeout (" +
        std::to_string(election_timeout_ms_) +
        " ms) elect another leader: on a busy or virtualized machine, raise "
        "election_timeout";
  }
  if (suppressed_ > 0) {
    text += " (" + std::to_string(suppressed_) + " more stall(s) of up to " +
            std::to_string(suppressed_max_) + " ms since the last warning)";
    suppressed_ = 0;
    suppressed_max_ = 0;
  }
  return text;
}

}  // namespace helios::node
