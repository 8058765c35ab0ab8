// node::ReadClock: the time of a linearizable read (node/read_clock.h). It is at most the
// leader's clock, at most the first stamp after the read index (a later write must not be
// applied at a time before the read), and at most kReadTimeAheadMs above the applied stamp
// (which a new leader starts above).

#include "node/read_clock.h"

#include <gtest/gtest.h>

namespace helios::node {
namespace {

raft::Entry at(Index index, std::uint64_t stamp) {
  return raft::Entry{.term = 1, .index = index, .data = std::to_string(stamp)};
}

std::uint64_t stamp_of(const raft::Entry& e) {
  return std::stoull(e.data);
}

TEST(ReadClockTest, withNothingPendingTheTimeIsTheClockWithinTheAppliedStampsReach) {
  ReadClock c;
  EXPECT_EQ(c.read_time(10, 5000, 4990), 5000u);
  EXPECT_EQ(c.read_time(10, 5000, 1000), 1000 + kReadTimeAheadMs);  // the applied stamp lags
  EXPECT_EQ(c.read_time(10, 0, 1000), 0u);                          // no clock: no time
}

TEST(ReadClockTest, aStampAfterTheReadIndexCapsTheTime) {
  ReadClock c;
  c.on_appended({at(11, 4980), at(12, 4995)}, stamp_of);
  // Entry 11 is not in a read at 10: that read comes before it, so before its stamp.
  EXPECT_EQ(c.read_time(10, 5000, 4990), 4980u);
  EXPECT_EQ(c.read_time(11, 5000, 4990), 4995u);
  EXPECT_EQ(c.read_time(12, 5000, 4990), 5000u);
}

TEST(ReadClockTest, entriesWithoutAStampAreSkipped) {
  ReadClock c;
  c.on_appended({at(11, 0), at(12, 4985)}, stamp_of);  // 11: a configuration entry
  EXPECT_EQ(c.tracked(), 1u);
  EXPECT_EQ(c.read_time(10, 5000, 4990), 4985u);
}

TEST(ReadClockTest, aReplacedTailForgetsItsStamps) {
  ReadClock c;
  c.on_appended({at(11, 100), at(12, 200), at(13, 300)}, stamp_of);
  c.on_appended({at(12, 900)}, stamp_of);  // a new leader's entry 12 replaces 12 and 13
  EXPECT_EQ(c.tracked(), 2u);
  EXPECT_EQ(c.read_time(11, 5000, 4990), 900u);
}

TEST(ReadClockTest, stampsAtOrBelowEveryAnswerableReadIndexAreForgotten) {
  ReadClock c;
  c.on_appended({at(11, 100), at(12, 200), at(13, 300)}, stamp_of);
  c.forget_through(12);
  EXPECT_EQ(c.tracked(), 1u);
  EXPECT_EQ(c.read_time(12, 5000, 4990), 300u);
  c.clear();
  EXPECT_EQ(c.tracked(), 0u);
  EXPECT_EQ(c.read_time(12, 5000, 4990), 5000u);
}

TEST(ReadClockTest, theTimeIsNeverZeroWithAClock) {
  ReadClock c;
  c.on_appended({at(2, 1)}, stamp_of);
  EXPECT_EQ(c.read_time(1, 1, 0), 1u);
}

}  // namespace
}  // namespace helios::node
