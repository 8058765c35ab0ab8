#pragma once
// Config: the knobs of one Raft core. Time is counted in ticks: the node calls tick() once
// per heartbeat interval / heartbeat_ticks, so election_ticks = 3 with a 50 ms tick gives the
// seed's 150 ms election timeout.

#include <cstdint>
#include <vector>

#include "base/types.h"

namespace helios::raft {

// Test-only switches that plant known bugs, so that tests can show the simulator's checkers
// catch them. All false in production; nothing outside tests and helios-sim sets them.
struct PlantedBugs {
  bool vote_twice = false;                  // grant a vote even when already voted in this term
  bool commit_old_term = false;             // commit earlier-term entries by counting (Figure 8)
  bool ack_before_persist = false;          // follower acknowledges entries before they are durable
  bool read_without_quorum = false;         // ReadIndex answered without the heartbeat round
  bool snapshot_keeps_log = false;          // a follower keeps a conflicting log under a snapshot
  bool compact_past_applied = false;        // the node compacts the log beyond what it applied
  bool skip_snapshot_restore = false;       // the node installs a snapshot but keeps its old state
  bool count_learner_ack = false;           // learners' acknowledgements count for commitment
  bool leave_joint_early = false;           // the leader leaves C(old,new) before it commits
  bool notice_uncommitted_removal = false;  // tell a candidate it was removed by the latest
                                            // (not the committed) configuration
  bool snapshot_drops_acl = false;          // (simulator) a received snapshot loses its ACL users
  bool stamp_below_log = false;             // (simulator) a leader stamps below its log's stamps
                                            // and apply does not clamp: time goes backwards
  bool lease_too_long = false;              // a read lease of two election timeouts: beyond
                                            // what followers promise (clocks out of bounds)
  bool unordered_picks = false;             // (simulator) SPOP picks in hash-table order, not
                                            // the canonical one (atlas/objects.h)
  bool lex_by_rank = false;                 // (simulator) lex ranges over differing scores by
                                            // the skip list's descent (atlas/sorted_set.h)
  bool snapshot_drops_versions = false;     // (simulator) a store restored from a snapshot
                                            // forgets its key versions (WATCH's guard)
  bool versions_unestablished = false;      // (simulator) WATCH's guard compares versions
                                            // before they started (atlas/store.h)
  bool trailing_bytes_from_end = false;     // snapshot_trailing_bytes counted back from the
                                            // log's end, not the snapshot: compacts past it
  bool lapse_dropped = false;               // (simulator) the ticks a stalled loop missed are
                                            // dropped, not lapsed: a lease outlives its time
  bool ttl_local_clock = false;             // (simulator) a read hides expired keys by the
                                            // serving node's clock, not the leader's read time
  bool leader_clock_unraised = false;       // (simulator) a new leader does not start its clock
                                            // above its log's stamps (node/read_clock.h)
  bool uncertain_as_not_applied = false;    // (simulator) the client layer answers a write
                                            // whose outcome it does not know -TRYAGAIN
                                            // ("not applied") instead of -UNCERTAIN
  bool unrepaid_loan = false;               // (simulator) a batch not proposed after all sends
                                            // its jobs on without the values their plans
                                            // took out of argv (api/plan.h, repay)
  bool held_batch_stuck = false;            // (simulator) a failed batch stays counted in
                                            // flight: the executor holds every later one
  bool vote_refusal_lost = false;           // (simulator) the wire decoder reads a refused
                                            // vote as granted (wire/raft_codec.h)
  bool member_answer_early = false;         // (simulator) a membership change is answered
                                            // once its entry is applied, before the
                                            // configuration in force is (member_keeper.h)
  bool transfer_answer_leaderless = false;  // (simulator) a leadership transfer is answered
                                            // OK once this node stops leading, before it
                                            // knows a leader (transfer_waiter.h)
  bool removal_on_joint = false;            // (simulator) a voter being replaced stops as
                                            // removed when the joint configuration is
                                            // applied (removal_watch.h)
  bool vote_below_floor = false;            // (simulator) a node whose log ends below its
                                            // vote floor votes and campaigns as if it had
                                            // none (raft.h)
  bool join_unquarantined = false;          // (simulator) a node that waits to be added
                                            // hears every message (raft.h, set_joining)
  bool removed_restarts = false;            // (simulator) a removed node's REMOVED marker
                                            // does not keep it from starting again
  bool transfer_to_silent = false;          // (simulator) a transfer without a target counts
                                            // every voter as active, also one not heard
                                            // from lately (transfer_waiter.h)
  bool interval_leader_only = false;        // (simulator) only a leader takes snapshots by
                                            // interval (node.h, SnapshotPolicy)
  bool promote_unanswered = false;          // (simulator) a learner counts as caught up
                                            // by its distance to the log's end alone, also
                                            // one that never answered (member_keeper.h)
  bool read_skips_write = false;            // (simulator) a session's read does not wait
                                            // for the writes before it on its connection
                                            // (api/session.h)
  bool blocking_serves_local = false;       // (simulator) a woken blocking pop answers from
                                            // the node's own list, not through the log
                                            // (api/blocking.h)
  bool blocking_drops_late_pop = false;     // (simulator) a blocking pop in flight at its
                                            // deadline answers nil, dropping what it takes
                                            // (api/blocking.h)
  bool json_ttl_seconds = false;            // (simulator) a JSON-lines SET's "ttl_ms" becomes
                                            // EX (seconds), not PX (api/json_lines.h)
  bool unblock_drops_pop = false;           // (simulator) CLIENT UNBLOCK answers a blocked
                                            // pop in flight at once, dropping what it takes
                                            // (api/blocking.h)
  bool idle_closes_busy = false;            // (simulator) `timeout` closes a connection that
                                            // waits for a reply (api/session.h)
  bool receiver_skips_sync = false;         // (simulator) a received snapshot is installed
                                            // unsynced (node/snapshot_receiver.h)
  bool receiver_forgets_conf = false;       // (simulator) the receiver refuses every intact
                                            // snapshot (node/snapshot_receiver.h)
  bool sender_reads_behind = false;         // (simulator) the snapshot sender reads each
                                            // chunk after the first one chunk too early
                                            // (node/snapshot_sender.h)
  bool sender_stalls_when_full = false;     // (simulator) the snapshot sender never looks
                                            // again at a full link (node/snapshot_sender.h)
  bool receiver_fills_gaps = false;         // (simulator) the receiver writes a chunk after
                                            // a gap at its offset, zeros in the gap
                                            // (node/snapshot_receiver.h)

