#pragma once
// InstallSnapshot over the wire: the snapshot file travels from the leader to a follower as a
// sequence of kSnapshotChunk frames, each carrying a slice of the file. The frame's checksum
// covers every chunk; the receiver verifies the whole file (its own checksum) before anything
// is installed. docs/formats.md ("InstallSnapshot frames") describes the stream.
//
//   chunk body (FrameType::kSnapshotChunk)
//     transfer id      u64   chosen by the sender per transfer (a new one restarts)
//     offset           u64   of this slice in the file
//     total            u64   the file's size in bytes (the same in every chunk)
//     message length   u32
//     message          the kSnapshot raft::Message (raft_codec.h): term, from, to, metadata
//     data length      u32
//     data             the slice: file bytes [offset, offset + length)
//
// Rules the decoder enforces (kInvalidArgument otherwise): the message decodes and is a
// kSnapshot; offset + data length <= total; no trailing bytes. Chunks arrive in order on
// one connection; a receiver that sees an offset other than the one it expects drops the
// transfer (the leader starts a new one).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "raft/types.h"

namespace helios::wire {

struct SnapshotChunk {
  std::uint64_t transfer_id = 0;
  std::uint64_t offset = 0;
  std::uint64_t total = 0;
  raft::Message message;  // type kSnapshot
  // A view: into the body decode_snapshot_chunk() decoded (no copy of a slice of up to
  // megabytes), or into the sender's buffer; it must outlive the chunk's use.
  std::string_view data;
  bool operator==(const SnapshotChunk&) const = default;
};

// `chunk` must be valid as decode_snapshot_chunk defines it (asserted).
std::string encode_snapshot_chunk(const SnapshotChunk& chunk);
// The whole kSnapshotChunk frame (wire/frame.h) of `chunk` with `data_size` bytes of data
// (chunk.data is ignored) that `fill` writes in place: one buffer, no copy of the data. An
// empty string when fill returns false.
std::string encode_snapshot_chunk_frame(const SnapshotChunk& chunk, std::size_t data_size,
                                        const std::function<bool(char* data)>& fill);
Result<SnapshotChunk> decode_snapshot_chunk(std::string_view body);

}  // namespace helios::wire
