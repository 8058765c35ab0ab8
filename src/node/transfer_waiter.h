#pragma once
// TransferWaiter: a leadership transfer as the runtime offers it (leader_transfer.h), on the
// node's loop: it checks the request, picks the target when none is given
// (choose_transfer_target over candidates()), starts the core's
// transfer (Node::transfer_leadership) and polls every millisecond until another node leads
// (OK), the core gives up or the wait passes (kUnavailable, timed_out). Each request is
// answered exactly once, on the loop, unless the waiter is destroyed first (the process
// stops).
//
// It runs on an env::Loop against a Node: the runtime's asio loop in production
// (POST /transfer-leader, a leader's graceful shutdown), simulated time in the simulator.
// Loop thread only.

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "env/loop.h"
#include "node/client_host.h"
#include "node/leader_transfer.h"
#include "node/node.h"

namespace helios::node {

class TransferWaiter {
 public:
  using Links = std::function<std::vector<PeerLinkState>()>;
  // `links`: the host's links to its peers (the runtime's transport, the simulator's
  // network), for when each last received a message; `election_timeout`: how recent that
  // must be for the peer to count as active. `after_start` runs after the core's transfer
  // started (the runtime stops a node whose storage failed).
  TransferWaiter(NodeId self, env::Loop& loop, Node& node, Links links,
                 std::chrono::milliseconds election_timeout, std::function<void()> after_start);
  ~TransferWaiter();
  TransferWaiter(const TransferWaiter&) = delete;
  TransferWaiter& operator=(const TransferWaiter&) = delete;

  // Hands leadership to `target` (kNoNode: the most up-to-date active follower) and calls
  // `done` once another node leads, or once it is clear that it will not (TransferResult).
  void transfer(NodeId target, std::chrono::milliseconds wait, TransferCallback done);

  // The followers a transfer could go to now: the leader's incoming voters but itself, each
  // active when its link received a message from it within the election timeout (not the
  // core's Progress::recent_active: it outlives its time in a loop that stalled, and a
  // check-quorum round clears it while the follower is still there). Empty when this node
  // does not lead.
  std::vector<TransferCandidate> candidates() const;

  // Planted bug (simulator; raft::PlantedBugs::transfer_answer_leaderless): a transfer is
  // answered OK as soon as this node no longer leads, before it knows who does.
  void plant_answer_leaderless() { bug_answer_leaderless_ = true; }
  // Planted bug (raft::PlantedBugs::transfer_to_silent): every voter counts as active, also
  // one not heard from for longer than an election timeout (down, or cut off).
  void plant_silent_active() { bug_silent_active_ = true; }

 private:
  struct Pending;
  void poll(const std::shared_ptr<Pending>& pending);

  NodeId self_;
  env::Loop& loop_;
  Node& node_;
  Links links_;
  std::chrono::milliseconds election_timeout_;
  std::function<void()> after_start_;
  std::vector<std::weak_ptr<Pending>> pending_;
  bool bug_answer_leaderless_ = false;
  bool bug_silent_active_ = false;
};

}  // namespace helios::node
