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
//   format=1
//   node_id=<id>
//   cluster_id=<id>
//   checksum=<16 lowercase hex digits>
// The checksum is XXH3-64 (seed 0) of every byte before the checksum line. The first line
// (format=N) and the last line (checksum=...) keep this shape in every future format, so
// any build can tell a newer directory from a damaged one. Ids are 1 to kMaxIdBytes bytes
// of [A-Za-z0-9._-].
//
// open() rules (architecture.md principle 5: bad input gets a clear error and changes nothing):
//   - a missing or empty directory is a new node: it is created, locked, META is written
//     with write_file_atomically, then wal/ and snap/ are created. A crash before META is
//     durable leaves a directory that is still "empty" (LOCK and META.tmp are ignored);
//     wal/ and snap/ exist only once META is durable.
//   - a directory with META: META is verified and must name the same node and cluster;
//     missing wal/ or snap/ are (re)created.
//   - refused, with the directory left exactly as it was (the lock is released):
//       kUnavailable      another process (or simulated node) holds LOCK;
//       kInvalidArgument  a malformed id; META of another node or cluster; META of a newer
//                         format; a non-empty directory that is not a Helios data directory;
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

inline constexpr std::uint32_t kDataDirFormat = 1;  // the newest META format this build reads
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
  bool operator==(const DataDirMeta&) const = default;
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
                                               const std::string& cluster_id);
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::string& path() const { return path_; }
  const std::string& node_id() const { return meta_.node_id; }
  const std::string& cluster_id() const { return meta_.cluster_id; }
  const std::string& wal_dir() const { return wal_dir_; }
  const std::string& snapshot_dir() const { return snapshot_dir_; }

 private:
  DataDir(std::string path, DataDirMeta meta, std::unique_ptr<env::FileLock> lock);

  std::string path_;
  DataDirMeta meta_;
  std::string wal_dir_;
  std::string snapshot_dir_;
  std::unique_ptr<env::FileLock> lock_;  // held for the DataDir's lifetime
};

}  // namespace helios::storage
