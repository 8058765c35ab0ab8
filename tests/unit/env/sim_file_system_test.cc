// SimFileSystem's crash and fault model: what survives a power loss, over many seeds.
#include "env/sim/sim_file_system.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/prng.h"

namespace helios::env {
namespace {

constexpr std::uint64_t kSeeds = 500;

std::unique_ptr<File> open_or_die(FileSystem& fs, const std::string& path, OpenMode mode) {
  auto f = fs.open(path, mode);
  EXPECT_TRUE(f.is_ok()) << f.status().to_string();
  return f.is_ok() ? std::move(f.value()) : nullptr;
}

void append(File& file, const std::string& data) {
  ASSERT_TRUE(file.append(data.data(), data.size()).is_ok());
}

std::string contents(FileSystem& fs, const std::string& path) {
  Result<std::string> r = read_file(fs, path);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? r.value() : "";
}

// A file system with the directory /d durable.
class SimFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_.create_dirs("/d").is_ok()); }
  SimFileSystem fs_;
};

TEST_F(SimFileSystemTest, crash_unsyncedAppendsSurviveAsATornPrefix) {
  const std::string synced = "synced|";
  const std::vector<std::string> chunks = {"aaaa", "bbbbbb", "cc"};
  const std::string all = synced + chunks[0] + chunks[1] + chunks[2];
  int kept_all = 0;
  int kept_none = 0;
  int torn = 0;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    SimFileSystem fs;
    ASSERT_TRUE(fs.create_dirs("/d").is_ok());
    auto f = open_or_die(fs, "/d/wal", OpenMode::kCreateExclusive);
    append(*f, synced);
    ASSERT_TRUE(f->sync().is_ok());
    ASSERT_TRUE(fs.sync_dir("/d").is_ok());
    for (const std::string& chunk : chunks) {
      append(*f, chunk);
    }
    EXPECT_EQ(fs.unsynced_bytes(), all.size() - synced.size());
    EXPECT_EQ(fs.durable_contents("/d/wal"), synced);
    base::Prng prng(seed);
    fs.crash(prng);
    const std::string now = contents(fs, "/d/wal");
    // Never less than what was synced, never more than what was written, never a hole.
    ASSERT_GE(now.size(), synced.size()) << "seed " << seed;
    ASSERT_LE(now.size(), all.size()) << "seed " << seed;
    ASSERT_EQ(now, all.substr(0, now.size())) << "seed " << seed;
    EXPECT_EQ(fs.unsynced_bytes(), 0u);
    const std::size_t tail = now.size() - synced.size();
    kept_all += now == all ? 1 : 0;
    kept_none += tail == 0 ? 1 : 0;
    torn += tail != 0 && tail != 4 && tail != 10 && tail != 12 ? 1 : 0;
  }
  EXPECT_GT(kept_all, 0);
  EXPECT_GT(kept_none, 0);
  EXPECT_GT(torn, 0);
}

// In-place writes into a synced, zero-filled file (the WAL's preallocated segments): a crash
// keeps a prefix of the writes, in order, the last one possibly torn; every byte not kept
// is what the synced file held there (zero), and the size never changes.
TEST_F(SimFileSystemTest, crash_unsyncedWriteAtSurvivesAsATornPrefixOverTheOldBytes) {
  const std::string zeros(32, '\0');
  const std::vector<std::string> writes = {"aaaa", "bbbbbb", "cc"};
  int torn = 0;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    SimFileSystem fs;
    ASSERT_TRUE(fs.create_dirs("/d").is_ok());
    auto f = open_or_die(fs, "/d/seg", OpenMode::kCreateExclusive);
    append(*f, zeros);
    ASSERT_TRUE(f->sync().is_ok());
    ASSERT_TRUE(fs.sync_dir("/d").is_ok());
    std::string all = zeros;
    std::uint64_t offset = 3;
    for (const std::string& w : writes) {
      ASSERT_TRUE(f->write_at(offset, w.data(), w.size()).is_ok());
      all.replace(offset, w.size(), w);
      offset += w.size();
    }
    EXPECT_EQ(fs.durable_contents("/d/seg"), zeros);
    base::Prng prng(seed);
    fs.crash(prng);
    const std::string now = contents(fs, "/d/seg");
    ASSERT_EQ(now.size(), zeros.size()) << "seed " << seed;
    const std::size_t kept =
        now.find_last_not_of('\0') == std::string::npos ? 3 : now.find_last_not_of('\0') + 1;
    ASSERT_EQ(now.substr(0, kept), all.substr(0, kept)) << "seed " << seed;
    ASSERT_EQ(now.substr(kept), zeros.substr(kept)) << "seed " << seed;
    torn += kept != 3 && kept != 7 && kept != 13 && kept != 15 ? 1 : 0;
  }
  EXPECT_GT(torn, 0);
}

