#pragma once
// SafetyChecker: Raft's safety properties (Figure 3 of the paper), checked after every
// simulation step against the real state of every node. A violation throws SimFailure.
//
//   Election Safety      at most one leader per term.
//   Log Matching         two logs holding an entry with the same index and term hold the same
//                        entry there and agree on the term of the entry before it (which, by
//                        induction, makes them identical up to that index).
//   Leader Completeness  an entry committed in term t is in the log of every leader of a
//                        term > t (checked when a node becomes leader).
//   State Machine Safety every node commits and applies the same entry at each index.
//   Commitment rule      when a leader advances its commit index to c (§5.4.2), the entry at
//                        c is of the leader's current term and is durable (synced) on a
//                        majority of the voters' disks of the leader's configuration (of
//                        both sides of a joint one; learners never count). This is what
//                        makes every later leader hold it; it fails at once for a leader that
//                        counts replicas of an older term's entry (Figure 8), unsynced
//                        acknowledgements, or a learner's.
//   Removal notice       a node told it was removed (raft::kRemovedNotice, index i) is not
//                        a member of the configuration in force at index i of the applied
//                        log (checked once some node applied i): the notice reflects a
//                        committed removal, never one that could still be undone.
//   Removal              a node that finds itself removed by the configuration it applies at
//                        index i (node::RemovalWatch, which stops it in production) is not a
//                        member of the configuration in force at i of the applied log, and
//                        that configuration is not joint (a voter being replaced still
//                        counts on the outgoing side).
//   Monotonicity         within an incarnation, a node's term and commit index never
//                        decrease.
//   Lease safety         while a leader holds a read lease (raft::Raft::lease_valid) by a
//                        clock that is current (not paused, its missed ticks handed over),
//                        no node leads a higher term with an entry of that term committed:
//                        a lease read would miss that entry.
//   Replica agreement    nodes whose state machines reflect the same applied index hold the
//                        same state (the ATLAS store's digest): whether they got there by
//                        applying entries, by restoring a snapshot taken by themselves or by
//                        the leader, or by a mix of both across restarts.
//
// Entries below a node's compaction point are no longer in its log; the checks that read a
// log (commitment, leader completeness) skip them: a snapshot covers only committed entries,
// and replica agreement checks what the snapshot holds.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "raft/raw_node.h"
#include "sim/node.h"

namespace helios::sim {

class SafetyChecker {
 public:
  // `nodes` slots; the first `voters` of them are the bootstrap configuration's voters.
  SafetyChecker(int nodes, int voters)
      : nodes_(static_cast<std::size_t>(nodes)), voters_(static_cast<NodeId>(voters)) {}

  // After every event: election safety, monotonicity, newly committed entries.
  void check(const std::vector<SimNode*>& nodes);
  // Lease safety; clock_current[i]: whether nodes[i]'s core has been given the time that
  // passed (a paused node's has not: it cannot answer a read until it has).
  void check_leases(const std::vector<SimNode*>& nodes, const std::vector<bool>& clock_current);
  void on_entries_written(const SimNode& node, const std::vector<raft::Entry>& entries);
  void on_became_leader(const SimNode& node);
  void on_apply(const SimNode& node, const raft::Entry& e);
  void on_restart(const SimNode& node);
  // `node` found itself removed by the configuration entry it applied at `index`.
  void on_removed(const SimNode& node, Index index) const;
  // `node`'s state machine reflects exactly `applied`; its store digest is `digest`. Also
  // checks that the stamp its commands are applied at never goes backwards (TTLs would
  // otherwise bring expired keys back).
  void on_state(const SimNode& node, Index applied, const std::string& digest);

  std::size_t committed_count() const { return committed_.size(); }
  // Term of the entry applied at index, if any node applied it.
  std::optional<Term> applied_term(Index index) const {
    if (index == 0 || index > applied_.size()) {
      return std::nullopt;
    }
    return applied_[index - 1].first;
  }

 private:
  struct Fingerprint {
    Term term = 0;
    std::uint64_t hash = 0;
    Term prev_term = 0;
  };
  struct Committed {
    Term term = 0;
    std::uint64_t hash = 0;
    Term seen_in_term = 0;  // lowest term of a node that saw it committed
  };
  struct NodeTrack {
    std::uint64_t incarnation = 0;
    Term term = 0;
    Index commit = 0;
    Index checked_commit = 0;
    Index applied = 0;
    std::uint64_t applied_stamp_ms = 0;  // time as its state machine saw it last
  };

  void check_node(const SimNode& node, const std::vector<SimNode*>& nodes);
  void check_commit_rule(const SimNode& leader, const std::vector<SimNode*>& nodes);
  void record_commits(const SimNode& node, NodeTrack& t);
  void check_removal_notices();

  std::size_t nodes_;
  NodeId voters_;
  std::map<Index, raft::ConfState> applied_confs_;  // the applied configuration entries
  std::set<std::pair<NodeId, Index>> notices_;      // removal notices not checked yet
  std::set<std::pair<NodeId, Index>> noticed_;      // every removal notice seen
  std::map<Term, NodeId> leaders_;
  std::map<std::pair<Index, Term>, Fingerprint> log_entries_;
  std::vector<Committed> committed_;  // committed_[i - 1] is the entry at index i
  std::vector<std::pair<Term, std::uint64_t>> applied_;
  std::map<int, NodeTrack> tracks_;
  std::map<Index, std::pair<std::string, NodeId>> digests_;  // first digest seen per index
};

std::uint64_t fingerprint(const raft::Entry& e);

}  // namespace helios::sim