  bool any() const {
    return vote_twice || commit_old_term || ack_before_persist || read_without_quorum ||
           snapshot_keeps_log || compact_past_applied || skip_snapshot_restore ||
           count_learner_ack || leave_joint_early || notice_uncommitted_removal ||
           snapshot_drops_acl || stamp_below_log || lease_too_long || unordered_picks ||
           lex_by_rank || snapshot_drops_versions || versions_unestablished ||
           trailing_bytes_from_end || lapse_dropped || ttl_local_clock || leader_clock_unraised ||
           uncertain_as_not_applied || unrepaid_loan || held_batch_stuck || vote_refusal_lost ||
           member_answer_early || transfer_answer_leaderless || removal_on_joint ||
           removed_restarts || vote_below_floor || join_unquarantined || transfer_to_silent ||
           interval_leader_only || promote_unanswered || read_skips_write ||
           blocking_serves_local || blocking_drops_late_pop || json_ttl_seconds ||
           unblock_drops_pop || idle_closes_busy || receiver_skips_sync || receiver_forgets_conf ||
           sender_reads_behind || sender_stalls_when_full || receiver_fills_gaps;
  }
};

struct Config {
  NodeId id = kNoNode;
  // The voters, used when storage holds no membership yet (a new cluster).
  std::vector<NodeId> voters;

  // The election timeout is drawn uniformly from [election_ticks, 2 * election_ticks).
  int election_ticks = 10;
  // A leader sends heartbeats every heartbeat_ticks ticks. Must be < election_ticks.
  int heartbeat_ticks = 1;

  std::uint64_t max_entries_per_append = 100;   // the seed's MaxEntriesPerAppend
  std::uint64_t max_append_bytes = 1 << 20;     // bytes of entries in one AppendEntries
  std::uint64_t max_inflight_appends = 64;      // per follower, in replicate state
  std::uint64_t max_inflight_bytes = 16 << 20;  // per follower
  std::uint64_t max_committed_bytes_per_ready = 8 << 20;
  std::uint64_t max_pending_reads = 8192;          // ReadIndex requests waiting at the leader
  std::uint64_t max_uncommitted_entries = 100000;  // proposals refused beyond this
  // After the node reports a snapshot sent, how long the leader waits for the follower to
  // acknowledge it (verifying and decoding a 1 GB snapshot took 11-22 s on the
  // benchmark machine) before it probes the follower again. 0: 200 election timeouts (30 s with the
  // default 150 ms). Only a lost acknowledgement makes the follower wait that long.
  int snapshot_ack_ticks = 0;

  // Lease reads (thesis §6.4.1): a leader answers ReadIndex at once, without a heartbeat
  // round, while a majority acknowledged a heartbeat it sent less than
  // lease_ticks() ago. Safe only if every voter runs with lease_reads (a voter refuses
  // votes for an election timeout after it hears from a leader, and after it starts) and
  // no two nodes' clocks disagree about an election timeout by more than
  // lease_drift_ticks. Needs check_quorum.
  bool lease_reads = false;
  int lease_drift_ticks = 0;
  // The lease's length in ticks: one election timeout, less one tick for the phase of the
  // follower's ticks, one for a leader's tick that runs late, and the drift bound. A lease
  // shorter than one tick is none (reads use ReadIndex).
  int lease_ticks() const {
    return bugs.lease_too_long ? 2 * election_ticks : election_ticks - 2 - lease_drift_ticks;
  }

  bool pre_vote = true;      // §9.6: a node must win a pre-vote before bumping its term
  bool check_quorum = true;  // a leader steps down without a majority heard within a timeout

  // Index already applied to the state machine (restart); the core will not re-deliver
  // entries at or below it.
  Index applied = 0;

  std::uint64_t seed = 1;  // seeds the Prng behind the randomized election timeout

  PlantedBugs bugs;
};

}  // namespace helios::raft
