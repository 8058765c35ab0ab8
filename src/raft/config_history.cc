#include "raft/config_history.h"

#include <algorithm>

#include "base/assert.h"

namespace helios::raft {

void ConfigHistory::reset(ConfigAt base) {
  records_.clear();
  records_.push_back(std::move(base));
}

void ConfigHistory::append(ConfigAt record) {
  HELIOS_ASSERT_MSG(record.index > records_.back().index,
                    "configuration entries must be recorded in log order");
  records_.push_back(std::move(record));
}

bool ConfigHistory::truncate(Index last_index, const std::function<Term(Index)>& term_of) {
  const std::size_t before = records_.size();
  while (records_.size() > 1) {
    const ConfigAt& last = records_.back();
    if (last.index <= last_index && term_of(last.index) == last.term) {
      break;  // Log Matching: everything before a matching entry matches too
    }
    records_.pop_back();
  }
  return records_.size() != before;
}

void ConfigHistory::prune(Index applied) {
  // The newest record at or below `applied`: everything before it can go.
  auto keep = std::upper_bound(records_.begin(), records_.end(), applied,
                               [](Index i, const ConfigAt& r) { return i < r.index; });
  if (keep != records_.begin()) {
    --keep;
  }
  records_.erase(records_.begin(), keep);
  HELIOS_ASSERT(!records_.empty());
}

const ConfigAt& ConfigHistory::at(Index index) const {
  HELIOS_ASSERT_MSG(index >= records_.front().index, "configuration asked for below the log");
  auto it = std::upper_bound(records_.begin(), records_.end(), index,
                             [](Index i, const ConfigAt& r) { return i < r.index; });
  HELIOS_ASSERT(it != records_.begin());
  return *std::prev(it);
}

}  // namespace helios::raft
