// Snapshot files: round trips, retention, refusal to go backwards, corruption of the newest
// file, and crashes at every step of save() on the simulated file system.
#include "storage/snapshot_store.h"

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/prng.h"
#include "env/sim/sim_file_system.h"

namespace helios::storage {
namespace {

constexpr char kDir[] = "/data/snap";

raft::SnapshotMeta meta(Term term, Index index, std::vector<NodeId> voters = {1, 2, 3}) {
  return raft::SnapshotMeta{index, term, raft::ConfState{std::move(voters)}};
}

// Data that differs per snapshot, so a mix-up is visible.
std::string data_for(Term term, Index index, std::size_t size = 300) {
  std::string d;
  for (std::size_t i = 0; i < size; ++i) {
    d.push_back(static_cast<char>((term * 31 + index * 7 + i) & 0xff));
  }
  return d;
}

std::unique_ptr<env::SimFileSystem> new_fs() {
  auto fs = std::make_unique<env::SimFileSystem>();
  EXPECT_TRUE(fs->create_dirs(kDir).is_ok());
  return fs;
}

void save_ok(SnapshotStore& store, Term term, Index index) {
  Status s = store.save(meta(term, index), data_for(term, index));
  ASSERT_TRUE(s.is_ok()) << s.to_string();
}

std::vector<std::string> names(env::FileSystem& fs) {
  Result<std::vector<std::string>> r = fs.list(kDir);
  EXPECT_TRUE(r.is_ok());
  return r.is_ok() ? r.value() : std::vector<std::string>{};
}

std::string path_of(Term term, Index index) {
  return env::join_path(kDir, snapshot_file_name(term, index));
}

void overwrite(env::FileSystem& fs, const std::string& path, const std::string& contents) {
  Result<std::unique_ptr<env::File>> f = fs.open(path, env::OpenMode::kCreate);
  ASSERT_TRUE(f.is_ok());
  ASSERT_TRUE(f.value()->truncate(0).is_ok());
  ASSERT_TRUE(f.value()->append(contents.data(), contents.size()).is_ok());
  ASSERT_TRUE(f.value()->sync().is_ok());
}

TEST(SnapshotStoreTest, fileName_roundTripsAndSortsByTermThenIndex) {
  EXPECT_EQ(snapshot_file_name(2, 0x1f), "snap-0000000000000002-000000000000001f.snap");
  EXPECT_EQ(parse_snapshot_file_name(snapshot_file_name(7, 9)), (std::pair<Term, Index>{7, 9}));
  EXPECT_EQ(parse_snapshot_file_name(snapshot_file_name(UINT64_MAX, 1)),
            (std::pair<Term, Index>{UINT64_MAX, 1}));
  EXPECT_LT(snapshot_file_name(1, 0xffff), snapshot_file_name(2, 1));
  for (const char* bad : {"snap-0000000000000002-000000000000001F.snap",
                          "snap-0000000000000002-000000000000001f.snap.tmp",
                          "snap-0000000000000002_000000000000001f.snap", "snap-2-1f.snap", ""}) {
    EXPECT_FALSE(parse_snapshot_file_name(bad)) << bad;
  }
}

TEST(SnapshotStoreTest, loadLatest_emptyDirectoryHasNone) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  Result<std::optional<Snapshot>> latest = store.load_latest();
  ASSERT_TRUE(latest.is_ok()) << latest.status().to_string();
  EXPECT_FALSE(latest.value().has_value());
  EXPECT_TRUE(store.list().value().empty());
}

TEST(SnapshotStoreTest, saveLoad_roundTrips) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  const std::string data = std::string("binary\0data\xff", 12) + data_for(3, 42, 5000);
  ASSERT_TRUE(store.save(meta(3, 42, {1, 5, UINT64_MAX}), data).is_ok());
  EXPECT_EQ(names(*fs), std::vector<std::string>{snapshot_file_name(3, 42)});
  Result<std::optional<Snapshot>> latest = SnapshotStore(*fs, kDir).load_latest();
  ASSERT_TRUE(latest.is_ok()) << latest.status().to_string();
  ASSERT_TRUE(latest.value().has_value());
  EXPECT_EQ(latest.value()->meta, meta(3, 42, {1, 5, UINT64_MAX}));
  EXPECT_EQ(latest.value()->data, data);
  // The byte layout of the header (the doc and the header promise it).
  const std::string bytes = env::read_file(*fs, path_of(3, 42)).value();
  EXPECT_EQ(bytes.size(), kSnapshotFramingSize + 3 * 8 + data.size());
  EXPECT_EQ(bytes.substr(0, 8), "HELIOSSN");
  EXPECT_EQ(base::load_u32(bytes.data() + 8), 1u);    // version
  EXPECT_EQ(base::load_u32(bytes.data() + 12), 0u);   // reserved
  EXPECT_EQ(base::load_u64(bytes.data() + 16), 42u);  // index
  EXPECT_EQ(base::load_u64(bytes.data() + 24), 3u);   // term
  EXPECT_EQ(base::load_u32(bytes.data() + 32), 3u);   // voter count
  EXPECT_EQ(base::load_u64(bytes.data() + 36 + 16), UINT64_MAX);
  EXPECT_EQ(base::load_u64(bytes.data() + 60), data.size());
  EXPECT_EQ(bytes.substr(68, data.size()), data);
  const std::string_view covered(bytes.data(), bytes.size() - 8);
  EXPECT_EQ(base::load_u64(bytes.data() + covered.size()), base::checksum64(covered, 0));
  EXPECT_EQ(bytes.substr(0, 36 + 24 + 8),
            encode_snapshot_header(meta(3, 42, {1, 5, UINT64_MAX}), data.size()));
}

