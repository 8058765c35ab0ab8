// Snapshots in the core (thesis chapter 5, etcd/raft's shape): a leader sends InstallSnapshot
// to a follower that needs compacted entries; a follower restores from a snapshot, keeping a
// matching log or discarding a conflicting one; snapshots older than the commit index change
// nothing; a transfer that outlives its leader's term is ignored.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_network.h"

namespace helios::raft {
namespace {

using testing::TestNetwork;

bool is_snapshot_to(const Message& m, NodeId to) {
  return m.type == MessageType::kSnapshot && m.to == to;
}

// Node 1's InstallSnapshot to `to` in `term`, for a snapshot at (index, snapshot_term).
Message snapshot_from_1(NodeId to, Term term, Index index, Term snapshot_term) {
  return Message{.type = MessageType::kSnapshot,
                 .from = 1,
                 .to = to,
                 .term = term,
                 .snapshot = SnapshotMeta{index, snapshot_term, ConfState{{1, 2, 3}, {}, {}}}};
}

std::string value(int i) {
  std::string out = "v";
  out += std::to_string(i);
  return out;
}

// Leader 1 with entries 1..(1 + n) committed everywhere but on node 3 (isolated), then
// snapshotted at its last index and compacted to `compact_to`.
void lagging_follower(TestNetwork& net, int n, Index compact_to) {
  net.elect(1);
  net.isolate(3);
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(net.propose(1, value(i)).is_ok());
  }
  net.stabilize();
  const Index last = net.raft(1).log().last_index();
  ASSERT_EQ(net.raft(1).log().committed(), last);
  net.snapshot_and_compact(1, last, compact_to);
  ASSERT_EQ(net.raft(1).log().first_index(), compact_to + 1);
}

TEST(SnapshotTest, leader_sendsSnapshotWhenEntriesWereCompacted) {
  TestNetwork net(3);
  lagging_follower(net, 10, 11);
  net.heal();
  net.tick(1);  // a heartbeat; its answer makes node 3 recently active, then the probe
  net.stabilize();
  ASSERT_EQ(net.count_sent([](const Message& m) { return is_snapshot_to(m, 3); }), 1u);
  const Message snap = *std::find_if(net.sent().begin(), net.sent().end(),
                                     [](const Message& m) { return is_snapshot_to(m, 3); });
  EXPECT_EQ(snap.snapshot.index, 11u);
  EXPECT_EQ(snap.snapshot.term, 1u);
  EXPECT_EQ(snap.snapshot.conf_state.voters, (std::vector<NodeId>{1, 2, 3}));
  ASSERT_EQ(net.installed(3).size(), 1u);
  EXPECT_EQ(net.installed(3)[0].index, 11u);
  EXPECT_EQ(net.storage(3).first_index(), 12u);
  EXPECT_EQ(net.raft(3).log().committed(), 11u);
  EXPECT_EQ(net.raft(3).log().applied(), 11u);
  // Replication resumes from the log after the snapshot.
  const auto& pr = net.raft(1).progress().at(3);
  EXPECT_EQ(pr.match(), 11u);
  EXPECT_EQ(pr.state(), ProgressState::kReplicate);
  ASSERT_TRUE(net.propose(1, "after").is_ok());
  net.stabilize();
  net.tick(1);
  net.stabilize();
  EXPECT_EQ(net.raft(3).log().committed(), 12u);
  ASSERT_FALSE(net.applied(3).empty());
  EXPECT_EQ(net.applied(3).back().data, "after");
  for (const Entry& e : net.applied(3)) {
    // Entry 1 before the isolation, then nothing the snapshot covers.
    EXPECT_TRUE(e.index == 1 || e.index >= 12) << describe(e);
  }
}

TEST(SnapshotTest, leader_trailingEntriesAvoidASnapshot) {
  // Compacted only up to 5: node 3 needs entries from 2 on; 2..5 are gone, so a snapshot.
  // Compacted up to 1 (node 3 has index 1): plain appends suffice.
  TestNetwork net(3);
  lagging_follower(net, 10, 1);
  net.heal();
  net.tick(1);
  net.stabilize();
  EXPECT_EQ(net.count_sent([](const Message& m) { return m.type == MessageType::kSnapshot; }), 0u);
  EXPECT_EQ(net.raft(3).log().committed(), 11u);
  EXPECT_TRUE(net.installed(3).empty());
}

TEST(SnapshotTest, leader_pausesAppendsWhileSnapshotting) {
  TestNetwork net(3);
  lagging_follower(net, 5, 6);
  net.heal();
  net.set_drop([](const Message& m) { return m.type == MessageType::kSnapshot; });
  net.tick(1);
  net.stabilize();
  ASSERT_EQ(net.raft(1).progress().at(3).state(), ProgressState::kSnapshot);
  EXPECT_EQ(net.raft(1).progress().at(3).pending_snapshot(), 6u);
  net.clear_sent();
  ASSERT_TRUE(net.propose(1, "more").is_ok());
  net.stabilize();
  EXPECT_EQ(
      net.count_sent([](const Message& m) { return m.type == MessageType::kAppend && m.to == 3; }),
      0u);
  // The transfer failed: after the next heartbeat answer the leader tries again.
  net.node(1).report_snapshot(3, false);
  EXPECT_EQ(net.raft(1).progress().at(3).state(), ProgressState::kProbe);
  net.set_drop(nullptr);
  net.clear_sent();
  net.tick(1);
  net.stabilize();
  EXPECT_EQ(net.count_sent([](const Message& m) { return is_snapshot_to(m, 3); }), 1u);
  EXPECT_EQ(net.raft(3).log().committed(), 7u);
  EXPECT_EQ(net.raft(1).progress().at(3).state(), ProgressState::kReplicate);
}

TEST(SnapshotTest, reportSnapshot_successWaitsForTheAcknowledgement) {
  TestNetwork net(3, [](Config& c) { c.snapshot_ack_ticks = 5; });
  lagging_follower(net, 5, 6);
  net.heal();
  net.set_drop([](const Message& m) { return m.type == MessageType::kSnapshot; });
  net.tick(1);
  net.stabilize();
  net.node(1).report_snapshot(3, true);
  const auto& pr = net.raft(1).progress().at(3);
  // Sent, not yet installed: heartbeat answers do not restart the transfer.
  net.clear_sent();
  for (int i = 0; i < 4; ++i) {
    net.tick(1);
    net.stabilize();
    EXPECT_EQ(pr.state(), ProgressState::kSnapshot) << i;
  }
  EXPECT_EQ(net.count_sent(
                [](const Message& m) { return m.to == 3 && m.type != MessageType::kHeartbeat; }),
            0u);
  // No acknowledgement within snapshot_ack_ticks: the leader probes after the snapshot,
  // finds node 3 lacks it, and sends it again.
  net.tick(1);
  net.stabilize();
  EXPECT_EQ(net.count_sent([](const Message& m) { return is_snapshot_to(m, 3); }), 1u);
  EXPECT_EQ(pr.state(), ProgressState::kSnapshot);
  // A report for a node that is not being sent a snapshot changes nothing.
  net.node(1).report_snapshot(2, false);
  EXPECT_EQ(net.raft(1).progress().at(2).state(), ProgressState::kReplicate);
}

TEST(SnapshotTest, reportSnapshot_acknowledgementEndsTheTransfer) {
  TestNetwork net(3);
  lagging_follower(net, 5, 6);
  net.heal();
  net.tick(1);
  net.stabilize();  // the snapshot is delivered and installed; its acknowledgement arrives
  net.node(1).report_snapshot(3, true);  // the stream's end is reported after the ack: ignored
  EXPECT_EQ(net.raft(1).progress().at(3).state(), ProgressState::kReplicate);
  EXPECT_EQ(net.raft(1).progress().at(3).match(), 6u);
}

TEST(SnapshotTest, acknowledgedSnapshotBehindTheLog_sendsTheNewerOneAtOnce) {
  // The follower installs the snapshot it was sent, but the leader compacted past it
  // meanwhile (a snapshot with no trailing entries): the acknowledgement must bring the newer
  // snapshot at once, not after snapshot_ack_ticks (found by simulator seed 11844377 of 5
  // nodes: the follower's vote was needed for a quorum, and writes stalled for the timeout).
  TestNetwork net(3, [](Config& c) { c.snapshot_ack_ticks = 1000; });
  lagging_follower(net, 5, 6);
  net.heal();
  const auto run_holding_snapshots = [&net]() {
    for (int round = 0; round < 20; ++round) {
      for (NodeId id = 1; id <= 3; ++id) {
        if (net.node(id).has_ready()) {
          net.process_ready(id);
        }
      }
      net.deliver_if([](const Message& m) { return !is_snapshot_to(m, 3); });
    }
  };
  net.tick(1);
  run_holding_snapshots();
  const auto& pr = net.raft(1).progress().at(3);
  ASSERT_EQ(pr.state(), ProgressState::kSnapshot);
  ASSERT_EQ(pr.pending_snapshot(), 6u);
  net.node(1).report_snapshot(3, true);  // streamed; the follower has yet to install it
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(net.propose(1, "later " + std::to_string(i)).is_ok());
  }
  run_holding_snapshots();
  const Index last = net.raft(1).log().last_index();
  ASSERT_EQ(net.raft(1).log().committed(), last);
  net.snapshot_and_compact(1, last, last);
  net.clear_sent();
  net.stabilize();  // snapshot 6 arrives, is installed and acknowledged
  EXPECT_EQ(net.count_sent([](const Message& m) { return is_snapshot_to(m, 3); }), 1u);
  ASSERT_EQ(net.installed(3).size(), 2u);
  EXPECT_EQ(net.installed(3)[0].index, 6u);
  EXPECT_EQ(net.installed(3)[1].index, last);
  EXPECT_EQ(net.raft(3).log().committed(), last);
  EXPECT_EQ(pr.state(), ProgressState::kReplicate);
  EXPECT_EQ(pr.match(), last);
}

