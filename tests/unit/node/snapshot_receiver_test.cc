// SnapshotReceiver: the follower's side of InstallSnapshot streaming, on a real io_context
// run in the test thread and a real temporary directory. The chunks are cut from a real
// snapshot file (the leader's SnapshotStore::save of an ATLAS machine's state).
#include "node/snapshot_receiver.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "atlas/command.h"
#include "env/posix/asio_loop.h"
#include "env/posix/posix_file_system.h"
#include "env/sim/sim_file_system.h"
#include "wire/snapshot_chunk.h"

namespace helios::node {
namespace {

constexpr NodeId kLeader = 1;
constexpr NodeId kSelf = 2;
const raft::SnapshotMeta kMeta{.index = 9, .term = 3, .conf_state = {.voters = {1, 2, 3}}};

struct Received {
  raft::Message message;
  std::string path;
  std::shared_ptr<AtlasState> state;
};

class SnapshotReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir =
        (std::filesystem::temp_directory_path() / "helios-snapshot-transfer-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    ASSERT_TRUE(fs_.create_dirs(at("leader")).is_ok());
    ASSERT_TRUE(fs_.create_dirs(at("follower")).is_ok());
    follower_ = std::make_unique<storage::SnapshotStore>(fs_, at("follower"));
    receiver_ = std::make_unique<SnapshotReceiver>(
        loop_env_, worker_env_, fs_, *follower_, kSelf,
        [this](const raft::Message& m, const std::string& path, std::shared_ptr<AtlasState> state) {
          received_.push_back(Received{m, path, std::move(state)});
        });
    // The leader's state: a few keys, saved as a snapshot file whose bytes are sent.
    for (Index i = 1; i <= kMeta.index; ++i) {
      atlas::Command command;
      command.stamp_ms = 500 + i;
      command.ops.emplace_back(
          atlas::SetOp{.key = "key" + std::to_string(i), .value = std::string(20 * i, 'v')});
      leader_machine_.apply(
          raft::Entry{.term = kMeta.term, .index = i, .data = atlas::encode_command(command)});
    }
    storage::SnapshotStore leader(fs_, at("leader"));
    ASSERT_TRUE(leader.save(kMeta, leader_machine_.snapshot_data()).is_ok());
    file_ = env::read_file(fs_, leader.path_of(kMeta)).value();
    ASSERT_GT(file_.size(), 300u);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string at(const std::string& name) const { return (dir_ / name).string(); }

  static raft::Message message(NodeId from = kLeader, Term term = kMeta.term) {
    raft::Message m;
    m.type = raft::MessageType::kSnapshot;
    m.from = from;
    m.to = kSelf;
    m.term = term;
    m.snapshot = kMeta;
    return m;
  }
  // The chunk bodies of transfer `id` sending `bytes` in slices of `size`.
  static std::vector<std::string> chunks(const std::string& bytes, std::uint64_t id,
                                         std::size_t size, NodeId from = kLeader,
                                         Term term = kMeta.term) {
    std::vector<std::string> out;
    for (std::size_t offset = 0; offset < bytes.size(); offset += size) {
      out.push_back(wire::encode_snapshot_chunk(wire::SnapshotChunk{
          .transfer_id = id,
          .offset = offset,
          .total = bytes.size(),
          .message = message(from, term),
          .data = bytes.substr(offset, size),
      }));
    }
    return out;
  }
  void feed(const std::vector<std::string>& bodies) {
    for (const std::string& body : bodies) {
      receiver_->on_chunk(kLeader, body);
    }
  }
  // Runs the worker's and the loop's handlers until neither has any left.
  void drain() {
    for (;;) {
      worker_.restart();
      loop_.restart();
      if (worker_.poll() + loop_.poll() == 0) {
        return;
      }
    }
  }
  std::string received_path(std::uint64_t transfer) const {
    return follower_->received_path(kMeta, transfer);
  }

  void expect_ready_with_the_leaders_state(std::uint64_t transfer, NodeId from = kLeader) {
    ASSERT_EQ(received_.size(), 1u);
    EXPECT_EQ(received_[0].message, message(from));
    EXPECT_EQ(received_[0].path, received_path(transfer));
    ASSERT_NE(received_[0].state, nullptr);
    EXPECT_EQ(received_[0].state->store.digest_hex(), leader_machine_.store().digest_hex());
    EXPECT_EQ(received_[0].state->commands_applied, kMeta.index);
    EXPECT_EQ(received_[0].state->last_stamp_ms, leader_machine_.last_stamp_ms());
    EXPECT_EQ(env::read_file(fs_, received_path(transfer)).value(), file_);
  }
  void expect_nothing_received() {
    EXPECT_TRUE(received_.empty());
    for (std::uint64_t transfer : {1, 2}) {
      EXPECT_FALSE(fs_.exists(received_path(transfer))) << transfer;
    }
  }

  std::filesystem::path dir_;
  env::PosixFileSystem fs_;
  asio::io_context loop_;
  asio::io_context worker_;
  env::AsioLoop loop_env_{loop_};  // the receiver's loop and worker: run by drain()
  env::AsioLoop worker_env_{worker_};
  std::unique_ptr<storage::SnapshotStore> follower_;
  std::unique_ptr<SnapshotReceiver> receiver_;
  AtlasMachine leader_machine_;
  std::string file_;
  std::vector<Received> received_;
};

TEST_F(SnapshotReceiverTest, inOrderChunks_readyWithTheDecodedState) {
  for (const std::size_t size : {std::size_t{1} << 20, std::size_t{100}, std::size_t{7}}) {
    SCOPED_TRACE("chunks of " + std::to_string(size));
    received_.clear();
    feed(chunks(file_, /*id=*/size, size));
    EXPECT_TRUE(received_.empty());  // verified on the worker first
    drain();
    expect_ready_with_the_leaders_state(size);
  }
}

TEST_F(SnapshotReceiverTest, aGap_dropsTheTransferAndItsFile) {
  const std::vector<std::string> all = chunks(file_, 1, 64);
  ASSERT_GT(all.size(), 3u);
  receiver_->on_chunk(kLeader, all[0]);
  EXPECT_TRUE(fs_.exists(received_path(1)));
  receiver_->on_chunk(kLeader, all[2]);
  EXPECT_FALSE(fs_.exists(received_path(1)));
  // The rest of the dropped transfer is ignored.
  feed(std::vector<std::string>(all.begin() + 1, all.end()));
  drain();
  expect_nothing_received();
}

TEST_F(SnapshotReceiverTest, aFlippedByte_isRefusedAfterVerification) {
  std::vector<std::pair<std::uint64_t, Code>> verdicts;
  receiver_->set_verdict_observer([&](const raft::Message& m, std::uint64_t id, const Status& why) {
    EXPECT_EQ(m.snapshot, kMeta);
    verdicts.emplace_back(id, why.code());
  });
  std::string bad = file_;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x08);
  feed(chunks(bad, 1, 64));
  drain();
  expect_nothing_received();
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].first, 1u);
  EXPECT_EQ(verdicts[0].second, Code::kCorruption);
  // An intact transfer verifies: its verdict is OK, and it is ready.
  feed(chunks(file_, 2, 64));
  drain();
  expect_ready_with_the_leaders_state(2);
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[1].first, 2u);
  EXPECT_EQ(verdicts[1].second, Code::kOk);
}

