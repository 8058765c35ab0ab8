#pragma once
// The file-system interface: everything Helios does to files goes through it, so that the
// same storage code runs on the real disk (env/posix/) and on the simulator's disk
// (env/sim/), where unsynced data can vanish or be torn at a crash and fsync can fail.
//
// Durability contract (what callers may rely on, and what SimFileSystem enforces):
//   - Data written to a file is durable only after File::sync() returned OK.
//   - A file's existence (create, rename, remove) is durable only after sync_dir() of its
//     directory returned OK.
//   - A failed sync() means the data may be lost even if a later sync() succeeds (the
//     kernel may have dropped the dirty pages): callers must stop, not retry.
//   - Every method returns an error Status instead of throwing; kIoError for I/O failures,
//     kNotFound for a missing path.
//
// Thread safety: a File is used by one thread at a time; a FileSystem may be shared.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace helios::env {

class File {
 public:
  virtual ~File() = default;

  // Appends at the end of the file.
  virtual Status append(const void* data, std::size_t size) = 0;
  // Writes `size` bytes at `offset`, overwriting what is there and growing the file (with
  // zeros before `offset` if it starts past the end) as needed. Durable after sync(), like
  // append(); overwriting blocks that were already written and synced lets that sync commit
  // no metadata (the WAL's preallocated segments rely on it for speed, not for safety).
  virtual Status write_at(std::uint64_t offset, const void* data, std::size_t size) = 0;
  // Writes `pieces` one after another from `offset`, as write_at() of their concatenation
  // would, without concatenating them (the WAL writes an entry's data from the buffer the
  // log shares). This default writes piece by piece; the POSIX file uses pwritev(2).
  virtual Status write_gather_at(std::uint64_t offset, std::span<const std::string_view> pieces) {
    for (std::string_view piece : pieces) {
      if (Status s = write_at(offset, piece.data(), piece.size()); !s.is_ok()) {
        return s;
      }
      offset += piece.size();
    }
    return Status::ok();
  }
  // Reads up to `size` bytes at `offset`; returns how many were read (0 at end of file).
  virtual Result<std::size_t> read_at(std::uint64_t offset, void* data, std::size_t size) const = 0;
  // fdatasync: makes everything written so far durable (the data, and the file's size).
  virtual Status sync() = 0;
  // Cuts the file to `size` bytes (not durable until sync()).
  virtual Status truncate(std::uint64_t size) = 0;
  virtual std::uint64_t size() const = 0;
  virtual const std::string& path() const = 0;
};

// An exclusive advisory lock on a file (flock), released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

enum class OpenMode : std::uint8_t {
  kRead,             // must exist
  kReadWrite,        // must exist; appends go to the end
  kCreate,           // created if missing, kept if present
  kCreateExclusive,  // must not exist
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) = 0;
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status remove(const std::string& path) = 0;
  // fsyncs a directory, making the creation, renaming and removal of its entries durable.
  virtual Status sync_dir(const std::string& dir) = 0;
  // Names (not paths) of the entries of a directory, sorted.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  // Creates a directory and its missing parents (and syncs each parent it changed).
  virtual Status create_dirs(const std::string& dir) = 0;
  virtual bool exists(const std::string& path) = 0;
  // A number naming the file or directory at `path` while it exists: a rename keeps it, a
  // copy (or an entry created again under the same name) gets another one. POSIX: the inode
  // number mixed with the birth time where the file system keeps one (stable across reboots
  // and remounts on local file systems). kNotFound if nothing is at `path`.
  virtual Result<std::uint64_t> identity(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created if missing). kUnavailable if another
  // process (or, in the simulator, another node) holds it.
  virtual Result<std::unique_ptr<FileLock>> lock(const std::string& path) = 0;
};

// "dir/name" without doubling the separator.
std::string join_path(const std::string& dir, const std::string& name);

// The directory holding `path`: everything before its last '/', "/" for a file at the root
// and "." for a bare name.
std::string parent_dir(const std::string& path);

// Reads a whole (small) file.
Result<std::string> read_file(FileSystem& fs, const std::string& path);

// Replaces `path` atomically with `contents`: write a temporary file, sync it, rename it
// over `path`, sync the directory. After a crash, `path` holds the old or the new contents,
// never a mix.
Status write_file_atomically(FileSystem& fs, const std::string& path, const std::string& contents);

}  // namespace helios::env
