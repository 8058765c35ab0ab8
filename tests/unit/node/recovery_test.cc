// Startup recovery (node/recovery.h): the newest snapshot and the WAL reconciled. Every case
// builds a leader's log of SET commands, saves snapshots of the machine at chosen indexes in
// "/snap" and a WAL in "/wal" on a simulated disk, then recovers a fresh machine from them.
#include "node/recovery.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "atlas/command.h"
#include "base/prng.h"
#include "env/sim/sim_file_system.h"

namespace helios::node {
namespace {

constexpr char kSnapDir[] = "/snap";
constexpr char kWalDir[] = "/wal";
const raft::ConfState kConf{.voters = {1, 2, 3}};

// Entry `index` of `term`: one SET of key "k<index>", so that every entry changes the state
// and entries of other terms leave other values.
raft::Entry set_entry(Index index, Term term) {
  atlas::Command command;
  command.stamp_ms = 1000 + index;
  command.ops.emplace_back(atlas::SetOp{
      .key = "k" + std::to_string(index),
      .value = "v" + std::to_string(index) + "t" + std::to_string(term),
  });
  return raft::Entry{.term = term, .index = index, .data = atlas::encode_command(command)};
}

class RecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs_.create_dirs(kSnapDir).is_ok());
    reopen_wal();
  }

  // The leader's log grows to `last` with entries of `term`.
  void lead(Index last, Term term) {
    for (Index i = leader_.size() + 1; i <= last; ++i) {
      leader_.push_back(set_entry(i, term));
    }
  }
  std::vector<raft::Entry> leader_entries(Index from, Index to) const {
    return {leader_.begin() + static_cast<long>(from - 1), leader_.begin() + static_cast<long>(to)};
  }
  // Entries from..to of a deposed leader's `term`, which the leader's log does not hold.
  static std::vector<raft::Entry> stale_entries(Index from, Index to, Term term) {
    std::vector<raft::Entry> out;
    for (Index i = from; i <= to; ++i) {
      out.push_back(set_entry(i, term));
    }
    return out;
  }
  // Appends `entries` to the WAL and syncs.
  void write_wal(const std::vector<raft::Entry>& entries) {
    ASSERT_TRUE(wal_->append(std::nullopt, entries).is_ok());
    ASSERT_TRUE(wal_->sync().is_ok());
  }
  void reopen_wal() {
    wal_.reset();
    Result<std::unique_ptr<storage::Wal>> opened =
        storage::Wal::open(fs_, kWalDir, storage::WalOptions{.segment_bytes = 4096});
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    wal_ = std::move(opened).value();
    wal_->set_conf_state(kConf);
  }
  std::vector<raft::Entry> wal_entries() const {
    if (wal_->last_index() < wal_->first_index()) {
      return {};
    }
    return wal_->entries(wal_->first_index(), wal_->last_index() + 1, UINT64_MAX).value();
  }

  // The machine after applying the leader's entries 1..index.
  AtlasMachine machine_at(Index index) const {
    AtlasMachine machine;
    for (Index i = 1; i <= index; ++i) {
      machine.apply(leader_[i - 1]);
    }
    return machine;
  }
  raft::SnapshotMeta meta_at(Index index) const {
    return raft::SnapshotMeta{index, leader_[index - 1].term, kConf};
  }
  // Saves the leader's state at `index` as a snapshot.
  raft::SnapshotMeta save_snapshot(Index index) {
    const raft::SnapshotMeta meta = meta_at(index);
    const Status s = store_.save(meta, machine_at(index).snapshot_data());
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    return meta;
  }
  // Flips one byte in the middle of the snapshot file.
  void damage(const raft::SnapshotMeta& meta) {
    const std::string path = store_.path_of(meta);
    std::string bytes = env::read_file(fs_, path).value();
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x20);
    Result<std::unique_ptr<env::File>> file = fs_.open(path, env::OpenMode::kReadWrite);
    ASSERT_TRUE(file.is_ok());
    ASSERT_TRUE(file.value()->truncate(0).is_ok());
    ASSERT_TRUE(file.value()->append(bytes.data(), bytes.size()).is_ok());
    ASSERT_TRUE(file.value()->sync().is_ok());
  }

  Result<Index> recover() { return recover_from_snapshot(store_, *wal_, machine_); }
  // Recovery succeeds, to `meta`, with the machine at its state.
  void expect_recovers_to(const raft::SnapshotMeta& meta) {
    const Result<Index> r = recover();
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r.value(), meta.index);
    expect_machine_at(meta.index);
    EXPECT_EQ(wal_->snapshot_meta(), meta);
  }
  // A power loss: what recovery did must have been made durable.
  void crash_and_reopen_wal() {
    wal_.reset();
    base::Prng prng(42);
    fs_.crash(prng);
    reopen_wal();
  }

  // The recovered machine holds exactly the leader's state at `index`.
  void expect_machine_at(Index index) const {
    const AtlasMachine expected = machine_at(index);
    EXPECT_EQ(machine_.store().digest_hex(), expected.store().digest_hex());
    EXPECT_EQ(machine_.store().keys("*", 0, 1000), expected.store().keys("*", 0, 1000));
    EXPECT_EQ(machine_.store().keys("*", 0, 1000).size(), index);
    EXPECT_EQ(machine_.commands_applied(), index);
    EXPECT_EQ(machine_.last_stamp_ms(), expected.last_stamp_ms());
    if (index > 0) {
      EXPECT_EQ(machine_.store().get("k" + std::to_string(index), 0),
                expected.store().get("k" + std::to_string(index), 0));
    }
  }
  // The WAL is empty and restarts after `meta`, which it answers as its snapshot.
  void expect_wal_restarts_after(const raft::SnapshotMeta& meta) const {
    EXPECT_EQ(wal_->first_index(), meta.index + 1);
    EXPECT_EQ(wal_->last_index(), meta.index);
    EXPECT_EQ(wal_->term(meta.index).value(), meta.term);
    EXPECT_EQ(wal_->snapshot_meta(), meta);
  }
  void expect_corruption_naming(const Result<Index>& r, const std::string& words) const {
    ASSERT_FALSE(r.is_ok()) << "recovered to " << r.value();
    EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().to_string();
    EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
  }

  env::SimFileSystem fs_;
  std::unique_ptr<storage::Wal> wal_;
  storage::SnapshotStore store_{fs_, kSnapDir};
  std::vector<raft::Entry> leader_;
  AtlasMachine machine_;
};

