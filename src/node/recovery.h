#pragma once
// Startup recovery of a node's state from its data directory: the newest snapshot and the
// WAL, reconciled. Production (Runtime) and the simulator (SimNode) both start this way.
//
//   1. The newest snapshot file is loaded and verified (SnapshotStore::load_latest). If it
//      is damaged, the one before it stands in only if the log still holds every entry from
//      it to past the damaged one; that is logged, and the damaged file renamed
//      "<name>.damaged". Otherwise recovery fails with kCorruption naming the file and the
//      node refuses to start (falling back further could lose entries this node
//      acknowledged, which the compacted log no longer holds).
//   2. The WAL must start no later than just after the snapshot; a WAL compacted beyond it
//      (snapshot files removed by hand) is kCorruption.
//   3. If the WAL does not hold the snapshot's last entry with the snapshot's term (a crash
//      between installing a received snapshot and resetting the WAL, or a torn WAL tail),
//      the WAL is reset to start after the snapshot and synced. A WAL that starts exactly
//      at the snapshot's index with another term cannot be (kCorruption).
//   4. The state machine is restored from the snapshot; the WAL learns the snapshot.
//
// Returns the index the state machine has applied (the snapshot's, 0 without one): the
// Raft core's Config::applied.

#include "base/status.h"
#include "node/atlas_machine.h"
#include "storage/snapshot_store.h"
#include "storage/wal.h"

namespace helios::node {

Result<Index> recover_from_snapshot(storage::SnapshotStore& snapshots, storage::Wal& wal,
                                    AtlasMachine& machine);

}  // namespace helios::node
