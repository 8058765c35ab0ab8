#pragma once
// ClientHost: what the client layer (api::Server: its sessions, api::Executor, api::Blocking)
// needs from the node that hosts it, as an interface. node::Runtime is the production host (asio
// loop, TCP peers, the real clock); a simulator can host the same client layer on simulated time
// and a simulated network.
//
// Threads: every member is called on the host's loop (loop()), and every callback it takes
// runs there too. Callbacks given to node() (proposals, reads) run inside the Node's Ready
// loop or inside the call itself: a caller that acts on them posts first (loop().post).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "atlas/command.h"
#include "atlas/reply.h"
#include "base/status.h"
#include "env/loop.h"
#include "metrics/metrics.h"
#include "node/atlas_machine.h"
#include "node/config.h"
#include "node/node.h"
#include "node/node_status.h"
#include "raft/raw_node.h"

namespace helios::node {

using CommandCallback = std::function<void(Result<std::vector<atlas::Reply>> replies)>;

// The host's outbound link to a peer, as the client layer sees it.
struct PeerLinkState {
  NodeId id = kNoNode;
  bool connected = false;         // connected and greeted now
  std::uint64_t disconnects = 0;  // established connections lost so far
  // When a message from the peer last arrived, in ms of the loop's steady clock
  // (env::Loop::now()); -1: never since this process started.
  std::int64_t last_received_ms = -1;
};

class ClientHost {
 public:
  using RoleListener = std::function<void(const raft::SoftState& soft, Term term)>;
  // A forwarded client command (reply = false) or a leader's answer to one (reply = true)
  // from peer `from`.
  using ForwardHandler = std::function<void(NodeId from, bool reply, std::string body)>;

  virtual ~ClientHost() = default;

  virtual env::Loop& loop() = 0;
  virtual Node& node() = 0;
  // Proposes a command the caller validated (atlas::validate_command), stamped by the host:
  // sets command.stamp_ms and proposes the command's encoding, leaving its ops as they are
  // (the caller may take its values back when the proposal is refused).
  virtual void propose_now(atlas::Command& command, CommandCallback done) = 0;
  // The stamp a command proposed now would get (unix ms, never decreasing).
  virtual std::uint64_t stamp_now() = 0;
  // Runs the ticks whose time has come (before a read that a lease may answer).
  virtual void catch_up_ticks() = 0;
  // A member's client address (port 0: unknown).
  virtual HostPort member_client(NodeId id) const = 0;
  // A member heard from with a wire minor below `minor`, or kNoNode (wire/version.h).
  virtual NodeId member_below_wire_minor(std::uint16_t minor) const = 0;
  // Sends a forward (or a reply to one) to `to` on the link that carries its Raft
  // messages, in order with them; false if it was dropped.
  virtual bool send_forward(NodeId to, bool reply, std::string_view body) = 0;
  // The forwards (not replies) still queued for `to`, never sent, taken back out.
  virtual std::vector<std::string> withdraw_forwards(NodeId to) = 0;
  virtual std::vector<PeerLinkState> peer_link_states() const = 0;
  // Where this host's forward ids start: distinct from those of any earlier run of this
  // node. A leader answers a forward over whatever link it has to the node, a new one after
  // the node restarted too, so a late answer to a forward the node sent before it restarted
  // must never match a forward of this run.
  virtual std::uint64_t first_forward_id() = 0;
  // Observers of role and leader changes; called inside the Node's Ready loop. Set before
  // the host starts.
  virtual void add_role_listener(RoleListener fn) = 0;
  // Where forwards and their replies go. Set before the host starts.
  virtual void set_forward_handler(ForwardHandler fn) = 0;
  // Records how long a read barrier (Node::read) took.
  virtual void observe_read_index(double seconds) = 0;

  // --- what the sessions read besides (api::Server) ---
  // The state machine: its store and ACL table.
  virtual const AtlasMachine& machine() const = 0;
  // Observes the keys each applied command may have grown, and a snapshot replacing the
  // state (AtlasMachine::KeysListener; blocking commands). Set before the host starts.
  virtual void set_keys_listener(AtlasMachine::KeysListener listener) = 0;
  // The recorded metrics the client layer counts its commands and errors into.
  virtual metrics::Metrics& metrics() = 0;
  // Unix seconds of the last durable snapshot (LASTSAVE).
  virtual std::int64_t last_save_unix_s() const = 0;
  // This node's wall clock, unix ms: the time a session judges TTLs by when no leader gave
  // one, and its idle times, TIME and logs (the system clock; simulated, skewed, in a
  // simulator).
  virtual std::int64_t wall_ms() const = 0;
  // The node's status now (INFO's persistence section).
  virtual NodeStatus status_now() const = 0;
  // BGSAVE: starts a snapshot; kUnavailable when one is being taken already.
  virtual Status request_snapshot() = 0;
};

}  // namespace helios::node
