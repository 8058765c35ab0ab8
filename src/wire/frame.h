#pragma once
// Frames: the unit of everything Helios sends between nodes over a byte stream (TCP).
//
//   frame (24-byte header + body)
//     0  magic "HLXF"                      4 bytes
//     4  protocol version (kProtocolVersion: the wire's major version)   u16
//     6  frame type (FrameType)            u8
//     7  reserved, zero                    u8
//     8  body length                       u32 (at most the receiver's max_frame_bytes)
//    12  reserved, zero                    u32
//    16  XXH3-64 of the body, seeded with XXH3-64 of bytes 0..15 (base::checksum64(head, body))
//    24  body
//
// Decoding is strict and bounds-checked: anything malformed is a Status, never a crash, an
// assertion or an allocation sized by the peer beyond max_frame_bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/gather_buffer.h"
#include "base/status.h"

namespace helios::wire {

inline constexpr char kFrameMagic[4] = {'H', 'L', 'X', 'F'};
// The wire's major version (wire/version.h): peers of another major version cannot talk.
// 1: builds before 2026-12-04; 2: the hello carries the sender's minor version.
inline constexpr std::uint16_t kProtocolVersion = 2;
inline constexpr std::size_t kFrameHeaderSize = 24;
inline constexpr std::uint32_t kDefaultMaxFrameBytes = 64u << 20;

enum class FrameType : std::uint8_t {
  kHello = 1,          // handshake: HelloBody
  kHelloAck = 2,       // handshake answer: HelloBody of the acceptor
  kRaft = 3,           // one raft::Message (raft_codec.h)
  kForward = 4,        // reserved: a client command forwarded to the leader (issue 5)
  kForwardReply = 5,   // reserved
  kSnapshotChunk = 6,  // a slice of a snapshot file (snapshot_chunk.h)
};

// Header and body of one frame. `type` must be a FrameType enumerator and the body at most
// UINT32_MAX bytes (programmer errors, asserted); keeping the body within the receiver's
// max_frame_bytes is the sender's business (the receiver refuses a longer frame).
std::string encode_frame(FrameType type, std::string_view body);
// The same frame, built in place: `frame` holds kFrameHeaderSize bytes (any) followed by the
// body; the header is written over them (no copy of the body: a snapshot chunk's megabyte).
void seal_frame(FrameType type, std::string& frame);
// The same for a frame whose body has spliced pieces (wire::append_message into a
// GatherBuffer): the header goes over the first kFrameHeaderSize copied bytes.
void seal_frame(FrameType type, base::GatherBuffer& frame);

struct Frame {
  FrameType type = FrameType::kRaft;
  std::string body;
};

// A frame whose body is a view into a FrameDecoder's buffer (FrameDecoder::next_view).
struct FrameView {
  FrameType type = FrameType::kRaft;
  std::string_view body;
};

// Incremental decoding from a stream: feed bytes, take whole frames. One decoder per
// connection; not thread-safe. next() answers:
//   - a Frame: its header and checksum verified; its bytes are consumed;
//   - kUnavailable: the header or the body is incomplete; nothing is consumed, feed more;
//   - kInvalidArgument: bad magic, unsupported version (the message names both), unknown
//     frame type, non-zero reserved field, or a body length over max_frame_bytes (checked
//     from the header alone, as soon as it is complete: the decoder never waits for, nor
//     sizes anything by, a body longer than the limit);
//   - kCorruption: the header or the body does not match the checksum.
// After an error nothing is consumed and next() repeats it: the stream is broken, close the
// connection. next_view() answers the same, with the body as a view into the decoder's
// buffer (no copy), valid until the next call of feed(), next() or next_view().
// Memory: consumed bytes are released at the next call (the buffer then holds at most twice
// the unconsumed bytes), and once next() has answered kUnavailable,
// buffered() < kFrameHeaderSize + max_frame_bytes, so a caller that drains next() after
// every feed() holds at most one frame plus one read's worth of bytes.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::uint32_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  void feed(std::string_view bytes) {
    compact();
    buffer_.append(bytes);
  }
  Result<Frame> next();
  Result<FrameView> next_view();
  std::size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  void compact();

  std::uint32_t max_frame_bytes_;
  std::string buffer_;        // buffer_[consumed_, size()) are the bytes not yet taken
  std::size_t consumed_ = 0;  // invariant: consumed_ <= buffer_.size()
};

}  // namespace helios::wire
