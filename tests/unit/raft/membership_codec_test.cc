// The configuration's rules (validate_conf_state, check_transition), its encoding, joint
// quorums and ConfigHistory.
#include <gtest/gtest.h>

#include "raft/config_history.h"
#include "raft/membership.h"
#include "raft/quorum/joint.h"

namespace helios::raft {
namespace {

ConfState conf_of(std::vector<NodeId> voters, std::vector<NodeId> learners = {},
                  std::vector<NodeId> outgoing = {}) {
  return ConfState{.voters = std::move(voters),
                   .learners = std::move(learners),
                   .voters_outgoing = std::move(outgoing)};
}

TEST(MembershipCodecTest, roundTripsAndPinsTheLayout) {
  ConfState c = conf_of({1, 2, 3}, {7}, {1, 2, 4});
  c.context = std::string("a\0b", 3);
  const std::string bytes = encode_conf_state(c);
  // version, 3 voters, 1 learner, 3 outgoing, context
  EXPECT_EQ(bytes.size(), 1 + (4 + 24) + (4 + 8) + (4 + 24) + (4 + 3));
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(decode_conf_state(bytes).value(), c);
  EXPECT_EQ(decode_conf_state(encode_conf_state(ConfState{})).value(), ConfState{});
}

TEST(MembershipCodecTest, everyTruncationAndTrailingByteIsRefused) {
  const std::string bytes = encode_conf_state(conf_of({1, 2, 3}, {7}));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(decode_conf_state(bytes.substr(0, n)).status().code(), Code::kInvalidArgument) << n;
  }
  EXPECT_EQ(decode_conf_state(bytes + "x").status().code(), Code::kInvalidArgument);
  std::string v2 = bytes;
  v2[0] = 2;
  EXPECT_NE(decode_conf_state(v2).status().message().find("version 2"), std::string::npos);
}

TEST(MembershipCodecTest, invalidConfigurationsAreRefused) {
  for (const ConfState& c :
       {conf_of({2, 1}), conf_of({1, 1}), conf_of({0, 1}), conf_of({1, 2}, {2}),
        conf_of({1, 2}, {3}, {2, 3}), conf_of({}, {3}), conf_of({}, {}, {1})}) {
    EXPECT_FALSE(validate_conf_state(c).is_ok()) << describe(c);
    EXPECT_EQ(decode_conf_state(encode_conf_state(c)).status().code(), Code::kInvalidArgument)
        << describe(c);
  }
  ConfState big = conf_of({1});
  big.context.assign(kMaxConfContextBytes + 1, 'x');
  EXPECT_FALSE(validate_conf_state(big).is_ok());
}

TEST(MembershipCodecTest, membersAndRoles) {
  const ConfState c = conf_of({1, 4}, {5}, {1, 2, 3});
  EXPECT_EQ(members(c), (std::vector<NodeId>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(is_voter(c, 2));
  EXPECT_FALSE(is_incoming_voter(c, 2));
  EXPECT_TRUE(is_incoming_voter(c, 4));
  EXPECT_TRUE(is_learner(c, 5));
  EXPECT_FALSE(is_voter(c, 5));
  EXPECT_FALSE(is_member(c, 6));
  EXPECT_EQ(leave_joint(c), conf_of({1, 4}, {5}));
  EXPECT_EQ(describe(c), "voters=[1 4] learners=[5] outgoing=[1 2 3]");
}

TEST(JointQuorumTest, committedIndexIsTheMinimumOfBothSides) {
  const std::map<NodeId, Index> match = {{1, 10}, {2, 9}, {3, 2}, {4, 3}, {5, 1}};
  const auto m = [&](NodeId id) { return match.at(id); };
  EXPECT_EQ(joint_committed_index(conf_of({1, 2, 3}), m), 9u);
  EXPECT_EQ(joint_committed_index(conf_of({1, 4, 5}), m), 3u);
  EXPECT_EQ(joint_committed_index(conf_of({1, 4, 5}, {}, {1, 2, 3}), m), 3u);
  // Learners never count.
  EXPECT_EQ(joint_committed_index(conf_of({3, 4, 5}, {1, 2}), m), 2u);
  EXPECT_EQ(joint_committed_index(ConfState{}, m), 0u);
}

TEST(JointQuorumTest, votesNeedBothSides) {
  const ConfState c = conf_of({1, 4, 5}, {}, {1, 2, 3});
  EXPECT_EQ(joint_vote_result(c, {{1, true}, {2, true}}), VoteResult::kPending);
  EXPECT_EQ(joint_vote_result(c, {{1, true}, {2, true}, {4, true}}), VoteResult::kWon);
  EXPECT_EQ(joint_vote_result(c, {{1, true}, {4, true}, {2, false}, {3, false}}),
            VoteResult::kLost);
  EXPECT_TRUE(joint_quorum(c, [](NodeId id) { return id == 1 || id == 2 || id == 5; }));
  EXPECT_FALSE(joint_quorum(c, [](NodeId id) { return id == 1 || id == 4 || id == 5; }));
}

TEST(ConfigHistoryTest, currentAtTruncateAndPrune) {
  ConfigHistory h(ConfigAt{5, 1, conf_of({1, 2, 3})});
  h.append(ConfigAt{8, 2, conf_of({1, 2, 3}, {4})});
  h.append(ConfigAt{12, 3, conf_of({1, 2, 3, 4}, {}, {1, 2, 3})});
  EXPECT_EQ(h.current().index, 12u);
  EXPECT_EQ(h.at(5).conf, conf_of({1, 2, 3}));
  EXPECT_EQ(h.at(11).index, 8u);
  EXPECT_EQ(h.at(100).index, 12u);
  // The log lost index 12 (another term there now): the configuration of 8 is back.
  const auto terms = [](Index i) { return i <= 10 ? Term{2} : Term{4}; };
  EXPECT_TRUE(h.truncate(15, [&](Index i) { return i == 8 ? Term{2} : terms(i); }));
  EXPECT_EQ(h.current().index, 8u);
  EXPECT_FALSE(h.truncate(15, [](Index) { return Term{2}; }));
  // The base is never dropped.
  EXPECT_TRUE(h.truncate(3, [](Index) { return Term{0}; }));
  EXPECT_EQ(h.current().index, 5u);
  h.append(ConfigAt{9, 4, conf_of({1, 2})});
  h.prune(20);
  EXPECT_EQ(h.records().size(), 1u);
  EXPECT_EQ(h.current().index, 9u);
}

}  // namespace
}  // namespace helios::raft
