#pragma once
// Raft: the consensus core of one node, a pure state machine (etcd/raft's raft.go shape).
//
// Inputs: tick(), step(message), propose(), read_index(), campaign(). Outputs accumulate in
// the core (messages, read states) and are collected by RawNode into a Ready. No sockets,
// files, threads, clocks or global randomness: time is ticks, randomness a seeded Prng.
//
// Not thread-safe: one thread owns a Raft and calls everything on it.
//
// Roles (§5.2, §9.6 of the thesis):
//   follower       passive; answers leaders and candidates; times out into an election.
//   pre-candidate  asks whether it could win (PreVote) without bumping its term, so a node
//                  that was partitioned away cannot depose a healthy leader on return.
//   candidate      has bumped its term and voted for itself; asks for votes.
//   leader         replicates its log; steps down if it has not heard from a majority
//                  within an election timeout (check-quorum).
//
// Membership (thesis chapter 4): the configuration in force is that of the last configuration
// entry in the log, committed or not (ConfigHistory). A change of voters goes through a joint
// configuration C(old,new), in which every decision needs both majorities; the leader leaves
// it (appends C(new)) as soon as C(old,new) commits, and accepts no other change until the
// last one committed. Learners receive the log but never vote or count. A node that is a
// voter neither of its configuration nor of the last committed one never campaigns; a leader
// that is not a voter of a committed C(new) steps down at its next tick.
//
// Leadership transfer (thesis §3.10): the leader refuses proposals, brings the target up to
// date, and sends it TimeoutNow; the target campaigns at once, skipping the pre-vote, and the
// voters grant it even within a leader's lease. An election timeout later the leader gives up
// and accepts proposals again.
//
// Durability (thesis §10.2.1): messages are split into those that may leave at once and
// those that may leave only after the hard state and entries of the same Ready are durable.
// A leader counts itself towards a quorum only for entries the node reported durable.

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "base/prng.h"
#include "base/status.h"
#include "raft/config.h"
#include "raft/config_history.h"
#include "raft/log.h"
#include "raft/membership.h"
#include "raft/quorum/joint.h"
#include "raft/read_only.h"
#include "raft/tracker/progress.h"

namespace helios::raft {

enum class Role : std::uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
const char* role_name(Role role);

// A read whose index is now known safe: once the node has applied up to `index`, a read of
// the state machine reflects every write that completed before the read was requested.
struct ReadState {
  Index index = 0;
  std::uint64_t context = 0;
  // The leader's read time (kReadIndexResp's time_ms); 0 for the leader's own reads (its
  // node fills it in) and from a leader that gave none.
  std::uint64_t time_ms = 0;
  bool operator==(const ReadState&) const = default;
};

// Where a proposal landed. It is committed once an entry with this index and term is applied;
// if the entry at that index turns out to have another term, the proposal was lost.
struct EntryId {
  Term term = 0;
  Index index = 0;
  bool operator==(const EntryId&) const = default;
};

class Raft {
 public:
  Raft(const Config& config, const Storage& storage);

  // --- inputs ---
  void tick();
  // Time that passed while the owner could not call tick() (its loop stalled): `ticks` more
  // ticks count towards leases (ticks_ never lags real time, or a leader would trust a lease
  // that already ran out), but no timeout fires for them. A follower or a leader whose loop
  // stalled must first hear from its peers: its messages queued during the stall too, and
  // firing every missed timeout at once would make each stall an election. Undercounting an
  // election or check-quorum timeout only delays it, which no lease relies on.
  void lapse(std::uint64_t ticks) { ticks_ += ticks; }
  // Handles a message from a peer. Malformed input is refused with kInvalidArgument and
  // changes nothing.
  Status step(const Message& m);
  // Appends a normal entry if this node is leader; kNotLeader otherwise (see leader()).
  Result<EntryId> propose(std::string data);
  // Requests a linearizable read. The answer arrives later as a ReadState with `context`;
  // if leadership changes first it never arrives (the caller times out). kNotLeader when no
  // leader is known, kUnavailable when too many reads wait.
  Status read_index(std::uint64_t context);
  // Appends a configuration entry switching to `next` (check_transition() says which are
  // allowed; the leader fills in nothing). kNotLeader off the leader; kUnavailable while the
  // last change has not committed, the configuration is joint, or leadership is being
  // transferred; kInvalidArgument for a transition that is not allowed.
  Result<EntryId> propose_conf_change(ConfState next);
  // Starts a leadership transfer to `target` (a voter of the incoming configuration).
  // kNotLeader off the leader; kInvalidArgument for a target that is not such a voter.
  // Transferring to itself does nothing; a second request replaces the first.
  Status transfer_leadership(NodeId target);
  // Starts an election now, if this node may (a voter of its configuration).
  void campaign();
  // Leader: the node finished streaming the snapshot of a kSnapshot message to `to` (ok: the
  // leader then waits for the follower's acknowledgement, up to Config::snapshot_ack_ticks),
  // or gave up (!ok: it is tried again after the next heartbeat answer).
  void report_snapshot(NodeId to, bool ok);

