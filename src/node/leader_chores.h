#pragma once
// LeaderChores: the commands a leader proposes on its own, for no client: the deletion of keys
// past their deadline (active expiry), the start of key versions (WATCH), and clock entries
// (commands that change nothing and carry a recent stamp, node/read_clock.h). The production
// runtime and the simulator's node both run them, so the simulator checks what a leader
// really proposes.
//
// At most one command of each kind is in flight: the next is proposed once the last one's
// callback ran. Every call is on the host's loop thread, outside the Node's Ready loop
// (leader_clock_ms, which runs inside it, only asks wants_clock_entry and posts).

#include <cstdint>
#include <functional>

#include "atlas/command.h"
#include "atlas/store.h"
#include "node/client_host.h"

namespace helios::node {

class LeaderChores {
 public:
  // Proposes a valid command now, stamped by the host (ClientHost::propose_now).
  using Propose = std::function<void(atlas::Command command, CommandCallback done)>;

  explicit LeaderChores(Propose propose) : propose_(std::move(propose)) {}

  // At the leader: proposes the deletion of up to 256 keys whose deadline is at or before
  // `now_ms` (replicas already hide them from reads; this frees their memory).
  void expire_keys(const atlas::Store& store, std::uint64_t now_ms);
  // At the leader: proposes atlas::StartVersionsOp while key versions have not started and
  // `allowed` (every member can decode it).
  void start_key_versions(const atlas::Store& store, bool allowed);
  // Whether a clock entry should be proposed now: reads are being timed at `now_ms`, some key
  // has a deadline (otherwise no read depends on the time), the stamps applied lag by half
  // of kReadTimeAheadMs or more (`last_stamp_ms`: AtlasMachine::last_stamp_ms), and none is
  // in flight.
  bool wants_clock_entry(const atlas::Store& store, std::uint64_t last_stamp_ms,
                         std::uint64_t now_ms) const;
  void propose_clock_entry();

  std::uint64_t clock_entries() const { return clock_entries_; }

 private:
  Propose propose_;
  bool expiry_in_flight_ = false;
  bool versions_in_flight_ = false;
  bool clock_entry_in_flight_ = false;
  std::uint64_t clock_entries_ = 0;
};

}  // namespace helios::node
