// RaftLog and Unstable: the log as the core sees it (etcd/raft's log_test.go and
// log_unstable_test.go).
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "raft/log.h"
#include "raft/memory_storage.h"
#include "raft/unstable.h"
#include "test_network.h"

namespace helios::raft {
namespace {

using testing::entries_with_terms;

Entry entry(Index index, Term term) {
  return Entry{.term = term, .index = index};
}

std::vector<Term> terms_of(const RaftLog& log) {
  std::vector<Term> out;
  for (Index i = log.first_index(); i <= log.last_index(); ++i) {
    out.push_back(log.term_or_zero(i));
  }
  return out;
}

// A log with `stable` entries in storage and `unstable` appended after them.
class RaftLogTest : public ::testing::Test {
 protected:
  RaftLog& make_log(const std::vector<Term>& stable, const std::vector<Term>& unstable = {}) {
    storage_.append(entries_with_terms(stable));
    log_.emplace(storage_, 0);
    std::vector<Entry> tail;
    for (std::size_t i = 0; i < unstable.size(); ++i) {
      tail.push_back(entry(stable.size() + 1 + i, unstable[i]));
    }
    log_->append(tail);
    return *log_;
  }

  MemoryStorage storage_;
  std::optional<RaftLog> log_;
};

// ---------------------------------------------------------------------------------------
// maybe_append (§5.3 AppendEntries receiver rules 2-5).

TEST_F(RaftLogTest, maybeAppend_prevMismatchRejectsAndChangesNothing) {
  RaftLog& log = make_log({1, 2, 3});
  EXPECT_FALSE(log.maybe_append(3, 2, 3, {entry(4, 4)}).has_value());  // wrong term at 3
  EXPECT_FALSE(log.maybe_append(4, 3, 3, {entry(5, 4)}).has_value());  // 4 does not exist
  EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 2, 3}));
  EXPECT_EQ(log.committed(), 0u);
}

TEST_F(RaftLogTest, maybeAppend_conflictTruncatesTheTail) {
  RaftLog& log = make_log({1, 2, 3});
  const std::optional<Index> last = log.maybe_append(1, 1, 0, {entry(2, 4), entry(3, 4)});
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, 3u);
  EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 4, 4}));
  // The replacement is unstable: it starts where the conflict was, inside the stable log.
  ASSERT_EQ(log.unstable_entries().size(), 2u);
  EXPECT_EQ(log.unstable_entries().front().index, 2u);
  EXPECT_EQ(log.stable_last_index(), 1u);
}

TEST_F(RaftLogTest, maybeAppend_conflictInsideUnstableTail) {
  RaftLog& log = make_log({1}, {1, 2, 2});
  ASSERT_TRUE(log.maybe_append(2, 1, 0, {entry(3, 3)}).has_value());
  EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 1, 3}));
}

TEST_F(RaftLogTest, maybeAppend_matchingEntriesDoNotTruncateALongerLog) {
  // §5.3 rule 3: only a conflicting entry truncates; a stale, shorter append must not drop
  // entries the follower already has beyond it.
  RaftLog& log = make_log({1, 1, 1, 2, 2});
  const std::optional<Index> last = log.maybe_append(1, 1, 0, {entry(2, 1), entry(3, 1)});
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, 3u);  // the last index this append vouches for
  EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 1, 1, 2, 2}));
  EXPECT_TRUE(log.unstable_entries().empty());
}

TEST_F(RaftLogTest, maybeAppend_appendsNewEntriesAfterMatchingOnes) {
  RaftLog& log = make_log({1, 2});
  ASSERT_TRUE(log.maybe_append(1, 1, 0, {entry(2, 2), entry(3, 2), entry(4, 3)}).has_value());
  EXPECT_EQ(terms_of(log), (std::vector<Term>{1, 2, 2, 3}));
  ASSERT_EQ(log.unstable_entries().size(), 2u);
  EXPECT_EQ(log.unstable_entries().front().index, 3u);
}

