// Leader election (§5.2, §5.4.1), pre-vote (thesis §9.6) and check-quorum (thesis §6.2,
// §4.2.3), on single nodes fed hand-made messages and on a TestNetwork.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "test_network.h"

namespace helios::raft {
namespace {

using testing::LoneNode;
using testing::test_config;
using testing::TestNetwork;

Message vote_request(MessageType type, NodeId from, NodeId to, Term term, Index last_index,
                     Term last_term) {
  return Message{.type = type,
                 .from = from,
                 .to = to,
                 .term = term,
                 .log_term = last_term,
                 .index = last_index};
}

// The answers in `rd` of type `type` addressed to `to`, from either message list.
std::vector<Message> answers(const Ready& rd, MessageType type, NodeId to) {
  std::vector<Message> out;
  for (const auto* list : {&rd.messages, &rd.messages_after_persist}) {
    for (const Message& m : *list) {
      if (m.type == type && m.to == to) {
        out.push_back(m);
      }
    }
  }
  return out;
}

// Ticks every node and settles the network, `ticks` times.
void run(TestNetwork& net, int ticks) {
  for (int i = 0; i < ticks; ++i) {
    net.tick_all();
    net.stabilize();
  }
}

// Ticks a lone node until it leaves the follower role; returns the tick count.
int ticks_until_campaign(std::uint64_t seed) {
  Config config = test_config(1, 3);
  config.seed = seed;
  LoneNode n(config);
  for (int tick = 1; tick <= 10 * config.election_ticks; ++tick) {
    n.raw().tick();
    if (n.raft().role() != Role::kFollower) {
      return tick;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------
// Election timeout and basic elections.

TEST(RaftPaperTest, electionTimeout_randomizedInTAnd2T) {
  const int election_ticks = test_config(1, 3).election_ticks;
  std::set<int> seen;
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    const int ticks = ticks_until_campaign(seed);
    ASSERT_GE(ticks, election_ticks) << "seed " << seed;
    ASSERT_LT(ticks, 2 * election_ticks) << "seed " << seed;
    seen.insert(ticks);
  }
  // Every value of [T, 2T) shows up: the timeout is spread, not fixed.
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(election_ticks));
}

TEST(RaftPaperTest, electionTimeout_heartbeatsKeepFollowerFromCampaigning) {
  TestNetwork net(3);
  net.elect(1);
  run(net, 100);
  EXPECT_EQ(net.leader(), 1u);
  for (NodeId id : net.ids()) {
    EXPECT_EQ(net.raft(id).term(), 1u) << "node " << id;
  }
}

TEST(RaftPaperTest, leaderElection_threeNodes) {
  TestNetwork net(3);
  net.elect(1);
  for (NodeId id : net.ids()) {
    const Raft& r = net.raft(id);
    EXPECT_EQ(r.term(), 1u) << "node " << id;
    EXPECT_EQ(r.leader(), 1u) << "node " << id;
    EXPECT_EQ(r.vote(), 1u) << "node " << id;
    EXPECT_EQ(r.role(), id == 1 ? Role::kLeader : Role::kFollower);
  }
  EXPECT_EQ(net.raft(1).log().committed(), 1u);  // the leader's no-op
  net.tick(1);  // one heartbeat carries the commit index to every follower
  net.stabilize();
  for (NodeId id : net.ids()) {
    EXPECT_EQ(net.raft(id).log().committed(), 1u) << "node " << id;
    EXPECT_EQ(net.applied(id).size(), 1u) << "node " << id;
  }
}

TEST(RaftPaperTest, leaderElection_singleNodeWinsAloneOnceItsVoteIsDurable) {
  LoneNode n(test_config(1, 1));
  n.raw().campaign();
  // Its own vote counts only once (term, vote) is on disk: a crash before that must not
  // leave a leader of a term the node can win again with other entries.
  EXPECT_EQ(n.raft().role(), Role::kCandidate);
  EXPECT_EQ(n.raft().term(), 1u);
  EXPECT_EQ(n.raft().vote(), 1u);
  const Ready rd = n.cycle();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->vote, 1u);
  EXPECT_EQ(n.raft().role(), Role::kLeader);
  EXPECT_EQ(n.raft().term(), 1u);
}

TEST(RaftPaperTest, leaderElection_votesOncePerTerm) {
  LoneNode n(test_config(2, 3));
  ASSERT_TRUE(n.raw().step(vote_request(MessageType::kVote, 1, 2, 1, 0, 0)).is_ok());
  Ready rd = n.cycle();
  ASSERT_EQ(answers(rd, MessageType::kVoteResp, 1).size(), 1u);
  EXPECT_FALSE(answers(rd, MessageType::kVoteResp, 1)[0].reject);
  EXPECT_EQ(n.raft().vote(), 1u);
  EXPECT_EQ(n.storage().hard_state().vote, 1u);  // the vote was in the Ready's hard state

  ASSERT_TRUE(n.raw().step(vote_request(MessageType::kVote, 3, 2, 1, 0, 0)).is_ok());
  rd = n.cycle();
  ASSERT_EQ(answers(rd, MessageType::kVoteResp, 3).size(), 1u);
  EXPECT_TRUE(answers(rd, MessageType::kVoteResp, 3)[0].reject);
  EXPECT_EQ(n.raft().vote(), 1u);

  // Asking again (a retransmission) gets the same answer.
  ASSERT_TRUE(n.raw().step(vote_request(MessageType::kVote, 1, 2, 1, 0, 0)).is_ok());
  rd = n.cycle();
  ASSERT_EQ(answers(rd, MessageType::kVoteResp, 1).size(), 1u);
  EXPECT_FALSE(answers(rd, MessageType::kVoteResp, 1)[0].reject);
}

TEST(RaftPaperTest, leaderElection_followerOfKnownLeaderRefusesSameTermVote) {
  // Node 2 follows leader 1 in term 1 without having voted: the term has a leader, so a
  // same-term candidate gets no vote.
  LoneNode n(test_config(2, 3));
  const Message heartbeat{.type = MessageType::kHeartbeat, .from = 1, .to = 2, .term = 1};
  ASSERT_TRUE(n.raw().step(heartbeat).is_ok());
  n.cycle();
  ASSERT_EQ(n.raft().leader(), 1u);
  ASSERT_EQ(n.raft().vote(), kNoNode);
  ASSERT_TRUE(n.raw().step(vote_request(MessageType::kVote, 3, 2, 1, 0, 0)).is_ok());
  const Ready rd = n.cycle();
  ASSERT_EQ(answers(rd, MessageType::kVoteResp, 3).size(), 1u);
  EXPECT_TRUE(answers(rd, MessageType::kVoteResp, 3)[0].reject);
  EXPECT_EQ(n.raft().vote(), kNoNode);
}

TEST(RaftPaperTest, leaderElection_plantedVoteTwiceGrantsBoth) {
  // The same scenario with the planted bug: proves the test above can fail.
  Config config = test_config(2, 3);
  config.bugs.vote_twice = true;
  LoneNode n(config);
  ASSERT_TRUE(n.raw().step(vote_request(MessageType::kVote, 1, 2, 1, 0, 0)).is_ok());
  n.cycle();
  ASSERT_TRUE(n.raw().step(vote_request(MessageType::kVote, 3, 2, 1, 0, 0)).is_ok());
  const Ready rd = n.cycle();
  ASSERT_EQ(answers(rd, MessageType::kVoteResp, 3).size(), 1u);
  EXPECT_FALSE(answers(rd, MessageType::kVoteResp, 3)[0].reject);
}

TEST(RaftPaperTest, leaderElection_newerTermResetsTheVote) {
  LoneNode n(test_config(2, 3));
  ASSERT_TRUE(n.raw().step(vote_request(MessageType::kVote, 1, 2, 1, 0, 0)).is_ok());
  n.cycle();
  ASSERT_TRUE(n.raw().step(vote_request(MessageType::kVote, 3, 2, 2, 0, 0)).is_ok());
  const Ready rd = n.cycle();
  EXPECT_EQ(n.raft().term(), 2u);
  EXPECT_EQ(n.raft().vote(), 3u);
  ASSERT_EQ(answers(rd, MessageType::kVoteResp, 3).size(), 1u);
  EXPECT_FALSE(answers(rd, MessageType::kVoteResp, 3)[0].reject);
}

TEST(RaftPaperTest, leaderElection_rejectsVoteForLessUpToDateLog) {
  // §5.4.1: the voter's log is [1/1, 2/2]; compare last term first, then length.
  struct Case {
    Index last_index;
    Term last_term;
    bool granted;
  };
  const Case cases[] = {{2, 2, true}, {3, 2, true}, {1, 3, true}, {1, 2, false}, {9, 1, false}};
  for (const Case& c : cases) {
    MemoryStorage storage;
    storage.append(testing::entries_with_terms({1, 2}));
    storage.set_hard_state(HardState{.term = 2});
    RawNode voter(test_config(2, 3), storage);
    ASSERT_TRUE(
        voter.step(vote_request(MessageType::kVote, 1, 2, 3, c.last_index, c.last_term)).is_ok());
    const Ready rd = voter.ready();
    ASSERT_EQ(answers(rd, MessageType::kVoteResp, 1).size(), 1u);
    EXPECT_EQ(!answers(rd, MessageType::kVoteResp, 1)[0].reject, c.granted)
        << "candidate last " << c.last_index << "/" << c.last_term;
  }
}

TEST(RaftPaperTest, leaderElection_staleLogCandidateLoses) {
  TestNetwork net(3, [](Config& c) { c.pre_vote = false; });
  net.preload(1, {1}, HardState{.term = 1});
  net.preload(2, {1, 1}, HardState{.term = 1});
  net.preload(3, {1, 1}, HardState{.term = 1});
  net.campaign(1);
  net.stabilize();
  EXPECT_EQ(net.raft(1).role(), Role::kFollower);
  EXPECT_EQ(net.raft(1).term(), 2u);  // without pre-vote, the failed election bumped terms
  EXPECT_NE(net.raft(2).vote(), 1u);
  EXPECT_NE(net.raft(3).vote(), 1u);
  EXPECT_EQ(net.leader(), kNoNode);
}

TEST(RaftPaperTest, leaderElection_staleLogPreCandidateLosesWithoutBumpingTerms) {
  TestNetwork net(3);
  net.preload(1, {1}, HardState{.term = 1});
  net.preload(2, {1, 1}, HardState{.term = 1});
  net.preload(3, {1, 1}, HardState{.term = 1});
  net.campaign(1);
  net.stabilize();
  EXPECT_EQ(net.raft(1).role(), Role::kFollower);
  for (NodeId id : net.ids()) {
    EXPECT_EQ(net.raft(id).term(), 1u) << "node " << id;
  }
}

TEST(RaftPaperTest, leaderElection_higherLastTermWinsOverLongerLog) {
  TestNetwork net(3);
  net.preload(1, {1, 2}, HardState{.term = 2});
  net.preload(2, {1, 1, 1}, HardState{.term = 2});
  net.preload(3, {1, 1, 1}, HardState{.term = 2});
  net.elect(1);
  // The new leader overwrote the followers' conflicting tail with its own log.
  for (NodeId id : {2, 3}) {
    EXPECT_EQ(net.storage(id).all_entries(), net.storage(1).all_entries()) << "node " << id;
  }
}

TEST(RaftPaperTest, leaderElection_splitVoteThenReelection) {
  // Four voters, 1 and 2 campaign at once; 3 only hears 1 and 4 only hears 2: 2-2 split.
  TestNetwork net(4, [](Config& c) { c.pre_vote = false; });
  net.cut(1, 4);
  net.cut(2, 3);
  net.campaign(1);
  net.campaign(2);
  net.stabilize();
  EXPECT_EQ(net.leader(), kNoNode);
  EXPECT_EQ(net.raft(1).role(), Role::kCandidate);
  EXPECT_EQ(net.raft(2).role(), Role::kCandidate);
  EXPECT_EQ(net.raft(3).vote(), 1u);
  EXPECT_EQ(net.raft(4).vote(), 2u);

  net.heal();
  for (int tick = 0; tick < 100 && net.leader() == kNoNode; ++tick) {
    run(net, 1);
  }
  const NodeId leader = net.leader();
  ASSERT_NE(leader, kNoNode);
  EXPECT_GE(net.raft(leader).term(), 2u);
  for (NodeId id : net.ids()) {
    EXPECT_EQ(net.raft(id).leader(), leader) << "node " << id;
    EXPECT_EQ(net.raft(id).term(), net.raft(leader).term()) << "node " << id;
  }
}

TEST(RaftPaperTest, leaderElection_newLeaderAfterLeaderIsolated) {
  TestNetwork net(3);
  net.elect(1);
  net.isolate(1);
  for (int tick = 0; tick < 100 && net.leader() == 1; ++tick) {
    net.tick(2);
    net.tick(3);
    net.stabilize();
  }
  const NodeId leader = net.leader();  // the leader of the highest term
  ASSERT_NE(leader, 1u);
  EXPECT_EQ(net.raft(leader).term(), 2u);
  // §8: the new leader starts its term with a no-op.
  const std::vector<Entry> log = net.storage(leader).all_entries();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log.back().type, EntryType::kNoop);
  EXPECT_EQ(log.back().term, 2u);
  EXPECT_EQ(net.raft(leader).log().committed(), 2u);
}

// ---------------------------------------------------------------------------------------
// Pre-vote.

TEST(PreVoteTest, campaign_isolatedNodeDoesNotBumpItsTerm) {
  TestNetwork net(3);
  net.elect(1);
  net.isolate(3);
  for (int i = 0; i < 20; ++i) {
    run(net, 10);
    ASSERT_TRUE(net.propose(1, "x").is_ok());
    ASSERT_EQ(net.raft(3).term(), 1u) << "after " << (i + 1) * 10 << " ticks";
    ASSERT_NE(net.raft(3).role(), Role::kCandidate);
    ASSERT_NE(net.raft(3).role(), Role::kLeader);
  }
  EXPECT_EQ(net.raft(3).role(), Role::kPreCandidate);  // it did try, and kept trying
}

TEST(PreVoteTest, rejoin_doesNotDeposeTheLeader) {
  TestNetwork net(3);
  net.elect(1);
  net.isolate(3);
  for (int i = 0; i < 10; ++i) {
    run(net, 10);
    ASSERT_TRUE(net.propose(1, "x").is_ok());
  }
  net.stabilize();
  net.heal();
  run(net, 50);
  EXPECT_EQ(net.leader(), 1u);
  for (NodeId id : net.ids()) {
    EXPECT_EQ(net.raft(id).term(), 1u) << "node " << id;
    EXPECT_EQ(net.raft(id).leader(), 1u) << "node " << id;
    EXPECT_EQ(net.storage(id).all_entries(), net.storage(1).all_entries()) << "node " << id;
  }
}

TEST(PreVoteTest, rejoin_withoutPreVoteDeposesTheLeader) {
  // Contrast (shows the test above can fail): without pre-vote the isolated node bumps its
  // term on every timeout, and on return its higher term forces the leader to step down.
  TestNetwork net(3, [](Config& c) { c.pre_vote = false; });
  net.elect(1);
  net.isolate(3);
  run(net, 100);
  EXPECT_GT(net.raft(3).term(), 2u);
  net.heal();
  run(net, 50);
  EXPECT_GT(net.raft(1).term(), 1u);
}

// ---------------------------------------------------------------------------------------
// Check-quorum.

TEST(CheckQuorumTest, tick_isolatedLeaderStepsDown) {
  const int election_ticks = test_config(1, 3).election_ticks;
  TestNetwork net(3);
  net.elect(1);
  net.isolate(1);
  // The followers answered within the current timeout, so the first check passes...
  net.tick(1, election_ticks);
  net.stabilize();
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
  // ...and the next one, with no answer in a whole election timeout, fails.
  net.tick(1, election_ticks);
  net.stabilize();
  EXPECT_EQ(net.raft(1).role(), Role::kFollower);
  EXPECT_EQ(net.raft(1).term(), 1u);
  EXPECT_EQ(net.raft(1).leader(), kNoNode);
  EXPECT_EQ(net.node(1).read_index(1).code(), Code::kNotLeader);
}

TEST(CheckQuorumTest, tick_leaderWithoutCheckQuorumStaysLeader) {
  TestNetwork net(3, [](Config& c) { c.check_quorum = false; });
  net.elect(1);
  net.isolate(1);
  net.tick(1, 100);
  net.stabilize();
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
}

TEST(CheckQuorumTest, tick_leaderHearingFromMajorityStaysLeader) {
  TestNetwork net(5);
  net.elect(1);
  net.isolate(4);
  net.isolate(5);
  run(net, 100);
  EXPECT_EQ(net.leader(), 1u);
  EXPECT_EQ(net.raft(1).term(), 1u);
}

// A 3-node cluster led by 1 where node 3 (pre-vote off) has timed out alone and bumped its
// term; returns node 3's vote requests, not yet delivered.
std::vector<Message> disruptive_vote_requests(TestNetwork& net) {
  net.elect(1);
  net.isolate(3);
  for (int i = 0; i < 100 && net.raft(3).role() != Role::kCandidate; ++i) {
    net.tick(3);
  }
  EXPECT_EQ(net.raft(3).role(), Role::kCandidate);
  EXPECT_EQ(net.raft(3).term(), 2u);
  const Ready rd = net.process_ready(3);  // its requests are dropped: 3 is isolated
  std::vector<Message> votes = answers(rd, MessageType::kVote, 2);
  EXPECT_EQ(votes.size(), 1u);
  return votes;
}

TEST(CheckQuorumTest, step_followerInLeaseIgnoresHigherTermVote) {
  TestNetwork net(3, [](Config& c) { c.pre_vote = c.id != 3; });
  const std::vector<Message> votes = disruptive_vote_requests(net);
  ASSERT_FALSE(votes.empty());
  ASSERT_TRUE(net.node(2).step(votes[0]).is_ok());
  EXPECT_EQ(net.raft(2).term(), 1u);
  EXPECT_EQ(net.raft(2).vote(), 1u);
  EXPECT_EQ(net.raft(2).leader(), 1u);
  EXPECT_FALSE(net.node(2).has_ready());  // not even a rejection goes back
}

TEST(CheckQuorumTest, step_followerInLeaseIgnoresHigherTermPreVote) {
  TestNetwork net(3);
  net.elect(1);
  const Message pre = vote_request(MessageType::kPreVote, 3, 2, 2, 1, 1);
  ASSERT_TRUE(net.node(2).step(pre).is_ok());
  EXPECT_EQ(net.raft(2).term(), 1u);
  EXPECT_FALSE(net.node(2).has_ready());
}

TEST(CheckQuorumTest, step_followerWithoutCheckQuorumGrantsHigherTermVote) {
  // Contrast: without check-quorum there is no lease and the disruptive candidate wins
  // node 2's vote, bumping its term.
  TestNetwork net(3, [](Config& c) {
    c.pre_vote = c.id != 3;
    c.check_quorum = false;
  });
  const std::vector<Message> votes = disruptive_vote_requests(net);
  ASSERT_FALSE(votes.empty());
  ASSERT_TRUE(net.node(2).step(votes[0]).is_ok());
  EXPECT_EQ(net.raft(2).term(), 2u);
  EXPECT_EQ(net.raft(2).vote(), 3u);
}

}  // namespace
}  // namespace helios::raft
