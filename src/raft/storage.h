#pragma once
// Storage: the core's read-only view of the node's durable state (the log that has been
// persisted, the hard state, the membership). The node writes through its own
// implementation (MemoryStorage here; the WAL in src/storage/) and then tells the core,
// through RawNode::advance, what is now durable.
//
// Contract (after etcd/raft's Storage):
//  - The log holds entries (first_index() - 1, last_index()]; index first_index() - 1 is the
//    last index covered by the snapshot (0 for a fresh log) and term() answers for it.
//  - entries() and term() answer kCompacted below that range and kUnavailable above it.
//  - Any other error makes the core inoperable: it PANICs (the disk cannot be trusted).
//  - Called only from the thread that owns the core.

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "raft/types.h"

namespace helios::raft {

struct InitialState {
  HardState hard_state;
  ConfState conf_state;
};

class Storage {
 public:
  virtual ~Storage() = default;

  virtual InitialState initial_state() const = 0;
  // Entries [lo, hi), at least one if any exists, then only while their total byte_size()
  // stays within max_bytes.
  virtual Result<std::vector<Entry>> entries(Index lo, Index hi, std::uint64_t max_bytes) const = 0;
  virtual Result<Term> term(Index index) const = 0;
  virtual Index first_index() const = 0;
  virtual Index last_index() const = 0;
  virtual SnapshotMeta snapshot_meta() const = 0;
  // The indexes of the kConfChange entries in the log, ascending (the core reads them at
  // start to know the configuration in force).
  virtual std::vector<Index> conf_entry_indexes() const = 0;
};

}  // namespace helios::raft
