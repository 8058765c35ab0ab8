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
// committed entries, serve reads, advance. Inputs keep arriving while the sync runs, and
// the messages they produce that need no durable write (heartbeats and their answers, the
// leader's AppendEntries, ReadIndex traffic) leave at once rather than after the sync.
//
// A failed WAL write or sync makes the node failed(): it does nothing more. The owner must
// stop it (a real node exits; the simulator crashes and later restarts it).
//
// Snapshots (node_snapshot.cc). The Node decides when to take one (SnapshotPolicy, or
// request_snapshot()) and asks NodeIo to capture the state machine as it is at that moment
// and write it in the background; the node keeps applying, serving and replicating while
// it is written. Once on_snapshot_done() reports it durable, the core serves it to
// followers that need compacted entries, and the WAL drops whole segments below
// (snapshot index - trailing_entries). A leader's kSnapshot message goes to NodeIo's
// send_snapshot(), which streams the file; the receiving node gets it whole and verified
// through step_snapshot(); if the core accepts it, the Node makes the file durable, resets
// the WAL to start after it and restores the state machine from it, in that order.
//
// Thread rules: every method is called on the node's own thread.

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "node/read_clock.h"
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
  // The WAL was reset to start after a received snapshot (durable at the next sync).
  virtual void on_wal_reset(const raft::SnapshotMeta& /*meta*/) {}
  virtual void on_synced() {}
  virtual void on_applied(const raft::Entry& /*entry*/) {}
  // The configuration in force changed (a configuration entry was appended, received, lost
  // with an uncommitted tail, or came with a snapshot; and once at start). Called before any
  // message that depends on it is sent, so a transport can learn a new member's address
  // from conf.context first.
  virtual void on_conf_change(const raft::ConfState& /*conf*/) {}
  // A member told this node that it is not in the configuration that member committed at
  // notice.index (raft::kRemovedNotice): it was removed while it was down or cut off. Called
  // once; the core no longer campaigns.
  virtual void on_removal_notice(const raft::Raft::RemovalNotice& /*notice*/) {}

  // Capture the state machine as it is now (it has applied exactly meta.index) and write it
  // as a durable snapshot file, in the background; then call Node::on_snapshot_done(meta,
  // status) on the node's thread. At most one is outstanding.
  virtual void start_snapshot(const raft::SnapshotMeta& meta) = 0;
  // Stream the snapshot file of m.snapshot to m.to, whose node gets m with the data through
  // step_snapshot(); report the outcome with Node::report_snapshot(m.to, ok).
  virtual void send_snapshot(const raft::Message& m) = 0;
  // Observer: a snapshot was installed (taken here or received) or failed.
  virtual void on_snapshot_event(const raft::SnapshotMeta& /*meta*/, bool /*received*/,
                                 const Status& /*status*/) {}
  // The leader's clock for read times (unix ms, never below a stamp in its log; node/
  // read_clock.h). 0: no clock, and reads carry no time (each node then uses its own).
  virtual std::uint64_t leader_clock_ms() { return 0; }
};

// A snapshot received in full and verified, not yet installed (see step_snapshot).
struct IncomingSnapshot {
  // Makes the received file the newest durable snapshot file (rename, fsync the directory).
  std::function<Status()> persist;
  // Replaces the state machine's state with the snapshot's (after persist, on the node's
  // thread). Must not fail: the data was verified before step_snapshot.
  std::function<void()> restore;
  // The snapshot will not be installed (the core refused it or a newer one replaced it).
  std::function<void()> discard;
};

struct SnapshotPolicy {
  std::uint64_t threshold = 0;  // snapshot after this many applied entries; 0: never
  // Snapshot once the entries applied since the last snapshot hold this many bytes, or as
  // many as the last snapshot's file if that is more (Redis's AOF rewrite rule at 100%:
  // replaying the log then costs at most about what loading the snapshot does); 0: never.
  std::uint64_t threshold_bytes = 0;
  std::uint64_t trailing_entries = 0;  // entries kept in the log behind a snapshot
  // ...but no more of them than hold this many bytes; 0: no bound in bytes.
  std::uint64_t trailing_bytes = 0;
  // Snapshot once this many ticks (lapsed ones included: Node::lapse) passed since the
  // newest snapshot changed (taken, or received from the leader) or since start, if an
  // entry was applied since (snapshot_interval); 0: never. A failed snapshot is tried again
  // at the next tick.
  std::uint64_t interval_ticks = 0;
};

