// The ACL table in the state machine: applied through AclOp by the installed applier, and
// carried by snapshots (version 2), while version-1 snapshots still restore.

#include <gtest/gtest.h>

#include "atlas/command.h"
#include "base/bytes.h"
#include "node/atlas_machine.h"

namespace helios::node {
namespace {

// A stand-in applier: appends the words to the table; "FAIL" refuses.
atlas::Reply test_applier(std::string& table, const atlas::AclOp& op) {
  if (op.args[0] == "FAIL") {
    return atlas::Reply::error("ERR refused");
  }
  if (table.empty()) {
    table = op.base;
  }
  for (const std::string& a : op.args) {
    table += "|" + a;
  }
  return atlas::Reply::ok();
}

raft::Entry entry_of(atlas::Op op, Index index) {
  raft::Entry e;
  e.index = index;
  e.term = 1;
  e.data = atlas::encode_command(atlas::Command{1000, {std::move(op)}});
  return e;
}

TEST(AtlasMachineAclTest, aclOpsChangeTheTableAndTravelInSnapshots) {
  atlas::set_acl_applier(&test_applier);
  AtlasMachine m;
  const std::uint64_t v0 = m.store().acl_version();
  (void)m.apply(entry_of(atlas::AclOp{"base", {"SETUSER", "a"}}, 1));
  EXPECT_EQ(m.store().acl_table(), "base|SETUSER|a");
  EXPECT_NE(m.store().acl_version(), v0);
  const std::vector<atlas::Reply> replies =
      replies_of(m.apply(entry_of(atlas::AclOp{"ignored", {"FAIL"}}, 2)));
  EXPECT_EQ(m.store().acl_table(), "base|SETUSER|a");  // unchanged by a refusal
  EXPECT_EQ(replies.at(0), atlas::Reply::error("ERR refused"));
  (void)m.apply(entry_of(atlas::SetOp{"k", "v"}, 3));

  Result<AtlasState> state = AtlasMachine::decode_snapshot_data(m.snapshot_data());
  ASSERT_TRUE(state.is_ok()) << state.status().to_string();
  AtlasMachine restored;
  const std::uint64_t before = restored.store().acl_version();
  restored.restore(std::move(state).value());
  EXPECT_EQ(restored.store().acl_table(), "base|SETUSER|a");
  EXPECT_NE(restored.store().acl_version(), before);
  EXPECT_EQ(restored.store().get("k", 0), "v");
  atlas::set_acl_applier(nullptr);
}

TEST(AtlasMachineAclTest, versionOneSnapshotsRestoreWithoutAnAclTable) {
  AtlasMachine m;
  (void)m.apply(entry_of(atlas::SetOp{"k", "v"}, 1));
  const std::string v2 = m.snapshot_data();
  // Version 1: the same without the ACL table's length (empty table: 4 zero bytes).
  std::string v1 = "HATLMCH1" + v2.substr(8, 16) + v2.substr(8 + 16 + 4);
  Result<AtlasState> state = AtlasMachine::decode_snapshot_data(v1);
  ASSERT_TRUE(state.is_ok()) << state.status().to_string();
  EXPECT_EQ(state.value().store.get("k", 0), "v");
  EXPECT_EQ(state.value().store.acl_table(), "");
  // A table length beyond the data is corruption, not a crash.
  std::string bad = v2;
  bad[8 + 16] = '\xff';
  bad[8 + 16 + 1] = '\xff';
  EXPECT_FALSE(AtlasMachine::decode_snapshot_data(bad).is_ok());
}

TEST(AtlasMachineAclTest, withoutAnApplierAclOpsAreRefusedAlike) {
  atlas::set_acl_applier(nullptr);
  AtlasMachine m;
  const std::vector<atlas::Reply> replies =
      replies_of(m.apply(entry_of(atlas::AclOp{"", {"SETUSER", "a"}}, 1)));
  EXPECT_EQ(replies.at(0).kind, atlas::Reply::Kind::kError);
  EXPECT_EQ(m.store().acl_table(), "");
}

}  // namespace
}  // namespace helios::node
