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

// Copies every file and directory under kPath into `to` (a new directory), as cp -r does.
void copy_to_new_directory(env::SimFileSystem& fs, const std::string& to) {
  for (const auto& [path, bytes] : tree(fs, kPath)) {
    const std::string target = to + path.substr(std::string(kPath).size());
    if (target.back() == '/') {
      ASSERT_TRUE(fs.create_dirs(target.substr(0, target.size() - 1)).is_ok());
    } else {
      ASSERT_TRUE(fs.create_dirs(env::parent_dir(target)).is_ok());
      write_file(fs, target, bytes);
    }
  }
}

// Replaces kPath by a copy of itself (rm -rf after tar c, then tar x): the same files in a
// new directory.
void replace_with_copy(env::SimFileSystem& fs) {
  copy_to_new_directory(fs, "/backup");
  const std::map<std::string, std::string> files = tree(fs, kPath);
  for (auto it = files.rbegin(); it != files.rend(); ++it) {  // children before parents
    const std::string& path = it->first;
    ASSERT_TRUE(fs.remove(path.back() == '/' ? path.substr(0, path.size() - 1) : path).is_ok())
        << path;
  }
  ASSERT_TRUE(fs.remove(kPath).is_ok());
  for (const auto& [path, bytes] : tree(fs, "/backup")) {
    const std::string target = kPath + path.substr(std::string("/backup").size());
    if (target.back() == '/') {
      ASSERT_TRUE(fs.create_dirs(target.substr(0, target.size() - 1)).is_ok());
    } else {
      ASSERT_TRUE(fs.create_dirs(env::parent_dir(target)).is_ok());
      write_file(fs, target, bytes);
    }
  }
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
  const std::string meta = "format=2\nnode_id=node-1\ncluster_id=c1\nplace=" +
                           std::to_string(fs.identity(kPath).value()) + "\n";
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
  write_file(fs, "/data/node/META", meta_with_lines("format=3\nsomething=else\n"));
  expect_refused(fs, "node-1", "c1", Code::kInvalidArgument,
                 "data directory /data/node was written by a newer Helios (format 3; this build "
                 "reads formats 1 to 2)");
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
      "format=2\nnode_id=n\ncluster_id=c\n",
      "format=2\nnode_id=n\ncluster_id=c\nplace=\n",
      "format=2\nnode_id=n\ncluster_id=c\nplace=01\n",
      "format=2\nnode_id=n\ncluster_id=c\nplace=-1\n",
      "format=2\nnode_id=n\ncluster_id=c\nplace=18446744073709551616\n",
      "format=2\nnode_id=n\ncluster_id=c\nspot=1\n",
      "format=2\nnode_id=n\ncluster_id=c\nplace=1\nextra=1\n",
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
            (DataDirMeta{1, "n", "c", 0}));
  EXPECT_EQ(decode_meta(
                meta_with_lines("format=2\nnode_id=n\ncluster_id=c\nplace=18446744073709551615\n"))
                .value(),
            (DataDirMeta{2, "n", "c", UINT64_MAX}));
}

// The example in docs/formats.md, byte for byte.
TEST(DataDirTest, encodeMeta_matchesTheDocumentedExample) {
  EXPECT_EQ(encode_meta(DataDirMeta{2, "node-1", "c1", 1837}),
            "format=2\nnode_id=node-1\ncluster_id=c1\nplace=1837\nchecksum=307c1d7786fd169c\n");
}

TEST(DataDirTest, encodeMeta_roundTrips) {
  const DataDirMeta meta{kDataDirFormat, "node_1.A-z", std::string(kMaxIdBytes, 'x'), 42};
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
            (DataDirMeta{2, "node-3", "c9", fs.identity(kPath).value()}));
}

TEST(DataDirTest, open_recreatesMissingSubdirectories) {
  env::SimFileSystem fs;
  open_ok(fs).reset();
  ASSERT_TRUE(fs.remove("/data/node/snap").is_ok());
  auto dir = open_ok(fs);
  ASSERT_NE(dir, nullptr);
  EXPECT_TRUE(fs.exists("/data/node/snap"));
}

// A copy of a data directory (the same files in another directory, as tar, cp or rsync
// make it) is refused, with what the operator may do, and nothing changes.
TEST(DataDirTest, open_copyIsRefused) {
  env::SimFileSystem fs;
  open_ok(fs).reset();
  const std::map<std::string, std::string> original = tree(fs, kPath);
  replace_with_copy(fs);
  const std::map<std::string, std::string> copied = tree(fs, kPath);
  ASSERT_EQ(copied.at("/data/node/META"), original.at("/data/node/META"));
  expect_refused(fs, "node-1", "c1", Code::kInvalidArgument, "data directory /data/node is a copy");
  expect_refused(fs, "node-1", "c1", Code::kInvalidArgument, "--accept-moved-data-dir");
  expect_refused(fs, "node-1", "c1", Code::kInvalidArgument, "--force-new-cluster");
}

