#pragma once
// RemovalWatch: decides when this node has been removed from the cluster, and keeps the data
// directory's record of it (the REMOVED and JOINED markers). node::Runtime runs it on its
// loop thread and stops the process once it says so; the simulator runs the same class.
//
// The rules (docs/operations.md, "Membership"):
//  - A node that applies a configuration without itself, having been in an applied one
//    before, was removed, provided that configuration is not joint (a voter being replaced
//    is still an outgoing voter until the joint configuration is left) and the configuration
//    in force (its log's newest, committed or not) leaves it out too: a node added again
//    under an id that was removed before replays that old removal from its log and must not
//    stop.
//  - A node told by a member that a committed configuration left it out above its own log
//    (raft::Raft::RemovalNotice) was removed.
//  - A node started to join (--join) that is not yet a member replays the history of an
//    earlier member under the same id (a machine replaced under its id): it is not removed
//    by it. Once the cluster added it by the configuration at index j (finish_join, recorded
//    in JOINED), configurations below j are still that history. Until its log reaches j it
//    votes only for a candidate that holds j (vote_floor).
// The caller records a removal (record: REMOVED holds the reason) and stops; open() then
// refuses the data directory, so that a removed node never starts again with its old log.
//
// Threads: one (the node's loop); open() before the node runs.

#include <optional>
#include <string>

#include "base/status.h"
#include "base/types.h"
#include "env/file_system.h"
#include "node/node.h"
#include "raft/raft.h"
#include "raft/types.h"

namespace helios::node {

class RemovalWatch {
 public:
  // `dir`: the data directory (the markers live in it; "" in a simulator's file system,
  // whose root it is); `name`: the node's name in messages.
  RemovalWatch(env::FileSystem& fs, std::string dir, NodeId id, std::string name);

  // Before the node starts: kInvalidArgument when the directory holds REMOVED (the message
  // says what to do instead), kCorruption when JOINED is not an index; reads JOINED.
  Status open();
  // Once the node is built: `applied_conf` is the configuration in force at its applied
  // index, `in_force` its newest; `join_configured`: --join was given (it joins while its
  // configuration leaves it out and JOINED records no join).
  void begin(const raft::ConfState& applied_conf, const raft::ConfState& in_force,
             bool join_configured);
  // --join: the cluster added this node by the configuration entry `conf` (index 0: keep
  // the entry recorded; only ends the joining). Records JOINED ("index term").
  void finish_join(raft::EntryId conf);

  // An entry the node applies, with its configuration in force now: the reason, when the
  // entry removes this node; nothing otherwise (and nothing once removed).
  std::optional<std::string> on_applied(const raft::Entry& entry, const raft::ConfState& in_force);
  // A member's notice that a committed configuration left this node out: the reason.
  std::optional<std::string> on_removal_notice(const raft::Raft::RemovalNotice& notice);
  // Writes REMOVED with the reason (replaced atomically, synced), before the node stops. A
  // failure is logged and returned; the node stops all the same.
  Status record(const std::string& reason);

  bool removed() const { return removed_; }
  bool joining() const { return joining_; }
  // The node's vote floor (raft::Raft::set_vote_floor): the entry that added it (JOINED),
  // below which it votes only for a candidate that holds that entry. A machine wiped and
  // added again under its old id must not vote before it holds what its old disk had
  // acknowledged: a node that missed the removal may still count the id as a voter.
  // (index 0 for a node that never joined; a joining node hears nothing at all.)
  raft::EntryId vote_floor() const { return joined_at_; }
  // Hands the rules above to the node's core (raft::Raft::set_joining, set_vote_floor):
  // after begin() and after finish_join().
  void guard(Node& node) const {
    node.set_joining(joining_);
    node.set_vote_floor(joined_at_);
  }

  // Planted bug (simulator; raft::PlantedBugs::removal_on_joint): membership is judged by
  // the incoming side of a configuration alone, so a voter being replaced stops when the
  // joint configuration is applied, while it is still an outgoing voter.
  void plant_removal_on_joint() { bug_removal_on_joint_ = true; }
  // Planted bug (simulator; raft::PlantedBugs::removed_restarts): open() does not look for
  // REMOVED, so a removed node starts again with its old log.
  void plant_removed_restarts() { bug_removed_restarts_ = true; }

  static constexpr const char* kRemovedMarker = "REMOVED";
  static constexpr const char* kJoinedMarker = "JOINED";

 private:
  std::string marker(const char* name) const { return dir_ + "/" + name; }

  env::FileSystem& fs_;
  const std::string dir_;
  const NodeId id_;
  const std::string name_;
  bool was_member_ = false;  // an applied configuration had this node
  bool joining_ = false;     // --join, not a member yet: removals are history
  raft::EntryId joined_at_;  // configurations below its index are history (JOINED)
  bool removed_ = false;
  bool bug_removal_on_joint_ = false;
  bool bug_removed_restarts_ = false;
};

}  // namespace helios::node
