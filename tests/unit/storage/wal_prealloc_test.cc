// The WAL's preallocated segments: written in place into zero-filled or recycled files, the
// end of the records found by a zero header, torn tails followed by zeros cut, damage with a
// verified record after it reported, crashes around the spare segment's preparation and
// renaming, and directories written without preallocation.
#include <gtest/gtest.h>

#include "base/prng.h"
#include "env/sim/sim_file_system.h"
#include "storage/wal.h"
#include "wal_test_util.h"

namespace helios::storage {
namespace {

constexpr char kDir[] = "/data/wal";
constexpr std::uint64_t kSegment = 64u << 10;

raft::Entry entry(Index index, Term term, std::size_t size = 100) {
  raft::Entry e;
  e.index = index;
  e.term = term;
  e.data = std::string(size, static_cast<char>('a' + index % 26));
  return e;
}

std::vector<raft::Entry> entries_of(Index from, Index to, Term term, std::size_t size = 100) {
  std::vector<raft::Entry> out;
  for (Index i = from; i <= to; ++i) {
    out.push_back(entry(i, term, size));
  }
  return out;
}

std::unique_ptr<Wal> open_wal(env::FileSystem& fs, bool preallocate = true,
                              std::uint64_t segment_bytes = kSegment) {
  Result<std::unique_ptr<Wal>> wal =
      Wal::open(fs, kDir, WalOptions{.segment_bytes = segment_bytes, .preallocate = preallocate});
  EXPECT_TRUE(wal.is_ok()) << wal.status().to_string();
  return wal.is_ok() ? std::move(wal).value() : nullptr;
}

std::vector<raft::Entry> all(const Wal& wal) {
  return testing::all_entries(wal);
}

std::string segment_path(std::uint64_t seq) {
  return env::join_path(kDir, segment_name(seq));
}

std::string read_all(env::FileSystem& fs, const std::string& path) {
  Result<std::string> r = env::read_file(fs, path);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? r.value() : "";
}

void overwrite_at(env::FileSystem& fs, const std::string& path, std::uint64_t offset,
                  const std::string& bytes) {
  Result<std::unique_ptr<env::File>> f = fs.open(path, env::OpenMode::kReadWrite);
  ASSERT_TRUE(f.is_ok());
  ASSERT_TRUE(f.value()->write_at(offset, bytes.data(), bytes.size()).is_ok());
  ASSERT_TRUE(f.value()->sync().is_ok());
}

// Where the records of a preallocated segment end: the zeros after them start.
std::size_t records_end(const std::string& bytes) {
  return bytes.find_last_not_of('\0') + 1;
}

TEST(WalPreallocTest, segment_isZeroFilledDurablyAndWrittenInPlace) {
  env::SimFileSystem fs;
  auto wal = open_wal(fs);
  // Open made the first segment: segment_bytes of zeros after the first records, durable
  // (file and name) before anything is relied upon.
  EXPECT_TRUE(fs.durably_exists(segment_path(1)));
  EXPECT_EQ(fs.durable_contents(segment_path(1)).size(), kSegment);
  EXPECT_EQ(fs.unsynced_bytes(), 0u);
  ASSERT_TRUE(wal->append(raft::HardState{1, 1, 0}, entries_of(1, 10, 1)).is_ok());
  ASSERT_TRUE(wal->sync().is_ok());
  // In place: the size did not change.
  EXPECT_EQ(fs.durable_contents(segment_path(1)).size(), kSegment);
  wal.reset();
  wal = open_wal(fs);
  EXPECT_EQ(all(*wal), entries_of(1, 10, 1));
  EXPECT_EQ(wal->hard_state(), (raft::HardState{1, 1, 0}));
  EXPECT_EQ(wal->stats().torn_bytes_cut, 0u);  // the zero tail is free space, not a torn one
  // Appending goes on in place after the reopen.
  ASSERT_TRUE(wal->append(std::nullopt, entries_of(11, 20, 2)).is_ok());
  ASSERT_TRUE(wal->sync().is_ok());
  EXPECT_EQ(read_all(fs, segment_path(1)).size(), kSegment);
  wal.reset();
  wal = open_wal(fs);
  std::vector<raft::Entry> expected = entries_of(1, 10, 1);
  for (const raft::Entry& e : entries_of(11, 20, 2)) {
    expected.push_back(e);
  }
  EXPECT_EQ(all(*wal), expected);
}

TEST(WalPreallocTest, open_tornRecordFollowedByZerosIsCutAndTheLogGoesOn) {
  env::SimFileSystem fs;
  {
    auto wal = open_wal(fs);
    ASSERT_TRUE(wal->append(std::nullopt, entries_of(1, 3, 1)).is_ok());
    ASSERT_TRUE(wal->sync().is_ok());
  }
  const std::string bytes = read_all(fs, segment_path(1));
  const std::size_t end = records_end(bytes);
  // Half of a record (a header and the start of a payload), then the preallocated zeros.
  std::string half;
  encode_entry_record(entry(4, 1), 1, half);
  half.resize(half.size() / 2);
  overwrite_at(fs, segment_path(1), end, half);
  auto wal = open_wal(fs);
  EXPECT_EQ(wal->last_index(), 3u);
  EXPECT_EQ(wal->stats().torn_bytes_cut, half.size());
  ASSERT_TRUE(wal->append(std::nullopt, {entry(4, 2, 10)}).is_ok());
  ASSERT_TRUE(wal->sync().is_ok());
  wal.reset();
  wal = open_wal(fs);
  EXPECT_EQ(wal->last_index(), 4u);
  EXPECT_EQ(wal->term(4).value(), 2u);
  EXPECT_EQ(wal->stats().torn_bytes_cut, 0u);
}

TEST(WalPreallocTest, open_damageWithAVerifiedRecordAfterItIsCorruption) {
  env::SimFileSystem fs;
  {
    auto wal = open_wal(fs);
    ASSERT_TRUE(wal->append(std::nullopt, entries_of(1, 3, 1)).is_ok());
    ASSERT_TRUE(wal->sync().is_ok());
  }
  const std::string before = read_all(fs, segment_path(1));
  // The first entry record follows the header, the hard state and the mark records.
  const std::size_t first =
      kSegmentHeaderSize + (kRecordHeaderSize + 24) + (kRecordHeaderSize + 16);
  overwrite_at(fs, segment_path(1), first + kRecordHeaderSize + 20, "X");
  Result<std::unique_ptr<Wal>> wal = Wal::open(fs, kDir, WalOptions{.segment_bytes = kSegment});
  ASSERT_FALSE(wal.is_ok());
  EXPECT_EQ(wal.status().code(), Code::kCorruption);
  EXPECT_NE(wal.status().message().find(segment_path(1)), std::string::npos);
  EXPECT_NE(wal.status().message().find("offset " + std::to_string(first)), std::string::npos)
      << wal.status().message();
  // Nothing was repaired.
  std::string damaged = before;
  damaged[first + kRecordHeaderSize + 20] = 'X';
  EXPECT_EQ(read_all(fs, segment_path(1)), damaged);
}

TEST(WalPreallocTest, open_zeroHeaderEndsTheLogAndJunkAfterItIsCut) {
  env::SimFileSystem fs;
  {
    auto wal = open_wal(fs);
    ASSERT_TRUE(wal->append(std::nullopt, entries_of(1, 3, 1)).is_ok());
    ASSERT_TRUE(wal->sync().is_ok());
  }
  const std::size_t end = records_end(read_all(fs, segment_path(1)));
  // A record of the same segment past a gap of zeros (a disk that kept a later page of an
  // unsynced write and lost an earlier one): never taken for part of the log, and cut so that
  // later records cannot line up with it.
  std::string stray;
  encode_entry_record(entry(5, 1), 1, stray);
  overwrite_at(fs, segment_path(1), end + 1000, stray);
  auto wal = open_wal(fs);
  EXPECT_EQ(wal->last_index(), 3u);
  EXPECT_EQ(wal->stats().torn_bytes_cut, 1000 + stray.size());
  EXPECT_EQ(read_all(fs, segment_path(1)).size(), end);
}

TEST(WalPreallocTest, rollAndCompaction_recycleSegmentsAndEveryOldSegmentEndsAtItsRecords) {
  env::SimFileSystem fs;
  auto wal = open_wal(fs);
  Index next = 1;
  std::uint64_t zeros_after_warmup = 0;
  for (int round = 0; round < 12; ++round) {
    ASSERT_TRUE(
        wal->append(raft::HardState{1, 1, next}, entries_of(next, next + 99, 1, 300)).is_ok());
    next += 100;
    ASSERT_TRUE(wal->sync().is_ok());
    const std::vector<std::string> paths = wal->segment_paths();
    // Segments other than the last end at their records: no free space, no stale bytes.
    for (std::size_t i = 0; i + 1 < paths.size(); ++i) {
      const std::string bytes = read_all(fs, paths[i]);
      ASSERT_LT(bytes.size(), kSegment + 400);
      ASSERT_NE(bytes.back(), '\0');
    }
    if (paths.size() > 2) {
      const Index keep = next - 150;
      ASSERT_TRUE(wal->compact(SnapshotMark{keep, 1}).is_ok());
    }
    if (round == 5) {
      zeros_after_warmup = wal->stats().zero_bytes_written;
    }
  }
  EXPECT_GT(wal->stats().segments_recycled, 2u);
  // Once compaction frees segments, rolling over takes them instead of zero-filling new
  // files (the rest after a freed segment's records is topped up).
  EXPECT_LT(wal->stats().zero_bytes_written - zeros_after_warmup, kSegment);
  const Index first = wal->first_index();
  const std::vector<raft::Entry> kept = all(*wal);
  wal.reset();
  wal = open_wal(fs);
  EXPECT_EQ(wal->first_index(), first);
  EXPECT_EQ(all(*wal), kept);
  EXPECT_FALSE(fs.exists(env::join_path(kDir, kSpareSegmentName)));  // open removes it
  ASSERT_TRUE(wal->append(std::nullopt, entries_of(next, next + 500, 1, 300)).is_ok());
  ASSERT_TRUE(wal->sync().is_ok());
}

TEST(WalPreallocTest, smallSyncs_zeroFillTheNextSegmentAheadLargeOnesLeaveItToAppends) {
  for (const bool small : {true, false}) {
    SCOPED_TRACE(small ? "small syncs" : "large syncs");
    env::SimFileSystem fs;
    auto wal = open_wal(fs);
    const std::uint64_t first_fill = wal->stats().zero_bytes_written;
    Index next = 1;
    while (wal->segment_paths().size() < 2) {
      const Index n = small ? 1 : 100;
      ASSERT_TRUE(wal->append(std::nullopt, entries_of(next, next + n - 1, 1, 200)).is_ok());
      ASSERT_TRUE(wal->sync().is_ok());
      next += n;
    }
    // The second segment was prepared ahead (complete, written and synced) only when the
    // syncs were small; otherwise it is a new file that grows by appends.
    const std::string second = fs.durable_contents(segment_path(2));
    if (small) {
      EXPECT_EQ(wal->stats().zero_bytes_written - first_fill, kSegment);
      EXPECT_EQ(second.size(), kSegment);
    } else {
      EXPECT_EQ(wal->stats().zero_bytes_written, first_fill);
      EXPECT_LT(second.size(), kSegment);
    }
    wal.reset();
    wal = open_wal(fs);
    EXPECT_EQ(wal->last_index(), next - 1);
  }
}

TEST(WalPreallocTest, open_directoryWrittenWithoutPreallocationOpensAndGoesOn) {
  env::SimFileSystem fs;
  {
    auto wal = open_wal(fs, /*preallocate=*/false, 4096);
    ASSERT_TRUE(wal->append(raft::HardState{1, 1, 5}, entries_of(1, 60, 1)).is_ok());
    ASSERT_TRUE(wal->sync().is_ok());
    ASSERT_GT(wal->segment_paths().size(), 1u);
    EXPECT_EQ(wal->stats().zero_bytes_written, 0u);
    EXPECT_FALSE(fs.exists(env::join_path(kDir, kSpareSegmentName)));
  }
  auto wal = open_wal(fs, /*preallocate=*/true, 4096);
  EXPECT_EQ(all(*wal), entries_of(1, 60, 1));
  EXPECT_EQ(wal->hard_state(), (raft::HardState{1, 1, 5}));
  ASSERT_TRUE(wal->append(std::nullopt, entries_of(61, 120, 1)).is_ok());
  ASSERT_TRUE(wal->sync().is_ok());
  wal.reset();
  wal = open_wal(fs, /*preallocate=*/true, 4096);
  EXPECT_EQ(all(*wal), entries_of(1, 120, 1));
}

// A model of what was synced and what was written since, for the random crash test.
struct Model {
  std::vector<raft::Entry> log;  // from index 1; entries below `first` may be compacted
  Index first = 1;
};

// Random appends (some replacing a suffix), syncs, compactions and crashes with small
// preallocated segments, so that crashes land before, during and after the preparation of
// spare segments, their renaming, and their recycling. After each crash the log must be what
// was synced plus a prefix of what was written since.
class WalPreallocCrashTest : public ::testing::TestWithParam<bool> {};

TEST_P(WalPreallocCrashTest, randomOperations_recoverSyncedStatePlusAPrefix) {
  const bool preallocate = GetParam();
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    base::Prng prng(seed);
    env::SimFileSystem fs;
    const std::uint64_t segment = 4096 * prng.range(1, 4);
    auto wal = open_wal(fs, preallocate, segment);
    Model synced;
    std::vector<std::vector<raft::Entry>> since;  // logs a crash may leave, in write order
    std::vector<raft::Entry> written;
    for (int step = 0; step < 80; ++step) {
      const std::uint64_t action = prng.uniform(12);
      if (action < 7) {
        const Index last = written.size();
        Index from = last + 1;
        if (last >= synced.first && prng.chance(1, 5)) {
          from = prng.range(std::max<Index>(synced.first, wal->first_index()), last);
        }
        const Term term = (last == 0 ? 1 : written.back().term) + (from <= last ? 1 : 0);
        const std::vector<raft::Entry> batch =
            entries_of(from, from + prng.range(0, 7), term, prng.range(1, 900));
        ASSERT_TRUE(wal->append(std::nullopt, batch).is_ok());
        // The states a crash may leave: after the truncation, then after each entry.
        written.resize(from - 1);
        since.push_back(written);
        for (const raft::Entry& e : batch) {
          written.push_back(e);
          since.push_back(written);
        }
      } else if (action < 9) {
        ASSERT_TRUE(wal->sync().is_ok());
        synced.log = written;
        since.clear();
      } else if (action < 10) {
        if (written.size() >= synced.first + 3) {
          const Index mark = prng.range(synced.first, written.size() - 2);
          ASSERT_TRUE(wal->compact(SnapshotMark{mark, written[mark - 1].term}).is_ok());
          synced.log = written;
          synced.first = mark + 1;
          since.clear();
        }
      } else {
        wal.reset();
        fs.crash(prng);
        wal = open_wal(fs, preallocate, segment);
        ASSERT_NE(wal, nullptr) << "seed " << seed << " step " << step;
        ASSERT_FALSE(fs.exists(env::join_path(kDir, kSpareSegmentName)));
        ASSERT_EQ(wal->first_index(), synced.first) << "seed " << seed << " step " << step;
        const std::vector<raft::Entry> got = all(*wal);
        bool matched = false;
        auto matches = [&](const std::vector<raft::Entry>& log) {
          if (log.size() + 1 < synced.first || got.size() != log.size() + 1 - synced.first) {
            return false;
          }
          return std::equal(got.begin(), got.end(), log.begin() + (synced.first - 1));
        };
        matched = matches(synced.log);
        for (std::size_t k = 0; k < since.size() && !matched; ++k) {
          matched = matches(since[k]);
        }
        ASSERT_TRUE(matched) << "seed " << seed << " step " << step << ": recovered "
                             << wal->last_index() << ", synced " << synced.log.size();
        synced.log.resize(wal->last_index());
        for (Index i = synced.first; i <= wal->last_index(); ++i) {
          synced.log[i - 1] = got[i - synced.first];
        }
        written = synced.log;
        since.clear();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Preallocate, WalPreallocCrashTest, ::testing::Values(true, false));

}  // namespace
}  // namespace helios::storage
