#include "sim/wire_link.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/assert.h"
#include "wire/frame.h"
#include "wire/raft_codec.h"
#include "wire/snapshot_chunk.h"

namespace helios::sim {

std::shared_ptr<const std::string> wire_frame(const raft::Message& m) {
  return std::make_shared<const std::string>(wire::encode_message_frame(m).joined());
}

raft::Message received_message(const std::string& bytes, const raft::Message& sent) {
  wire::FrameDecoder decoder;
  decoder.feed(bytes);
  Result<wire::FrameView> frame = decoder.next_view();
  Result<raft::Message> m =
      !frame.is_ok() ? Result<raft::Message>(frame.status())
      : frame.value().type != wire::FrameType::kRaft
          ? Result<raft::Message>(Status(Code::kInvalidArgument, "not a kRaft frame"))
          : wire::decode_message(frame.value().body);
  if (!m.is_ok() || m.value() != sent || decoder.buffered() != 0) {
    const std::string why = "a message changed on the wire: sent " + raft::describe(sent) +
                            ", received " +
                            (m.is_ok() ? raft::describe(m.value()) : m.status().to_string());
    HELIOS_ASSERT_MSG(false, why.c_str());
  }
  return std::move(m).value();
}

std::string forward_frame(bool reply, std::string_view body) {
  return wire::encode_frame(reply ? wire::FrameType::kForwardReply : wire::FrameType::kForward,
                            body);
}

namespace {

[[noreturn]] void changed_on_the_wire(const std::string& what) {
  const std::string why = "a frame changed on the wire: " + what;
  HELIOS_ASSERT_MSG(false, why.c_str());
  __builtin_unreachable();
}

wire::FrameView one_frame(wire::FrameDecoder& decoder, const std::string& frame) {
  decoder.feed(frame);
  Result<wire::FrameView> got = decoder.next_view();
  if (!got.is_ok()) {
    changed_on_the_wire(got.status().to_string());
  }
  if (decoder.buffered() != 0) {
    changed_on_the_wire(std::to_string(decoder.buffered()) + " bytes after the frame");
  }
  return got.value();
}

}  // namespace

StreamFrame received_stream_frame(const std::string& frame) {
  wire::FrameDecoder decoder;
  const wire::FrameView view = one_frame(decoder, frame);
  if (view.type != wire::FrameType::kForward && view.type != wire::FrameType::kForwardReply &&
      view.type != wire::FrameType::kSnapshotChunk) {
    changed_on_the_wire("frame type " + std::to_string(static_cast<int>(view.type)) +
                        " on a stream");
  }
  return StreamFrame{view.type, std::string(view.body)};
}

wire::SnapshotChunk sent_snapshot_chunk(const std::string& frame) {
  wire::FrameDecoder decoder;
  const wire::FrameView view = one_frame(decoder, frame);
  if (view.type != wire::FrameType::kSnapshotChunk) {
    changed_on_the_wire("not a chunk frame");
  }
  // The body is a view into the decoder's buffer: decode from the caller's bytes instead.
  const std::string_view body =
      std::string_view(frame).substr(frame.size() - view.body.size(), view.body.size());
  Result<wire::SnapshotChunk> chunk = wire::decode_snapshot_chunk(body);
  if (!chunk.is_ok()) {
    changed_on_the_wire(chunk.status().to_string());
  }
  if (wire::encode_frame(wire::FrameType::kSnapshotChunk,
                         wire::encode_snapshot_chunk(chunk.value())) != frame) {
    changed_on_the_wire("chunk at " + std::to_string(chunk.value().offset) + " of transfer " +
                        std::to_string(chunk.value().transfer_id) +
                        " does not encode back to its bytes");
  }
  return chunk.value();
}

std::string damaged_chunk_frame(const wire::SnapshotChunk& chunk, std::size_t at) {
  HELIOS_ASSERT(at < chunk.data.size());
  std::string data(chunk.data);
  data[at] ^= 0x20;
  wire::SnapshotChunk damaged = chunk;
  damaged.data = data;
  return wire::encode_frame(wire::FrameType::kSnapshotChunk, wire::encode_snapshot_chunk(damaged));
}

}  // namespace helios::sim
