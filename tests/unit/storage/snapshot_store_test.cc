// Snapshot files: round trips, retention, refusal to go backwards, corruption of the newest
// file, and crashes at every step of save() on the simulated file system.
#include "storage/snapshot_store.h"

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/prng.h"
#include "env/sim/sim_file_system.h"
#include "raft/membership.h"

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
  const std::string conf = raft::encode_conf_state(meta(3, 42, {1, 5, UINT64_MAX}).conf_state);
  EXPECT_EQ(bytes.size(), kSnapshotFramingSize + conf.size() + data.size());
  EXPECT_EQ(bytes.substr(0, 8), "HELIOSSN");
  EXPECT_EQ(base::load_u32(bytes.data() + 8), 2u);            // version
  EXPECT_EQ(base::load_u32(bytes.data() + 12), 0u);           // reserved
  EXPECT_EQ(base::load_u64(bytes.data() + 16), 42u);          // index
  EXPECT_EQ(base::load_u64(bytes.data() + 24), 3u);           // term
  EXPECT_EQ(base::load_u32(bytes.data() + 32), conf.size());  // configuration length
  EXPECT_EQ(bytes.substr(36, conf.size()), conf);
  EXPECT_EQ(base::load_u64(bytes.data() + 36 + conf.size()), data.size());
  EXPECT_EQ(bytes.substr(44 + conf.size(), data.size()), data);
  const std::string_view covered(bytes.data(), bytes.size() - 8);
  EXPECT_EQ(base::load_u64(bytes.data() + covered.size()), base::checksum64(covered, 0));
  EXPECT_EQ(bytes.substr(0, 36 + conf.size() + 8),
            encode_snapshot_header(meta(3, 42, {1, 5, UINT64_MAX}), data.size()));
}

TEST(SnapshotStoreTest, load_readsVersionOneFiles) {
  // Version 1 (before membership changes): a voter count and the voters, unsorted allowed.
  auto fs = new_fs();
  const std::string data = data_for(2, 7, 100);
  std::string bytes("HELIOSSN", 8);
  base::put_u32(bytes, 1);
  base::put_u32(bytes, 0);
  base::put_u64(bytes, 7);
  base::put_u64(bytes, 2);
  base::put_u32(bytes, 3);
  for (NodeId id : {3, 1, 2}) {
    base::put_u64(bytes, id);
  }
  base::put_u64(bytes, data.size());
  bytes += data;
  base::put_u64(bytes, base::checksum64(bytes, 0));
  overwrite(*fs, path_of(2, 7), bytes);
  Result<std::optional<Snapshot>> latest = SnapshotStore(*fs, kDir).load_latest();
  ASSERT_TRUE(latest.is_ok()) << latest.status().to_string();
  EXPECT_EQ(latest.value()->meta, meta(2, 7, {1, 2, 3}));
  EXPECT_EQ(latest.value()->data, data);
}

TEST(SnapshotStoreTest, saveLoad_keepsLearnersJointVotersAndContext) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  raft::SnapshotMeta m = meta(4, 40, {1, 2, 4});
  m.conf_state.learners = {5, 6};
  m.conf_state.voters_outgoing = {1, 2, 3};
  m.conf_state.context = std::string("addresses\0of every member", 26);
  ASSERT_TRUE(store.save(m, "data").is_ok());
  Result<std::optional<Snapshot>> latest = SnapshotStore(*fs, kDir).load_latest();
  ASSERT_TRUE(latest.is_ok()) << latest.status().to_string();
  EXPECT_EQ(latest.value()->meta, m);
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