TEST_F(RecoveryTest, noSnapshotAndNoCompaction_recoversNothingAndChangesNothing) {
  lead(5, 1);
  write_wal(leader_entries(1, 5));
  const Result<Index> r = recover();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r.value(), 0u);
  expect_machine_at(0);
  EXPECT_EQ(wal_entries(), leader_entries(1, 5));
  EXPECT_EQ(wal_->snapshot_meta(), (raft::SnapshotMeta{0, 0, kConf}));
  EXPECT_TRUE(fs_.list(kSnapDir).value().empty());
}

TEST_F(RecoveryTest, noSnapshotButACompactedWal_isCorruption) {
  lead(5, 1);
  write_wal(leader_entries(1, 5));
  ASSERT_TRUE(wal_->compact(storage::SnapshotMark{3, 1}).is_ok());
  expect_corruption_naming(recover(), kSnapDir);
  expect_machine_at(0);
}

// The WAL holds the snapshot's last entry with its term (and starts at or before it): it is
// kept with its suffix, and learns the snapshot. The parameter is the WAL's compaction mark
// (5: exactly at the snapshot).
class RecoveryCompactedTest : public RecoveryTest, public ::testing::WithParamInterface<Index> {
 protected:
  // The leader's log 1..`last`, all of it in the WAL, compacted up to GetParam().
  void write_compacted_wal(Index last) {
    write_wal(leader_entries(1, last));
    if (GetParam() > 0) {
      ASSERT_TRUE(
          wal_->compact(storage::SnapshotMark{GetParam(), meta_at(GetParam()).term}).is_ok());
    }
  }
};

