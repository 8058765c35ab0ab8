// node::Node: the waiters' bounds and answers, on the real WAL over the simulated disk.
#include "node/node.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "env/sim/sim_file_system.h"
#include "quiet_node.h"

namespace helios::node {
namespace {

class RecordingIo final : public NodeIo {
 public:
  void send(const raft::Message& m) override { sent.push_back(m); }
  void start_sync() override { ++syncs; }
  void start_snapshot(const raft::SnapshotMeta& meta) override { snapshots.push_back(meta); }
  void send_snapshot(const raft::Message& m) override { sent.push_back(m); }
  std::uint64_t leader_clock_ms() override { return clock_ms; }
  std::uint64_t clock_ms = 0;
  std::vector<raft::SnapshotMeta> snapshots;
  std::vector<raft::Message> sent;
  int syncs = 0;
};

// Entries whose data is "@<n>" carry the stamp n.
class EchoMachine final : public StateMachine {
 public:
  ApplyReply apply(const raft::Entry& e) override {
    last_stamp = std::max(last_stamp, stamp_of(e.data));
    return "applied " + e.data.str();
  }
  std::uint64_t stamp_of(std::string_view data) const override {
    return data.starts_with("@") ? std::stoull(std::string(data.substr(1))) : 0;
  }
  std::uint64_t last_stamp_ms() const override { return last_stamp; }
  std::uint64_t last_stamp = 0;
};

struct Fixture {
  EchoMachine machine;
  RecordingIo io;
  testing::HandNode hand{machine, io, storage::WalOptions{}.segment_bytes,
                         [](raft::Config& c) { c.max_pending_reads = 3; }};
  std::unique_ptr<storage::Wal>& wal = hand.wal;
  std::unique_ptr<Node>& node = hand.node;
};

TEST(NodeTest, propose_onFollowerFailsAtOnceWithNotLeader) {
  Fixture f;
  Code code = Code::kOk;
  f.node->propose("x", [&](Result<ApplyReply> r) { code = r.status().code(); });
  EXPECT_EQ(code, Code::kNotLeader);
  EXPECT_EQ(f.node->pending_proposals(), 0u);
}

TEST(NodeTest, read_pendingReadsAreBounded) {
  Fixture f;
  // A heartbeat from node 2 makes it the known leader; reads are then forwarded to it.
  f.node->step(raft::Message{.type = raft::MessageType::kHeartbeat, .from = 2, .to = 1, .term = 1});
  ASSERT_EQ(f.node->raw().raft().leader(), 2u);
  std::vector<Code> answers;
  for (int i = 0; i < 4; ++i) {
    f.node->read([&](Status s, std::uint64_t) { answers.push_back(s.code()); });
  }
  EXPECT_EQ(f.node->pending_reads(), 3u);
  ASSERT_EQ(answers.size(), 1u);  // only the fourth was answered, at once
  EXPECT_EQ(answers[0], Code::kUnavailable);
}

TEST(NodeTest, step_malformedMessageIsDroppedAndCounted) {
  Fixture f;
  f.node->step(raft::Message{.type = raft::MessageType::kHeartbeat, .from = 2, .to = 9, .term = 1});
  EXPECT_EQ(f.node->dropped_messages(), 1u);
  EXPECT_EQ(f.node->raw().raft().term(), 0u);
}

TEST(NodeTest, onSyncDone_failureStopsTheNodeForGood) {
  Fixture f;
  f.node->step(raft::Message{.type = raft::MessageType::kHeartbeat, .from = 2, .to = 1, .term = 1});
  ASSERT_EQ(f.io.syncs, 1);  // the new term is being made durable
  f.node->on_sync_done(Status(Code::kIoError, "fsync /wal/0000000000000001.wal failed"));
  EXPECT_TRUE(f.node->failed());
  EXPECT_NE(f.node->failure().find("fsync"), std::string::npos);
  const std::size_t sent = f.io.sent.size();
  f.node->tick();
  f.node->step(raft::Message{.type = raft::MessageType::kHeartbeat, .from = 2, .to = 1, .term = 1});
  EXPECT_EQ(f.io.sent.size(), sent);  // a failed node does nothing more
  Code code = Code::kOk;
  f.node->propose("x", [&](Result<ApplyReply> r) { code = r.status().code(); });
  EXPECT_EQ(code, Code::kUnavailable);
}

std::size_t count_sent(const RecordingIo& io, raft::MessageType type) {
  std::size_t n = 0;
  for (const raft::Message& m : io.sent) {
    n += m.type == type ? 1 : 0;
  }
  return n;
}

TEST(NodeTest, follower_heartbeatAnswersLeaveWhileASyncRunsButAcknowledgementsWait) {
  Fixture f;
  f.node->step(raft::Message{.type = raft::MessageType::kHeartbeat, .from = 2, .to = 1, .term = 1});
  ASSERT_EQ(f.io.syncs, 1);  // the new term is being made durable
  EXPECT_EQ(count_sent(f.io, raft::MessageType::kHeartbeatResp), 1u);  // not held behind it
  // An entry arrives while the sync runs: its acknowledgement waits for its own sync.
  f.node->step(raft::Message{.type = raft::MessageType::kAppend,
                             .from = 2,
                             .to = 1,
                             .term = 1,
                             .log_term = 0,
                             .index = 0,
                             .entries = {raft::Entry{.term = 1, .index = 1, .data = "x"}}});
  f.node->step(raft::Message{.type = raft::MessageType::kHeartbeat, .from = 2, .to = 1, .term = 1});
  EXPECT_EQ(count_sent(f.io, raft::MessageType::kHeartbeatResp), 2u);
  EXPECT_EQ(count_sent(f.io, raft::MessageType::kAppendResp), 0u);
  f.node->on_sync_done(Status::ok());  // the term: the entry's write starts now
  EXPECT_EQ(f.io.syncs, 2);
  EXPECT_EQ(count_sent(f.io, raft::MessageType::kAppendResp), 0u);
  f.node->on_sync_done(Status::ok());
  ASSERT_EQ(count_sent(f.io, raft::MessageType::kAppendResp), 1u);
  EXPECT_EQ(f.io.sent.back().index, 1u);
}

TEST(NodeTest, leader_heartbeatsAndAppendsLeaveWhileASyncRuns) {
  Fixture f;
  f.node->campaign();  // pre-vote first
  f.node->step(
      raft::Message{.type = raft::MessageType::kPreVoteResp, .from = 2, .to = 1, .term = 1});
  ASSERT_EQ(f.io.syncs, 1);  // term 1 and the self-vote
  f.node->on_sync_done(Status::ok());
  ASSERT_EQ(count_sent(f.io, raft::MessageType::kVote), 2u);
  f.node->step(raft::Message{.type = raft::MessageType::kVoteResp, .from = 2, .to = 1, .term = 1});
  ASSERT_EQ(f.node->raw().raft().role(), raft::Role::kLeader);
  ASSERT_EQ(f.io.syncs, 2);  // the leader's empty entry is being written
  const std::size_t appends = count_sent(f.io, raft::MessageType::kAppend);
  EXPECT_GE(appends, 2u);  // sent with the write, not after it
  f.node->tick();
  EXPECT_GE(count_sent(f.io, raft::MessageType::kHeartbeat), 2u);
  // Node 2 holds the empty entry: it now replicates (node 3 is still being probed).
  f.node->step(raft::Message{
      .type = raft::MessageType::kAppendResp, .from = 2, .to = 1, .term = 1, .index = 1});
  const std::size_t before = count_sent(f.io, raft::MessageType::kAppend);
  f.node->propose("y", [](Result<ApplyReply>) {});
  EXPECT_EQ(f.io.syncs, 2);  // still the first sync: the new entry waits to be written
  ASSERT_EQ(count_sent(f.io, raft::MessageType::kAppend), before + 1);  // but it is sent
  EXPECT_EQ(f.io.sent.back().to, 2u);
  EXPECT_EQ(f.io.sent.back().entries.size(), 1u);
  EXPECT_EQ(f.io.sent.back().entries[0].data, "y");
}

// The read round of the last heartbeat sent.
std::uint64_t last_heartbeat_round(const RecordingIo& io) {
  for (auto it = io.sent.rbegin(); it != io.sent.rend(); ++it) {
    if (it->type == raft::MessageType::kHeartbeat) {
      return it->context;
    }
  }
  return 0;
}

// Elects f's node (id 1) with node 2's vote and commits its empty entry on node 2.
void elect(Fixture& f) {
  f.node->campaign();
  f.node->step(
      raft::Message{.type = raft::MessageType::kPreVoteResp, .from = 2, .to = 1, .term = 1});
  f.node->on_sync_done(Status::ok());
  f.node->step(raft::Message{.type = raft::MessageType::kVoteResp, .from = 2, .to = 1, .term = 1});
  f.node->on_sync_done(Status::ok());
  f.node->step(raft::Message{
      .type = raft::MessageType::kAppendResp, .from = 2, .to = 1, .term = 1, .index = 1});
  ASSERT_EQ(f.node->raw().raft().role(), raft::Role::kLeader);
  ASSERT_EQ(f.node->applied(), 1u);
}

TEST(NodeTest, leader_answersAFollowersReadWithItsTimeCappedByTheNextStamp) {
  Fixture f;
  f.machine.last_stamp = 4970;  // the stamps the new leader's state holds
  elect(f);
  f.io.clock_ms = 5000;
  f.node->propose("@4990", [](Result<ApplyReply>) {});  // entry 2, not committed yet
  f.node->step(raft::Message{
      .type = raft::MessageType::kReadIndex, .from = 3, .to = 1, .term = 1, .context = 7});
  f.node->step(raft::Message{.type = raft::MessageType::kHeartbeatResp,
                             .from = 2,
                             .to = 1,
                             .term = 1,
                             .context = last_heartbeat_round(f.io)});
  ASSERT_EQ(count_sent(f.io, raft::MessageType::kReadIndexResp), 1u);
  const raft::Message& answer = *std::find_if(f.io.sent.begin(), f.io.sent.end(), [](auto& m) {
    return m.type == raft::MessageType::kReadIndexResp;
  });
  EXPECT_EQ(answer.index, 1u);
  // The read comes before entry 2, so before its stamp (the clock, 5000, and the reach of
  // the stamps up to the read index, 5020, are later).
  EXPECT_EQ(answer.time_ms, 4990u);
}

TEST(NodeTest, leader_timesItsOwnReadsAndAFollowerPassesOnTheLeadersTime) {
  Fixture f;
  f.machine.last_stamp = 60;
  elect(f);
  f.io.clock_ms = 70;
  std::uint64_t time = 0;
  f.node->read([&](Status s, std::uint64_t t) {
    ASSERT_TRUE(s.is_ok());
    time = t;
  });
  f.node->step(raft::Message{.type = raft::MessageType::kHeartbeatResp,
                             .from = 2,
                             .to = 1,
                             .term = 1,
                             .context = last_heartbeat_round(f.io)});
  EXPECT_EQ(time, 70u);

  Fixture g;  // a follower of node 2
  g.node->step(raft::Message{.type = raft::MessageType::kHeartbeat, .from = 2, .to = 1, .term = 1});
  g.node->on_sync_done(Status::ok());
  std::uint64_t follower_time = 0;
  g.node->read([&](Status s, std::uint64_t t) {
    ASSERT_TRUE(s.is_ok());
    follower_time = t;
  });
  const raft::Message& ask = g.io.sent.back();
  ASSERT_EQ(ask.type, raft::MessageType::kReadIndex);
  g.node->step(raft::Message{.type = raft::MessageType::kReadIndexResp,
                             .from = 2,
                             .to = 1,
                             .term = 1,
                             .index = 0,
                             .context = ask.context,
                             .time_ms = 123456});
  EXPECT_EQ(follower_time, 123456u);
}

}  // namespace
}  // namespace helios::node
