// node::RemovalWatch: when a node counts as removed (its own applied removal, a joint
// configuration, a removal it replays after being added again, a joining node's history, a
// member's notice), and its markers (REMOVED refuses a restart, JOINED bounds the history).
#include "node/removal_watch.h"

#include <gtest/gtest.h>

#include "base/prng.h"
#include "env/sim/sim_file_system.h"
#include "raft/membership.h"

namespace helios::node {
namespace {

constexpr NodeId kSelf = 3;

raft::Entry conf_entry(Index index, const raft::ConfState& conf) {
  return raft::Entry{.term = 1,
                     .index = index,
                     .type = raft::EntryType::kConfChange,
                     .data = raft::encode_conf_state(conf)};
}

const raft::ConfState kWithMe{.voters = {1, 2, 3}};
const raft::ConfState kWithoutMe{.voters = {1, 2}};
// Node 3 replaced by node 4: 3 is still an outgoing voter.
const raft::ConfState kJointReplacingMe{.voters = {1, 2, 4}, .voters_outgoing = {1, 2, 3}};

class RemovalWatchTest : public ::testing::Test {
 protected:
  RemovalWatch watch() { return RemovalWatch(fs_, "/data", kSelf, "node-3"); }
  void SetUp() override { ASSERT_TRUE(fs_.create_dirs("/data").is_ok()); }
  env::SimFileSystem fs_;
};

TEST_F(RemovalWatchTest, applyingItsOwnRemoval_removesAMember) {
  RemovalWatch w = watch();
  ASSERT_TRUE(w.open().is_ok());
  w.begin(kWithMe, kWithMe, false);
  EXPECT_FALSE(w.on_applied(raft::Entry{.term = 1, .index = 4, .data = "x"}, kWithMe));
  const std::optional<std::string> reason = w.on_applied(conf_entry(5, kWithoutMe), kWithoutMe);
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find("at index 5"), std::string::npos) << *reason;
  EXPECT_TRUE(w.removed());
  // Once removed, nothing more is reported.
  EXPECT_FALSE(w.on_applied(conf_entry(6, kWithoutMe), kWithoutMe));
}

TEST_F(RemovalWatchTest, aJointConfiguration_doesNotRemoveAnOutgoingVoter) {
  RemovalWatch w = watch();
  ASSERT_TRUE(w.open().is_ok());
  w.begin(kWithMe, kWithMe, false);
  // The core has appended C(new) already: the configuration in force leaves node 3 out.
  EXPECT_FALSE(
      w.on_applied(conf_entry(5, kJointReplacingMe), raft::ConfState{.voters = {1, 2, 4}}));
  EXPECT_FALSE(w.removed());
  EXPECT_TRUE(w.on_applied(conf_entry(6, raft::ConfState{.voters = {1, 2, 4}}),
                           raft::ConfState{.voters = {1, 2, 4}}));
}

TEST_F(RemovalWatchTest, plantedRemovalOnJoint_stopsAtTheJointConfiguration) {
  RemovalWatch w = watch();
  w.plant_removal_on_joint();
  ASSERT_TRUE(w.open().is_ok());
  w.begin(kWithMe, kWithMe, false);
  EXPECT_TRUE(w.on_applied(conf_entry(5, kJointReplacingMe), raft::ConfState{.voters = {1, 2, 4}}));
}

TEST_F(RemovalWatchTest, aRemovalReplayedAfterBeingAddedAgain_doesNotRemove) {
  RemovalWatch w = watch();
  ASSERT_TRUE(w.open().is_ok());
  w.begin(kWithMe, kWithMe, false);
  // The log also holds a later configuration that has node 3 again: it stays.
  EXPECT_FALSE(w.on_applied(conf_entry(5, kWithoutMe), kWithMe));
  EXPECT_FALSE(w.removed());
}

TEST_F(RemovalWatchTest, aNodeThatNeverWasAMember_isNotRemoved) {
  RemovalWatch w = watch();
  ASSERT_TRUE(w.open().is_ok());
  w.begin(kWithoutMe, kWithoutMe, false);  // a spare: never in a configuration
  EXPECT_EQ(w.vote_floor().index, 0u);
  EXPECT_FALSE(w.on_applied(conf_entry(5, raft::ConfState{.voters = {1}}), kWithoutMe));
}

TEST_F(RemovalWatchTest, aJoiningNode_replaysTheHistoryOfItsIdWithoutStopping) {
  {
    RemovalWatch w = watch();
    ASSERT_TRUE(w.open().is_ok());
    w.begin(raft::ConfState{}, raft::ConfState{}, true);
    EXPECT_TRUE(w.joining());
    // An earlier member under id 3, removed at 5, while this node waits to be added.
    EXPECT_FALSE(w.on_applied(conf_entry(2, kWithMe), raft::ConfState{}));
    EXPECT_FALSE(w.on_applied(conf_entry(5, kWithoutMe), raft::ConfState{}));
    w.finish_join(raft::EntryId{4, 9});  // the cluster added it at 9, term 4 (JOINED)
    EXPECT_FALSE(w.joining());
    // Until its log holds the entry that added it, it votes only for a candidate that does.
    EXPECT_EQ(w.vote_floor(), (raft::EntryId{4, 9}));
  }
  {
    // Restarted before its log held the configuration that added it: JOINED says it was
    // added, so it does not wait to be added again (the floor guards its votes).
    RemovalWatch w = watch();
    ASSERT_TRUE(w.open().is_ok());
    w.begin(raft::ConfState{}, raft::ConfState{}, true);
    EXPECT_FALSE(w.joining());
  }
  // Restarted: the replay below 9 is still history; a removal above it is not.
  RemovalWatch w = watch();
  ASSERT_TRUE(w.open().is_ok());
  w.begin(raft::ConfState{}, kWithMe, true);
  EXPECT_FALSE(w.joining());
  EXPECT_EQ(w.vote_floor(), (raft::EntryId{4, 9}));
  EXPECT_FALSE(w.on_applied(conf_entry(2, kWithMe), kWithoutMe));
  EXPECT_FALSE(w.on_applied(conf_entry(5, kWithoutMe), kWithoutMe));
  EXPECT_FALSE(w.on_applied(conf_entry(9, kWithMe), kWithoutMe));
  EXPECT_TRUE(w.on_applied(conf_entry(12, kWithoutMe), kWithoutMe));
}

TEST_F(RemovalWatchTest, aNotice_removes) {
  RemovalWatch w = watch();
  ASSERT_TRUE(w.open().is_ok());
  w.begin(kWithMe, kWithMe, false);
  const std::optional<std::string> reason =
      w.on_removal_notice(raft::Raft::RemovalNotice{.index = 40, .from = 1});
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find("node-1"), std::string::npos) << *reason;
  EXPECT_FALSE(w.on_removal_notice(raft::Raft::RemovalNotice{.index = 41, .from = 2}));
}

