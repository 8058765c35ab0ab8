#include "raft/quorum/majority.h"

#include <algorithm>

#include "base/assert.h"

namespace helios::raft {

Index majority_committed_index(std::vector<Index> match_indexes) {
  HELIOS_ASSERT(!match_indexes.empty());
  std::sort(match_indexes.begin(), match_indexes.end(), std::greater<>());
  // With n voters sorted descending, the entry at position majority-1 is held by a majority.
  return match_indexes[majority_size(match_indexes.size()) - 1];
}

VoteResult majority_vote_result(const std::vector<NodeId>& voters,
                                const std::map<NodeId, bool>& votes) {
  std::size_t granted = 0;
  std::size_t missing = 0;
  for (NodeId id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) {
      ++missing;
    } else if (it->second) {
      ++granted;
    }
  }
  const std::size_t need = majority_size(voters.size());
  if (granted >= need) {
    return VoteResult::kWon;
  }
  if (granted + missing >= need) {
    return VoteResult::kPending;
  }
  return VoteResult::kLost;
}

}  // namespace helios::raft
