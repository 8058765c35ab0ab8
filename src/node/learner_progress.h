#pragma once
// learner_caught_up: the one rule for when a leader may make a learner a voter. The
// membership keeper (member_keeper.h) applies it to promotion requests and auto_promote; the
// simulator's harness applies it to the promotions it asks for itself.

#include "base/types.h"
#include "raft/raft.h"

namespace helios::node {

// Leader: the learner `id`'s log holds the configuration in force (for a learner: at least
// the entry that added it) and is within `max_entries_per_append` entries of the leader's.
// Distance alone is not enough: in a young log a learner that never answered (match 0) is
// within it too, and promoting it would make a voter whose disk has no trace of being a
// member (a new machine then hears nothing after a restart while the cluster needs its vote).
inline bool learner_caught_up(const raft::Raft& leader, NodeId id, Index max_entries_per_append) {
  const auto pr = leader.progress().find(id);
  return pr != leader.progress().end() && pr->second.match() >= leader.conf_index() &&
         pr->second.match() + max_entries_per_append >= leader.log().last_index();
}

}  // namespace helios::node
