// The simulated network's wire (sim/wire_link.h): messages and the streams' frames (forwards,
// snapshot chunks) arrive as they were sent, and bytes that decode to anything else fail the
// seed (SimFailure).
#include "sim/wire_link.h"

#include <gtest/gtest.h>

#include <algorithm>
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

TEST(WireLinkTest, aStreamFrameArrivesAsSentWithItsType) {
  install_failure_handler();
  const std::string body("forwarded \0 body", 17);
  const StreamFrame forward = received_stream_frame(forward_frame(false, body));
  EXPECT_EQ(forward.type, wire::FrameType::kForward);
  EXPECT_EQ(forward.body, body);
  const StreamFrame reply = received_stream_frame(forward_frame(true, ""));
  EXPECT_EQ(reply.type, wire::FrameType::kForwardReply);
  EXPECT_EQ(reply.body, "");
  std::string torn = forward_frame(false, body);
  torn.back() ^= 0x01;  // the frame's checksum refuses it
  EXPECT_THROW(received_stream_frame(torn), SimFailure);
  EXPECT_THROW(received_stream_frame(forward_frame(false, body) + "x"), SimFailure);
  EXPECT_THROW(received_stream_frame(*wire_frame(append_message())), SimFailure);  // not a stream's
}

std::string chunk_frame(const raft::Message& m, const std::string& data) {
  wire::SnapshotChunk chunk{.transfer_id = 9, .offset = 1000, .total = 3000, .message = m};
  return wire::encode_snapshot_chunk_frame(chunk, data.size(), [&](char* out) {
    std::copy(data.begin(), data.end(), out);
    return true;
  });
}

TEST(WireLinkTest, aSentChunkDecodesToWhatTheSenderWrote) {
  install_failure_handler();
  const raft::Message m = snapshot_message();
  const std::string data(1000, 'd');
  const std::string frame = chunk_frame(m, data);
  const wire::SnapshotChunk chunk = sent_snapshot_chunk(frame);
  EXPECT_EQ(chunk.transfer_id, 9U);
  EXPECT_EQ(chunk.offset, 1000U);
  EXPECT_EQ(chunk.total, 3000U);
  EXPECT_EQ(chunk.message, m);
  EXPECT_EQ(chunk.data, data);
  const StreamFrame arrived = received_stream_frame(frame);
  EXPECT_EQ(arrived.type, wire::FrameType::kSnapshotChunk);
  EXPECT_EQ(wire::decode_snapshot_chunk(arrived.body).value(), chunk);
  EXPECT_THROW(sent_snapshot_chunk(forward_frame(false, "x")), SimFailure);          // not a chunk
  EXPECT_THROW(sent_snapshot_chunk(frame.substr(0, frame.size() - 1)), SimFailure);  // cut short
  EXPECT_THROW(sent_snapshot_chunk(wire::encode_frame(wire::FrameType::kSnapshotChunk, "junk")),
               SimFailure);  // a chunk that does not decode
}

TEST(WireLinkTest, aDamagedChunkIsAValidFrameWithOneByteFlipped) {
  install_failure_handler();
  const raft::Message m = snapshot_message();
  const std::string data(1000, 'd');
  const std::string frame = chunk_frame(m, data);
  const std::string damaged = damaged_chunk_frame(sent_snapshot_chunk(frame), 17);
  ASSERT_NE(damaged, frame);
  const wire::SnapshotChunk chunk = sent_snapshot_chunk(damaged);  // the frame is valid
  EXPECT_EQ(chunk.offset, 1000U);
  EXPECT_EQ(chunk.message, m);
  ASSERT_EQ(chunk.data.size(), data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    EXPECT_EQ(chunk.data[i] != data[i], i == 17) << i;
  }
}

}  // namespace
}  // namespace helios::sim