// With a dispose function, each pruned snapshot reaches it open and already unlinked (the
// runtime closes it on its worker: freeing a big file's blocks is slow).
TEST(SnapshotStoreTest, prune_handsRemovedFilesToDispose) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir, 1);
  std::vector<std::unique_ptr<env::File>> disposed;
  store.set_dispose([&](std::unique_ptr<env::File> f) { disposed.push_back(std::move(f)); });
  save_ok(store, 1, 10);
  EXPECT_TRUE(disposed.empty());
  save_ok(store, 1, 20);
  ASSERT_EQ(disposed.size(), 1u);
  EXPECT_EQ(disposed[0]->path(), path_of(1, 10));
  EXPECT_FALSE(fs->exists(path_of(1, 10)));
  EXPECT_EQ(names(*fs).size(), 1u);
  EXPECT_EQ(store.load_latest().value()->meta, meta(1, 20));
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
  Status write_at(std::uint64_t offset, const void* data, std::size_t size) override;
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
  Result<std::uint64_t> identity(const std::string& path) override { return fs_.identity(path); }
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
Status DyingFile::write_at(std::uint64_t offset, const void* data, std::size_t size) {
  if (Status s = fs_.step(); !s.is_ok()) {
    return s;
  }
  return file_->write_at(offset, data, size);
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

// ---------------------------------------------------------------------------------------
// The halves of save() (write_temporary, commit), received files, and the calls recovery
// uses to fall back past a damaged snapshot (stored, load, set_aside).

std::string tmp_name(Term term, Index index) {
  return snapshot_file_name(term, index) + ".tmp";
}
std::string recv_name(Term term, Index index) {
  return snapshot_file_name(term, index) + ".0000000000000001.recv.tmp";
}
// The file names of the snapshots `which`, in directory order (as names() lists them).
std::vector<std::string> snapshot_names(std::vector<std::pair<Term, Index>> which) {
  std::vector<std::string> out;
  for (const auto& [term, index] : which) {
    out.push_back(snapshot_file_name(term, index));
  }
  return out;
}

// The bytes save() writes for (term, index) with data_for(term, index, 40).
std::string snapshot_bytes(Term term, Index index) {
  env::SimFileSystem scratch;
  EXPECT_TRUE(scratch.create_dirs(kDir).is_ok());
  EXPECT_TRUE(
      SnapshotStore(scratch, kDir).save(meta(term, index), data_for(term, index, 40)).is_ok());
  return env::read_file(scratch, path_of(term, index)).value();
}

void expect_corruption_naming(const Status& s, const std::string& path, const std::string& what) {
  EXPECT_EQ(s.code(), Code::kCorruption) << what << ": " << s.to_string();
  EXPECT_NE(s.message().find(path), std::string::npos) << what << ": " << s.message();
}

TEST(SnapshotStoreTest, writeTemporary_writesOnlyTheTemporaryAndCommitInstallsIt) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  save_ok(store, 1, 10);
  ASSERT_TRUE(store.write_temporary(meta(2, 20), data_for(2, 20)).is_ok());
  EXPECT_EQ(names(*fs), (std::vector<std::string>{snapshot_file_name(1, 10), tmp_name(2, 20)}));
  EXPECT_EQ(store.load_latest().value()->meta, meta(1, 10));
  // The temporary's bytes are durable before commit() renames it.
  EXPECT_EQ(fs->unsynced_bytes(), 0u);
  ASSERT_TRUE(store.commit(meta(2, 20)).is_ok());
  EXPECT_EQ(names(*fs), snapshot_names({{1, 10}, {2, 20}}));
  Result<std::optional<Snapshot>> latest = store.load_latest();
  ASSERT_TRUE(latest.is_ok()) << latest.status().to_string();
  EXPECT_EQ(latest.value()->meta, meta(2, 20));
  EXPECT_EQ(latest.value()->data, data_for(2, 20));
  EXPECT_TRUE(fs->durably_exists(path_of(2, 20)));
}

