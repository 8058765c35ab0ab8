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

std::shared_ptr<const std::string> forward_frame(bool reply, std::string_view body) {
  return std::make_shared<const std::string>(
      wire::encode_frame(reply ? wire::FrameType::kForwardReply : wire::FrameType::kForward, body));
}

std::string received_forward(const std::string& frame, bool reply) {
  wire::FrameDecoder decoder;
  decoder.feed(frame);
  Result<wire::FrameView> got = decoder.next_view();
  const wire::FrameType expected =
      reply ? wire::FrameType::kForwardReply : wire::FrameType::kForward;
  if (!got.is_ok() || got.value().type != expected || decoder.buffered() != 0) {
    const std::string why =
        std::string("a forward changed on the wire: ") +
        (got.is_ok() ? "frame type " + std::to_string(static_cast<int>(got.value().type))
                     : got.status().to_string());
    HELIOS_ASSERT_MSG(false, why.c_str());
  }
  return std::string(got.value().body);
}

namespace {

[[noreturn]] void changed_on_the_wire(const std::string& what) {
  const std::string why = "a snapshot transfer changed on the wire: " + what;
  HELIOS_ASSERT_MSG(false, why.c_str());
  __builtin_unreachable();
}

}  // namespace

std::shared_ptr<const std::string> snapshot_frames(const raft::Message& m, const std::string& file,
                                                   std::uint64_t transfer_id,
                                                   std::size_t chunk_bytes) {
  HELIOS_ASSERT(chunk_bytes > 0);
  std::string frames;
  wire::SnapshotChunk chunk;
  chunk.transfer_id = transfer_id;
  chunk.total = file.size();
  chunk.message = m;
  // As SnapshotSender::pump: an empty file still takes one chunk.
  for (std::size_t offset = 0; offset < file.size() || offset == 0;) {
    const std::size_t n = std::min(chunk_bytes, file.size() - offset);
    chunk.offset = offset;
    frames += wire::encode_snapshot_chunk_frame(chunk, n, [&](char* data) {
      std::memcpy(data, file.data() + offset, n);
      return true;
    });
    offset += n;
    if (n == 0) {
      break;
    }
  }
  return std::make_shared<const std::string>(std::move(frames));
}

ReceivedSnapshot receive_snapshot_frames(const std::string& frames, const raft::Message& sent) {
  ReceivedSnapshot out;
  wire::FrameDecoder decoder;
  decoder.feed(frames);
  std::string file;
  std::uint64_t transfer_id = 0;
  std::uint64_t total = 0;
  bool first = true;
  while (decoder.buffered() > 0) {
    Result<wire::FrameView> frame = decoder.next_view();
    if (!frame.is_ok() || frame.value().type != wire::FrameType::kSnapshotChunk) {
      changed_on_the_wire(frame.is_ok() ? "not a chunk frame" : frame.status().to_string());
    }
    Result<wire::SnapshotChunk> chunk = wire::decode_snapshot_chunk(frame.value().body);
    if (!chunk.is_ok()) {
      changed_on_the_wire(chunk.status().to_string());
    }
    const wire::SnapshotChunk& c = chunk.value();
    if (c.message != sent) {
      changed_on_the_wire("sent " + raft::describe(sent) + ", received " +
                          raft::describe(c.message));
    }
    if (first) {
      transfer_id = c.transfer_id;
      total = c.total;
      first = false;
    }
    if (c.transfer_id != transfer_id || c.total != total || c.offset != file.size()) {
      changed_on_the_wire("chunk at " + std::to_string(c.offset) + " of transfer " +
                          std::to_string(c.transfer_id) + " after " + std::to_string(file.size()) +
                          " bytes");
    }
    file.append(c.data);
    out.chunk_bodies.emplace_back(frame.value().body);
  }
  if (first || file.size() != total) {
    changed_on_the_wire(std::to_string(file.size()) + " of " + std::to_string(total) +
                        " bytes arrived");
  }
  out.file = std::move(file);
  out.transfer_id = transfer_id;
  return out;
}

std::string received_snapshot(const std::string& frames, const raft::Message& sent) {
  return receive_snapshot_frames(frames, sent).file;
}

}  // namespace helios::sim
