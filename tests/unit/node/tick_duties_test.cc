// node::TickDuties (node/tick_duties.h): the core's tick at every tick, and every 100 ms of
// ticks the leader's chores (active expiry by the node's wall clock, the start of key
// versions) and the membership keeper's round; key versions at the start of leadership. On a
// node of {1, 2, 3} over the simulated disk, with the chores' proposals recorded, not made.
#include "node/tick_duties.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "env/sim/sim_file_system.h"
#include "quiet_node.h"

namespace helios::node {
namespace {

class NoPeers final : public PeerDirectory {
 public:
  void add_peer(NodeId /*id*/, const HostPort& /*peer*/) override {}
  void remove_peer(NodeId /*id*/) override {}
  std::vector<NodeId> peer_ids() const override { return {}; }
};

struct Fixture {
  // 10 ms ticks: a round every 10.
  // election_ticks 1000: no election of its own while it ticks.
  explicit Fixture(int election_ticks = 1000)
      : hand(machine, io, 4096, [=](raft::Config& c) { c.election_ticks = election_ticks; }) {
    // A key whose deadline (2000) passed by the node's clock (5000).
    raft::Entry e;
    e.index = 1;
    e.term = 1;
    e.data = atlas::encode_command(
        atlas::Command{1000, {atlas::SetOp{.key = "k", .value = "v", .deadline_ms = 2000}}});
    (void)machine.apply(e);
    MemberKeeperOptions o;
    o.self = 1;
    members = std::make_unique<MemberKeeper>(o, loop, *node, peers, []() {});
    TickDuties::Host host;
    host.wall_ms = []() { return std::uint64_t{5000}; };
    host.versions_allowed = [this]() { return versions_allowed; };
    host.removed = []() { return false; };
    duties = std::make_unique<TickDuties>(10'000, *node, machine, chores, *members, host);
  }
  void elect() { testing::elect_node_1(*node); }
  // The kinds of op the chores proposed, in order: 'x' expiry, 'v' key versions.
  std::string proposed_kinds() const {
    std::string out;
    for (const atlas::Command& c : proposed) {
      out += std::holds_alternative<atlas::DeleteIfExpiredOp>(c.ops.at(0)) ? 'x' : 'v';
    }
    return out;
  }
  AtlasMachine machine;
  testing::QuietIo io;
  testing::HandNode hand;
  testing::StillLoop& loop = hand.loop;
  std::unique_ptr<Node>& node = hand.node;
  NoPeers peers;
  std::vector<atlas::Command> proposed;
  LeaderChores chores{[this](atlas::Command command, CommandCallback /*done*/) {
    proposed.push_back(std::move(command));
  }};
  std::unique_ptr<MemberKeeper> members;
  bool versions_allowed = true;
  std::unique_ptr<TickDuties> duties;
};

TEST(TickDutiesTest, roundTicks_areTheTicksOf100MsAndAtLeastOne) {
  EXPECT_EQ(TickDuties::round_ticks(1'000), 100u);
  EXPECT_EQ(TickDuties::round_ticks(10'000), 10u);
  EXPECT_EQ(TickDuties::round_ticks(30'000), 3u);
  EXPECT_EQ(TickDuties::round_ticks(100'000), 1u);
  EXPECT_EQ(TickDuties::round_ticks(250'000), 1u);
  EXPECT_EQ(TickDuties::round_ticks(0), 100'000u);  // never a division by zero
}

TEST(TickDutiesTest, aFollowerTicksItsCoreButProposesNothing) {
  Fixture f(10);
  for (int i = 0; i < 30; ++i) {
    f.duties->tick();
  }
  // The core ticked: its election timeout (10-19 ticks) passed and it campaigns.
  EXPECT_NE(f.node->raw().raft().role(), raft::Role::kFollower);
  EXPECT_NE(f.node->raw().raft().role(), raft::Role::kLeader);
  EXPECT_EQ(f.duties->ticks(), 30u);
  EXPECT_TRUE(f.proposed.empty());
}

TEST(TickDutiesTest, theLeaderExpiresKeysAndStartsVersionsEvery100MsOfTicksOnly) {
  Fixture f;
  f.elect();
  for (int i = 0; i < 9; ++i) {
    f.duties->tick();
  }
  EXPECT_EQ(f.proposed_kinds(), "") << "before the round is due";
  f.duties->tick();
  EXPECT_EQ(f.proposed_kinds(), "xv");
  const auto& del = std::get<atlas::DeleteIfExpiredOp>(f.proposed[0].ops[0]);
  EXPECT_EQ(del.key, "k");
}

TEST(TickDutiesTest, keyVersionsWaitUntilEveryMemberCanDecodeThem) {
  Fixture f;
  f.versions_allowed = false;
  f.elect();
  f.duties->on_leading();
  for (int i = 0; i < 10; ++i) {
    f.duties->tick();
  }
  EXPECT_EQ(f.proposed_kinds(), "x");
}

TEST(TickDutiesTest, onLeading_startsVersionsAtOnceOnlyAtTheLeader) {
  Fixture f;
  f.duties->on_leading();
  EXPECT_EQ(f.proposed_kinds(), "") << "not leading";
  f.elect();
  f.duties->on_leading();
  EXPECT_EQ(f.proposed_kinds(), "v");
}

}  // namespace
}  // namespace helios::node