TEST(SnapshotStoreTest, saveLoad_emptyDataAndNoVoters) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  ASSERT_TRUE(store.save(meta(1, 1, {}), "").is_ok());
  Result<std::optional<Snapshot>> latest = store.load_latest();
  ASSERT_TRUE(latest.is_ok()) << latest.status().to_string();
  EXPECT_EQ(latest.value()->meta, meta(1, 1, {}));
  EXPECT_EQ(latest.value()->data, "");
}

TEST(SnapshotStoreTest, save_keepsTheNewestN) {
  for (std::size_t keep : {1u, 2u, 3u}) {
    auto fs = new_fs();
    SnapshotStore store(*fs, kDir, keep);
    for (Index i = 1; i <= 6; ++i) {
      save_ok(store, 1 + i / 3, i * 10);
    }
    Result<std::vector<raft::SnapshotMeta>> listed = store.list();
    ASSERT_TRUE(listed.is_ok()) << listed.status().to_string();
    ASSERT_EQ(listed.value().size(), keep);
    EXPECT_EQ(names(*fs).size(), keep);
    for (std::size_t k = 0; k < keep; ++k) {
      const Index index = (6 - k) * 10;
      EXPECT_EQ(listed.value()[k], meta(1 + index / 30, index)) << "keep " << keep;
    }
    EXPECT_EQ(store.load_latest().value()->meta, meta(3, 60));
  }
}

TEST(SnapshotStoreTest, save_removesStrayTemporariesAndLeavesForeignFiles) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  overwrite(*fs, path_of(1, 5) + ".tmp", "half a snapshot");
  overwrite(*fs, path_of(2, 20) + ".tmp", "a stale temporary of the same name");
  overwrite(*fs, std::string(kDir) + "/README", "not ours");
  save_ok(store, 2, 20);
  EXPECT_EQ(names(*fs), (std::vector<std::string>{"README", snapshot_file_name(2, 20)}));
  EXPECT_EQ(store.load_latest().value()->data, data_for(2, 20));
}

TEST(SnapshotStoreTest, save_olderThanTheNewestIsRefused) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  save_ok(store, 3, 100);
  EXPECT_EQ(store.save(meta(3, 99), "x").code(), Code::kInvalidArgument);
  EXPECT_EQ(store.save(meta(2, 120), "x").code(), Code::kInvalidArgument);
  EXPECT_EQ(names(*fs), std::vector<std::string>{snapshot_file_name(3, 100)});
  // The same snapshot again replaces it; newer ones are taken. The store is not poisoned.
  save_ok(store, 3, 100);
  save_ok(store, 3, 101);
  save_ok(store, 4, 101);
  EXPECT_EQ(store.load_latest().value()->meta, meta(4, 101));
}

TEST(SnapshotStoreTest, loadLatest_flippedByteInNewestIsCorruptionNamingTheFile) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  save_ok(store, 1, 10);
  ASSERT_TRUE(store.save(meta(2, 20), data_for(2, 20, 40)).is_ok());
  const std::string good = env::read_file(*fs, path_of(2, 20)).value();
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    overwrite(*fs, path_of(2, 20), bad);
    Result<std::optional<Snapshot>> latest = store.load_latest();
    ASSERT_FALSE(latest.is_ok()) << "byte " << i;
    EXPECT_EQ(latest.status().code(), Code::kCorruption) << "byte " << i;
    EXPECT_NE(latest.status().message().find(path_of(2, 20)), std::string::npos)
        << latest.status().message();
  }
  // Never a silent fall back to the older snapshot, which is intact.
  overwrite(*fs, path_of(2, 20), good);
  EXPECT_EQ(store.load_latest().value()->meta, meta(2, 20));
}

