#include "env/sim/sim_file_system.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace helios::env {

namespace {

Status crashed_error() {
  return Status(Code::kIoError, "file system crashed");
}

}  // namespace

// A handle on one inode; dead (every call fails) once the file system crashed after it was
// opened. Used by one thread at a time. Works on its SimFileSystem under the mutex.
class SimFile final : public File {
 public:
  using InodeId = SimFileSystem::InodeId;

  SimFile(SimFileSystem& fs, InodeId inode, std::string path, bool writable)
      : fs_(fs), inode_(inode), epoch_(fs.epoch_), path_(std::move(path)), writable_(writable) {}
  SimFile(const SimFile&) = delete;
  SimFile& operator=(const SimFile&) = delete;

  ~SimFile() override {
    std::lock_guard guard(fs_.mutex_);
    HELIOS_ASSERT(fs_.objects_ > 0);
    fs_.objects_ -= 1;
    if (alive()) {
      SimFileSystem::Inode& inode = fs_.inodes_.at(inode_);
      HELIOS_ASSERT(inode.handles > 0);
      inode.handles -= 1;
      fs_.collect_garbage();
    }
  }

  Status append(const void* data, std::size_t size) override {
    std::lock_guard guard(fs_.mutex_);
    if (Status s = check_write("append"); !s.is_ok()) {
      return s;
    }
    HELIOS_ASSERT(size == 0 || data != nullptr);
    SimFileSystem::Inode& inode = fs_.inodes_.at(inode_);
    SimFileSystem::FileOp op{.offset = inode.current.size(),
                             .data = std::string(static_cast<const char*>(data), size)};
    SimFileSystem::apply(inode.current, op);
    HELIOS_ASSERT(inode.current.size() == op.offset + size);
    inode.unsynced.push_back(std::move(op));
    return Status::ok();
  }

  Status write_at(std::uint64_t offset, const void* data, std::size_t size) override {
    std::lock_guard guard(fs_.mutex_);
    if (Status s = check_write("write_at"); !s.is_ok()) {
      return s;
    }
    HELIOS_ASSERT(size == 0 || data != nullptr);
    SimFileSystem::Inode& inode = fs_.inodes_.at(inode_);
    SimFileSystem::FileOp op{.offset = offset,
                             .data = std::string(static_cast<const char*>(data), size)};
    SimFileSystem::apply(inode.current, op);
    HELIOS_ASSERT(inode.current.size() >= offset + size);
    inode.unsynced.push_back(std::move(op));
    return Status::ok();
  }

  Result<std::size_t> read_at(std::uint64_t offset, void* data, std::size_t size) const override {
    std::lock_guard guard(fs_.mutex_);
    if (!alive()) {
      return crashed_error();
    }
    const std::string& contents = fs_.inodes_.at(inode_).current;
    if (offset >= contents.size()) {
      return std::size_t{0};
    }
    const std::size_t n = std::min<std::uint64_t>(size, contents.size() - offset);
    std::memcpy(data, contents.data() + offset, n);
    return n;
  }

  Status sync() override {
    std::lock_guard guard(fs_.mutex_);
    if (!alive()) {
      return crashed_error();
    }
    SimFileSystem::Inode& inode = fs_.inodes_.at(inode_);
    if (fs_.next_sync_fails()) {
      inode.unsynced.clear();
      inode.dropped = true;
      return Status(Code::kIoError, "fdatasync " + path_ + ": injected failure");
    }
    for (const SimFileSystem::FileOp& op : inode.unsynced) {
      SimFileSystem::apply(inode.durable, op);
    }
    inode.unsynced.clear();
    if (!inode.dropped) {
      HELIOS_ASSERT(inode.durable.size() == inode.current.size());
    }
    return Status::ok();
  }

