#pragma once
// ConfigHistory: the configurations a node's log holds (thesis §4.1: a server always uses the
// latest configuration in its log, committed or not). The core keeps one record per
// configuration entry still in the log, on top of a base (the snapshot's configuration, or
// the bootstrap voters), so that:
//   - the configuration in force is known at once (current());
//   - when a follower's uncommitted tail is replaced, the configuration before it comes back
//     (truncate());
//   - a snapshot at any applied index can carry the configuration in force there (at()).
//
// Invariant: records ascend strictly by index; the first is the base and is never dropped by
// truncate() (its entry is at or below the snapshot, hence committed).

#include <functional>
#include <vector>

#include "raft/types.h"

namespace helios::raft {

struct ConfigAt {
  Index index = 0;  // the configuration entry's index (the base: the snapshot's, or 0)
  Term term = 0;    // its term
  ConfState conf;
};

class ConfigHistory {
 public:
  explicit ConfigHistory(ConfigAt base) { reset(std::move(base)); }

  // Forgets every record: `base` is now the only configuration (a snapshot replaced the log).
  void reset(ConfigAt base);
  // A configuration entry at an index above every record's.
  void append(ConfigAt record);
  // Drops every record (but the base) whose entry the log no longer holds: above
  // `last_index`, or with another term there (`term_of` answers the log's term, 0 if none).
  // Returns true if the current configuration changed.
  bool truncate(Index last_index, const std::function<Term(Index)>& term_of);
  // Forgets records no longer needed: all but the newest at or below `applied` are below
  // anything a snapshot or a truncation can ask for.
  void prune(Index applied);

  const ConfigAt& current() const { return records_.back(); }
  // The configuration in force at `index` (the newest record at or below it); `index` must
  // not be below the first record's.
  const ConfigAt& at(Index index) const;
  const std::vector<ConfigAt>& records() const { return records_; }

 private:
  std::vector<ConfigAt> records_;
};

}  // namespace helios::raft
