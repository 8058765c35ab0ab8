// Member addresses in the configuration's context (node/members.h): the codec (round trip,
// every truncation, strict refusals) and the rules of the admin API's changes.
#include "node/members.h"

#include <gtest/gtest.h>

#include <string>

#include "base/bytes.h"
#include "raft/membership.h"

namespace helios::node {
namespace {

Member member(NodeId id, bool auto_promote = false) {
  const auto port = static_cast<std::uint16_t>(id);
  return Member{id,
                {"10.0.0." + std::to_string(id), static_cast<std::uint16_t>(9000 + port)},
                {"10.0.0." + std::to_string(id), static_cast<std::uint16_t>(7000 + port)},
                id % 2 == 0 ? HostPort{} : HostPort{"admin.example", 8000},
                auto_promote};
}

MemberList book(std::initializer_list<NodeId> ids) {
  MemberList out;
  for (NodeId id : ids) {
    out.push_back(member(id));
  }
  return out;
}

raft::ConfState conf(std::vector<NodeId> voters, std::vector<NodeId> learners = {},
                     std::vector<NodeId> outgoing = {}) {
  raft::ConfState c;
  c.voters = std::move(voters);
  c.learners = std::move(learners);
  c.voters_outgoing = std::move(outgoing);
  return c;
}

std::string refusal(std::string_view bytes) {
  const Result<MemberList> r = decode_members(bytes);
  EXPECT_FALSE(r.is_ok());
  return r.is_ok() ? "" : r.status().message();
}

TEST(MembersCodecTest, roundTrip) {
  MemberList members = book({1, 2, 3, 40});
  members[2].auto_promote = true;
  const std::string bytes = encode_members(members);
  const Result<MemberList> back = decode_members(bytes);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value(), members);
  EXPECT_EQ(encode_members(back.value()), bytes);
  const Result<MemberList> empty = decode_members(encode_members({}));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty.value().empty());
}

TEST(MembersCodecTest, everyTruncationAndTrailingBytesAreRefused) {
  const std::string bytes = encode_members(book({1, 2, 3}));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_members(bytes.substr(0, n)).is_ok()) << "prefix of " << n << " bytes";
  }
  EXPECT_NE(refusal(bytes + "x").find("1 trailing bytes"), std::string::npos);
}

TEST(MembersCodecTest, malformedContentsAreRefusedWithAReason) {
  EXPECT_NE(refusal("xyz").find("no magic"), std::string::npos);
  std::string bad_version = encode_members(book({1}));
  bad_version[3] = 9;
  EXPECT_NE(refusal(bad_version).find("unknown version 9"), std::string::npos);

  EXPECT_NE(refusal(encode_members({member(2), member(1)})).find("not above"), std::string::npos);
  EXPECT_NE(refusal(encode_members({member(1), member(1)})).find("not above"), std::string::npos);
  EXPECT_NE(refusal(encode_members({member(0)})).find("is 0"), std::string::npos);
  Member no_peer = member(3);
  no_peer.peer = {};
  EXPECT_NE(refusal(encode_members({no_peer})).find("no peer address"), std::string::npos);
  Member host_without_port = member(3);
  host_without_port.client.port = 0;
  EXPECT_NE(refusal(encode_members({host_without_port})).find("no port"), std::string::npos);

  std::string flags = encode_members(book({5}));
  flags[3 + 1 + 4 + 8] = 2;  // after magic, version, count and the id
  EXPECT_NE(refusal(flags).find("unknown flags"), std::string::npos);

  std::string huge = "HMB";
  base::put_u8(huge, kMembersVersion);
  base::put_u32(huge, 5000);
  EXPECT_NE(refusal(huge).find("over the limit"), std::string::npos);
  EXPECT_NE(refusal(std::string(raft::kMaxConfContextBytes + 1, 'H')).find("over the limit"),
            std::string::npos);
}

TEST(MembersTest, membersOf_contextElseTheFilesPeers) {
  const std::vector<PeerConfig> peers = {{1, {"a", 1}, {"a", 2}, {"a", 3}}, {2, {"b", 1}, {}, {}}};
  const Result<MemberList> fallback = members_of(conf({1, 2}), peers);
  ASSERT_TRUE(fallback.is_ok());
  ASSERT_EQ(fallback.value().size(), 2u);
  EXPECT_EQ(fallback.value()[0].admin.to_string(), "a:3");
  raft::ConfState with_context = conf({1, 2});
  with_context.context = encode_members(book({1, 2, 7}));
  const Result<MemberList> decoded = members_of(with_context, peers);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded.value(), book({1, 2, 7}));
  EXPECT_EQ(prune_to(decoded.value(), with_context), book({1, 2}));
  with_context.context = "garbage";
  EXPECT_FALSE(members_of(with_context, peers).is_ok());
}

