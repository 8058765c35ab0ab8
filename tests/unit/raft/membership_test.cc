// Membership changes (thesis chapter 4): learners, joint consensus, one change at a time,
// the configuration of the latest entry, removed leaders and nodes, restarts and snapshots.
#include <gtest/gtest.h>

#include "raft/membership.h"
#include "test_network.h"

namespace helios::raft {
namespace {

using testing::TestNetwork;

ConfState conf_of(std::vector<NodeId> voters, std::vector<NodeId> learners = {},
                  std::vector<NodeId> outgoing = {}) {
  return ConfState{.voters = std::move(voters),
                   .learners = std::move(learners),
                   .voters_outgoing = std::move(outgoing)};
}

// A three-node cluster led by node 1 with `extra` nodes added (empty, no configuration).
class MembershipTest : public ::testing::Test {
 protected:
  void SetUp() override { net_.elect(1); }

  void add_nodes(std::initializer_list<NodeId> ids) {
    for (NodeId id : ids) {
      net_.add_node(id);
    }
  }

  // Proposes `next` at the leader and runs the cluster until nothing moves.
  void change(const ConfState& next) {
    Result<EntryId> r = net_.propose_conf(net_.leader(), next);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    net_.stabilize();
  }

  Index committed(NodeId id) const { return net_.raft(id).log().committed(); }

  // Adds nodes 4 and 5, cuts off `a` and `b`, and proposes C({1,2,3},{1,4,5}) at node 1.
  EntryId joint_to_145_with_cut(NodeId a, NodeId b) {
    add_nodes({4, 5});
    net_.isolate(a);
    net_.isolate(b);
    Result<EntryId> joint = net_.propose_conf(1, conf_of({1, 4, 5}, {}, {1, 2, 3}));
    EXPECT_TRUE(joint.is_ok()) << joint.status().to_string();
    net_.stabilize();
    return joint.is_ok() ? joint.value() : EntryId{};
  }

