#pragma once
// Majority quorums (etcd/raft's quorum/majority.go): the committed index of a set of match
// indexes, and the result of a vote. Joint quorums come with membership changes.

#include <cstdint>
#include <map>
#include <vector>

#include "base/types.h"

namespace helios::raft {

enum class VoteResult : std::uint8_t { kPending, kWon, kLost };

// The largest index that a majority of `match_indexes` (one per voter) have reached.
Index majority_committed_index(std::vector<Index> match_indexes);

// Tally of votes among `voters`: won at a majority of grants, lost once a majority is
// impossible, pending otherwise. Entries of `votes` from non-voters are ignored.
VoteResult majority_vote_result(const std::vector<NodeId>& voters,
                                const std::map<NodeId, bool>& votes);

inline std::size_t majority_size(std::size_t voters) {
  return voters / 2 + 1;
}

}  // namespace helios::raft
