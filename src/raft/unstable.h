#pragma once
// Unstable: the tail of the log that the core has appended but the node has not yet
// reported durable, and a snapshot received from the leader that the node has not yet
// installed (etcd/raft's log_unstable.go).
//
// Invariants: entries_ are contiguous from offset_; when empty, offset_ is the index the
// next entry would take (last stable index + 1). With a snapshot pending, offset_ is
// snapshot.index + 1: the snapshot replaces the whole stable log.

#include <optional>
#include <vector>

#include "raft/types.h"

namespace helios::raft {

class Unstable {
 public:
  explicit Unstable(Index offset) : offset_(offset) {}

  Index offset() const { return offset_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<SnapshotMeta>& snapshot() const { return snapshot_; }
  // snapshot.index + 1 when a snapshot is pending.
  std::optional<Index> maybe_first_index() const;
  std::optional<Index> maybe_last_index() const;
  std::optional<Term> maybe_term(Index index) const;

  // Entries up to `index` (with `term` there) are durable: drop them. Ignored when the
  // entry at `index` is no longer the one that was persisted (a later truncation replaced it).
  bool stable_to(Index index, Term term);
  // The pending snapshot at `index` is installed: forget it (ignored if it is another one).
  void stable_snapshot_to(Index index);
  // A snapshot replaces everything: the unstable entries and, once installed, the stable log.
  void restore(const SnapshotMeta& snapshot);

  // Appends, replacing whatever is at entries.front().index and after.
  void truncate_and_append(const std::vector<Entry>& entries);

  // Entries [lo, hi); lo >= offset_ and hi <= last + 1.
  std::vector<Entry> slice(Index lo, Index hi) const;

 private:
  Index offset_;
  std::vector<Entry> entries_;
  std::optional<SnapshotMeta> snapshot_;
};

}  // namespace helios::raft
