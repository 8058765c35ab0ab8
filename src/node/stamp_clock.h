#pragma once
// StampClock: the stamps (unix ms) a node gives the commands it proposes as leader, by the
// rule that keeps time in order across leaders whose clocks disagree (docs/consistency.md,
// "Time and TTLs"; node/read_clock.h says why reads need it):
//
//   - A stamp is never below one this node gave before (the clock may step back), never
//     below a stamp in its log, committed or not, applied or not (the new command comes after
//     all of it), and never below the stamp the state machine applied last.
//   - When the node starts leading, its clock moves to kReadTimeAheadMs above every stamp in
//     its log and applied: an earlier leader may have answered reads at up to that time.
//
// AtlasMachine applies each command at max(its stamp, the last stamp applied) too, so a stamp
// below the log would not run time backwards there, but it would let a read answered by
// this leader's clock contradict one an earlier leader answered. The production runtime and
// the simulator's node both keep one StampClock per process (a restarted process starts a
// new one, from its log's tail: log_tail_stamp), so the simulator checks the rule that runs.
//
// Planted bugs (simulator only): plant_forget_log() stamps by the clock and the applied stamp
// alone and starts a leader's clock unraised (what the runtime once did); plant_unraised_leader()
// only skips the raise at the start of leadership.
//
// Pure: no clock of its own (the caller passes its wall time), no I/O; one thread.

#include <cstdint>
#include <vector>

#include "raft/types.h"

namespace helios::node {

class StampClock {
 public:
  // `log_stamp_ms`: the largest stamp in the log this process recovered (log_tail_stamp).
  explicit StampClock(std::uint64_t log_stamp_ms = 0) : log_stamp_ms_(log_stamp_ms) {}

  // Entries were written to this node's log (from any leader).
  void on_written(const std::vector<raft::Entry>& entries);
  // This node starts leading; `applied_stamp_ms` is AtlasMachine::last_stamp_ms.
  void on_leading(std::uint64_t applied_stamp_ms);
  // The stamp of a command proposed now, at wall time `wall_ms`.
  std::uint64_t stamp(std::uint64_t wall_ms, std::uint64_t applied_stamp_ms);

  // The largest stamp of any entry this node's log held (ever, in this process).
  std::uint64_t log_stamp_ms() const { return log_stamp_ms_; }

  void plant_forget_log() { forget_log_ = true; }
  void plant_unraised_leader() { unraised_leader_ = true; }

 private:
  std::uint64_t last_stamp_ms_ = 0;  // the last stamp given (or the raised start)
  std::uint64_t log_stamp_ms_ = 0;
  bool forget_log_ = false;
  bool unraised_leader_ = false;
};

}  // namespace helios::node
