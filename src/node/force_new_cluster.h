#pragma once
// Disaster recovery when a cluster's majority is lost for good (--force-new-cluster,
// docs/disaster-recovery.md): a stopped survivor rewrites its configuration to itself alone
// and keeps its data; started again, it elects itself and commits what its log holds, and
// others join it.
//
// force_new_configuration() appends one configuration entry to the node's WAL and syncs it:
//   - voters = {self}, no learners, not joint; the context is the address book (node/
//     members.h) cut down to this node (its addresses from the book, or from `self` when the
//     book does not have them);
//   - at index last_index() + 1, with term T + 1 where T is the greater of the hard state's
//     term and the last entry's term; the hard state moves to term T + 1 with a vote for
//     self and keeps its commit index.
// A server uses the newest configuration in its log, committed or not (thesis §4.1), so
// from its next start the node is a one-voter cluster: it wins its own election, and the
// entry its new term commits commits every entry before it. Entries above the old commit
// index were never known committed here: the old cluster may or may not have committed
// them (a client may have been told they failed or timed out). They are kept, so nothing
// the old cluster acknowledged and this node received is lost; acknowledged writes this node
// never received are lost, and the report says from which index on that is possible.
//
// Nothing else changes: the snapshot, the state machine and the entries stay as they are.
// The caller must not have started the Raft core on `wal` yet.

#include "base/status.h"
#include "node/members.h"
#include "raft/types.h"
#include "storage/wal.h"

namespace helios::node {

struct ForcedConfiguration {
  raft::ConfState previous;  // the configuration in force before (the newest in the log)
  raft::ConfState forced;    // {self}
  Index commit = 0;          // the commit index this node knew
  Index last_index = 0;      // its last entry before the forced one
  Term last_term = 0;
  Index forced_index = 0;  // the forced configuration's entry
  Term term = 0;           // the new term (the forced entry's)
};

// `self` supplies this node's addresses when the configuration's address book has none.
// Errors: the WAL's (which is then poisoned: the node must not start), or kCorruption if a
// configuration entry in the log does not decode.
Result<ForcedConfiguration> force_new_configuration(storage::Wal& wal, const Member& self);

// The operator's summary: what changed, what was not known committed, what may be lost.
std::string describe(const ForcedConfiguration& forced);

}  // namespace helios::node
