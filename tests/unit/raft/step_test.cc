// Raft::step input validation and the not-leader answers: malformed input is refused with
// kInvalidArgument and changes nothing; proposals off the leader fail with kNotLeader.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_network.h"

namespace helios::raft {
namespace {

using testing::LoneNode;
using testing::test_config;
using testing::TestNetwork;

// Everything observable about a node, to check that a refused message changed nothing.
struct Snapshot {
  HardState hard_state;
  Role role;
  NodeId leader;
  Index last_index;
  bool has_ready;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(RawNode& n) {
  const Raft& r = n.raft();
  return Snapshot{r.hard_state(), r.role(), r.leader(), r.log().last_index(), n.has_ready()};
}

// Node 2 of {1, 2, 3}, following leader 1 in term 2 with log [1/1, 2/2], all settled.
class MalformedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Message append{.type = MessageType::kAppend,
                         .from = 1,
                         .to = 2,
                         .term = 2,
                         .entries = {Entry{.term = 1, .index = 1}, Entry{.term = 2, .index = 2}}};
    ASSERT_TRUE(node_.raw().step(append).is_ok());
    node_.cycle();
    ASSERT_EQ(node_.raft().leader(), 1u);
  }

  // A well-formed Append from the leader: prev 2/2, one entry 3/2.
  static Message good_append() {
    return Message{.type = MessageType::kAppend,
                   .from = 1,
                   .to = 2,
                   .term = 2,
                   .log_term = 2,
                   .index = 2,
                   .entries = {Entry{.term = 2, .index = 3}}};
  }

  void expect_refused(const Message& m, const std::string& what) {
    const Snapshot before = snapshot(node_.raw());
    const Status status = node_.raw().step(m);
    EXPECT_EQ(status.code(), Code::kInvalidArgument) << what << ": " << status.to_string();
    EXPECT_EQ(snapshot(node_.raw()), before) << what;
  }

  LoneNode node_{test_config(2, 3)};
};

TEST_F(MalformedTest, step_wellFormedAppendIsAccepted) {
  ASSERT_TRUE(node_.raw().step(good_append()).is_ok());
  EXPECT_EQ(node_.raft().log().last_index(), 3u);
}

TEST_F(MalformedTest, step_noSenderRefused) {
  Message m = good_append();
  m.from = kNoNode;
  expect_refused(m, "no sender");
}

TEST_F(MalformedTest, step_appendFromANodeOutsideTheConfigurationIsAccepted) {
  // A member added by an entry this node has not received yet may already lead.
  Message m = good_append();
  m.from = 9;
  ASSERT_TRUE(node_.raw().step(m).is_ok());
  EXPECT_EQ(node_.raft().log().last_index(), 3u);
  EXPECT_EQ(node_.raft().leader(), 9u);
}

TEST_F(MalformedTest, step_messageFromSelfRefused) {
  Message m = good_append();
  m.from = 2;
  expect_refused(m, "from self");
}

TEST_F(MalformedTest, step_wrongRecipientRefused) {
  Message m = good_append();
  m.to = 3;
  expect_refused(m, "addressed to 3");
}

TEST_F(MalformedTest, step_zeroTermRefused) {
  Message m = good_append();
  m.term = 0;
  expect_refused(m, "term 0");
  const Message vote{.type = MessageType::kVote, .from = 3, .to = 2, .term = 0};
  expect_refused(vote, "vote with term 0");
}

TEST_F(MalformedTest, step_entriesOutOfOrderRefused) {
  Message gap = good_append();
  gap.entries = {Entry{.term = 2, .index = 3}, Entry{.term = 2, .index = 5}};
  expect_refused(gap, "index gap");
  Message not_after_prev = good_append();
  not_after_prev.entries = {Entry{.term = 2, .index = 4}};
  expect_refused(not_after_prev, "first entry not at prev + 1");
  Message backwards = good_append();
  backwards.entries = {Entry{.term = 2, .index = 3}, Entry{.term = 2, .index = 3}};
  expect_refused(backwards, "repeated index");
}

TEST_F(MalformedTest, step_entryTermsOutOfOrderRefused) {
  Message falling = good_append();
  falling.entries = {Entry{.term = 2, .index = 3}, Entry{.term = 1, .index = 4}};
  expect_refused(falling, "terms decrease");
  Message below_prev = good_append();
  below_prev.entries = {Entry{.term = 1, .index = 3}};
  expect_refused(below_prev, "entry term below prev term");
  Message future = good_append();
  future.entries = {Entry{.term = 3, .index = 3}};
  expect_refused(future, "entry term above the message term");
}

TEST_F(MalformedTest, step_entriesOnOtherMessageTypesRefused) {
  const Message heartbeat{.type = MessageType::kHeartbeat,
                          .from = 1,
                          .to = 2,
                          .term = 2,
                          .entries = {Entry{.term = 2, .index = 1}}};
  expect_refused(heartbeat, "heartbeat with entries");
}

TEST_F(MalformedTest, step_unknownMessageTypeRefused) {
  Message m = good_append();
  m.entries.clear();
  m.type = static_cast<MessageType>(kMessageTypeCount);
  expect_refused(m, "type 12");
  m.type = static_cast<MessageType>(200);
  expect_refused(m, "type 200");
}

TEST_F(MalformedTest, step_staleTermIsAcceptedButIgnored) {
  // A lower term is well formed: not an error, but it must not touch the log.
  Message m = good_append();
  m.term = 1;
  m.log_term = 1;
  m.index = 1;
  m.entries = {Entry{.term = 1, .index = 2}};
  ASSERT_TRUE(node_.raw().step(m).is_ok());
  EXPECT_EQ(node_.raft().log().term_or_zero(2), 2u);
  EXPECT_EQ(node_.raft().term(), 2u);
  // It answers with its term so the stale leader steps down.
  const Ready rd = node_.cycle();
  ASSERT_EQ(rd.messages_after_persist.size(), 1u);
  EXPECT_EQ(rd.messages_after_persist[0].term, 2u);
}

// ---------------------------------------------------------------------------------------
// Not the leader.

TEST(RaftTest, propose_onFollowerFailsWithNotLeader) {
  TestNetwork net(3);
  net.elect(1);
  const Result<EntryId> r = net.propose(2, "x");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kNotLeader);
  EXPECT_FALSE(net.node(2).has_ready());
  EXPECT_EQ(net.raft(2).log().last_index(), 1u);
}

TEST(RaftTest, propose_onCandidateAndLoneFollowerFailsWithNotLeader) {
  Config config = test_config(1, 3);
  config.pre_vote = false;
  LoneNode n(config);
  EXPECT_EQ(n.raw().propose("x").status().code(), Code::kNotLeader);
  n.raw().campaign();
  ASSERT_EQ(n.raft().role(), Role::kCandidate);
  EXPECT_EQ(n.raw().propose("x").status().code(), Code::kNotLeader);
}

TEST(RaftTest, propose_onDeposedLeaderFailsWithNotLeader) {
  TestNetwork net(3);
  net.elect(1);
  net.isolate(1);
  net.tick(1, 2 * test_config(1, 3).election_ticks);
  ASSERT_EQ(net.raft(1).role(), Role::kFollower);
  EXPECT_EQ(net.propose(1, "x").status().code(), Code::kNotLeader);
}

}  // namespace
}  // namespace helios::raft
