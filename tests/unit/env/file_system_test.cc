// The FileSystem contract, run on both implementations (one black-box suite, as logcabin's
// Storage tests do), and write_file_atomically: a process stopped at any step, or (on the
// simulator) a power loss at any step, leaves the old or the new contents, never a mix.
#include "env/file_system.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/prng.h"
#include "env/posix/posix_file_system.h"
#include "env/sim/sim_file_system.h"

namespace helios::env {
namespace {

// A fresh directory under the system temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const auto base = std::filesystem::temp_directory_path();
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    for (int attempt = 0;; ++attempt) {
      path_ = base / ("helios-fs-test-" + std::to_string(stamp) + "-" + std::to_string(attempt));
      if (std::filesystem::create_directory(path_)) {
        break;
      }
    }
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Appends `data` to a new file at `path` (replacing nothing) and syncs it.
void put(FileSystem& fs, const std::string& path, const std::string& data) {
  auto f = fs.open(path, OpenMode::kCreateExclusive);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_TRUE(f.value()->append(data.data(), data.size()).is_ok());
  ASSERT_TRUE(f.value()->sync().is_ok());
}

std::string read_or_die(FileSystem& fs, const std::string& path) {
  Result<std::string> r = read_file(fs, path);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? r.value() : "";
}

// Forwards to `inner` until `budget` mutating calls (File calls included) went through, then
// fails each one with kIoError without making it: the process stopped at that step.
class StoppingFileSystem final : public FileSystem {
 public:
  StoppingFileSystem(FileSystem& inner, int budget) : inner_(inner), budget_(budget) {}

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override {
    if (mode != OpenMode::kRead && !step()) {
      return stopped();
    }
    auto f = inner_.open(path, mode);
    if (!f.is_ok()) {
      return f.status();
    }
    return std::unique_ptr<File>(std::make_unique<StoppingFile>(*this, std::move(f.value())));
  }
  Status rename(const std::string& from, const std::string& to) override {
    return step() ? inner_.rename(from, to) : stopped();
  }
  Status remove(const std::string& path) override {
    return step() ? inner_.remove(path) : stopped();
  }
  Status sync_dir(const std::string& dir) override {
    return step() ? inner_.sync_dir(dir) : stopped();
  }
  Result<std::vector<std::string>> list(const std::string& dir) override {
    return inner_.list(dir);
  }
  Status create_dirs(const std::string& dir) override {
    return step() ? inner_.create_dirs(dir) : stopped();
  }
  bool exists(const std::string& path) override { return inner_.exists(path); }
  Result<std::uint64_t> identity(const std::string& path) override { return inner_.identity(path); }
  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override {
    if (!step()) {
      return stopped();
    }
    return inner_.lock(path);
  }

 private:
  class StoppingFile final : public File {
   public:
    StoppingFile(StoppingFileSystem& fs, std::unique_ptr<File> inner)
        : fs_(fs), inner_(std::move(inner)) {}
    Status append(const void* data, std::size_t size) override {
      return fs_.step() ? inner_->append(data, size) : stopped();
    }
    Status write_at(std::uint64_t offset, const void* data, std::size_t size) override {
      return fs_.step() ? inner_->write_at(offset, data, size) : stopped();
    }
    Result<std::size_t> read_at(std::uint64_t offset, void* data, std::size_t size) const override {
      return inner_->read_at(offset, data, size);
    }
    Status sync() override { return fs_.step() ? inner_->sync() : stopped(); }
    Status truncate(std::uint64_t size) override {
      return fs_.step() ? inner_->truncate(size) : stopped();
    }
    std::uint64_t size() const override { return inner_->size(); }
    const std::string& path() const override { return inner_->path(); }

   private:
    StoppingFileSystem& fs_;
    std::unique_ptr<File> inner_;
  };

  static Status stopped() { return Status(Code::kIoError, "stopped"); }
  bool step() {
    if (steps_ == budget_) {
      return false;
    }
    steps_ += 1;
    return true;
  }

  FileSystem& inner_;
  const int budget_;
  int steps_ = 0;
};

enum class Kind { kPosix, kSim };

class FileSystemContractTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kPosix) {
      temp_ = std::make_unique<TempDir>();
      fs_ = std::make_unique<PosixFileSystem>();
      root_ = temp_->path();
    } else {
      fs_ = std::make_unique<SimFileSystem>();
      root_ = "/data";
      ASSERT_TRUE(fs_->create_dirs(root_).is_ok());
    }
  }
  std::string at(const std::string& name) const { return join_path(root_, name); }

  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<FileSystem> fs_;
  std::string root_;
};