TEST_F(RemovalWatchTest, aRecordedRemoval_survivesACrashAndRefusesTheNextStart) {
  {
    RemovalWatch w = watch();
    ASSERT_TRUE(w.open().is_ok());
    w.begin(kWithMe, kWithMe, false);
    const std::optional<std::string> reason = w.on_applied(conf_entry(5, kWithoutMe), kWithoutMe);
    ASSERT_TRUE(reason.has_value());
    ASSERT_TRUE(w.record(*reason).is_ok());
  }
  base::Prng prng(7);
  fs_.crash(prng);
  RemovalWatch again = watch();
  const Status s = again.open();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("was removed from the cluster"), std::string::npos) << s.to_string();
  EXPECT_NE(s.message().find("at index 5"), std::string::npos) << s.to_string();
}

TEST_F(RemovalWatchTest, aFailedRecord_isReported) {
  RemovalWatch w = watch();
  ASSERT_TRUE(w.open().is_ok());
  fs_.fail_next_sync();
  EXPECT_FALSE(w.record("removed by a test").is_ok());
}

TEST_F(RemovalWatchTest, aJoinedMarkerThatIsNotAnIndex_isRefused) {
  for (const char* bad :
       {"twelve\n", "12 x\n", "12 4 5\n", "12  4\n", "-12\n", " 12\n", "12 -4\n"}) {
    ASSERT_TRUE(env::write_file_atomically(fs_, "/data/JOINED", bad).is_ok());
    RemovalWatch w = watch();
    EXPECT_EQ(w.open().code(), Code::kCorruption) << bad;
  }
}

TEST_F(RemovalWatchTest, aJoinedMarkerOfAnEarlierRelease_hasNoTerm) {
  ASSERT_TRUE(env::write_file_atomically(fs_, "/data/JOINED", "12\n").is_ok());
  RemovalWatch w = watch();
  ASSERT_TRUE(w.open().is_ok());
  EXPECT_EQ(w.vote_floor(), (raft::EntryId{0, 12}));
}

}  // namespace
}  // namespace helios::node