TEST_F(SnapshotReceiverTest, aGap_getsNoVerdict) {
  // What the simulator's cut check relies on: a transfer that lost chunks on the way is
  // dropped at the gap, never verified (neither refused nor ready).
  int verdicts = 0;
  receiver_->set_verdict_observer(
      [&](const raft::Message&, std::uint64_t, const Status&) { ++verdicts; });
  std::vector<std::string> all = chunks(file_, 1, 64);
  ASSERT_GT(all.size(), 3u);
  all.erase(all.begin() + 1, all.begin() + 3);  // lost with a broken connection
  feed(all);
  drain();
  expect_nothing_received();
  EXPECT_EQ(verdicts, 0);
}

TEST_F(SnapshotReceiverTest, aNewTransferIdAtOffsetZero_restarts) {
  const std::vector<std::string> first = chunks(file_, 1, 64);
  const std::vector<std::string> second = chunks(file_, 2, 64);
  feed({first[0], first[1], first[2]});
  receiver_->on_chunk(kLeader, second[0]);
  // The old transfer's next chunk is not the new one's: ignored.
  receiver_->on_chunk(kLeader, first[3]);
  feed(std::vector<std::string>(second.begin() + 1, second.end()));
  drain();
  expect_ready_with_the_leaders_state(2);
  EXPECT_FALSE(fs_.exists(received_path(1)));  // the replaced transfer's file is gone
}

TEST_F(SnapshotReceiverTest, aMalformedChunk_dropsTheTransfer) {
  const std::vector<std::string> all = chunks(file_, 1, 64);
  feed({all[0], all[1]});
  receiver_->on_chunk(kLeader, "not a chunk");
  EXPECT_FALSE(fs_.exists(received_path(1)));
  feed(std::vector<std::string>(all.begin() + 2, all.end()));
  drain();
  expect_nothing_received();
}

// A chunk whose message names another sender is dropped alone: the leader's transfer goes on.
TEST_F(SnapshotReceiverTest, aChunkNamingAnotherSender_leavesTheTransferAlone) {
  const std::vector<std::string> all = chunks(file_, 1, 64);
  receiver_->on_chunk(kLeader, all[0]);
  receiver_->on_chunk(kLeader + 5, all[1]);
  feed(std::vector<std::string>(all.begin() + 1, all.end()));
  drain();
  expect_ready_with_the_leaders_state(1);
}

