// The simulator itself: a seed replays exactly, and injected storage failures stop nodes.
#include <gtest/gtest.h>

#include "sim/runner.h"

namespace helios::sim {
namespace {

TEST(SimReplayTest, runSeed_sameSeedSameRun) {
  install_failure_handler();
  for (std::uint64_t seed : {3ULL, 17ULL, 4242ULL}) {
    const SimResult a = run_seed(SimOptions::draw(seed, 3));
    // Another seed on the same thread in between changes nothing (the plans' seeds restart).
    ASSERT_TRUE(run_seed(SimOptions::draw(seed + 1, 3)).ok);
    const SimResult b = run_seed(SimOptions::draw(seed, 3));
    ASSERT_TRUE(a.ok) << a.failure;
    EXPECT_EQ(a.events, b.events);
    EXPECT_EQ(a.ticks, b.ticks);
    EXPECT_EQ(a.committed, b.committed);
    EXPECT_EQ(a.ops_ok, b.ops_ok);
    EXPECT_EQ(a.liveness_us, b.liveness_us);
    EXPECT_EQ(a.api.writes, b.api.writes);
    EXPECT_EQ(a.api.batches, b.api.batches);
    EXPECT_EQ(a.api.forwarded, b.api.forwarded);
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

// The clients go through each node's client layer (api::Executor): followers forward, the
// leader batches several writes into one entry, reads are barriers, and the answers include
// -TRYAGAIN and -UNCERTAIN under faults.
TEST(SimClientLayerTest, runSeeds_clientsGoThroughTheExecutor) {
  install_failure_handler();
  api::ExecutorStats sum;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const SimResult r = run_seed(SimOptions::draw(seed, 3));
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.failure;
    sum += r.api;
  }
  EXPECT_GT(sum.forwarded, 0u);
  EXPECT_GT(sum.barriers, 0u);
  EXPECT_GT(sum.tryagain, 0u);
  EXPECT_GT(sum.uncertain, 0u);
  EXPECT_GT(sum.forwards_given_up, 0u);
  // A put comes with up to two more writes in the same turn of the loop (a WATCHed
  // transaction, an ACL change), and clients write at once: the leaders' entries are fewer
  // than the writes, batches hold several.
  EXPECT_LT(sum.batches, sum.writes);
}

// A leader holds its next batch while its fsync is in flight (or while a busy leader's batches
// are in flight): the same seeds make fewer, larger entries than with holding turned off
// (max_batches_in_flight = 0), and every check still passes.
TEST(SimClientLayerTest, runSeeds_aLeaderHoldsItsNextBatchWhileOneIsInFlight) {
  install_failure_handler();
  api::ExecutorStats held;
  api::ExecutorStats unheld;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    SimOptions options = SimOptions::draw(seed, 3);
    options.max_batches_in_flight = 1;
    const SimResult a = run_seed(options);
    ASSERT_TRUE(a.ok) << "seed " << seed << ": " << a.failure;
    options.max_batches_in_flight = 0;
    const SimResult b = run_seed(options);
    ASSERT_TRUE(b.ok) << "seed " << seed << " without holding: " << b.failure;
    held += a.api;
    unheld += b.api;
  }
  EXPECT_GT(held.batches_held, 0u);
  EXPECT_EQ(unheld.batches_held, 0u);
  // Writes per entry: more when held.
  EXPECT_GT(static_cast<double>(held.writes) / static_cast<double>(held.batches),
            static_cast<double>(unheld.writes) / static_cast<double>(unheld.batches))
      << "held: " << held.writes << " writes in " << held.batches
      << " entries; unheld: " << unheld.writes << " in " << unheld.batches;
}

}  // namespace
}  // namespace helios::sim