// A failed write_temporary (its fsync fails, as on a full disk) removes the temporary,
// leaves the stored snapshots as they were, and does not poison the store.
TEST(SnapshotStoreTest, writeTemporary_failureRemovesTheTemporaryAndDoesNotPoison) {
  base::Prng prng(7);
  for (int round = 0; round < 2; ++round) {
    auto fs = new_fs();
    SnapshotStore store(*fs, kDir);
    save_ok(store, 1, 10);
    save_ok(store, 1, 15);
    if (round == 0) {
      fs->fail_next_sync();
    } else {
      fs->set_sync_failure_chance(1.0, &prng);
    }
    const Status failed = store.write_temporary(meta(2, 20), data_for(2, 20));
    fs->set_sync_failure_chance(0, nullptr);
    EXPECT_EQ(failed.code(), Code::kIoError) << "round " << round;
    EXPECT_EQ(names(*fs), snapshot_names({{1, 10}, {1, 15}}));
    EXPECT_EQ(store.load_latest().value()->data, data_for(1, 15));
    EXPECT_EQ(store.load(std::pair<Term, Index>{1, 10}).value().data, data_for(1, 10));
    // Not poisoned: the same snapshot saves, and commit() works after a new write_temporary.
    save_ok(store, 2, 20);
    ASSERT_TRUE(store.write_temporary(meta(2, 30), data_for(2, 30)).is_ok());
    ASSERT_TRUE(store.commit(meta(2, 30)).is_ok());
    EXPECT_EQ(names(*fs), snapshot_names({{2, 20}, {2, 30}}));
  }
}

TEST(SnapshotStoreTest, commit_olderThanTheNewestIsRefusedWithoutPoisoning) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  save_ok(store, 3, 100);
  // Written in the background while a newer snapshot arrived.
  ASSERT_TRUE(store.write_temporary(meta(3, 90), data_for(3, 90)).is_ok());
  ASSERT_TRUE(store.write_temporary(meta(2, 120), data_for(2, 120)).is_ok());
  EXPECT_EQ(store.commit(meta(3, 90)).code(), Code::kInvalidArgument);
  EXPECT_EQ(store.commit(meta(2, 120)).code(), Code::kInvalidArgument);
  EXPECT_EQ(store.load_latest().value()->meta, meta(3, 100));
  EXPECT_EQ(store.stored().value(), (std::vector<std::pair<Term, Index>>{{3, 100}}));
  // The refused temporaries are strays: the next save removes them.
  save_ok(store, 4, 130);
  EXPECT_EQ(names(*fs), snapshot_names({{3, 100}, {4, 130}}));
}

TEST(SnapshotStoreTest, receivedPath_isTheSnapshotPathWithTheTransferAndRecvTmp) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  EXPECT_EQ(
      store.received_path(meta(5, 0x2a), 0xbeef),
      std::string(kDir) + "/snap-0000000000000005-000000000000002a.snap.000000000000beef.recv.tmp");
  EXPECT_NE(store.received_path(meta(5, 0x2a), 1), store.received_path(meta(5, 0x2a), 2));
}

// A received file at received_path(2, 20), checked by read_verified_file(), and the same
// bytes in memory checked by verify_snapshot_image() (what a receiver does).
class ReceivedFileTest : public ::testing::Test {
 protected:
  // Writes `contents` as the received file and expects it refused as corruption naming it
  // (and saying `words`), by both checks.
  void expect_refused(const std::string& contents, const std::string& what,
                      const std::string& words = "") {
    overwrite(*fs_, path_, contents);
    const Status s = store_.read_verified_file(path_).status();
    expect_corruption_naming(s, path_, what);
    EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
    const Status in_memory = verify_snapshot_image(contents, path_).status();
    expect_corruption_naming(in_memory, path_, what + " (in memory)");
    EXPECT_NE(in_memory.message().find(words), std::string::npos) << in_memory.message();
  }

  std::unique_ptr<env::SimFileSystem> fs_ = new_fs();
  SnapshotStore store_{*fs_, kDir};
  const std::string path_ = store_.received_path(meta(2, 20), 1);
  const std::string good_ = snapshot_bytes(2, 20);
};

TEST_F(ReceivedFileTest, readVerifiedFile_returnsAnIntactFile) {
  overwrite(*fs_, path_, good_);
  Result<Snapshot> read = store_.read_verified_file(path_);
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  EXPECT_EQ(read.value().meta, meta(2, 20));
  EXPECT_EQ(read.value().data, data_for(2, 20, 40));
  EXPECT_FALSE(store_.read_verified_file(path_ + ".missing").is_ok());
}

