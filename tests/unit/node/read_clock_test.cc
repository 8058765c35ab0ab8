// node::ReadClock: the time of a linearizable read (node/read_clock.h). It is at most the
// leader's clock, at most the first stamp after the read index (a later write must not be
// applied at a time before the read), and at most kReadTimeAheadMs above the last stamp up to
// the read index (which any later leader's clock starts above).

#include "node/read_clock.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace helios::node {
namespace {

void propose(ReadClock& c, std::vector<std::pair<Index, std::uint64_t>> entries) {
  for (auto [index, stamp] : entries) {
    c.on_proposed(index, stamp);
  }
}

TEST(ReadClockTest, withNothingProposedTheTimeIsTheClockWithinReachOfTheLogsStamps) {
  ReadClock c;
  c.start_term(4990);
  EXPECT_EQ(c.read_time(10, 5000), 5000u);
  EXPECT_EQ(c.read_time(10, 9000), 4990 + kReadTimeAheadMs);  // the log's time lags
  EXPECT_EQ(c.read_time(10, 0), 0u);                          // no clock: no time
}

TEST(ReadClockTest, aStampAfterTheReadIndexCapsTheTime) {
  ReadClock c;
  c.start_term(4970);
  propose(c, {{11, 4980}, {12, 4995}});
  // Entry 11 is not in a read at 10: that read comes before it, so before its stamp.
  EXPECT_EQ(c.read_time(10, 5000), 4980u);
  EXPECT_EQ(c.read_time(11, 5000), 4995u);
  EXPECT_EQ(c.read_time(12, 5000), 5000u);
  EXPECT_EQ(c.read_time(12, 9000), 4995 + kReadTimeAheadMs);  // reach from entry 12's stamp
}

TEST(ReadClockTest, entriesWithoutAStampAreSkipped) {
  ReadClock c;
  c.start_term(4970);
  propose(c, {{11, 0}, {12, 4985}});  // 11: a configuration entry
  EXPECT_EQ(c.tracked(), 1u);
  EXPECT_EQ(c.read_time(10, 5000), 4985u);
}

TEST(ReadClockTest, anIndexProposedAgainForgetsTheStampsFromItOn) {
  ReadClock c;
  c.start_term(90);
  propose(c, {{11, 100}, {12, 200}, {13, 300}});
  c.on_proposed(12, 900);  // a log replaced under it: 12 and 13 are gone
  EXPECT_EQ(c.tracked(), 2u);
  EXPECT_EQ(c.read_time(10, 5000), 100u);
  EXPECT_EQ(c.read_time(11, 9000), 100 + kReadTimeAheadMs);
  EXPECT_EQ(c.read_time(11, 120), 120u);
}

TEST(ReadClockTest, forgottenStampsStillBoundTheReachOfLaterReads) {
  ReadClock c;
  c.start_term(50);
  propose(c, {{11, 100}, {12, 200}, {13, 300}});
  c.forget_through(12);
  EXPECT_EQ(c.tracked(), 1u);
  EXPECT_EQ(c.read_time(12, 5000), 200 + kReadTimeAheadMs);  // 12 was forgotten, not its stamp
  c.start_term(700);  // leading again: the earlier term's stamps are in the log's
  EXPECT_EQ(c.tracked(), 0u);
  EXPECT_EQ(c.read_time(12, 5000), 700 + kReadTimeAheadMs);
}

TEST(ReadClockTest, theTimeIsNeverZeroWithAClock) {
  ReadClock c;
  c.on_proposed(2, 1);
  EXPECT_EQ(c.read_time(1, 1), 1u);
}

}  // namespace
}  // namespace helios::node
