#pragma once
// The simulated network's wire: a Raft message travels as the bytes of the frame the TCP
// transport writes for it, and the receiver decodes them as the transport's InboundSession
// does (frame header and checksum, then the message). The sender's message travels beside
// the bytes, so that a codec that changes anything fails the seed at the delivery. A
// snapshot travels as the chunk frames of its transfer (wire/snapshot_chunk.h), a forward
// as its kForward or kForwardReply frame.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "raft/types.h"

namespace helios::sim {

// The bytes of the kRaft frame the TCP transport writes for `m` (wire::encode_message_frame).
std::shared_ptr<const std::string> wire_frame(const raft::Message& m);

// What the receiver decodes from `bytes` (one whole frame of wire_frame). Asserts, with both
// messages in the failure, that it is `sent`: anything else is a bug of the wire codec.
raft::Message received_message(const std::string& bytes, const raft::Message& sent);

// A forward of the client layer (reply: its answer) as the kForward (kForwardReply) frame the
// transport writes for its body.
std::shared_ptr<const std::string> forward_frame(bool reply, std::string_view body);

// The body the receiver takes out of forward_frame's bytes. Asserts that they hold exactly
// one frame, of the type `reply` names.
std::string received_forward(const std::string& frame, bool reply);

// A snapshot's transfer: `file` cut into the kSnapshotChunk frames the leader's SnapshotSender
// writes (wire::encode_snapshot_chunk_frame, `chunk_bytes` of the file each, every one with
// the kSnapshot message `m`), one after the other.
std::shared_ptr<const std::string> snapshot_frames(const raft::Message& m, const std::string& file,
                                                   std::uint64_t transfer_id,
                                                   std::size_t chunk_bytes);

// What the receiver reassembles from snapshot_frames' bytes: the file, its chunks decoded in
// order (contiguous offsets, one transfer id and size), and each frame's body as the
// receiver's SnapshotReceiver::on_chunk takes it. Asserts, as received_message does, that
// every chunk carries `sent` and that the bytes hold exactly one whole transfer.
struct ReceivedSnapshot {
  std::string file;
  std::uint64_t transfer_id = 0;
  std::vector<std::string> chunk_bodies;
};
ReceivedSnapshot receive_snapshot_frames(const std::string& frames, const raft::Message& sent);
// Its file alone.
std::string received_snapshot(const std::string& frames, const raft::Message& sent);

}  // namespace helios::sim
