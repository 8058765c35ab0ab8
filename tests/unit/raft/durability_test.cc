// The Ready/advance durability contract (raw_node.h, thesis §10.2.1) and crash recovery.
#include <gtest/gtest.h>

#include <vector>

#include "test_network.h"

namespace helios::raft {
namespace {

using testing::LoneNode;
using testing::test_config;
using testing::TestNetwork;

std::size_t count_type(const std::vector<Message>& messages, MessageType type) {
  std::size_t n = 0;
  for (const Message& m : messages) {
    n += m.type == type ? 1 : 0;
  }
  return n;
}

Message append_from_leader(Index prev_index, Term prev_term, std::vector<Entry> entries,
                           Index commit) {
  return Message{.type = MessageType::kAppend,
                 .from = 1,
                 .to = 2,
                 .term = 1,
                 .log_term = prev_term,
                 .index = prev_index,
                 .commit = commit,
                 .entries = std::move(entries)};
}

// ---------------------------------------------------------------------------------------
// Which messages wait for the write.

TEST(RawNodeTest, ready_followerAppendRespOnlyAfterPersist) {
  LoneNode n(test_config(2, 3));
  ASSERT_TRUE(n.raw().step(append_from_leader(0, 0, {Entry{.term = 1, .index = 1}}, 0)).is_ok());
  const Ready rd = n.raw().ready();
  EXPECT_EQ(count_type(rd.messages, MessageType::kAppendResp), 0u);
  ASSERT_EQ(count_type(rd.messages_after_persist, MessageType::kAppendResp), 1u);
  EXPECT_EQ(rd.messages_after_persist[0].index, 1u);
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.must_sync);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->term, 1u);
}

TEST(RawNodeTest, ready_plantedAckBeforePersistSendsAppendRespAtOnce) {
  // The planted bug moves the acknowledgement ahead of the write: the test above can fail.
  Config config = test_config(2, 3);
  config.bugs.ack_before_persist = true;
  LoneNode n(config);
  ASSERT_TRUE(n.raw().step(append_from_leader(0, 0, {Entry{.term = 1, .index = 1}}, 0)).is_ok());
  const Ready rd = n.raw().ready();
  EXPECT_EQ(count_type(rd.messages, MessageType::kAppendResp), 1u);
  EXPECT_EQ(count_type(rd.messages_after_persist, MessageType::kAppendResp), 0u);
}

TEST(RawNodeTest, ready_voteRespOnlyAfterPersist) {
  LoneNode n(test_config(2, 3));
  const Message vote{.type = MessageType::kVote, .from = 1, .to = 2, .term = 1};
  ASSERT_TRUE(n.raw().step(vote).is_ok());
  const Ready rd = n.raw().ready();
  EXPECT_EQ(count_type(rd.messages, MessageType::kVoteResp), 0u);
  EXPECT_EQ(count_type(rd.messages_after_persist, MessageType::kVoteResp), 1u);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->vote, 1u);
  EXPECT_TRUE(rd.must_sync);
}

TEST(RawNodeTest, ready_candidateVoteRequestsOnlyAfterPersist) {
  Config config = test_config(1, 3);
  config.pre_vote = false;
  LoneNode n(config);
  n.raw().campaign();
  const Ready rd = n.raw().ready();
  EXPECT_EQ(count_type(rd.messages, MessageType::kVote), 0u);
  EXPECT_EQ(count_type(rd.messages_after_persist, MessageType::kVote), 2u);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->term, 1u);
  EXPECT_EQ(rd.hard_state->vote, 1u);
  EXPECT_TRUE(rd.must_sync);
}

TEST(RawNodeTest, ready_leaderAppendSentAtOnceWithItsOwnWrite) {
  TestNetwork net(3);
  net.elect(1);
  ASSERT_TRUE(net.propose(1, "x").is_ok());
  const Ready rd = net.ready(1);
  EXPECT_EQ(count_type(rd.messages, MessageType::kAppend), 2u);
  EXPECT_EQ(count_type(rd.messages_after_persist, MessageType::kAppend), 0u);
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_EQ(rd.entries[0].data, "x");
  EXPECT_TRUE(rd.must_sync);
}

