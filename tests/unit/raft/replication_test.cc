// Log replication (§5.3), commitment (§5.4.2, Figure 8), and the replication limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test_network.h"

namespace helios::raft {
namespace {

using testing::TestNetwork;

std::vector<Term> log_terms(TestNetwork& net, NodeId id) {
  std::vector<Term> out;
  for (const Entry& e : net.storage(id).all_entries()) {
    out.push_back(e.term);
  }
  return out;
}

// "v<i>", built without operator+(const char*, string): GCC 12 at -O3 reports a false
// -Wrestrict there.
std::string value(int i) {
  std::string out = "v";
  out += std::to_string(i);
  return out;
}

bool is_append(const Message& m, NodeId from, NodeId to) {
  return m.type == MessageType::kAppend && m.from == from && m.to == to;
}

bool is_rejection(const Message& m, NodeId from) {
  return m.type == MessageType::kAppendResp && m.from == from && m.reject;
}

// ---------------------------------------------------------------------------------------
// Commitment.

TEST(ReplicationTest, propose_commitsOnceOnAMajority) {
  TestNetwork net(3);
  net.elect(1);
  net.isolate(3);
  const Result<EntryId> id = net.propose(1, "x");
  ASSERT_TRUE(id.is_ok());
  EXPECT_EQ(id.value(), (EntryId{.term = 1, .index = 2}));
  net.stabilize();
  EXPECT_EQ(net.raft(1).log().committed(), 2u);
  ASSERT_EQ(net.applied(1).size(), 2u);
  EXPECT_EQ(net.applied(1).back().data, "x");
  EXPECT_EQ(net.storage(3).last_index(), 1u);  // the isolated node has nothing new
}

TEST(ReplicationTest, propose_doesNotCommitWithoutAMajority) {
  TestNetwork net(5);
  net.elect(1);
  net.isolate(4);
  net.isolate(5);
  net.cut(1, 3);
  ASSERT_TRUE(net.propose(1, "x").is_ok());
  net.stabilize();
  EXPECT_EQ(net.storage(2).last_index(), 2u);  // on two of five nodes
  EXPECT_EQ(net.raft(1).log().committed(), 1u);
  net.heal();
  net.tick(1);
  net.stabilize();
  EXPECT_EQ(net.raft(1).log().committed(), 2u);
}

TEST(ReplicationTest, propose_followersApplyInLeaderOrder) {
  TestNetwork net(3);
  net.elect(1);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(net.propose(1, value(i)).is_ok());
    if (i % 3 == 0) {
      net.stabilize();
    }
  }
  net.stabilize();
  net.tick(1);  // the heartbeat carries the final commit index
  net.stabilize();
  for (NodeId id : net.ids()) {
    ASSERT_EQ(net.applied(id).size(), 21u) << "node " << id;
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(net.applied(id)[i + 1].data, value(i)) << "node " << id;
    }
  }
}

TEST(ReplicationTest, handleAppendResponse_lateFollowerLearnsCommitWithoutHeartbeat) {
  // Node 3 acknowledges the no-op only after the leader committed it with node 2. The
  // leader skipped node 3 in its commit broadcast (its probe was outstanding), so unless it
  // answers the late acknowledgement with the commit index, node 3 waits for a heartbeat.
  // etcd/raft handles this in stepLeader ("if we were paused before, this node may be
  // missing the latest commit index, so send it").
  TestNetwork net(3);
  net.elect(1);
  for (NodeId id : net.ids()) {
    EXPECT_EQ(net.raft(id).log().committed(), 1u) << "node " << id;
  }
}

TEST(ReplicationTest, sendHeartbeat_commitClampedToFollowerMatch) {
  // Node 3 holds a stale, uncommitted 2/1; the leader's log has 2/2. Until the leader knows
  // where node 3 matches, its heartbeats must not let node 3 commit its own index 2.
  TestNetwork net(3);
  net.preload(1, {1, 2}, HardState{.term = 2, .commit = 1});
  net.preload(2, {1, 2}, HardState{.term = 2, .commit = 1});
  net.preload(3, {1, 1}, HardState{.term = 2, .commit = 1});
  net.set_drop([](const Message& m) { return m.type == MessageType::kAppend && m.to == 3; });
  net.elect(1);
  ASSERT_EQ(net.raft(1).log().committed(), 3u);
  net.tick(1);
  net.stabilize();
  ASSERT_EQ(net.raft(3).log().committed(), 1u);
  net.set_drop(nullptr);
  net.tick(1);
  net.stabilize();
  EXPECT_EQ(net.storage(3).all_entries(), net.storage(1).all_entries());
  EXPECT_EQ(net.raft(3).log().committed(), 3u);
}

// ---------------------------------------------------------------------------------------
// Figure 7: a new leader brings followers with missing and extra entries to its log.