  Status truncate(std::uint64_t size) override {
    std::lock_guard guard(fs_.mutex_);
    if (Status s = check_write("truncate"); !s.is_ok()) {
      return s;
    }
    SimFileSystem::Inode& inode = fs_.inodes_.at(inode_);
    SimFileSystem::FileOp op{.offset = size, .is_truncate = true};
    SimFileSystem::apply(inode.current, op);
    HELIOS_ASSERT(inode.current.size() == size);
    inode.unsynced.push_back(std::move(op));
    return Status::ok();
  }

  std::uint64_t size() const override {
    std::lock_guard guard(fs_.mutex_);
    return alive() ? fs_.inodes_.at(inode_).current.size() : 0;
  }

  const std::string& path() const override { return path_; }

 private:
  bool alive() const { return epoch_ == fs_.epoch_; }
  Status check_write(const char* what) const {
    if (!alive()) {
      return crashed_error();
    }
    if (!writable_) {
      return Status(Code::kIoError, std::string(what) + " " + path_ + ": opened read-only");
    }
    return Status::ok();
  }

  SimFileSystem& fs_;
  const InodeId inode_;
  const std::uint64_t epoch_;
  const std::string path_;
  const bool writable_;
};

// Holds `path` locked in its SimFileSystem until destroyed or until a crash.
class SimFileLock final : public FileLock {
 public:
  SimFileLock(SimFileSystem& fs, std::string path)
      : fs_(fs), path_(std::move(path)), epoch_(fs.epoch_) {}
  SimFileLock(const SimFileLock&) = delete;
  SimFileLock& operator=(const SimFileLock&) = delete;

  ~SimFileLock() override {
    std::lock_guard guard(fs_.mutex_);
    HELIOS_ASSERT(fs_.objects_ > 0);
    fs_.objects_ -= 1;
    if (epoch_ == fs_.epoch_) {
      const std::size_t erased = fs_.locked_.erase(path_);
      HELIOS_ASSERT(erased == 1);
    }
  }

 private:
  SimFileSystem& fs_;
  const std::string path_;
  const std::uint64_t epoch_;
};

SimFileSystem::SimFileSystem() {
  dirs_["/"];
  dirs_["."];
}

SimFileSystem::~SimFileSystem() {
  HELIOS_ASSERT_MSG(objects_ == 0, "a File or FileLock outlives its SimFileSystem");
}

SimFileSystem::PathParts SimFileSystem::split(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return {".", path};
  }
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

void SimFileSystem::apply(std::string& contents, const FileOp& op) {
  if (op.is_truncate) {
    contents.resize(op.offset, '\0');
    return;
  }
  const std::uint64_t end = op.offset + op.data.size();
  if (contents.size() < end) {
    contents.resize(end, '\0');
  }
  contents.replace(op.offset, op.data.size(), op.data);
}

void SimFileSystem::apply(Entries& entries, const NameOp& op) {
  if (!op.unlink.empty()) {
    entries.erase(op.unlink);
  }
  if (!op.link.empty()) {
    entries[op.link] = op.inode;
  }
}

Result<std::unique_ptr<File>> SimFileSystem::open(const std::string& path, OpenMode mode) {
  std::lock_guard guard(mutex_);
  if (dirs_.contains(path)) {
    return Status(Code::kIoError, "open " + path + ": is a directory");
  }
  const PathParts parts = split(path);
  if (parts.name.empty()) {
    return Status(Code::kInvalidArgument, "open " + path + ": not a file path");
  }
  Dir* dir = find_dir(parts.dir);
  if (dir == nullptr) {
    return Status(Code::kNotFound, "open " + path + ": no such directory");
  }
  const auto it = dir->current.find(parts.name);
  const bool found = it != dir->current.end();
  if (!found && (mode == OpenMode::kRead || mode == OpenMode::kReadWrite)) {
    return Status(Code::kNotFound, "open " + path + ": no such file");
  }
  if (found && mode == OpenMode::kCreateExclusive) {
    return Status(Code::kIoError, "open " + path + ": file exists");
  }
  const InodeId id = found ? it->second : create_entry(*dir, parts.name);
  inodes_.at(id).handles += 1;
  objects_ += 1;
  const bool writable = mode != OpenMode::kRead;
  return std::unique_ptr<File>(std::make_unique<SimFile>(*this, id, path, writable));
}

