// The simulator itself: a seed replays exactly, and the simulated disk loses what it should.
#include <gtest/gtest.h>

#include "sim/disk.h"
#include "sim/runner.h"

namespace helios::sim {
namespace {

raft::Entry entry(Index index, Term term) {
  raft::Entry e;
  e.index = index;
  e.term = term;
  e.data = "x";
  return e;
}

TEST(SimReplayTest, runSeed_sameSeedSameRun) {
  install_failure_handler();
  for (std::uint64_t seed : {3ULL, 17ULL, 4242ULL}) {
    const SimResult a = run_seed(SimOptions::draw(seed, 3));
    const SimResult b = run_seed(SimOptions::draw(seed, 3));
    ASSERT_TRUE(a.ok) << a.failure;
    EXPECT_EQ(a.events, b.events);
    EXPECT_EQ(a.ticks, b.ticks);
    EXPECT_EQ(a.committed, b.committed);
    EXPECT_EQ(a.ops_ok, b.ops_ok);
    EXPECT_EQ(a.liveness_us, b.liveness_us);
    EXPECT_GT(a.committed, 0u);
    EXPECT_GT(a.ops_ok, 0u);
  }
}

TEST(SimReplayTest, draw_differentSeedsDifferentOptions) {
  EXPECT_NE(SimOptions::draw(1, 3).describe(), SimOptions::draw(2, 3).describe());
  EXPECT_EQ(SimOptions::draw(9, 5).describe(), SimOptions::draw(9, 5).describe());
}

TEST(SimDiskTest, crash_keepsSyncedWrites) {
  SimDisk disk;
  disk.write(raft::HardState{2, 1, 0}, {entry(1, 1), entry(2, 2)});
  disk.sync();
  base::Prng prng(1);
  disk.crash(prng);
  EXPECT_EQ(disk.visible().last_index(), 2u);
  EXPECT_EQ(disk.visible().hard_state().term, 2u);
}

TEST(SimDiskTest, crash_keepsOnlyAPrefixOfUnsyncedWrites) {
  bool lost_some = false;
  bool kept_some = false;
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    SimDisk disk;
    disk.write(std::nullopt, {entry(1, 1)});
    disk.sync();
    disk.write(std::nullopt, {entry(2, 1)});
    disk.write(raft::HardState{3, 2, 2}, {entry(3, 1)});
    base::Prng prng(seed);
    const std::size_t kept = disk.crash(prng);
    const Index last = disk.visible().last_index();
    // Writes are ordered: the log survives up to some write, never with a hole.
    EXPECT_GE(last, 1u);
    EXPECT_LE(last, 3u);
    if (disk.visible().hard_state().term == 3) {
      EXPECT_EQ(last, 3u) << "the hard state came after entry 3";
    }
    EXPECT_EQ(disk.unsynced(), 0u);
    lost_some = lost_some || kept < 3;
    kept_some = kept_some || kept > 0;
  }
  EXPECT_TRUE(lost_some);
  EXPECT_TRUE(kept_some);
}

}  // namespace
}  // namespace helios::sim
