#pragma once
// TickDuties: what a node does at each tick of its loop besides reading messages, in the
// production runtime and in the simulator's nodes alike (the simulator runs this class, so
// it checks the cadence that runs):
//
//   - the core's tick (Node::tick): elections, heartbeats, leases, snapshot intervals;
//   - every 100 ms of ticks, unless the node failed: at the leader, active expiry (keys
//     whose deadline passed by the node's wall clock, LeaderChores::expire_keys) and the
//     start of key versions once every member can decode them; on every node, the
//     membership keeper's round (MemberKeeper::tend: forgetting removed peers, the leader's
//     own changes).
//
// A node that starts leading starts key versions before any client command it proposes
// (on_leading, which the host calls from a posted task, outside the Node's Ready loop).
//
// Catching up with ticks missed during a stall (Node::lapse) is the host's: the runtime
// reads its steady clock, the simulator counts the ticks a pause swallowed.
//
// One per process (a simulated incarnation): its count of ticks starts at 0. Loop thread.

#include <algorithm>
#include <cstdint>
#include <functional>

#include "node/atlas_machine.h"
#include "node/leader_chores.h"
#include "node/member_keeper.h"
#include "node/node.h"

namespace helios::node {

class TickDuties {
 public:
  struct Host {
    std::function<std::uint64_t()> wall_ms;  // the node's wall clock, unix ms
    std::function<bool()> versions_allowed;  // every member can decode StartVersionsOp
    std::function<bool()> removed;           // this node found itself removed
  };
  // How many ticks make the 100 ms round (at least 1; a tick of 0 us counts as 1 us).
  static std::uint64_t round_ticks(std::uint64_t tick_us) {
    return tick_us >= 100'000 ? 1 : 100'000 / std::max<std::uint64_t>(tick_us, 1);
  }

  TickDuties(std::uint64_t tick_us, Node& node, const AtlasMachine& machine, LeaderChores& chores,
             MemberKeeper& members, Host host)
      : every_(round_ticks(tick_us)),
        node_(node),
        machine_(machine),
        chores_(chores),
        members_(members),
        host_(std::move(host)) {}

  // One tick: the core's, then the round when it is due (nothing more once the node failed:
  // its host stops it).
  void tick();
  // The node starts leading (a posted task): key versions, if they may start.
  void on_leading();
  // Ticks since this process started.
  std::uint64_t ticks() const { return ticks_; }

 private:
  bool leads() const { return node_.raw().raft().role() == raft::Role::kLeader; }
  void start_versions();

  const std::uint64_t every_;
  Node& node_;
  const AtlasMachine& machine_;
  LeaderChores& chores_;
  MemberKeeper& members_;
  Host host_;
  std::uint64_t ticks_ = 0;
};

}  // namespace helios::node