TEST_P(RecoveryCompactedTest, snapshotWhoseLastEntryIsInTheWal_keepsTheWalAndRestoresTheMachine) {
  lead(3, 1);
  lead(10, 2);
  write_compacted_wal(10);
  expect_recovers_to(save_snapshot(5));
  EXPECT_EQ(wal_->first_index(), GetParam() + 1);
  EXPECT_EQ(wal_entries(), leader_entries(GetParam() + 1, 10));
  crash_and_reopen_wal();
  EXPECT_EQ(wal_entries(), leader_entries(GetParam() + 1, 10));
}

// The snapshot lies beyond the WAL's last entry, or the WAL holds another term at its index
// (a crash between installing a received snapshot and resetting the WAL): the WAL is reset to
// start after the snapshot, durably.
TEST_F(RecoveryTest, snapshotBeyondTheWal_resetsTheWalDurably) {
  lead(12, 3);
  write_wal(leader_entries(1, 5));
  const raft::SnapshotMeta meta = save_snapshot(9);
  expect_recovers_to(meta);
  expect_wal_restarts_after(meta);
  crash_and_reopen_wal();
  expect_wal_restarts_after(meta);
  // The log goes on after it.
  write_wal(leader_entries(10, 12));
  crash_and_reopen_wal();
  EXPECT_EQ(wal_entries(), leader_entries(10, 12));
}

TEST_F(RecoveryTest, snapshotWithAnotherTermAtItsIndexInTheWal_resetsTheWalDurably) {
  lead(4, 1);
  lead(10, 3);
  // This node's WAL holds entries 5..12 of a deposed leader's term 2.
  write_wal(leader_entries(1, 4));
  write_wal(stale_entries(5, 12, 2));
  const raft::SnapshotMeta meta = save_snapshot(8);
  ASSERT_EQ(meta.term, 3u);
  expect_recovers_to(meta);
  expect_wal_restarts_after(meta);
  crash_and_reopen_wal();
  expect_wal_restarts_after(meta);
}

// The WAL starts right after the snapshot's index but with another term there: committed
// entries never differ, so this is damage (and the WAL cannot be reset to where it starts).
TEST_F(RecoveryTest, walStartingAtTheSnapshotWithAnotherTerm_isCorruption) {
  lead(4, 1);
  lead(10, 3);
  write_wal(leader_entries(1, 4));
  write_wal(stale_entries(5, 10, 2));
  ASSERT_TRUE(wal_->compact(storage::SnapshotMark{6, 2}).is_ok());
  const raft::SnapshotMeta meta = save_snapshot(6);
  expect_corruption_naming(recover(), store_.path_of(meta));
  expect_machine_at(0);
}

// An intact file whose data is not an ATLAS machine's state.
TEST_F(RecoveryTest, snapshotDataThatDoesNotDecode_isAnErrorNamingTheFile) {
  lead(10, 1);
  write_wal(leader_entries(1, 10));
  const raft::SnapshotMeta meta = meta_at(6);
  ASSERT_TRUE(store_.save(meta, "not a machine").is_ok());
  expect_corruption_naming(recover(), store_.path_of(meta));
  expect_machine_at(0);
  EXPECT_EQ(wal_entries(), leader_entries(1, 10));
}

TEST_F(RecoveryTest, walCompactedPastTheSnapshot_isCorruption) {
  lead(10, 1);
  write_wal(leader_entries(1, 10));
  const raft::SnapshotMeta meta = save_snapshot(4);
  ASSERT_TRUE(wal_->compact(storage::SnapshotMark{8, 1}).is_ok());
  expect_corruption_naming(recover(), store_.path_of(meta));
  expect_machine_at(0);
  EXPECT_EQ(wal_->first_index(), 9u);
}