TEST_F(SimFileSystemTest, crash_syncedDataAlwaysSurvives) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    SimFileSystem fs;
    ASSERT_TRUE(fs.create_dirs("/d").is_ok());
    {
      auto f = open_or_die(fs, "/d/f", OpenMode::kCreateExclusive);
      append(*f, "first");
      ASSERT_TRUE(f->truncate(3).is_ok());
      append(*f, "-second");
      ASSERT_TRUE(f->sync().is_ok());
    }
    ASSERT_TRUE(fs.sync_dir("/d").is_ok());
    EXPECT_TRUE(fs.durably_exists("/d/f"));
    EXPECT_EQ(fs.durable_contents("/d/f"), "fir-second");
    base::Prng prng(seed);
    fs.crash(prng);
    ASSERT_EQ(contents(fs, "/d/f"), "fir-second") << "seed " << seed;
  }
}

TEST_F(SimFileSystemTest, crash_unsyncedTruncateMayBeUndone) {
  int undone = 0;
  int kept = 0;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    SimFileSystem fs;
    ASSERT_TRUE(fs.create_dirs("/d").is_ok());
    ASSERT_TRUE(write_file_atomically(fs, "/d/f", "0123456789").is_ok());
    auto f = open_or_die(fs, "/d/f", OpenMode::kReadWrite);
    ASSERT_TRUE(f->truncate(4).is_ok());
    base::Prng prng(seed);
    fs.crash(prng);
    const std::string now = contents(fs, "/d/f");
    ASSERT_TRUE(now == "0123456789" || now == "0123") << now;
    (now == "0123" ? kept : undone) += 1;
  }
  EXPECT_GT(undone, 0);
  EXPECT_GT(kept, 0);
}

TEST_F(SimFileSystemTest, crash_syncedFileInUnsyncedDirectoryMayVanish) {
  int vanished = 0;
  int survived = 0;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    SimFileSystem fs;
    ASSERT_TRUE(fs.create_dirs("/d").is_ok());
    {
      auto f = open_or_die(fs, "/d/new", OpenMode::kCreateExclusive);
      append(*f, "data");
      ASSERT_TRUE(f->sync().is_ok());
    }
    EXPECT_FALSE(fs.durably_exists("/d/new"));
    base::Prng prng(seed);
    fs.crash(prng);
    if (fs.exists("/d/new")) {
      EXPECT_EQ(contents(fs, "/d/new"), "data");  // its data was synced
      survived += 1;
    } else {
      EXPECT_EQ(fs.list("/d").value(), std::vector<std::string>{});
      vanished += 1;
    }
  }
  EXPECT_GT(vanished, 0);
  EXPECT_GT(survived, 0);
}

TEST_F(SimFileSystemTest, crash_removeWithoutSyncDirMayBeUndone) {
  int undone = 0;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    SimFileSystem fs;
    ASSERT_TRUE(fs.create_dirs("/d").is_ok());
    ASSERT_TRUE(write_file_atomically(fs, "/d/a", "a").is_ok());
    ASSERT_TRUE(write_file_atomically(fs, "/d/b", "b").is_ok());
    ASSERT_TRUE(fs.remove("/d/a").is_ok());
    ASSERT_TRUE(fs.remove("/d/b").is_ok());
    ASSERT_TRUE(fs.sync_dir("/d").is_ok());
    ASSERT_TRUE(write_file_atomically(fs, "/d/c", "c").is_ok());
    ASSERT_TRUE(fs.remove("/d/c").is_ok());
    EXPECT_TRUE(fs.durably_exists("/d/c"));
    EXPECT_FALSE(fs.durably_exists("/d/a"));
    base::Prng prng(seed);
    fs.crash(prng);
    EXPECT_FALSE(fs.exists("/d/a"));
    EXPECT_FALSE(fs.exists("/d/b"));
    if (fs.exists("/d/c")) {
      EXPECT_EQ(contents(fs, "/d/c"), "c");
      undone += 1;
    }
  }
  EXPECT_GT(undone, 0);
}

