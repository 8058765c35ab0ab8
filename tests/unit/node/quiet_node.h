#pragma once
// Test doubles for a node::Node driven by hand (transfer_waiter_test, tick_duties_test): a
// NodeIo that sends nothing and counts syncs, a loop whose time the test sets and on which
// nothing posted or scheduled runs, and the election of node 1 of {1, 2, 3} by node 2's vote.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>

#include "env/loop.h"
#include "node/node.h"

namespace helios::node::testing {

class QuietIo final : public NodeIo {
 public:
  void send(const raft::Message& /*m*/) override {}
  void start_sync() override { ++syncs; }
  void start_snapshot(const raft::SnapshotMeta& /*meta*/) override {}
  void send_snapshot(const raft::Message& /*m*/) override {}
  int syncs = 0;
};

class StillLoop final : public env::Loop {
 public:
  void post(std::function<void()> /*fn*/) override {}
  Clock::time_point now() const override { return at; }
  std::unique_ptr<env::Timer> schedule_at(Clock::time_point /*at*/,
                                          std::function<void()> /*fn*/) override {
    return nullptr;
  }
  Clock::time_point at = Clock::time_point(std::chrono::seconds(100));
};

// Elects node 1 (a member of {1, 2, 3}, started) with node 2's pre-vote and vote.
inline void elect_node_1(Node& node) {
  node.campaign();
  node.step(raft::Message{.type = raft::MessageType::kPreVoteResp, .from = 2, .to = 1, .term = 1});
  node.on_sync_done(Status::ok());
  node.step(raft::Message{.type = raft::MessageType::kVoteResp, .from = 2, .to = 1, .term = 1});
  ASSERT_EQ(node.raw().raft().role(), raft::Role::kLeader);
}

}  // namespace helios::node::testing
