#include "env/file_system.h"

#include <utility>

#include "env/posix/memory.h"

namespace helios::env {

namespace {

// Writes `contents` to a new file at `tmp_path` and makes the data durable. The handle is
// closed on return, so the rename that follows never races an open writer.
Status write_and_sync(FileSystem& fs, const std::string& tmp_path, const std::string& contents) {
  Result<std::unique_ptr<File>> opened = fs.open(tmp_path, OpenMode::kCreateExclusive);
  if (!opened.is_ok()) {
    return opened.status();
  }
  File& file = *opened.value();
  HELIOS_ASSERT(file.size() == 0);
  if (Status s = file.append(contents.data(), contents.size()); !s.is_ok()) {
    return s;
  }
  HELIOS_ASSERT(file.size() == contents.size());
  return file.sync();
}

}  // namespace

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) {
    return name;
  }
  if (name.empty()) {
    return dir;
  }
  const bool dir_slash = dir.back() == '/';
  const bool name_slash = name.front() == '/';
  if (dir_slash && name_slash) {
    return dir + name.substr(1);
  }
  if (dir_slash || name_slash) {
    return dir + name;
  }
  return dir + "/" + name;
}

Result<std::string> read_file(FileSystem& fs, const std::string& path) {
  Result<std::unique_ptr<File>> opened = fs.open(path, OpenMode::kRead);
  if (!opened.is_ok()) {
    return opened.status();
  }
  const File& file = *opened.value();
  std::string contents = zeroed_buffer(file.size());
  std::size_t done = 0;
  // Read until end of file rather than trusting size(): a short read is legal, and the file
  // may have grown. Bytes past the expected size go through a small buffer, so a file that
  // is exactly size() long is never copied into a larger string.
  while (true) {
    char more[4096];
    const bool full = done == contents.size();
    char* into = full ? more : contents.data() + done;
    const std::size_t room = full ? sizeof(more) : contents.size() - done;
    Result<std::size_t> n = file.read_at(done, into, room);
    if (!n.is_ok()) {
      return n.status();
    }
    if (n.value() == 0) {
      break;
    }
    HELIOS_ASSERT(n.value() <= room);
    if (full) {
      contents.append(more, n.value());
    }
    done += n.value();
  }
  contents.resize(done);
  return contents;
}

Status write_file_atomically(FileSystem& fs, const std::string& path, const std::string& contents) {
  HELIOS_ASSERT(!path.empty());
  HELIOS_ASSERT(path.back() != '/');
  const std::string tmp_path = path + ".tmp";
  // A stale temporary file is left by a crash in the middle of an earlier replacement.
  if (fs.exists(tmp_path)) {
    if (Status s = fs.remove(tmp_path); !s.is_ok()) {
      return s;
    }
  }
  if (Status s = write_and_sync(fs, tmp_path, contents); !s.is_ok()) {
    return s;
  }
  if (Status s = fs.rename(tmp_path, path); !s.is_ok()) {
    return s;
  }
  return fs.sync_dir(parent_dir(path));
}

std::string parent_dir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return path.substr(0, slash);
}

}  // namespace helios::env
