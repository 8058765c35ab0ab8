#pragma once
// Wal: the segmented write-ahead log holding a node's Raft log and hard state; implements
// raft::Storage. The format is in wal_format.h and docs/formats.md.
//
// Writing: append() encodes the hard state (if any) and the entries into one buffer (each
// entry encoded in place; the data of an entry of kWalGatherBytes or more is not copied but
// spliced in from the log's shared buffer) and writes it with one (gather) write at the end
// of the records of the open segment; sync() makes everything written durable with one fdatasync
// of the open segment (plus a directory fsync when a segment was created since the last
// sync). A batch of many entries therefore costs one write and one fdatasync (group commit).
// Entries that replace a conflicting suffix are preceded by a kTruncate record: truncation is
// itself an append, so it is as crash-safe as any other write.
//
// Segments: the open segment rolls over at `segment_bytes`; the old one is cut to the end of
// its records and synced before the new one is named, so only the last segment can ever have
// a torn tail, and only the last can have free space after its records.
//
// Preallocation (WalOptions::preallocate, the default): a segment is written in place into a
// file that already holds `segment_bytes` of written, synced zeros, so the fdatasync after an
// append changes no file size or block map and commits no metadata (the speed of a pure
// overwrite). The file is prepared under the name kSpareSegmentName and becomes a segment by
// writing its header, hard state and mark records at offset 0, syncing it, and renaming it;
// a name "<seq>.wal" therefore always points at a file whose header is durable. The spare
// is either a segment that compaction freed (recycled: its stale records carry an older
// seq, so their checksums never verify in the new segment) or a new file, zero-filled a
// chunk per sync() from the time the open segment is a quarter full (etcd's file pipeline,
// without a thread), but only while syncs are small: zeros double the bytes a streaming log
// writes, so a log syncing large batches leaves new segments to grow by appends (recycled
// segments still come from compaction). Rolling over never waits for zeros: a spare that is
// not complete is used as it is. Open removes a spare left by a crash (it may hold records of
// a seq that is not yet used) and zero-fills the first segment of an empty log.
//
// Recovery (open()): every record's checksum is verified. In the last segment, a record
// header of 16 zero bytes ends the log (preallocated space follows); a record that does not
// verify ends it too (a torn write), unless the record its length points to verifies, which
// is corruption. Whatever follows the end of the last segment, if not all zeros, is cut off
// (the file is truncated there, so a torn write's leftovers can never line up with later
// records; that segment then grows by appends until it rolls). A torn header of a segment
// created just before a crash removes it. Damage anywhere else fails open() with
// kCorruption naming the file and the offset. Directories written without preallocation
// (this format's earlier writers) open unchanged.
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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/gather_buffer.h"
#include "env/file_system.h"
#include "raft/storage.h"
#include "storage/wal_format.h"

namespace helios::storage {

// Entries with at least this much data are written from the buffer the log shares (a gather
// write: header and fixed fields from the record buffer, then the data where it is); smaller
// ones are copied into the record buffer, which costs less than another piece of the write.
inline constexpr std::size_t kWalGatherBytes = base::GatherBuffer::kSpliceMinBytes;

struct WalOptions {
  std::uint64_t segment_bytes = 64u << 20;
  // Write segments in place into preallocated (zero-filled or recycled) files; off: every
  // segment grows by appends, as the writers before preallocation did.
  bool preallocate = true;
  // Closes a segment file that compaction removed (or a spare it dropped): the file is
  // unlinked while still open, so that the close, not the unlink, frees its blocks. Empty:
  // closed at once. The runtime closes them on its worker thread: on ext4 mounted with
  // `discard` freeing a 64 MiB segment takes ~45 ms, and one compaction can release dozens,
  // which stalled the Ready loop (and the leader's heartbeats) for over half a second.
  std::function<void(std::unique_ptr<env::File>)> dispose;
};

// The file a segment is prepared in before it is renamed "<seq>.wal".
inline constexpr char kSpareSegmentName[] = "spare-segment.tmp";

struct WalStats {
  std::uint64_t segments = 0;
  std::uint64_t bytes_written = 0;       // records only (not the zeros of preallocation)
  std::uint64_t syncs = 0;               // fdatasyncs of segments (spares not counted)
  std::uint64_t torn_bytes_cut = 0;      // cut from the tail at the last open()
  std::uint64_t zero_bytes_written = 0;  // zeros written to prepare segments
  std::uint64_t segments_recycled = 0;   // segments freed by compaction kept as the spare
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

  // The lowest index i >= first_index() such that the records of entries i..hi hold at most
  // `max_bytes` (hi + 1 when entry hi alone holds more). hi must be <= last_index().
  Index first_index_within_bytes(Index hi, std::uint64_t max_bytes) const;

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
  void add_entry(const raft::Entry& entry);
  Status flush();
  Status roll_segment();
  // Makes segment `seq` the open one, holding the header, the hard state and the mark. With
  // preallocation its file is the spare, zero-filled first up to `fill` bytes.
  Status create_segment(std::uint64_t seq, std::uint64_t fill);
  Status fail(Status status);
  // Hands a removed file to options_.dispose (or closes it at once).
  void dispose(std::unique_ptr<env::File> file);
  // Spare segment file (wal_spare.cc).
  std::string spare_path() const;
  Status remove_stale_spare();
  Status open_spare(env::OpenMode mode);
  // Zero-fills the spare up to `target` bytes (at most `max_bytes` of zeros in this call),
  // then syncs it if it wrote anything.
  Status fill_spare(std::uint64_t target, std::uint64_t max_bytes);
  // One step of preparing the next segment, run after a successful sync() that made
  // `synced_bytes` durable.
  Status prepare_ahead(std::uint64_t synced_bytes);
  // Compaction frees the segment at the front: kept as the spare if that is worth more than
  // the spare there is, else removed.
  Status release_front_segment();
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
  // Encoded, not yet written to the open segment: records, with the data of large entries
  // spliced in (written from the log's shared buffer, not copied).
  base::GatherBuffer pending_;
  std::vector<std::string_view> pieces_;  // flush()'s scratch list
  std::uint64_t buffer_offset_ = 0;       // file offset at which pending_ will land
  bool dir_dirty_ = false;
  std::unique_ptr<env::File> spare_;  // the next segment's file, being prepared; or none
  std::uint64_t spare_ready_ = 0;     // bytes of spare_ known written (zeros or stale records)
  std::uint64_t synced_written_ = 0;  // stats_.bytes_written at the last sync()
  Status poisoned_;
  WalStats stats_;
};

}  // namespace helios::storage
