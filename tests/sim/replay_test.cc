// The simulator itself: a seed replays exactly, and injected storage failures stop nodes.
#include <gtest/gtest.h>

#include "sim/runner.h"

namespace helios::sim {
namespace {

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

TEST(SimStorageTest, runSeed_injectedFsyncFailuresStopNodesAndTheClusterRecovers) {
  install_failure_handler();
  std::uint64_t failures = 0;
  int seeds = 0;
  for (std::uint64_t seed = 1; seed <= 200 && seeds < 8; ++seed) {
    SimOptions options = SimOptions::draw(seed, 3);
    if (options.sync_failure_chance == 0) {
      continue;
    }
    ++seeds;
    const SimResult r = run_seed(options);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.failure;
    failures += r.storage_failures;
  }
  EXPECT_EQ(seeds, 8);
  EXPECT_GT(failures, 0u) << "no injected fsync failure ever stopped a node";
}

}  // namespace
}  // namespace helios::sim
