#pragma once
// Encoding of raft::Message and of the handshake into frame bodies. Little-endian, versioned
// by the frame header's protocol version. decode_* validate every field and every length
// against the bytes actually present.
//
//   message body (FrameType::kRaft)          hello body (kHello, kHelloAck)
//     type         u8 (< kMessageTypeCount)    cluster id length  u16 (1..128)
//     from         u64                         cluster id         bytes of [A-Za-z0-9._-]
//     to           u64                         node id            u64 (non-zero)
//     term         u64                         wire minor version u16 (wire/version.h)
//     log_term     u64
//     index        u64
//     commit       u64 (kReadIndexResp: the read time, raft::Message::time_ms)
//     reject_hint  u64
//     reject       u8 (0 or 1)
//     context      u64
//     entry count  u32
//     per entry:   term u64, index u64, type u8 (raft::EntryType: 0..2),
//                  data length u32, data (binary)
//     kSnapshot only, after the entries: the snapshot's metadata
//                  index u64, term u64, then three id lists (voters, learners,
//                  outgoing voters), each a count u32 (<= 4096) and that many u64 ids
//
// Decoding is strict: every byte has exactly one meaning, so a body that decodes re-encodes
// to the same bytes. decode_* answer kInvalidArgument (a peer that speaks the protocol
// wrongly: close the connection) for a truncated body, an unknown message or entry type, a
// reject byte other than 0/1, an entry count that cannot fit in the remaining bytes (checked
// before anything is reserved: each entry takes at least 21 bytes), a data length beyond the
// remaining bytes, trailing bytes, and a hello whose cluster id or node id is malformed.
// Field values are not checked against Raft's rules (for example consecutive entry
// indexes): that is the receiver's business. Nothing here asserts on input.

#include <string>
#include <string_view>

#include "base/gather_buffer.h"
#include "base/status.h"
#include "raft/types.h"

namespace helios::wire {

// `m` must hold a known message type and fewer than 2^32 entries, each under 4 GiB (asserted).
std::string encode_message(const raft::Message& m);
// The same bytes appended to `out` (a frame built in place after its header: one copy of
// the entries' data fewer).
void append_message(std::string& out, const raft::Message& m);
// The same bytes, with the data of large entries spliced in (not copied): a frame that the
// transport writes with one gather write from the log's shared buffers.
void append_message(base::GatherBuffer& out, const raft::Message& m);
Result<raft::Message> decode_message(std::string_view body);
// A whole kRaft frame (frame.h) carrying `m`: the body built in place by append_message after
// the header, which is then sealed over it. What the TCP transport writes to a peer's socket
// and what the simulator's network carries.
base::GatherBuffer encode_message_frame(const raft::Message& m);

// Test-only: plants a bug (the simulator's "vote-refusal-lost") under which decode_message
// reads a refused vote or pre-vote as granted. Process-wide; never set outside the simulator.
void plant_vote_refusal_lost(bool on);

// The first frame each side sends on a peer connection.
struct HelloBody {
  std::string cluster_id;    // must match the receiver's, else the connection is refused
  NodeId node_id = kNoNode;  // must be one of the receiver's peers
  std::uint16_t minor = 0;   // the sender's wire_minor(): any value is accepted
  bool operator==(const HelloBody&) const = default;
};

// `hello` must be valid as decode_hello defines it (asserted: the node's own configuration
// is validated at startup).
std::string encode_hello(const HelloBody& hello);
Result<HelloBody> decode_hello(std::string_view body);

}  // namespace helios::wire
