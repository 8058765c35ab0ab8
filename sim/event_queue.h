#pragma once
// EventQueue: the simulator's single timeline. Events run in (time, sequence) order, so two
// events at the same microsecond run in the order they were scheduled: no hash order, no
// wall clock, nothing that differs between runs of the same seed.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "raft/types.h"
#include "sim/options.h"

namespace helios::sim {

enum class EventKind : std::uint8_t {
  kTick,        // node ticks its core
  kDeliver,     // a message arrives at node
  kFsyncDone,   // node's outstanding fsync completes
  kClientStep,  // client issues its next operation
  kClientTimeout,
  kFault,            // the fault injector draws
  kRestart,          // a crashed node comes back
  kHeal,             // a partition or clog ends
  kSnapshotWritten,  // node's background snapshot write completes
  kMembership,       // the harness changes the membership at the leader
  kClientRequest,    // a client's request, put off while its node was paused, is read
  kLoop,             // a turn of node's loop (SimNode::run_loop)
  kStream,           // a frame of peer's ordered stream to node arrives (a forward, its
                     // reply, a snapshot chunk)
};

struct Event {
  EventKind kind = EventKind::kTick;
  int node = -1;
  std::uint64_t incarnation = 0;  // node events from an earlier incarnation are ignored
  // kStream: the sender's incarnation (a connection ends with either process); kDeliver: the
  // sender's machine (SimCluster::machine_).
  std::uint64_t peer_incarnation = 0;
  int client = -1;
  std::uint64_t op = 0;
  std::uint64_t fault_id = 0;
  raft::Message message;
  NodeId peer = kNoNode;                    // kStream: the sender
  std::shared_ptr<const std::string> data;  // kSnapshotWritten: the file; kStream: the frame
  // kStream: the sender's connection it was written on (SimCluster::link_losses_ then): a
  // connection that breaks before it arrives loses it.
  std::uint64_t connection = 0;
};

class EventQueue {
 public:
  void schedule(Micros at, Event event) { events_.emplace(Key{at, next_seq_++}, std::move(event)); }
  bool empty() const { return events_.empty(); }
  Micros next_time() const { return events_.begin()->first.first; }
  std::pair<Micros, Event> pop() {
    auto node = events_.extract(events_.begin());
    return {node.key().first, std::move(node.mapped())};
  }
  std::size_t size() const { return events_.size(); }

 private:
  using Key = std::pair<Micros, std::uint64_t>;
  std::map<Key, Event> events_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace helios::sim
