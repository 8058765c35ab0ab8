#include "env/posix/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "base/checksum.h"

namespace helios::env {

namespace {

// A Status for the failed call `what` on `path`, from errno.
Status os_error(const char* what, const std::string& path, int err) {
  const Code code = err == ENOENT ? Code::kNotFound : Code::kIoError;
  return Status(code, std::string(what) + " " + path + ": " + std::strerror(err));
}

// Closes `fd`. A failed close of a descriptor that was synced (or only read) loses nothing
// that the durability contract promised, so the error is dropped.
void close_fd(int fd) {
  HELIOS_ASSERT(fd >= 0);
  ::close(fd);
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) { HELIOS_ASSERT(fd_ >= 0); }
  ~PosixFile() override { close_fd(fd_); }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Status append(const void* data, std::size_t size) override {
    if (!append_mode_) {
      // write_at() turned O_APPEND off (pwrite ignores the offset under it).
      return write_at(size_or_panic(), data, size);
    }
    return write_fully(data, size, std::nullopt);
  }

  Status write_at(std::uint64_t offset, const void* data, std::size_t size) override {
    if (Status s = leave_append_mode(); !s.is_ok()) {
      return s;
    }
    return write_fully(data, size, offset);
  }

  Status write_gather_at(std::uint64_t offset, std::span<const std::string_view> pieces) override {
    if (Status s = leave_append_mode(); !s.is_ok()) {
      return s;
    }
    std::vector<iovec>& iov = iov_;  // kept between calls: no allocation per write
    iov.clear();
    for (std::string_view piece : pieces) {
      if (!piece.empty()) {
        iov.push_back(iovec{const_cast<char*>(piece.data()), piece.size()});
      }
    }
    std::size_t first = 0;  // iov[first] is the next piece with bytes left
    while (first < iov.size()) {
      const int count = static_cast<int>(std::min<std::size_t>(iov.size() - first, IOV_MAX));
      const ssize_t n = ::pwritev(fd_, iov.data() + first, count, static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return os_error("pwritev", path_, errno);
      }
      if (n == 0) {
        return Status(Code::kIoError, "pwritev " + path_ + ": no progress");
      }
      offset += static_cast<std::uint64_t>(n);
      auto left = static_cast<std::size_t>(n);
      while (left > 0) {  // a short write: skip what went out, resume inside a piece
        HELIOS_ASSERT(first < iov.size());
        const std::size_t take = std::min(left, iov[first].iov_len);
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + take;
        iov[first].iov_len -= take;
        left -= take;
        if (iov[first].iov_len == 0) {
          ++first;
        }
      }
    }
    return Status::ok();
  }

  Result<std::size_t> read_at(std::uint64_t offset, void* data, std::size_t size) const override {
    while (true) {
      const ssize_t n = ::pread(fd_, data, size, static_cast<off_t>(offset));
      if (n >= 0) {
        HELIOS_ASSERT(static_cast<std::size_t>(n) <= size);
        return static_cast<std::size_t>(n);
      }
      if (errno != EINTR) {
        return os_error("pread", path_, errno);
      }
    }
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) {
      return os_error("fdatasync", path_, errno);
    }
    return Status::ok();
  }

  Status truncate(std::uint64_t size) override {
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) {
        return os_error("ftruncate", path_, errno);
      }
    }
    return Status::ok();
  }

  std::uint64_t size() const override { return size_or_panic(); }

  const std::string& path() const override { return path_; }

 private:
  // Linux's pwrite appends, whatever the offset, on a descriptor opened with O_APPEND: the
  // first positioned write turns it off.
  Status leave_append_mode() {
    if (append_mode_) {
      const int flags = ::fcntl(fd_, F_GETFL);
      if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_APPEND) != 0) {
        return os_error("fcntl", path_, errno);
      }
      append_mode_ = false;
    }
    return Status::ok();
  }

  // Writes all `size` bytes, retrying short writes and EINTR: write(2) at the end of an
  // O_APPEND descriptor, or pwrite(2) at `offset`.
  Status write_fully(const void* data, std::size_t size, std::optional<std::uint64_t> offset) {
    const char* what = offset.has_value() ? "pwrite" : "write";
    const char* p = static_cast<const char*>(data);
    std::size_t left = size;
    while (left > 0) {
      const ssize_t n = offset.has_value() ? ::pwrite(fd_, p, left, static_cast<off_t>(*offset))
                                           : ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return os_error(what, path_, errno);
      }
      if (n == 0) {
        return Status(Code::kIoError, std::string(what) + " " + path_ + ": no progress");
      }
      HELIOS_ASSERT(static_cast<std::size_t>(n) <= left);
      p += n;
      left -= static_cast<std::size_t>(n);
      if (offset.has_value()) {
        *offset += static_cast<std::uint64_t>(n);
      }
    }
    return Status::ok();
  }

  std::uint64_t size_or_panic() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      // fstat of an open descriptor fails only if the system is broken.
      HELIOS_PANIC("fstat %s: %s", path_.c_str(), std::strerror(errno));
    }
    HELIOS_ASSERT(st.st_size >= 0);
    return static_cast<std::uint64_t>(st.st_size);
  }

  const int fd_;
  const std::string path_;
  std::vector<iovec> iov_;  // write_gather_at's scratch list
  // Whether the descriptor still has O_APPEND (open_flags sets it for every writable mode;
  // the first write_at() clears it, after which append() writes at the size).
  bool append_mode_ = true;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) { HELIOS_ASSERT(fd_ >= 0); }
  // Closing the last descriptor of the open file description releases the flock.
  ~PosixFileLock() override { close_fd(fd_); }
  PosixFileLock(const PosixFileLock&) = delete;
  PosixFileLock& operator=(const PosixFileLock&) = delete;

 private:
  const int fd_;
};

