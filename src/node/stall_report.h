#pragma once
// StallReport: decides when a stall of a node's event loop deserves a warning in the log,
// and words it. A stalled loop reads, applies and sends nothing: a leader that stalls for
// an election timeout sends no heartbeat, so its followers elect another leader, and every
// write it had in flight answers -UNCERTAIN. Typical causes: a long apply, a starved or
// paused machine, and, while a snapshot is written, the copy-on-write page faults that
// follow the fork (on virtual machines one fault can cost 10-20 us, and a busy node takes
// one for every page it writes; bench/README.md, "Leadership lost while snapshotting").
//
// Contract: note() is told of each stall that ended (its length and the time it ended);
// stalls shorter than half the election timeout are ignored; of the others, one warning is
// returned at most every min_gap_ms, and the stalls suppressed meanwhile are counted into
// the next one. Pure: the caller passes the time, so tests drive it without a clock. Used
// on the node's loop thread.

#include <cstdint>
#include <optional>
#include <string>

namespace helios::node {

struct StallFacts {
  std::uint64_t stall_ms = 0;  // how late the loop ran
  std::uint64_t now_ms = 0;    // when the stall ended (any monotonic clock)
  bool leader = false;         // the node led when the stall ended
  bool snapshotting = false;   // a snapshot child process was running
};

class StallReport {
 public:
  explicit StallReport(std::uint32_t election_timeout_ms, std::uint64_t min_gap_ms = 10000);

  // The warning to log for this stall, or nothing (too short, or rate-limited).
  std::optional<std::string> note(const StallFacts& facts);

  // Stalls of at least this long are reported.
  std::uint64_t threshold_ms() const { return threshold_ms_; }

 private:
  std::uint32_t election_timeout_ms_;
  std::uint64_t threshold_ms_;
  std::uint64_t min_gap_ms_;
  std::optional<std::uint64_t> last_warned_ms_;
  std::uint64_t suppressed_ = 0;      // stalls over the threshold not warned about yet
  std::uint64_t suppressed_max_ = 0;  // the longest of them
};

}  // namespace helios::node
