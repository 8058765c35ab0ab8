// node::SnapshotSender on an env::Loop (sim::SimLoop) and a FrameLink: it queues the file's
// chunks in order while the link holds less than its window, looks again 1 ms later when the
// link is full, reports the outcome once (posted, never from inside send()), and a new
// transfer to the same follower replaces an unfinished one.
#include "node/snapshot_sender.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "env/sim/sim_file_system.h"
#include "sim/sim_loop.h"
#include "storage/snapshot_store.h"
#include "transport/frame_link.h"
#include "wire/frame.h"
#include "wire/snapshot_chunk.h"

namespace helios::sim {
namespace {

constexpr std::uint64_t kChunk = 100;  // the window is 4 chunks

// A link that keeps what is sent; `held` is what it reports as still queued.
struct FakeLink final : transport::FrameLink {
  std::map<NodeId, std::vector<std::string>> frames;
  std::uint64_t held = 0;
  bool refuse = false;
  std::uint64_t queued_bytes(NodeId /*to*/) const override { return held; }
  bool send_frame(NodeId to, std::string frame) override {
    if (refuse) {
      return false;
    }
    held += frame.size();
    frames[to].push_back(std::move(frame));
    return true;
  }
};

struct Outcome {
  NodeId to;
  bool ok;
};

struct Harness {
  Micros now = 5'000;
  SimLoop loop{now, [](Micros) {}};
  env::SimFileSystem fs;
  storage::SnapshotStore store{fs, "/snap", 2};
  FakeLink link;
  std::vector<Outcome> outcomes;
  node::SnapshotSender sender{
      loop, fs, store, link, kChunk, [this](NodeId to, bool ok) { outcomes.push_back({to, ok}); }};

  Harness() { EXPECT_TRUE(fs.create_dirs("/snap").is_ok()); }