TEST(RaftPaperTest, figure7_newLeaderBringsEveryFollowerToItsLog) {
  // Node 1 is the leader for term 8; nodes 2..7 are followers (a)..(f) of Figure 7.
  const std::vector<Term> leader = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  const std::vector<std::vector<Term>> followers = {
      {1, 1, 1, 4, 4, 5, 5, 6, 6},           // (a) missing one entry
      {1, 1, 1, 4},                          // (b) missing many
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},     // (c) one extra entry of term 6
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},  // (d) extra entries of term 7
      {1, 1, 1, 4, 4, 4, 4},                 // (e) missing, with extra term-4 entries
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},     // (f) a long tail of terms 2 and 3
  };
  TestNetwork net(7);
  net.preload(1, leader, HardState{.term = 7, .commit = 3});
  for (std::size_t i = 0; i < followers.size(); ++i) {
    net.preload(i + 2, followers[i], HardState{.term = 7, .commit = 3});
  }
  net.elect(1);  // (c) and (d) refuse their votes; the other five elect node 1
  EXPECT_EQ(net.raft(1).term(), 8u);
  std::vector<Term> want = leader;
  want.push_back(8);  // the leader's no-op
  for (NodeId id : net.ids()) {
    EXPECT_EQ(log_terms(net, id), want) << "node " << id;
    EXPECT_EQ(net.storage(id).all_entries(), net.storage(1).all_entries()) << "node " << id;
  }
  EXPECT_EQ(net.raft(1).log().committed(), 11u);
}

// ---------------------------------------------------------------------------------------
// Fast backtracking: a rejection carries a hint that skips a whole term at once.

// Leader 1 and voter 2 hold `leader`; follower 3 holds `follower`; all at term 3.
std::size_t rejections_to_repair(const std::vector<Term>& leader,
                                 const std::vector<Term>& follower) {
  TestNetwork net(3);
  net.preload(1, leader, HardState{.term = 3});
  net.preload(2, leader, HardState{.term = 3});
  net.preload(3, follower, HardState{.term = 3});
  net.elect(1);
  EXPECT_EQ(net.storage(3).all_entries(), net.storage(1).all_entries());
  return net.count_sent([](const Message& m) { return is_rejection(m, 3); });
}

std::vector<Term> log_of(Term first, std::size_t count, Term rest) {
  std::vector<Term> out(count + 1, rest);
  out[0] = first;
  return out;
}

TEST(ReplicationTest, handleAppendResponse_fastBacktrackingOverLongDivergentTail) {
  // 100 entries of term 2 against 100 of term 3: a one-by-one probe needs 100 round trips.
  EXPECT_LE(rejections_to_repair(log_of(1, 100, 3), log_of(1, 100, 2)), 2u);
}

TEST(ReplicationTest, handleAppendResponse_fastBacktrackingOverLongerFollowerLog) {
  EXPECT_LE(rejections_to_repair(log_of(1, 50, 3), log_of(1, 200, 2)), 2u);
}

TEST(ReplicationTest, handleAppendResponse_fastBacktrackingToShortFollowerLog) {
  EXPECT_LE(rejections_to_repair(log_of(1, 100, 3), log_of(1, 0, 1)), 1u);
}

// ---------------------------------------------------------------------------------------
// Limits.

// A 3-node cluster led by 1 where node 3 missed `count` proposals and is then reconnected.
TestNetwork lagging_follower(std::size_t count, const testing::ConfigFn& configure) {
  TestNetwork net(3, configure);
  net.elect(1);
  net.isolate(3);
  for (std::size_t i = 0; i < count; ++i) {
    EXPECT_TRUE(net.propose(1, "abc").is_ok());
  }
  net.stabilize();
  net.heal();
  net.clear_sent();
  net.tick(1);
  net.stabilize();
  EXPECT_EQ(net.storage(3).all_entries(), net.storage(1).all_entries());
  return net;
}

TEST(ReplicationTest, sendAppend_boundedByMaxEntriesPerAppend) {
  TestNetwork net = lagging_follower(10, [](Config& c) { c.max_entries_per_append = 3; });
  std::size_t largest = 0;
  for (const Message& m : net.sent()) {
    if (is_append(m, 1, 3)) {
      EXPECT_LE(m.entries.size(), 3u) << describe(m);
      largest = std::max(largest, m.entries.size());
    }
  }
  EXPECT_EQ(largest, 3u);  // the catch-up did batch
}

TEST(ReplicationTest, sendAppend_boundedByMaxAppendBytes) {
  const std::uint64_t entry_bytes = Entry{.data = "abc"}.byte_size();
  TestNetwork net = lagging_follower(
      10, [&](Config& c) { c.max_append_bytes = 2 * entry_bytes + entry_bytes / 2; });
  std::size_t largest = 0;
  for (const Message& m : net.sent()) {
    if (is_append(m, 1, 3)) {
      EXPECT_LE(m.entries.size(), 2u) << describe(m);
      largest = std::max(largest, m.entries.size());
    }
  }
  EXPECT_EQ(largest, 2u);
}

