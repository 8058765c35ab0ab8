#pragma once
// Joint quorums (thesis §4.3, etcd/raft's quorum/joint.go): while a configuration is joint,
// every decision (commitment, elections, check-quorum, ReadIndex rounds) needs a majority of
// the new voters AND a majority of the old ones. Outside a change voters_outgoing is empty
// and these are plain majorities of the voters. Learners never count.

#include <functional>
#include <map>

#include "raft/quorum/majority.h"
#include "raft/types.h"

namespace helios::raft {

// The largest index that a quorum of `conf` has reached; `match(id)` is a voter's match
// index. 0 for a configuration without voters.
Index joint_committed_index(const ConfState& conf, const std::function<Index(NodeId)>& match);

// Won when both sides are won; lost when either is lost; pending otherwise.
VoteResult joint_vote_result(const ConfState& conf, const std::map<NodeId, bool>& votes);

// Whether the voters for which `yes(id)` holds are a quorum of `conf`.
bool joint_quorum(const ConfState& conf, const std::function<bool(NodeId)>& yes);

}  // namespace helios::raft