TEST_F(ReceivedFileTest, verifySnapshotImage_returnsAViewOfAnIntactImage) {
  Result<SnapshotView> view = verify_snapshot_image(good_, path_);
  ASSERT_TRUE(view.is_ok()) << view.status().to_string();
  EXPECT_EQ(view.value().meta, meta(2, 20));
  EXPECT_EQ(view.value().data, data_for(2, 20, 40));
  EXPECT_GE(view.value().data.data(), good_.data());  // a view into the image, not a copy
  EXPECT_LT(view.value().data.data(), good_.data() + good_.size());
}

TEST_F(ReceivedFileTest, readVerifiedFile_refusesEveryTruncation) {
  for (std::size_t size = 0; size < good_.size(); ++size) {
    expect_refused(good_.substr(0, size), "size " + std::to_string(size));
  }
}

TEST_F(ReceivedFileTest, readVerifiedFile_refusesAFlippedByteAnywhere) {
  for (std::size_t i = 0; i < good_.size(); ++i) {
    std::string bad = good_;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    expect_refused(bad, "byte " + std::to_string(i));
  }
}

// The size the header announces must be the file's, even under a valid checksum.
TEST_F(ReceivedFileTest, readVerifiedFile_refusesAWrongSize) {
  expect_refused(good_ + "x", "a byte appended");
  // Re-sealed: a checksum over a header announcing one byte more (or less) than there is.
  const std::size_t length_at =
      kSnapshotFixedHeaderSize + raft::encode_conf_state(meta(2, 20).conf_state).size();
  for (std::uint64_t announced : {std::uint64_t{41}, std::uint64_t{39}, UINT64_MAX}) {
    std::string bad = good_.substr(0, good_.size() - 8);
    base::store_u64(bad.data() + length_at, announced);
    base::put_u64(bad, base::checksum64(bad, 0));
    expect_refused(bad, "announced " + std::to_string(announced), "announces");
  }
}

TEST(SnapshotStoreTest, installReceived_renamesTheReceivedFileIntoPlace) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  save_ok(store, 1, 10);
  overwrite(*fs, store.received_path(meta(2, 20), 1), snapshot_bytes(2, 20));
  ASSERT_TRUE(store.install_received(meta(2, 20), store.received_path(meta(2, 20), 1)).is_ok());
  EXPECT_EQ(names(*fs), snapshot_names({{1, 10}, {2, 20}}));
  EXPECT_TRUE(fs->durably_exists(path_of(2, 20)));
  EXPECT_EQ(store.load_latest().value()->data, data_for(2, 20, 40));
  // An older received snapshot is refused and the store goes on.
  overwrite(*fs, store.received_path(meta(1, 15), 1), snapshot_bytes(1, 15));
  EXPECT_EQ(store.install_received(meta(1, 15), store.received_path(meta(1, 15), 1)).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store.load_latest().value()->meta, meta(2, 20));
  save_ok(store, 3, 30);
  // The refused file is the receiver's to remove (or the next start's).
  ASSERT_TRUE(store.remove_received_temporaries().is_ok());
  EXPECT_EQ(names(*fs), snapshot_names({{2, 20}, {3, 30}}));
}

TEST(SnapshotStoreTest, prune_removesStrayTemporariesButNotReceivedFiles) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  overwrite(*fs, env::join_path(kDir, tmp_name(1, 5)), "a background save that died");
  overwrite(*fs, env::join_path(kDir, recv_name(1, 7)), "a transfer that died");
  overwrite(*fs, env::join_path(kDir, recv_name(9, 90)), "a transfer still being written");
  overwrite(*fs, env::join_path(kDir, "notes.tmp"), "not ours");
  // write_temporary touches nothing but its own file.
  ASSERT_TRUE(store.write_temporary(meta(2, 20), data_for(2, 20)).is_ok());
  EXPECT_EQ(names(*fs).size(), 5u);
  ASSERT_TRUE(store.commit(meta(2, 20)).is_ok());
  EXPECT_EQ(names(*fs), (std::vector<std::string>{"notes.tmp", recv_name(1, 7),
                                                  snapshot_file_name(2, 20), recv_name(9, 90)}));
  // At startup, when no transfer runs, received files go.
  ASSERT_TRUE(store.remove_received_temporaries().is_ok());
  EXPECT_EQ(names(*fs), (std::vector<std::string>{"notes.tmp", snapshot_file_name(2, 20)}));
}

