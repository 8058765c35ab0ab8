// ReadIndex (thesis §6.4): linearizable reads served at the commit index once a heartbeat
// round confirms leadership.
#include <gtest/gtest.h>

#include <vector>

#include "test_network.h"

namespace helios::raft {
namespace {

using testing::LoneNode;
using testing::test_config;
using testing::TestNetwork;

bool is_heartbeat_from(const Message& m, NodeId from) {
  return m.type == MessageType::kHeartbeat && m.from == from;
}

// A 3-node cluster led by 1 whose followers all know the commit index.
TestNetwork settled_cluster(const testing::ConfigFn& configure = {}) {
  TestNetwork net(3, configure);
  net.elect(1);
  net.tick(1);
  net.stabilize();
  net.clear_sent();
  return net;
}

TEST(ReadIndexTest, readIndex_leaderAnswersOnlyAfterHeartbeatQuorum) {
  TestNetwork net = settled_cluster();
  ASSERT_TRUE(net.node(1).read_index(42).is_ok());
  Ready rd = net.process_ready(1);
  EXPECT_TRUE(rd.read_states.empty());
  ASSERT_EQ(net.count_sent([](const Message& m) { return is_heartbeat_from(m, 1); }), 2u);
  net.deliver();  // both followers get the heartbeat
  net.process_ready(2);
  net.process_ready(3);
  EXPECT_FALSE(net.node(1).has_ready());  // no acknowledgement yet: no answer
  EXPECT_EQ(net.deliver_if([](const Message& m) { return m.from == 2; }), 1u);
  rd = net.process_ready(1);  // the leader and node 2 are a majority
  ASSERT_EQ(rd.read_states.size(), 1u);
  EXPECT_EQ(rd.read_states[0], (ReadState{.index = net.raft(1).log().committed(), .context = 42}));
}

TEST(ReadIndexTest, readIndex_plantedReadWithoutQuorumAnswersAtOnce) {
  // The planted bug answers with no round at all: proves the test above can fail.
  TestNetwork net = settled_cluster([](Config& c) { c.bugs.read_without_quorum = true; });
  ASSERT_TRUE(net.node(1).read_index(42).is_ok());
  const Ready rd = net.process_ready(1);
  EXPECT_EQ(rd.read_states.size(), 1u);
  EXPECT_EQ(net.count_sent([](const Message& m) { return is_heartbeat_from(m, 1); }), 0u);
}

TEST(ReadIndexTest, readIndex_readsQueuedDuringARoundShareTheNextRound) {
  TestNetwork net = settled_cluster();
  for (std::uint64_t ctx = 1; ctx <= 10; ++ctx) {
    ASSERT_TRUE(net.node(1).read_index(ctx).is_ok());
  }
  net.stabilize();
  // Read 1 started round 1; reads 2..10 waited for it and then shared round 2.
  EXPECT_EQ(net.count_sent([](const Message& m) { return is_heartbeat_from(m, 1); }), 4u);
  ASSERT_EQ(net.read_states(1).size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(net.read_states(1)[i].context, i + 1);
    EXPECT_EQ(net.read_states(1)[i].index, 1u);
  }
}

// A 3-node cluster where 1 has won term 1 but none of its Appends arrive, so its no-op is
// not committed.
TestNetwork leader_without_commit() {
  TestNetwork net(3);
  net.set_drop([](const Message& m) { return m.type == MessageType::kAppend; });
  net.elect(1);
  EXPECT_EQ(net.raft(1).log().committed(), 0u);
  net.clear_sent();
  return net;
}

TEST(ReadIndexTest, readIndex_waitsForACommitInTheLeadersTerm) {
  TestNetwork net = leader_without_commit();
  ASSERT_TRUE(net.node(1).read_index(7).is_ok());
  net.stabilize();
  EXPECT_TRUE(net.read_states(1).empty());
  EXPECT_EQ(net.count_sent([](const Message& m) { return is_heartbeat_from(m, 1); }), 0u);
  net.set_drop(nullptr);
  net.tick(1);  // the heartbeat answers make the leader resend its no-op
  net.stabilize();
  EXPECT_EQ(net.raft(1).log().committed(), 1u);
  ASSERT_EQ(net.read_states(1).size(), 1u);
  EXPECT_EQ(net.read_states(1)[0], (ReadState{.index = 1, .context = 7}));
}

TEST(ReadIndexTest, readIndex_manyWaitingReadsServedByOneRound) {
  TestNetwork net = leader_without_commit();
  for (std::uint64_t ctx = 1; ctx <= 50; ++ctx) {
    ASSERT_TRUE(net.node(1).read_index(ctx).is_ok());
  }
  net.set_drop(nullptr);
  net.tick(1);
  net.stabilize();
  // One heartbeat per follower from the tick, one per follower for the single read round.
  EXPECT_EQ(net.count_sent([](const Message& m) { return is_heartbeat_from(m, 1); }), 4u);
  EXPECT_EQ(net.read_states(1).size(), 50u);
}

TEST(ReadIndexTest, readIndex_followerForwardsToLeader) {
  TestNetwork net = settled_cluster();
  ASSERT_TRUE(net.propose(1, "x").is_ok());
  net.stabilize();
  ASSERT_TRUE(net.node(2).read_index(9).is_ok());
  net.stabilize();
  ASSERT_EQ(net.read_states(2).size(), 1u);
  EXPECT_EQ(net.read_states(2)[0], (ReadState{.index = 2, .context = 9}));
  EXPECT_TRUE(net.read_states(1).empty());
}

TEST(ReadIndexTest, readIndex_refusedWithoutKnownLeader) {
  LoneNode n(test_config(2, 3));
  EXPECT_EQ(n.raw().read_index(1).code(), Code::kNotLeader);
}

TEST(ReadIndexTest, readIndex_refusedBeyondMaxPendingReads) {
  TestNetwork net(3, [](Config& c) { c.max_pending_reads = 2; });
  net.set_drop([](const Message& m) { return m.type == MessageType::kAppend; });
  net.elect(1);
  ASSERT_TRUE(net.node(1).read_index(1).is_ok());
  ASSERT_TRUE(net.node(1).read_index(2).is_ok());
  EXPECT_EQ(net.node(1).read_index(3).code(), Code::kUnavailable);
}

TEST(ReadIndexTest, readIndex_singleVoterAnswersWithoutRoundTrip) {
  LoneNode n(test_config(1, 1));
  n.raw().campaign();
  n.cycle();  // its vote is durable: it leads
  n.cycle();  // the no-op is durable, hence committed
  ASSERT_TRUE(n.raw().read_index(5).is_ok());
  const Ready rd = n.cycle();
  ASSERT_EQ(rd.read_states.size(), 1u);
  EXPECT_EQ(rd.read_states[0], (ReadState{.index = 1, .context = 5}));
}

// Leader 1 is cut off; 2 and 3 elect a new leader that commits a write. Returns the new
// leader; node 1 still believes it leads term 1.
NodeId depose(TestNetwork& net) {
  net.isolate(1);
  for (int i = 0; i < 100 && net.leader() == 1; ++i) {
    net.tick(2);
    net.tick(3);
    net.stabilize();
  }
  const NodeId leader = net.leader();
  EXPECT_NE(leader, 1u);
  EXPECT_TRUE(net.propose(leader, "w").is_ok());
  net.stabilize();
  EXPECT_EQ(net.raft(leader).log().committed(), 3u);
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
  return leader;
}

TEST(ReadIndexTest, readIndex_deposedLeaderNeverAnswers) {
  TestNetwork net = settled_cluster();
  depose(net);
  ASSERT_TRUE(net.node(1).read_index(5).is_ok());
  for (int i = 0; i < 30; ++i) {
    net.tick_all();
    net.stabilize();
    if (i == 10) {
      net.heal();
    }
  }
  EXPECT_NE(net.raft(1).role(), Role::kLeader);
  EXPECT_TRUE(net.read_states(1).empty());
}

TEST(ReadIndexTest, readIndex_plantedReadWithoutQuorumOnDeposedLeaderIsStale) {
  TestNetwork net = settled_cluster([](Config& c) { c.bugs.read_without_quorum = true; });
  const NodeId leader = depose(net);
  ASSERT_TRUE(net.node(1).read_index(5).is_ok());
  net.stabilize();
  ASSERT_EQ(net.read_states(1).size(), 1u);
  // A read at index 1 misses the write committed at index 3: not linearizable.
  EXPECT_LT(net.read_states(1)[0].index, net.raft(leader).log().committed());
}

TEST(ReadIndexTest, readIndex_pendingReadsDroppedWhenLeaderStepsDown) {
  TestNetwork net = settled_cluster();
  net.isolate(1);
  ASSERT_TRUE(net.node(1).read_index(5).is_ok());
  net.tick(1, 30);  // check-quorum makes it step down
  net.stabilize();
  ASSERT_EQ(net.raft(1).role(), Role::kFollower);
  net.heal();
  for (int i = 0; i < 50; ++i) {
    net.tick_all();
    net.stabilize();
  }
  EXPECT_NE(net.leader(), kNoNode);
  EXPECT_TRUE(net.read_states(1).empty());
}

}  // namespace
}  // namespace helios::raft
