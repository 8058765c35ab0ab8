#pragma once
// SnapshotStore: the snapshot files of one node, in one directory (DataDir::snapshot_dir()).
// docs/formats.md ("Snapshot files") describes the format; this header is the authority.
//
// A snapshot file is named "snap-<term>-<index>.snap", term and index as 16 lowercase hex
// digits, so that name order is (term, index) order. Contents (integers little-endian):
//
//     0  magic "HELIOSSN"                          8 bytes
//     8  version (2)                               u32
//    12  reserved, zero                            u32
//    16  index (last index the snapshot covers)    u64   matches the file name
//    24  term (term of that entry)                 u64   matches the file name
//    32  configuration length c (<= kMaxSnapshotConfBytes)  u32
//    36  configuration in force at index           c bytes (raft/membership.h encoding)
//        data length L                             u64
//        data                                      L bytes
//        XXH3-64 (seed 0) of every byte before it  u64
//
// The file size is exactly 52 + c + L bytes; anything else is corruption. Version 1 files
// (still read) have at 32 a voter count n (at most kMaxSnapshotVoters) and n u64 voters
// instead of the configuration: 52 + 8n + L bytes.
//
// Writing (save): the file is written as "<name>.tmp", fsynced, renamed to <name>, and the
// directory fsynced: a file under its final name is always complete, so a crash at any
// point leaves the previous newest snapshot or the new one, never a torn one. Then all but
// the `keep` newest snapshots, and every stray "<name>.tmp", are removed and the directory
// fsynced again (a crash there only leaves extra files, which the next save removes).
// Snapshots never go backwards: a save whose term or index is below the newest stored
// snapshot's is refused (kInvalidArgument). So term and index grow together, and name
// order is also index order.
//
// Recovery (load_latest): only the newest snapshot is considered. If it fails verification
// the result is kCorruption naming the file; it is never silently skipped for an older one.
// Why: the WAL is compacted once a snapshot is durable, so the entries between an older
// snapshot and the newest one may be gone; falling back would leave a gap in the log or roll
// the state machine back behind what this node has acknowledged. Corruption stops the node
// with a clear message (docs/architecture.md principle 4); an operator who removes the damaged file
// (or re-seeds the node from a peer) does so knowingly.
//
// Errors: a failed write, sync, rename or removal in save() poisons the store: every later
// save() fails with the same status (the kernel may have dropped data; the caller must stop
// the node). Reads never poison.
//
// Not thread-safe: the node's loop thread owns it; read_verified_file() and path_of() (which
// touch no member state) may run on another thread, and write_temporary() in a forked child.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/arrival.h"
#include "base/status.h"
#include "env/file_system.h"
#include "raft/types.h"

namespace helios::storage {

inline constexpr char kSnapshotMagic[8] = {'H', 'E', 'L', 'I', 'O', 'S', 'S', 'N'};
// Version 2 holds the whole configuration; version 1 (voters only) is still read.
inline constexpr std::uint32_t kSnapshotVersion = 2;
// Magic, version, reserved, index, term, configuration length (version 1: voter count): the
// part before the configuration.
inline constexpr std::size_t kSnapshotFixedHeaderSize = 36;
// The data length before the data and the checksum after it.
inline constexpr std::size_t kSnapshotFramingSize = kSnapshotFixedHeaderSize + 8 + 8;
inline constexpr std::uint32_t kMaxSnapshotVoters = 4096;  // version 1
inline constexpr std::uint32_t kMaxSnapshotConfBytes = 256 * 1024;
// A snapshot file is written and fdatasynced in slices of this many bytes.
inline constexpr std::size_t kSnapshotWriteSliceBytes = std::size_t{4} << 20;
static_assert(kSnapshotFixedHeaderSize == sizeof(kSnapshotMagic) + 4 + 4 + 8 + 8 + 4);
static_assert(kSnapshotFramingSize == 52);

struct Snapshot {
  raft::SnapshotMeta meta;
  std::string data;
};

// "snap-<term 16 hex>-<index 16 hex>.snap".
std::string snapshot_file_name(Term term, Index index);
// The (term, index) of a snapshot file name, or nothing if `name` is not one.
std::optional<std::pair<Term, Index>> parse_snapshot_file_name(std::string_view name);

// The bytes before the data (fixed header, voters, data length).
std::string encode_snapshot_header(const raft::SnapshotMeta& meta, std::uint64_t data_size);

// Where a snapshot file's data lies, from its header alone (for streaming the data out of
// the file without reading it whole: GET /backup). The checksum after the data is not
// checked: the reader checks it as it streams.
struct SnapshotLayout {
  raft::SnapshotMeta meta;
  std::uint64_t data_offset = 0;  // the header's size
  std::uint64_t data_size = 0;
};
// Reads and decodes the header of the open snapshot file `file` (which holds file.size()
// bytes): kCorruption (or kInvalidArgument for an unknown version) naming file.path().
Result<SnapshotLayout> read_snapshot_layout(const env::File& file);

// A whole snapshot file's bytes held in memory (a received InstallSnapshot stream, already
// written to its file), verified as read_verified_file() verifies a file: the checksum,
// then the header and the size. kCorruption (or kInvalidArgument for an unknown version)
// naming `what`. The data is a view into `image`.
struct SnapshotView {
  raft::SnapshotMeta meta;
  std::string_view data;
};
Result<SnapshotView> verify_snapshot_image(std::string_view image, const std::string& what);

// The layout of a snapshot file whose bytes are still arriving in `image` (the whole file's
// size; an InstallSnapshot stream, base/arrival.h): waits for its header and decodes it,
// unverified (the checksum comes with the last byte: verify_snapshot_image). kCorruption
// (or kInvalidArgument for an unknown version) naming `what`; kAborted if the bytes stop
// arriving.
Result<SnapshotLayout> arriving_snapshot_layout(std::string_view image, base::Arrival& arrival,
                                                const std::string& what);

class SnapshotStore {
 public:
  // `dir` must exist. `keep` (>= 1) is how many snapshots save() leaves.
  SnapshotStore(env::FileSystem& fs, std::string dir, std::size_t keep = 2);
  // Files that pruning removes are then held open and handed to `dispose` to close (as
  // WalOptions::dispose: a 1 GB snapshot's blocks took ~550 ms to free on ext4 with
  // `discard`, on whichever thread closes it). Unset: removed and closed at once.
  void set_dispose(std::function<void(std::unique_ptr<env::File>)> dispose) {
    dispose_ = std::move(dispose);
  }

