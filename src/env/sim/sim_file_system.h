#pragma once
// SimFileSystem: an in-memory FileSystem for the deterministic simulator and for tests, with
// the crash behaviour of a real disk under the durability contract of env/file_system.h.
//
// Model. A file is an inode (its bytes) named by a directory entry. An inode has its
// current contents (what reads return: the page cache), its durable contents (what is on
// the platter) and its unsynced operations (writes, at the end by append() or anywhere by
// write_at(), and truncates since the last successful File::sync). A directory has its current
// entries, its durable entries and its pending namespace operations (create, rename, remove since
// the last successful sync_dir). Invariants: applying an inode's unsynced operations to its durable
// contents gives its current contents, unless a failed sync dropped some (below); applying a
// directory's pending operations to its durable entries gives its current entries.
//
// crash(prng) is a power loss:
//   - each directory keeps its durable entries plus a random prefix of its pending
//     operations; a rename is one operation, so a file keeps its old name or its new one,
//     never both nor neither;
//   - each inode that is still named keeps its durable contents plus a random prefix of its
//     unsynced operations, in order, where the last surviving write may be torn at a random
//     byte (a torn write_at() keeps a prefix of its bytes; the rest keep what was there); inodes no
//     longer named are gone;
//   - every File and FileLock made before the crash is dead: File methods return kIoError
//     "file system crashed" (size() returns 0), and every lock is released.
// The same calls and the same prng give the same outcome.
//
// Fault injection: File::sync and sync_dir fail with kIoError when fail_next_sync() armed
// them, or with the chance given to set_sync_failure_chance(). A failed File::sync drops the
// file's unsynced operations for good, as Linux marks the dirty pages clean: reads still see
// the data, a crash loses it, and a later successful sync writes only newer data (leaving
// zeros where dropped bytes were). A failed sync_dir makes nothing durable.
//
// Simplifications: create_dirs makes the directories it creates durable at once, and so is
// the removal of an (empty) directory; rename moves files within one directory only, and
// anything else (a directory, or across directories, whose atomicity at a crash depends on
// the journal) is kInvalidArgument, so code that needs it fails loudly in the simulator.
// Paths are plain strings, never normalised: the parent of a path is everything before its
// last '/' ("/" for "/x", "." for a bare name), and "/" and "." always exist.
//
// Thread safety: every method takes one internal mutex, so an instance may be shared like
// any FileSystem (the simulator uses it from one thread). Files and locks must be destroyed
// before the SimFileSystem that made them.

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/prng.h"
#include "env/file_system.h"

namespace helios::env {

class SimFileSystem final : public FileSystem {
 public:
  SimFileSystem();
  ~SimFileSystem() override;
  SimFileSystem(const SimFileSystem&) = delete;
  SimFileSystem& operator=(const SimFileSystem&) = delete;

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  // `from` and `to` must be files in the same directory (kInvalidArgument otherwise).
  Status rename(const std::string& from, const std::string& to) override;
  // Removes a file, or an empty directory.
  Status remove(const std::string& path) override;
  Status sync_dir(const std::string& dir) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Status create_dirs(const std::string& dir) override;
  bool exists(const std::string& path) override;
  Result<std::uint64_t> identity(const std::string& path) override;
  // kUnavailable while a FileLock for the same path is alive (held by "another node").
  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override;

  // Power loss: see the class comment. Draws from `prng` only.
  void crash(base::Prng& prng);

  // Each later File::sync or sync_dir fails with probability `p` in [0, 1], drawn from
  // `prng`, which must outlive this object or the next call (required when p > 0).
  void set_sync_failure_chance(double p, base::Prng* prng);
  // The next File::sync or sync_dir fails.
  void fail_next_sync();

  // Bytes written (appended or written in place) and not yet synced, over all files.
  std::uint64_t unsynced_bytes() const;
  // What `path` holds if no unsynced operation survives a crash. `path` must be a durably
  // existing file.
  std::string durable_contents(const std::string& path) const;
  // Whether `path` exists even if no pending namespace operation survives a crash.
  bool durably_exists(const std::string& path) const;

 private:
  friend class SimFile;
  friend class SimFileLock;

  using InodeId = std::uint64_t;

  // A write (append or write_at: data written at `offset`) or a truncate (to `offset` bytes).
  struct FileOp {
    std::uint64_t offset = 0;
    std::string data;
    bool is_truncate = false;
  };
  struct Inode {
    std::string current;
    std::string durable;
    std::vector<FileOp> unsynced;
    std::uint32_t handles = 0;  // live (not crashed) Files open on this inode
    bool dropped = false;       // a failed sync dropped operations since the last crash
  };
  // One atomic namespace operation on a directory: remove `unlink` (if not empty), then
  // point `link` (if not empty) at `inode`. A rename is both in one operation.
  struct NameOp {
    std::string unlink;
    std::string link;
    InodeId inode = 0;
  };
  using Entries = std::map<std::string, InodeId>;
  struct Dir {
    InodeId id = 0;  // identity(); "/" and "." keep 0
    Entries current;
    Entries durable;
    std::vector<NameOp> pending;
  };
  struct PathParts {
    std::string dir;
    std::string name;
  };

  static PathParts split(const std::string& path);
  static void apply(std::string& contents, const FileOp& op);
  static void apply(Entries& entries, const NameOp& op);

  // The helpers below expect mutex_ to be held (SimFile and SimFileLock call them too).
  Dir* find_dir(const std::string& path);
  const Dir* find_dir(const std::string& path) const;
  InodeId create_entry(Dir& dir, const std::string& name);
  Status remove_dir(const std::string& path);
  bool next_sync_fails();
  void commit_dir(Dir& dir);
  void collect_garbage();
  void crash_dirs(base::Prng& prng);
  void crash_inodes(base::Prng& prng);

  mutable std::mutex mutex_;
  std::map<std::string, Dir> dirs_;  // by path
  std::map<InodeId, Inode> inodes_;
  std::set<std::string> locked_;
  InodeId next_inode_ = 1;
  std::uint64_t epoch_ = 0;    // crashes so far; Files and locks of older epochs are dead
  std::uint64_t objects_ = 0;  // Files and FileLocks alive, crashed or not
  double sync_failure_chance_ = 0;
  base::Prng* sync_failure_prng_ = nullptr;
  bool fail_next_sync_ = false;
};

}  // namespace helios::env
