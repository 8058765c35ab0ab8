#include "raft/quorum/joint.h"

#include <algorithm>

namespace helios::raft {

namespace {

Index side_committed(const std::vector<NodeId>& voters, const std::function<Index(NodeId)>& match) {
  std::vector<Index> matches;
  matches.reserve(voters.size());
  for (NodeId id : voters) {
    matches.push_back(match(id));
  }
  return majority_committed_index(std::move(matches));
}

bool side_quorum(const std::vector<NodeId>& voters, const std::function<bool(NodeId)>& yes) {
  const auto count = static_cast<std::size_t>(std::count_if(voters.begin(), voters.end(), yes));
  return count >= majority_size(voters.size());
}

}  // namespace

Index joint_committed_index(const ConfState& conf, const std::function<Index(NodeId)>& match) {
  if (conf.voters.empty()) {
    return 0;
  }
  const Index incoming = side_committed(conf.voters, match);
  if (!conf.joint()) {
    return incoming;
  }
  return std::min(incoming, side_committed(conf.voters_outgoing, match));
}

VoteResult joint_vote_result(const ConfState& conf, const std::map<NodeId, bool>& votes) {
  const VoteResult incoming = majority_vote_result(conf.voters, votes);
  if (!conf.joint()) {
    return incoming;
  }
  const VoteResult outgoing = majority_vote_result(conf.voters_outgoing, votes);
  if (incoming == VoteResult::kLost || outgoing == VoteResult::kLost) {
    return VoteResult::kLost;
  }
  if (incoming == VoteResult::kWon && outgoing == VoteResult::kWon) {
    return VoteResult::kWon;
  }
  return VoteResult::kPending;
}

bool joint_quorum(const ConfState& conf, const std::function<bool(NodeId)>& yes) {
  if (conf.voters.empty()) {
    return false;
  }
  return side_quorum(conf.voters, yes) && (!conf.joint() || side_quorum(conf.voters_outgoing, yes));
}

}  // namespace helios::raft