TEST(SnapshotTest, follower_snapshotOlderThanCommitChangesNothing) {
  TestNetwork net(3);
  net.elect(1);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(net.propose(1, value(i)).is_ok());
  }
  net.stabilize();
  net.tick(1);
  net.stabilize();
  ASSERT_EQ(net.raft(2).log().committed(), 5u);
  const Term term = net.raft(1).term();
  ASSERT_TRUE(net.node(2).step(snapshot_from_1(2, term, 3, term)).is_ok());
  net.clear_sent();
  net.stabilize();
  EXPECT_TRUE(net.installed(2).empty());
  EXPECT_EQ(net.storage(2).first_index(), 1u);
  EXPECT_EQ(net.raft(2).log().last_index(), 5u);
  ASSERT_GE(net.sent().size(), 1u);
  EXPECT_EQ(net.sent()[0].type, MessageType::kAppendResp);
  EXPECT_EQ(net.sent()[0].index, 5u);  // its commit index
}

TEST(SnapshotTest, follower_snapshotInsideMatchingLogKeepsTheSuffix) {
  // Node 2's log 1..6 (term 1) matches the snapshot at 4/1: it keeps 5 and 6 and learns that
  // 4 is committed, without installing anything.
  TestNetwork net(3);
  net.preload(2, {1, 1, 1, 1, 1, 1}, HardState{.term = 1, .commit = 2});
  ASSERT_TRUE(net.node(2).step(snapshot_from_1(2, 1, 4, 1)).is_ok());
  net.clear_sent();
  net.process_ready(2);
  EXPECT_TRUE(net.installed(2).empty());
  EXPECT_EQ(net.raft(2).log().committed(), 4u);
  EXPECT_EQ(net.raft(2).log().last_index(), 6u);
  EXPECT_EQ(net.storage(2).last_index(), 6u);
  ASSERT_EQ(net.applied(2).size(), 4u);  // 1..4 (the restart re-applies from 1)
}

