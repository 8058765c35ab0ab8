#pragma once
// SimNode: one simulated Raft node: the real core (RawNode) driven through the Ready loop
// documented in raft/raw_node.h, on the real write-ahead log (storage::Wal) over a
// SimFileSystem, with a KvStore as its state machine.
//
// A node lives through incarnations: crash() discards everything in memory and lets the
// file system lose or tear what was not synced; start() recovers the WAL and builds a new
// core from it. A failed fsync marks the node failed(): the harness stops it (as a real node
// must) and restarts it later. Events scheduled for an earlier incarnation are ignored.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/prng.h"
#include "env/sim/sim_file_system.h"
#include "raft/raw_node.h"
#include "sim/disk.h"
#include "sim/host.h"
#include "sim/kv_model.h"
#include "sim/options.h"
#include "storage/wal.h"

namespace helios::sim {

class SimNode {
 public:
  SimNode(int index, const SimOptions& options, SimHost& host);

  int index() const { return index_; }
  NodeId id() const { return static_cast<NodeId>(index_ + 1); }
  bool up() const { return raw_ != nullptr; }
  std::uint64_t incarnation() const { return incarnation_; }
  const raft::RawNode& raw() const { return *raw_; }
  const raft::Storage& storage() const { return *wal_; }
  const DurabilityShadow& shadow() const { return shadow_; }
  Index applied() const { return applied_; }
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }

  // Recovers the WAL and starts a new incarnation. kIoError when an fsync failed during
  // recovery (try again later); a WAL that cannot be recovered fails the seed.
  Status start(std::uint64_t seed);
  void crash(base::Prng& prng);
  // Turns fsync failure injection on or off for this node's file system.
  void set_sync_failure_chance(double chance);

  void tick();
  void deliver(const raft::Message& m);
  void fsync_done();

  // Client operations. propose() returns the leader hint on failure (kNoNode if unknown).
  bool propose(int client, std::uint64_t op, const KvCommand& command, NodeId* leader_hint);
  bool read(int client, std::uint64_t op, const std::string& key);

 private:
  struct PutWaiter {
    Term term;
    int client;
    std::uint64_t op;
  };
  struct ReadWaiter {
    int client;
    std::uint64_t op;
    std::string key;
    std::optional<Index> read_index;
  };

  void pump();
  void complete(raft::Ready& rd);
  void apply(const raft::Entry& e);
  void serve_reads();

  void fail(const Status& status);

  int index_;
  const SimOptions& options_;
  SimHost& host_;
  env::SimFileSystem fs_;
  base::Prng fs_prng_;  // drives this node's injected fsync failures
  std::unique_ptr<storage::Wal> wal_;
  DurabilityShadow shadow_;
  raft::ConfState conf_;
  std::string failure_;
  std::unique_ptr<raft::RawNode> raw_;
  std::uint64_t incarnation_ = 0;
  KvStore kv_;
  Index applied_ = 0;
  std::optional<raft::Ready> pending_;  // the Ready whose fsync is outstanding
  std::map<Index, PutWaiter> put_waiters_;
  std::map<std::uint64_t, ReadWaiter> read_waiters_;  // by ReadIndex context
  std::uint64_t next_read_context_ = 1;
};

}  // namespace helios::sim