  // --- durability feedback from RawNode ---
  // Entries up to (index, term) are durable.
  void on_persisted(Index index, Term term);
  // `hard_state` is durable: a candidate's vote for itself now counts.
  void on_hard_state_durable(const HardState& hard_state);
  void on_applied(Index index) {
    log_.applied_to(index);
    configs_.prune(index);
  }
  // The snapshot of the last Ready is durable and the state machine restored from it.
  void on_snapshot_installed(Index index) { log_.snapshot_installed(index); }

  // --- state ---
  NodeId id() const { return id_; }
  Term term() const { return term_; }
  NodeId vote() const { return vote_; }
  NodeId leader() const { return leader_id_; }
  Role role() const { return role_; }
  HardState hard_state() const { return HardState{term_, vote_, log_.committed()}; }
  const RaftLog& log() const { return log_; }
  RaftLog& mutable_log() { return log_; }
  // The configuration in force (the last configuration entry in the log, or the base).
  const ConfState& conf() const { return configs_.current().conf; }
  const std::vector<NodeId>& voters() const { return conf().voters; }
  // The index of the configuration entry in force (the snapshot's index for the base).
  Index conf_index() const { return configs_.current().index; }
  // The configuration in force at `index` (>= the log's first index - 1).
  const ConfState& conf_at(Index index) const { return configs_.at(index).conf; }
  // Every configuration the log still holds (the simulator's liveness phase looks at them).
  const ConfigHistory& configs() const { return configs_; }
  // Whether this node may campaign: a voter of its configuration, or of the last committed
  // one. (A node whose removal is in its log but not committed yet may be the only one able
  // to finish the change: the others may need its vote, and its log is ahead of theirs.)
  // Nor while its log ends below its vote floor (set_vote_floor): the configurations it holds
  // then may be an earlier machine's under its id, which it must not act on.
  bool promotable() const {
    return !removal_noticed() && !below_vote_floor() &&
           (is_voter(conf(), id_) || is_voter(configs_.at(log_.committed()).conf, id_));
  }
  bool below_vote_floor() const {
    return log_.last_index() < vote_floor_.index && !config_.bugs.vote_below_floor;
  }
  // A member answered this node's vote request with kRemovedNotice: this node is not in the
  // configuration committed at `index` (above this node's log), so it was removed while it
  // could not hear of it (index 0: no notice). It does not campaign while its log ends below
  // that index (a node runtime stops; the simulator may add it again, and once a leader
  // brought its log past the notice, its configurations tell the truth again).
  struct RemovalNotice {
    Index index = 0;
    NodeId from = kNoNode;
  };
  const RemovalNotice& removal_notice() const { return removal_notice_; }
  // A machine that comes back under an id that was removed (wiped, to join again) lost the
  // votes and acknowledgements of the old one with its disk, while a node that missed the
  // removal may still count the id as a voter, or lead it. So (node/removal_watch.h decides):
  //  - while it waits to be added (set_joining(true)), it ignores every message: no vote,
  //    no acknowledgement, no term taken from a stale leader;
  //  - finish_join(term): the cluster added it by an entry of a term <= `term`; it takes
  //    that term (a stale leader's messages are below it from now on) and listens again;
  //  - set_vote_floor(entry): while its log ends below `entry` (the one that added it), it
  //    answers a vote or pre-vote request only from a candidate whose log is at least as up
  //    to date as that entry (so holds every entry committed before it); to a candidate that
  //    missed the removal, its short log would look no more up to date than the
  //    candidate's own. Nor does it campaign: the configurations it holds until then may
  //    be the earlier machine's. (index 0: no floor; the default.)
  void set_joining(bool joining) { joining_ = joining; }
  bool joining() const { return joining_; }
  void finish_join(Term term);
  void set_vote_floor(EntryId entry) { vote_floor_ = entry; }
  EntryId vote_floor() const { return vote_floor_; }
  bool removal_noticed() const { return removal_notice_.index > log_.last_index(); }
  // Elections this node started since it was created (a pre-vote and the vote that may
  // follow count once; helios_raft_elections_started_total).
  std::uint64_t elections_started() const { return elections_started_; }
  // Reads this leader answered under its lease, without a heartbeat round.
  std::uint64_t lease_reads() const { return lease_reads_; }
  // The target of a leadership transfer in progress, or kNoNode.
  NodeId lead_transferee() const { return lead_transferee_; }
  // Lease reads (Config::lease_reads): true while this leader may answer reads without a
  // heartbeat round. It has committed an entry of its term, started no leadership transfer
  // in it, and a majority (of each configuration) acknowledged a heartbeat it sent less
  // than config().lease_ticks() ticks ago.
  bool lease_valid() const;
  // The lowest read index this core may still answer a read with: the in-flight round's,
  // else the commit index (later rounds and lease reads start from it).
  Index lowest_unanswered_read_index() const;
  const std::map<NodeId, Progress>& progress() const { return progress_; }
  const Config& config() const { return config_; }

