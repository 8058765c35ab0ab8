#pragma once
// Wal: the segmented write-ahead log holding a node's Raft log and hard state; implements
// raft::Storage. The format is in wal_format.h and docs/formats.md.
//
// Writing: append() encodes the hard state (if any) and the entries into one buffer and
// writes it with one write; sync() makes everything written durable with one fdatasync of
// the open segment (plus a directory fsync when a segment was created since the last
// sync). A batch of many entries therefore costs one write and one fdatasync (group
// commit). Entries that replace a conflicting suffix are preceded by a kTruncate record:
// truncation is itself an append, so it is as crash-safe as any other write.
//
// Segments: the open segment rolls over at `segment_bytes`; the old one is synced before
// the new one is created, so only the last segment can ever have a torn tail.
//
// Recovery (open()): every record's checksum is verified. A torn tail in the last segment
// (short or bad record, or a torn header of a segment created just before a crash) is cut
// off; damage anywhere else fails open() with kCorruption naming the file and the offset.
//
// Reading: the term and location of every entry are kept in memory, so term() is a lookup
// and reading entry i is one pread (whose record checksum is verified again).
//
// Errors: a failed write or sync poisons the Wal: every later call fails. The caller must
// stop the node (the kernel may have dropped the data).
//
// Not thread-safe: one thread at a time (the node's loop thread; the runtime's storage
// thread only runs sync() while the loop writes nothing).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "env/file_system.h"
#include "raft/storage.h"
#include "storage/wal_format.h"

namespace helios::storage {

struct WalOptions {
  std::uint64_t segment_bytes = 64u << 20;
};

struct WalStats {
  std::uint64_t segments = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t syncs = 0;
  std::uint64_t torn_bytes_cut = 0;  // cut from the tail at the last open()
};

class Wal final : public raft::Storage {
 public:
  static Result<std::unique_ptr<Wal>> open(env::FileSystem& fs, const std::string& dir,
                                           const WalOptions& options);
  ~Wal() override;

  // raft::Storage
  raft::InitialState initial_state() const override;
  Result<std::vector<raft::Entry>> entries(Index lo, Index hi,
                                           std::uint64_t max_bytes) const override;
  Result<Term> term(Index index) const override;
  Index first_index() const override { return mark_.index + 1; }
  Index last_index() const override { return mark_.index + locations_.size(); }
  raft::SnapshotMeta snapshot_meta() const override;
  std::vector<Index> conf_entry_indexes() const override;

  // The membership is not stored in the WAL (it comes from the data directory's
  // configuration until membership changes arrive); the owner sets it after open().
  void set_conf_state(const raft::ConfState& conf) { conf_state_ = conf; }
  // The newest durable snapshot (the WAL does not store it: the snapshot files do). The
  // owner sets it after open() and after each new snapshot is durable; snapshot_meta()
  // answers it. Its index must be at or above the compaction mark and within the log.
  void set_snapshot(const raft::SnapshotMeta& snapshot);
  const raft::HardState& hard_state() const { return hard_state_; }

  // Writes `hard_state` (if set) and `entries` (replacing any entries from
  // entries.front().index on; that index must be in [first_index(), last_index() + 1]).
  // Readable at once, durable after sync().
  Status append(const std::optional<raft::HardState>& hard_state,
                const std::vector<raft::Entry>& entries);
  Status sync();

  // Entries up to `mark.index` are now in a snapshot: records it, then removes every
  // segment that holds only such entries. `mark.index` must be <= last_index() or the log
  // restarts after it.
  Status compact(const SnapshotMark& mark);

  // A snapshot received from the leader replaces the whole log: every entry is discarded
  // (a kTruncate record) and the log restarts after `snapshot` (a kSnapshotMark record),
  // whatever the entries at or below its index were. Buffered like append(): durable after
  // sync(). The snapshot file must already be durable: a crash before the sync can leave the
  // old log, the reset one, or (the kTruncate record kept, the mark lost) an empty log at the
  // old start; recovery (node/recovery.h) then redoes the reset from the snapshot file.
  Status reset_to_snapshot(const raft::SnapshotMeta& snapshot);

  // Entries up to mark().index are compacted away (0: none).
  const SnapshotMark& mark() const { return mark_; }
  const WalStats& stats() const { return stats_; }
  std::vector<std::string> segment_paths() const;

 private:
  struct Location {
    Term term;
    std::uint64_t seq;
    std::uint64_t offset;
    std::uint32_t size;
    bool conf = false;  // a kConfChange entry
  };
  struct Segment {
    std::uint64_t seq;
    std::unique_ptr<env::File> file;
  };
  friend class WalRecovery;

  Wal(env::FileSystem& fs, std::string dir, const WalOptions& options);
  void add_record(const Record& record);
  Status flush();
  Status roll_segment();
  Status create_segment(std::uint64_t seq);
  Status fail(Status status);
  const Segment& segment(std::uint64_t seq) const;

  env::FileSystem& fs_;
  std::string dir_;
  WalOptions options_;
  raft::HardState hard_state_;
  raft::ConfState conf_state_;
  raft::SnapshotMeta snapshot_;  // newest durable snapshot; index 0: none set
  SnapshotMark mark_;
  std::deque<Location> locations_;  // locations_[i] holds entry mark_.index + 1 + i
  std::deque<Segment> segments_;
  std::string buffer_;               // encoded, not yet written to the open segment
  std::uint64_t buffer_offset_ = 0;  // file offset at which buffer_ will land
  bool dir_dirty_ = false;
  Status poisoned_;
  WalStats stats_;
};

}  // namespace helios::storage