// The newest snapshot is damaged, the one before it intact, and the WAL holds every entry from
// the older one to past the newest: recovery uses the older one and sets the damaged aside.
TEST_P(RecoveryCompactedTest, damagedNewestWithAnOlderOneTheWalCovers_fallsBackToTheOlder) {
  lead(7, 1);
  lead(20, 2);
  write_compacted_wal(20);
  const raft::SnapshotMeta older = save_snapshot(5);
  const raft::SnapshotMeta newest = save_snapshot(12);
  damage(newest);
  expect_recovers_to(older);
  EXPECT_EQ(store_.stored().value(), (std::vector<std::pair<Term, Index>>{{1, 5}}));
  EXPECT_FALSE(fs_.exists(store_.path_of(newest)));
  EXPECT_TRUE(fs_.durably_exists(store_.path_of(newest) + ".damaged"));
  EXPECT_EQ(wal_entries(), leader_entries(GetParam() + 1, 20));
  // The next start (after a power loss) finds the older snapshot the newest.
  machine_ = AtlasMachine();
  crash_and_reopen_wal();
  expect_recovers_to(older);
}

INSTANTIATE_TEST_SUITE_P(Compaction, RecoveryCompactedTest,
                         ::testing::Values(Index{0}, Index{4}, Index{5}));

// The newest snapshot is damaged and the older one cannot stand in: recovery fails naming
// the damaged file, and sets nothing aside, restores nothing and leaves the WAL alone.
class RecoveryNoFallbackTest : public RecoveryTest {
 protected:
  void expect_no_fall_back(bool damage_older = false) {
    const raft::SnapshotMeta older = save_snapshot(5);
    if (damage_older) {
      damage(older);
    }
    const raft::SnapshotMeta newest = save_snapshot(12);
    damage(newest);
    const std::vector<raft::Entry> wal_before = wal_entries();
    expect_corruption_naming(recover(), store_.path_of(newest));
    expect_machine_at(0);
    EXPECT_EQ(store_.stored().value(),
              (std::vector<std::pair<Term, Index>>{{newest.term, 12}, {older.term, 5}}));
    EXPECT_EQ(wal_entries(), wal_before);
  }
};

TEST_F(RecoveryNoFallbackTest, theWalNoLongerCoversTheOlder) {
  lead(20, 2);
  write_wal(leader_entries(1, 20));
  ASSERT_TRUE(wal_->compact(storage::SnapshotMark{8, 2}).is_ok());
  expect_no_fall_back();
}

TEST_F(RecoveryNoFallbackTest, theWalDisagreesAtTheOlder) {
  lead(4, 1);
  lead(20, 2);
  write_wal(leader_entries(1, 4));
  write_wal(stale_entries(5, 20, 1));  // term 1 where the older snapshot's entry 5 has term 2
  expect_no_fall_back();
}

TEST_F(RecoveryNoFallbackTest, theWalEndsBeforeTheNewest) {
  lead(20, 2);
  write_wal(leader_entries(1, 10));
  expect_no_fall_back();
}

TEST_F(RecoveryNoFallbackTest, theOlderIsDamagedToo) {
  lead(20, 2);
  write_wal(leader_entries(1, 20));
  expect_no_fall_back(/*damage_older=*/true);
}

TEST_F(RecoveryTest, damagedOnlySnapshot_isCorruptionNamingIt) {
  lead(10, 1);
  write_wal(leader_entries(1, 10));
  const raft::SnapshotMeta meta = save_snapshot(6);
  damage(meta);
  expect_corruption_naming(recover(), store_.path_of(meta));
  expect_machine_at(0);
  EXPECT_TRUE(fs_.exists(store_.path_of(meta)));
  EXPECT_EQ(wal_entries(), leader_entries(1, 10));
}

}  // namespace
}  // namespace helios::node
