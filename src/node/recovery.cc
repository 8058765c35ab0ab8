#include "node/recovery.h"

namespace helios::node {

Result<Index> recover_from_snapshot(const storage::SnapshotStore& snapshots, storage::Wal& wal,
                                    AtlasMachine& machine) {
  Result<std::optional<storage::Snapshot>> loaded = snapshots.load_latest();
  if (!loaded.is_ok()) {
    return loaded.status();
  }
  if (!loaded.value().has_value()) {
    if (wal.mark().index > 0) {
      return Status(Code::kCorruption,
                    "the log in " + snapshots.dir() + "/../wal starts after entry " +
                        std::to_string(wal.mark().index) + " but no snapshot in " +
                        snapshots.dir() + " covers the entries before it");
    }
    return Index{0};
  }
  storage::Snapshot& snap = *loaded.value();
  const raft::SnapshotMeta& meta = snap.meta;
  if (wal.mark().index > meta.index) {
    return Status(Code::kCorruption, "the log was compacted up to entry " +
                                         std::to_string(wal.mark().index) +
                                         " but the newest snapshot " + snapshots.path_of(meta) +
                                         " covers only up to " + std::to_string(meta.index));
  }
  Result<AtlasState> state = AtlasMachine::decode_snapshot_data(snap.data);
  if (!state.is_ok()) {
    return Status(state.status().code(),
                  "snapshot " + snapshots.path_of(meta) + ": " + state.status().message());
  }
  const Result<Term> term = wal.term(meta.index);
  if (wal.mark().index == meta.index && term.value() != meta.term) {
    return Status(Code::kCorruption, "the log's start (entry " + std::to_string(meta.index) +
                                         ", term " + std::to_string(term.value()) +
                                         ") disagrees with the newest snapshot " +
                                         snapshots.path_of(meta));
  }
  if (!term.is_ok() || term.value() != meta.term) {
    if (Status s = wal.reset_to_snapshot(meta); !s.is_ok()) {
      return s;
    }
    if (Status s = wal.sync(); !s.is_ok()) {
      return s;
    }
  }
  wal.set_snapshot(meta);
  machine.restore(std::move(state).value());
  return meta.index;
}

}  // namespace helios::node