int open_flags(OpenMode mode) {
  switch (mode) {
    case OpenMode::kRead:
      return O_RDONLY;
    case OpenMode::kReadWrite:
      return O_RDWR | O_APPEND;
    case OpenMode::kCreate:
      return O_RDWR | O_APPEND | O_CREAT;
    case OpenMode::kCreateExclusive:
      return O_RDWR | O_APPEND | O_CREAT | O_EXCL;
  }
  HELIOS_ASSERT_MSG(false, "unknown OpenMode");
  return 0;
}

// Opens `path`, retrying on EINTR. Returns the descriptor or -1 with errno set.
int open_retrying(const std::string& path, int flags) {
  while (true) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EINTR) {
      return fd;
    }
  }
}

// Creates the directory `dir` if it is missing. Sets `created` when it made one.
Status make_dir(const std::string& dir, bool& created) {
  created = false;
  if (::mkdir(dir.c_str(), 0755) == 0) {
    created = true;
    return Status::ok();
  }
  if (errno != EEXIST) {
    return os_error("mkdir", dir, errno);
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return os_error("stat", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return os_error("mkdir", dir, ENOTDIR);
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<File>> PosixFileSystem::open(const std::string& path, OpenMode mode) {
  const int fd = open_retrying(path, open_flags(mode));
  if (fd < 0) {
    return os_error("open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    close_fd(fd);
    return os_error("fstat", path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    close_fd(fd);
    return os_error("open", path, EISDIR);
  }
  return std::unique_ptr<File>(std::make_unique<PosixFile>(fd, path));
}

Status PosixFileSystem::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return os_error("rename", from + " to " + to, errno);
  }
  return Status::ok();
}

Status PosixFileSystem::remove(const std::string& path) {
  if (std::remove(path.c_str()) != 0) {
    return os_error("remove", path, errno);
  }
  return Status::ok();
}

Status PosixFileSystem::sync_dir(const std::string& dir) {
  const int fd = open_retrying(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    return os_error("open directory", dir, errno);
  }
  const int rc = ::fsync(fd);
  const int err = errno;
  close_fd(fd);
  if (rc != 0) {
    return os_error("fsync directory", dir, err);
  }
  return Status::ok();
}

Result<std::vector<std::string>> PosixFileSystem::list(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return os_error("opendir", dir, errno);
  }
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(d);
    if (entry == nullptr) {
      break;
    }
    const std::string name = entry->d_name;
    if (name != "." && name != "..") {
      names.push_back(name);
    }
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) {
    return os_error("readdir", dir, err);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status PosixFileSystem::create_dirs(const std::string& dir) {
  HELIOS_ASSERT(!dir.empty());
  // Each prefix ending before a '/' (and the whole path), shortest first: "/a", "/a/b".
  std::size_t end = dir.find('/', 1);
  while (true) {
    const std::string prefix = dir.substr(0, end);
    const bool repeated_slash = !prefix.empty() && prefix.back() == '/';
    if (!repeated_slash) {
      bool created = false;
      if (Status s = make_dir(prefix, created); !s.is_ok()) {
        return s;
      }
      if (created) {
        if (Status s = sync_dir(parent_dir(prefix)); !s.is_ok()) {
          return s;
        }
      }
    }
    if (end == std::string::npos || end + 1 >= dir.size()) {
      return Status::ok();
    }
    end = dir.find('/', end + 1);
  }
}

bool PosixFileSystem::exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::uint64_t> PosixFileSystem::identity(const std::string& path) {
  // The inode number alone is not enough: a file system reuses a freed number at once (a
  // directory removed and unpacked again from a tar is likely to get its old one back). The
  // birth time, where the file system keeps one (ext4, xfs, btrfs, tmpfs), tells them apart.
  struct statx st {};
  if (::statx(AT_FDCWD, path.c_str(), 0, STATX_INO | STATX_BTIME, &st) != 0) {
    const int err = errno;
    if (err == ENOENT) {
      return Status(Code::kNotFound, path + ": no such file or directory");
    }
    return os_error("statx", path, err);
  }
  std::uint64_t id = st.stx_ino;
  if ((st.stx_mask & STATX_BTIME) != 0) {
    const std::uint64_t born =
        static_cast<std::uint64_t>(st.stx_btime.tv_sec) * 1000000000ULL + st.stx_btime.tv_nsec;
    id = base::checksum64(std::string_view(reinterpret_cast<const char*>(&born), sizeof(born)), id);
  }
  return id;
}

Result<std::unique_ptr<FileLock>> PosixFileSystem::lock(const std::string& path) {
  const int fd = open_retrying(path, O_RDWR | O_CREAT);
  if (fd < 0) {
    return os_error("open lock file", path, errno);
  }
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EINTR) {
      continue;
    }
    close_fd(fd);
    if (err == EWOULDBLOCK) {
      return Status(Code::kUnavailable, "lock " + path + " is held by another process");
    }
    return os_error("flock", path, err);
  }
  return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(fd));
}

}  // namespace helios::env