TEST(RawNodeTest, ready_mustSyncNotNeededForCommitAlone) {
  LoneNode n(test_config(2, 3));
  ASSERT_TRUE(n.raw().step(append_from_leader(0, 0, {Entry{.term = 1, .index = 1}}, 0)).is_ok());
  n.cycle();
  ASSERT_TRUE(n.raw().step(append_from_leader(1, 1, {}, 1)).is_ok());
  const Ready rd = n.raw().ready();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->commit, 1u);
  EXPECT_TRUE(rd.entries.empty());
  EXPECT_FALSE(rd.must_sync);
  ASSERT_EQ(rd.committed_entries.size(), 1u);
}

TEST(RawNodeTest, ready_softStateOnlyWhenRoleOrLeaderChanges) {
  LoneNode n(test_config(1, 1));
  EXPECT_FALSE(n.raw().has_ready());
  n.raw().campaign();
  Ready rd = n.cycle();  // the vote becomes durable: it wins
  ASSERT_TRUE(rd.soft_state.has_value());
  EXPECT_EQ(*rd.soft_state, (SoftState{.role = Role::kCandidate, .leader = kNoNode}));
  rd = n.cycle();
  ASSERT_TRUE(rd.soft_state.has_value());
  EXPECT_EQ(*rd.soft_state, (SoftState{.role = Role::kLeader, .leader = 1}));
  rd = n.cycle();  // the no-op's commit
  EXPECT_FALSE(rd.soft_state.has_value());
}

TEST(RawNodeTest, ready_committedEntriesPagedByMaxCommittedBytesPerReady) {
  Config config = test_config(1, 1);
  config.max_committed_bytes_per_ready = 3 * Entry{.data = "x"}.byte_size();
  LoneNode n(config);
  n.raw().campaign();
  n.cycle();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(n.raw().propose("x").is_ok());
  }
  std::vector<Entry> applied;
  for (int i = 0; i < 20 && n.raw().has_ready(); ++i) {
    const Ready rd = n.cycle();
    EXPECT_LE(rd.committed_entries.size(), 3u);
    applied.insert(applied.end(), rd.committed_entries.begin(), rd.committed_entries.end());
  }
  ASSERT_EQ(applied.size(), 11u);  // the no-op and ten proposals, in order
  for (std::size_t i = 0; i < applied.size(); ++i) {
    EXPECT_EQ(applied[i].index, i + 1);
  }
}

TEST(RawNodeTest, ready_restartDoesNotRedeliverAppliedEntries) {
  MemoryStorage storage;
  storage.append(testing::entries_with_terms({1, 1, 1}));
  storage.set_hard_state(HardState{.term = 1, .vote = 1, .commit = 3});
  Config config = test_config(1, 3);
  config.applied = 2;
  RawNode n(config, storage);
  ASSERT_TRUE(n.has_ready());
  const Ready rd = n.ready();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].index, 3u);
  EXPECT_FALSE(rd.hard_state.has_value());  // nothing changed since the restart
}

// ---------------------------------------------------------------------------------------
// The leader counts itself only once advance() reports its entries durable.

TEST(RawNodeTest, advance_singleNodeLeaderCommitsOnlyAfterPersist) {
  LoneNode n(test_config(1, 1));
  n.raw().campaign();
  n.cycle();  // its vote is durable
  ASSERT_EQ(n.raft().role(), Role::kLeader);
  Ready rd = n.raw().ready();
  ASSERT_EQ(rd.entries.size(), 1u);  // the no-op
  EXPECT_TRUE(rd.committed_entries.empty());
  EXPECT_EQ(n.raft().log().committed(), 0u);
  n.storage().set_hard_state(*rd.hard_state);
  n.storage().append(rd.entries);
  EXPECT_EQ(n.raft().log().committed(), 0u);  // written, but not reported yet
  n.raw().advance(rd);
  EXPECT_EQ(n.raft().log().committed(), 1u);

  ASSERT_TRUE(n.raw().propose("x").is_ok());
  rd = n.raw().ready();
  ASSERT_EQ(rd.committed_entries.size(), 1u);  // the no-op, now committed
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_EQ(n.raft().log().committed(), 1u);
  n.storage().append(rd.entries);
  n.raw().advance(rd);
  EXPECT_EQ(n.raft().log().committed(), 2u);
  rd = n.cycle();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].data, "x");
}

