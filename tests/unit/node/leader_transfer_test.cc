// Leadership transfer in the runtime: the choice of target (pure), and the refusals of
// Runtime::transfer_leadership on real runtimes that have no follower to hand over to. The
// transfer itself, between processes, is tests/cluster/test_transfer_leader.py.
#include "node/leader_transfer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "node/runtime.h"

namespace helios::node {
namespace {

using namespace std::chrono_literals;

TEST(ChooseTransferTargetTest, choose_highestMatchAmongActive) {
  EXPECT_EQ(choose_transfer_target({{2, 10, true}, {3, 12, true}}), 3u);
  EXPECT_EQ(choose_transfer_target({{3, 12, true}, {2, 10, true}}), 3u);
  EXPECT_EQ(choose_transfer_target({{2, 10, true}, {3, 12, true}, {4, 11, true}}), 3u);
}

TEST(ChooseTransferTargetTest, choose_tieGoesToLowestId) {
  EXPECT_EQ(choose_transfer_target({{5, 7, true}, {3, 7, true}, {4, 7, true}}), 3u);
  EXPECT_EQ(choose_transfer_target({{4, 7, true}, {3, 6, true}, {2, 7, true}}), 2u);
}

TEST(ChooseTransferTargetTest, choose_skipsInactiveEvenIfAhead) {
  EXPECT_EQ(choose_transfer_target({{2, 100, false}, {3, 1, true}}), 3u);
  EXPECT_EQ(choose_transfer_target({{2, 5, true}, {3, 5, false}, {4, 9, false}}), 2u);
}

TEST(ChooseTransferTargetTest, choose_noneWhenNoneActiveOrEmpty) {
  EXPECT_EQ(choose_transfer_target({}), kNoNode);
  EXPECT_EQ(choose_transfer_target({{2, 10, false}, {3, 12, false}}), kNoNode);
}

// A Runtime of node 1 whose peers (if any) are never started.
class LoneRuntime {
 public:
  explicit LoneRuntime(std::size_t voters) {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("helios-transfer-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    config_.node_id = 1;
    config_.data_dir = (dir_ / "data").string();
    config_.heartbeat_timeout_ms = 50;
    config_.election_timeout_ms = 150;
    config_.log_level = base::LogLevel::kWarn;
    // Port 0 for our own listener; the others point at a port nothing listens on.
    for (std::size_t id = 1; id <= voters; ++id) {
      config_.peers.push_back(PeerConfig{
          id, HostPort{"127.0.0.1", static_cast<std::uint16_t>(id == 1 ? 0 : 1)}, {}, {}});
    }
    runtime_ = std::make_unique<Runtime>(config_);
    const Status started = runtime_->start();
    EXPECT_TRUE(started.is_ok()) << started.to_string();
  }
  ~LoneRuntime() {
    runtime_->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  LoneRuntime(const LoneRuntime&) = delete;
  LoneRuntime& operator=(const LoneRuntime&) = delete;

  Runtime& runtime() { return *runtime_; }

  TransferResult transfer(NodeId target) {
    auto promise = std::make_shared<std::promise<TransferResult>>();
    std::future<TransferResult> future = promise->get_future();
    runtime_->post([this, promise, target]() {
      runtime_->transfer_leadership(target, 300ms,
                                    [promise](const TransferResult& r) { promise->set_value(r); });
    });
    if (future.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "transfer_leadership did not answer within 5 s";
      return TransferResult{};
    }
    return future.get();
  }

  bool wait_for_role(raft::Role role) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      Result<NodeStatus> s = runtime_->status(1s);
      if (s.is_ok() && s.value().role == role) {
        return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

 private:
  std::filesystem::path dir_;
  NodeConfig config_;
  std::unique_ptr<Runtime> runtime_;
};

TEST(RuntimeTransferTest, transferLeadership_singleVoterHasNoFollower) {
  LoneRuntime node(1);
  ASSERT_TRUE(node.wait_for_role(raft::Role::kLeader));
  const TransferResult chosen = node.transfer(kNoNode);
  EXPECT_EQ(chosen.status.code(), Code::kUnavailable) << chosen.status.to_string();
  EXPECT_FALSE(chosen.timed_out);
  EXPECT_EQ(chosen.target, kNoNode);
  EXPECT_EQ(chosen.leader, 1u);

  const TransferResult self = node.transfer(1);
  EXPECT_TRUE(self.status.is_ok()) << self.status.to_string();
  EXPECT_TRUE(self.already_leader);
  EXPECT_EQ(self.leader, 1u);

  const TransferResult unknown = node.transfer(7);
  EXPECT_EQ(unknown.status.code(), Code::kInvalidArgument);
  EXPECT_NE(unknown.status.message().find("node-7 is not a voter"), std::string::npos)
      << unknown.status.message();

  // Nothing changed: still the leader, still accepting proposals.
  Result<NodeStatus> s = node.runtime().status(1s);
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s.value().role, raft::Role::kLeader);
  EXPECT_EQ(s.value().term, chosen.term);
}

TEST(RuntimeTransferTest, transferLeadership_refusedOffTheLeader) {
  LoneRuntime node(3);                 // nodes 2 and 3 never start: node 1 never leads
  std::this_thread::sleep_for(400ms);  // a few election timeouts
  const TransferResult r = node.transfer(2);
  EXPECT_EQ(r.status.code(), Code::kNotLeader) << r.status.to_string();
  EXPECT_EQ(r.leader, kNoNode);
  const TransferResult chosen = node.transfer(kNoNode);
  EXPECT_EQ(chosen.status.code(), Code::kNotLeader);
  // A target that is not a voter is refused first, wherever the request lands.
  EXPECT_EQ(node.transfer(4).status.code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace helios::node
