// The data directory: creation, identity checks, the lock, and refusals that change
// nothing on disk. Mostly on the simulated file system; the lock also on the real one.
#include "storage/data_dir.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include "base/checksum.h"
#include "base/prng.h"
#include "env/posix/posix_file_system.h"
#include "env/sim/sim_file_system.h"

namespace helios::storage {
namespace {

constexpr char kPath[] = "/data/node";

// Every file (path -> bytes) and directory (path + "/" -> "") under `dir`.
void collect(env::FileSystem& fs, const std::string& dir, std::map<std::string, std::string>& out) {
  Result<std::vector<std::string>> names = fs.list(dir);
  ASSERT_TRUE(names.is_ok()) << names.status().to_string();
  for (const std::string& name : names.value()) {
    const std::string path = env::join_path(dir, name);
    if (fs.list(path).is_ok()) {
      out[path + "/"] = "";
      collect(fs, path, out);
    } else {
      Result<std::string> bytes = env::read_file(fs, path);
      ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
      out[path] = bytes.value();
    }
  }
}

std::map<std::string, std::string> tree(env::FileSystem& fs, const std::string& dir = "/") {
  std::map<std::string, std::string> out;
  collect(fs, dir, out);
  return out;
}

void write_file(env::FileSystem& fs, const std::string& path, const std::string& contents) {
  Result<std::unique_ptr<env::File>> f = fs.open(path, env::OpenMode::kCreate);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_TRUE(f.value()->truncate(0).is_ok());
  ASSERT_TRUE(f.value()->append(contents.data(), contents.size()).is_ok());
  ASSERT_TRUE(f.value()->sync().is_ok());
}

std::unique_ptr<DataDir> open_ok(env::FileSystem& fs, const std::string& node = "node-1",
                                 const std::string& cluster = "c1") {
  Result<std::unique_ptr<DataDir>> dir = DataDir::open(fs, kPath, node, cluster);
  EXPECT_TRUE(dir.is_ok()) << dir.status().to_string();
  return dir.is_ok() ? std::move(dir).value() : nullptr;
}

// META bytes with the given lines before the checksum line and a correct checksum.
std::string meta_with_lines(const std::string& lines) {
  char sum[17];
  std::snprintf(sum, sizeof(sum), "%016llx",
                static_cast<unsigned long long>(base::checksum64(lines, 0)));
  return lines + "checksum=" + sum + "\n";
}

// Opening must fail with `code` and a message containing `text`, and change nothing.
void expect_refused(env::FileSystem& fs, const std::string& node, const std::string& cluster,
                    Code code, const std::string& text) {
  const std::map<std::string, std::string> before = tree(fs);
  Result<std::unique_ptr<DataDir>> dir = DataDir::open(fs, kPath, node, cluster);
  ASSERT_FALSE(dir.is_ok());
  EXPECT_EQ(dir.status().code(), code) << dir.status().to_string();
  EXPECT_NE(dir.status().message().find(text), std::string::npos) << dir.status().message();
  EXPECT_EQ(tree(fs), before);
}

TEST(DataDirTest, open_newDirectoryGetsMetaLockAndSubdirectories) {
  env::SimFileSystem fs;
  auto dir = open_ok(fs);
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(dir->path(), kPath);
  EXPECT_EQ(dir->node_id(), "node-1");
  EXPECT_EQ(dir->cluster_id(), "c1");
  EXPECT_EQ(dir->wal_dir(), "/data/node/wal");
  EXPECT_EQ(dir->snapshot_dir(), "/data/node/snap");
  const std::map<std::string, std::string> files = tree(fs, kPath);
  const std::string meta = "format=1\nnode_id=node-1\ncluster_id=c1\n";
  EXPECT_EQ(files, (std::map<std::string, std::string>{{"/data/node/LOCK", ""},
                                                       {"/data/node/META", meta_with_lines(meta)},
                                                       {"/data/node/snap/", ""},
                                                       {"/data/node/wal/", ""}}));
  // Everything that makes it a data directory is durable at once.
  EXPECT_TRUE(fs.durably_exists("/data/node/META"));
  EXPECT_TRUE(fs.durably_exists("/data/node/wal"));
  EXPECT_TRUE(fs.durably_exists("/data/node/snap"));
}

TEST(DataDirTest, open_existingEmptyDirectoryIsANewNode) {
  env::SimFileSystem fs;
  ASSERT_TRUE(fs.create_dirs(kPath).is_ok());
  auto dir = open_ok(fs);
  ASSERT_NE(dir, nullptr);
  EXPECT_TRUE(fs.exists("/data/node/META"));
}

TEST(DataDirTest, open_reopenKeepsMetaUnchanged) {
  env::SimFileSystem fs;
  open_ok(fs).reset();
  const std::map<std::string, std::string> before = tree(fs);
  auto dir = open_ok(fs);
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(tree(fs), before);
}

TEST(DataDirTest, open_reopenAfterCrashSeesTheSameNode) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    env::SimFileSystem fs;
    auto dir = open_ok(fs);
    ASSERT_NE(dir, nullptr);
    base::Prng prng(seed);
    dir.reset();
    fs.crash(prng);
    ASSERT_NE(open_ok(fs), nullptr) << "seed " << seed;
    expect_refused(fs, "node-2", "c1", Code::kInvalidArgument, "belongs to node node-1");
  }
}

