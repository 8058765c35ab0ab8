#include "raft/log.h"

#include <algorithm>

#include "base/assert.h"

namespace helios::raft {

RaftLog::RaftLog(const Storage& storage, Index applied)
    : storage_(storage), unstable_(storage.last_index() + 1) {
  const Index first = storage.first_index();
  // Everything a snapshot covers is committed, even if the hard state's commit index (which
  // is not synced on its own) lags behind it.
  const Index snapshot = storage.snapshot_meta().index;
  HELIOS_ASSERT_MSG(snapshot + 1 >= first, "the log was compacted past the newest snapshot");
  HELIOS_ASSERT_MSG(snapshot <= storage.last_index(), "the snapshot is beyond the log");
  committed_ = std::max(first - 1, snapshot);
  applied_ = first - 1;
  const HardState hs = storage.initial_state().hard_state;
  if (hs.commit > committed_) {
    HELIOS_ASSERT(hs.commit <= last_index());
    committed_ = hs.commit;
  }
  if (applied > applied_) {
    HELIOS_ASSERT(applied <= committed_);
    applied_ = applied;
  }
}

Index RaftLog::first_index() const {
  if (auto first = unstable_.maybe_first_index()) {
    return *first;
  }
  return storage_.first_index();
}

void RaftLog::restore(const SnapshotMeta& snapshot) {
  HELIOS_ASSERT(snapshot.index > committed_);
  committed_ = snapshot.index;
  unstable_.restore(snapshot);
}

void RaftLog::snapshot_installed(Index index) {
  if (!unstable_.snapshot().has_value() || unstable_.snapshot()->index != index) {
    return;
  }
  unstable_.stable_snapshot_to(index);
  HELIOS_ASSERT(index <= committed_);
  applied_ = std::max(applied_, index);
}

Index RaftLog::last_index() const {
  if (auto last = unstable_.maybe_last_index()) {
    return *last;
  }
  return storage_.last_index();
}

Term RaftLog::term_or_zero(Index index) const {
  if (auto t = unstable_.maybe_term(index)) {
    return *t;
  }
  if (index >= unstable_.offset() || unstable_.snapshot().has_value()) {
    return 0;  // beyond the log, or replaced by the pending snapshot
  }
  const Index dummy = first_index() - 1;
  if (index < dummy) {
    return 0;
  }
  Result<Term> t = storage_.term(index);
  if (!t.is_ok()) {
    if (t.status().code() == Code::kCompacted || t.status().code() == Code::kUnavailable) {
      return 0;
    }
    HELIOS_PANIC("storage term(%llu): %s", static_cast<unsigned long long>(index),
                 t.status().to_string().c_str());
  }
  return t.value();
}

bool RaftLog::match_term(Index index, Term term) const {
  if (index > last_index()) {
    return false;
  }
  if (index == 0) {
    return term == 0;
  }
  return term_or_zero(index) == term;
}

bool RaftLog::is_up_to_date(Index index, Term term) const {
  const Term our_term = last_term();
  return term > our_term || (term == our_term && index >= last_index());
}

Index RaftLog::find_conflict(const std::vector<Entry>& entries) const {
  for (const Entry& e : entries) {
    if (!match_term(e.index, e.term)) {
      return e.index;
    }
  }
  return 0;
}

Index RaftLog::find_conflict_by_term(Index index, Term term) const {
  const Index floor = first_index() - 1;
  for (; index > floor; --index) {
    if (term_or_zero(index) <= term) {
      return index;
    }
  }
  return floor;
}

std::optional<Index> RaftLog::maybe_append(Index prev_index, Term prev_term, Index leader_commit,
                                           const std::vector<Entry>& entries) {
  if (!match_term(prev_index, prev_term)) {
    return std::nullopt;
  }
  const Index last_new = prev_index + entries.size();
  const Index conflict = find_conflict(entries);
  if (conflict != 0) {
    if (conflict <= committed_) {
      HELIOS_PANIC("entry %llu conflicts with committed entry (committed %llu)",
                   static_cast<unsigned long long>(conflict),
                   static_cast<unsigned long long>(committed_));
    }
    const std::vector<Entry> suffix(entries.begin() + static_cast<long>(conflict - prev_index - 1),
                                    entries.end());
    unstable_.truncate_and_append(suffix);
  }
  commit_to(std::min(leader_commit, last_new));
  return last_new;
}

Index RaftLog::append(const std::vector<Entry>& entries) {
  if (entries.empty()) {
    return last_index();
  }
  HELIOS_ASSERT(entries.front().index == last_index() + 1);
  unstable_.truncate_and_append(entries);
  return last_index();
}

void RaftLog::commit_to(Index index) {
  if (index <= committed_) {
    return;
  }
  HELIOS_ASSERT_MSG(index <= last_index(), "commit beyond the last index");
  committed_ = index;
}

void RaftLog::applied_to(Index index) {
  if (index == 0) {
    return;
  }
  HELIOS_ASSERT(index <= committed_);
  HELIOS_ASSERT(index >= applied_);
  applied_ = index;
}

std::vector<Entry> RaftLog::slice(Index lo, Index hi, std::uint64_t max_bytes) const {
  std::vector<Entry> out;
  if (lo >= hi) {
    return out;
  }
  HELIOS_ASSERT(lo >= first_index());
  HELIOS_ASSERT(hi <= last_index() + 1);
  const Index split = unstable_.offset();
  if (lo < split) {
    Result<std::vector<Entry>> stored = storage_.entries(lo, std::min(hi, split), max_bytes);
    if (!stored.is_ok()) {
      HELIOS_PANIC("storage entries(%llu): %s", static_cast<unsigned long long>(lo),
                   stored.status().to_string().c_str());
    }
    out = std::move(stored).value();
    if (out.size() < std::min(hi, split) - lo) {
      return out;  // the byte budget ran out inside storage
    }
  }
  if (hi > split) {
    std::uint64_t bytes = 0;
    for (const Entry& e : out) {
      bytes += e.byte_size();
    }
    for (const Entry& e : unstable_.slice(std::max(lo, split), hi)) {
      bytes += e.byte_size();
      if (!out.empty() && bytes > max_bytes) {
        break;
      }
      out.push_back(e);
    }
  }
  return out;
}

std::vector<Entry> RaftLog::entries_from(Index lo, std::uint64_t max_count,
                                         std::uint64_t max_bytes) const {
  const Index last = last_index();
  if (lo > last) {
    return {};
  }
  const Index hi = std::min(last + 1, lo + std::max<std::uint64_t>(max_count, 1));
  return slice(lo, hi, max_bytes);
}

std::vector<Entry> RaftLog::next_committed_entries(std::uint64_t max_bytes) const {
  if (!has_next_committed_entries()) {
    return {};
  }
  HELIOS_ASSERT_MSG(applied_ + 1 >= first_index(), "entries to apply were compacted");
  return slice(applied_ + 1, committed_ + 1, max_bytes);
}

}  // namespace helios::raft
