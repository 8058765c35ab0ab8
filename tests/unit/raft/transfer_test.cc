// Leadership transfer (thesis §3.10): TimeoutNow, catching the target up first, refusing
// proposals meanwhile, giving up after an election timeout, bad targets.
#include <gtest/gtest.h>

#include "test_network.h"

namespace helios::raft {
namespace {

using testing::TestNetwork;

// Voters 1-3 led by node 1, and node 4 a learner.
class WithLearnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net.elect(1);
    net.add_node(4);
    ASSERT_TRUE(net.propose_conf(1, ConfState{.voters = {1, 2, 3}, .learners = {4}}).is_ok());
    net.stabilize();
  }
  TestNetwork net{3};
};

TEST(TransferTest, upToDateTarget_winsAtOnceWithinTheLease) {
  TestNetwork net(3);
  net.elect(1);
  net.clear_sent();
  const Term term = net.raft(1).term();
  ASSERT_TRUE(net.node(1).transfer_leadership(2).is_ok());
  net.stabilize();  // no ticks: node 3 still hears from leader 1, yet grants the vote
  EXPECT_EQ(net.leader(), 2u);
  EXPECT_EQ(net.raft(2).term(), term + 1);
  EXPECT_EQ(net.raft(1).role(), Role::kFollower);
  EXPECT_EQ(net.count_sent([](const Message& m) { return m.type == MessageType::kPreVote; }), 0u);
  EXPECT_TRUE(net.propose(2, "x").is_ok());
}

TEST(TransferTest, laggingTarget_isCaughtUpFirst) {
  TestNetwork net(3);
  net.elect(1);
  net.isolate(3);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(net.propose(1, "x" + std::to_string(i)).is_ok());
  }
  net.stabilize();
  net.heal();
  ASSERT_LT(net.raft(3).log().last_index(), net.raft(1).log().last_index());
  ASSERT_TRUE(net.node(1).transfer_leadership(3).is_ok());
  net.stabilize();
  EXPECT_EQ(net.leader(), 3u);
  // Node 3 won with a complete log: nothing of node 1's was lost.
  EXPECT_GE(net.raft(3).log().committed(), 7u);
}

TEST(TransferTest, proposalsAreRefusedUntilItEndsOrTimesOut) {
  TestNetwork net(3);
  net.elect(1);
  net.isolate(3);
  ASSERT_TRUE(net.node(1).transfer_leadership(3).is_ok());
  EXPECT_EQ(net.raft(1).lead_transferee(), 3u);
  EXPECT_EQ(net.propose(1, "x").status().code(), Code::kUnavailable);
  // Node 3 never answers: an election timeout later node 1 takes proposals again.
  net.tick(1, net.raft(1).config().election_ticks);
  net.stabilize();
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
  EXPECT_EQ(net.raft(1).lead_transferee(), kNoNode);
  EXPECT_TRUE(net.propose(1, "x").is_ok());
}

TEST_F(WithLearnerTest, badTargetsAreRefused) {
  EXPECT_EQ(net.node(1).transfer_leadership(4).code(), Code::kInvalidArgument);  // a learner
  EXPECT_EQ(net.node(1).transfer_leadership(9).code(), Code::kInvalidArgument);  // unknown
  EXPECT_EQ(net.node(2).transfer_leadership(3).code(), Code::kNotLeader);
  EXPECT_TRUE(net.node(1).transfer_leadership(1).is_ok());  // itself: nothing to do
  EXPECT_EQ(net.raft(1).lead_transferee(), kNoNode);
  EXPECT_TRUE(net.propose(1, "x").is_ok());
}

TEST_F(WithLearnerTest, timeoutNowToALearnerIsIgnored) {
  const Term term = net.raft(4).term();
  ASSERT_TRUE(net.node(4)
                  .step(Message{.type = MessageType::kTimeoutNow, .from = 1, .to = 4, .term = term})
                  .is_ok());
  net.stabilize();
  EXPECT_EQ(net.raft(4).role(), Role::kFollower);
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
}

}  // namespace
}  // namespace helios::raft