  TestNetwork net_{3};
};

TEST_F(MembershipTest, learner_receivesTheLogButNeverCountsOrCampaigns) {
  add_nodes({4});
  change(conf_of({1, 2, 3}, {4}));
  EXPECT_EQ(net_.raft(4).conf(), conf_of({1, 2, 3}, {4}));
  ASSERT_TRUE(net_.propose(1, "x").is_ok());
  net_.stabilize();
  EXPECT_EQ(net_.raft(4).log().last_index(), net_.raft(1).log().last_index());
  EXPECT_EQ(committed(4), committed(1));
  // With both other voters cut off, the learner's acknowledgement commits nothing.
  net_.isolate(2);
  net_.isolate(3);
  const Index before = committed(1);
  ASSERT_TRUE(net_.propose(1, "y").is_ok());
  net_.stabilize();
  EXPECT_EQ(net_.raft(4).log().last_index(), net_.raft(1).log().last_index());
  EXPECT_EQ(committed(1), before);
  // A learner never campaigns, whatever the silence.
  net_.isolate(1);
  const Term term = net_.raft(4).term();
  net_.tick(4, 100);
  net_.stabilize();
  EXPECT_EQ(net_.raft(4).role(), Role::kFollower);
  EXPECT_EQ(net_.raft(4).term(), term);
}

TEST_F(MembershipTest, plantedBug_countLearnerAck_commitsWithoutAVoterMajority) {
  TestNetwork net(3, [](Config& c) { c.bugs.count_learner_ack = true; });
  net.elect(1);
  net.add_node(4);
  ASSERT_TRUE(net.propose_conf(1, conf_of({1, 2, 3}, {4})).is_ok());
  net.stabilize();
  net.isolate(2);
  net.isolate(3);
  const Index before = net.raft(1).log().committed();
  ASSERT_TRUE(net.propose(1, "y").is_ok());
  net.stabilize();
  EXPECT_GT(net.raft(1).log().committed(), before);  // leader + learner: the bug
}

TEST_F(MembershipTest, promote_goesThroughJointAndLeavesItByItself) {
  add_nodes({4});
  change(conf_of({1, 2, 3}, {4}));
  change(conf_of({1, 2, 3, 4}, {}, {1, 2, 3}));
  for (NodeId id : {1, 2, 3, 4}) {
    EXPECT_EQ(net_.raft(id).conf(), conf_of({1, 2, 3, 4})) << id;
    EXPECT_EQ(committed(id), net_.raft(1).log().last_index()) << id;
  }
  // The last two configuration entries: C(old,new), then C(new) appended by the leader.
  const std::vector<Entry>& applied = net_.applied(2);
  ASSERT_GE(applied.size(), 2u);
  EXPECT_EQ(decode_conf_state(applied[applied.size() - 2].data).value(),
            conf_of({1, 2, 3, 4}, {}, {1, 2, 3}));
  EXPECT_EQ(decode_conf_state(applied.back().data).value(), conf_of({1, 2, 3, 4}));
}

TEST_F(MembershipTest, joint_needsAMajorityOfTheNewVotersToo) {
  // From {1,2,3} to {1,4,5} at once, with 4 and 5 unreachable: the old majority has the
  // entry, the new one does not, so nothing commits.
  const EntryId joint = joint_to_145_with_cut(4, 5);
  EXPECT_EQ(net_.raft(2).log().last_index(), joint.index);
  EXPECT_LT(committed(1), joint.index);
  net_.heal();
  net_.tick(1, 1);  // a heartbeat finds 4 and 5
  net_.stabilize();
  EXPECT_EQ(net_.raft(1).conf(), conf_of({1, 4, 5}));
  EXPECT_EQ(committed(1), net_.raft(1).log().last_index());
}

TEST_F(MembershipTest, joint_needsAMajorityOfTheOldVotersToo) {
  const EntryId joint = joint_to_145_with_cut(2, 3);
  EXPECT_EQ(net_.raft(4).log().last_index(), joint.index);
  EXPECT_LT(committed(1), joint.index);
}

TEST_F(MembershipTest, oneChangeAtATime) {
  add_nodes({4, 5});
  net_.isolate(2);
  net_.isolate(3);
  ASSERT_TRUE(net_.propose_conf(1, conf_of({1, 2, 3}, {4})).is_ok());
  // Not committed yet: refused.
  EXPECT_EQ(net_.propose_conf(1, conf_of({1, 2, 3}, {4, 5})).status().code(), Code::kUnavailable);
  net_.heal();
  net_.stabilize();
  ASSERT_TRUE(net_.propose_conf(1, conf_of({1, 2, 3}, {4, 5})).is_ok());
  net_.stabilize();
  EXPECT_EQ(net_.raft(5).conf(), conf_of({1, 2, 3}, {4, 5}));
  // Joint but the leave entry held back: refused while joint.
  net_.isolate(2);
  net_.isolate(3);
  ASSERT_TRUE(net_.propose_conf(1, conf_of({1, 2, 3, 4}, {5}, {1, 2, 3})).is_ok());
  EXPECT_EQ(net_.propose_conf(1, conf_of({1, 2, 3, 4}, {})).status().code(), Code::kUnavailable);
}

TEST_F(MembershipTest, badTransitionsAreRefusedAndChangeNothing) {
  const Index last = net_.raft(1).log().last_index();
  struct Case {
    ConfState next;
    std::string words;
  };
  const std::vector<Case> cases = {
      {conf_of({}), "last voter"},
      {conf_of({1, 2}), "joint"},                                       // voters change, not joint
      {conf_of({1, 2}, {}, {1, 2}), "outgoing voters must be"},         // wrong old side
      {conf_of({1, 2, 3}, {}, {1, 2, 3}), "must change the voters"},    // joint, same voters
      {conf_of({1, 2}, {3}, {1, 2, 3}), "both a voter and a learner"},  // demotion at once
      {conf_of({1, 2, 3}), "does not change"},
      {conf_of({3, 2, 1}), "not sorted"},
      {conf_of({1, 2, 3}, {3}), "both a voter and a learner"},
  };
  for (const Case& c : cases) {
    Result<EntryId> r = net_.propose_conf(1, c.next);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << describe(c.next);
    EXPECT_NE(r.status().message().find(c.words), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(net_.raft(1).log().last_index(), last);
  EXPECT_EQ(net_.propose_conf(2, conf_of({1, 2, 3}, {4})).status().code(), Code::kNotLeader);
}

TEST_F(MembershipTest, uncommittedConfigurationIsInForceAndRevertsWhenTruncated) {
  TestNetwork net(5, [](Config& c) { c.check_quorum = false; });  // no lease: elect at will
  net.elect(1);
  net.add_node(6);
  // Node 2 alone receives the change: it is in force there, uncommitted.
  net.set_drop([](const Message& m) { return m.from == 1 && m.to != 2; });
  ASSERT_TRUE(net.propose_conf(1, conf_of({1, 2, 3, 4, 5}, {6})).is_ok());
  net.stabilize();
  EXPECT_EQ(net.raft(2).conf(), conf_of({1, 2, 3, 4, 5}, {6}));
  EXPECT_LT(net.raft(2).log().committed(), net.raft(2).conf_index());
  // Node 3 leads without it and overwrites node 2's tail: the old configuration is back.
  net.heal();
  net.isolate(1);
  net.elect(3);
  ASSERT_TRUE(net.propose(3, "x").is_ok());
  net.stabilize();
  EXPECT_EQ(net.raft(2).conf(), conf_of({1, 2, 3, 4, 5}));
  EXPECT_EQ(net.raft(2).log().last_index(), net.raft(3).log().last_index());
}

TEST_F(MembershipTest, removedLeaderStepsDownAndNeverCampaigns) {
  change(conf_of({2, 3}, {}, {1, 2, 3}));
  EXPECT_EQ(net_.raft(1).conf(), conf_of({2, 3}));
  EXPECT_EQ(committed(1), net_.raft(1).conf_index());
  // It led until C(new) committed; it steps down at its next tick.
  net_.tick(1, 1);
  EXPECT_EQ(net_.raft(1).role(), Role::kFollower);
  EXPECT_FALSE(net_.raft(1).promotable());
  // The rest elect a leader; node 1 stays quiet whatever happens.
  for (int i = 0;
       i < 100 && net_.raft(2).role() != Role::kLeader && net_.raft(3).role() != Role::kLeader;
       ++i) {
    net_.tick_all(1);
    net_.stabilize();
  }
  const NodeId leader = net_.leader();
  EXPECT_TRUE(leader == 2 || leader == 3) << leader;
  const Term term = net_.raft(leader).term();
  net_.isolate(2);
  net_.isolate(3);
  net_.tick(1, 100);
  net_.stabilize();
  EXPECT_EQ(net_.raft(1).role(), Role::kFollower);
  EXPECT_LE(net_.raft(1).term(), term);
}

TEST_F(MembershipTest, removedFollowerIsToldItsRemovalCommitted) {
  change(conf_of({1, 2}, {}, {1, 2, 3}));
  // Node 3 received C(new) and learned that it committed (the leader's last message to it).
  EXPECT_EQ(net_.raft(3).conf(), conf_of({1, 2}));
  EXPECT_GE(committed(3), net_.raft(3).conf_index());
  EXPECT_EQ(net_.raft(1).progress().count(3), 0u);
  net_.tick(3, 100);
  EXPECT_EQ(net_.raft(3).role(), Role::kFollower);
}

// Node 3 is cut off while it is removed: no leader sends to it afterwards. Once it can reach
// node 2 again, its (pre-)vote request is answered with kRemovedNotice and it stops for good.
TEST_F(MembershipTest, nodeRemovedWhileCutOffIsToldWhenItCampaigns) {
  bool cut_off = true;
  net_.set_drop([&](const Message& m) { return cut_off && (m.from == 3 || m.to == 3); });
  change(conf_of({1, 2}, {}, {1, 2, 3}));
  ASSERT_EQ(net_.raft(2).conf(), conf_of({1, 2}));
  ASSERT_GE(committed(2), net_.raft(2).conf_index());
  EXPECT_EQ(net_.raft(3).conf(), conf_of({1, 2, 3}));  // it never heard of the change
  EXPECT_EQ(net_.raft(3).removal_notice().index, 0u);
  cut_off = false;
  net_.tick(3, 100);
  net_.stabilize();
  EXPECT_EQ(net_.raft(3).removal_notice().index, committed(2));
  EXPECT_FALSE(net_.raft(3).promotable());
  EXPECT_EQ(net_.raft(3).role(), Role::kFollower);
  // It never asks for a vote again, and the cluster did not notice it.
  net_.clear_sent();
  net_.tick(3, 100);
  net_.stabilize();
  EXPECT_EQ(net_.count_sent([](const Message& m) { return m.from == 3; }), 0u);
  EXPECT_EQ(net_.raft(1).role(), Role::kLeader);
}

// Node 3 dies for good and is removed; a new machine joins under id 3 with an empty disk.
// The leader must not trust what it knew of the dead node (its match index): it replicates
// the new one from scratch.
TEST_F(MembershipTest, idAddedAgainStartsFromAFreshProgress) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(net_.propose(1, "before-" + std::to_string(i)).is_ok());
  }
  net_.stabilize();
  bool dead = true;
  net_.set_drop([&](const Message& m) { return dead && (m.from == 3 || m.to == 3); });
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(net_.propose(1, "after-" + std::to_string(i)).is_ok());
  }
  net_.stabilize();
  change(conf_of({1, 2}, {}, {1, 2, 3}));
  ASSERT_EQ(net_.raft(1).conf(), conf_of({1, 2}));
  net_.wipe(3);
  dead = false;
  change(conf_of({1, 2}, {3}));
  for (int i = 0; i < 10; ++i) {
    net_.tick(1, 1);
    net_.stabilize();
  }
  EXPECT_EQ(net_.raft(3).log().last_index(), net_.raft(1).log().last_index());
  EXPECT_EQ(net_.raft(3).conf(), conf_of({1, 2}, {3}));
  EXPECT_EQ(net_.raft(1).progress().at(3).match(), net_.raft(1).log().last_index());
}

// Node 3 is replaced by node 4 while node 2 is cut off, so node 2's log misses the change
// (committed by 1, 3 and 4). Node 3's machine is then wiped and comes back under its old id
// to join again; node 2's link to it heals first. Node 2 still counts node 3 as a voter:
// if the wiped node granted its vote, node 2 would win {2, 3} of {1, 2, 3} without the
// committed entries. The vote floor (Raft::set_vote_floor: no vote while the log ends
// below it) is what the runtime sets for a node that joins (node/removal_watch.h).
void expect_wiped_voter(bool floor) {
  TestNetwork net(3);
  net.elect(1);
  net.add_node(4);
  bool node2_cut = true;
  bool node3_cut = false;
  net.set_drop([&](const Message& m) {
    const bool via2 = m.from == 2 || m.to == 2;
    const bool via3 = m.from == 3 || m.to == 3;
    const bool link23 = via2 && via3;
    return (via2 && (node2_cut || !link23)) || (via3 && node3_cut && !link23);
  });
  ASSERT_TRUE(net.propose_conf(1, conf_of({1, 2, 4}, {}, {1, 2, 3})).is_ok());
  net.stabilize();
  ASSERT_EQ(net.raft(1).conf(), conf_of({1, 2, 4}));
  ASSERT_GE(net.raft(1).log().committed(), net.raft(1).conf_index());
  const Index committed = net.raft(1).log().committed();
  ASSERT_LT(net.raft(2).log().last_index(), committed);
  // Node 3 stops (removed); a new machine takes its id and waits to join.
  net.wipe(3);
  if (floor) {
    // What joining ends with: the floor is the entry that added it (here a later one).
    net.node(3).set_vote_floor(EntryId{net.raft(1).term(), committed + 1});
  }
  node3_cut = true;   // not yet reached by the leader
  node2_cut = false;  // node 2 reaches node 3 only
  net.campaign(2);
  net.stabilize();
  if (floor) {
    EXPECT_NE(net.raft(2).role(), Role::kLeader);
  } else {
    // The hazard: a leader whose log lacks committed entries.
    EXPECT_EQ(net.raft(2).role(), Role::kLeader);
    EXPECT_LT(net.raft(2).log().last_index(), committed + 1);
  }
}

TEST(MembershipWipeTest, aWipedNodeUnderAnOldId_withoutAVoteFloor_electsAStaleLeader) {
  expect_wiped_voter(false);
}

TEST(MembershipWipeTest, aWipedNodeUnderAnOldId_withAVoteFloor_grantsNoVote) {
  expect_wiped_voter(true);
}

// While a new machine under an old id waits to be added (Raft::set_joining), it answers no
// one: a stale leader that still counts the id as a voter gets no acknowledgement to commit
// with. Once added (finish_join), it takes the member's term and a stale leader's messages
// are below it.
TEST(MembershipWipeTest, aJoiningNode_hearsNothingUntilAdded_thenTakesTheTerm) {
  TestNetwork net(3);
  net.elect(1);
  const Term term = net.raft(1).term();
  net.wipe(3);
  net.node(3).set_joining(true);
  net.clear_sent();
  ASSERT_TRUE(net.propose(1, "x").is_ok());
  net.stabilize();
  EXPECT_EQ(net.count_sent([](const Message& m) { return m.from == 3; }), 0u);
  EXPECT_EQ(net.raft(3).term(), 0u);
  EXPECT_EQ(net.raft(3).log().last_index(), 0u);
  net.node(3).finish_join(term + 2);
  EXPECT_FALSE(net.raft(3).joining());
  EXPECT_EQ(net.raft(3).term(), term + 2);
  // Node 1 (term `term`) is stale to it now: it is told so, and steps down.
  ASSERT_TRUE(net.propose(1, "y").is_ok());
  net.stabilize();
  EXPECT_GE(net.raft(1).term(), term + 2);
}

// While node 3's removal is in node 2's log but not committed (node 2's acknowledgements of
// C(new) are lost), node 2 does not tell it: the removal could still be undone.
void expect_notice_of_uncommitted_removal(bool planted_bug) {
  TestNetwork net(3, [&](Config& c) { c.bugs.notice_uncommitted_removal = planted_bug; });
  net.elect(1);
  const Index joint = net.raft(1).log().last_index() + 1;
  bool cut_off = true;
  net.set_drop([&](const Message& m) {
    const bool ack_of_new = m.from == 2 && m.type == MessageType::kAppendResp && m.index > joint;
    return ack_of_new || ((m.from == 3 || m.to == 3) && (cut_off || m.from == 1 || m.to == 1));
  });
  ASSERT_TRUE(net.propose_conf(1, conf_of({1, 2}, {}, {1, 2, 3})).is_ok());
  net.stabilize();
  ASSERT_EQ(net.raft(2).conf(), conf_of({1, 2}));   // C(new), appended
  ASSERT_EQ(net.raft(2).log().committed(), joint);  // only C(old,new) committed
  cut_off = false;                                  // node 3 reaches node 2 (not node 1)
  net.tick(3, 100);
  net.stabilize();
  if (planted_bug) {
    EXPECT_NE(net.raft(3).removal_notice().index, 0u);
  } else {
    EXPECT_EQ(net.raft(3).removal_notice().index, 0u);
    EXPECT_TRUE(net.raft(3).promotable());
  }
}

TEST_F(MembershipTest, uncommittedRemovalIsNotNoticed) {
  expect_notice_of_uncommitted_removal(false);
}

TEST_F(MembershipTest, plantedBug_noticeUncommittedRemoval_tellsTooEarly) {
  expect_notice_of_uncommitted_removal(true);
}

TEST_F(MembershipTest, restartedNodeKnowsItsConfigurationFromTheLogAndSnapshots) {
  add_nodes({4});
  change(conf_of({1, 2, 3}, {4}));
  change(conf_of({1, 2, 3, 4}, {}, {1, 2, 3}));
  net_.crash(2, false);
  EXPECT_EQ(net_.raft(2).conf(), conf_of({1, 2, 3, 4}));
  // Compacted away: the snapshot carries it.
  const Index applied = net_.raft(2).log().last_index();
  net_.stabilize();
  net_.snapshot_and_compact(2, applied, applied);
  net_.crash(2, false);
  EXPECT_EQ(net_.raft(2).conf(), conf_of({1, 2, 3, 4}));
  EXPECT_EQ(net_.storage(2).snapshot_meta().conf_state, conf_of({1, 2, 3, 4}));
}

TEST_F(MembershipTest, newMemberCatchesUpBySnapshot) {
  ASSERT_TRUE(net_.propose(1, "a").is_ok());
  net_.stabilize();
  const Index applied = net_.raft(1).log().last_index();
  net_.snapshot_and_compact(1, applied, applied);
  add_nodes({4});
  change(conf_of({1, 2, 3}, {4}));
  net_.tick(1, 1);
  net_.stabilize();
  ASSERT_EQ(net_.installed(4).size(), 1u);
  EXPECT_EQ(net_.installed(4).front().conf_state, conf_of({1, 2, 3}));
  // After the snapshot the log brings the entry that added it.
  EXPECT_EQ(net_.raft(4).conf(), conf_of({1, 2, 3}, {4}));
  EXPECT_EQ(net_.raft(4).log().last_index(), net_.raft(1).log().last_index());
}

TEST_F(MembershipTest, plantedBug_leaveJointEarly_skipsTheJointCommit) {
  TestNetwork net(3, [](Config& c) { c.bugs.leave_joint_early = true; });
  net.elect(1);
  net.add_node(4);
  net.add_node(5);
  net.isolate(2);
  net.isolate(3);
  ASSERT_TRUE(net.propose_conf(1, conf_of({1, 4, 5}, {}, {1, 2, 3})).is_ok());
  net.stabilize();
  // C(new) = {1,4,5} committed by 1, 4 and 5 alone: the old majority never agreed.
  EXPECT_EQ(net.raft(1).conf(), conf_of({1, 4, 5}));
  EXPECT_EQ(net.raft(1).log().committed(), net.raft(1).log().last_index());
}

}  // namespace
}  // namespace helios::raft
