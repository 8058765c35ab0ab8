#pragma once
// SimHost: what a SimNode needs from the simulated world around it (the cluster harness):
// a network (Raft messages; the forwards of the client layer and the snapshot transfers on
// the links' ordered streams), an fsync timer, the clock and turns of the node's loop,
// clients to answer, and the checkers to report to.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "node/client_host.h"
#include "raft/raw_node.h"
#include "sim/options.h"
#include "sim/queue_checker.h"

namespace helios::sim {

// A violated invariant (or a core assertion, through the runner's failure handler): fails
// the seed.
struct SimFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SimHost {
 public:
  virtual ~SimHost() = default;
  virtual void send(const raft::Message& m) = 0;
  virtual void schedule_fsync(int node, std::uint64_t incarnation) = 0;
  // The simulated time (microseconds since the run began): the clock of every node's loop.
  virtual const Micros& now_us() const = 0;
  // A callback of the node's loop is due at `due`: run a turn of it then (SimNode::run_loop).
  virtual void schedule_loop(int node, Micros due) = 0;
  // Runs the node's ticks whose time has come (node::ClientHost::catch_up_ticks).
  virtual void catch_up_ticks(int node) = 0;
  // A whole frame (a forward's or its reply's, node::ClientHost::send_forward; or a snapshot
  // chunk's from the node's SnapshotSender) from `node` to peer `to` on the link's ordered
  // stream: delivered in order while the link is up (SimNode::deliver_forward,
  // SimNode::receive_chunk), queued while it is down, lost when its connection breaks (either end
  // crashes, a partition starts, a reset); false when the queue is full. A snapshot transfer's
  // bytes may be damaged on the way (SimNode::note_torn_transfer tells the receiver first).
  virtual bool send_frame(int node, NodeId to, std::string frame) = 0;
  // The bytes sent from `node` to `to` on the stream and not yet delivered (queued or in
  // flight): what the node's transport would still hold (transport::FrameLink).
  virtual std::uint64_t stream_bytes(int node, NodeId to) const = 0;
  // The forwards (not replies, not chunks) still queued from `node` to `to`, taken back out.
  virtual std::vector<std::string> withdraw_forwards(int node, NodeId to) = 0;
  // The node's links to every other slot.
  virtual std::vector<node::PeerLinkState> peer_links(int node) const = 0;
  // The node's background snapshot write finishes later: SimNode::snapshot_written.
  virtual void schedule_snapshot_write(int node, std::uint64_t incarnation,
                                       const raft::SnapshotMeta& meta,
                                       std::shared_ptr<const std::string> data) = 0;
  // The node's clock, unix ms (skewed per node): what a leader stamps commands with.
  virtual std::uint64_t clock_ms(int node) const = 0;
  // A put committed (ok) or was certainly not applied (!ok).
  virtual void put_done(int client, std::uint64_t op, bool ok) = 0;
  // The leader stopped leading before the put committed: its outcome is unknown.
  virtual void put_uncertain(int client, std::uint64_t op) = 0;
  // `time_ms`: the time it was evaluated at; `applied`: the state's applied index.
  virtual void read_done(int client, std::uint64_t op, std::optional<std::string> value,
                         std::uint64_t time_ms, Index applied) = 0;
  // The client put whose value is `value` was applied at `index` (its `position`-th
  // operation) and `stamp_ms`, setting `deadline_ms`. Nodes report the entries above
  // puts_reported_through() (every node applies the same entry at an index: the first report
  // is the one), each SET of an entry (a batch holds several).
  virtual void on_put_applied(const std::string& value, Index index, std::uint32_t position,
                              std::uint64_t stamp_ms, std::uint64_t deadline_ms) = 0;
  virtual Index puts_reported_through() const = 0;
  // The read was refused (leadership changed before it got an index): it observed nothing.
  virtual void read_failed(int client, std::uint64_t op) = 0;
  // The node closed the client's connection (its idle timeout) before it read the request
  // of operation `op`: the client sees the close, so no answer is owed for it.
  virtual void connection_lost(int client, std::uint64_t op) = 0;
  // The clients' work queue (pushes and blocking pops), checked for exactly-once delivery.
  virtual QueueChecker& queue() = 0;
  virtual void on_role_change(int node, const raft::SoftState& soft) = 0;
  virtual void on_entries_written(int node, const std::vector<raft::Entry>& entries) = 0;
  virtual void on_apply(int node, const raft::Entry& entry) = 0;
  // The node found itself removed (node::RemovalWatch) by the configuration it applied at
  // `index` (0: a member's notice, which the safety checker checks as it is sent).
  virtual void on_removed(int node, Index index, const std::string& reason) = 0;
  // The node's state machine now reflects exactly `applied` (digest: Store::digest_hex).
  virtual void on_state(int node, Index applied, const std::string& digest) = 0;
  virtual void trace_line(const std::string& line) = 0;
  virtual bool tracing() const = 0;
};

}  // namespace helios::sim
