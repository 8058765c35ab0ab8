// PosixFileSystem on a fresh temporary directory: what the contract suite in
// file_system_test.cc cannot see (the bytes really on disk, error texts, flock between two
// opens in one process). Talks to no network.
#include "env/posix/posix_file_system.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace helios::env {
namespace {

// A fresh directory under the system temporary directory, removed with everything in it.
class PosixFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto base = std::filesystem::temp_directory_path();
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    for (int attempt = 0;; ++attempt) {
      dir_ = base / ("helios-posix-test-" + std::to_string(stamp) + "-" + std::to_string(attempt));
      if (std::filesystem::create_directory(dir_)) {
        break;
      }
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string at(const std::string& name) const { return (dir_ / name).string(); }

  static std::string disk_contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  std::filesystem::path dir_;
  PosixFileSystem fs_;
};

TEST_F(PosixFileSystemTest, append_reachesTheDisk) {
  auto f = fs_.open(at("wal"), OpenMode::kCreateExclusive);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  std::string big(1 << 20, 'z');  // large enough for the kernel to take it in pieces
  ASSERT_TRUE(f.value()->append(big.data(), big.size()).is_ok());
  ASSERT_TRUE(f.value()->append("end", 3).is_ok());
  ASSERT_TRUE(f.value()->sync().is_ok());
  EXPECT_EQ(std::filesystem::file_size(at("wal")), big.size() + 3);
  EXPECT_EQ(disk_contents(at("wal")), big + "end");
  ASSERT_TRUE(f.value()->truncate(2).is_ok());
  EXPECT_EQ(disk_contents(at("wal")), "zz");
  ASSERT_TRUE(fs_.sync_dir(dir_.string()).is_ok());
}

TEST_F(PosixFileSystemTest, writeGatherAt_writesThePiecesInOrderAtTheOffset) {
  auto f = fs_.open(at("wal"), OpenMode::kCreateExclusive);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_TRUE(f.value()->append("0123456789", 10).is_ok());  // an O_APPEND descriptor first
  // More pieces than one pwritev takes (IOV_MAX, 1024 on Linux), empty ones among them, and
  // a large one the kernel may take in parts.
  std::vector<std::string> owned;
  std::string expected = "0123";
  for (int i = 0; i < 3000; ++i) {
    owned.push_back(i % 7 == 0 ? "" : "p" + std::to_string(i));
  }
  owned.push_back(std::string(3 << 20, 'x'));
  std::vector<std::string_view> pieces;
  for (const std::string& piece : owned) {
    pieces.push_back(piece);
    expected += piece;
  }
  ASSERT_TRUE(f.value()->write_gather_at(4, pieces).is_ok());
  ASSERT_TRUE(f.value()->append("end", 3).is_ok());  // appends after what it wrote
  ASSERT_TRUE(f.value()->sync().is_ok());
  EXPECT_EQ(disk_contents(at("wal")), expected + "end");
}

TEST_F(PosixFileSystemTest, errors_nameThePathAndTheReason) {
  const Status missing = fs_.open(at("missing"), OpenMode::kRead).status();
  EXPECT_EQ(missing.code(), Code::kNotFound);
  EXPECT_NE(missing.message().find(at("missing")), std::string::npos) << missing.message();
  EXPECT_NE(missing.message().find("No such file or directory"), std::string::npos);

  ASSERT_TRUE(fs_.open(at("f"), OpenMode::kCreateExclusive).is_ok());
  const Status exists = fs_.open(at("f"), OpenMode::kCreateExclusive).status();
  EXPECT_EQ(exists.code(), Code::kIoError);
  EXPECT_NE(exists.message().find("File exists"), std::string::npos) << exists.message();

  const Status not_dir = fs_.sync_dir(at("f"));
  EXPECT_EQ(not_dir.code(), Code::kIoError);
  EXPECT_NE(not_dir.message().find(at("f")), std::string::npos) << not_dir.message();

  const Status full = fs_.remove(dir_.string());
  EXPECT_EQ(full.code(), Code::kIoError);  // a non-empty directory
  EXPECT_NE(full.message().find(dir_.string()), std::string::npos) << full.message();
}

// flock belongs to the open file description: two lock() calls in one process conflict.
TEST_F(PosixFileSystemTest, lock_twoOpensInOneProcessConflict) {
  auto first = fs_.lock(at("LOCK"));
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  const Status second = fs_.lock(at("LOCK")).status();
  EXPECT_EQ(second.code(), Code::kUnavailable);
  EXPECT_EQ(second.message(), "lock " + at("LOCK") + " is held by another process");
  first.value().reset();
  auto third = fs_.lock(at("LOCK"));
  EXPECT_TRUE(third.is_ok()) << third.status().to_string();
  EXPECT_EQ(fs_.lock(at("no-such-dir/LOCK")).status().code(), Code::kNotFound);
}

TEST_F(PosixFileSystemTest, createDirs_makesRealDirectories) {
  ASSERT_TRUE(fs_.create_dirs(at("a/b/c")).is_ok());
  EXPECT_TRUE(std::filesystem::is_directory(at("a/b/c")));
  ASSERT_TRUE(fs_.create_dirs(at("a/b/c/")).is_ok());  // a trailing '/' is harmless
  ASSERT_TRUE(fs_.create_dirs(at("a//d")).is_ok());    // so is a doubled one
  EXPECT_TRUE(std::filesystem::is_directory(at("a/d")));
  ASSERT_TRUE(fs_.create_dirs("/").is_ok());
  std::ofstream(at("a/file")) << "x";
  const Status blocked = fs_.create_dirs(at("a/file/e"));
  EXPECT_EQ(blocked.code(), Code::kIoError);
  EXPECT_NE(blocked.message().find(at("a/file")), std::string::npos) << blocked.message();
}

TEST_F(PosixFileSystemTest, renameAndRemove_changeTheDirectory) {
  std::ofstream(at("x.tmp")) << "new";
  std::ofstream(at("x")) << "old";
  ASSERT_TRUE(fs_.rename(at("x.tmp"), at("x")).is_ok());
  EXPECT_EQ(disk_contents(at("x")), "new");
  EXPECT_FALSE(std::filesystem::exists(at("x.tmp")));
  ASSERT_TRUE(fs_.create_dirs(at("empty")).is_ok());
  EXPECT_EQ(fs_.list(dir_.string()).value(), (std::vector<std::string>{"empty", "x"}));
  ASSERT_TRUE(fs_.remove(at("x")).is_ok());
  ASSERT_TRUE(fs_.remove(at("empty")).is_ok());
  ASSERT_TRUE(fs_.sync_dir(dir_.string()).is_ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

}  // namespace
}  // namespace helios::env
