#pragma once
// Test doubles for a node::Node driven by hand (transfer_waiter_test, tick_duties_test): a
// NodeIo that sends nothing and counts syncs, a loop whose time the test sets and on which
// nothing posted or scheduled runs, and the election of node 1 of {1, 2, 3} by node 2's vote.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>

#include "env/loop.h"
#include "env/sim/sim_file_system.h"
#include "node/node.h"
#include "storage/wal.h"

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

// Node 1 of {1, 2, 3}, started, on a WAL on a simulated disk (`segment_bytes` each segment),
// talking through `io`, its raft::Config changed by `adjust`; a still loop beside it.
struct HandNode {
  HandNode(StateMachine& machine, NodeIo& io, std::uint64_t segment_bytes = 4096,
           const std::function<void(raft::Config&)>& adjust = {}) {
    wal =
        storage::Wal::open(fs, "/wal", storage::WalOptions{.segment_bytes = segment_bytes}).value();
    raft::ConfState conf;
    conf.voters = {1, 2, 3};
    wal->set_conf_state(conf);
    raft::Config config;
    config.id = 1;
    if (adjust) {
      adjust(config);
    }
    node = std::make_unique<Node>(config, *wal, machine, io);
    node->start();
  }
  env::SimFileSystem fs;
  std::unique_ptr<storage::Wal> wal;
  StillLoop loop;
  std::unique_ptr<Node> node;
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