TEST_F(RaftLogTest, maybeAppend_commitNeverBeyondLastNewEntry) {
  RaftLog& log = make_log({1, 1, 1, 1, 1});
  // The leader's commit is 9, but this append only vouches for entries up to 3: the
  // follower's entries 4 and 5 might not match the leader's (rule 5: min(leaderCommit,
  // index of last new entry)).
  ASSERT_TRUE(log.maybe_append(2, 1, 9, {entry(3, 1)}).has_value());
  EXPECT_EQ(log.committed(), 3u);
  ASSERT_TRUE(log.maybe_append(5, 1, 9, {}).has_value());
  EXPECT_EQ(log.committed(), 5u);
  ASSERT_TRUE(log.maybe_append(1, 1, 2, {}).has_value());
  EXPECT_EQ(log.committed(), 5u);  // commit never decreases
}

TEST_F(RaftLogTest, commitTo_beyondLastIndexDies) {
  RaftLog& log = make_log({1, 1});
  log.commit_to(2);
  EXPECT_EQ(log.committed(), 2u);
  EXPECT_DEATH(log.commit_to(3), "commit beyond the last index");
}

TEST_F(RaftLogTest, maybeAppend_conflictWithCommittedEntryPanics) {
  RaftLog& log = make_log({1, 1, 1});
  log.commit_to(2);
  EXPECT_DEATH((void)log.maybe_append(1, 1, 0, {entry(2, 2)}), "conflicts with committed");
}

// ---------------------------------------------------------------------------------------
// find_conflict_by_term, is_up_to_date, entries_from.

TEST_F(RaftLogTest, findConflictByTerm_largestIndexWithTermAtMost) {
  RaftLog& log = make_log({1, 1, 2, 2, 5, 5, 5});
  struct Case {
    Index index;
    Term term;
    Index want;
  };
  const Case cases[] = {
      {7, 5, 7}, {7, 4, 4}, {7, 2, 4}, {7, 1, 2}, {7, 0, 0},
      {4, 9, 4}, {4, 1, 2}, {1, 1, 1}, {0, 3, 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(log.find_conflict_by_term(c.index, c.term), c.want)
        << "index " << c.index << " term " << c.term;
  }
}

TEST_F(RaftLogTest, isUpToDate_comparesLastTermThenLength) {
  RaftLog& log = make_log({1, 2, 2});
  EXPECT_TRUE(log.is_up_to_date(1, 3));   // higher last term wins whatever the length
  EXPECT_TRUE(log.is_up_to_date(3, 2));   // same term, same length
  EXPECT_TRUE(log.is_up_to_date(4, 2));   // same term, longer
  EXPECT_FALSE(log.is_up_to_date(2, 2));  // same term, shorter
  EXPECT_FALSE(log.is_up_to_date(9, 1));  // lower last term loses whatever the length
}

TEST_F(RaftLogTest, entriesFrom_boundedByCountAndBytesAcrossStableAndUnstable) {
  RaftLog& log = make_log({1, 1, 1}, {2, 2, 2});
  EXPECT_EQ(log.entries_from(2, 3, 1 << 20).size(), 3u);
  EXPECT_EQ(log.entries_from(2, 100, 1 << 20).size(), 5u);
  EXPECT_EQ(log.entries_from(7, 100, 1 << 20).size(), 0u);
  const std::uint64_t one = entry(1, 1).byte_size() + 2;  // data "e<i>" is two bytes
  EXPECT_EQ(log.entries_from(1, 100, 2 * one).size(), 2u);
  EXPECT_EQ(log.entries_from(3, 100, one + 1).size(), 1u);
  EXPECT_EQ(log.entries_from(1, 100, 0).size(), 1u);  // at least one entry
}

TEST_F(RaftLogTest, nextCommittedEntries_fromAppliedToCommitted) {
  RaftLog& log = make_log({1, 1, 1, 1});
  EXPECT_FALSE(log.has_next_committed_entries());
  log.commit_to(3);
  std::vector<Entry> next = log.next_committed_entries(1 << 20);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next.back().index, 3u);
  log.applied_to(2);
  next = log.next_committed_entries(1 << 20);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next.front().index, 3u);
}