// Staggered snapshots. Every node applies the same entries: with one threshold they would
// all snapshot at the same index, at once, competing for the CPUs and the disk. Node `id` of
// `voters` takes its snapshots by count at the indexes m * threshold + k * threshold / n
// (k = (id - 1) mod n): the first such index at least half a threshold after its last
// snapshot `last`, so the nodes stay apart also after a restart or a snapshot received from
// the leader. By size, a node's first snapshot waits for k / n more of the threshold (bytes
// differ from node to node only by when a node started). Pure, for tests.
Index staggered_snapshot_index(Index last, std::uint64_t threshold, NodeId id, std::size_t voters);
std::uint64_t staggered_first_bytes(std::uint64_t threshold, NodeId id, std::size_t voters);

// What a state machine answers for an applied entry, for its proposer: a value of the
// machine's own type (AtlasMachine: std::vector<atlas::Reply>), handed over as it is on the
// thread that applied the entry: never encoded to be decoded again. Empty for an entry that
// has none (configuration changes).
using ApplyReply = std::any;

// The replicated state machine. apply() must be deterministic: the same entries in the same
// order give the same state and replies on every node.
class StateMachine {
 public:
  virtual ~StateMachine() = default;
  // Applies a committed kNormal entry and returns the reply for its proposer.
  virtual ApplyReply apply(const raft::Entry& entry) = 0;
  // The stamp of a kNormal entry holding `data` (unix ms; 0: the machine has no time), and
  // the largest stamp the machine applied: what read times are built from
  // (node/read_clock.h).
  virtual std::uint64_t stamp_of(std::string_view /*data*/) const { return 0; }
  virtual std::uint64_t last_stamp_ms() const { return 0; }
};

// Outcome of a proposal: the state machine's reply once applied; kNotLeader (this node is
// not leader: certainly not applied, retry at the leader); kAborted (another entry was
// committed at its index: certainly not applied); kUncertain (this node stopped leading
// before the entry committed, or a received snapshot replaced its log before the entry was
// applied here: it may have been applied, or not).
using ProposeCallback = std::function<void(Result<ApplyReply> reply)>;
// A read barrier: OK means the state machine now reflects every write that completed before
// read() was called (linearizable); kNotLeader / kUnavailable mean retry (reads have no
// effect, so a retry is always safe). At most raft::Config::max_pending_reads wait at once.
// With OK comes the leader's read time (node/read_clock.h): evaluate the read at
// max(read_time_ms, the machine's last_stamp_ms()); 0 when the leader gave none.
using ReadCallback = std::function<void(Status status, std::uint64_t read_time_ms)>;

class Node {
 public:
  // The WAL's snapshot_meta() names the snapshot the state machine was restored from (if
  // any); config.applied is its index.
  Node(const raft::Config& config, storage::Wal& wal, StateMachine& state_machine, NodeIo& io,
       SnapshotPolicy policy = {});

  // Applies what the recovered log already commits and starts the Ready loop. Call once.
  void start() { pump(); }
  void tick();
  // Ticks missed while the loop stalled: they count for leases only (raft::Raft::lapse).
  void lapse(std::uint64_t ticks);
  // A message from a peer. Malformed messages are dropped (and counted).
  void step(const raft::Message& m);
  void on_sync_done(const Status& status);

  void propose(std::string data, ProposeCallback callback);
  // Proposes a configuration change (raft::Raft::propose_conf_change); the callback gets ""
  // once its entry is applied, or the error (kNotLeader, kUnavailable while another change
  // is in progress, kInvalidArgument for a transition that is not allowed).
  void propose_conf_change(raft::ConfState next, ProposeCallback callback);
  // Starts a leadership transfer to `target` (raft::Raft::transfer_leadership).
  Status transfer_leadership(NodeId target);
  // raft::Raft::set_joining, finish_join, set_vote_floor (node/removal_watch.h decides).
  void set_joining(bool joining) { raw_.set_joining(joining); }
  void finish_join(Term term);
  void set_vote_floor(raft::EntryId entry) { raw_.set_vote_floor(entry); }
  void read(ReadCallback callback);
  // Starts an election at once (tests; leadership transfer later).
  void campaign();

