#include "raft/unstable.h"

#include "base/assert.h"

namespace helios::raft {

std::optional<Index> Unstable::maybe_first_index() const {
  if (!snapshot_.has_value()) {
    return std::nullopt;
  }
  return snapshot_->index + 1;
}

std::optional<Index> Unstable::maybe_last_index() const {
  if (!entries_.empty()) {
    return offset_ + entries_.size() - 1;
  }
  if (snapshot_.has_value()) {
    return snapshot_->index;
  }
  return std::nullopt;
}

std::optional<Term> Unstable::maybe_term(Index index) const {
  if (index < offset_) {
    if (snapshot_.has_value() && snapshot_->index == index) {
      return snapshot_->term;
    }
    return std::nullopt;
  }
  if (index - offset_ >= entries_.size()) {
    return std::nullopt;
  }
  return entries_[index - offset_].term;
}

void Unstable::stable_snapshot_to(Index index) {
  if (snapshot_.has_value() && snapshot_->index == index) {
    snapshot_.reset();
  }
}

void Unstable::restore(const SnapshotMeta& snapshot) {
  HELIOS_ASSERT(snapshot.index > 0);
  offset_ = snapshot.index + 1;
  entries_.clear();
  snapshot_ = snapshot;
}

bool Unstable::stable_to(Index index, Term term) {
  const std::optional<Term> t = maybe_term(index);
  if (!t.has_value() || *t != term) {
    return false;
  }
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<long>(index + 1 - offset_));
  offset_ = index + 1;
  return true;
}

void Unstable::truncate_and_append(const std::vector<Entry>& entries) {
  if (entries.empty()) {
    return;
  }
  const Index from = entries.front().index;
  const Index end = offset_ + entries_.size();
  if (from == end) {
    entries_.insert(entries_.end(), entries.begin(), entries.end());
  } else if (from <= offset_) {
    // Replaces everything unstable, and possibly part of the stable log too: the node
    // overwrites storage from `from` when it persists these. A pending snapshot is never
    // cut into: the caller only truncates above the commit index, which covers it.
    HELIOS_ASSERT(!snapshot_.has_value() || from > snapshot_->index);
    offset_ = from;
    entries_ = entries;
  } else {
    HELIOS_ASSERT(from < end);
    entries_.resize(from - offset_);
    entries_.insert(entries_.end(), entries.begin(), entries.end());
  }
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    HELIOS_ASSERT(entries_[i].index == offset_ + i);
  }
}

std::vector<Entry> Unstable::slice(Index lo, Index hi) const {
  HELIOS_ASSERT(lo <= hi);
  HELIOS_ASSERT(lo >= offset_);
  HELIOS_ASSERT(hi <= offset_ + entries_.size());
  return std::vector<Entry>(entries_.begin() + static_cast<long>(lo - offset_),
                            entries_.begin() + static_cast<long>(hi - offset_));
}

}  // namespace helios::raft