std::string kind_name(const ::testing::TestParamInfo<Kind>& param_info) {
  return param_info.param == Kind::kPosix ? "posix" : "sim";
}

INSTANTIATE_TEST_SUITE_P(Both, FileSystemContractTest, ::testing::Values(Kind::kPosix, Kind::kSim),
                         kind_name);

TEST_P(FileSystemContractTest, append_readAt_size_truncate) {
  auto f = fs_->open(at("a"), OpenMode::kCreate);
  ASSERT_TRUE(f.is_ok());
  File& file = *f.value();
  EXPECT_EQ(file.path(), at("a"));
  EXPECT_EQ(file.size(), 0u);
  ASSERT_TRUE(file.append("hello", 5).is_ok());
  ASSERT_TRUE(file.append(" world", 6).is_ok());
  EXPECT_EQ(file.size(), 11u);
  char buf[16] = {};
  auto n = file.read_at(6, buf, sizeof(buf));
  ASSERT_TRUE(n.is_ok());
  EXPECT_EQ(std::string(buf, n.value()), "world");
  n = file.read_at(11, buf, sizeof(buf));
  ASSERT_TRUE(n.is_ok());
  EXPECT_EQ(n.value(), 0u);
  ASSERT_TRUE(file.truncate(4).is_ok());
  EXPECT_EQ(file.size(), 4u);
  ASSERT_TRUE(file.append("!", 1).is_ok());  // appends go to the new end
  ASSERT_TRUE(file.sync().is_ok());
  EXPECT_EQ(read_or_die(*fs_, at("a")), "hell!");
}

TEST_P(FileSystemContractTest, writeAt_overwritesGrowsAndMixesWithAppend) {
  auto f = fs_->open(at("w"), OpenMode::kCreateExclusive);
  ASSERT_TRUE(f.is_ok());
  File& file = *f.value();
  ASSERT_TRUE(file.append("0123456789", 10).is_ok());
  ASSERT_TRUE(file.write_at(2, "ab", 2).is_ok());  // in place: the size stays
  EXPECT_EQ(file.size(), 10u);
  ASSERT_TRUE(file.write_at(12, "xy", 2).is_ok());  // past the end: a zero gap, then the bytes
  EXPECT_EQ(file.size(), 14u);
  ASSERT_TRUE(file.append("!", 1).is_ok());  // append still goes to the end
  ASSERT_TRUE(file.sync().is_ok());
  EXPECT_EQ(read_or_die(*fs_, at("w")), std::string("01ab456789\0\0xy!", 15));
  // A file reopened for writing takes write_at too.
  f.value().reset();
  auto g = fs_->open(at("w"), OpenMode::kReadWrite);
  ASSERT_TRUE(g.is_ok());
  ASSERT_TRUE(g.value()->write_at(0, "Z", 1).is_ok());
  ASSERT_TRUE(g.value()->append("?", 1).is_ok());
  ASSERT_TRUE(g.value()->sync().is_ok());
  EXPECT_EQ(read_or_die(*fs_, at("w")), std::string("Z1ab456789\0\0xy!?", 16));
}

TEST_P(FileSystemContractTest, open_modes) {
  auto missing = fs_->open(at("missing"), OpenMode::kRead);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find(at("missing")), std::string::npos);
  EXPECT_EQ(fs_->open(at("missing"), OpenMode::kReadWrite).status().code(), Code::kNotFound);
  EXPECT_FALSE(fs_->exists(at("missing")));

  put(*fs_, at("f"), "abc");
  EXPECT_TRUE(fs_->exists(at("f")));
  EXPECT_FALSE(fs_->open(at("f"), OpenMode::kCreateExclusive).is_ok());
  {
    auto kept = fs_->open(at("f"), OpenMode::kCreate);
    ASSERT_TRUE(kept.is_ok());
    EXPECT_EQ(kept.value()->size(), 3u);
  }
  {
    auto rw = fs_->open(at("f"), OpenMode::kReadWrite);
    ASSERT_TRUE(rw.is_ok());
    ASSERT_TRUE(rw.value()->append("d", 1).is_ok());
  }
  EXPECT_EQ(read_or_die(*fs_, at("f")), "abcd");
  auto ro = fs_->open(at("f"), OpenMode::kRead);
  ASSERT_TRUE(ro.is_ok());
  EXPECT_FALSE(ro.value()->append("x", 1).is_ok());
  EXPECT_FALSE(fs_->open(root_, OpenMode::kRead).is_ok());  // a directory
}