  // Writes a snapshot durably (see the class comment), then prunes. meta.index > 0.
  // save() = write_temporary() + commit().
  Status save(const raft::SnapshotMeta& meta, std::string_view data);

  // The two halves of save(), for a snapshot written in the background (a child process,
  // another thread): write_temporary() writes and fsyncs "<name>.tmp" and touches nothing
  // else (a failure, a full disk say, removes the temporary and does not poison the store:
  // the previous snapshots and the log are intact); commit() renames it into place, fsyncs
  // the directory and prunes (a failure there poisons the store).
  Status write_temporary(const raft::SnapshotMeta& meta, std::string_view data) const;
  // True once a failed write, sync, rename or removal poisoned the store (see Errors above).
  bool poisoned() const { return !poisoned_.is_ok(); }
  Status commit(const raft::SnapshotMeta& meta);

  // Snapshots received from a leader arrive as a file, written by the receiver to
  // received_path(meta, transfer) ("<name>.<transfer as 16 hex>.recv.tmp"; one per transfer,
  // so a retried transfer never touches the file of an earlier one still being verified);
  // read_verified_file() reads it and checks it whole (size, header, checksum);
  // install_received() renames it into place like commit() does. prune() leaves received
  // files alone (a transfer may be writing one); remove_received_temporaries() removes them
  // all (at startup, when no transfer runs).
  std::string received_path(const raft::SnapshotMeta& meta, std::uint64_t transfer) const;
  Result<Snapshot> read_verified_file(const std::string& path) const;
  Status install_received(const raft::SnapshotMeta& meta, const std::string& path);
  Status remove_received_temporaries();

  // The (term, index) of every stored snapshot, newest first (names only; nothing read).
  Result<std::vector<std::pair<Term, Index>>> stored() const;
  // The stored snapshot (term, index), fully verified.
  Result<Snapshot> load(std::pair<Term, Index> which) const;
  // Renames a damaged snapshot file to "<name>.damaged" (kept for the operator, ignored by
  // every other call) and fsyncs the directory.
  Status set_aside(std::pair<Term, Index> which);

  // The path of the stored snapshot `meta` names (it may have been pruned since).
  std::string path_of(const raft::SnapshotMeta& meta) const;

  // The newest snapshot, fully verified; nothing if there is none; kCorruption naming the
  // file if the newest fails verification.
  Result<std::optional<Snapshot>> load_latest() const;

  // The metas of the stored snapshots, newest first. Reads and checks the headers only (the
  // checksum covers the data too, and only load_latest() reads the data); a malformed
  // header, or one that disagrees with its file name, is kCorruption naming the file.
  Result<std::vector<raft::SnapshotMeta>> list() const;

  const std::string& dir() const { return dir_; }

 private:
  struct Names {
    std::vector<std::pair<Term, Index>> snapshots;  // newest first
    std::vector<std::string> temporaries;           // stray "<snapshot name>.tmp" files
    std::vector<std::string> received;              // "<snapshot name>.*.recv.tmp" files
  };
  Result<Names> scan() const;
  Status write_file(const std::string& tmp_path, const raft::SnapshotMeta& meta,
                    std::string_view data) const;
  Status check_not_older(const raft::SnapshotMeta& meta) const;
  Status rename_into_place(const std::string& from, const raft::SnapshotMeta& meta);
  Status prune();
  Status fail(Status status);

  env::FileSystem& fs_;
  std::string dir_;
  std::size_t keep_;
  std::function<void(std::unique_ptr<env::File>)> dispose_;
  Status poisoned_;
};

}  // namespace helios::storage
