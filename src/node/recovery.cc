#include "node/recovery.h"

#include "base/log.h"

namespace helios::node {

namespace {

// The newest snapshot is damaged: the one before it can stand in only if the log still holds
// every entry from it to past the damaged one (so nothing this node acknowledged is lost).
Result<std::optional<storage::Snapshot>> fall_back(storage::SnapshotStore& snapshots,
                                                   const storage::Wal& wal, const Status& damage) {
  Result<std::vector<std::pair<Term, Index>>> stored = snapshots.stored();
  if (!stored.is_ok() || stored.value().size() < 2) {
    return damage;
  }
  const auto newest = stored.value()[0];
  Result<storage::Snapshot> older = snapshots.load(stored.value()[1]);
  if (!older.is_ok()) {
    return damage;
  }
  const raft::SnapshotMeta& meta = older.value().meta;
  const Result<Term> term = wal.term(meta.index);
  if (!term.is_ok() || term.value() != meta.term || wal.last_index() < newest.second) {
    return Status(damage.code(), damage.message() +
                                     "; the older snapshot cannot stand in: the log no longer "
                                     "holds every entry after it");
  }
  HELIOS_LOG_WARN("snapshot",
                  "%s; using the older snapshot %s and the log after it (the "
                  "damaged file is renamed *.damaged)",
                  damage.message().c_str(), snapshots.path_of(meta).c_str());
  if (Status s = snapshots.set_aside(newest); !s.is_ok()) {
    return s;
  }
  return std::optional<storage::Snapshot>(std::move(older).value());
}

}  // namespace

Result<Index> recover_from_snapshot(storage::SnapshotStore& snapshots, storage::Wal& wal,
                                    AtlasMachine& machine) {
  Result<std::optional<storage::Snapshot>> loaded = snapshots.load_latest();
  if (!loaded.is_ok() && loaded.status().code() == Code::kCorruption) {
    loaded = fall_back(snapshots, wal, loaded.status());
  }
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