Status SimFileSystem::rename(const std::string& from, const std::string& to) {
  std::lock_guard guard(mutex_);
  const PathParts source = split(from);
  const PathParts target = split(to);
  if (dirs_.contains(from) || dirs_.contains(to) || source.dir != target.dir) {
    return Status(Code::kInvalidArgument, "rename " + from + " to " + to +
                                              ": the simulator renames files within a "
                                              "directory only");
  }
  Dir* dir = find_dir(source.dir);
  if (dir == nullptr || !dir->current.contains(source.name)) {
    return Status(Code::kNotFound, "rename " + from + ": no such file");
  }
  if (target.name.empty()) {
    return Status(Code::kInvalidArgument, "rename " + from + " to " + to + ": not a file path");
  }
  NameOp op{.unlink = source.name, .link = target.name, .inode = dir->current.at(source.name)};
  apply(dir->current, op);
  dir->pending.push_back(std::move(op));
  return Status::ok();
}

Status SimFileSystem::remove(const std::string& path) {
  std::lock_guard guard(mutex_);
  if (dirs_.contains(path)) {
    return remove_dir(path);
  }
  const PathParts parts = split(path);
  Dir* dir = find_dir(parts.dir);
  if (dir == nullptr || !dir->current.contains(parts.name)) {
    return Status(Code::kNotFound, "remove " + path + ": no such file");
  }
  NameOp op{.unlink = parts.name};
  apply(dir->current, op);
  dir->pending.push_back(std::move(op));
  return Status::ok();
}

Status SimFileSystem::sync_dir(const std::string& dir) {
  std::lock_guard guard(mutex_);
  Dir* d = find_dir(dir);
  if (d == nullptr) {
    return Status(Code::kNotFound, "fsync directory " + dir + ": no such directory");
  }
  if (next_sync_fails()) {
    return Status(Code::kIoError, "fsync directory " + dir + ": injected failure");
  }
  commit_dir(*d);
  collect_garbage();
  return Status::ok();
}

