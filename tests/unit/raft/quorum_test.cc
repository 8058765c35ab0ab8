// Majority quorums, checked against naive reference implementations over random inputs
// (etcd/raft's quorum/quick_test.go idea).
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "base/prng.h"
#include "raft/quorum/majority.h"

namespace helios::raft {
namespace {

// The largest index that at least a majority of the match indexes have reached, by trying
// every candidate index.
Index naive_committed_index(const std::vector<Index>& matches) {
  Index best = 0;
  for (Index candidate : matches) {
    std::size_t reached = 0;
    for (Index m : matches) {
      reached += m >= candidate ? 1 : 0;
    }
    if (reached >= matches.size() / 2 + 1 && candidate > best) {
      best = candidate;
    }
  }
  return best;
}

VoteResult naive_vote_result(const std::vector<NodeId>& voters,
                             const std::map<NodeId, bool>& votes) {
  std::size_t yes = 0;
  std::size_t no = 0;
  for (NodeId v : voters) {
    auto it = votes.find(v);
    if (it != votes.end()) {
      (it->second ? yes : no) += 1;
    }
  }
  // Won with more than half saying yes; lost once even every silent voter saying yes
  // could not get there.
  const std::size_t n = voters.size();
  if (2 * yes > n) {
    return VoteResult::kWon;
  }
  return 2 * (n - no) > n ? VoteResult::kPending : VoteResult::kLost;
}

TEST(MajorityTest, majoritySize_isMoreThanHalf) {
  EXPECT_EQ(majority_size(1), 1u);
  EXPECT_EQ(majority_size(2), 2u);
  EXPECT_EQ(majority_size(3), 2u);
  EXPECT_EQ(majority_size(4), 3u);
  EXPECT_EQ(majority_size(5), 3u);
}

TEST(MajorityTest, majorityCommittedIndex_examples) {
  EXPECT_EQ(majority_committed_index({5}), 5u);
  EXPECT_EQ(majority_committed_index({5, 3}), 3u);
  EXPECT_EQ(majority_committed_index({2, 9, 4}), 4u);
  EXPECT_EQ(majority_committed_index({1, 1, 7, 7}), 1u);
  EXPECT_EQ(majority_committed_index({0, 0, 3, 8, 9}), 3u);
}

TEST(MajorityTest, majorityCommittedIndex_matchesNaiveOnRandomInputs) {
  base::Prng prng(42);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    const std::size_t voters = prng.range(1, 9);
    std::vector<Index> matches;
    for (std::size_t i = 0; i < voters; ++i) {
      matches.push_back(prng.range(0, 12));
    }
    ASSERT_EQ(majority_committed_index(matches), naive_committed_index(matches))
        << "iteration " << iteration;
  }
}

TEST(MajorityTest, majorityVoteResult_examples) {
  const std::vector<NodeId> three = {1, 2, 3};
  EXPECT_EQ(majority_vote_result(three, {}), VoteResult::kPending);
  EXPECT_EQ(majority_vote_result(three, {{1, true}}), VoteResult::kPending);
  EXPECT_EQ(majority_vote_result(three, {{1, true}, {2, true}}), VoteResult::kWon);
  EXPECT_EQ(majority_vote_result(three, {{1, true}, {2, false}}), VoteResult::kPending);
  EXPECT_EQ(majority_vote_result(three, {{2, false}, {3, false}}), VoteResult::kLost);
  const std::vector<NodeId> four = {1, 2, 3, 4};
  EXPECT_EQ(majority_vote_result(four, {{1, true}, {2, true}, {3, false}, {4, false}}),
            VoteResult::kLost);
  EXPECT_EQ(majority_vote_result({1}, {{1, true}}), VoteResult::kWon);
}

TEST(MajorityTest, majorityVoteResult_ignoresNonVoters) {
  const std::vector<NodeId> three = {1, 2, 3};
  EXPECT_EQ(majority_vote_result(three, {{1, true}, {7, true}, {8, true}}), VoteResult::kPending);
  EXPECT_EQ(majority_vote_result(three, {{2, false}, {7, false}, {8, false}}),
            VoteResult::kPending);
}

TEST(MajorityTest, majorityVoteResult_matchesNaiveOnRandomInputs) {
  base::Prng prng(7);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::vector<NodeId> voters;
    const std::size_t n = prng.range(1, 7);
    for (NodeId id = 1; id <= n; ++id) {
      voters.push_back(id);
    }
    std::map<NodeId, bool> votes;
    for (NodeId id = 1; id <= n + 2; ++id) {  // ids above n are non-voters
      const std::uint64_t pick = prng.uniform(3);
      if (pick < 2) {
        votes[id] = pick == 0;
      }
    }
    ASSERT_EQ(majority_vote_result(voters, votes), naive_vote_result(voters, votes))
        << "iteration " << iteration;
  }
}

}  // namespace
}  // namespace helios::raft
