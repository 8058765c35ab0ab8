// Lease reads (thesis §6.4.1, Config::lease_reads): the leader answers reads at once while
// a majority acknowledged one of its heartbeats less than lease_ticks() ago. Safe while
// the nodes' clocks agree within the drift bound; these scenarios show both sides.
#include <gtest/gtest.h>

#include <optional>

#include "test_network.h"

namespace helios::raft {
namespace {

using testing::TestNetwork;

testing::ConfigFn lease_config(int drift_ticks) {
  return [drift_ticks](Config& c) {
    c.lease_reads = true;
    c.lease_drift_ticks = drift_ticks;
  };
}

// A 3-node cluster led by 1 that has committed in its term and heard from both followers.
TestNetwork leased_cluster(int drift_ticks) {
  TestNetwork net(3, lease_config(drift_ticks));
  // A node that just started refuses votes for an election timeout (it may have heard from
  // a leader just before it went down): let that pass on the voters first.
  net.tick(2, 10);
  net.tick(3, 10);
  net.elect(1);
  net.tick(1);
  net.stabilize();
  net.clear_sent();
  return net;
}

bool heartbeat(const Message& m) {
  return m.type == MessageType::kHeartbeat;
}

// The node other than `old` that leads in a higher term and has committed an entry of it.
NodeId new_leader_with_commit(const TestNetwork& net, NodeId old) {
  for (NodeId id : net.ids()) {
    const Raft& r = net.raft(id);
    if (id != old && r.role() == Role::kLeader && r.term() > net.raft(old).term() &&
        r.log().term_or_zero(r.log().committed()) == r.term()) {
      return id;
    }
  }
  return kNoNode;
}

TEST(LeaseReadTest, theLeaderAnswersAtOnceWithoutAHeartbeatRound) {
  TestNetwork net = leased_cluster(1);
  ASSERT_TRUE(net.raft(1).lease_valid());
  ASSERT_TRUE(net.node(1).read_index(7).is_ok());
  const Ready rd = net.process_ready(1);
  ASSERT_EQ(rd.read_states.size(), 1u);
  EXPECT_EQ(rd.read_states[0], (ReadState{.index = net.raft(1).log().committed(), .context = 7}));
  EXPECT_EQ(net.count_sent(heartbeat), 0u);
  EXPECT_EQ(net.raft(1).lease_reads(), 1u);
}

TEST(LeaseReadTest, aFollowersReadIndexIsAnsweredUnderTheLease) {
  TestNetwork net = leased_cluster(1);
  ASSERT_TRUE(net.node(2).read_index(9).is_ok());
  net.stabilize();
  EXPECT_EQ(net.count_sent(heartbeat), 0u);  // no round: the lease answered
  ASSERT_EQ(net.read_states(2).size(), 1u);
  EXPECT_EQ(net.read_states(2)[0].index, net.raft(1).log().committed());
}

TEST(LeaseReadTest, withoutAcknowledgementsTheLeaseRunsOutAndReadsUseReadIndex) {
  TestNetwork net = leased_cluster(1);
  net.isolate(1);
  const int lease = net.raft(1).config().lease_ticks();
  ASSERT_EQ(lease, 7);  // 10 - 2 - 1
  for (int i = 0; i < lease; ++i) {
    EXPECT_TRUE(net.raft(1).lease_valid()) << "tick " << i;
    net.tick(1);
    net.stabilize();
  }
  EXPECT_FALSE(net.raft(1).lease_valid());
  ASSERT_TRUE(net.node(1).read_index(3).is_ok());
  const Ready rd = net.process_ready(1);
  EXPECT_TRUE(rd.read_states.empty());  // waits for a heartbeat round that cannot complete
  EXPECT_EQ(net.raft(1).lease_reads(), 0u);
}

// A stalled loop hands the core its missed ticks with lapse(): they end the lease, but no
// timeout fires for them, so the peers' answers that queued up during the stall still count.
TEST(LeaseReadTest, lapsedTicksEndTheLeaseButFireNoTimeout) {
  TestNetwork net = leased_cluster(1);
  const int election = net.raft(1).config().election_ticks;
  const Term term = net.raft(1).term();
  ASSERT_TRUE(net.raft(1).lease_valid());
  net.node(1).lapse(static_cast<std::uint64_t>(3 * election));
  net.node(2).lapse(static_cast<std::uint64_t>(3 * election));
  net.node(3).lapse(static_cast<std::uint64_t>(3 * election));
  EXPECT_FALSE(net.raft(1).lease_valid());  // the time passed: no lease read on old acks
  ASSERT_TRUE(net.node(1).read_index(4).is_ok());
  EXPECT_TRUE(net.process_ready(1).read_states.empty());  // a heartbeat round instead
  net.stabilize();
  EXPECT_EQ(net.read_states(1).size(), 1u);
  // One more tick each (what the runtime delivers after a stall): nobody campaigns and the
  // leader keeps its majority, as it would without the stall.
  for (int i = 0; i < election; ++i) {
    for (NodeId id : net.ids()) {
      net.tick(id);
    }
    net.stabilize();
  }
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
  EXPECT_EQ(net.raft(1).term(), term);
  EXPECT_TRUE(net.raft(1).lease_valid());  // renewed by the heartbeats after the stall
}

// The same missed ticks fired one by one (what the runtime did before lapse()) depose the
// leader of a healthy cluster: check-quorum runs twice with no answer read in between.
TEST(LeaseReadTest, missedTicksFiredOneByOneDeposeAHealthyLeader) {
  TestNetwork net = leased_cluster(1);
  const int election = net.raft(1).config().election_ticks;
  net.tick(1, 2 * election);
  EXPECT_NE(net.raft(1).role(), Role::kLeader);
}

TEST(LeaseReadTest, aLeadershipTransferEndsTheLeaseForTheTerm) {
  TestNetwork net = leased_cluster(1);
  ASSERT_TRUE(net.node(1).transfer_leadership(2).is_ok());
  EXPECT_FALSE(net.raft(1).lease_valid());
}

TEST(LeaseReadTest, aRestartedVoterRefusesVotesForAnElectionTimeout) {
  TestNetwork net = leased_cluster(1);
  net.crash(3, false);  // it may have acknowledged a heartbeat just before
  net.isolate(1);
  net.tick(2, 25);  // node 2 campaigns; node 3 just started: no vote for it yet
  net.stabilize();
  EXPECT_NE(net.raft(2).role(), Role::kLeader);
  net.tick(3, 9);
  net.tick(2, 25);
  net.stabilize();
  EXPECT_NE(net.raft(2).role(), Role::kLeader);
  net.tick(3, 1);  // an election timeout since node 3 started
  for (int i = 0; i < 40 && net.raft(2).role() != Role::kLeader; ++i) {
    net.tick(2);
    net.stabilize();
  }
  EXPECT_EQ(net.raft(2).role(), Role::kLeader);
}

// Runs the cluster with the leader cut off, the leader's clock ticking every `leader_period`
// time units and the followers' every `follower_period`, until one of the followers leads
// and has committed in its term. Returns true if the old leader still held its lease then.
bool old_lease_outlives_new_leader(TestNetwork& net, int leader_period, int follower_period) {
  net.isolate(1);
  for (int t = 1; t <= 4000; ++t) {
    if (t % leader_period == 0) {
      net.tick(1);
    }
    if (t % follower_period == 0) {
      net.tick(2);
      net.tick(3);
    }
    net.stabilize();
    if (new_leader_with_commit(net, 1) != kNoNode) {
      return net.raft(1).lease_valid();
    }
  }
  ADD_FAILURE() << "no new leader was elected";
  return false;
}

TEST(LeaseReadTest, withinTheDriftBoundNoNewLeaderCommitsWhileTheLeaseHolds) {
  // Followers' clocks 20% fast against a bound of 2 ticks over an election timeout of 10.
  TestNetwork net = leased_cluster(2);
  EXPECT_FALSE(old_lease_outlives_new_leader(net, 5, 4));
}

TEST(LeaseReadTest, thePlantedLeaseTooLongOutlivesANewLeaderWithinTheBound) {
  // The scenario above with the planted bug (a lease of two election timeouts): it fails.
  TestNetwork net(3, [](Config& c) {
    lease_config(2)(c);
    c.bugs.lease_too_long = true;
  });
  net.tick(2, 10);
  net.tick(3, 10);
  net.elect(1);
  net.tick(1);
  net.stabilize();
  EXPECT_TRUE(old_lease_outlives_new_leader(net, 5, 4));
}

TEST(LeaseReadTest, beyondTheDriftBoundTheOldLeaderServesAStaleRead) {
  // Followers' clocks four times as fast as the leader's with no drift bound: the old
  // leader still believes in its lease after another node was elected and committed.
  TestNetwork net = leased_cluster(0);
  ASSERT_TRUE(old_lease_outlives_new_leader(net, 4, 1));
  const NodeId next = new_leader_with_commit(net, 1);
  ASSERT_TRUE(net.propose(next, "after").is_ok());
  net.stabilize();
  ASSERT_TRUE(net.node(1).read_index(5).is_ok());
  const Ready rd = net.process_ready(1);
  ASSERT_EQ(rd.read_states.size(), 1u);  // answered at once, from the old leader's log...
  EXPECT_LT(rd.read_states[0].index, net.raft(next).log().committed());  // ...stale
}

// A leader whose process was paused (no tick, no message) while the others elected a new
// leader and committed: `lapse_missed` says whether the runtime hands it the ticks it
// missed (Node::lapse) before its first read. Returns the read state it answers at once,
// or nothing when it waits for a heartbeat round.
std::optional<ReadState> read_after_pause(bool lapse_missed) {
  TestNetwork net = leased_cluster(1);
  net.isolate(1);
  std::uint64_t missed = 0;
  for (int t = 0; t < 400 && new_leader_with_commit(net, 1) == kNoNode; ++t) {
    net.tick(2);
    net.tick(3);
    net.stabilize();
    ++missed;
  }
  const NodeId next = new_leader_with_commit(net, 1);
  EXPECT_NE(next, kNoNode);
  EXPECT_TRUE(net.propose(next, "after").is_ok());
  net.stabilize();
  // The pause ends: the timer is late by `missed` ticks; the read arrives before any
  // message of the new term does.
  if (lapse_missed) {
    net.node(1).lapse(missed - 1);
  }
  net.tick(1);
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);  // one tick: no check-quorum step-down yet
  EXPECT_TRUE(net.node(1).read_index(8).is_ok());
  const Ready rd = net.process_ready(1);
  if (rd.read_states.empty()) {
    return std::nullopt;
  }
  EXPECT_LT(rd.read_states[0].index, net.raft(next).log().committed());
  return rd.read_states[0];
}

TEST(LeaseReadTest, aPausedLeaderGivenItsMissedTicksHasNoLeaseLeft) {
  EXPECT_FALSE(read_after_pause(true).has_value());
}

TEST(LeaseReadTest, aPausedLeaderThatDropsItsMissedTicksServesAStaleRead) {
  // What lapse() prevents (the simulator's planted bug lapse-dropped): a stale read index.
  EXPECT_TRUE(read_after_pause(false).has_value());
}

}  // namespace
}  // namespace helios::raft