  // --- snapshots (node_snapshot.cc) ---
  // A kSnapshot message whose data arrived whole and verified.
  void step_snapshot(const raft::Message& m, IncomingSnapshot incoming);
  void on_snapshot_done(const raft::SnapshotMeta& meta, const Status& status);
  // A durable write outside the WAL failed for good (a snapshot's rename or directory
  // fsync: the snapshot store is poisoned): as after a failed WAL sync, the node stops
  // (failed()) rather than retry and pile up files it cannot make durable.
  void stop_on_storage_failure(const Status& status) { fail(status); }
  void report_snapshot(NodeId to, bool ok);
  // Takes a snapshot now (BGSAVE). kUnavailable if one is being taken;
  // OK without starting one when nothing was applied since the last snapshot.
  Status request_snapshot();
  bool snapshotting() const { return snapshotting_; }
  const raft::SnapshotMeta& last_snapshot() const { return last_snapshot_; }
  // The size of the newest snapshot's file (the owner knows it; the byte threshold grows
  // with it).
  void set_snapshot_file_bytes(std::uint64_t bytes) { snapshot_file_bytes_ = bytes; }
  // Bytes of the entries applied since the newest snapshot (or since start, without one).
  std::uint64_t applied_bytes_since_snapshot() const {
    return applied_bytes_ - snapshot_applied_bytes_;
  }
  // The applied_bytes_since_snapshot() at which a snapshot is taken (0: not by size).
  std::uint64_t snapshot_threshold_bytes() const;
  // The applied index at which snapshot_threshold takes the next snapshot (0: not by count).
  Index next_snapshot_index() const;

  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  const raft::RawNode& raw() const { return raw_; }
  Index applied() const { return applied_; }
  std::uint64_t dropped_messages() const { return dropped_messages_; }
  std::size_t pending_proposals() const { return proposals_.size(); }
  bool sync_in_flight() const { return pending_.has_value(); }
  // Observers called after each successful sync, once the node has applied and sent what it
  // waited for (outside the Ready loop).
  void add_sync_listener(std::function<void()> fn) { sync_listeners_.push_back(std::move(fn)); }
  std::size_t pending_reads() const { return reads_.size(); }

 private:
  struct Proposal {
    Term term;
    ProposeCallback callback;
  };
  struct PendingRead {
    std::optional<Index> read_index;
    ReadCallback callback;
    std::uint64_t time_ms = 0;
  };

  void pump();
  // Tracks a proposal that landed at r (or answers its error).
  void track(Result<raft::EntryId> r, ProposeCallback callback);
  void report_conf_change();
  void install_snapshot(const raft::Ready& rd);
  void restore_snapshot(const raft::Ready& rd);
  void maybe_snapshot();
  void maybe_snapshot_by_interval();
  void take_snapshot();
  void maybe_compact();
  void complete(raft::Ready& rd);
  // Sends messages that need no durable write first (snapshots through send_snapshot()).
  void send_now(const std::vector<raft::Message>& messages);
  void note_read_states(const std::vector<raft::ReadState>& states);
  // The time of a read this leader answers at `read_index` (ReadClock).
  std::uint64_t read_time(Index read_index);
  // Gives the leader's own answers their time, as they leave the core (answered_as_leader:
  // the role this node had when the core gave them).
  void time_reads(std::vector<raft::ReadState>& states, bool answered_as_leader);
  // The stamp of the last stamped entry in the log, looking back at most kStampSearch
  // entries (0 if none).
  std::uint64_t last_log_stamp() const;
  static constexpr Index kStampSearch = 1024;
  void apply(const raft::Entry& e);
  void serve_reads();
  void fail_unindexed_reads(const Status& status);
  // This node stopped leading: its pending proposals may or may not commit (kUncertain).
  void fail_proposals_on_step_down();
  void fail(const Status& status);

  storage::Wal& wal_;
  StateMachine& state_machine_;
  NodeIo& io_;
  raft::RawNode raw_;
  Index applied_ = 0;
  std::optional<raft::Ready> pending_;  // the Ready whose sync is outstanding
  std::vector<std::function<void()>> sync_listeners_;
  std::map<Index, Proposal> proposals_;
  // The (index, term) of the configuration last given to on_conf_change.
  std::optional<std::pair<Index, Term>> reported_conf_;
  bool reported_removal_ = false;
  bool leading_ = false;                        // role as of the last Ready
  std::map<std::uint64_t, PendingRead> reads_;  // by ReadIndex context
  ReadClock read_clock_;
  std::uint64_t next_read_context_ = 1;
  std::uint64_t dropped_messages_ = 0;
  std::string failure_;

  SnapshotPolicy policy_;
  raft::SnapshotMeta last_snapshot_;  // newest durable snapshot (index 0: none)
  bool snapshotting_ = false;
  std::uint64_t ticks_since_snapshot_ = 0;  // since last_snapshot_ changed, or since start
  bool compact_due_ = false;
  std::uint64_t applied_bytes_ = 0;           // entry data applied since this Node started
  std::uint64_t snapshot_applied_bytes_ = 0;  // applied_bytes_ at last_snapshot_.index
  std::uint64_t taking_applied_bytes_ = 0;    // applied_bytes_ at the snapshot being taken
  std::uint64_t snapshot_file_bytes_ = 0;
  std::optional<std::pair<raft::SnapshotMeta, IncomingSnapshot>> incoming_;
};

}  // namespace helios::node
