#include "raft/unstable.h"

#include "base/assert.h"

namespace helios::raft {

std::optional<Index> Unstable::maybe_last_index() const {
  if (entries_.empty()) {
    return std::nullopt;
  }
  return offset_ + entries_.size() - 1;
}

std::optional<Term> Unstable::maybe_term(Index index) const {
  if (index < offset_ || index - offset_ >= entries_.size()) {
    return std::nullopt;
  }
  return entries_[index - offset_].term;
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
    // overwrites storage from `from` when it persists these.
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
