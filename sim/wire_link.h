#pragma once
// The simulated network's wire: a Raft message travels as the bytes of the frame the TCP
// transport writes for it, and the receiver decodes them as the transport's InboundSession
// does (frame header and checksum, then the message). The sender's message travels beside
// the bytes, so that a codec that changes anything fails the seed at the delivery. A
// link's ordered stream carries whole frames: a forward as its kForward or kForwardReply
// frame, a snapshot transfer as the leader's kSnapshotChunk frames (wire/snapshot_chunk.h).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "raft/types.h"
#include "wire/frame.h"
#include "wire/snapshot_chunk.h"

namespace helios::sim {

// The bytes of the kRaft frame the TCP transport writes for `m` (wire::encode_message_frame).
std::shared_ptr<const std::string> wire_frame(const raft::Message& m);

// What the receiver decodes from `bytes` (one whole frame of wire_frame). Asserts, with both
// messages in the failure, that it is `sent`: anything else is a bug of the wire codec.
raft::Message received_message(const std::string& bytes, const raft::Message& sent);

// A forward of the client layer (reply: its answer) as the kForward (kForwardReply) frame the
// transport writes for its body.
std::string forward_frame(bool reply, std::string_view body);

// A frame of a link's ordered stream as the receiver's transport takes it (kForward,
// kForwardReply or kSnapshotChunk) and its body. Asserts that `frame` holds exactly one
// whole frame of one of those types.
struct StreamFrame {
  wire::FrameType type = wire::FrameType::kForward;
  std::string body;
};
StreamFrame received_stream_frame(const std::string& frame);

// A snapshot chunk frame as the leader's SnapshotSender wrote it (wire::
// encode_snapshot_chunk_frame), decoded. Asserts that it is one whole kSnapshotChunk frame
// and that encoding the decoded chunk gives the same bytes (the codec loses nothing). The
// chunk's data is a view into `frame`.
wire::SnapshotChunk sent_snapshot_chunk(const std::string& frame);

// `chunk` with the byte at `at` of its data flipped, as a whole valid frame: damage the
// frame's checksum cannot see (a bad disk or memory at the sender), which the receiver's
// verification of the whole file must refuse.
std::string damaged_chunk_frame(const wire::SnapshotChunk& chunk, std::size_t at);

}  // namespace helios::sim