TEST(DataDirTest, open_acceptNewPlaceRecordsIt) {
  env::SimFileSystem fs;
  open_ok(fs).reset();
  replace_with_copy(fs);
  DataDirOptions accept;
  accept.accept_new_place = true;
  {
    Result<std::unique_ptr<DataDir>> dir = DataDir::open(fs, kPath, "node-1", "c1", accept);
    ASSERT_TRUE(dir.is_ok()) << dir.status().to_string();
    EXPECT_TRUE(dir.value()->changes().place_changed);
    EXPECT_TRUE(dir.value()->changes().previous_cluster_id.empty());
  }
  // Recorded: the next plain open accepts it and changes nothing.
  const std::map<std::string, std::string> before = tree(fs);
  auto dir = open_ok(fs);
  ASSERT_NE(dir, nullptr);
  EXPECT_FALSE(dir->changes().place_changed);
  EXPECT_EQ(tree(fs), before);
  EXPECT_EQ(decode_meta(env::read_file(fs, "/data/node/META").value()).value().place,
            fs.identity(kPath).value());
}

TEST(DataDirTest, open_newClusterRewritesTheClusterIdOnce) {
  env::SimFileSystem fs;
  open_ok(fs, "node-1", "old").reset();
  DataDirOptions force;
  force.new_cluster = true;
  // The same cluster id is no new cluster: refused (also what a leftover flag runs into).
  {
    const std::map<std::string, std::string> before = tree(fs);
    Result<std::unique_ptr<DataDir>> same = DataDir::open(fs, kPath, "node-1", "old", force);
    ASSERT_FALSE(same.is_ok());
    EXPECT_NE(same.status().message().find("a new cluster needs a new cluster id"),
              std::string::npos)
        << same.status().message();
    EXPECT_EQ(tree(fs), before);
  }
  // Another node's directory stays refused.
  {
    Result<std::unique_ptr<DataDir>> other = DataDir::open(fs, kPath, "node-2", "new", force);
    ASSERT_FALSE(other.is_ok());
    EXPECT_NE(other.status().message().find("belongs to node node-1"), std::string::npos);
  }
  // Until finish_new_cluster(), META keeps the old id (a crash there leaves the old cluster).
  {
    Result<std::unique_ptr<DataDir>> dir = DataDir::open(fs, kPath, "node-1", "new", force);
    ASSERT_TRUE(dir.is_ok()) << dir.status().to_string();
    EXPECT_EQ(dir.value()->cluster_id(), "old");
    EXPECT_EQ(dir.value()->pending_cluster_id(), "new");
    EXPECT_EQ(dir.value()->changes().previous_cluster_id, "old");
  }
  EXPECT_NE(open_ok(fs, "node-1", "old"), nullptr);
  {
    Result<std::unique_ptr<DataDir>> dir = DataDir::open(fs, kPath, "node-1", "new", force);
    ASSERT_TRUE(dir.is_ok()) << dir.status().to_string();
    ASSERT_TRUE(dir.value()->finish_new_cluster().is_ok());
    EXPECT_EQ(dir.value()->cluster_id(), "new");
    EXPECT_EQ(dir.value()->pending_cluster_id(), "");
  }
  expect_refused(fs, "node-1", "old", Code::kInvalidArgument,
                 "belongs to node node-1 of cluster new");
  EXPECT_NE(open_ok(fs, "node-1", "new"), nullptr);
  // A copy may start a new cluster too.
  copy_to_new_directory(fs, "/data/copy");
  Result<std::unique_ptr<DataDir>> copy = DataDir::open(fs, "/data/copy", "node-1", "newer", force);
  ASSERT_TRUE(copy.is_ok()) << copy.status().to_string();
  EXPECT_EQ(copy.value()->changes().previous_cluster_id, "new");
}

// A directory of the previous format (no place=) opens and is upgraded in place.
TEST(DataDirTest, open_format1IsUpgraded) {
  env::SimFileSystem fs;
  open_ok(fs).reset();
  write_file(fs, "/data/node/META", meta_with_lines("format=1\nnode_id=node-1\ncluster_id=c1\n"));
  {
    auto dir = open_ok(fs);
    ASSERT_NE(dir, nullptr);
    EXPECT_TRUE(dir->changes().upgraded);
  }
  EXPECT_EQ(decode_meta(env::read_file(fs, "/data/node/META").value()).value(),
            (DataDirMeta{2, "node-1", "c1", fs.identity(kPath).value()}));
  auto again = open_ok(fs);
  ASSERT_NE(again, nullptr);
  EXPECT_FALSE(again->changes().upgraded);
}

// The real disk: a copy made with the file system's own tools is told from the original.
TEST(DataDirTest, open_copyIsRefusedOnPosix) {
  std::random_device rd;
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("helios-data-dir-copy-" + std::to_string(rd()));
  const std::string path = (root / "node").string();
  const std::string moved = (root / "moved").string();
  env::PosixFileSystem fs;
  ASSERT_TRUE(DataDir::open(fs, path, "node-1", "c1").is_ok());
  std::filesystem::rename(path, moved);  // mv: the same directory, not a copy
  {
    Result<std::unique_ptr<DataDir>> dir = DataDir::open(fs, moved, "node-1", "c1");
    ASSERT_TRUE(dir.is_ok()) << dir.status().to_string();
    EXPECT_FALSE(dir.value()->changes().place_changed);
  }
  std::filesystem::copy(moved, path, std::filesystem::copy_options::recursive);  // cp -r
  Result<std::unique_ptr<DataDir>> copy = DataDir::open(fs, path, "node-1", "c1");
  ASSERT_FALSE(copy.is_ok());
  EXPECT_NE(copy.status().message().find("is a copy"), std::string::npos)
      << copy.status().to_string();
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace helios::storage