// A crash during the first open (any sync may fail, which stops it) leaves a directory that
// opens again as a new node or as the node it was being made for; never a refused one.
TEST(DataDirTest, open_crashDuringFirstOpenLeavesAnOpenableDirectory) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    base::Prng prng(seed);
    env::SimFileSystem fs;
    fs.set_sync_failure_chance(0.5, &prng);
    { Result<std::unique_ptr<DataDir>> first = DataDir::open(fs, kPath, "node-1", "c1"); }
    fs.set_sync_failure_chance(0, nullptr);
    fs.crash(prng);
    const bool had_meta = fs.exists("/data/node/META");
    // Whoever opens next decides; node-2 succeeds only if node-1's META did not survive.
    Result<std::unique_ptr<DataDir>> next = DataDir::open(fs, kPath, "node-2", "c1");
    EXPECT_EQ(next.is_ok(), !had_meta) << "seed " << seed << ": " << next.status().to_string();
    if (had_meta) {
      EXPECT_EQ(next.status().code(), Code::kInvalidArgument) << next.status().to_string();
      ASSERT_NE(open_ok(fs), nullptr) << "seed " << seed;
    }
  }
}

TEST(DataDirTest, open_lockedTwiceFails) {
  env::SimFileSystem fs;
  auto dir = open_ok(fs);
  ASSERT_NE(dir, nullptr);
  expect_refused(fs, "node-1", "c1", Code::kUnavailable,
                 "data directory /data/node is in use by another process");
  dir.reset();
  EXPECT_NE(open_ok(fs), nullptr);
}

// The real disk: flock conflicts between two opens, as between two processes.
TEST(DataDirTest, open_lockedTwiceFailsOnPosix) {
  std::random_device rd;
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("helios-data-dir-test-" + std::to_string(rd()));
  ASSERT_FALSE(std::filesystem::exists(root));
  const std::string path = (root / "node").string();
  env::PosixFileSystem fs;
  {
    Result<std::unique_ptr<DataDir>> first = DataDir::open(fs, path, "node-1", "c1");
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();
    Result<std::unique_ptr<DataDir>> second = DataDir::open(fs, path, "node-1", "c1");
    ASSERT_FALSE(second.is_ok());
    EXPECT_EQ(second.status().code(), Code::kUnavailable);
    EXPECT_EQ(second.status().message(),
              "data directory " + path + " is in use by another process");
  }
  {
    Result<std::unique_ptr<DataDir>> again = DataDir::open(fs, path, "node-1", "c1");
    EXPECT_TRUE(again.is_ok()) << again.status().to_string();
  }
  std::filesystem::remove_all(root);
}