// Over many crashes, a renamed file has exactly one of its two names.
TEST_F(SimFileSystemTest, crash_renameKeepsTheOldNameOrTheNewOne) {
  int old_name = 0;
  int new_name = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    SimFileSystem fs;
    ASSERT_TRUE(fs.create_dirs("/d").is_ok());
    ASSERT_TRUE(write_file_atomically(fs, "/d/from", "x").is_ok());
    ASSERT_TRUE(fs.open("/d/earlier", OpenMode::kCreate).is_ok());  // pending before it
    ASSERT_TRUE(fs.rename("/d/from", "/d/to").is_ok());
    ASSERT_TRUE(fs.open("/d/later", OpenMode::kCreate).is_ok());  // pending after it
    base::Prng prng(seed);
    fs.crash(prng);
    const bool at_old = fs.exists("/d/from");
    const bool at_new = fs.exists("/d/to");
    ASSERT_NE(at_old, at_new) << "seed " << seed;
    EXPECT_EQ(contents(fs, at_old ? "/d/from" : "/d/to"), "x");
    if (fs.exists("/d/later")) {
      EXPECT_TRUE(at_new);  // a prefix of the directory's operations survives
    }
    if (at_new) {
      EXPECT_TRUE(fs.exists("/d/earlier"));
    }
    (at_old ? old_name : new_name) += 1;
  }
  EXPECT_GT(old_name, 0);
  EXPECT_GT(new_name, 0);
}

// Only what Helios needs is modelled; the rest fails loudly rather than crashing wrongly.
TEST_F(SimFileSystemTest, rename_acrossDirectoriesIsNotModelled) {
  ASSERT_TRUE(fs_.create_dirs("/e").is_ok());
  ASSERT_TRUE(write_file_atomically(fs_, "/d/f", "x").is_ok());
  EXPECT_EQ(fs_.rename("/d/f", "/e/f").code(), Code::kInvalidArgument);
  EXPECT_EQ(fs_.rename("/d", "/e/d").code(), Code::kInvalidArgument);
  EXPECT_TRUE(fs_.exists("/d/f"));
  EXPECT_FALSE(fs_.exists("/e/f"));
}

TEST_F(SimFileSystemTest, syncFailure_losesTheDataAtTheNextCrash) {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    SimFileSystem fs;
    ASSERT_TRUE(fs.create_dirs("/d").is_ok());
    ASSERT_TRUE(write_file_atomically(fs, "/d/f", "durable|").is_ok());
    auto f = open_or_die(fs, "/d/f", OpenMode::kReadWrite);
    append(*f, "lost");
    fs.fail_next_sync();
    const Status s = f->sync();
    ASSERT_EQ(s.code(), Code::kIoError);
    EXPECT_NE(s.message().find("/d/f"), std::string::npos);
    EXPECT_EQ(contents(fs, "/d/f"), "durable|lost");  // still in the page cache
    EXPECT_EQ(fs.unsynced_bytes(), 0u);               // but never going to disk
    EXPECT_EQ(fs.durable_contents("/d/f"), "durable|");
    base::Prng prng(seed);
    fs.crash(prng);
    ASSERT_EQ(contents(fs, "/d/f"), "durable|") << "seed " << seed;
  }
}

// As on Linux, a sync after a failed one succeeds but cannot bring the dropped pages back.
TEST_F(SimFileSystemTest, syncFailure_laterSyncLeavesAHole) {
  auto f = open_or_die(fs_, "/d/f", OpenMode::kCreateExclusive);
  ASSERT_TRUE(fs_.sync_dir("/d").is_ok());
  append(*f, "ab");
  fs_.fail_next_sync();
  EXPECT_FALSE(f->sync().is_ok());
  append(*f, "cd");
  ASSERT_TRUE(f->sync().is_ok());
  EXPECT_EQ(fs_.durable_contents("/d/f"), std::string("\0\0cd", 4));
  base::Prng prng(1);
  fs_.crash(prng);
  EXPECT_EQ(contents(fs_, "/d/f"), std::string("\0\0cd", 4));
}

TEST_F(SimFileSystemTest, syncDirFailure_makesNothingDurable) {
  auto f = open_or_die(fs_, "/d/f", OpenMode::kCreateExclusive);
  fs_.fail_next_sync();
  EXPECT_EQ(fs_.sync_dir("/d").code(), Code::kIoError);
  EXPECT_FALSE(fs_.durably_exists("/d/f"));
  ASSERT_TRUE(fs_.sync_dir("/d").is_ok());  // only the next call failed
  EXPECT_TRUE(fs_.durably_exists("/d/f"));
}

