#pragma once
// DurabilityShadow: what the simulator knows to be durable on one node's disk, kept beside
// the node's real WAL for the checkers. Writes are recorded when the node writes them and
// become durable when the node's fsync succeeds; at a crash the unsynced ones are forgotten
// (the real WAL on the SimFileSystem may keep a torn prefix of them: the shadow is a lower
// bound). After a restart it is reset to what the WAL recovered.

#include <optional>
#include <variant>
#include <vector>

#include "raft/memory_storage.h"

namespace helios::sim {

class DurabilityShadow {
 public:
  const raft::MemoryStorage& durable() const { return durable_; }

  void write(const std::optional<raft::HardState>& hard_state,
             const std::vector<raft::Entry>& entries);
  // The WAL was reset to start after a received snapshot (durable at the next sync).
  void reset_to_snapshot(const raft::SnapshotMeta& meta) { unsynced_.emplace_back(meta); }
  void sync();
  void crash() { unsynced_.clear(); }
  // After recovery: the recovered log and hard state are on disk.
  void reset_to(const raft::Storage& recovered);

 private:
  using Write = std::variant<raft::HardState, std::vector<raft::Entry>, raft::SnapshotMeta>;

  raft::MemoryStorage durable_;
  std::vector<Write> unsynced_;
};

}  // namespace helios::sim
