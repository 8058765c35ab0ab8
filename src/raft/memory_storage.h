#pragma once
// MemoryStorage: Storage kept in memory. Used by unit tests and by the simulator, which
// layers its own crash model (what was synced survives) on top of it.
//
// Invariants: entries_[0] is a dummy at the compaction point's (index, term), which is at or
// below the snapshot's index; indexes are contiguous; terms never decrease along the log.

#include <vector>

#include "raft/storage.h"

namespace helios::raft {

class MemoryStorage final : public Storage {
 public:
  MemoryStorage();

  InitialState initial_state() const override;
  Result<std::vector<Entry>> entries(Index lo, Index hi, std::uint64_t max_bytes) const override;
  Result<Term> term(Index index) const override;
  Index first_index() const override;
  Index last_index() const override;
  SnapshotMeta snapshot_meta() const override { return snapshot_; }
  std::vector<Index> conf_entry_indexes() const override;

  void set_hard_state(const HardState& hard_state) { hard_state_ = hard_state; }
  const HardState& hard_state() const { return hard_state_; }
  void set_conf_state(const ConfState& conf_state) { snapshot_.conf_state = conf_state; }

  // Appends entries, first replacing any existing entries from entries.front().index on.
  // entries.front().index must be in [first_index(), last_index() + 1].
  void append(const std::vector<Entry>& entries);

  // Replaces the whole log with `snapshot` (a snapshot received from the leader): the log
  // then starts after snapshot.index. Its index must be above the current snapshot's.
  void apply_snapshot(const SnapshotMeta& snapshot);
  // Records a snapshot of the state at `index` (<= last_index()) with membership `conf`.
  void create_snapshot(Index index, const ConfState& conf);
  // Drops the entries up to `index`, which the newest snapshot must cover.
  void compact(Index index);

  // All entries after the snapshot, for checkers and tests.
  std::vector<Entry> all_entries() const;

 private:
  HardState hard_state_;
  SnapshotMeta snapshot_;
  std::vector<Entry> entries_;
};

}  // namespace helios::raft