TEST(MembersPlanTest, add_asLearnerOrThroughAJointConfiguration) {
  const raft::ConfState current = conf({1, 2, 3});
  const Result<raft::ConfState> learner = plan_add(current, book({1, 2, 3}), member(4), true);
  ASSERT_TRUE(learner.is_ok()) << learner.status().to_string();
  EXPECT_EQ(learner.value().voters, current.voters);
  EXPECT_EQ(learner.value().learners, std::vector<NodeId>{4});
  EXPECT_TRUE(raft::check_transition(current, learner.value()).is_ok());
  EXPECT_EQ(decode_members(learner.value().context).value(), book({1, 2, 3, 4}));

  const Result<raft::ConfState> voter = plan_add(current, book({1, 2, 3}), member(5), false);
  ASSERT_TRUE(voter.is_ok());
  EXPECT_EQ(voter.value().voters, (std::vector<NodeId>{1, 2, 3, 5}));
  EXPECT_EQ(voter.value().voters_outgoing, current.voters);
  EXPECT_TRUE(raft::check_transition(current, voter.value()).is_ok());
}

TEST(MembersPlanTest, add_refusals) {
  const raft::ConfState current = conf({1, 2, 3}, {4});
  const MemberList members = book({1, 2, 3, 4});
  const auto refused = [&](const raft::ConfState& c, const Member& m) {
    const Result<raft::ConfState> r = plan_add(c, members, m, true);
    EXPECT_FALSE(r.is_ok());
    return r.is_ok() ? std::string() : r.status().message();
  };
  EXPECT_NE(refused(current, member(2)).find("node-2 is already a member"), std::string::npos);
  EXPECT_NE(refused(current, member(4)).find("already a member"), std::string::npos);
  Member same_address = member(6);
  same_address.peer = member(3).peer;
  EXPECT_NE(refused(current, same_address).find("already used by node-3"), std::string::npos);
  Member no_peer = member(6);
  no_peer.peer = {};
  EXPECT_NE(refused(current, no_peer).find("peer"), std::string::npos);
  const Result<raft::ConfState> joint =
      plan_add(conf({1, 2, 4}, {}, {1, 2, 3}), members, member(6), true);
  ASSERT_FALSE(joint.is_ok());
  EXPECT_EQ(joint.status().code(), Code::kUnavailable);
}

TEST(MembersPlanTest, remove_learnerSimplyVoterThroughJoint) {
  const raft::ConfState current = conf({1, 2, 3}, {4});
  const Result<raft::ConfState> learner = plan_remove(current, book({1, 2, 3, 4}), 4);
  ASSERT_TRUE(learner.is_ok());
  EXPECT_EQ(learner.value(), [&] {
    raft::ConfState c = conf({1, 2, 3});
    c.context = encode_members(book({1, 2, 3}));
    return c;
  }());
  const Result<raft::ConfState> voter = plan_remove(current, book({1, 2, 3, 4}), 1);
  ASSERT_TRUE(voter.is_ok());
  EXPECT_EQ(voter.value().voters, (std::vector<NodeId>{2, 3}));
  EXPECT_EQ(voter.value().voters_outgoing, (std::vector<NodeId>{1, 2, 3}));
  // The outgoing voter keeps its addresses while the joint configuration lasts.
  EXPECT_EQ(decode_members(voter.value().context).value(), book({1, 2, 3, 4}));
  EXPECT_TRUE(raft::check_transition(current, voter.value()).is_ok());

  EXPECT_EQ(plan_remove(current, {}, 9).status().code(), Code::kNotFound);
  const Result<raft::ConfState> last = plan_remove(conf({1}), book({1}), 1);
  ASSERT_FALSE(last.is_ok());
  EXPECT_NE(last.status().message().find("last voter"), std::string::npos);
}

TEST(MembersPlanTest, promote_learnerOnlyAndClearsAutoPromote) {
  MemberList members = book({1, 2, 3});
  members.push_back(member(4, true));
  const raft::ConfState current = conf({1, 2, 3}, {4});
  const Result<raft::ConfState> next = plan_promote(current, members, 4);
  ASSERT_TRUE(next.is_ok());
  EXPECT_EQ(next.value().voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_TRUE(next.value().learners.empty());
  EXPECT_EQ(next.value().voters_outgoing, (std::vector<NodeId>{1, 2, 3}));
  EXPECT_FALSE(find_member(decode_members(next.value().context).value(), 4)->auto_promote);
  EXPECT_TRUE(raft::check_transition(current, next.value()).is_ok());

  EXPECT_NE(plan_promote(current, members, 2).status().message().find("already a voter"),
            std::string::npos);
  EXPECT_NE(plan_promote(current, members, 8).status().message().find("not a member"),
            std::string::npos);
}

}  // namespace
}  // namespace helios::node
