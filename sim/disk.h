#pragma once
// SimDisk: one node's simulated durable storage for the Raft log and hard state.
//
// Writes land in `visible` (the page cache: what the node reads back) at once and are queued
// as unsynced. sync() makes everything written so far durable. crash() keeps the durable
// state plus a random prefix of the unsynced writes (a write may or may not have reached
// the platter), then the node restarts from what is left.

#include <optional>
#include <variant>
#include <vector>

#include "base/prng.h"
#include "raft/memory_storage.h"

namespace helios::sim {

class SimDisk {
 public:
  raft::MemoryStorage& visible() { return visible_; }
  const raft::MemoryStorage& visible() const { return visible_; }
  const raft::MemoryStorage& durable() const { return durable_; }

  // Records the membership of a new cluster, durably (done once, before the first start).
  void bootstrap(const raft::ConfState& conf);

  void write(const std::optional<raft::HardState>& hard_state,
             const std::vector<raft::Entry>& entries);
  void sync();
  // Loses unsynced writes beyond a random prefix. Returns how many unsynced writes survived.
  std::size_t crash(base::Prng& prng);
  std::size_t unsynced() const { return unsynced_.size(); }

 private:
  using Write = std::variant<raft::HardState, std::vector<raft::Entry>>;
  static void apply(raft::MemoryStorage& storage, const Write& w);

  raft::MemoryStorage visible_;
  raft::MemoryStorage durable_;
  std::vector<Write> unsynced_;
};

}  // namespace helios::sim
