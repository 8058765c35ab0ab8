#pragma once
// DataDir: one node's data directory, its identity and its lock. docs/formats.md ("Data
// directory") describes the layout; this header is the authority.
//
// Layout:
//   <path>/LOCK   empty; an exclusive lock on it is held while a DataDir is open
//   <path>/META   the identity of the directory (below), written once, atomically
//   <path>/wal/   the write-ahead log (Wal)
//   <path>/snap/  snapshot files (SnapshotStore)
//
// META is text, one key=value per line, each line ending in '\n':
//   format=2
//   node_id=<id>
//   cluster_id=<id>
//   place=<decimal>          the identity (FileSystem::identity: the inode number mixed with
//                            the birth time) of the directory META was written in
//   checksum=<16 lowercase hex digits>
// The checksum is XXH3-64 (seed 0) of every byte before the checksum line. The first line
// (format=N) and the last line (checksum=...) keep this shape in every future format, so
// any build can tell a newer directory from a damaged one. Ids are 1 to kMaxIdBytes bytes
// of [A-Za-z0-9._-]. Format 1 is the same without place=; open() upgrades it to format 2
// (rewriting META atomically) and says so in the log.
//
// place= is how a node tells its own directory from a copy of it: a copy made with tar, cp
// or rsync (a backup restored, a directory carried to another machine) is another directory
// with another identity, while a rename keeps it. A copy may hold an older log and vote than
// the node acknowledged and cast, and a node that rejoined its cluster with it could lose
// committed writes or vote twice in a term, so open() refuses it (kInvalidArgument)
// unless the caller says what the copy is (DataDirOptions). Not detected: a copy whose
// files were put back into the very directory they came from (the directory itself never
// removed), a file system without birth times that hands the old inode number to the new
// directory, and a file-system or VM snapshot rolled back in place. docs/
// disaster-recovery.md says what an operator may and may not do with copies.
//
// open() rules (architecture.md principle 5: bad input gets a clear error and changes nothing):
//   - a missing or empty directory is a new node: it is created, locked, META is written
//     with write_file_atomically, then wal/ and snap/ are created. A crash before META is
//     durable leaves a directory that is still "empty" (LOCK and META.tmp are ignored);
//     wal/ and snap/ exist only once META is durable.
//   - a directory with META: META is verified and must name the same node and cluster and
//     this directory's place; missing wal/ or snap/ are (re)created.
//   - with DataDirOptions::new_cluster (--force-new-cluster): META must name the same node
//     and ANOTHER cluster, and any place. The new cluster id is written by
//     finish_new_cluster(), which the caller calls once the node's new configuration is
//     durable (a crash in between leaves the old id: the same command can be run again).
//   - with DataDirOptions::accept_new_place (--accept-moved-data-dir): a place that differs
//     is accepted and META rewritten with this place.
//   - refused, with the directory left exactly as it was (the lock is released):
//       kUnavailable      another process (or simulated node) holds LOCK;
//       kInvalidArgument  a malformed id; META of another node or cluster; META of a newer
//                         format; a non-empty directory that is not a Helios data directory;
//                         new_cluster with META already of the wanted cluster;
//                         META of another place (a copy) without an option accepting it;
//       kCorruption       META malformed or failing its checksum; wal/ or snap/ without META.
//     Refusals that need no lock are decided before LOCK is created, and all of them are
//     decided again under the lock (another process may have initialised the directory in
//     between).
//
// Thread rules: immutable after open(); any thread may call the accessors. The lock is
// released when the DataDir is destroyed.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "env/file_system.h"

namespace helios::storage {

inline constexpr std::uint32_t kDataDirFormat =
    2;  // the META format this build writes (reads 1 too)
inline constexpr std::size_t kMaxIdBytes = 128;

inline constexpr char kLockFileName[] = "LOCK";
inline constexpr char kMetaFileName[] = "META";
inline constexpr char kWalDirName[] = "wal";
inline constexpr char kSnapshotDirName[] = "snap";

// The contents of META.
struct DataDirMeta {
  std::uint32_t format = kDataDirFormat;
  std::string node_id;
  std::string cluster_id;
  std::uint64_t place = 0;  // format 1: 0 (not recorded)
  bool operator==(const DataDirMeta&) const = default;
};

// What the caller of DataDir::open says about a directory that is not simply its own.
struct DataDirOptions {
  // The node starts a new cluster from this directory (--force-new-cluster): META names the
  // old cluster, which is replaced by the cluster id given to open(). Copies are accepted.
  bool new_cluster = false;
  // The directory was copied or moved while its node was stopped, and is the node's newest
  // state (--accept-moved-data-dir): another place is accepted and recorded.
  bool accept_new_place = false;
};

// What open() changed in META, for the log.
struct DataDirChanges {
  std::string previous_cluster_id;  // set when new_cluster replaced it
  bool place_changed = false;       // a copy or a move was accepted
  bool upgraded = false;            // format 1 upgraded to 2
};

// OK if `id` is 1 to kMaxIdBytes bytes of [A-Za-z0-9._-]; otherwise kInvalidArgument whose
// message starts with `what` ("node id", "cluster id").
Status validate_id(std::string_view what, std::string_view id);

// META's bytes for `meta` (which must hold valid ids and format kDataDirFormat).
std::string encode_meta(const DataDirMeta& meta);
// Parses and verifies META's bytes. kCorruption (with a reason) if malformed or the checksum
// fails; kInvalidArgument if the format is newer than kDataDirFormat (the other fields are
// then not parsed: a newer format may lay them out differently).
Result<DataDirMeta> decode_meta(std::string_view bytes);

class DataDir {
 public:
  static Result<std::unique_ptr<DataDir>> open(env::FileSystem& fs, const std::string& path,
                                               const std::string& node_id,
                                               const std::string& cluster_id,
                                               const DataDirOptions& options = {});
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::string& path() const { return path_; }
  const std::string& node_id() const { return meta_.node_id; }
  const std::string& cluster_id() const { return meta_.cluster_id; }
  const std::string& wal_dir() const { return wal_dir_; }
  const std::string& snapshot_dir() const { return snapshot_dir_; }
  const DataDirChanges& changes() const { return changes_; }
  // Opened with DataDirOptions::new_cluster and META still names the old cluster: the id
  // finish_new_cluster() will write ("" otherwise).
  const std::string& pending_cluster_id() const { return new_cluster_id_; }
  // Rewrites META (atomically) with pending_cluster_id(); cluster_id() answers it after.
  Status finish_new_cluster();

 private:
  DataDir(std::string path, DataDirMeta meta, std::unique_ptr<env::FileLock> lock);

  std::string path_;
  DataDirMeta meta_;
  std::string wal_dir_;
  std::string snapshot_dir_;
  DataDirChanges changes_;
  env::FileSystem* fs_ = nullptr;
  std::string new_cluster_id_;
  std::unique_ptr<env::FileLock> lock_;  // held for the DataDir's lifetime
};

}  // namespace helios::storage