TEST(RawNodeTest, advance_leaderNeedsItsOwnWriteForAThreeNodeQuorum) {
  TestNetwork net(3);
  net.elect(1);
  net.isolate(3);
  ASSERT_TRUE(net.propose(1, "x").is_ok());
  const Ready rd = net.ready(1);
  net.send(rd.messages);  // the Appends leave before the leader's own write
  net.stabilize();        // node 2 persists and acknowledges
  EXPECT_EQ(net.raft(1).progress().at(2).match(), 2u);
  EXPECT_EQ(net.raft(1).log().committed(), 1u);  // 1 of 3 durable: not committed
  net.write(1, rd);
  net.sync(1);
  net.advance(1, rd);
  EXPECT_EQ(net.raft(1).log().committed(), 2u);
}

// ---------------------------------------------------------------------------------------
// Crashes.

TEST(CrashTest, restart_keepsTermVoteLogAndCommit) {
  TestNetwork net(3);
  net.elect(1);
  ASSERT_TRUE(net.propose(1, "x").is_ok());
  net.stabilize();
  net.tick(1);
  net.stabilize();
  net.crash(2, /*lose_unsynced=*/true);
  EXPECT_EQ(net.raft(2).term(), 1u);
  EXPECT_EQ(net.raft(2).vote(), 1u);
  EXPECT_EQ(net.raft(2).log().last_index(), 2u);
  EXPECT_EQ(net.raft(2).log().committed(), 2u);
  EXPECT_EQ(net.raft(2).role(), Role::kFollower);
  // It re-applies from the start and rejoins the leader.
  ASSERT_TRUE(net.propose(1, "y").is_ok());
  net.stabilize();
  net.tick(1);
  net.stabilize();
  ASSERT_EQ(net.applied(2).size(), 3u);
  EXPECT_EQ(net.applied(2)[1].data, "x");
  EXPECT_EQ(net.applied(2)[2].data, "y");
}

TEST(CrashTest, restart_voteSurvivesCrash) {
  LoneNode n(test_config(2, 3));
  ASSERT_TRUE(
      n.raw().step(Message{.type = MessageType::kVote, .from = 1, .to = 2, .term = 1}).is_ok());
  n.cycle();
  RawNode restarted(test_config(2, 3), n.storage());
  EXPECT_EQ(restarted.raft().vote(), 1u);
  ASSERT_TRUE(
      restarted.step(Message{.type = MessageType::kVote, .from = 3, .to = 2, .term = 1}).is_ok());
  const Ready rd = restarted.ready();
  ASSERT_EQ(rd.messages_after_persist.size(), 1u);
  EXPECT_TRUE(rd.messages_after_persist[0].reject);
}

// Node 2 receives the leader's Append for "x", sends whatever its Ready lets it send before
// the write, writes without syncing, and crashes. Returns the leader's commit index after
// it heard whatever node 2 sent.
Index crash_before_sync(TestNetwork& net) {
  net.elect(1);
  net.isolate(3);
  EXPECT_TRUE(net.propose(1, "x").is_ok());
  net.process_ready(1);
  net.deliver();
  const Ready rd = net.ready(2);
  net.send(rd.messages);
  net.write(2, rd);
  net.deliver();
  net.stabilize();
  const Index commit = net.raft(1).log().committed();
  net.crash(2, /*lose_unsynced=*/true);
  EXPECT_EQ(net.raft(2).log().last_index(), 1u);  // "x" was lost
  return commit;
}

TEST(CrashTest, crashBeforeSync_entryWasNeverAcknowledged) {
  TestNetwork net(3);
  EXPECT_EQ(crash_before_sync(net), 1u);
}

TEST(CrashTest, crashBeforeSync_plantedAckBeforePersistLosesCommittedEntry) {
  // With the planted bug node 2 acknowledged "x" before its write was durable, the leader
  // committed and applied it, and node 2's crash erased it: after the leader fails, nodes 2
  // and 3 elect a leader whose log does not have the committed entry.
  TestNetwork net(3, [](Config& c) { c.bugs.ack_before_persist = true; });
  EXPECT_EQ(crash_before_sync(net), 2u);
  net.heal();
  net.isolate(1);
  net.elect(3);
  net.tick(3);
  net.stabilize();
  ASSERT_GE(net.applied(1).size(), 2u);
  ASSERT_GE(net.applied(3).size(), 2u);
  EXPECT_EQ(net.applied(1)[1].data, "x");
  EXPECT_NE(net.applied(3)[1], net.applied(1)[1]);  // index 2 applied differently
}

}  // namespace
}  // namespace helios::raft