TEST(DataDirTest, open_wrongNodeIsRefused) {
  env::SimFileSystem fs;
  open_ok(fs, "node-2", "c1").reset();
  const std::map<std::string, std::string> before = tree(fs);
  Result<std::unique_ptr<DataDir>> dir = DataDir::open(fs, kPath, "node-1", "c1");
  ASSERT_FALSE(dir.is_ok());
  EXPECT_EQ(dir.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(dir.status().message(),
            "data directory /data/node belongs to node node-2 of cluster c1, not node-1 of "
            "cluster c1");
  EXPECT_EQ(tree(fs), before);
  // The lock was released: the right node still opens it.
  EXPECT_NE(open_ok(fs, "node-2", "c1"), nullptr);
}

TEST(DataDirTest, open_wrongClusterIsRefused) {
  env::SimFileSystem fs;
  open_ok(fs, "node-1", "c1").reset();
  expect_refused(fs, "node-1", "c2", Code::kInvalidArgument,
                 "data directory /data/node belongs to node node-1 of cluster c1, not node-1 of "
                 "cluster c2");
}

TEST(DataDirTest, open_newerFormatIsRefused) {
  env::SimFileSystem fs;
  open_ok(fs).reset();
  // A future format may have other lines; only the first and the checksum line are fixed.
  write_file(fs, "/data/node/META", meta_with_lines("format=2\nsomething=else\n"));
  expect_refused(fs, "node-1", "c1", Code::kInvalidArgument,
                 "data directory /data/node was written by a newer Helios (format 2; this build "
                 "reads format 1)");
}

TEST(DataDirTest, open_corruptMetaIsRefused) {
  env::SimFileSystem fs;
  open_ok(fs).reset();
  const std::string good = env::read_file(fs, "/data/node/META").value();
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    write_file(fs, "/data/node/META", bad);
    expect_refused(fs, "node-1", "c1", Code::kCorruption, "/data/node/META: ");
  }
  write_file(fs, "/data/node/META", good.substr(0, good.size() - 5));
  expect_refused(fs, "node-1", "c1", Code::kCorruption, "/data/node/META: ");
  write_file(fs, "/data/node/META", "");
  expect_refused(fs, "node-1", "c1", Code::kCorruption, "/data/node/META: ");
}

TEST(DataDirTest, decodeMeta_rejectsMalformedContentsWithAValidChecksum) {
  const std::vector<std::string> bodies = {
      "",
      "format=1\n",
      "format=1\nnode_id=n\n",
      "format=1\nnode_id=n\ncluster_id=c\nextra=1\n",
      "format=1\ncluster_id=c\nnode_id=n\n",
      "format=0\nnode_id=n\ncluster_id=c\n",
      "format=01\nnode_id=n\ncluster_id=c\n",
      "format=x\nnode_id=n\ncluster_id=c\n",
      "node_id=n\nformat=1\ncluster_id=c\n",
      "format=1\nnode_id=\ncluster_id=c\n",
      "format=1\nnode_id=a b\ncluster_id=c\n",
      "format=1\nnode_id=n\ncluster_id=" + std::string(129, 'c') + "\n",
  };
  for (const std::string& body : bodies) {
    Result<DataDirMeta> meta = decode_meta(meta_with_lines(body));
    ASSERT_FALSE(meta.is_ok()) << body;
    EXPECT_EQ(meta.status().code(), Code::kCorruption) << body;
  }
  // The checksum is lowercase hex; uppercase digits are not accepted.
  std::string upper = meta_with_lines("format=1\nnode_id=n\ncluster_id=c\n");
  for (std::size_t i = upper.find("checksum=") + 9; i < upper.size(); ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  }
  ASSERT_NE(upper, meta_with_lines("format=1\nnode_id=n\ncluster_id=c\n"));
  EXPECT_EQ(decode_meta(upper).status().code(), Code::kCorruption);
  EXPECT_EQ(decode_meta(meta_with_lines("format=1\nnode_id=n\ncluster_id=c\n")).value(),
            (DataDirMeta{1, "n", "c"}));
}