TEST(RaftLogRestartTest, constructor_restoresCommitFromHardState) {
  MemoryStorage storage;
  storage.append(entries_with_terms({1, 1, 2}));
  storage.set_hard_state(HardState{.term = 2, .vote = 1, .commit = 2});
  RaftLog log(storage, 1);
  EXPECT_EQ(log.committed(), 2u);
  EXPECT_EQ(log.applied(), 1u);
  EXPECT_EQ(log.last_index(), 3u);
  EXPECT_EQ(log.stable_last_index(), 3u);
  EXPECT_EQ(log.next_committed_entries(1 << 20).size(), 1u);
}

// ---------------------------------------------------------------------------------------
// Unstable.

TEST(UnstableTest, stableTo_dropsThePersistedPrefix) {
  Unstable u(5);
  u.truncate_and_append({entry(5, 1), entry(6, 1), entry(7, 2)});
  EXPECT_TRUE(u.stable_to(6, 1));
  EXPECT_EQ(u.offset(), 7u);
  ASSERT_EQ(u.entries().size(), 1u);
  EXPECT_EQ(u.maybe_last_index(), std::optional<Index>(7));
  EXPECT_TRUE(u.stable_to(7, 2));
  EXPECT_TRUE(u.entries().empty());
  EXPECT_EQ(u.offset(), 8u);
  EXPECT_EQ(u.maybe_last_index(), std::nullopt);
}

TEST(UnstableTest, stableTo_ignoresAnEntryReplacedSincePersisting) {
  Unstable u(1);
  u.truncate_and_append({entry(1, 1), entry(2, 1), entry(3, 1)});
  // The node starts persisting 1..3; meanwhile a new leader replaces 2.. with term 2.
  u.truncate_and_append({entry(2, 2)});
  EXPECT_FALSE(u.stable_to(3, 1));  // index 3 is gone
  EXPECT_FALSE(u.stable_to(2, 1));  // index 2 now holds another entry
  EXPECT_EQ(u.offset(), 1u);
  EXPECT_EQ(u.entries().size(), 2u);
  EXPECT_TRUE(u.stable_to(2, 2));
  EXPECT_EQ(u.offset(), 3u);
}

TEST(UnstableTest, stableTo_ignoresIndexesOutsideTheTail) {
  Unstable u(5);
  u.truncate_and_append({entry(5, 1)});
  EXPECT_FALSE(u.stable_to(4, 1));
  EXPECT_FALSE(u.stable_to(6, 1));
  EXPECT_EQ(u.offset(), 5u);
}

TEST(UnstableTest, truncateAndAppend_threeCases) {
  Unstable u(5);
  u.truncate_and_append({entry(5, 1), entry(6, 1)});
  u.truncate_and_append({entry(7, 1)});  // directly after: append
  EXPECT_EQ(u.maybe_last_index(), std::optional<Index>(7));
  u.truncate_and_append({entry(6, 2)});  // inside: truncate then append
  EXPECT_EQ(u.maybe_last_index(), std::optional<Index>(6));
  EXPECT_EQ(u.maybe_term(6), std::optional<Term>(2));
  u.truncate_and_append({entry(3, 3), entry(4, 3)});  // before the offset: replace all
  EXPECT_EQ(u.offset(), 3u);
  EXPECT_EQ(u.maybe_last_index(), std::optional<Index>(4));
  EXPECT_EQ(u.maybe_term(5), std::nullopt);
}

// ---------------------------------------------------------------------------------------
// MemoryStorage.

TEST(MemoryStorageTest, appendReplacesTheTailAndReportsBounds) {
  MemoryStorage s;
  EXPECT_EQ(s.first_index(), 1u);
  EXPECT_EQ(s.last_index(), 0u);
  s.append(entries_with_terms({1, 1, 2}));
  s.append({entry(2, 3)});
  EXPECT_EQ(s.last_index(), 2u);
  EXPECT_EQ(s.term(2).value(), 3u);
  EXPECT_EQ(s.term(0).value(), 0u);
  EXPECT_EQ(s.term(3).status().code(), Code::kUnavailable);
  EXPECT_EQ(s.entries(1, 4, 1 << 20).status().code(), Code::kUnavailable);
  EXPECT_EQ(s.entries(0, 1, 1 << 20).status().code(), Code::kCompacted);
  EXPECT_EQ(s.entries(1, 3, 0).value().size(), 1u);
}

}  // namespace
}  // namespace helios::raft
