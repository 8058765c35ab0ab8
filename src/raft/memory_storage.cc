#include "raft/memory_storage.h"

#include <algorithm>

#include "base/assert.h"

namespace helios::raft {

MemoryStorage::MemoryStorage() {
  entries_.push_back(Entry{});
}

InitialState MemoryStorage::initial_state() const {
  return InitialState{hard_state_, snapshot_.conf_state};
}

Index MemoryStorage::first_index() const {
  return entries_.front().index + 1;
}

Index MemoryStorage::last_index() const {
  return entries_.front().index + entries_.size() - 1;
}

Result<Term> MemoryStorage::term(Index index) const {
  const Index offset = entries_.front().index;
  if (index < offset) {
    return Status(Code::kCompacted, "index " + std::to_string(index));
  }
  if (index - offset >= entries_.size()) {
    return Status(Code::kUnavailable, "index " + std::to_string(index));
  }
  return entries_[index - offset].term;
}

Result<std::vector<Entry>> MemoryStorage::entries(Index lo, Index hi,
                                                  std::uint64_t max_bytes) const {
  HELIOS_ASSERT(lo <= hi);
  const Index offset = entries_.front().index;
  if (lo <= offset) {
    return Status(Code::kCompacted, "index " + std::to_string(lo));
  }
  if (hi > last_index() + 1) {
    return Status(Code::kUnavailable, "index " + std::to_string(hi));
  }
  std::vector<Entry> out;
  std::uint64_t bytes = 0;
  for (Index i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - offset];
    bytes += e.byte_size();
    if (!out.empty() && bytes > max_bytes) {
      break;
    }
    out.push_back(e);
  }
  return out;
}

void MemoryStorage::append(const std::vector<Entry>& entries) {
  if (entries.empty()) {
    return;
  }
  const Index first = entries.front().index;
  HELIOS_ASSERT(first >= first_index());
  HELIOS_ASSERT(first <= last_index() + 1);
  entries_.resize(first - entries_.front().index);
  for (const Entry& e : entries) {
    HELIOS_ASSERT(e.index == entries_.back().index + 1);
    HELIOS_ASSERT(e.term >= entries_.back().term);
    entries_.push_back(e);
  }
}

std::vector<Entry> MemoryStorage::all_entries() const {
  return std::vector<Entry>(entries_.begin() + 1, entries_.end());
}

void MemoryStorage::apply_snapshot(const SnapshotMeta& snapshot) {
  HELIOS_ASSERT(snapshot.index > snapshot_.index);
  snapshot_ = snapshot;
  entries_.clear();
  entries_.push_back(Entry{.term = snapshot.term, .index = snapshot.index});
  hard_state_.commit = std::max(hard_state_.commit, snapshot.index);
}

void MemoryStorage::create_snapshot(Index index, const ConfState& conf) {
  HELIOS_ASSERT(index >= snapshot_.index);
  HELIOS_ASSERT(index <= last_index());
  snapshot_ = SnapshotMeta{index, term(index).value(), conf};
}

void MemoryStorage::compact(Index index) {
  HELIOS_ASSERT(index <= snapshot_.index);
  const Index offset = entries_.front().index;
  if (index <= offset) {
    return;
  }
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<long>(index - offset));
}

std::vector<Index> MemoryStorage::conf_entry_indexes() const {
  std::vector<Index> out;
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    if (entries_[i].type == EntryType::kConfChange) {
      out.push_back(entries_[i].index);
    }
  }
  return out;
}

}  // namespace helios::raft
