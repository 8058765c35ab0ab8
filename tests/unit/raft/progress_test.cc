// Progress and Inflights: the leader's per-follower replication state
// (etcd/raft's tracker/progress_test.go and inflights_test.go).
#include <gtest/gtest.h>

#include "raft/tracker/inflights.h"
#include "raft/tracker/progress.h"

namespace helios::raft {
namespace {

Progress make_progress(Index match, Index next, ProgressState state) {
  Progress pr(state == ProgressState::kProbe ? next : match + 1, 4, 1 << 20);
  if (match > 0) {
    EXPECT_TRUE(pr.maybe_update(match));
  }
  if (state == ProgressState::kReplicate) {
    pr.become_replicate();
    if (next > match + 1) {
      pr.sent_entries(next - 1, next - 1 - match, 0);  // entries in flight up to next - 1
    }
  }
  EXPECT_EQ(pr.match(), match);
  EXPECT_EQ(pr.next(), next);
  return pr;
}

// ---------------------------------------------------------------------------------------
// Inflights.

TEST(InflightsTest, add_fullAtMaxCount) {
  Inflights in(3, 1000);
  EXPECT_FALSE(in.full());
  in.add(1, 10);
  in.add(2, 10);
  EXPECT_FALSE(in.full());
  in.add(5, 10);
  EXPECT_TRUE(in.full());
  EXPECT_EQ(in.count(), 3u);
  EXPECT_EQ(in.bytes(), 30u);
}

TEST(InflightsTest, add_fullAtMaxBytes) {
  Inflights in(100, 50);
  in.add(1, 20);
  EXPECT_FALSE(in.full());
  in.add(2, 30);
  EXPECT_TRUE(in.full());
}

TEST(InflightsTest, freeLe_freesEveryMessageUpToIndex) {
  Inflights in(10, 1000);
  for (Index i = 1; i <= 10; ++i) {
    in.add(i * 2, 7);  // last indexes 2, 4, ..., 20
  }
  EXPECT_TRUE(in.full());
  in.free_le(9);  // frees 2, 4, 6, 8
  EXPECT_EQ(in.count(), 6u);
  EXPECT_EQ(in.bytes(), 42u);
  EXPECT_FALSE(in.full());
  in.free_le(9);  // idempotent
  EXPECT_EQ(in.count(), 6u);
  in.free_le(100);
  EXPECT_EQ(in.count(), 0u);
  EXPECT_EQ(in.bytes(), 0u);
}

TEST(InflightsTest, freeFirstOne_freesOnlyTheOldest) {
  Inflights in(3, 1000);
  in.add(3, 1);
  in.add(4, 2);
  in.add(9, 4);
  in.free_first_one();
  EXPECT_EQ(in.count(), 2u);
  EXPECT_EQ(in.bytes(), 6u);
  in.reset();
  EXPECT_EQ(in.count(), 0u);
  in.free_first_one();  // empty: nothing to do
  EXPECT_EQ(in.bytes(), 0u);
}

// ---------------------------------------------------------------------------------------
// Progress.

TEST(ProgressTest, maybeUpdate_advancesMatchAndNext) {
  Progress pr(5, 4, 1 << 20);
  EXPECT_FALSE(pr.maybe_update(0));
  EXPECT_EQ(pr.next(), 5u);
  EXPECT_TRUE(pr.maybe_update(3));
  EXPECT_EQ(pr.match(), 3u);
  EXPECT_EQ(pr.next(), 5u);  // next never moves back on an update
  EXPECT_TRUE(pr.maybe_update(7));
  EXPECT_EQ(pr.next(), 8u);
  EXPECT_FALSE(pr.maybe_update(6));  // stale acknowledgement
  EXPECT_EQ(pr.match(), 7u);
  EXPECT_EQ(pr.next(), 8u);
}

TEST(ProgressTest, maybeDecreaseTo_replicate) {
  Progress pr = make_progress(5, 10, ProgressState::kReplicate);
  EXPECT_FALSE(pr.maybe_decrease_to(5, 0));  // at or below match: stale
  EXPECT_FALSE(pr.maybe_decrease_to(4, 0));
  EXPECT_EQ(pr.next(), 10u);
  EXPECT_TRUE(pr.maybe_decrease_to(9, 0));
  EXPECT_EQ(pr.next(), 6u);  // back to match + 1
}

TEST(ProgressTest, maybeDecreaseTo_probe) {
  struct Case {
    Index match, next, rejected, hint;
    bool ok;
    Index next_after;
  };
  const Case cases[] = {
      {0, 10, 5, 5, false, 10},  // rejection of an earlier probe: stale
      {0, 10, 9, 9, true, 9},    // hint at the rejected index: step back one
      {0, 10, 9, 2, true, 3},    // hint further back: jump to hint + 1
      {0, 10, 9, 0, true, 1},   {3, 10, 9, 1, true, 4},  // never below match + 1
      {0, 2, 1, 5, true, 1},  // a hint beyond the rejection is capped at the rejection
  };
  for (const Case& c : cases) {
    Progress pr = make_progress(c.match, c.next, ProgressState::kProbe);
    EXPECT_EQ(pr.maybe_decrease_to(c.rejected, c.hint), c.ok)
        << "match " << c.match << " next " << c.next << " rejected " << c.rejected;
    EXPECT_EQ(pr.next(), c.next_after) << "rejected " << c.rejected << " hint " << c.hint;
  }
}

TEST(ProgressTest, isPaused_probeAfterOneMessage) {
  Progress pr(5, 4, 1 << 20);
  EXPECT_EQ(pr.state(), ProgressState::kProbe);
  EXPECT_FALSE(pr.is_paused());
  pr.sent_entries(6, 2, 100);
  EXPECT_TRUE(pr.is_paused());
  EXPECT_EQ(pr.next(), 5u);  // a probe does not advance next optimistically
  pr.on_heartbeat_response();
  EXPECT_FALSE(pr.is_paused());
  pr.sent_entries(4, 0, 0);  // an empty probe pauses too
  EXPECT_TRUE(pr.is_paused());
  pr.resume_probe();
  EXPECT_FALSE(pr.is_paused());
}

TEST(ProgressTest, sentEntries_replicateAdvancesNextUntilWindowFull) {
  Progress pr = make_progress(4, 5, ProgressState::kReplicate);
  for (Index last = 5; last < 9; ++last) {
    EXPECT_FALSE(pr.is_paused());
    pr.sent_entries(last, 1, 10);
    EXPECT_EQ(pr.next(), last + 1);
  }
  EXPECT_TRUE(pr.is_paused());  // max_inflight 4
  EXPECT_EQ(pr.inflights().count(), 4u);
  EXPECT_TRUE(pr.maybe_update(6));  // frees 5 and 6
  EXPECT_EQ(pr.inflights().count(), 2u);
  EXPECT_FALSE(pr.is_paused());
}

TEST(ProgressTest, onHeartbeatResponse_freesOneSlotOfFullWindow) {
  Progress pr = make_progress(4, 5, ProgressState::kReplicate);
  for (Index last = 5; last < 9; ++last) {
    pr.sent_entries(last, 1, 10);
  }
  ASSERT_TRUE(pr.is_paused());
  pr.on_heartbeat_response();
  EXPECT_EQ(pr.inflights().count(), 3u);
  EXPECT_FALSE(pr.is_paused());
}

TEST(ProgressTest, becomeProbeAndReplicate_resetNextToMatchPlusOne) {
  Progress pr = make_progress(4, 5, ProgressState::kReplicate);
  pr.sent_entries(9, 5, 50);
  EXPECT_EQ(pr.next(), 10u);
  pr.become_probe();
  EXPECT_EQ(pr.state(), ProgressState::kProbe);
  EXPECT_EQ(pr.next(), 5u);
  EXPECT_EQ(pr.inflights().count(), 0u);
  pr.become_replicate();
  EXPECT_EQ(pr.state(), ProgressState::kReplicate);
  EXPECT_EQ(pr.next(), 5u);
}

TEST(ProgressTest, ackReadRound_neverGoesBack) {
  Progress pr(1, 4, 1 << 20);
  pr.ack_read_round(3);
  pr.ack_read_round(2);
  EXPECT_EQ(pr.read_ack(), 3u);
}

}  // namespace
}  // namespace helios::raft
