// helios-wal inspect's engine: a read-only report of each segment.
#include "storage/wal_inspect.h"

#include <gtest/gtest.h>

#include "env/sim/sim_file_system.h"
#include "storage/wal.h"

namespace helios::storage {
namespace {

raft::Entry entry(Index index, Term term) {
  raft::Entry e;
  e.index = index;
  e.term = term;
  e.data = std::string(200, 'd');
  return e;
}

TEST(WalInspectTest, inspectWal_reportsRangesTermsAndDamage) {
  env::SimFileSystem fs;
  {
    auto wal = Wal::open(fs, "/w", WalOptions{4096});
    ASSERT_TRUE(wal.is_ok());
    for (Index i = 1; i <= 40; ++i) {
      ASSERT_TRUE(
          wal.value()->append(raft::HardState{1 + i / 20, 1, i}, {entry(i, 1 + i / 20)}).is_ok());
    }
    ASSERT_TRUE(wal.value()->append(std::nullopt, {entry(40, 3)}).is_ok());  // truncation
    ASSERT_TRUE(wal.value()->sync().is_ok());
  }
  Result<std::vector<SegmentReport>> r = inspect_wal(fs, "/w");
  ASSERT_TRUE(r.is_ok());
  ASSERT_GE(r.value().size(), 2u);
  EXPECT_EQ(r.value().front().first_entry, 1u);
  EXPECT_EQ(r.value().front().first_term, 1u);
  EXPECT_EQ(r.value().back().last_entry, 40u);
  EXPECT_EQ(r.value().back().last_term, 3u);
  EXPECT_EQ(r.value().back().truncations, 1u);
  EXPECT_EQ(r.value().back().last_hard_state.commit, 40u);
  for (const SegmentReport& s : r.value()) {
    EXPECT_TRUE(s.ok) << s.name << ": " << s.problem;
  }

  // Damage the first segment: reported with its offset, and the file is left as it was.
  const std::string path = "/w/" + r.value().front().name;
  std::string bytes = env::read_file(fs, path).value();
  bytes[kSegmentHeaderSize + 100] ^= 0x01;
  {
    auto f = fs.open(path, env::OpenMode::kReadWrite);
    ASSERT_TRUE(f.is_ok());
    ASSERT_TRUE(f.value()->truncate(0).is_ok());
    ASSERT_TRUE(f.value()->append(bytes.data(), bytes.size()).is_ok());
  }
  r = inspect_wal(fs, "/w");
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r.value().front().ok);
  EXPECT_GT(r.value().front().bad_offset, 0u);
  EXPECT_EQ(env::read_file(fs, path).value(), bytes);
}

TEST(WalInspectTest, inspectWal_reportsTheZerosOfAPreallocatedLastSegmentAsFreeSpace) {
  env::SimFileSystem fs;
  {
    auto wal = Wal::open(fs, "/w", WalOptions{.segment_bytes = 8192});
    ASSERT_TRUE(wal.is_ok());
    ASSERT_TRUE(wal.value()->append(std::nullopt, {entry(1, 1), entry(2, 1)}).is_ok());
    ASSERT_TRUE(wal.value()->sync().is_ok());
  }
  Result<std::vector<SegmentReport>> r = inspect_wal(fs, "/w");
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r.value().size(), 1u);
  const SegmentReport& s = r.value().front();
  EXPECT_TRUE(s.ok) << s.problem;
  EXPECT_EQ(s.size, 8192u);
  EXPECT_EQ(s.entries, 2u);
  EXPECT_GT(s.free_bytes, 0u);
  EXPECT_LT(s.free_bytes, 8192u - 400u);
}

TEST(WalInspectTest, inspectWal_tellsATornTailFromDamageTheNodeWouldRefuse) {
  env::SimFileSystem fs;
  {
    auto wal = Wal::open(fs, "/w", WalOptions{.segment_bytes = 8192});
    ASSERT_TRUE(wal.is_ok());
    ASSERT_TRUE(wal.value()->append(std::nullopt, {entry(1, 1), entry(2, 1)}).is_ok());
    ASSERT_TRUE(wal.value()->sync().is_ok());
  }
  const std::string path = "/w/" + inspect_wal(fs, "/w").value().front().name;
  const std::string good = env::read_file(fs, path).value();
  const std::size_t end = good.size() - inspect_wal(fs, "/w").value().front().free_bytes;
  const auto rewrite = [&](const std::string& bytes) {
    auto f = fs.open(path, env::OpenMode::kReadWrite);
    ASSERT_TRUE(f.is_ok());
    ASSERT_TRUE(f.value()->write_at(0, bytes.data(), bytes.size()).is_ok());
  };
  // A byte flipped inside the last entry record: nothing verified follows, a torn tail.
  std::string bytes = good;
  bytes[end - 3] ^= 0x01;
  rewrite(bytes);
  SegmentReport s = inspect_wal(fs, "/w").value().front();
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(s.torn) << s.problem;
  // The same in the first entry record: the second still verifies, so a node would refuse.
  bytes = good;
  bytes[kSegmentHeaderSize + 100] ^= 0x01;
  rewrite(bytes);
  s = inspect_wal(fs, "/w").value().front();
  EXPECT_FALSE(s.ok);
  EXPECT_FALSE(s.torn) << s.problem;
  EXPECT_EQ(Wal::open(fs, "/w", WalOptions{.segment_bytes = 8192}).status().code(),
            Code::kCorruption);
}

}  // namespace
}  // namespace helios::storage
