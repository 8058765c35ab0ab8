// The simulated network's wire (sim/wire_link.h): messages and snapshot transfers arrive as
// they were sent, and bytes that decode to anything else fail the seed (SimFailure).
#include "sim/wire_link.h"

#include <gtest/gtest.h>

#include <string>

#include "sim/host.h"
#include "sim/runner.h"

namespace helios::sim {
namespace {

raft::Message snapshot_message() {
  raft::Message m{.type = raft::MessageType::kSnapshot, .from = 1, .to = 2, .term = 4};
  m.snapshot = raft::SnapshotMeta{.index = 17, .term = 3, .conf_state = {.voters = {1, 2, 3}}};
  return m;
}

raft::Message append_message() {
  raft::Message m{.type = raft::MessageType::kAppend, .from = 1, .to = 3, .term = 2, .index = 5};
  m.commit = 4;
  // Data of 700 bytes: spliced into the frame, not copied.
  m.entries = {raft::Entry{.term = 2, .index = 6, .data = std::string(700, 'v')}};
  return m;
}

TEST(WireLinkTest, aMessageArrivesAsSent) {
  const raft::Message m = append_message();
  EXPECT_EQ(received_message(*wire_frame(m), m), m);
}

TEST(WireLinkTest, bytesThatDecodeToAnotherMessageFailTheSeed) {
  install_failure_handler();
  const raft::Message m = append_message();
  raft::Message other = m;
  other.commit = 3;
  EXPECT_THROW(received_message(*wire_frame(other), m), SimFailure);
  std::string torn = *wire_frame(m);
  torn[torn.size() / 2] ^= 0x20;  // the frame's checksum refuses it
  EXPECT_THROW(received_message(torn, m), SimFailure);
}

TEST(WireLinkTest, aForwardArrivesAsSentAndOnlyAsItsOwnType) {
  install_failure_handler();
  const std::string body("forwarded \0 body", 17);
  EXPECT_EQ(received_forward(*forward_frame(false, body), false), body);
  EXPECT_EQ(received_forward(*forward_frame(true, ""), true), "");
  EXPECT_THROW(received_forward(*forward_frame(true, body), false), SimFailure);
  std::string torn = *forward_frame(false, body);
  torn.back() ^= 0x01;  // the frame's checksum refuses it
  EXPECT_THROW(received_forward(torn, false), SimFailure);
  EXPECT_THROW(received_forward(*forward_frame(false, body) + "x", false), SimFailure);
}

TEST(WireLinkTest, aSnapshotArrivesWholeInChunksOrEmptyInOne) {
  const raft::Message m = snapshot_message();
  std::string file;
  for (int i = 0; i < 2500; ++i) {
    file.push_back(static_cast<char>(i * 7));
  }
  EXPECT_EQ(received_snapshot(*snapshot_frames(m, file, 9, 1024), m), file);  // 3 chunks
  EXPECT_EQ(received_snapshot(*snapshot_frames(m, file, 9, 2500), m), file);  // 1 chunk
  EXPECT_EQ(received_snapshot(*snapshot_frames(m, "", 10, 1024), m), "");
}

TEST(WireLinkTest, aSnapshotTransferThatChangedFailsTheSeed) {
  install_failure_handler();
  const raft::Message m = snapshot_message();
  const std::string file(3000, 's');
  const std::string frames = *snapshot_frames(m, file, 9, 1500);  // two frames of one size
  ASSERT_EQ(received_snapshot(frames, m), file);
  raft::Message other = m;
  other.snapshot.index = 18;
  EXPECT_THROW(received_snapshot(frames, other), SimFailure);
  const std::string first = frames.substr(0, frames.size() / 2);
  const std::string second = frames.substr(frames.size() / 2);
  EXPECT_THROW(received_snapshot(first, m), SimFailure);           // cut short: 1500 of 3000 bytes
  EXPECT_THROW(received_snapshot(second, m), SimFailure);          // the first chunk lost
  EXPECT_THROW(received_snapshot(second + first, m), SimFailure);  // out of order
  EXPECT_THROW(received_snapshot("", m), SimFailure);              // nothing
}

}  // namespace
}  // namespace helios::sim
