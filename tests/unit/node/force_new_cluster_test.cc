// --force-new-cluster's rewrite of a survivor's log (node/force_new_cluster.h): the forced
// configuration entry, the hard state, and that the Raft core then runs the node as a
// one-voter cluster that commits every entry its log held.
#include "node/force_new_cluster.h"

#include <gtest/gtest.h>

#include <memory>

#include "env/sim/sim_file_system.h"
#include "raft/membership.h"
#include "raft/raw_node.h"

namespace helios::node {
namespace {

constexpr char kWalDir[] = "/wal";

Member member(NodeId id, std::uint16_t base) {
  return Member{id, HostPort{"10.0.0." + std::to_string(id), static_cast<std::uint16_t>(base + 1)},
                HostPort{"10.0.0." + std::to_string(id), static_cast<std::uint16_t>(base + 2)},
                HostPort{"10.0.0." + std::to_string(id), static_cast<std::uint16_t>(base + 3)},
                false};
}

raft::Entry conf_entry(Index index, Term term, const raft::ConfState& conf) {
  return raft::Entry{.term = term,
                     .index = index,
                     .type = raft::EntryType::kConfChange,
                     .data = raft::encode_conf_state(conf)};
}

class ForceNewClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    wal_.reset();
    Result<std::unique_ptr<storage::Wal>> opened =
        storage::Wal::open(fs_, kWalDir, storage::WalOptions{.segment_bytes = 4096});
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    wal_ = std::move(opened).value();
    wal_->set_conf_state(raft::ConfState{.voters = {1, 2, 3}});
  }
  // A survivor's log: entries 1..7, a configuration of five members at 2 (voters 1..3,
  // learners 4 and 5), committed to 5, term 3 voted for node 2.
  void write_survivor_log() {
    raft::ConfState five{.voters = {1, 2, 3}, .learners = {4, 5}};
    five.context = encode_members(
        {member(1, 100), member(2, 200), member(3, 300), member(4, 400), member(5, 500)});
    std::vector<raft::Entry> entries;
    const Term terms[] = {1, 1, 2, 3, 3, 3, 3};
    for (Index i = 1; i <= 7; ++i) {
      entries.push_back(
          i == 2 ? conf_entry(2, 1, five)
                 : raft::Entry{.term = terms[i - 1], .index = i, .data = "e" + std::to_string(i)});
    }
    ASSERT_TRUE(wal_->append(raft::HardState{3, 2, 5}, entries).is_ok());
    ASSERT_TRUE(wal_->sync().is_ok());
  }

  env::SimFileSystem fs_;
  std::unique_ptr<storage::Wal> wal_;
};

TEST_F(ForceNewClusterTest, appendsAOneVoterConfigurationInANewTerm) {
  write_survivor_log();
  // The caller's idea of its addresses loses to the address book's.
  Result<ForcedConfiguration> forced = force_new_configuration(*wal_, member(1, 900));
  ASSERT_TRUE(forced.is_ok()) << forced.status().to_string();
  const ForcedConfiguration& f = forced.value();
  EXPECT_EQ(f.previous.voters, (std::vector<NodeId>{1, 2, 3}));
  EXPECT_EQ(f.previous.learners, (std::vector<NodeId>{4, 5}));
  EXPECT_EQ(f.commit, 5u);
  EXPECT_EQ(f.last_index, 7u);
  EXPECT_EQ(f.last_term, 3u);
  EXPECT_EQ(f.forced_index, 8u);
  EXPECT_EQ(f.term, 4u);
  EXPECT_EQ(f.forced.voters, (std::vector<NodeId>{1}));
  EXPECT_TRUE(f.forced.learners.empty());
  EXPECT_FALSE(f.forced.joint());
  EXPECT_EQ(decode_members(f.forced.context).value(), (MemberList{member(1, 100)}));
  const std::string text = describe(f);
  EXPECT_NE(text.find("Entries 6 to 7 were never known committed"), std::string::npos) << text;
  EXPECT_NE(text.find("after index 7 (term 3)"), std::string::npos) << text;

  // Durable: a reopened WAL holds it, and the configuration is the newest in the log.
  reopen();
  EXPECT_EQ(wal_->last_index(), 8u);
  EXPECT_EQ(wal_->hard_state(), (raft::HardState{4, 1, 5}));
  EXPECT_EQ(wal_->conf_entry_indexes(), (std::vector<Index>{2, 8}));
  const raft::Entry e = wal_->entries(8, 9, UINT64_MAX).value().front();
  EXPECT_EQ(e.term, 4u);
  EXPECT_EQ(e.type, raft::EntryType::kConfChange);
  EXPECT_EQ(raft::decode_conf_state(e.data).value(), f.forced);
  // Entries before it are untouched.
  EXPECT_EQ(wal_->entries(7, 8, UINT64_MAX).value().front().data, "e7");
}

// What the forced log means to the Raft core: the node alone elects itself and commits
// every entry it held, those it never knew committed included.
TEST_F(ForceNewClusterTest, theRaftCoreRunsTheNodeAloneAndCommitsEverything) {
  write_survivor_log();
  ASSERT_TRUE(force_new_configuration(*wal_, member(1, 100)).is_ok());
  reopen();
  raft::Config config;
  config.id = 1;
  config.applied = 0;
  raft::RawNode node(config, *wal_);
  EXPECT_EQ(node.raft().conf().voters, (std::vector<NodeId>{1}));
  Index committed = 0;
  const auto drain = [&]() {
    while (node.has_ready()) {
      raft::Ready rd = node.ready();
      ASSERT_TRUE(wal_->append(rd.hard_state, rd.entries).is_ok());
      ASSERT_TRUE(wal_->sync().is_ok());
      for (const raft::Entry& e : rd.committed_entries) {
        committed = e.index;
      }
      node.advance(rd);
    }
  };
  for (int i = 0; i < 100 && node.raft().role() != raft::Role::kLeader; ++i) {
    node.tick();
    drain();
  }
  ASSERT_EQ(node.raft().role(), raft::Role::kLeader);
  for (int i = 0; i < 10; ++i) {
    node.tick();
    drain();
  }
  EXPECT_GE(node.raft().term(), 5u);  // its own election after the forced term 4
  EXPECT_GE(committed, 9u);           // entries 1..8 and the new leader's empty entry
}

// Addresses the book does not have come from the caller (a cluster that bootstrapped from
// static peers has an empty context).
TEST_F(ForceNewClusterTest, anEmptyAddressBookTakesTheCallersAddresses) {
  ASSERT_TRUE(wal_->append(raft::HardState{1, 1, 1}, {raft::Entry{.term = 1, .index = 1}}).is_ok());
  ASSERT_TRUE(wal_->sync().is_ok());
  Result<ForcedConfiguration> forced = force_new_configuration(*wal_, member(3, 300));
  ASSERT_TRUE(forced.is_ok()) << forced.status().to_string();
  EXPECT_EQ(forced.value().previous.voters, (std::vector<NodeId>{1, 2, 3}));  // the bootstrap's
  EXPECT_EQ(forced.value().forced.voters, (std::vector<NodeId>{3}));
  EXPECT_EQ(decode_members(forced.value().forced.context).value(), (MemberList{member(3, 300)}));
  EXPECT_EQ(forced.value().term, 2u);
  EXPECT_NE(describe(forced.value()).find("Every entry this node holds (to 1) was known committed"),
            std::string::npos);
}

}  // namespace
}  // namespace helios::node
