// node::Node's snapshots: when it takes one (threshold, interval, on demand), what a finished or
// failed one does to the WAL, and how a snapshot received from the leader is installed.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "env/sim/sim_file_system.h"
#include "node/node.h"

namespace helios::node {
namespace {

class SnapIo final : public NodeIo {
 public:
  void send(const raft::Message& m) override { sent.push_back(m); }
  void start_sync() override { sync_pending = true; }
  void start_snapshot(const raft::SnapshotMeta& meta) override { started.push_back(meta); }
  void send_snapshot(const raft::Message& m) override { streamed.push_back(m); }
  void on_wal_reset(const raft::SnapshotMeta& meta) override { resets.push_back(meta); }
  std::vector<raft::Message> sent;
  std::vector<raft::Message> streamed;
  std::vector<raft::SnapshotMeta> started;
  std::vector<raft::SnapshotMeta> resets;
  bool sync_pending = false;
};

class CountingMachine final : public StateMachine {
 public:
  ApplyReply apply(const raft::Entry& e) override {
    applied.push_back(e.index);
    return "ok";
  }
  std::vector<Index> applied;
};

// One node on the real WAL over a simulated disk; `voters` 1 alone makes it a leader at once.
struct Fixture {
  Fixture(std::vector<NodeId> voters, SnapshotPolicy policy, raft::PlantedBugs bugs = {}) {
    wal = storage::Wal::open(fs, "/wal", storage::WalOptions{.segment_bytes = 4096}).value();
    raft::ConfState conf;
    conf.voters = voters;
    wal->set_conf_state(conf);
    raft::Config config;
    config.id = 1;
    config.voters = voters;
    config.bugs = bugs;
    node = std::make_unique<Node>(config, *wal, machine, io, policy);
    node->start();
  }
  // Completes syncs until none is outstanding.
  void settle() {
    while (io.sync_pending) {
      io.sync_pending = false;
      node->on_sync_done(wal->sync());
    }
  }
  void elect() {
    node->campaign();
    settle();
    ASSERT_EQ(node->raw().raft().role(), raft::Role::kLeader);
  }
  void propose(int n) {
    for (int i = 0; i < n; ++i) {
      node->propose(std::string(200, 'x'), [](Result<ApplyReply>) {});
      settle();
    }
  }
  env::SimFileSystem fs;
  std::unique_ptr<storage::Wal> wal;
  CountingMachine machine;
  SnapIo io;
  std::unique_ptr<Node> node;
};

TEST(NodeSnapshotTest, threshold_startsOneSnapshotAtTheAppliedIndex) {
  Fixture f({1}, SnapshotPolicy{.threshold = 10, .trailing_entries = 3});
  f.elect();
  f.propose(8);  // the no-op and 8 entries: 9 applied
  EXPECT_TRUE(f.io.started.empty());
  f.propose(1);
  ASSERT_EQ(f.io.started.size(), 1u);
  EXPECT_EQ(f.io.started[0].index, 10u);
  EXPECT_EQ(f.io.started[0].term, f.node->raw().raft().term());
  EXPECT_EQ(f.io.started[0].conf_state.voters, std::vector<NodeId>{1});
  EXPECT_TRUE(f.node->snapshotting());
  // No second one while it is written, whatever the count.
  f.propose(15);
  EXPECT_EQ(f.io.started.size(), 1u);
  EXPECT_EQ(f.node->request_snapshot().code(), Code::kUnavailable);
}

TEST(NodeSnapshotTest, done_compactsBehindTheSnapshotKeepingTrailingEntries) {
  Fixture f({1}, SnapshotPolicy{.threshold = 40, .trailing_entries = 3});
  f.elect();
  f.propose(60);
  ASSERT_EQ(f.io.started.size(), 1u);
  const raft::SnapshotMeta meta = f.io.started[0];
  ASSERT_EQ(meta.index, 40u);
  const std::size_t segments_before = f.wal->segment_paths().size();
  f.node->on_snapshot_done(meta, Status::ok());
  EXPECT_FALSE(f.node->snapshotting());
  EXPECT_EQ(f.node->last_snapshot(), meta);
  EXPECT_EQ(f.wal->snapshot_meta(), meta);
  EXPECT_EQ(f.wal->first_index(), 38u);  // 37 compacted, 3 trailing entries kept
  EXPECT_LT(f.wal->segment_paths().size(), segments_before);
  // The next one comes once 40 more entries are applied after it.
  f.propose(18);
  EXPECT_EQ(f.io.started.size(), 1u);
  f.propose(2);
  ASSERT_EQ(f.io.started.size(), 2u);
  EXPECT_EQ(f.io.started[1].index, 80u);
}

TEST(NodeSnapshotTest, thresholdBytes_startsOnceTheAppliedEntriesHoldThatManyBytes) {
  Fixture f({1}, SnapshotPolicy{.threshold_bytes = 1000});  // entries of 200 bytes
  f.elect();
  f.propose(4);
  EXPECT_EQ(f.node->applied_bytes_since_snapshot(), 800u);
  EXPECT_TRUE(f.io.started.empty());
  f.propose(1);
  ASSERT_EQ(f.io.started.size(), 1u);
  EXPECT_EQ(f.io.started[0].index, 6u);  // the no-op and five entries
  // Entries applied while it is written count towards the next one.
  f.propose(2);
  f.node->set_snapshot_file_bytes(2000);
  f.node->on_snapshot_done(f.io.started[0], Status::ok());
  EXPECT_EQ(f.node->applied_bytes_since_snapshot(), 400u);
  // The threshold is now the last snapshot's size, 2000 bytes: 8 more entries start none.
  f.propose(7);
  EXPECT_EQ(f.io.started.size(), 1u);
  f.propose(1);
  ASSERT_EQ(f.io.started.size(), 2u);
  EXPECT_EQ(f.io.started[1].index, 16u);
}

TEST(NodeSnapshotTest, failedSnapshot_keepsCountingBytesFromTheLastGoodOne) {
  Fixture f({1}, SnapshotPolicy{.threshold_bytes = 1000});
  f.elect();
  f.propose(5);
  ASSERT_EQ(f.io.started.size(), 1u);
  f.node->on_snapshot_done(f.io.started[0], Status(Code::kIoError, "no space left on device"));
  EXPECT_EQ(f.node->applied_bytes_since_snapshot(), 1000u);
  f.propose(1);  // still over the threshold: the next applied entry starts another
  EXPECT_EQ(f.io.started.size(), 2u);
}

TEST(NodeSnapshotTest, trailingBytes_keepFewerTrailingEntriesWhenTheyAreLarge) {
  // Records of 200 bytes of data and a small header: 4 fit in 1000 bytes, 5 do not.
  Fixture f({1}, SnapshotPolicy{.threshold = 40, .trailing_entries = 30, .trailing_bytes = 1000});
  f.elect();
  f.propose(45);
  ASSERT_EQ(f.io.started.size(), 1u);
  ASSERT_EQ(f.io.started[0].index, 40u);
  f.node->on_snapshot_done(f.io.started[0], Status::ok());
  EXPECT_EQ(f.wal->first_index(), 37u);  // entries 37..40 kept behind the snapshot
  EXPECT_EQ(f.wal->first_index_within_bytes(40, 1000), 37u);
  EXPECT_EQ(f.wal->first_index_within_bytes(40, 0), 41u);
  EXPECT_EQ(f.wal->first_index_within_bytes(40, 1u << 30), f.wal->first_index());
}

TEST(NodeSnapshotTest, trailingBytes_neverKeepMoreThanTheTrailingEntries) {
  Fixture f({1},
            SnapshotPolicy{.threshold = 40, .trailing_entries = 3, .trailing_bytes = 1u << 20});
  f.elect();
  f.propose(45);
  ASSERT_EQ(f.io.started.size(), 1u);
  f.node->on_snapshot_done(f.io.started[0], Status::ok());
  EXPECT_EQ(f.wal->first_index(), 38u);
}

TEST(StaggeredSnapshotTest, nodesOfThreeTakeTheirsAThirdOfAThresholdApart) {
  // A fresh cluster: node-3 first, at two thirds; then node-1 and node-2.
  EXPECT_EQ(staggered_snapshot_index(0, 9000, 1, 3), 9000u);
  EXPECT_EQ(staggered_snapshot_index(0, 9000, 2, 3), 12000u);
  EXPECT_EQ(staggered_snapshot_index(0, 9000, 3, 3), 6000u);
  // Then every threshold, each on its own phase.
  EXPECT_EQ(staggered_snapshot_index(9000, 9000, 1, 3), 18000u);
  EXPECT_EQ(staggered_snapshot_index(12000, 9000, 2, 3), 21000u);
  EXPECT_EQ(staggered_snapshot_index(6000, 9000, 3, 3), 15000u);
  // A snapshot at any other index (a BGSAVE, one received from the leader) goes back to the
  // node's phase, at least half a threshold later and at most one and a half.
  EXPECT_EQ(staggered_snapshot_index(10000, 9000, 1, 3), 18000u);
  EXPECT_EQ(staggered_snapshot_index(13500, 9000, 1, 3), 27000u);
  EXPECT_EQ(staggered_snapshot_index(13499, 9000, 1, 3), 18000u);
  for (Index last : {Index{0}, Index{1}, Index{4499}, Index{4500}, Index{77777}}) {
    for (NodeId id = 1; id <= 7; ++id) {
      const Index next = staggered_snapshot_index(last, 9000, id, 5);
      EXPECT_GT(next, last + 4500) << last << " " << id;
      EXPECT_LE(next, last + 13500) << last << " " << id;
      EXPECT_EQ(next % 9000, ((id - 1) % 5) * 1800) << last << " " << id;
    }
  }
  // One voter, or a threshold of 1: every threshold entries, as without staggering.
  EXPECT_EQ(staggered_snapshot_index(0, 10, 1, 1), 10u);
  EXPECT_EQ(staggered_snapshot_index(10, 10, 1, 1), 20u);
  EXPECT_EQ(staggered_snapshot_index(5, 1, 2, 3), 6u);
}

TEST(StaggeredSnapshotTest, hugeThresholdsAndIndexesNeverWrapAround) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (NodeId id = 1; id <= 3; ++id) {
    // A threshold meant as "never": the next snapshot is far away, never near index 0.
    EXPECT_GE(staggered_snapshot_index(0, kMax, id, 3), kMax / 2) << id;
    EXPECT_EQ(staggered_snapshot_index(kMax / 2 + 5, kMax, id, 3), kMax) << id;
    EXPECT_GT(staggered_snapshot_index(kMax - 100, 1000, id, 3), kMax - 100) << id;
    EXPECT_EQ(staggered_first_bytes(kMax, id, 3), kMax) << id;
    EXPECT_GE(staggered_first_bytes(kMax / 2, id, 3), kMax / 2) << id;
  }
  EXPECT_EQ(staggered_snapshot_index(0, kMax, 3, 3), kMax / 3 * 2);
}

TEST(StaggeredSnapshotTest, firstSnapshotBySizeWaitsAFractionMorePerNode) {
  EXPECT_EQ(staggered_first_bytes(3000, 1, 3), 3000u);
  EXPECT_EQ(staggered_first_bytes(3000, 2, 3), 4000u);
  EXPECT_EQ(staggered_first_bytes(3000, 3, 3), 5000u);
  EXPECT_EQ(staggered_first_bytes(3000, 4, 3), 3000u);
  EXPECT_EQ(staggered_first_bytes(3000, 7, 1), 3000u);
}

TEST(NodeSnapshotTest, failedSnapshot_changesNothingAndTheNextOneMayStart) {
  Fixture f({1}, SnapshotPolicy{.threshold = 5, .trailing_entries = 0});
  f.elect();
  f.propose(5);
  ASSERT_EQ(f.io.started.size(), 1u);
  f.node->on_snapshot_done(f.io.started[0], Status(Code::kIoError, "no space left on device"));
  EXPECT_FALSE(f.node->failed());  // a snapshot is not an acknowledged write: keep serving
  EXPECT_EQ(f.node->last_snapshot().index, 0u);
  EXPECT_EQ(f.wal->first_index(), 1u);
  EXPECT_TRUE(f.node->request_snapshot().is_ok());
  EXPECT_EQ(f.io.started.size(), 2u);
}

TEST(NodeSnapshotTest, requestSnapshot_withNothingNewStartsNothing) {
  Fixture f({1}, SnapshotPolicy{});
  f.elect();
  f.propose(2);
  ASSERT_TRUE(f.node->request_snapshot().is_ok());
  ASSERT_EQ(f.io.started.size(), 1u);
  f.node->on_snapshot_done(f.io.started[0], Status::ok());
  EXPECT_TRUE(f.node->request_snapshot().is_ok());
  EXPECT_EQ(f.io.started.size(), 1u);
}

std::vector<Index> started_indexes(const SnapIo& io) {
  std::vector<Index> out;
  for (const raft::SnapshotMeta& meta : io.started) {
    out.push_back(meta.index);
  }
  return out;
}

TEST(NodeSnapshotTest, interval_startsOneAfterThatManyTicksIfAnEntryWasApplied) {
  Fixture f({1}, SnapshotPolicy{.interval_ticks = 50});
  f.elect();  // the election took no tick: the interval counts from the start
  f.propose(2);
  for (int i = 0; i < 49; ++i) {
    f.node->tick();
  }
  EXPECT_TRUE(f.io.started.empty());
  f.node->tick();
  ASSERT_EQ(f.io.started.size(), 1u);
  EXPECT_EQ(f.io.started[0].index, 3u);  // the no-op and two entries
  f.node->on_snapshot_done(f.io.started[0], Status::ok());
  // Counted again from the new snapshot; with nothing applied since, none is taken.
  for (int i = 0; i < 120; ++i) {
    f.node->tick();
  }
  // An entry applied long after the interval passed: the next tick takes it.
  f.propose(1);
  EXPECT_EQ(f.io.started.size(), 1u);
  f.node->tick();
  EXPECT_EQ(started_indexes(f.io), (std::vector<Index>{3, 4}));
}

TEST(NodeSnapshotTest, interval_countsLapsedTicksAndRetriesAFailedSnapshot) {
  Fixture f({1}, SnapshotPolicy{.interval_ticks = 50});
  f.elect();
  f.propose(1);
  f.node->lapse(49);  // a stalled loop: the time passed all the same
  EXPECT_TRUE(f.io.started.empty());
  f.node->tick();
  ASSERT_EQ(f.io.started.size(), 1u);
  f.node->on_snapshot_done(f.io.started[0], Status(Code::kIoError, "no space left on device"));
  f.node->tick();  // the interval still passed since the last good one (none)
  EXPECT_EQ(f.io.started.size(), 2u);
}

TEST(NodeSnapshotTest, interval_zeroNeverSnapshotsByTime) {
  Fixture f({1}, SnapshotPolicy{});
  f.elect();
  f.propose(3);
  for (int i = 0; i < 1000; ++i) {
    f.node->tick();
  }
  EXPECT_TRUE(f.io.started.empty());
}

TEST(NodeSnapshotTest, plantedBug_compactPastApplied_compactsBeyondTheSnapshot) {
  for (const bool planted : {false, true}) {
    raft::PlantedBugs bugs;
    bugs.compact_past_applied = planted;
    Fixture f({1}, SnapshotPolicy{.threshold = 5, .trailing_entries = 2}, bugs);
    f.elect();
    f.propose(4);
    ASSERT_EQ(f.io.started.size(), 1u);
    f.propose(3);
    f.node->on_snapshot_done(f.io.started[0], Status::ok());
    // Correct: the log keeps 2 entries behind the snapshot at 5. The planted bug compacts to
    // the commit index, past the snapshot: a restart then finds no snapshot covering the
    // log's start (recovery refuses it), which the simulator reports.
    EXPECT_EQ(f.wal->first_index(), planted ? 9u : 4u) << planted;
  }
}

TEST(NodeSnapshotTest, stepWithSnapshotTypeIsDropped) {
  Fixture f({1, 2, 3}, SnapshotPolicy{});
  f.node->step(raft::Message{.type = raft::MessageType::kSnapshot,
                             .from = 2,
                             .to = 1,
                             .term = 1,
                             .snapshot = raft::SnapshotMeta{5, 1, {{1, 2, 3}, {}, {}}}});
  EXPECT_EQ(f.node->dropped_messages(), 1u);
}

struct Received {
  int persisted = 0;
  int restored = 0;
  int discarded = 0;
  IncomingSnapshot incoming() {
    return IncomingSnapshot{.persist =
                                [this]() {
                                  ++persisted;
                                  return Status::ok();
                                },
                            .restore = [this]() { ++restored; },
                            .discard = [this]() { ++discarded; }};
  }
};

raft::Message snapshot_message(Index index, Term term) {
  return raft::Message{.type = raft::MessageType::kSnapshot,
                       .from = 2,
                       .to = 1,
                       .term = term,
                       .snapshot = raft::SnapshotMeta{index, term, {{1, 2, 3}, {}, {}}}};
}

TEST(NodeSnapshotTest, stepSnapshot_installsInOrderPersistResetRestore) {
  Fixture f({1, 2, 3}, SnapshotPolicy{});
  Received r;
  f.node->step_snapshot(snapshot_message(40, 2), r.incoming());
  EXPECT_EQ(r.persisted, 1);  // the file is durable before the WAL forgets the log
  ASSERT_EQ(f.io.resets.size(), 1u);
  EXPECT_EQ(f.io.resets[0].index, 40u);
  EXPECT_EQ(r.restored, 0);  // the state machine changes once the reset is synced
  f.settle();
  EXPECT_EQ(r.restored, 1);
  EXPECT_EQ(r.discarded, 0);
  EXPECT_EQ(f.node->applied(), 40u);
  EXPECT_EQ(f.node->last_snapshot().index, 40u);
  EXPECT_EQ(f.wal->first_index(), 41u);
  EXPECT_EQ(f.wal->last_index(), 40u);
  // The acknowledgement names the snapshot's index.
  ASSERT_FALSE(f.io.sent.empty());
  EXPECT_EQ(f.io.sent.back().type, raft::MessageType::kAppendResp);
  EXPECT_EQ(f.io.sent.back().index, 40u);
  // Entries after the snapshot are applied from 41 on.
  f.node->step(raft::Message{.type = raft::MessageType::kAppend,
                             .from = 2,
                             .to = 1,
                             .term = 2,
                             .log_term = 2,
                             .index = 40,
                             .commit = 41,
                             .entries = {raft::Entry{.term = 2, .index = 41, .data = "y"}}});
  f.settle();
  EXPECT_EQ(f.machine.applied, std::vector<Index>{41});
}

TEST(NodeSnapshotTest, stepSnapshot_staleSnapshotIsDiscarded) {
  Fixture f({1, 2, 3}, SnapshotPolicy{});
  Received first;
  f.node->step_snapshot(snapshot_message(40, 2), first.incoming());
  f.settle();
  Received stale;
  f.node->step_snapshot(snapshot_message(30, 2), stale.incoming());
  f.settle();
  EXPECT_EQ(stale.discarded, 1);
  EXPECT_EQ(stale.persisted, 0);
  EXPECT_EQ(stale.restored, 0);
  EXPECT_EQ(f.node->applied(), 40u);
}

TEST(NodeSnapshotTest, stepSnapshot_failedPersistStopsTheNode) {
  Fixture f({1, 2, 3}, SnapshotPolicy{});
  IncomingSnapshot incoming{
      .persist = []() { return Status(Code::kIoError, "rename failed"); },
      .restore = []() { FAIL() << "restored a snapshot that is not durable"; },
      .discard = []() {}};
  f.node->step_snapshot(snapshot_message(40, 2), std::move(incoming));
  EXPECT_TRUE(f.node->failed());
  EXPECT_EQ(f.wal->first_index(), 1u);  // the log is untouched
}

}  // namespace
}  // namespace helios::node