  raft::Message message(NodeId to, Index index, const std::string& contents) {
    raft::Message m{.type = raft::MessageType::kSnapshot, .from = 1, .to = to, .term = 2};
    m.snapshot = raft::SnapshotMeta{.index = index, .term = 2, .conf_state = {.voters = {1, 2, 3}}};
    EXPECT_TRUE(env::write_file_atomically(fs, store.path_of(m.snapshot), contents).is_ok());
    return m;
  }
  // Runs the loop up to `until` (simulated microseconds).
  void run_until(Micros until) {
    while (std::optional<Micros> due = loop.next_due()) {
      if (*due > until) {
        break;
      }
      now = std::max(now, *due);
      loop.run_due();
    }
    now = std::max(now, until);
  }
};

std::vector<wire::SnapshotChunk> decode(const std::vector<std::string>& frames,
                                        std::vector<std::string>& bodies) {
  std::vector<wire::SnapshotChunk> out;
  bodies.clear();
  bodies.reserve(frames.size());
  for (const std::string& frame : frames) {
    wire::FrameDecoder decoder;
    decoder.feed(frame);
    Result<wire::FrameView> view = decoder.next_view();
    EXPECT_TRUE(view.is_ok());
    EXPECT_EQ(view.value().type, wire::FrameType::kSnapshotChunk);
    bodies.emplace_back(view.value().body);
  }
  for (const std::string& body : bodies) {
    out.push_back(wire::decode_snapshot_chunk(body).value());
  }
  return out;
}

std::string file_of(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(static_cast<char>('a' + i % 26));
  }
  return s;
}

TEST(SnapshotSenderTest, queuesEveryChunkInOrderAndReportsOnceAfterSend) {
  Harness h;
  const std::string file = file_of(350);
  const raft::Message m = h.message(2, 10, file);
  h.sender.send(m);
  EXPECT_TRUE(h.outcomes.empty());  // posted, never from inside send()
  h.run_until(h.now);
  // The window (4 chunks' data; a frame is larger) filled before the file's 4 chunks.
  ASSERT_GE(h.link.frames[2].size(), 1U);
  ASSERT_LT(h.link.frames[2].size(), 4U);
  EXPECT_TRUE(h.outcomes.empty());
  h.link.held = 0;  // the link drains
  h.run_until(h.now + 999);
  EXPECT_TRUE(h.outcomes.empty());  // not looked again yet
  h.run_until(h.now + 1);           // it looks again 1 ms later
  ASSERT_EQ(h.outcomes.size(), 1U);
  EXPECT_EQ(h.outcomes[0].to, 2U);
  EXPECT_TRUE(h.outcomes[0].ok);
  std::vector<std::string> bodies;
  const std::vector<wire::SnapshotChunk> chunks = decode(h.link.frames[2], bodies);
  ASSERT_EQ(chunks.size(), 4U);
  std::string got;
  for (const wire::SnapshotChunk& c : chunks) {
    EXPECT_EQ(c.transfer_id, chunks[0].transfer_id);
    EXPECT_EQ(c.offset, got.size());
    EXPECT_EQ(c.total, file.size());
    EXPECT_EQ(c.message, m);
    got.append(c.data);
  }
  EXPECT_EQ(got, file);
}

TEST(SnapshotSenderTest, waitsWhileTheLinkIsFull) {
  Harness h;
  const raft::Message m = h.message(3, 10, file_of(1000));
  h.link.held = 400;  // full already
  h.sender.send(m);
  h.run_until(h.now + 50'000);  // 50 looks, nothing sent
  EXPECT_TRUE(h.link.frames[3].empty());
  EXPECT_TRUE(h.outcomes.empty());
  h.link.held = 0;
  for (int i = 0; i < 20 && h.outcomes.empty(); ++i) {
    h.run_until(h.now + 1'000);
    h.link.held = 0;
  }
  ASSERT_EQ(h.outcomes.size(), 1U);
  EXPECT_TRUE(h.outcomes[0].ok);
  EXPECT_EQ(h.link.frames[3].size(), 10U);
}

TEST(SnapshotSenderTest, anEmptyFileTakesOneChunk) {
  Harness h;
  const raft::Message m = h.message(2, 10, "");
  h.sender.send(m);
  h.run_until(h.now);
  ASSERT_EQ(h.outcomes.size(), 1U);
  EXPECT_TRUE(h.outcomes[0].ok);
  std::vector<std::string> bodies;
  const std::vector<wire::SnapshotChunk> chunks = decode(h.link.frames[2], bodies);
  ASSERT_EQ(chunks.size(), 1U);
  EXPECT_EQ(chunks[0].total, 0U);
  EXPECT_TRUE(chunks[0].data.empty());
}

TEST(SnapshotSenderTest, aMissingFileOrARefusedFrameFailsTheTransfer) {
  Harness h;
  raft::Message gone = h.message(2, 10, file_of(50));
  gone.snapshot.index = 11;  // no such file
  h.sender.send(gone);
  h.run_until(h.now);
  ASSERT_EQ(h.outcomes.size(), 1U);
  EXPECT_FALSE(h.outcomes[0].ok);
  EXPECT_TRUE(h.link.frames[2].empty());
  h.link.refuse = true;  // the transport's queue is full
  h.sender.send(h.message(3, 12, file_of(50)));
  h.run_until(h.now);
  ASSERT_EQ(h.outcomes.size(), 2U);
  EXPECT_EQ(h.outcomes[1].to, 3U);
  EXPECT_FALSE(h.outcomes[1].ok);
}

TEST(SnapshotSenderTest, aNewTransferReplacesAnUnfinishedOneAndStopSilencesAll) {
  Harness h;
  h.sender.send(h.message(2, 10, file_of(1000)));
  h.run_until(h.now);
  const std::size_t first = h.link.frames[2].size();
  ASSERT_LT(first, 10U);  // waiting for the window
  const raft::Message second = h.message(2, 12, file_of(150));
  h.link.held = 0;
  h.sender.send(second);
  h.run_until(h.now + 10'000);
  ASSERT_EQ(h.outcomes.size(), 1U);  // only the second reports: the first was replaced
  EXPECT_TRUE(h.outcomes[0].ok);
  std::vector<std::string> bodies;
  const std::vector<wire::SnapshotChunk> chunks = decode(h.link.frames[2], bodies);
  ASSERT_EQ(chunks.size(), first + 2);
  EXPECT_NE(chunks[first].transfer_id, chunks[0].transfer_id);
  EXPECT_EQ(chunks[first].offset, 0U);
  EXPECT_EQ(chunks[first].message, second);
  EXPECT_EQ(chunks[first + 1].offset, 100U);
  // stop(): the transfer under way ends with no report.
  h.link.held = 400;
  h.sender.send(h.message(3, 12, file_of(150)));
  h.sender.stop();
  h.link.held = 0;
  h.run_until(h.now + 10'000);
  EXPECT_EQ(h.outcomes.size(), 1U);
  EXPECT_TRUE(h.link.frames[3].empty());
}

}  // namespace
}  // namespace helios::sim
