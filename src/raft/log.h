#pragma once
// RaftLog: the log as the core sees it: the durable part (through Storage) plus the
// unstable tail (entries, and a snapshot received but not yet installed), and the commit and
// applied indexes (etcd/raft's log.go).
//
// The log covers (first_index() - 1, last_index()]: index first_index() - 1 is the last one
// compacted away (0 for a full log) and its term is still known. Everything at or below the
// newest snapshot's index is committed.
//
// Invariants (checked on every change):
//   first_index() - 1 <= applied <= committed <= last_index();  committed never decreases.
//   Entries at or below committed are never truncated (that would lose a committed entry:
//   PANIC, since it means the cluster or the disk broke Raft's guarantees).

#include <cstdint>
#include <optional>
#include <vector>

#include "raft/storage.h"
#include "raft/unstable.h"

namespace helios::raft {

class RaftLog {
 public:
  RaftLog(const Storage& storage, Index applied);

  const Storage& storage() const { return storage_; }
  Index first_index() const;
  Index last_index() const;
  Term last_term() const { return term_or_zero(last_index()); }
  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  // A snapshot restore() accepted that the node has not installed yet.
  const std::optional<SnapshotMeta>& pending_snapshot() const { return unstable_.snapshot(); }
  // Last index known durable (everything before the unstable tail).
  Index stable_last_index() const { return unstable_.offset() - 1; }

  // Term of the entry at index; 0 when it is out of range (compacted or not there).
  Term term_or_zero(Index index) const;
  bool match_term(Index index, Term term) const;

  // §5.4.1: is a log ending at (last_index, last_term) at least as up to date as ours?
  bool is_up_to_date(Index last_index, Term last_term) const;

  // Entries [lo, last] bounded by count and bytes (at least one entry if lo <= last).
  std::vector<Entry> entries_from(Index lo, std::uint64_t max_count, std::uint64_t max_bytes) const;

  // AppendEntries on a follower (§5.3). Returns the last new index on success, nothing when
  // (prev_index, prev_term) does not match our log.
  std::optional<Index> maybe_append(Index prev_index, Term prev_term, Index leader_commit,
                                    const std::vector<Entry>& entries);

  // Appends entries following the last one (leader path). Returns the new last index.
  Index append(const std::vector<Entry>& entries);

  // Fast backtracking (§5.3, thesis): the largest index <= index whose term is <= term.
  Index find_conflict_by_term(Index index, Term term) const;

  void commit_to(Index index);
  void applied_to(Index index);
  bool stable_to(Index index, Term term) { return unstable_.stable_to(index, term); }
  // Replaces the whole log with `snapshot` (whose index must be above committed): the log
  // then starts after it, and it is committed. The node installs it from the next Ready.
  void restore(const SnapshotMeta& snapshot);
  // The node installed the pending snapshot at `index`: the state machine now reflects it.
  void snapshot_installed(Index index);

  const std::vector<Entry>& unstable_entries() const { return unstable_.entries(); }
  // Committed entries not applied yet, bounded by bytes (at least one if any).
  std::vector<Entry> next_committed_entries(std::uint64_t max_bytes) const;
  // None while a snapshot waits to be installed (the entries after it come after it).
  bool has_next_committed_entries() const {
    return committed_ > applied_ && !unstable_.snapshot().has_value();
  }

 private:
  Index find_conflict(const std::vector<Entry>& entries) const;
  std::vector<Entry> slice(Index lo, Index hi, std::uint64_t max_bytes) const;

  const Storage& storage_;
  Unstable unstable_;
  Index committed_ = 0;
  Index applied_ = 0;
};

}  // namespace helios::raft