TEST(SnapshotStoreTest, loadLatest_truncatedOrMisnamedNewestIsCorruption) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  save_ok(store, 1, 10);
  const std::string good = env::read_file(*fs, path_of(1, 10)).value();
  for (std::size_t size : {std::size_t{0}, std::size_t{20}, good.size() - 1}) {
    overwrite(*fs, path_of(2, 20), good.substr(0, size));
    EXPECT_EQ(store.load_latest().status().code(), Code::kCorruption) << size;
    EXPECT_EQ(store.list().status().code(), Code::kCorruption) << size;
  }
  // A complete, valid file under another snapshot's name.
  overwrite(*fs, path_of(2, 20), good);
  Result<std::optional<Snapshot>> latest = store.load_latest();
  EXPECT_EQ(latest.status().code(), Code::kCorruption);
  EXPECT_NE(latest.status().message().find("does not match the file name"), std::string::npos);
  EXPECT_EQ(store.list().status().code(), Code::kCorruption);
}

TEST(SnapshotStoreTest, save_failedSyncPoisonsTheStore) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  save_ok(store, 1, 10);
  fs->fail_next_sync();  // the temporary file's
  const Status failed = store.save(meta(2, 20), data_for(2, 20));
  EXPECT_EQ(failed.code(), Code::kIoError);
  EXPECT_EQ(store.save(meta(3, 30), "x").to_string(), failed.to_string());
  EXPECT_FALSE(fs->exists(path_of(2, 20)));
  EXPECT_FALSE(fs->exists(path_of(3, 30)));
  EXPECT_EQ(store.load_latest().value()->meta, meta(1, 10));
}

// Any sync (the file's or the directory's) may fail; after a crash the old snapshot or the
// new one loads, and the new one whenever save() returned OK.
TEST(SnapshotStoreTest, save_failedSyncsThenCrashLeaveTheOldOrTheNewSnapshot) {
  int failures = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    base::Prng prng(seed);
    auto fs = new_fs();
    SnapshotStore store(*fs, kDir);
    save_ok(store, 1, 10);
    fs->set_sync_failure_chance(0.3, &prng);
    const Status s = store.save(meta(2, 20), data_for(2, 20));
    fs->set_sync_failure_chance(0, nullptr);
    failures += s.is_ok() ? 0 : 1;
    fs->crash(prng);
    Result<std::optional<Snapshot>> latest = SnapshotStore(*fs, kDir).load_latest();
    ASSERT_TRUE(latest.is_ok()) << "seed " << seed << ": " << latest.status().to_string();
    const raft::SnapshotMeta got = latest.value()->meta;
    EXPECT_TRUE(got == meta(1, 10) || got == meta(2, 20)) << "seed " << seed;
    EXPECT_EQ(latest.value()->data, data_for(got.term, got.index));
    if (s.is_ok()) {
      EXPECT_EQ(got, meta(2, 20)) << "seed " << seed;
    }
  }
  EXPECT_GT(failures, 0);
}

// ---------------------------------------------------------------------------------------
// Crashes inside save(): DyingFileSystem forwards to a SimFileSystem until it has made
// `budget` changing calls, then fails every call, as if the process died at that step;
// SimFileSystem::crash then drops what was not durable.

class DyingFileSystem;

class DyingFile final : public env::File {
 public:
  DyingFile(DyingFileSystem& fs, std::unique_ptr<env::File> file)
      : fs_(fs), file_(std::move(file)) {}
  Status append(const void* data, std::size_t size) override;
  Result<std::size_t> read_at(std::uint64_t offset, void* data, std::size_t size) const override {
    return file_->read_at(offset, data, size);
  }
  Status sync() override;
  Status truncate(std::uint64_t size) override;
  std::uint64_t size() const override { return file_->size(); }
  const std::string& path() const override { return file_->path(); }

 private:
  DyingFileSystem& fs_;
  std::unique_ptr<env::File> file_;
};

class DyingFileSystem final : public env::FileSystem {
 public:
  DyingFileSystem(env::FileSystem& fs, std::uint64_t budget) : fs_(fs), budget_(budget) {}

  // Whether the process is still alive for one more changing call.
  Status step() {
    if (steps_ >= budget_) {
      return Status(Code::kIoError, "process died");
    }
    ++steps_;
    return Status::ok();
  }
  std::uint64_t steps() const { return steps_; }