TEST_P(FileSystemContractTest, rename_overExistingFileReplacesIt) {
  put(*fs_, at("old"), "old");
  put(*fs_, at("new"), "new");
  ASSERT_TRUE(fs_->rename(at("new"), at("old")).is_ok());
  EXPECT_FALSE(fs_->exists(at("new")));
  EXPECT_EQ(read_or_die(*fs_, at("old")), "new");
  EXPECT_EQ(fs_->rename(at("new"), at("x")).code(), Code::kNotFound);
  ASSERT_TRUE(fs_->sync_dir(root_).is_ok());
}

TEST_P(FileSystemContractTest, list_isSortedAndExcludesDots) {
  for (const char* name : {"c", "a", "b.wal", "B"}) {
    put(*fs_, at(name), name);
  }
  ASSERT_TRUE(fs_->create_dirs(at("sub")).is_ok());
  auto names = fs_->list(root_);
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(names.value(), (std::vector<std::string>{"B", "a", "b.wal", "c", "sub"}));
  EXPECT_EQ(fs_->list(at("none")).status().code(), Code::kNotFound);
}

TEST_P(FileSystemContractTest, createDirs_makesMissingParents) {
  const std::string deep = join_path(at("x"), "y/z");
  ASSERT_TRUE(fs_->create_dirs(deep).is_ok());
  EXPECT_TRUE(fs_->exists(deep));
  ASSERT_TRUE(fs_->create_dirs(deep).is_ok());  // already there
  put(*fs_, join_path(deep, "f"), "f");
  EXPECT_EQ(fs_->list(at("x")).value(), std::vector<std::string>{"y"});
  EXPECT_FALSE(fs_->create_dirs(join_path(deep, "f/g")).is_ok());  // a file is in the way
}

TEST_P(FileSystemContractTest, identity_survivesRenameButNotCopyOrRecreation) {
  ASSERT_TRUE(fs_->create_dirs(at("d")).is_ok());
  const Result<std::uint64_t> d = fs_->identity(at("d"));
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(fs_->identity(at("d")).value(), d.value());  // stable
  // A copy (another directory with the same contents) is another directory.
  ASSERT_TRUE(fs_->create_dirs(at("copy")).is_ok());
  EXPECT_NE(fs_->identity(at("copy")).value(), d.value());
  // Files: a rename keeps the identity; the same name written again is another file.
  put(*fs_, at("f"), "x");
  const std::uint64_t f = fs_->identity(at("f")).value();
  EXPECT_NE(f, d.value());
  ASSERT_TRUE(fs_->rename(at("f"), at("g")).is_ok());
  EXPECT_EQ(fs_->identity(at("g")).value(), f);
  put(*fs_, at("f"), "x");
  EXPECT_NE(fs_->identity(at("f")).value(), f);
  EXPECT_EQ(fs_->identity(at("missing")).status().code(), Code::kNotFound);
}

TEST_P(FileSystemContractTest, lock_heldTwiceFailsUntilReleased) {
  auto first = fs_->lock(at("LOCK"));
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_TRUE(fs_->exists(at("LOCK")));
  auto second = fs_->lock(at("LOCK"));
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_NE(second.status().message().find(at("LOCK")), std::string::npos);
  first.value().reset();
  EXPECT_TRUE(fs_->lock(at("LOCK")).is_ok());
}

TEST_P(FileSystemContractTest, remove_deletesFile) {
  put(*fs_, at("f"), "f");
  ASSERT_TRUE(fs_->remove(at("f")).is_ok());
  EXPECT_FALSE(fs_->exists(at("f")));
  EXPECT_EQ(fs_->remove(at("f")).code(), Code::kNotFound);
  ASSERT_TRUE(fs_->sync_dir(root_).is_ok());
  EXPECT_EQ(fs_->sync_dir(at("none")).code(), Code::kNotFound);
}

TEST_P(FileSystemContractTest, readFile_readsWholeFile) {
  std::string big(10000, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>('a' + i % 26);
  }
  put(*fs_, at("big"), big);
  put(*fs_, at("empty"), "");
  EXPECT_EQ(read_or_die(*fs_, at("big")), big);
  EXPECT_EQ(read_or_die(*fs_, at("empty")), "");
  EXPECT_EQ(read_file(*fs_, at("none")).status().code(), Code::kNotFound);
}

TEST_P(FileSystemContractTest, readFile_sizesAroundTheProbeBuffer) {
  // read_file reads size() bytes, then probes for more through a 4 KiB buffer.
  for (std::size_t size : {1, 4095, 4096, 4097, 3 * 4096 + 5}) {
    std::string data(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
      data[i] = static_cast<char>(i * 7 + size);
    }
    const std::string path = at("f" + std::to_string(size));
    put(*fs_, path, data);
    EXPECT_EQ(read_or_die(*fs_, path), data) << size;
  }
}

