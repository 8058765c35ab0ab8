#pragma once
// Leadership transfer as the runtime offers it (docs/operations.md, "Leadership transfer
// and rolling restarts"). The core does the protocol (raft::Raft::transfer_leadership,
// thesis §3.10: refuse proposals, bring the target up to date, send it TimeoutNow, give up
// after an election timeout); the runtime picks the target when none is given, waits on its
// loop until another node leads, and reports a TransferResult. Used by a leader's graceful
// shutdown (apps/node_main.cc) and by POST /transfer-leader (src/admin/).
//
// Pure types and the choice of target (defined in transfer_waiter.cc): no threads, no clocks.
// The waiting itself is TransferWaiter (transfer_waiter.h), which the simulator runs too.

#include <cstdint>
#include <functional>
#include <vector>

#include "base/status.h"
#include "base/types.h"

namespace helios::node {

// A follower the leader could hand leadership to: a voter of the incoming configuration.
struct TransferCandidate {
  NodeId id = kNoNode;
  Index match = 0;      // the leader's Progress match for it
  bool active = false;  // heard from within the last election timeout
};

// The candidate to hand leadership to: among the active ones, the most up to date (highest
// match; ties: the lowest id), so that the transfer waits least for it to catch up.
// kNoNode when none is active (an inactive node may be down: TimeoutNow would be lost).
NodeId choose_transfer_target(const std::vector<TransferCandidate>& candidates);

// The outcome of Runtime::transfer_leadership.
//
//   status OK                another node (`leader`) leads now; already_leader when the
//                            target already was the leader (nothing was done)
//   kInvalidArgument         the target is not a voter of the incoming configuration
//   kNotLeader               this node is not the leader (`leader`: the one it knows, or
//                            kNoNode); nothing was done
//   kUnavailable             no active follower to hand leadership to (nothing was done),
//                            or, with timed_out, leadership did not move within the wait
//                            (the core gave up, or the wait ran out): this node may still
//                            lead, and accepts proposals again once the core gave up
struct TransferResult {
  Status status;
  NodeId target = kNoNode;       // the node leadership was handed to (chosen or given)
  NodeId leader = kNoNode;       // the leader this node knows at the end
  Term term = 0;                 // this node's term at the end
  std::uint64_t elapsed_ms = 0;  // from the start of the transfer to its outcome
  bool already_leader = false;
  bool timed_out = false;
};

using TransferCallback = std::function<void(const TransferResult& result)>;

}  // namespace helios::node