// A follower installs from one leader: a new leader's transfer ends the old one's.
TEST_F(SnapshotReceiverTest, aNewLeadersTransfer_replacesTheOldLeadersUnfinishedOne) {
  const NodeId new_leader = 3;
  const std::vector<std::string> old_transfer = chunks(file_, 1, 64);
  feed({old_transfer[0], old_transfer[1]});
  EXPECT_TRUE(fs_.exists(received_path(1)));
  for (const std::string& body : chunks(file_, 2, 64, new_leader)) {
    receiver_->on_chunk(new_leader, body);
  }
  EXPECT_FALSE(fs_.exists(received_path(1)));
  feed(std::vector<std::string>(old_transfer.begin() + 2, old_transfer.end()));  // ignored
  drain();
  expect_ready_with_the_leaders_state(2, new_leader);
}

// A deposed leader (a lower term) cannot end the current leader's transfer: the core would
// refuse its snapshot anyway.
TEST_F(SnapshotReceiverTest, aLowerTermsTransfer_isIgnoredWhileAHigherTermsIsUnderWay) {
  const NodeId deposed = 3;
  const std::vector<std::string> current = chunks(file_, 1, 64);
  feed({current[0], current[1]});
  for (const std::string& body : chunks(file_, 2, 64, deposed, kMeta.term - 1)) {
    receiver_->on_chunk(deposed, body);
  }
  EXPECT_FALSE(fs_.exists(received_path(2)));
  feed(std::vector<std::string>(current.begin() + 2, current.end()));
  drain();
  expect_ready_with_the_leaders_state(1);
}

// A receiver destroyed in the middle of a transfer stops the decoding thread waiting for the
// rest (the destructor returns; nothing is delivered).
TEST_F(SnapshotReceiverTest, destroyedMidTransfer_stopsItsDecoding) {
  const std::vector<std::string> all = chunks(file_, 1, 64);
  feed({all[0], all[1], all[2]});
  receiver_.reset();
  drain();
  EXPECT_TRUE(received_.empty());
}

// The same receiver on the simulated file system, syncing every 100 bytes while chunks arrive.
class SnapshotReceiverSyncTest : public SnapshotReceiverTest {
 protected:
  void SetUp() override {
    SnapshotReceiverTest::SetUp();
    ASSERT_TRUE(sim_fs_.create_dirs("/follower").is_ok());
    sim_store_ = std::make_unique<storage::SnapshotStore>(sim_fs_, "/follower");
    receiver_ = std::make_unique<SnapshotReceiver>(
        loop_env_, worker_env_, sim_fs_, *sim_store_, kSelf,
        [this](const raft::Message& m, const std::string& path, std::shared_ptr<AtlasState> state) {
          received_.push_back(Received{m, path, std::move(state)});
        },
        /*sync_slice_bytes=*/100);
  }
  std::string sim_path() const { return sim_store_->received_path(kMeta, 1); }

  env::SimFileSystem sim_fs_;
  std::unique_ptr<storage::SnapshotStore> sim_store_;
};

TEST_F(SnapshotReceiverSyncTest, syncsWhatArrivedWhileTheRestStreamsIn) {
  const std::vector<std::string> all = chunks(file_, 1, 32);
  ASSERT_GT(all.size(), 8u);
  for (std::size_t i = 0; i + 1 < all.size(); ++i) {
    receiver_->on_chunk(kLeader, all[i]);
    drain();  // the worker runs between chunks, as its thread would
    // At most a slice and a chunk of what arrived is not durable yet.
    EXPECT_LE(sim_fs_.unsynced_bytes(), 100u + 32u) << "after chunk " << i;
  }
  EXPECT_TRUE(received_.empty());
  receiver_->on_chunk(kLeader, all.back());
  drain();
  ASSERT_EQ(received_.size(), 1u);
  EXPECT_EQ(received_[0].state->store.digest_hex(), leader_machine_.store().digest_hex());
  EXPECT_EQ(sim_fs_.unsynced_bytes(), 0u);
}

TEST_F(SnapshotReceiverSyncTest, aSyncFailedWhileReceiving_refusesTheSnapshot) {
  std::vector<Code> refused;
  receiver_->set_verdict_observer([&](const raft::Message&, std::uint64_t, const Status& why) {
    refused.push_back(why.code());
  });
  const std::vector<std::string> all = chunks(file_, 1, 32);
  sim_fs_.fail_next_sync();  // the first sync of the stream, long before the last byte
  for (const std::string& body : all) {
    receiver_->on_chunk(kLeader, body);
    drain();
  }
  EXPECT_TRUE(received_.empty());
  EXPECT_FALSE(sim_fs_.exists(sim_path()));
  EXPECT_EQ(refused, std::vector<Code>{Code::kIoError});
}

}  // namespace
}  // namespace helios::node