TEST(SnapshotStoreTest, stored_listsNamesNewestFirstWithoutReadingThem) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir, 3);
  EXPECT_TRUE(store.stored().value().empty());
  save_ok(store, 1, 10);
  save_ok(store, 1, 20);
  save_ok(store, 2, 30);
  overwrite(*fs, path_of(2, 30), "damaged");
  overwrite(*fs, env::join_path(kDir, tmp_name(3, 40)), "");
  EXPECT_EQ(store.stored().value(),
            (std::vector<std::pair<Term, Index>>{{2, 30}, {1, 20}, {1, 10}}));
}

TEST(SnapshotStoreTest, load_verifiesTheNamedSnapshot) {
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  save_ok(store, 1, 10);
  save_ok(store, 2, 20);
  Result<Snapshot> older = store.load({1, 10});
  ASSERT_TRUE(older.is_ok()) << older.status().to_string();
  EXPECT_EQ(older.value().meta, meta(1, 10));
  EXPECT_EQ(older.value().data, data_for(1, 10));
  EXPECT_FALSE(store.load({3, 30}).is_ok());
  std::string bad = env::read_file(*fs, path_of(1, 10)).value();
  bad[100] = static_cast<char>(bad[100] ^ 0x40);
  overwrite(*fs, path_of(1, 10), bad);
  expect_corruption_naming(store.load({1, 10}).status(), path_of(1, 10), "flipped");
  // A valid file under another snapshot's name.
  overwrite(*fs, path_of(1, 10), env::read_file(*fs, path_of(2, 20)).value());
  expect_corruption_naming(store.load({1, 10}).status(), path_of(1, 10), "misnamed");
}

TEST(SnapshotStoreTest, setAside_renamesToDamagedWhichEveryOtherCallIgnores) {
  base::Prng prng(3);
  auto fs = new_fs();
  SnapshotStore store(*fs, kDir);
  save_ok(store, 1, 10);
  save_ok(store, 2, 20);
  overwrite(*fs, path_of(2, 20), "damaged");
  ASSERT_EQ(store.load_latest().status().code(), Code::kCorruption);
  ASSERT_TRUE(store.set_aside({2, 20}).is_ok());
  const std::string damaged = snapshot_file_name(2, 20) + ".damaged";
  EXPECT_EQ(names(*fs), (std::vector<std::string>{snapshot_file_name(1, 10), damaged}));
  EXPECT_EQ(store.stored().value(), (std::vector<std::pair<Term, Index>>{{1, 10}}));
  EXPECT_EQ(store.load_latest().value()->meta, meta(1, 10));
  EXPECT_EQ(store.list().value(), std::vector<raft::SnapshotMeta>{meta(1, 10)});
  // Durable: the rename survives a power loss.
  fs->crash(prng);
  EXPECT_EQ(names(*fs), (std::vector<std::string>{snapshot_file_name(1, 10), damaged}));
  // Prune neither removes it nor counts it among the `keep` newest.
  SnapshotStore after(*fs, kDir);
  save_ok(after, 3, 30);
  save_ok(after, 3, 40);
  EXPECT_EQ(names(*fs),
            (std::vector<std::string>{snapshot_file_name(2, 20) + ".damaged",
                                      snapshot_file_name(3, 30), snapshot_file_name(3, 40)}));
  EXPECT_EQ(env::read_file(*fs, env::join_path(kDir, damaged)).value(), "damaged");
  EXPECT_FALSE(after.set_aside({9, 90}).is_ok());
}

}  // namespace
}  // namespace helios::storage
