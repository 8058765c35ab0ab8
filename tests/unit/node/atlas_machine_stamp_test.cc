// Time as the state machine sees it: a command is applied at no earlier a stamp than any
// command before it (a new leader with a slow clock cannot bring an expired key back), and
// the helpers a leader uses to stamp above every stamp in its log.

#include <gtest/gtest.h>

#include "atlas/command.h"
#include "node/atlas_machine.h"
#include "raft/memory_storage.h"

namespace helios::node {
namespace {

raft::Entry entry_at(std::uint64_t stamp_ms, atlas::Op op, Index index) {
  raft::Entry e;
  e.index = index;
  e.term = 1;
  e.data = atlas::encode_command(atlas::Command{stamp_ms, {std::move(op)}});
  return e;
}

TEST(AtlasMachineStampTest, aCommandStampedBelowAnEarlierOneIsAppliedAtTheEarlierStamp) {
  AtlasMachine m;
  (void)m.apply(entry_at(1000, atlas::SetOp{.key = "a", .value = "1"}, 1));
  EXPECT_EQ(m.applied_stamp_ms(), 1000u);
  // Stamped 900 by a leader whose clock is behind, with a deadline (950) that has passed at
  // the stamp already applied: the key must count as expired at once, on every replica.
  (void)m.apply(entry_at(900, atlas::SetOp{.key = "k", .value = "v", .deadline_ms = 950}, 2));
  EXPECT_EQ(m.applied_stamp_ms(), 1000u);
  EXPECT_EQ(m.last_stamp_ms(), 1000u);
  EXPECT_FALSE(m.store().get("k", 0).has_value());
  (void)m.apply(entry_at(1200, atlas::SetOp{.key = "b", .value = "2"}, 3));
  EXPECT_EQ(m.applied_stamp_ms(), 1200u);
}

TEST(AtlasMachineStampTest, thePlantedBugAppliesAtTheLowerStamp) {
  AtlasMachine m;
  m.plant_unclamped_stamps();
  (void)m.apply(entry_at(1000, atlas::SetOp{.key = "a", .value = "1"}, 1));
  (void)m.apply(entry_at(900, atlas::SetOp{.key = "k", .value = "v", .deadline_ms = 950}, 2));
  EXPECT_EQ(m.applied_stamp_ms(), 900u);  // what the simulator's checker catches
  EXPECT_TRUE(m.store().get("k", 0).has_value());
}

TEST(AtlasMachineStampTest, stampsArePeekedFromNormalEntriesOnly) {
  std::vector<raft::Entry> entries;
  entries.push_back(entry_at(700, atlas::SetOp{.key = "a", .value = "1"}, 1));
  entries.push_back(entry_at(500, atlas::SetOp{.key = "b", .value = "1"}, 2));
  raft::Entry conf;
  conf.index = 3;
  conf.term = 1;
  conf.type = raft::EntryType::kConfChange;
  conf.data = std::string(16, '\xff');  // not a command: never read as one
  entries.push_back(conf);
  EXPECT_EQ(max_stamp(entries), 700u);
  EXPECT_EQ(max_stamp({}), 0u);
  EXPECT_EQ(atlas::peek_stamp("short"), std::nullopt);
  EXPECT_EQ(atlas::peek_stamp(entries[0].data), 700u);
}

TEST(AtlasMachineStampTest, theLogTailStampReadsOnlyTheLastEntries) {
  raft::MemoryStorage storage;
  std::vector<raft::Entry> entries;
  for (Index i = 1; i <= 10; ++i) {
    // An old entry with a huge stamp outside the window is not read (a log written by the
    // stamping rule never has one).
    entries.push_back(
        entry_at(i == 1 ? 999'999 : 100 + i, atlas::SetOp{.key = "k", .value = "v"}, i));
  }
  storage.append(entries);
  EXPECT_EQ(log_tail_stamp(storage, 4), 110u);
  EXPECT_EQ(log_tail_stamp(storage, 64), 999'999u);
  EXPECT_EQ(log_tail_stamp(raft::MemoryStorage{}), 0u);
}

}  // namespace
}  // namespace helios::node
