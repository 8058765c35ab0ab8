#pragma once
// RawNode: the Ready / Advance interface to the core (etcd/raft's rawnode.go).
//
// The loop a node runs (single thread owns the RawNode):
//
//   1. Feed inputs: tick(), step(), propose(), read_index().
//   2. If has_ready(), take `Ready rd = ready()` and, in this order:
//      a. send rd.messages at once (they do not depend on rd's writes);
//      b. if rd.snapshot is set, make it the newest durable snapshot and replace the whole
//         stored log with it (the log then starts after rd.snapshot->index); write
//         rd.hard_state (if set) and rd.entries (which replace any stored entries from
//         rd.entries.front().index on); if rd.must_sync, fdatasync;
//      c. only then send rd.messages_after_persist (votes, acknowledgements of entries);
//      d. restore the state machine from rd.snapshot (if set), then apply
//         rd.committed_entries in order; serve rd.read_states once applied that far;
//      e. call advance(rd).
//   Inputs may be fed between ready() and advance() (for example while the fsync runs),
//   and take_messages() sends what they produced that may leave at once; ready() must not
//   be called again before advance().
//
// What may leave before what is durable (thesis §10.2.1): the leader's AppendEntries and
// heartbeats go out in parallel with its own disk write; the leader counts itself towards
// a commit quorum only after advance() reports its entries durable. A vote, a term change
// and a follower's acknowledgement of entries leave only after the write is durable.

#include <optional>
#include <vector>

#include "raft/raft.h"

namespace helios::raft {

struct SoftState {
  Role role = Role::kFollower;
  NodeId leader = kNoNode;
  bool operator==(const SoftState&) const = default;
};

struct Ready {
  std::optional<SoftState> soft_state;          // set when role or leader changed
  std::optional<HardState> hard_state;          // set when it changed: persist it
  std::optional<SnapshotMeta> snapshot;         // received from the leader: install it
  std::vector<Entry> entries;                   // to append to durable storage
  std::vector<Message> messages;                // may be sent at once
  std::vector<Message> messages_after_persist;  // only after hard_state and entries are durable
  std::vector<Entry> committed_entries;         // to apply, in order
  std::vector<ReadState> read_states;           // safe read indexes for read_index() contexts
  bool must_sync = false;  // true when entries, term or vote changed (commit alone needs no fsync)
};

class RawNode {
 public:
  RawNode(const Config& config, const Storage& storage);

  void tick() { raft_.tick(); }
  void lapse(std::uint64_t ticks) { raft_.lapse(ticks); }
  void campaign() { raft_.campaign(); }
  Status step(const Message& m) { return raft_.step(m); }
  Result<EntryId> propose(std::string data) { return raft_.propose(std::move(data)); }
  Result<EntryId> propose_conf_change(ConfState next) {
    return raft_.propose_conf_change(std::move(next));
  }
  Status transfer_leadership(NodeId target) { return raft_.transfer_leadership(target); }
  // Raft::set_joining, finish_join, set_vote_floor.
  void set_joining(bool joining) { raft_.set_joining(joining); }
  void finish_join(Term term) { raft_.finish_join(term); }
  void set_vote_floor(EntryId entry) { raft_.set_vote_floor(entry); }
  Status read_index(std::uint64_t context) { return raft_.read_index(context); }
  // The messages that may leave at once (what the next Ready::messages would hold),
  // produced since the last ready(). While a Ready is outstanding (its fdatasync in
  // flight), the owner takes and sends these without waiting for advance(), so the
  // leader's heartbeats and AppendEntries, heartbeat answers and ReadIndex traffic are not
  // held behind a disk; messages_after_persist still wait for their Ready.
  std::vector<Message> take_messages() { return raft_.take_messages(); }
  // Likewise the read states produced meanwhile (a read index does not depend on this
  // node's unsynced writes): served as soon as the state machine has applied that far.
  std::vector<ReadState> take_read_states() { return raft_.take_read_states(); }
  void report_snapshot(NodeId to, bool ok) { raft_.report_snapshot(to, ok); }

  bool has_ready() const;
  Ready ready();
  void advance(const Ready& rd);

  const Raft& raft() const { return raft_; }
  Raft& mutable_raft() { return raft_; }
  SoftState soft_state() const { return SoftState{raft_.role(), raft_.leader()}; }

 private:
  Raft raft_;
  SoftState prev_soft_;
  HardState prev_hard_;
  bool ready_outstanding_ = false;
};

}  // namespace helios::raft