  // Output queues, drained by RawNode.
  std::vector<Message> take_messages();
  std::vector<Message> take_messages_after_persist();
  std::vector<ReadState> take_read_states();
  bool has_output() const;

 private:
  // raft.cc: term rules, transitions, timers.
  void become_follower(Term term, NodeId leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void reset(Term term);
  void reset_randomized_election_timeout();
  void tick_election();
  void tick_heartbeat();
  bool step_term(const Message& m);
  void handle_vote_request(const Message& m);
  // reconfigure.cc: a vote request from a removed node, and the notice.
  bool removal_notice_due(const Message& m) const;
  void handle_removal_notice(const Message& m);
  void send(Message m);
  bool in_lease() const;
  Status validate(const Message& m) const;
  // membership: records the configuration entries among `entries` (just appended at the
  // leader, or accepted by a follower), dropping those a follower's log lost.
  void record_conf_entries(const std::vector<Entry>& entries);
  // Leader: tracks progress for the members of the current configuration and of the last
  // committed one (a removed member keeps being sent entries until its removal commits).
  void sync_progress();
  // Leader, after the commit index advanced: leaves a committed joint configuration, and
  // marks the leader for stepping down if a committed configuration left it out.
  void after_commit();

  // candidate.cc
  void start_campaign(bool pre_vote, bool transfer = false);
  void step_candidate(const Message& m);
  VoteResult poll(NodeId from, bool granted);

  // follower.cc
  void step_follower(const Message& m);
  void handle_append(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(const Message& m);
  // §7 / thesis §5: true if the log was replaced by the snapshot (the node must install it).
  bool restore(const SnapshotMeta& snapshot);

  // leader.cc
  void step_leader(const Message& m);
  void handle_append_response(const Message& m, Progress& pr);
  void handle_heartbeat_response(const Message& m, Progress& pr);
  bool send_append(NodeId to, bool send_if_empty);
  bool send_snapshot(NodeId to, Progress& pr);
  void tick_snapshot_transfers();
  void send_heartbeat(NodeId to, std::uint64_t context);
  void send_timeout_now(NodeId to);
  void broadcast_append();
  void broadcast_heartbeat();
  bool maybe_commit();
  bool append_entry(std::vector<Entry> entries);
  bool committed_in_current_term() const;
  bool quorum_active();
  void handle_read_request(const ReadRequest& request);
  void maybe_start_read_round();
  void maybe_complete_read_round();
  void answer_read(const ReadRequest& request, Index read_index);

  Config config_;
  NodeId id_;
  base::Prng prng_;
  RaftLog log_;
  ConfigHistory configs_;

  Term term_ = 0;
  NodeId vote_ = kNoNode;
  NodeId leader_id_ = kNoNode;
  Role role_ = Role::kFollower;

  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  std::uint64_t ticks_ = 0;  // since this core was created: heartbeats carry it (leases)
  int randomized_election_timeout_ = 0;

  std::map<NodeId, bool> votes_;         // candidate / pre-candidate only
  std::map<NodeId, Progress> progress_;  // leader only (reset on every transition)
  // Leader only: removed members whose progress is kept until they have their removal. One
  // that is added again gets a fresh progress: its old match may describe a dead machine.
  std::set<NodeId> departing_;
  std::uint64_t uncommitted_entries_ = 0;
  ReadOnly read_only_;
  NodeId lead_transferee_ = kNoNode;  // leader only
  // Leader only: a transfer was started in this term, so voters may grant the target a vote
  // inside our lease (TimeoutNow); no lease read for the rest of the term.
  bool lease_void_ = false;
  RemovalNotice removal_notice_;
  EntryId vote_floor_;
  bool joining_ = false;
  std::uint64_t elections_started_ = 0;
  std::uint64_t lease_reads_ = 0;
  bool step_down_pending_ = false;  // leader only: a committed configuration left it out

  std::vector<Message> messages_;
  std::vector<Message> messages_after_persist_;
  std::vector<ReadState> read_states_;
};

}  // namespace helios::raft
