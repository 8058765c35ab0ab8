#pragma once
// Node: one Raft node's logic, independent of threads, sockets and clocks: the Ready loop of
// raft/raw_node.h over the write-ahead log, a state machine, and the waiters of proposals
// and reads. The production runtime (runtime.h) and the simulator drive the same Node; they
// differ only in their NodeIo (how messages leave, how the WAL is synced) and in what calls
// tick(), step() and on_sync_done().
//
// The Ready loop, per raft/raw_node.h: send the messages that may leave at once, append the
// hard state and entries to the WAL, ask NodeIo to sync (one fdatasync for the whole batch)
// and, once on_sync_done() reports success, send the messages that had to wait, apply the
// committed entries, serve reads, advance. Inputs keep arriving while the sync runs.
//
// A failed WAL write or sync makes the node failed(): it does nothing more. The owner must
// stop it (a real node exits; the simulator crashes and later restarts it).
//
// Thread rules: every method is called on the node's own thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "raft/raw_node.h"
#include "storage/wal.h"

namespace helios::node {

// The world around a Node.
class NodeIo {
 public:
  virtual ~NodeIo() = default;
  virtual void send(const raft::Message& m) = 0;
  // Make everything appended to the WAL durable, then (later, on the node's thread) call
  // Node::on_sync_done() with the outcome. At most one sync is outstanding.
  virtual void start_sync() = 0;
  // Observers (logging, status, the simulator's checkers). Defaults do nothing.
  virtual void on_role_change(const raft::SoftState& /*soft*/, Term /*term*/) {}
  virtual void on_written(const std::optional<raft::HardState>& /*hard_state*/,
                          const std::vector<raft::Entry>& /*entries*/) {}
  virtual void on_synced() {}
  virtual void on_applied(const raft::Entry& /*entry*/) {}
};

// The replicated state machine. apply() must be deterministic: the same entries in the same
// order give the same state and replies on every node.
class StateMachine {
 public:
  virtual ~StateMachine() = default;
  // Applies a committed kNormal entry and returns the reply for its proposer.
  virtual std::string apply(const raft::Entry& entry) = 0;
};

// Outcome of a proposal: the state machine's reply once applied; kNotLeader (this node is
// not leader: certainly not applied, retry at the leader); kAborted (another entry was
// committed at its index: certainly not applied).
using ProposeCallback = std::function<void(Result<std::string> reply)>;
// A read barrier: OK means the state machine now reflects every write that completed before
// read() was called (linearizable); kNotLeader / kUnavailable mean retry (reads have no
// effect, so a retry is always safe). At most raft::Config::max_pending_reads wait at once.
using ReadCallback = std::function<void(Status status)>;

class Node {
 public:
  Node(const raft::Config& config, storage::Wal& wal, StateMachine& state_machine, NodeIo& io);

  // Applies what the recovered log already commits and starts the Ready loop. Call once.
  void start() { pump(); }
  void tick();
  // A message from a peer. Malformed messages are dropped (and counted).
  void step(const raft::Message& m);
  void on_sync_done(const Status& status);

  void propose(std::string data, ProposeCallback callback);
  void read(ReadCallback callback);
  // Starts an election at once (tests; leadership transfer later).
  void campaign();

  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  const raft::RawNode& raw() const { return raw_; }
  Index applied() const { return applied_; }
  std::uint64_t dropped_messages() const { return dropped_messages_; }
  std::size_t pending_proposals() const { return proposals_.size(); }
  std::size_t pending_reads() const { return reads_.size(); }

 private:
  struct Proposal {
    Term term;
    ProposeCallback callback;
  };
  struct PendingRead {
    std::optional<Index> read_index;
    ReadCallback callback;
  };

  void pump();
  void complete(raft::Ready& rd);
  void apply(const raft::Entry& e);
  void serve_reads();
  void fail_unindexed_reads(const Status& status);
  void fail(const Status& status);

  storage::Wal& wal_;
  StateMachine& state_machine_;
  NodeIo& io_;
  raft::RawNode raw_;
  Index applied_ = 0;
  std::optional<raft::Ready> pending_;  // the Ready whose sync is outstanding
  std::map<Index, Proposal> proposals_;
  std::map<std::uint64_t, PendingRead> reads_;  // by ReadIndex context
  std::uint64_t next_read_context_ = 1;
  std::uint64_t dropped_messages_ = 0;
  std::string failure_;
};

}  // namespace helios::node
