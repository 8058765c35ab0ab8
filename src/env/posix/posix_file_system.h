#pragma once
// PosixFileSystem: FileSystem on the real disk through POSIX calls. The only code in Helios
// that includes OS headers for files.
//
// Mapping: File::sync is fdatasync, sync_dir opens the directory and fsyncs it, appends go
// through O_APPEND write() loops (EINTR and short writes retried), reads through pread,
// locks are flock(LOCK_EX | LOCK_NB) on a descriptor the FileLock owns (flock belongs to the
// open file description, so two lock() calls in one process conflict, as two processes do).
// Errors: ENOENT is kNotFound, a held lock is kUnavailable, everything else is kIoError; each
// message names the path and strerror(errno).
//
// Stateless: any number of threads may share one instance. Files and locks close their
// descriptors when destroyed.

#include "env/file_system.h"

namespace helios::env {

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  Status rename(const std::string& from, const std::string& to) override;
  // Removes a file or an empty directory.
  Status remove(const std::string& path) override;
  Status sync_dir(const std::string& dir) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Status create_dirs(const std::string& dir) override;
  bool exists(const std::string& path) override;
  Result<std::uint64_t> identity(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override;
};

}  // namespace helios::env
