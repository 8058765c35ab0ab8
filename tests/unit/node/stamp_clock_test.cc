// The stamps a node gives the commands it proposes (node/stamp_clock.h): never below one it
// gave, one in its log or one applied; a new leader starts kReadTimeAheadMs above its log; and
// the planted bugs that break exactly those rules.

#include <gtest/gtest.h>

#include "atlas/command.h"
#include "node/read_clock.h"
#include "node/stamp_clock.h"

namespace helios::node {
namespace {

std::vector<raft::Entry> stamped(std::uint64_t stamp_ms, Index index) {
  raft::Entry e;
  e.index = index;
  e.term = 1;
  e.data =
      atlas::encode_command(atlas::Command{stamp_ms, {atlas::SetOp{.key = "k", .value = "v"}}});
  return {e};
}

TEST(StampClockTest, followsTheWallClockWhileItMovesForward) {
  StampClock c;
  EXPECT_EQ(c.stamp(1000, 0), 1000u);
  EXPECT_EQ(c.stamp(1005, 0), 1005u);
}

TEST(StampClockTest, neverGoesBackWhenTheWallClockStepsBack) {
  StampClock c;
  EXPECT_EQ(c.stamp(1000, 0), 1000u);
  EXPECT_EQ(c.stamp(400, 0), 1000u);
}

TEST(StampClockTest, neverStampsBelowAnEntryInTheLogOrTheAppliedStamp) {
  StampClock c(2000);  // recovered from a log whose tail was stamped 2000
  EXPECT_EQ(c.stamp(1000, 0), 2000u);
  c.on_written(stamped(3000, 5));  // written from another leader whose clock is ahead
  EXPECT_EQ(c.log_stamp_ms(), 3000u);
  EXPECT_EQ(c.stamp(1000, 0), 3000u);
  EXPECT_EQ(c.stamp(1000, 3500), 3500u);
}

TEST(StampClockTest, aNewLeaderStartsAboveItsLogByTheReadTimeAhead) {
  StampClock c(2000);
  c.on_leading(1500);
  EXPECT_EQ(c.stamp(1000, 0), 2000u + kReadTimeAheadMs);
  StampClock d(2000);
  d.on_leading(2600);  // applied a later stamp than the log's tail it recovered
  EXPECT_EQ(d.stamp(1000, 0), 2600u + kReadTimeAheadMs);
}

TEST(StampClockTest, plantedForgetLogStampsBelowTheLogAndStartsUnraised) {
  StampClock c(2000);
  c.plant_forget_log();
  c.on_leading(0);
  EXPECT_EQ(c.stamp(1000, 0), 1000u);
}

TEST(StampClockTest, plantedUnraisedLeaderKeepsTheLogFloorButSkipsTheRaise) {
  StampClock c(2000);
  c.plant_unraised_leader();
  c.on_leading(0);
  EXPECT_EQ(c.stamp(1000, 0), 2000u);
}

}  // namespace
}  // namespace helios::node
