// node::TransferWaiter's choice of candidates: which followers count as active (heard from
// by a link within the election timeout), on a leader of {1, 2, 3} over the simulated disk
// and a hand-driven loop. The waiting itself runs in the simulator (sim/cluster_membership.cc)
// and between processes (tests/cluster/test_transfer_leader.py).
#include "node/transfer_waiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "env/sim/sim_file_system.h"
#include "quiet_node.h"

namespace helios::node {
namespace {

using namespace std::chrono_literals;

class NullMachine final : public StateMachine {
 public:
  ApplyReply apply(const raft::Entry& /*e*/) override { return ""; }
};

std::int64_t ms_of(env::Loop::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

struct Fixture {
  Fixture() {
    waiter = std::make_unique<TransferWaiter>(
        1, loop, *node, [this]() { return links; }, 150ms, []() {});
  }
  // Elects node 1 with node 2's vote.
  void elect() { testing::elect_node_1(*node); }
  bool active(NodeId id) const {
    for (const TransferCandidate& c : waiter->candidates()) {
      if (c.id == id) {
        return c.active;
      }
    }
    ADD_FAILURE() << "n" << id << " is not a candidate";
    return false;
  }
  NullMachine machine;
  testing::QuietIo io;
  testing::HandNode hand{machine, io};
  testing::StillLoop& loop = hand.loop;
  std::unique_ptr<Node>& node = hand.node;
  std::vector<PeerLinkState> links;
  std::unique_ptr<TransferWaiter> waiter;
};

TEST(TransferWaiterTest, candidates_noneWhileNotLeading) {
  Fixture f;
  f.links = {{2, true, 0, ms_of(f.loop.at)}, {3, true, 0, ms_of(f.loop.at)}};
  EXPECT_TRUE(f.waiter->candidates().empty());
}

TEST(TransferWaiterTest, candidates_activeWhenALinkHeardFromItWithinTheElectionTimeout) {
  Fixture f;
  f.elect();
  const std::int64_t now = ms_of(f.loop.at);
  f.links = {{2, true, 0, now - 149}, {3, true, 0, now - 150}};
  const std::vector<TransferCandidate> candidates = f.waiter->candidates();
  ASSERT_EQ(candidates.size(), 2u);  // the voters but the leader itself
  EXPECT_TRUE(f.active(2));
  EXPECT_FALSE(f.active(3));  // an election timeout ago: it may be down
  // Time passes without a message: node 2 no longer counts either, although the core heard
  // its vote (Progress::recent_active is not the rule).
  f.loop.at += 1ms;
  EXPECT_FALSE(f.active(2));
}

TEST(TransferWaiterTest, candidates_neverHeardOrUnlinkedIsInactive) {
  Fixture f;
  f.elect();
  f.links = {{2, false, 1, -1}};  // node 3 has no link at all
  EXPECT_FALSE(f.active(2));
  EXPECT_FALSE(f.active(3));
}

TEST(TransferWaiterTest, transfer_withoutTargetAndNobodyHeardIsRefused) {
  Fixture f;
  f.elect();
  f.links = {{2, true, 0, ms_of(f.loop.at) - 500}, {3, true, 0, -1}};
  TransferResult answer;
  bool answered = false;
  f.waiter->transfer(kNoNode, 1s, [&](const TransferResult& r) {
    answer = r;
    answered = true;
  });
  ASSERT_TRUE(answered);  // at once: nothing was started
  EXPECT_EQ(answer.status.code(), Code::kUnavailable);
  EXPECT_EQ(answer.target, kNoNode);
  EXPECT_EQ(f.node->raw().raft().lead_transferee(), kNoNode);
}

TEST(TransferWaiterTest, plantedBug_silentActive_countsEveryVoter) {
  Fixture f;
  f.elect();
  f.waiter->plant_silent_active();
  f.links = {{2, false, 1, -1}, {3, true, 0, ms_of(f.loop.at) - 10'000}};
  EXPECT_TRUE(f.active(2));
  EXPECT_TRUE(f.active(3));
}

}  // namespace
}  // namespace helios::node