// The example in docs/formats.md, byte for byte.
TEST(DataDirTest, encodeMeta_matchesTheDocumentedExample) {
  EXPECT_EQ(encode_meta(DataDirMeta{1, "node-1", "c1"}),
            "format=1\nnode_id=node-1\ncluster_id=c1\nchecksum=4c4fe9b22858d735\n");
}

TEST(DataDirTest, encodeMeta_roundTrips) {
  const DataDirMeta meta{kDataDirFormat, "node_1.A-z", std::string(kMaxIdBytes, 'x')};
  Result<DataDirMeta> decoded = decode_meta(encode_meta(meta));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded.value(), meta);
}

TEST(DataDirTest, open_badIdsAreRefusedBeforeTouchingTheDisk) {
  const std::vector<std::string> bad = {"",       std::string(kMaxIdBytes + 1, 'n'),
                                        "node/1", "node 1",
                                        "n\n",    std::string("n\0", 2),
                                        "nöde",   "node=1"};
  for (const std::string& id : bad) {
    env::SimFileSystem fs;
    Result<std::unique_ptr<DataDir>> bad_node = DataDir::open(fs, kPath, id, "c1");
    ASSERT_FALSE(bad_node.is_ok()) << id;
    EXPECT_EQ(bad_node.status().code(), Code::kInvalidArgument) << id;
    EXPECT_NE(bad_node.status().message().find("node id"), std::string::npos);
    Result<std::unique_ptr<DataDir>> bad_cluster = DataDir::open(fs, kPath, "node-1", id);
    ASSERT_FALSE(bad_cluster.is_ok()) << id;
    EXPECT_EQ(bad_cluster.status().code(), Code::kInvalidArgument) << id;
    EXPECT_NE(bad_cluster.status().message().find("cluster id"), std::string::npos);
    EXPECT_FALSE(fs.exists("/data")) << id;
  }
  env::SimFileSystem fs;
  EXPECT_NE(open_ok(fs, std::string(kMaxIdBytes, 'n'), "A.b_c-9"), nullptr);
}

TEST(DataDirTest, open_dataWithoutMetaIsRefused) {
  for (const std::string sub : {"wal", "snap"}) {
    env::SimFileSystem fs;
    ASSERT_TRUE(fs.create_dirs(std::string(kPath) + "/" + sub).is_ok());
    expect_refused(fs, "node-1", "c1", Code::kCorruption, "has data but no META");
    EXPECT_FALSE(fs.exists("/data/node/LOCK"));
  }
}

TEST(DataDirTest, open_foreignNonEmptyDirectoryIsRefused) {
  env::SimFileSystem fs;
  ASSERT_TRUE(fs.create_dirs(kPath).is_ok());
  write_file(fs, "/data/node/notes.txt", "mine");
  expect_refused(fs, "node-1", "c1", Code::kInvalidArgument,
                 "is not empty and is not a Helios data directory");
}

TEST(DataDirTest, open_leftoversOfAnInterruptedFirstOpenAreANewNode) {
  env::SimFileSystem fs;
  ASSERT_TRUE(fs.create_dirs(kPath).is_ok());
  write_file(fs, "/data/node/LOCK", "");
  write_file(fs, "/data/node/META.tmp", "format=1\nnode_");
  auto dir = open_ok(fs, "node-3", "c9");
  ASSERT_NE(dir, nullptr);
  EXPECT_FALSE(fs.exists("/data/node/META.tmp"));
  EXPECT_EQ(decode_meta(env::read_file(fs, "/data/node/META").value()).value(),
            (DataDirMeta{1, "node-3", "c9"}));
}

TEST(DataDirTest, open_recreatesMissingSubdirectories) {
  env::SimFileSystem fs;
  open_ok(fs).reset();
  ASSERT_TRUE(fs.remove("/data/node/snap").is_ok());
  auto dir = open_ok(fs);
  ASSERT_NE(dir, nullptr);
  EXPECT_TRUE(fs.exists("/data/node/snap"));
}

}  // namespace
}  // namespace helios::storage