TEST(SnapshotTest, follower_snapshotNewerThanLogReplacesIt) {
  TestNetwork net(3);
  net.preload(2, {1, 1}, HardState{.term = 1, .commit = 1});
  ASSERT_TRUE(net.node(2).step(snapshot_from_1(2, 2, 9, 2)).is_ok());
  const Ready rd = net.process_ready(2);
  ASSERT_TRUE(rd.snapshot.has_value());
  EXPECT_TRUE(rd.must_sync);
  EXPECT_TRUE(rd.committed_entries.empty());
  EXPECT_EQ(net.storage(2).first_index(), 10u);
  EXPECT_EQ(net.storage(2).last_index(), 9u);
  EXPECT_EQ(net.raft(2).log().committed(), 9u);
  EXPECT_EQ(net.raft(2).log().applied(), 9u);
  EXPECT_EQ(net.raft(2).term(), 2u);
  // Its acknowledgement names the snapshot's index (after the write is durable).
  ASSERT_EQ(rd.messages_after_persist.size(), 1u);
  EXPECT_EQ(rd.messages_after_persist[0].type, MessageType::kAppendResp);
  EXPECT_EQ(rd.messages_after_persist[0].index, 9u);
  EXPECT_FALSE(rd.messages_after_persist[0].reject);
}

