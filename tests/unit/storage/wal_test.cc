// The write-ahead log: round trips, truncation, segments, compaction, corruption, and
// crash recovery on the simulated file system (unsynced data lost or torn at a crash).
#include "storage/wal.h"

#include <gtest/gtest.h>

#include <map>

#include "base/prng.h"
#include "env/sim/sim_file_system.h"
#include "wal_test_util.h"

namespace helios::storage {
namespace {

constexpr char kDir[] = "/data/wal";

raft::Entry entry(Index index, Term term, std::string data = "") {
  raft::Entry e;
  e.index = index;
  e.term = term;
  e.data = data.empty() ? "v" + std::to_string(index) + "t" + std::to_string(term) : data;
  return e;
}

// 1 MiB segments by default: preallocated segments are zero-filled in the simulated file
// system's memory.
std::unique_ptr<Wal> open_wal(env::FileSystem& fs, std::uint64_t segment_bytes = 1u << 20) {
  Result<std::unique_ptr<Wal>> wal = Wal::open(fs, kDir, WalOptions{segment_bytes});
  EXPECT_TRUE(wal.is_ok()) << wal.status().to_string();
  return wal.is_ok() ? std::move(wal).value() : nullptr;
}

std::vector<raft::Entry> all(const Wal& wal) {
  return testing::all_entries(wal);
}

TEST(WalTest, open_emptyDirectoryGivesEmptyLog) {
  env::SimFileSystem fs;
  auto wal = open_wal(fs);
  EXPECT_EQ(wal->first_index(), 1u);
  EXPECT_EQ(wal->last_index(), 0u);
  EXPECT_EQ(wal->hard_state(), raft::HardState{});
  EXPECT_EQ(wal->term(0).value(), 0u);
  EXPECT_EQ(wal->term(1).status().code(), Code::kUnavailable);
}

TEST(WalTest, appendSyncReopen_roundTrips) {
  env::SimFileSystem fs;
  {
    auto wal = open_wal(fs);
    ASSERT_TRUE(wal->append(raft::HardState{2, 1, 1}, {entry(1, 1), entry(2, 2)}).is_ok());
    ASSERT_TRUE(wal->sync().is_ok());
  }
  auto wal = open_wal(fs);
  EXPECT_EQ(wal->hard_state(), (raft::HardState{2, 1, 1}));
  EXPECT_EQ(all(*wal), (std::vector<raft::Entry>{entry(1, 1), entry(2, 2)}));
  EXPECT_EQ(wal->term(2).value(), 2u);
  EXPECT_EQ(wal->initial_state().hard_state.term, 2u);
}

// Entries at and above kWalGatherBytes are written from their shared buffer (a gather write),
// smaller ones copied: the file's bytes are the same records either way.
TEST(WalTest, largeEntries_areWrittenFromTheirBufferAsTheSameRecords) {
  env::SimFileSystem fs;
  std::vector<raft::Entry> entries = {entry(1, 1, std::string(kWalGatherBytes - 1, 'a')),
                                      entry(2, 1, std::string(kWalGatherBytes, 'b')),
                                      entry(3, 1, "small"), entry(4, 2, std::string(70000, 'c')),
                                      entry(5, 2, std::string(600, 'd'))};
  std::string records;
  for (const raft::Entry& e : entries) {
    encode_entry_record(e, 1, records);
  }
  {
    auto wal = open_wal(fs);
    ASSERT_TRUE(wal->append(raft::HardState{2, 1, 1}, entries).is_ok());
    ASSERT_TRUE(wal->sync().is_ok());
    EXPECT_EQ(all(*wal), entries);  // read back from the file
  }
  // The segment holds the records exactly as encode_entry_record writes them.
  Result<std::vector<std::string>> names = fs.list(kDir);
  ASSERT_TRUE(names.is_ok());
  std::string segment;
  for (const std::string& name : names.value()) {
    if (parse_segment_name(name).has_value()) {
      auto f = fs.open(std::string(kDir) + "/" + name, env::OpenMode::kReadWrite);
      ASSERT_TRUE(f.is_ok());
      segment.resize(f.value()->size());
      ASSERT_EQ(f.value()->read_at(0, segment.data(), segment.size()).value(), segment.size());
    }
  }
  EXPECT_NE(segment.find(records), std::string::npos);
  auto wal = open_wal(fs);
  EXPECT_EQ(all(*wal), entries);
  EXPECT_EQ(wal->hard_state(), (raft::HardState{2, 1, 1}));
}

TEST(WalTest, append_conflictingSuffixIsReplaced) {
  env::SimFileSystem fs;
  {
    auto wal = open_wal(fs);
    ASSERT_TRUE(wal->append(std::nullopt, {entry(1, 1), entry(2, 1), entry(3, 1)}).is_ok());
    ASSERT_TRUE(wal->append(std::nullopt, {entry(2, 3), entry(3, 3), entry(4, 3)}).is_ok());
    EXPECT_EQ(all(*wal),
              (std::vector<raft::Entry>{entry(1, 1), entry(2, 3), entry(3, 3), entry(4, 3)}));
    ASSERT_TRUE(wal->sync().is_ok());
  }
  auto wal = open_wal(fs);
  EXPECT_EQ(all(*wal),
            (std::vector<raft::Entry>{entry(1, 1), entry(2, 3), entry(3, 3), entry(4, 3)}));
}

TEST(WalTest, segments_rollAndRecover) {
  env::SimFileSystem fs;
  std::vector<raft::Entry> written;
  {
    auto wal = open_wal(fs, 4096);
    for (Index i = 1; i <= 300; ++i) {
      written.push_back(entry(i, 1 + i / 100, std::string(100, static_cast<char>('a' + i % 26))));
      ASSERT_TRUE(wal->append(raft::HardState{1 + i / 100, 0, i}, {written.back()}).is_ok());
    }
    ASSERT_TRUE(wal->sync().is_ok());
    EXPECT_GT(wal->segment_paths().size(), 5u);
  }
  auto wal = open_wal(fs, 4096);
  EXPECT_EQ(all(*wal), written);
  EXPECT_EQ(wal->hard_state().commit, 300u);
}

TEST(WalTest, compact_removesOldSegmentsAndSurvivesReopen) {
  env::SimFileSystem fs;
  {
    auto wal = open_wal(fs, 4096);
    for (Index i = 1; i <= 200; ++i) {
      ASSERT_TRUE(wal->append(std::nullopt, {entry(i, 2, std::string(100, 'x'))}).is_ok());
    }
    const std::size_t before = wal->segment_paths().size();
    ASSERT_TRUE(wal->compact(SnapshotMark{150, 2}).is_ok());
    EXPECT_LT(wal->segment_paths().size(), before);
    EXPECT_EQ(wal->first_index(), 151u);
    EXPECT_EQ(wal->term(150).value(), 2u);
    EXPECT_EQ(wal->term(149).status().code(), Code::kCompacted);
  }
  auto wal = open_wal(fs, 4096);
  EXPECT_EQ(wal->first_index(), 151u);
  EXPECT_EQ(wal->last_index(), 200u);
  EXPECT_EQ(wal->snapshot_meta().index, 150u);
  EXPECT_EQ(all(*wal).size(), 50u);
}

// A log truncated back to entry 1 after a roll, then compacted with no snapshot yet (mark
// 0/0, which removes the segment holding only replaced entries): the remaining segment starts
// with entries after the removed ones, then truncates to entry 1. Recovery used to call that
// corruption ("the log starts at entry 1 but no snapshot mark covers what comes before it";
// simulator seed 120935, 5 nodes).
TEST(WalTest, compact_afterTruncatingToTheFirstEntryAcrossARollReopens) {
  env::SimFileSystem fs;
  std::vector<raft::Entry> log;
  {
    auto wal = open_wal(fs, 4096);
    // Term-1 entries until the log rolls into a new segment, and two more in that one.
    Index rolled_at = 0;
    for (Index next = 1; rolled_at == 0 || next <= rolled_at + 2; ++next) {
      const std::size_t before = wal->segment_paths().size();
      ASSERT_TRUE(wal->append(std::nullopt, {entry(next, 1, std::string(100, 'a'))}).is_ok());
      if (rolled_at == 0 && wal->segment_paths().size() > before) {
        rolled_at = next;
      }
    }
    for (Index i = 1; i <= 5; ++i) {  // a new leader replaces the whole log
      log.push_back(entry(i, 2));
    }
    ASSERT_TRUE(wal->append(std::nullopt, log).is_ok());
    ASSERT_TRUE(wal->compact(SnapshotMark{0, 0}).is_ok());
    EXPECT_EQ(wal->segment_paths().size(), 1u);
    ASSERT_TRUE(wal->sync().is_ok());
  }
  auto wal = open_wal(fs, 4096);
  ASSERT_NE(wal, nullptr);
  EXPECT_EQ(wal->first_index(), 1u);
  EXPECT_EQ(all(*wal), log);
}

// With a dispose function, the files compaction removes reach it still open and already
// unlinked (the runtime closes them on its worker, off the Ready loop); the log, and the
// log after a reopen, are as without one.
TEST(WalTest, compact_handsRemovedFilesToDispose) {
  env::SimFileSystem fs;
  std::vector<std::unique_ptr<env::File>> disposed;
  {
    WalOptions options{4096};
    options.dispose = [&](std::unique_ptr<env::File> f) { disposed.push_back(std::move(f)); };
    Result<std::unique_ptr<Wal>> opened = Wal::open(fs, kDir, options);
    ASSERT_TRUE(opened.is_ok());
    Wal& wal = *opened.value();
    for (Index i = 1; i <= 200; ++i) {
      ASSERT_TRUE(wal.append(std::nullopt, {entry(i, 2, std::string(100, 'x'))}).is_ok());
    }
    const std::vector<std::string> before = wal.segment_paths();
    ASSERT_TRUE(wal.compact(SnapshotMark{150, 2}).is_ok());
    const std::vector<std::string> after = wal.segment_paths();
    ASSERT_LT(after.size(), before.size());
    // One segment becomes the spare (renamed, closed at once); the spare it replaces and
    // every other removed segment are disposed of, unlinked.
    ASSERT_GE(disposed.size(), before.size() - after.size() - 1);
    ASSERT_FALSE(disposed.empty());
    for (const auto& f : disposed) {
      EXPECT_FALSE(fs.exists(f->path())) << f->path();
    }
    EXPECT_EQ(wal.first_index(), 151u);
    EXPECT_EQ(all(wal).size(), 50u);
  }
  disposed.clear();
  auto wal = open_wal(fs, 4096);
  EXPECT_EQ(wal->first_index(), 151u);
  EXPECT_EQ(all(*wal).size(), 50u);
}

TEST(WalTest, compact_beyondLastIndexRestartsLogAfterMark) {
  env::SimFileSystem fs;
  auto wal = open_wal(fs);
  ASSERT_TRUE(wal->append(std::nullopt, {entry(1, 1)}).is_ok());
  ASSERT_TRUE(wal->compact(SnapshotMark{10, 4}).is_ok());
  EXPECT_EQ(wal->first_index(), 11u);
  EXPECT_EQ(wal->last_index(), 10u);
  ASSERT_TRUE(wal->append(std::nullopt, {entry(11, 4)}).is_ok());
  ASSERT_TRUE(wal->sync().is_ok());
  wal.reset();
  wal = open_wal(fs);
  EXPECT_EQ(all(*wal), (std::vector<raft::Entry>{entry(11, 4)}));
}

TEST(WalTest, sync_failurePoisonsTheLog) {
  env::SimFileSystem fs;
  auto wal = open_wal(fs);
  ASSERT_TRUE(wal->append(std::nullopt, {entry(1, 1)}).is_ok());
  fs.fail_next_sync();
  EXPECT_FALSE(wal->sync().is_ok());
  EXPECT_FALSE(wal->append(std::nullopt, {entry(2, 1)}).is_ok());
  EXPECT_FALSE(wal->sync().is_ok());
}

// The number of segment files in kDir (the spare segment is not one).
std::size_t segment_files(env::FileSystem& fs) {
  const Result<std::vector<std::string>> names = fs.list(kDir);
  std::size_t n = 0;
  for (const std::string& name : names.value()) {
    n += parse_segment_name(name).has_value() ? 1 : 0;
  }
  return n;
}

// ---------------------------------------------------------------------------------------
// Corruption: damage in a segment other than the last stops recovery with the file and
// offset; damage at the tail of the last segment is a torn write and is cut off.

std::string read_all(env::FileSystem& fs, const std::string& path) {
  Result<std::string> r = env::read_file(fs, path);
  EXPECT_TRUE(r.is_ok());
  return r.is_ok() ? r.value() : "";
}

void overwrite(env::FileSystem& fs, const std::string& path, const std::string& contents) {
  Result<std::unique_ptr<env::File>> f = fs.open(path, env::OpenMode::kReadWrite);
  ASSERT_TRUE(f.is_ok());
  ASSERT_TRUE(f.value()->truncate(0).is_ok());
  ASSERT_TRUE(f.value()->append(contents.data(), contents.size()).is_ok());
  ASSERT_TRUE(f.value()->sync().is_ok());
}

// Writes 3 segments of entries; returns the segment paths.
std::vector<std::string> three_segments(env::SimFileSystem& fs) {
  auto wal = open_wal(fs, 4096);
  for (Index i = 1; i <= 100; ++i) {
    EXPECT_TRUE(wal->append(std::nullopt, {entry(i, 1, std::string(100, 'p'))}).is_ok());
    if (wal->segment_paths().size() == 3 && i % 5 == 0) {
      break;
    }
  }
  EXPECT_TRUE(wal->sync().is_ok());
  return wal->segment_paths();
}

// Offsets within the first record after the header + hard state + mark records.
enum class Field { kLength = 0, kChecksum = 8, kPayload = 20 };

std::size_t first_entry_offset(const std::string& bytes) {
  // header, then the hard state record (16 + 24) and the snapshot mark record (16 + 16)
  (void)bytes;
  return kSegmentHeaderSize + (kRecordHeaderSize + 24) + (kRecordHeaderSize + 16);
}

class WalCorruptionTest : public ::testing::TestWithParam<Field> {};

TEST_P(WalCorruptionTest, open_damageInEarlierSegmentIsReportedWithFileAndOffset) {
  env::SimFileSystem fs;
  const std::vector<std::string> paths = three_segments(fs);
  ASSERT_EQ(paths.size(), 3u);
  std::string bytes = read_all(fs, paths[1]);
  const std::size_t at = first_entry_offset(bytes) + static_cast<std::size_t>(GetParam());
  bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
  overwrite(fs, paths[1], bytes);
  Result<std::unique_ptr<Wal>> wal = Wal::open(fs, kDir, WalOptions{4096});
  ASSERT_FALSE(wal.is_ok());
  EXPECT_EQ(wal.status().code(), Code::kCorruption);
  EXPECT_NE(wal.status().message().find(paths[1]), std::string::npos) << wal.status().message();
  EXPECT_NE(wal.status().message().find("offset " + std::to_string(first_entry_offset(bytes))),
            std::string::npos)
      << wal.status().message();
  // Nothing was repaired: the damaged file is as it was.
  EXPECT_EQ(read_all(fs, paths[1]), bytes);
}

TEST_P(WalCorruptionTest, open_damageAtTheTailIsCutOff) {
  env::SimFileSystem fs;
  {
    auto wal = open_wal(fs);
    ASSERT_TRUE(wal->append(std::nullopt, {entry(1, 1), entry(2, 1)}).is_ok());
    ASSERT_TRUE(wal->append(std::nullopt, {entry(3, 1, std::string(64, 'z'))}).is_ok());
    ASSERT_TRUE(wal->sync().is_ok());
  }
  const std::string path = std::string(kDir) + "/" + segment_name(1);
  std::string bytes = read_all(fs, path);
  // The records end where the preallocated zeros start (the last entry's data is 'z's).
  const std::size_t end = bytes.find_last_not_of('\0') + 1;
  const std::size_t last_record = end - (kRecordHeaderSize + 17 + 64);
  const std::size_t at = last_record + static_cast<std::size_t>(GetParam());
  bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
  overwrite(fs, path, bytes);
  auto wal = open_wal(fs);
  EXPECT_EQ(wal->last_index(), 2u);
  EXPECT_GT(wal->stats().torn_bytes_cut, 0u);
  // The log goes on after the cut.
  ASSERT_TRUE(wal->append(std::nullopt, {entry(3, 2)}).is_ok());
  ASSERT_TRUE(wal->sync().is_ok());
  wal.reset();
  wal = open_wal(fs);
  EXPECT_EQ(wal->term(3).value(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Fields, WalCorruptionTest,
                         ::testing::Values(Field::kLength, Field::kChecksum, Field::kPayload));

TEST(WalTest, open_damageInTheMiddleOfTheLastSegmentIsRefusedWhicheverByteItHits) {
  // Damage to a record with verified records after it is corruption, not a torn write,
  // whichever byte it hits: the length too. A flipped high byte of the length once made the
  // record look cut short by the end of the (preallocated) file, or reach into its zeros,
  // and recovery cut it and the 39 records after it.
  env::SimFileSystem fs;
  {
    auto wal = open_wal(fs);
    for (Index i = 1; i <= 80; ++i) {
      ASSERT_TRUE(wal->append(std::nullopt, {entry(i, 1, std::string(100, 'x'))}).is_ok());
    }
    ASSERT_TRUE(wal->sync().is_ok());
  }
  const std::string path = std::string(kDir) + "/" + segment_name(1);
  const std::string clean = read_all(fs, path);
  const std::size_t record = kRecordHeaderSize + 17 + 100;  // one entry's record
  const std::size_t at = first_entry_offset(clean) + 40 * record;
  for (std::size_t i = 0; i < record; ++i) {
    for (const int flip : {0xff, 0x01, 0x80}) {
      SCOPED_TRACE("byte " + std::to_string(i) + " ^ " + std::to_string(flip));
      std::string bytes = clean;
      bytes[at + i] = static_cast<char>(bytes[at + i] ^ flip);
      overwrite(fs, path, bytes);
      Result<std::unique_ptr<Wal>> wal = Wal::open(fs, kDir, WalOptions{1u << 20});
      ASSERT_FALSE(wal.is_ok()) << "opened with " << wal.value()->last_index() << " entries";
      EXPECT_EQ(wal.status().code(), Code::kCorruption);
      EXPECT_EQ(read_all(fs, path), bytes);  // nothing was cut
    }
  }
}

TEST(WalTest, open_segmentGapIsReported) {
  env::SimFileSystem fs;
  const std::vector<std::string> paths = three_segments(fs);
  ASSERT_TRUE(fs.remove(paths[1]).is_ok());
  Result<std::unique_ptr<Wal>> wal = Wal::open(fs, kDir, WalOptions{4096});
  ASSERT_FALSE(wal.is_ok());
  EXPECT_NE(wal.status().message().find("missing"), std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Crash recovery: random appends, truncations, syncs and crashes. After each crash the
// recovered log must be the last synced state followed by a prefix of the records written
// since (a torn record and everything after it gone), and the log must keep working.

struct Model {
  std::vector<raft::Entry> log;
  raft::HardState hard_state;
};

using Op = std::variant<raft::Entry, Index /*truncate from*/, raft::HardState>;

Model apply_ops(Model m, const std::vector<Op>& ops, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (const auto* e = std::get_if<raft::Entry>(&ops[i])) {
      m.log.push_back(*e);
    } else if (const auto* t = std::get_if<Index>(&ops[i])) {
      m.log.resize(*t - 1);
    } else {
      m.hard_state = std::get<raft::HardState>(ops[i]);
    }
  }
  return m;
}

// Appends a random batch (sometimes overwriting a suffix) to `wal`, whose current contents
// are `written`, and records the operations it performed in `ops`.
void random_append(base::Prng& prng, Wal& wal, const Model& written, std::vector<Op>& ops) {
  const Index last = written.log.size();
  Index from = last + 1;
  if (last > 0 && prng.chance(1, 5)) {
    from = prng.range(1, last);  // overwrite a suffix
  }
  const Term term = (last == 0 ? 1 : written.log.back().term) + (from <= last ? 1 : 0);
  std::vector<raft::Entry> batch;
  const std::uint64_t n = prng.range(1, 8);
  for (std::uint64_t k = 0; k < n; ++k) {
    // A quarter of the entries large enough for the gather write (kWalGatherBytes).
    const std::uint64_t size =
        prng.chance(1, 4) ? prng.range(kWalGatherBytes, 3000) : prng.range(1, 300);
    batch.push_back(entry(from + k, term, std::string(size, 'a' + k % 26)));
  }
  std::optional<raft::HardState> hs;
  if (prng.chance(1, 2)) {
    hs = raft::HardState{term, prng.uniform(4), 0};
  }
  ASSERT_TRUE(wal.append(hs, batch).is_ok());
  if (from <= last) {
    ops.emplace_back(from);
  }
  for (const raft::Entry& e : batch) {
    ops.emplace_back(e);
  }
  if (hs.has_value()) {
    ops.emplace_back(*hs);
  }
}

TEST(WalCrashTest, randomOperations_recoverSyncedStatePlusAPrefix) {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    base::Prng prng(seed);
    env::SimFileSystem fs;
    Model synced;
    std::vector<Op> since_sync;
    auto wal = open_wal(fs, prng.chance(1, 2) ? 4096 : 1 << 20);
    for (int step = 0; step < 60; ++step) {
      const std::uint64_t action = prng.uniform(10);
      if (action < 6) {
        const Model written = apply_ops(synced, since_sync, since_sync.size());
        std::vector<Op> ops;
        random_append(prng, *wal, written, ops);
        since_sync.insert(since_sync.end(), ops.begin(), ops.end());
      } else if (action < 8) {
        ASSERT_TRUE(wal->sync().is_ok());
        synced = apply_ops(synced, since_sync, since_sync.size());
        since_sync.clear();
      } else {
        wal.reset();
        fs.crash(prng);
        wal = open_wal(fs, 4096);
        ASSERT_NE(wal, nullptr) << "seed " << seed;
        bool matched = false;
        for (std::size_t k = 0; k <= since_sync.size() && !matched; ++k) {
          const Model m = apply_ops(synced, since_sync, k);
          matched = all(*wal) == m.log && wal->hard_state() == m.hard_state;
        }
        ASSERT_TRUE(matched) << "seed " << seed << " step " << step << ": recovered "
                             << wal->last_index() << " entries, synced " << synced.log.size();
        synced.log = all(*wal);
        synced.hard_state = wal->hard_state();
        since_sync.clear();
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Snapshots: set_snapshot and snapshot_meta, and reset_to_snapshot (a snapshot received from
// the leader replaces the whole log, whatever the entries at or below its index were).

const raft::ConfState kConf{.voters = {1, 2, 3}};

raft::SnapshotMeta snap(Index index, Term term, raft::ConfState conf = kConf) {
  return raft::SnapshotMeta{index, term, std::move(conf)};
}

// Entries from..to of `term` with `size` bytes of data each.
std::vector<raft::Entry> entries_of(Index from, Index to, Term term, std::size_t size = 100) {
  std::vector<raft::Entry> out;
  for (Index i = from; i <= to; ++i) {
    out.push_back(entry(i, term, std::string(size, static_cast<char>('a' + i % 26))));
  }
  return out;
}

// A log of entries 1..5 in term 1 and 6..last in term 2, synced; the hard state commits 3.
std::unique_ptr<Wal> old_log(env::SimFileSystem& fs, Index last = 10,
                             std::uint64_t segment_bytes = 4096) {
  auto wal = open_wal(fs, segment_bytes);
  wal->set_conf_state(kConf);
  EXPECT_TRUE(wal->append(raft::HardState{2, 1, 3}, entries_of(1, 5, 1)).is_ok());
  EXPECT_TRUE(wal->append(std::nullopt, entries_of(6, last, 2)).is_ok());
  EXPECT_TRUE(wal->sync().is_ok());
  return wal;
}

std::unique_ptr<Wal> reopen(env::SimFileSystem& fs, std::unique_ptr<Wal>& wal) {
  wal.reset();
  auto reopened = open_wal(fs, 4096);
  if (reopened != nullptr) {
    reopened->set_conf_state(kConf);
  }
  return reopened;
}

// The log restarts after `meta` and holds `after` (entries from meta.index + 1 on).
void expect_restarts_after(const Wal& wal, const raft::SnapshotMeta& meta,
                           const std::vector<raft::Entry>& after = {}) {
  EXPECT_EQ(wal.first_index(), meta.index + 1);
  EXPECT_EQ(wal.last_index(), meta.index + after.size());
  EXPECT_EQ(wal.mark(), (SnapshotMark{meta.index, meta.term}));
  EXPECT_EQ(wal.term(meta.index).value(), meta.term);
  EXPECT_EQ(wal.term(meta.index - 1).status().code(), Code::kCompacted);
  EXPECT_EQ(wal.entries(meta.index, meta.index + 1, UINT64_MAX).status().code(), Code::kCompacted);
  EXPECT_EQ(all(wal), after);
}

TEST(WalTest, snapshotMeta_answersTheSetSnapshotElseTheCompactionMark) {
  env::SimFileSystem fs;
  auto wal = old_log(fs);
  EXPECT_EQ(wal->snapshot_meta(), snap(0, 0));
  ASSERT_TRUE(wal->compact(SnapshotMark{4, 1}).is_ok());
  EXPECT_EQ(wal->snapshot_meta(), snap(4, 1));
  // A set snapshot is answered as set, its membership included.
  wal->set_snapshot(snap(4, 1, raft::ConfState{.voters = {7}}));
  EXPECT_EQ(wal->snapshot_meta(), snap(4, 1, raft::ConfState{.voters = {7}}));
  wal->set_snapshot(snap(8, 2, raft::ConfState{.voters = {1, 9}}));
  EXPECT_EQ(wal->snapshot_meta(), snap(8, 2, raft::ConfState{.voters = {1, 9}}));
  EXPECT_EQ(wal->first_index(), 5u);  // setting a snapshot compacts nothing
  // Compaction beyond the set snapshot: the mark is newer, and answered.
  ASSERT_TRUE(wal->compact(SnapshotMark{9, 2}).is_ok());
  EXPECT_EQ(wal->snapshot_meta(), snap(9, 2));
  // The WAL does not store the snapshot: after reopening, the mark answers.
  wal->set_snapshot(snap(10, 2, raft::ConfState{.voters = {5}}));
  wal = reopen(fs, wal);
  EXPECT_EQ(wal->snapshot_meta(), snap(9, 2));
}

TEST(WalTest, resetToSnapshot_discardsEveryEntryAndRestartsAfterTheSnapshot) {
  // Below the last index with a conflicting term, below it with the same term, at it, beyond
  // it, and on an empty log.
  const std::vector<std::pair<Index, raft::SnapshotMeta>> cases = {
      {10, snap(5, 9)}, {10, snap(7, 2)}, {10, snap(10, 2)}, {10, snap(25, 4)}, {0, snap(3, 1)}};
  for (const auto& [last, meta] : cases) {
    SCOPED_TRACE("last " + std::to_string(last) + ", reset to " + std::to_string(meta.index));
    env::SimFileSystem fs;
    auto wal = last == 0 ? open_wal(fs, 4096) : old_log(fs, last);
    wal->set_conf_state(kConf);
    const raft::HardState hs = wal->hard_state();
    ASSERT_TRUE(wal->reset_to_snapshot(meta).is_ok());
    expect_restarts_after(*wal, meta);
    EXPECT_EQ(wal->snapshot_meta(), meta);
    EXPECT_EQ(wal->hard_state(), hs);
    ASSERT_TRUE(wal->sync().is_ok());
    wal = reopen(fs, wal);
    ASSERT_NE(wal, nullptr);
    expect_restarts_after(*wal, meta);
    EXPECT_EQ(wal->snapshot_meta(), meta);
    // The log goes on after the snapshot, and that survives reopening too.
    const std::vector<raft::Entry> after = entries_of(meta.index + 1, meta.index + 3, meta.term);
    ASSERT_TRUE(wal->append(std::nullopt, after).is_ok());
    ASSERT_TRUE(wal->sync().is_ok());
    wal = reopen(fs, wal);
    ASSERT_NE(wal, nullptr);
    expect_restarts_after(*wal, meta, after);
  }
}

TEST(WalTest, resetToSnapshot_afterCompactionAndTwiceInARow) {
  env::SimFileSystem fs;
  auto wal = old_log(fs, 40);
  ASSERT_TRUE(wal->compact(SnapshotMark{20, 2}).is_ok());
  ASSERT_TRUE(wal->reset_to_snapshot(snap(30, 5)).is_ok());
  ASSERT_TRUE(wal->reset_to_snapshot(snap(60, 6)).is_ok());
  expect_restarts_after(*wal, snap(60, 6));
  ASSERT_TRUE(wal->sync().is_ok());
  wal = reopen(fs, wal);
  ASSERT_NE(wal, nullptr);
  expect_restarts_after(*wal, snap(60, 6));
}

// A power loss after reset_to_snapshot (and perhaps appends after it) but before the sync:
// the WAL opens holding the old log, or the reset one (with a prefix of the later appends),
// or (the reset's kTruncate record survived without its kSnapshotMark) the old start with
// every entry discarded, which recovery repairs by redoing the reset from the durable
// snapshot file (wal.h, reset_to_snapshot). Never entries of both.
TEST(WalCrashTest, resetToSnapshot_crashBeforeSyncLeavesTheOldLogTheResetOneOrAnEmptyOne) {
  int saw_old = 0;
  int saw_reset = 0;
  int saw_torn = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    base::Prng prng(seed);
    env::SimFileSystem fs;
    auto wal = old_log(fs, 40);
    const std::vector<raft::Entry> old = all(*wal);
    const raft::SnapshotMeta meta = snap(prng.range(5, 60), 7);
    ASSERT_TRUE(wal->reset_to_snapshot(meta).is_ok());
    const std::vector<raft::Entry> after =
        entries_of(meta.index + 1, meta.index + prng.uniform(4), meta.term, prng.range(1, 300));
    if (!after.empty()) {
      ASSERT_TRUE(wal->append(std::nullopt, after).is_ok());
    }
    wal.reset();
    fs.crash(prng);
    wal = reopen(fs, wal);
    ASSERT_NE(wal, nullptr);
    const std::vector<raft::Entry> got = all(*wal);
    if (wal->mark().index != 0) {
      ++saw_reset;
      ASSERT_LE(got.size(), after.size());
      expect_restarts_after(*wal, meta, {after.begin(), after.begin() + std::ssize(got)});
    } else if (got == old) {
      ++saw_old;
    } else {
      ++saw_torn;
      ASSERT_EQ(wal->first_index(), 1u);
      ASSERT_EQ(got, std::vector<raft::Entry>{});
      // Recovery redoes the reset (the snapshot file is durable before it): that repairs it.
      ASSERT_TRUE(wal->reset_to_snapshot(meta).is_ok());
      ASSERT_TRUE(wal->sync().is_ok());
      wal = reopen(fs, wal);
      expect_restarts_after(*wal, meta);
    }
  }
  EXPECT_GT(saw_old, 0);
  EXPECT_GT(saw_reset, 0);
  EXPECT_GT(saw_torn, 0);  // the third outcome does occur, and is repaired
}

TEST(WalTest, compact_afterResetRemovesTheOldSegments) {
  for (const bool append_first : {false, true}) {
    SCOPED_TRACE(append_first ? "entries appended after the reset" : "nothing after the reset");
    env::SimFileSystem fs;
    auto wal = old_log(fs, 200);
    ASSERT_GT(wal->segment_paths().size(), 5u);
    const raft::SnapshotMeta meta = snap(150, 3);
    ASSERT_TRUE(wal->reset_to_snapshot(meta).is_ok());
    const std::string reset_segment = wal->segment_paths().back();
    std::vector<raft::Entry> after;
    if (append_first) {
      after = entries_of(151, 250, 3);
      ASSERT_TRUE(wal->append(std::nullopt, after).is_ok());
    }
    ASSERT_TRUE(wal->sync().is_ok());
    const std::vector<std::string> before = wal->segment_paths();
    ASSERT_TRUE(wal->compact(SnapshotMark{meta.index, meta.term}).is_ok());
    // Every segment before the one the reset was written to is gone (without appends after
    // the reset, only the open segment is left).
    const std::vector<std::string> kept = wal->segment_paths();
    ASSERT_FALSE(kept.empty());
    EXPECT_EQ(kept.front(), append_first ? reset_segment : before.back());
    EXPECT_EQ(kept, std::vector<std::string>(before.end() - static_cast<long>(kept.size()),
                                             before.end()));
    EXPECT_LT(kept.size(), append_first ? before.size() : 2u);
    EXPECT_EQ(segment_files(fs), kept.size());
    expect_restarts_after(*wal, meta, after);
    wal = reopen(fs, wal);
    ASSERT_NE(wal, nullptr);
    expect_restarts_after(*wal, meta, after);
    EXPECT_EQ(wal->segment_paths(), kept);
  }
}

}  // namespace
}  // namespace helios::storage
