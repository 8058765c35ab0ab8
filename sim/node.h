#pragma once
// SimNode: one simulated Raft node: the production node logic (node::Node) on the real
// write-ahead log (storage::Wal) over a SimFileSystem, with a KvStore as its state machine.
// Only the NodeIo differs from production: messages go to the simulated network and the
// WAL sync completes after a simulated fsync latency.
//
// A node lives through incarnations: crash() discards everything in memory and lets the
// file system lose or tear what was not synced; start() recovers the WAL and builds a new
// Node from it. A failed fsync makes the node failed(): the harness stops it (as a real
// node must) and restarts it later. Events of an earlier incarnation are ignored.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/prng.h"
#include "env/sim/sim_file_system.h"
#include "node/node.h"
#include "sim/disk.h"
#include "sim/host.h"
#include "sim/kv_model.h"
#include "sim/options.h"
#include "storage/wal.h"

namespace helios::sim {

class SimNode final : private node::NodeIo {
 public:
  SimNode(int index, const SimOptions& options, SimHost& host);
  ~SimNode() override;

  int index() const { return index_; }
  NodeId id() const { return static_cast<NodeId>(index_ + 1); }
  bool up() const { return node_ != nullptr; }
  std::uint64_t incarnation() const { return incarnation_; }
  const raft::RawNode& raw() const { return node_->raw(); }
  const raft::Storage& storage() const { return *wal_; }
  const DurabilityShadow& shadow() const { return shadow_; }
  Index applied() const { return node_->applied(); }
  bool failed() const { return node_ != nullptr && node_->failed(); }
  std::string failure() const { return node_ != nullptr ? node_->failure() : ""; }
  std::uint64_t dropped_messages() const { return node_ ? node_->dropped_messages() : 0; }

  // Recovers the WAL and starts a new incarnation. kIoError when an fsync failed during
  // recovery (try again later); a WAL that cannot be recovered fails the seed.
  Status start(std::uint64_t seed);
  void crash(base::Prng& prng);
  void set_sync_failure_chance(double chance);

  void tick() { node_->tick(); }
  void deliver(const raft::Message& m) { node_->step(m); }
  void fsync_done();

  // Client operations; false when this node cannot take them now (not leader, no leader
  // known). Otherwise the outcome reaches the host (put_done / read_done / read_failed).
  bool propose(int client, std::uint64_t op, const KvCommand& command, NodeId* leader_hint);
  bool read(int client, std::uint64_t op, const std::string& key);

 private:
  class KvMachine final : public node::StateMachine {
   public:
    std::string apply(const raft::Entry& entry) override;
    KvStore kv;
  };

  // node::NodeIo
  void send(const raft::Message& m) override { host_.send(m); }
  void start_sync() override { host_.schedule_fsync(index_, incarnation_); }
  void on_role_change(const raft::SoftState& soft, Term term) override;
  void on_written(const std::optional<raft::HardState>& hard_state,
                  const std::vector<raft::Entry>& entries) override;
  void on_synced() override { shadow_.sync(); }
  void on_applied(const raft::Entry& entry) override { host_.on_apply(index_, entry); }

  int index_;
  const SimOptions& options_;
  SimHost& host_;
  env::SimFileSystem fs_;
  base::Prng fs_prng_;  // drives this node's injected fsync failures
  raft::ConfState conf_;
  std::unique_ptr<storage::Wal> wal_;
  DurabilityShadow shadow_;
  KvMachine machine_;
  std::unique_ptr<node::Node> node_;
  std::uint64_t incarnation_ = 0;
};

}  // namespace helios::sim