TEST_P(FileSystemContractTest, writeFileAtomically_createsReplacesAndCleansUp) {
  const std::string path = at("meta");
  ASSERT_TRUE(write_file_atomically(*fs_, path, "one").is_ok());
  EXPECT_EQ(read_or_die(*fs_, path), "one");
  put(*fs_, path + ".tmp", "stale garbage from a crash");
  ASSERT_TRUE(write_file_atomically(*fs_, path, "two").is_ok());
  EXPECT_EQ(read_or_die(*fs_, path), "two");
  EXPECT_FALSE(fs_->exists(path + ".tmp"));
  EXPECT_EQ(fs_->list(root_).value(), std::vector<std::string>{"meta"});
}

// A process stopped after any number of steps of a replacement leaves the old contents or
// the new ones, and the next replacement cleans up after it.
TEST_P(FileSystemContractTest, writeFileAtomically_stoppedAtEachStepLeavesOldOrNew) {
  const std::string path = at("meta");
  const std::string old_contents = "old contents, version 1";
  const std::string new_contents = "new contents, version 2, somewhat longer";
  for (int budget = 0;; ++budget) {
    ASSERT_LT(budget, 20);
    ASSERT_TRUE(write_file_atomically(*fs_, path, old_contents).is_ok());
    StoppingFileSystem stopping(*fs_, budget);
    const Status s = write_file_atomically(stopping, path, new_contents);
    const std::string now = read_or_die(*fs_, path);
    EXPECT_TRUE(now == old_contents || now == new_contents) << "budget " << budget << ": " << now;
    if (s.is_ok()) {
      EXPECT_EQ(now, new_contents);
      EXPECT_GE(budget, 5);  // open, append, sync, rename, sync_dir
      break;
    }
    EXPECT_EQ(s.message(), "stopped");
  }
}

// Power loss at every step of a replacement, over many crash outcomes: the path holds the
// old or the new contents (never a mix, never nothing when an old version existed), the new
// ones once write_file_atomically returned OK, and a later replacement succeeds.
TEST(WriteFileAtomicallySimTest, powerLossAtEachStepLeavesOldOrNew) {
  const std::string path = "/d/meta";
  const std::string old_contents(50, 'o');
  const std::string new_contents = "new:" + std::string(60, 'n');
  int outcome_old = 0;
  int outcome_new = 0;
  int outcome_none = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const bool with_old = seed % 2 == 0;
    const bool stale_tmp = seed % 3 == 0;
    for (int budget = 0;; ++budget) {
      ASSERT_LT(budget, 20);
      SimFileSystem fs;
      base::Prng prng(seed);
      ASSERT_TRUE(fs.create_dirs("/d").is_ok());
      if (with_old) {
        ASSERT_TRUE(write_file_atomically(fs, path, old_contents).is_ok());
      }
      if (stale_tmp) {
        auto tmp = fs.open(path + ".tmp", OpenMode::kCreate);
        ASSERT_TRUE(tmp.value()->append("junk", 4).is_ok());
      }
      StoppingFileSystem stopping(fs, budget);
      const Status s = write_file_atomically(stopping, path, new_contents);
      fs.crash(prng);
      SCOPED_TRACE("seed " + std::to_string(seed) + " budget " + std::to_string(budget));
      if (!fs.exists(path)) {
        EXPECT_FALSE(with_old);
        EXPECT_FALSE(s.is_ok());
        outcome_none += 1;
      } else {
        const std::string now = read_or_die(fs, path);
        EXPECT_TRUE(now == old_contents || now == new_contents) << now;
        (now == new_contents ? outcome_new : outcome_old) += 1;
        if (s.is_ok()) {
          EXPECT_EQ(now, new_contents);
        }
      }
      ASSERT_TRUE(write_file_atomically(fs, path, "again").is_ok());
      EXPECT_EQ(read_or_die(fs, path), "again");
      if (s.is_ok()) {
        break;
      }
    }
  }
  EXPECT_GT(outcome_old, 0);
  EXPECT_GT(outcome_new, 0);
  EXPECT_GT(outcome_none, 0);
}

TEST(JoinPathTest, neverDoublesTheSeparator) {
  EXPECT_EQ(join_path("/data", "wal"), "/data/wal");
  EXPECT_EQ(join_path("/data/", "wal"), "/data/wal");
  EXPECT_EQ(join_path("/data/", "/wal"), "/data/wal");
  EXPECT_EQ(join_path("/data", "/wal"), "/data/wal");
  EXPECT_EQ(join_path("/", "wal"), "/wal");
  EXPECT_EQ(join_path("", "wal"), "wal");
  EXPECT_EQ(join_path("data", "a/b"), "data/a/b");
}

}  // namespace
}  // namespace helios::env