Result<std::vector<std::string>> SimFileSystem::list(const std::string& dir) {
  std::lock_guard guard(mutex_);
  const Dir* d = find_dir(dir);
  if (d == nullptr) {
    return Status(Code::kNotFound, "list " + dir + ": no such directory");
  }
  std::vector<std::string> names;
  for (const auto& [name, id] : d->current) {
    names.push_back(name);
  }
  for (const auto& [path, unused] : dirs_) {
    const PathParts parts = split(path);
    if (parts.dir == dir && !parts.name.empty() && path != dir) {
      names.push_back(parts.name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status SimFileSystem::create_dirs(const std::string& dir) {
  std::lock_guard guard(mutex_);
  HELIOS_ASSERT(!dir.empty());
  // Each prefix ending before a '/' and then the whole path, shortest first: "/a", "/a/b".
  for (std::size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
    const std::string prefix = dir.substr(0, end);
    if (!dirs_.contains(prefix)) {
      const PathParts parts = split(prefix);
      if (parts.name.empty()) {
        return Status(Code::kInvalidArgument, "create_dirs " + dir + ": empty path component");
      }
      const Dir* parent = find_dir(parts.dir);
      HELIOS_ASSERT(parent != nullptr);  // made by the previous iteration, or "/" or "."
      if (parent->current.contains(parts.name)) {
        return Status(Code::kIoError, "create_dirs " + prefix + ": not a directory");
      }
      dirs_[prefix].id = next_inode_++;  // directories draw from the inode numbers too
    }
    if (end == std::string::npos) {
      return Status::ok();
    }
  }
}

bool SimFileSystem::exists(const std::string& path) {
  std::lock_guard guard(mutex_);
  if (dirs_.contains(path)) {
    return true;
  }
  const PathParts parts = split(path);
  const Dir* dir = find_dir(parts.dir);
  return dir != nullptr && dir->current.contains(parts.name);
}

Result<std::uint64_t> SimFileSystem::identity(const std::string& path) {
  std::lock_guard guard(mutex_);
  if (const Dir* d = find_dir(path); d != nullptr) {
    return d->id;
  }
  const PathParts parts = split(path);
  const Dir* dir = find_dir(parts.dir);
  if (dir != nullptr) {
    if (auto it = dir->current.find(parts.name); it != dir->current.end()) {
      return it->second;
    }
  }
  return Status(Code::kNotFound, path + ": no such file or directory");
}

Result<std::unique_ptr<FileLock>> SimFileSystem::lock(const std::string& path) {
  std::lock_guard guard(mutex_);
  const PathParts parts = split(path);
  Dir* dir = find_dir(parts.dir);
  if (dirs_.contains(path)) {
    return Status(Code::kIoError, "open lock file " + path + ": is a directory");
  }
  if (dir == nullptr || parts.name.empty()) {
    return Status(Code::kNotFound, "open lock file " + path + ": no such directory");
  }
  if (locked_.contains(path)) {
    return Status(Code::kUnavailable, "lock " + path + " is held by another node");
  }
  if (!dir->current.contains(parts.name)) {
    create_entry(*dir, parts.name);
  }
  locked_.insert(path);
  objects_ += 1;
  return std::unique_ptr<FileLock>(std::make_unique<SimFileLock>(*this, path));
}

void SimFileSystem::set_sync_failure_chance(double p, base::Prng* prng) {
  std::lock_guard guard(mutex_);
  HELIOS_ASSERT(p >= 0.0);
  HELIOS_ASSERT(p <= 1.0);
  if (p > 0.0) {
    HELIOS_ASSERT(prng != nullptr);
  }
  sync_failure_chance_ = p;
  sync_failure_prng_ = prng;
}

void SimFileSystem::fail_next_sync() {
  std::lock_guard guard(mutex_);
  fail_next_sync_ = true;
}

std::uint64_t SimFileSystem::unsynced_bytes() const {
  std::lock_guard guard(mutex_);
  std::uint64_t total = 0;
  for (const auto& [id, inode] : inodes_) {
    for (const FileOp& op : inode.unsynced) {
      total += op.data.size();
    }
  }
  return total;
}

std::string SimFileSystem::durable_contents(const std::string& path) const {
  std::lock_guard guard(mutex_);
  const PathParts parts = split(path);
  const Dir* dir = find_dir(parts.dir);
  HELIOS_ASSERT_MSG(dir != nullptr, path.c_str());
  const auto it = dir->durable.find(parts.name);
  HELIOS_ASSERT_MSG(it != dir->durable.end(), path.c_str());
  return inodes_.at(it->second).durable;
}

bool SimFileSystem::durably_exists(const std::string& path) const {
  std::lock_guard guard(mutex_);
  if (dirs_.contains(path)) {
    return true;
  }
  const PathParts parts = split(path);
  const Dir* dir = find_dir(parts.dir);
  return dir != nullptr && dir->durable.contains(parts.name);
}

SimFileSystem::Dir* SimFileSystem::find_dir(const std::string& path) {
  const auto it = dirs_.find(path);
  return it == dirs_.end() ? nullptr : &it->second;
}

const SimFileSystem::Dir* SimFileSystem::find_dir(const std::string& path) const {
  const auto it = dirs_.find(path);
  return it == dirs_.end() ? nullptr : &it->second;
}

SimFileSystem::InodeId SimFileSystem::create_entry(Dir& dir, const std::string& name) {
  HELIOS_ASSERT(!name.empty());
  HELIOS_ASSERT(!dir.current.contains(name));
  const InodeId id = next_inode_++;
  inodes_[id];
  NameOp op{.link = name, .inode = id};
  apply(dir.current, op);
  dir.pending.push_back(std::move(op));
  return id;
}

Status SimFileSystem::remove_dir(const std::string& path) {
  if (path == "/" || path == ".") {
    return Status(Code::kInvalidArgument, "remove " + path + ": cannot remove the root");
  }
  Dir& dir = dirs_.at(path);
  bool empty = dir.current.empty();
  for (const auto& [other, unused] : dirs_) {
    empty = empty && (other == path || split(other).dir != path);
  }
  if (!empty) {
    return Status(Code::kIoError, "remove " + path + ": directory not empty");
  }
  // Removing the directory is durable at once: so is everything that emptied it.
  commit_dir(dir);
  HELIOS_ASSERT(dir.durable.empty());
  dirs_.erase(path);
  collect_garbage();
  return Status::ok();
}

bool SimFileSystem::next_sync_fails() {
  if (fail_next_sync_) {
    fail_next_sync_ = false;
    return true;
  }
  if (sync_failure_chance_ > 0.0) {
    HELIOS_ASSERT(sync_failure_prng_ != nullptr);
    return sync_failure_prng_->chance(sync_failure_chance_);
  }
  return false;
}

void SimFileSystem::commit_dir(Dir& dir) {
  for (const NameOp& op : dir.pending) {
    apply(dir.durable, op);
  }
  dir.pending.clear();
  HELIOS_ASSERT(dir.durable == dir.current);
}

// Forgets inodes that no entry (current, durable or pending) names and no File has open.
void SimFileSystem::collect_garbage() {
  std::set<InodeId> used;
  for (const auto& [path, dir] : dirs_) {
    for (const auto& [name, id] : dir.current) {
      used.insert(id);
    }
    for (const auto& [name, id] : dir.durable) {
      used.insert(id);
    }
    for (const NameOp& op : dir.pending) {
      if (!op.link.empty()) {
        used.insert(op.inode);
      }
    }
  }
  std::erase_if(inodes_, [&used](const auto& item) {
    return item.second.handles == 0 && !used.contains(item.first);
  });
}

void SimFileSystem::crash(base::Prng& prng) {
  std::lock_guard guard(mutex_);
  epoch_ += 1;
  locked_.clear();
  crash_dirs(prng);
  crash_inodes(prng);
}

void SimFileSystem::crash_dirs(base::Prng& prng) {
  for (auto& [path, dir] : dirs_) {
    const std::size_t keep = prng.uniform(dir.pending.size() + 1);
    for (std::size_t i = 0; i < keep; ++i) {
      apply(dir.durable, dir.pending[i]);
    }
    dir.pending.clear();
    dir.current = dir.durable;
  }
}

void SimFileSystem::crash_inodes(base::Prng& prng) {
  std::set<InodeId> named;
  for (const auto& [path, dir] : dirs_) {
    for (const auto& [name, id] : dir.current) {
      named.insert(id);
    }
  }
  std::erase_if(inodes_, [&named](const auto& item) { return !named.contains(item.first); });
  for (auto& [id, inode] : inodes_) {
    const std::size_t keep = prng.uniform(inode.unsynced.size() + 1);
    for (std::size_t i = 0; i < keep; ++i) {
      const FileOp& op = inode.unsynced[i];
      const bool torn = i + 1 == keep && !op.is_truncate && !op.data.empty() && prng.chance(1, 2);
      if (torn) {
        apply(inode.durable,
              FileOp{.offset = op.offset, .data = op.data.substr(0, prng.uniform(op.data.size()))});
      } else {
        apply(inode.durable, op);
      }
    }
    inode.unsynced.clear();
    inode.current = inode.durable;
    inode.handles = 0;
    inode.dropped = false;
  }
}

}  // namespace helios::env