TEST_F(SimFileSystemTest, syncFailureChance_failsThatShareOfSyncs) {
  base::Prng faults(3);
  auto f = open_or_die(fs_, "/d/f", OpenMode::kCreateExclusive);
  fs_.set_sync_failure_chance(1.0, &faults);
  EXPECT_FALSE(f->sync().is_ok());
  EXPECT_FALSE(fs_.sync_dir("/d").is_ok());
  fs_.set_sync_failure_chance(0.5, &faults);
  int failed = 0;
  for (int i = 0; i < 200; ++i) {
    failed += f->sync().is_ok() ? 0 : 1;
  }
  EXPECT_GT(failed, 50);
  EXPECT_LT(failed, 150);
  fs_.set_sync_failure_chance(0.0, nullptr);
  EXPECT_TRUE(f->sync().is_ok());
  EXPECT_TRUE(fs_.sync_dir("/d").is_ok());
}

TEST_F(SimFileSystemTest, crash_killsOpenHandles) {
  auto f = open_or_die(fs_, "/d/f", OpenMode::kCreateExclusive);
  append(*f, "abc");
  ASSERT_TRUE(f->sync().is_ok());
  ASSERT_TRUE(fs_.sync_dir("/d").is_ok());
  base::Prng prng(1);
  fs_.crash(prng);
  char buf[4];
  EXPECT_EQ(f->append("x", 1).code(), Code::kIoError);
  EXPECT_EQ(f->append("x", 1).message(), "file system crashed");
  EXPECT_EQ(f->read_at(0, buf, sizeof(buf)).status().code(), Code::kIoError);
  EXPECT_EQ(f->sync().code(), Code::kIoError);
  EXPECT_EQ(f->truncate(0).code(), Code::kIoError);
  EXPECT_EQ(f->size(), 0u);
  EXPECT_EQ(f->path(), "/d/f");
  auto reopened = open_or_die(fs_, "/d/f", OpenMode::kReadWrite);
  EXPECT_EQ(reopened->size(), 3u);
  append(*reopened, "d");
  EXPECT_EQ(contents(fs_, "/d/f"), "abcd");
}

TEST_F(SimFileSystemTest, lock_releasedByCrash) {
  auto before = fs_.lock("/d/LOCK");
  ASSERT_TRUE(before.is_ok());
  EXPECT_EQ(fs_.lock("/d/LOCK").status().code(), Code::kUnavailable);
  EXPECT_TRUE(fs_.lock("/d/OTHER").is_ok());  // another path is free
  base::Prng prng(1);
  fs_.crash(prng);
  auto after = fs_.lock("/d/LOCK");
  ASSERT_TRUE(after.is_ok());
  before.value().reset();  // a dead lock releases nothing
  EXPECT_EQ(fs_.lock("/d/LOCK").status().code(), Code::kUnavailable);
}

TEST_F(SimFileSystemTest, crash_isDeterministicGivenThePrng) {
  const auto run = [](std::uint64_t seed) {
    SimFileSystem fs;
    EXPECT_TRUE(fs.create_dirs("/d").is_ok());
    for (int i = 0; i < 8; ++i) {
      auto f = open_or_die(fs, "/d/f" + std::to_string(i), OpenMode::kCreateExclusive);
      append(*f, std::string(40 + i, static_cast<char>('a' + i)));
      if (i % 3 == 0) {
        EXPECT_TRUE(f->sync().is_ok());
      }
    }
    base::Prng prng(seed);
    fs.crash(prng);
    std::string outcome;
    const std::vector<std::string> names = fs.list("/d").value();
    for (const std::string& name : names) {
      outcome += name + "=" + contents(fs, "/d/" + name) + ";";
    }
    return outcome;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(1), run(2));
}

TEST_F(SimFileSystemTest, directories_createdDurablyAndRemovedWhenEmpty) {
  ASSERT_TRUE(fs_.create_dirs("/d/snap/1").is_ok());
  EXPECT_TRUE(fs_.durably_exists("/d/snap/1"));
  ASSERT_TRUE(write_file_atomically(fs_, "/d/snap/1/data", "x").is_ok());
  EXPECT_EQ(fs_.remove("/d/snap/1").code(), Code::kIoError);  // not empty
  EXPECT_EQ(fs_.rename("/d/snap/1", "/d/snap/2").code(), Code::kInvalidArgument);
  ASSERT_TRUE(fs_.remove("/d/snap/1/data").is_ok());
  ASSERT_TRUE(fs_.remove("/d/snap/1").is_ok());
  EXPECT_FALSE(fs_.exists("/d/snap/1"));
  EXPECT_EQ(fs_.list("/d/snap").value(), std::vector<std::string>{});
  EXPECT_EQ(fs_.open("/d/snap/1/data", OpenMode::kCreate).status().code(), Code::kNotFound);
  base::Prng prng(1);
  fs_.crash(prng);
  EXPECT_FALSE(fs_.exists("/d/snap/1"));
  EXPECT_TRUE(fs_.exists("/d/snap"));
}

}  // namespace
}  // namespace helios::env
