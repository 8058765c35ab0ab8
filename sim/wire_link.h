#pragma once
// The simulated network's wire: a Raft message travels as the bytes of the frame the TCP
// transport writes for it, and the receiver decodes them as the transport's InboundSession
// does (frame header and checksum, then the message). The sender's message travels beside
// the bytes, so that a codec that changes anything fails the seed at the delivery.

#include <memory>
#include <string>

#include "raft/types.h"

namespace helios::sim {

// The bytes of the kRaft frame the TCP transport writes for `m` (wire::encode_message_frame).
std::shared_ptr<const std::string> wire_frame(const raft::Message& m);

// What the receiver decodes from `bytes` (one whole frame of wire_frame). Asserts, with both
// messages in the failure, that it is `sent`: anything else is a bug of the wire codec.
raft::Message received_message(const std::string& bytes, const raft::Message& sent);

}  // namespace helios::sim
