#pragma once
// SimNode: one simulated Raft node: the real core (RawNode) driven through the Ready loop
// documented in raft/raw_node.h, on a SimDisk, with a KvStore as its state machine.
//
// A node lives through incarnations: crash() discards everything in memory and keeps what
// the disk kept; start() builds a new core from it. Events scheduled for an earlier
// incarnation are ignored by the harness.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/prng.h"
#include "raft/raw_node.h"
#include "sim/disk.h"
#include "sim/host.h"
#include "sim/kv_model.h"
#include "sim/options.h"

namespace helios::sim {

class SimNode {
 public:
  SimNode(int index, const SimOptions& options, SimHost& host);

  int index() const { return index_; }
  NodeId id() const { return static_cast<NodeId>(index_ + 1); }
  bool up() const { return raw_ != nullptr; }
  std::uint64_t incarnation() const { return incarnation_; }
  const raft::RawNode& raw() const { return *raw_; }
  const SimDisk& disk() const { return disk_; }
  Index applied() const { return applied_; }

  void start(std::uint64_t seed);
  void crash(base::Prng& prng);

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

  int index_;
  const SimOptions& options_;
  SimHost& host_;
  SimDisk disk_;
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