TEST(ReplicationTest, sendAppend_inflightWindowBoundedByMaxInflightAppends) {
  TestNetwork net(3, [](Config& c) { c.max_inflight_appends = 2; });
  net.elect(1);
  net.cut_one_way(3, 1);  // node 3 receives, but its acknowledgements are lost
  net.clear_sent();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(net.propose(1, "x").is_ok());
    net.stabilize();
  }
  const auto carries_entries = [](const Message& m) {
    return is_append(m, 1, 3) && !m.entries.empty();
  };
  EXPECT_EQ(net.count_sent(carries_entries), 2u);
  const Progress& pr = net.raft(1).progress().at(3);
  EXPECT_EQ(pr.state(), ProgressState::kReplicate);
  EXPECT_EQ(pr.inflights().count(), 2u);
  EXPECT_TRUE(pr.is_paused());
  EXPECT_EQ(net.storage(2).last_index(), 6u);  // node 2 is not held back

  net.heal();
  net.tick(1);
  net.stabilize();
  EXPECT_EQ(net.storage(3).all_entries(), net.storage(1).all_entries());
}

TEST(ReplicationTest, propose_refusedBeyondMaxUncommittedEntries) {
  TestNetwork net(3, [](Config& c) { c.max_uncommitted_entries = 3; });
  net.elect(1);
  net.isolate(1);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(net.propose(1, "x").is_ok());
  }
  const Result<EntryId> refused = net.propose(1, "x");
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
}

// ---------------------------------------------------------------------------------------
// Figure 8: a leader must not commit an entry of an earlier term by counting replicas.

// Figure 8 (c), constructed: S1 (node 1) led term 2 and put index 2 on S2 only; S5 led
// term 3 and put its own index 2 on itself. Now S1 is elected for term 4 (votes from S2 and
// S3) and replicates index 2 (term 2) to S3, so it sits on a majority {S1, S2, S3} while
// S1's term-4 no-op at index 3 reaches S2 only. S4 and S5 do not hear from S1.
TestNetwork figure8(bool commit_old_term) {
  TestNetwork net(5, [&](Config& c) {
    c.pre_vote = false;
    c.check_quorum = false;
    c.max_entries_per_append = 1;
    c.bugs.commit_old_term = commit_old_term;
  });
  net.preload(1, {1, 2}, HardState{.term = 3, .commit = 1});
  net.preload(2, {1, 2}, HardState{.term = 3, .commit = 1});
  net.preload(3, {1}, HardState{.term = 3, .vote = 5, .commit = 1});
  net.preload(4, {1}, HardState{.term = 3, .vote = 5, .commit = 1});
  net.preload(5, {1, 3}, HardState{.term = 3, .vote = 5, .commit = 1});
  net.cut(1, 4);
  net.cut(1, 5);
  // S1's first probe (prev 2) is rejected by S3; once S3 holds index 2, drop index 3.
  const MemoryStorage* s3 = &net.storage(3);
  net.set_drop([s3](const Message& m) {
    return is_append(m, 1, 3) && !m.entries.empty() && m.entries.back().index >= 3 &&
           s3->last_index() >= 2;
  });
  net.elect(1);
  EXPECT_EQ(net.raft(1).term(), 4u);
  EXPECT_EQ(log_terms(net, 2), (std::vector<Term>{1, 2, 4}));
  EXPECT_EQ(log_terms(net, 3), (std::vector<Term>{1, 2}));
  EXPECT_EQ(net.raft(1).progress().at(3).match(), 2u);
  return net;
}

TEST(RaftPaperTest, figure8_leaderDoesNotCommitOldTermEntryByCounting) {
  TestNetwork net = figure8(false);
  EXPECT_EQ(net.raft(1).log().committed(), 1u);
}

TEST(RaftPaperTest, figure8_plantedCommitOldTermCommitsByCounting) {
  // The same scenario with the planted bug: proves the test above can fail.
  TestNetwork net = figure8(true);
  EXPECT_EQ(net.raft(1).log().committed(), 2u);
}

TEST(RaftPaperTest, figure8_oldTermEntryCommitsWithCurrentTermEntry) {
  TestNetwork net = figure8(false);
  net.set_drop(nullptr);
  net.tick(1);  // a heartbeat answer makes S1 resend index 3 to S3
  net.stabilize();
  EXPECT_EQ(log_terms(net, 3), (std::vector<Term>{1, 2, 4}));
  EXPECT_EQ(net.raft(1).log().committed(), 3u);  // index 2 is committed indirectly (§5.4.2)
}

TEST(RaftPaperTest, figure8_uncommittedOldTermEntryOnMajorityIsOverwritten) {
  // Figure 8 (d): S1 stops; S5 wins term 5 with S3 and S4 and overwrites index 2 everywhere
  // it can, including on S2 and S3. Had S1 committed index 2 by counting, this would have
  // erased a committed entry.
  TestNetwork net = figure8(false);
  net.isolate(1);
  for (int attempt = 0; attempt < 3 && net.raft(5).role() != Role::kLeader; ++attempt) {
    net.campaign(5);
    net.stabilize();
  }
  ASSERT_EQ(net.raft(5).role(), Role::kLeader);
  net.tick(5);
  net.stabilize();
  for (NodeId id : {2, 3, 4, 5}) {
    EXPECT_EQ(net.storage(id).term(2).value(), 3u) << "node " << id;
  }
  EXPECT_EQ(net.raft(5).log().committed(), 3u);
}

}  // namespace
}  // namespace helios::raft
