// node::StallReport: which stalls of the event loop are warned about, and what the warning
// says (node/stall_report.h).

#include "node/stall_report.h"

#include <gtest/gtest.h>

#include <string>

namespace helios::node {
namespace {

StallFacts stall(std::uint64_t ms, std::uint64_t at, bool leader = false, bool snapshot = false) {
  StallFacts f;
  f.stall_ms = ms;
  f.now_ms = at;
  f.leader = leader;
  f.snapshotting = snapshot;
  return f;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The warning a stall of `ms` (ending at 1000) gets from a fresh report with a 150 ms
// election timeout; fails the test if there is none.
std::string warning_of(std::uint64_t ms, bool leader, bool snapshot) {
  StallReport r(150);
  const auto w = r.note(stall(ms, 1000, leader, snapshot));
  EXPECT_TRUE(w.has_value());
  return w.value_or("");
}

TEST(StallReportTest, stallsShorterThanHalfTheElectionTimeoutAreIgnored) {
  StallReport r(150);
  EXPECT_EQ(r.threshold_ms(), 75u);
  EXPECT_FALSE(r.note(stall(74, 1000, true)).has_value());
  EXPECT_TRUE(r.note(stall(75, 2000, true)).has_value());
}

TEST(StallReportTest, aLeadersWarningNamesTheElectionTimeoutAndTheRemedy) {
  const std::string w = warning_of(386, true, false);
  EXPECT_TRUE(has(w, "stalled for 386 ms")) << w;
  EXPECT_TRUE(has(w, "election timeout (150 ms)")) << w;
  EXPECT_TRUE(has(w, "raise election_timeout")) << w;
  EXPECT_TRUE(has(w, "paused process")) << w;
}

TEST(StallReportTest, aFollowersWarningSaysNothingAboutElections) {
  const std::string w = warning_of(200, false, false);
  EXPECT_TRUE(has(w, "stalled for 200 ms")) << w;
  EXPECT_FALSE(has(w, "election")) << w;
}

TEST(StallReportTest, aStallDuringASnapshotBlamesTheForksPageFaults) {
  const std::string w = warning_of(226, true, true);
  EXPECT_TRUE(has(w, "while a snapshot was being written")) << w;
  EXPECT_TRUE(has(w, "copy-on-write")) << w;
  EXPECT_FALSE(has(w, "paused process")) << w;
}

TEST(StallReportTest, warningsAreRateLimitedAndTheSuppressedOnesCounted) {
  StallReport r(150, 10000);
  EXPECT_TRUE(r.note(stall(100, 1000)).has_value());
  EXPECT_FALSE(r.note(stall(300, 2000)).has_value());
  EXPECT_FALSE(r.note(stall(120, 10999)).has_value());
  EXPECT_FALSE(r.note(stall(50, 11500)).has_value());  // short: not even counted
  const auto w = r.note(stall(90, 11000));
  ASSERT_TRUE(w.has_value());
  EXPECT_TRUE(has(*w, "stalled for 90 ms")) << *w;
  EXPECT_TRUE(has(*w, "2 more stall(s) of up to 300 ms")) << *w;
  // The count starts again after a warning.
  const auto next = r.note(stall(80, 30000));
  ASSERT_TRUE(next.has_value());
  EXPECT_FALSE(has(*next, "more stall")) << *next;
}

TEST(StallReportTest, aTinyElectionTimeoutStillHasAThreshold) {
  EXPECT_EQ(StallReport(0).threshold_ms(), 1u);  // never valid configuration; no crash either
  StallReport r(1);
  EXPECT_EQ(r.threshold_ms(), 1u);
  EXPECT_FALSE(r.note(stall(0, 5)).has_value());
  EXPECT_TRUE(r.note(stall(1, 6)).has_value());
}

}  // namespace
}  // namespace helios::node