TEST(SnapshotTest, follower_snapshotDiscardsAConflictingLog) {
  // Node 3 has uncommitted entries 2..4 of term 1 that a leader of term 2 overwrote; the
  // snapshot at 5/2 covers them: node 3 must drop its whole log, not keep 2..4.
  TestNetwork net(3);
  net.preload(3, {1, 1, 1, 1}, HardState{.term = 1, .commit = 1});
  ASSERT_TRUE(net.node(3).step(snapshot_from_1(3, 2, 3, 2)).is_ok());
  net.process_ready(3);
  ASSERT_EQ(net.installed(3).size(), 1u);
  EXPECT_EQ(net.storage(3).first_index(), 4u);
  EXPECT_EQ(net.storage(3).last_index(), 3u);  // index 4 of term 1 is gone too
  EXPECT_EQ(net.raft(3).log().term_or_zero(3), 2u);
  EXPECT_EQ(net.raft(3).log().term_or_zero(4), 0u);
}

TEST(SnapshotTest, plantedBug_snapshotKeepsLog_commitsAConflictingEntry) {
  TestNetwork net(3, [](Config& c) { c.bugs.snapshot_keeps_log = true; });
  net.preload(3, {1, 1, 1, 1}, HardState{.term = 1, .commit = 1});
  ASSERT_TRUE(net.node(3).step(snapshot_from_1(3, 2, 3, 2)).is_ok());
  net.process_ready(3);
  // The planted bug commits index 3 of term 1, which the snapshot says has term 2.
  EXPECT_TRUE(net.installed(3).empty());
  EXPECT_EQ(net.raft(3).log().committed(), 3u);
  EXPECT_EQ(net.raft(3).log().term_or_zero(3), 1u);
}

TEST(SnapshotTest, leaderChangesDuringATransfer_staleSnapshotIgnored) {
  // Without check-quorum, so that node 3 votes for node 2 at once.
  TestNetwork net(3, [](Config& c) { c.check_quorum = false; });
  lagging_follower(net, 5, 6);
  net.heal();
  // Hold every snapshot message back: leader 1 starts a transfer to node 3.
  net.set_drop([](const Message&) { return false; });
  net.tick(1);
  net.deliver_if([](const Message& m) { return m.type != MessageType::kSnapshot; });
  for (int round = 0; round < 20; ++round) {
    for (NodeId id : net.ids()) {
      if (net.node(id).has_ready()) {
        net.process_ready(id);
      }
    }
    net.deliver_if([](const Message& m) { return m.type != MessageType::kSnapshot; });
  }
  std::vector<Message> held;
  for (const Message& m : net.queued()) {
    if (m.type == MessageType::kSnapshot) {
      held.push_back(m);
    }
  }
  ASSERT_EQ(held.size(), 1u);
  // Node 2 becomes leader in a later term before the transfer lands.
  net.isolate(1);
  net.elect(2);
  net.heal();
  net.stabilize();
  // The late snapshot of term 1 reaches node 3, which has moved on: ignored.
  const std::size_t installed_before = net.installed(3).size();
  ASSERT_TRUE(net.node(3).step(held[0]).is_ok());
  net.stabilize();
  EXPECT_EQ(net.installed(3).size(), installed_before);
  EXPECT_EQ(net.raft(3).leader(), 2u);
  // Everyone converges on leader 2's log.
  ASSERT_TRUE(net.propose(2, "fresh").is_ok());
  net.stabilize();
  net.tick(2);
  net.stabilize();
  for (NodeId id : net.ids()) {
    EXPECT_EQ(net.raft(id).log().committed(), net.raft(2).log().last_index()) << "node " << id;
  }
}

TEST(SnapshotTest, restart_snapshotIndexIsCommittedEvenIfHardStateLags) {
  // A snapshot at 5 while the hard state's commit (not synced on its own) says 2.
  MemoryStorage storage;
  storage.append(testing::entries_with_terms({1, 1, 1, 1, 1, 1}));
  storage.set_hard_state(HardState{.term = 1, .commit = 2});
  storage.create_snapshot(5, ConfState{{1, 2, 3}, {}, {}});
  storage.compact(4);
  Config config = testing::test_config(1, 3);
  config.applied = 5;
  RawNode raw(config, storage);
  EXPECT_EQ(raw.raft().log().committed(), 5u);
  EXPECT_EQ(raw.raft().log().applied(), 5u);
  EXPECT_EQ(raw.raft().log().first_index(), 5u);
  EXPECT_EQ(raw.raft().log().term_or_zero(4), 1u);
}

TEST(SnapshotTest, step_snapshotWithoutIndexIsRefused) {
  TestNetwork net(3);
  const Status s = net.node(2).step(Message{
      .type = MessageType::kSnapshot, .from = 1, .to = 2, .term = 1, .snapshot = SnapshotMeta{}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace helios::raft