  Result<std::unique_ptr<env::File>> open(const std::string& path, env::OpenMode mode) override {
    if (mode != env::OpenMode::kRead) {
      if (Status s = step(); !s.is_ok()) {
        return s;
      }
    }
    Result<std::unique_ptr<env::File>> f = fs_.open(path, mode);
    if (!f.is_ok()) {
      return f.status();
    }
    return std::unique_ptr<env::File>(std::make_unique<DyingFile>(*this, std::move(f).value()));
  }
  Status rename(const std::string& from, const std::string& to) override {
    if (Status s = step(); !s.is_ok()) {
      return s;
    }
    return fs_.rename(from, to);
  }
  Status remove(const std::string& path) override {
    if (Status s = step(); !s.is_ok()) {
      return s;
    }
    return fs_.remove(path);
  }
  Status sync_dir(const std::string& dir) override {
    if (Status s = step(); !s.is_ok()) {
      return s;
    }
    return fs_.sync_dir(dir);
  }
  Result<std::vector<std::string>> list(const std::string& dir) override { return fs_.list(dir); }
  Status create_dirs(const std::string& dir) override {
    if (Status s = step(); !s.is_ok()) {
      return s;
    }
    return fs_.create_dirs(dir);
  }
  bool exists(const std::string& path) override { return fs_.exists(path); }
  Result<std::unique_ptr<env::FileLock>> lock(const std::string& path) override {
    if (Status s = step(); !s.is_ok()) {
      return s;
    }
    return fs_.lock(path);
  }

 private:
  env::FileSystem& fs_;
  std::uint64_t budget_;
  std::uint64_t steps_ = 0;
};

Status DyingFile::append(const void* data, std::size_t size) {
  if (Status s = fs_.step(); !s.is_ok()) {
    return s;
  }
  return file_->append(data, size);
}
Status DyingFile::sync() {
  if (Status s = fs_.step(); !s.is_ok()) {
    return s;
  }
  return file_->sync();
}
Status DyingFile::truncate(std::uint64_t size) {
  if (Status s = fs_.step(); !s.is_ok()) {
    return s;
  }
  return file_->truncate(size);
}

// Three durable saves, (1,10), (1,20) and (2,30), of which keep=2 leaves the last two; then
// a save of (2,40) that dies after `budget` changing calls (its pruning removes (2,30)'s
// predecessor), then a power loss. Returns how many changing calls the save made.
std::uint64_t save_and_die(env::SimFileSystem& fs, std::uint64_t budget, base::Prng& prng) {
  {
    SnapshotStore store(fs, kDir);
    const std::vector<std::pair<Term, Index>> before = {{1, 10}, {1, 20}, {2, 30}};
    for (const auto& [term, index] : before) {
      save_ok(store, term, index);
    }
  }
  DyingFileSystem dying(fs, budget);
  SnapshotStore store(dying, kDir);
  const Status s = store.save(meta(2, 40), data_for(2, 40));
  if (!s.is_ok()) {
    EXPECT_EQ(dying.steps(), budget) << s.to_string();
  }
  fs.crash(prng);
  return dying.steps();
}

TEST(SnapshotStoreCrashTest, save_crashAtAnyStepLeavesTheOldOrTheNewSnapshot) {
  base::Prng count_prng(0);
  env::SimFileSystem counting;
  ASSERT_TRUE(counting.create_dirs(kDir).is_ok());
  const std::uint64_t total = save_and_die(counting, UINT64_MAX, count_prng);
  ASSERT_GE(total, 7u);  // open, 3 appends, sync, rename, sync_dir, then pruning
  int saw_old = 0;
  int saw_new = 0;
  for (std::uint64_t budget = 0; budget <= total; ++budget) {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      base::Prng prng(seed * 1000 + budget);
      auto fs = new_fs();
      save_and_die(*fs, budget, prng);
      Result<std::optional<Snapshot>> latest = SnapshotStore(*fs, kDir).load_latest();
      ASSERT_TRUE(latest.is_ok()) << "budget " << budget << " seed " << seed << ": "
                                  << latest.status().to_string();
      ASSERT_TRUE(latest.value().has_value());
      const raft::SnapshotMeta got = latest.value()->meta;
      ASSERT_TRUE(got == meta(2, 30) || got == meta(2, 40)) << "budget " << budget;
      EXPECT_EQ(latest.value()->data, data_for(got.term, got.index));
      // Once the directory sync returned, the new snapshot must survive.
      if (budget == total) {
        EXPECT_EQ(got, meta(2, 40)) << "seed " << seed;
      }
      (got == meta(2, 40) ? saw_new : saw_old)++;
      // The store goes on: the next save succeeds and cleans up what the crash left.
      SnapshotStore store(*fs, kDir);
      save_ok(store, 3, 50);
      EXPECT_EQ(names(*fs), (std::vector<std::string>{snapshot_file_name(got.term, got.index),
                                                      snapshot_file_name(3, 50)}));
    }
  }
  EXPECT_GT(saw_old, 0);
  EXPECT_GT(saw_new, 0);
}

}  // namespace
}  // namespace helios::storage
