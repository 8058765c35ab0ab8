#pragma once
// FrameLink: the peer links as a stream of whole frames, for a sender that paces itself by
// what a link still holds (node::SnapshotSender). Production's is the TCP transport (its
// per-peer queues, in order with the Raft messages); the simulator's are its links' ordered
// streams on simulated time.
//
// Contract: calls come from the owner's loop thread. send_frame() queues one whole encoded
// frame (wire::seal_frame) for `to` behind what the link already holds and never blocks;
// false when it was dropped (unknown peer, queue full). Frames to one peer that arrive do so
// in send order. queued_bytes() is what was queued for `to` and not yet handed on (written
// to the socket, or delivered); zero for an unknown peer.

#include <cstdint>
#include <string>

#include "raft/types.h"

namespace helios::transport {

class FrameLink {
 public:
  virtual ~FrameLink() = default;
  virtual std::uint64_t queued_bytes(NodeId to) const = 0;
  virtual bool send_frame(NodeId to, std::string frame) = 0;
};

}  // namespace helios::transport
