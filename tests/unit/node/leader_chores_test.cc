// node::LeaderChores: what a leader proposes on its own (node/leader_chores.h): the deletion
// of expired keys, the start of key versions and clock entries, each at most one in flight.

#include "node/leader_chores.h"

#include <gtest/gtest.h>

#include <vector>

#include "node/read_clock.h"

namespace helios::node {
namespace {

struct Proposed {
  atlas::Command command;
  CommandCallback done;
};

class LeaderChoresTest : public ::testing::Test {
 protected:
  LeaderChores chores{[this](atlas::Command command, CommandCallback done) {
    proposed.push_back(Proposed{std::move(command), std::move(done)});
  }};
  std::vector<Proposed> proposed;
  atlas::Store store;

  void set(const std::string& key, std::uint64_t deadline_ms) {
    atlas::Command c;
    c.stamp_ms = 1000;
    c.ops.emplace_back(atlas::SetOp{.key = key, .value = "v", .deadline_ms = deadline_ms});
    store.apply(std::move(c));
  }
  void finish(std::size_t i) { proposed[i].done(std::vector<atlas::Reply>{}); }
};

TEST_F(LeaderChoresTest, expireKeys_deletesOnlyKeysPastTheirDeadlineOneCommandAtATime) {
  set("a", 2000);
  set("b", 3000);
  set("c", 0);
  chores.expire_keys(store, 1999);
  EXPECT_TRUE(proposed.empty());  // nothing expired yet
  chores.expire_keys(store, 2000);
  ASSERT_EQ(proposed.size(), 1u);
  ASSERT_EQ(proposed[0].command.ops.size(), 1u);
  const auto& del = std::get<atlas::DeleteIfExpiredOp>(proposed[0].command.ops[0]);
  EXPECT_EQ(del.key, "a");
  EXPECT_EQ(del.deadline_ms, 2000u);
  EXPECT_TRUE(atlas::validate_command(proposed[0].command).is_ok());
  chores.expire_keys(store, 5000);
  EXPECT_EQ(proposed.size(), 1u) << "a second deletion while the first is in flight";
  finish(0);
  chores.expire_keys(store, 5000);
  ASSERT_EQ(proposed.size(), 2u);
  EXPECT_EQ(proposed[1].command.ops.size(), 2u);  // a and b: the store still holds a
}

TEST_F(LeaderChoresTest, startKeyVersions_onlyWhileNotStartedAndAllowed) {
  chores.start_key_versions(store, false);
  EXPECT_TRUE(proposed.empty());
  chores.start_key_versions(store, true);
  ASSERT_EQ(proposed.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<atlas::StartVersionsOp>(proposed[0].command.ops[0]));
  chores.start_key_versions(store, true);
  EXPECT_EQ(proposed.size(), 1u) << "a second start while the first is in flight";
  finish(0);
  store.apply(std::move(proposed[0].command));
  ASSERT_NE(store.versions_since(), 0u);
  chores.start_key_versions(store, true);
  EXPECT_EQ(proposed.size(), 1u) << "versions started already";
}

TEST_F(LeaderChoresTest, clockEntries_onlyWhileSomeKeyHasADeadlineAndTheStampsLag) {
  EXPECT_FALSE(chores.wants_clock_entry(store, 1000, 1000 + kReadTimeAheadMs));  // no deadline
  set("a", 1'000'000);
  EXPECT_FALSE(chores.wants_clock_entry(store, 1000, 1000 + kReadTimeAheadMs / 2 - 1));
  EXPECT_TRUE(chores.wants_clock_entry(store, 1000, 1000 + kReadTimeAheadMs / 2));
  chores.propose_clock_entry();
  ASSERT_EQ(proposed.size(), 1u);
  EXPECT_TRUE(atlas::validate_command(proposed[0].command).is_ok());
  EXPECT_EQ(chores.clock_entries(), 1u);
  EXPECT_FALSE(chores.wants_clock_entry(store, 1000, 1000 + kReadTimeAheadMs)) << "in flight";
  chores.propose_clock_entry();
  EXPECT_EQ(proposed.size(), 1u);
  finish(0);
  EXPECT_TRUE(chores.wants_clock_entry(store, 1000, 1000 + kReadTimeAheadMs));
}

}  // namespace
}  // namespace helios::node
