#include "wire/snapshot_chunk.h"

#include "base/assert.h"
#include "base/bytes.h"
#include "wire/frame.h"
#include "wire/raft_codec.h"

namespace helios::wire {

namespace {

Status invalid(const std::string& why) {
  return Status(Code::kInvalidArgument, "snapshot chunk: " + why);
}

}  // namespace

namespace {

// Appends the chunk's fields up to its data (of `data_size` bytes) to `out`.
void put_chunk_header(std::string& out, const SnapshotChunk& chunk, std::size_t data_size) {
  HELIOS_ASSERT(chunk.message.type == raft::MessageType::kSnapshot);
  HELIOS_ASSERT(data_size <= UINT32_MAX);
  HELIOS_ASSERT(chunk.offset <= chunk.total && data_size <= chunk.total - chunk.offset);
  const std::string message = encode_message(chunk.message);
  out.reserve(out.size() + 8 * 3 + 4 + message.size() + 4 + data_size);
  base::put_u64(out, chunk.transfer_id);
  base::put_u64(out, chunk.offset);
  base::put_u64(out, chunk.total);
  base::put_u32(out, static_cast<std::uint32_t>(message.size()));
  out.append(message);
  base::put_u32(out, static_cast<std::uint32_t>(data_size));
}

}  // namespace

std::string encode_snapshot_chunk(const SnapshotChunk& chunk) {
  std::string out;
  put_chunk_header(out, chunk, chunk.data.size());
  out.append(chunk.data);
  return out;
}

std::string encode_snapshot_chunk_frame(const SnapshotChunk& chunk, std::size_t data_size,
                                        const std::function<bool(char* data)>& fill) {
  std::string frame(kFrameHeaderSize, '\0');
  put_chunk_header(frame, chunk, data_size);
  const std::size_t at = frame.size();
  frame.resize(at + data_size);
  if (!fill(frame.data() + at)) {
    return {};
  }
  seal_frame(FrameType::kSnapshotChunk, frame);
  return frame;
}

Result<SnapshotChunk> decode_snapshot_chunk(std::string_view body) {
  base::Reader r(body);
  SnapshotChunk chunk;
  chunk.transfer_id = r.u64();
  chunk.offset = r.u64();
  chunk.total = r.u64();
  const std::uint32_t message_length = r.u32();
  if (!r.ok() || message_length > r.remaining()) {
    return invalid("truncated header");
  }
  Result<raft::Message> message = decode_message(r.bytes(message_length));
  if (!message.is_ok()) {
    return invalid(message.status().message());
  }
  if (message.value().type != raft::MessageType::kSnapshot) {
    return invalid("the message is not a snapshot");
  }
  chunk.message = std::move(message).value();
  const std::uint32_t data_length = r.u32();
  if (!r.ok() || data_length > r.remaining()) {
    return invalid("truncated data");
  }
  chunk.data = r.bytes(data_length);
  if (r.remaining() != 0) {
    return invalid(std::to_string(r.remaining()) + " trailing bytes");
  }
  if (chunk.offset > chunk.total || chunk.data.size() > chunk.total - chunk.offset) {
    return invalid("slice beyond the announced size");
  }
  return chunk;
}

}  // namespace helios::wire
