#pragma once
// MemberKeeper: a node's membership duties (docs/operations.md, "Membership"), on its loop.
//
//   - The address book: the configuration in force's addresses (its context, node/members.h),
//     pruned to its members, and the peer directory kept to it. A new member's peer is added
//     at once; a peer that left the configuration is forgotten a grace period later (the
//     leader still sends it the entry that removed it and the commit index, so that it learns
//     it is out), never while it is the leader.
//   - The admin API's changes (change_members): planned by plan_add / plan_remove /
//     plan_promote, proposed, and answered once, when the change is applied and the
//     configuration in force is no longer joint (a joint change is answered once the core's
//     automatic C(new) is applied too), or refused, or after `wait`.
//   - The leader's own changes (tend, every 100 ms): the addresses of the configuration file's
//     peers in a configuration that has none yet, and the promotion of a learner marked
//     kAutoPromote once its log holds the configuration in force and is within
//     max_entries_per_append entries of the leader's.
//
// It runs on an env::Loop against a Node and a PeerDirectory: in production the runtime's
// asio loop and its TCP transport, in the simulator simulated time and a record of the peers
// (so the simulator runs this code). Loop thread only. Destroying it drops the changes it has
// not answered (as when the process stops); the Node must not outlive it with proposals of
// it still pending unless the loop no longer runs (the runtime stops its loop first; the
// simulator frees the Node first).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "env/loop.h"
#include "node/config.h"
#include "node/members.h"
#include "node/node.h"
#include "raft/types.h"

namespace helios::node {

// The peers a node keeps links to (the TCP transport in production).
class PeerDirectory {
 public:
  virtual ~PeerDirectory() = default;
  virtual void add_peer(NodeId id, const HostPort& peer) = 0;
  virtual void remove_peer(NodeId id) = 0;
  virtual std::vector<NodeId> peer_ids() const = 0;
};

// The members as GET /members shows them (loop thread).
struct MembersView {
  NodeId self = kNoNode;
  std::string cluster_id;
  NodeId leader = kNoNode;
  Term term = 0;
  raft::ConfState conf;
  Index conf_index = 0;
  // The term of that entry (of the snapshot's last entry when the log no longer holds it):
  // a node this configuration added votes only for a candidate whose log is at least as up
  // to date as (conf_term, conf_index) until its own log reaches it (apps/join.cc).
  Term conf_term = 0;
  bool change_in_progress = false;
  MemberList book;  // addresses of the members (pruned to the configuration)
};

using MemberChangeCallback = std::function<void(const MemberChangeResult& result)>;

struct MemberKeeperOptions {
  NodeId self = kNoNode;
  std::string cluster_id;
  // The configuration file's peers: the addresses while the configuration carries none.
  std::vector<PeerConfig> peers;
  HostPort admin;  // this node's admin address, recorded in the first context
  std::uint32_t election_timeout_ms = 1000;
  Index max_entries_per_append = 64;
  // Planted bug (simulator; raft::PlantedBugs::member_answer_early): a change is answered OK
  // as soon as its entry is applied, before the configuration in force is (a joint change's
  // C(new), appended by then, may not be committed yet).
  bool bug_answer_early = false;
  // Planted bug (simulator; raft::PlantedBugs::promote_unanswered): a learner is caught up
  // once its match is within max_entries_per_append of the log's end, also with match 0
  // (in a young log, one that never answered).
  bool bug_promote_unanswered = false;

  // The options of a node configured by `config` (its id, cluster, peers, admin address,
  // election timeout and max_entries_per_append).
  static MemberKeeperOptions of(const NodeConfig& config);
};

class MemberKeeper {
 public:
  // `after_propose` runs after each proposal (the runtime stops a node whose storage failed).
  MemberKeeper(MemberKeeperOptions options, env::Loop& loop, Node& node, PeerDirectory& peers,
               std::function<void()> after_propose);
  ~MemberKeeper();
  MemberKeeper(const MemberKeeper&) = delete;
  MemberKeeper& operator=(const MemberKeeper&) = delete;

  // NodeIo::on_conf_change: the book of `conf`, peers added and removals scheduled.
  void on_conf_change(const raft::ConfState& conf);
  // Peers to connect to before any configuration names them (a joining node's seeds).
  void add_seed_peers(const MemberList& members);
  // Proposes the change (leader only) and calls `done` on the loop once it is applied (a
  // joint configuration: once it was left), refused, or `wait` passed (MemberChangeResult).
  // A promotion of a learner that has not caught up is refused (kUnavailable), as etcd does.
  void change_members(const MemberRequest& request, std::chrono::milliseconds wait,
                      MemberChangeCallback done);
  // Every 100 ms: forgets peers removed a grace period ago; the leader's own changes (none
  // once `removed`).
  void tend(bool removed);
  // This node was removed: answers now the changes that can be answered (its own removal).
  void answer_pending();

  const MemberList& book() const { return book_; }
  // A member's client address from the book, else the configuration file's (port 0: unknown).
  HostPort member_client(NodeId id) const;
  MembersView view() const;

 private:
  struct PendingChange;
  void poll(const std::shared_ptr<PendingChange>& change);
  void finish(const std::shared_ptr<PendingChange>& change, MemberChangeResult result);
  void propose_own_change(const raft::ConfState& next, const std::string& what);
  MemberChangeResult result_now() const;
  // Leader: `id`'s log holds the configuration in force and is within
  // max_entries_per_append entries of the leader's (a learner is promoted only then, by
  // request or automatically).
  bool caught_up(NodeId id) const;
  std::uint64_t ms_since(env::Loop::Clock::time_point t) const;

  MemberKeeperOptions options_;
  env::Loop& loop_;
  Node& node_;
  PeerDirectory& peers_;
  std::function<void()> after_propose_;
  MemberList book_;  // the addresses of the configuration in force (pruned to its members)
  std::map<NodeId, env::Loop::Clock::time_point> forget_at_;  // peers that are not members
  bool own_change_in_flight_ = false;
  std::vector<std::weak_ptr<PendingChange>> changes_;
  // Proposal callbacks hold this: they do nothing once the keeper is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace helios::node
