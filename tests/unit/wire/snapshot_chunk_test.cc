// InstallSnapshot chunk bodies: the documented layout, round trips, every rejection of the
// strict decoder, the assertions on encoding an invalid chunk, and a chunk travelling in a
// kSnapshotChunk frame.
#include "wire/snapshot_chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "wire/frame.h"
#include "wire/raft_codec.h"

namespace helios::wire {
namespace {

raft::Message snapshot_message() {
  raft::Message m;
  m.type = raft::MessageType::kSnapshot;
  m.from = 1;
  m.to = 3;
  m.term = 7;
  m.snapshot = raft::SnapshotMeta{
      .index = 900, .term = 6, .conf_state = raft::ConfState{.voters = {1, 2, 3}}};
  return m;
}

// `size` (at most 1000) bytes of every value; a view of bytes that live as long as the test
// (a chunk's data is a view).
std::string_view binary(std::size_t size) {
  static const std::string bytes = []() {
    std::string out;
    for (std::size_t i = 0; i < 1000; ++i) {
      out.push_back(static_cast<char>((i * 37 + 11) & 0xff));
    }
    return out;
  }();
  return std::string_view(bytes).substr(0, size);
}

// `data` must outlive the chunk.
SnapshotChunk chunk(std::uint64_t offset, std::uint64_t total, std::string_view data) {
  return SnapshotChunk{.transfer_id = 0x0102030405060708ull,
                       .offset = offset,
                       .total = total,
                       .message = snapshot_message(),
                       .data = data};
}

// Chunks at the start, in the middle and at the end of a file, an empty one at the end, and
// the first and only chunk of an empty file.
std::vector<SnapshotChunk> samples() {
  return {chunk(0, 1000, binary(256)), chunk(256, 1000, binary(500)), chunk(756, 1000, binary(244)),
          chunk(1000, 1000, ""), chunk(0, 0, "")};
}

// The body a correct encoder writes, assembled by hand from the layout.
std::string assemble(std::uint64_t id, std::uint64_t offset, std::uint64_t total,
                     const std::string& message, std::string_view data) {
  std::string out;
  base::put_u64(out, id);
  base::put_u64(out, offset);
  base::put_u64(out, total);
  base::put_u32(out, static_cast<std::uint32_t>(message.size()));
  out += message;
  base::put_u32(out, static_cast<std::uint32_t>(data.size()));
  out += data;
  return out;
}

std::string assemble(const SnapshotChunk& c) {
  return assemble(c.transfer_id, c.offset, c.total, encode_message(c.message), c.data);
}

// Overwrites the u32 at `at`.
void patch_u32(std::string& body, std::size_t at, std::uint32_t value) {
  std::string bytes;
  base::put_u32(bytes, value);
  body.replace(at, bytes.size(), bytes);
}

void expect_invalid(std::string_view body, const std::string& words) {
  Result<SnapshotChunk> decoded = decode_snapshot_chunk(body);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), Code::kInvalidArgument) << decoded.status().to_string();
  EXPECT_NE(decoded.status().message().find(words), std::string::npos)
      << decoded.status().message();
}

// The frame built in place (the sender reads the slice straight into it) is the frame of the
// encoded body, byte for byte.
TEST(SnapshotChunkTest, encodeFrameInPlace_equalsTheFrameOfTheEncodedBody) {
  for (const SnapshotChunk& s : samples()) {
    const std::string frame = encode_snapshot_chunk_frame(s, s.data.size(), [&](char* data) {
      std::copy(s.data.begin(), s.data.end(), data);
      return true;
    });
    EXPECT_EQ(frame, encode_frame(FrameType::kSnapshotChunk, encode_snapshot_chunk(s)));
  }
  const SnapshotChunk c = chunk(0, 10, "0123456789");
  EXPECT_EQ(encode_snapshot_chunk_frame(c, 10, [](char*) { return false; }), "");
}

TEST(SnapshotChunkTest, encode_followsTheDocumentedLayout) {
  const SnapshotChunk c = chunk(256, 1000, "slice");
  const std::string body = encode_snapshot_chunk(c);
  const std::string message = encode_message(c.message);
  ASSERT_EQ(body.size(), 8 * 3 + 4 + message.size() + 4 + 5);
  EXPECT_EQ(base::load_u64(body.data()), 0x0102030405060708ull);
  EXPECT_EQ(base::load_u64(body.data() + 8), 256u);
  EXPECT_EQ(base::load_u64(body.data() + 16), 1000u);
  EXPECT_EQ(base::load_u32(body.data() + 24), message.size());
  EXPECT_EQ(body.substr(28, message.size()), message);
  EXPECT_EQ(base::load_u32(body.data() + 28 + message.size()), 5u);
  EXPECT_EQ(body.substr(32 + message.size()), "slice");
  for (const SnapshotChunk& s : samples()) {
    EXPECT_EQ(encode_snapshot_chunk(s), assemble(s));
  }
}

TEST(SnapshotChunkTest, decode_roundTrips) {
  for (const SnapshotChunk& s : samples()) {
    const std::string body = encode_snapshot_chunk(s);  // the decoded data is a view into it
    Result<SnapshotChunk> decoded = decode_snapshot_chunk(body);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(decoded.value(), s);
    EXPECT_EQ(decoded.value().data.data(), body.data() + body.size() - s.data.size());
  }
  SnapshotChunk extreme = chunk(UINT64_MAX - 3, UINT64_MAX, "abc");
  extreme.transfer_id = UINT64_MAX;
  const std::string body = encode_snapshot_chunk(extreme);
  EXPECT_EQ(decode_snapshot_chunk(body).value(), extreme);
}

TEST(SnapshotChunkTest, decode_everyTruncationIsInvalid) {
  for (const SnapshotChunk& s : samples()) {
    const std::string body = encode_snapshot_chunk(s);
    for (std::size_t size = 0; size < body.size(); ++size) {
      Result<SnapshotChunk> decoded = decode_snapshot_chunk(std::string_view(body).substr(0, size));
      ASSERT_FALSE(decoded.is_ok()) << "size " << size;
      EXPECT_EQ(decoded.status().code(), Code::kInvalidArgument) << "size " << size;
    }
  }
}

TEST(SnapshotChunkTest, decode_refusesAMessageOtherThanASnapshot) {
  raft::Message append = snapshot_message();
  append.type = raft::MessageType::kAppend;
  append.snapshot = {};
  expect_invalid(assemble(1, 0, 10, encode_message(append), "0123456789"), "not a snapshot");
  // A message that does not decode, or whose length runs past the body.
  expect_invalid(assemble(1, 0, 10, "garbage", "0123456789"), "snapshot chunk");
  std::string body = encode_snapshot_chunk(chunk(0, 10, "0123456789"));
  patch_u32(body, 24, static_cast<std::uint32_t>(body.size()));
  expect_invalid(body, "truncated");
}

TEST(SnapshotChunkTest, decode_refusesASliceBeyondTheTotal) {
  const std::string message = encode_message(snapshot_message());
  expect_invalid(assemble(1, 990, 1000, message, binary(11)), "beyond the announced size");
  expect_invalid(assemble(1, 1001, 1000, message, ""), "beyond the announced size");
  expect_invalid(assemble(1, UINT64_MAX, 1000, message, "x"), "beyond the announced size");
  expect_invalid(assemble(1, 0, 0, message, "x"), "beyond the announced size");
  // Exactly up to the total is fine.
  EXPECT_TRUE(decode_snapshot_chunk(assemble(1, 990, 1000, message, binary(10))).is_ok());
}

TEST(SnapshotChunkTest, decode_refusesTrailingBytes) {
  for (const SnapshotChunk& s : samples()) {
    expect_invalid(encode_snapshot_chunk(s) + std::string(1, '\0'), "trailing");
  }
  // A data length shorter than the data that follows.
  std::string body = encode_snapshot_chunk(chunk(0, 1000, "abcd"));
  patch_u32(body, body.size() - 8, 3);
  expect_invalid(body, "1 trailing bytes");
}

TEST(SnapshotChunkDeathTest, encode_invalidChunkAsserts) {
  SnapshotChunk not_snapshot = chunk(0, 10, "x");
  not_snapshot.message.type = raft::MessageType::kAppend;
  EXPECT_DEATH((void)encode_snapshot_chunk(not_snapshot), "kSnapshot");
  EXPECT_DEATH((void)encode_snapshot_chunk(chunk(8, 10, "xyz")), "offset");
  EXPECT_DEATH((void)encode_snapshot_chunk(chunk(11, 10, "")), "offset");
}

TEST(SnapshotChunkTest, frame_roundTripsThroughTheFrameDecoder) {
  std::string stream;
  for (const SnapshotChunk& s : samples()) {
    stream += encode_frame(FrameType::kSnapshotChunk, encode_snapshot_chunk(s));
  }
  // Fed a byte at a time, as a slow connection delivers it.
  FrameDecoder decoder;
  std::vector<SnapshotChunk> got;
  std::vector<std::unique_ptr<std::string>> bodies;  // the chunks' data are views into them
  for (char byte : stream) {
    decoder.feed(std::string_view(&byte, 1));
    Result<Frame> frame = decoder.next();
    if (!frame.is_ok()) {
      ASSERT_EQ(frame.status().code(), Code::kUnavailable) << frame.status().to_string();
      continue;
    }
    ASSERT_EQ(frame.value().type, FrameType::kSnapshotChunk);
    bodies.push_back(std::make_unique<std::string>(std::move(frame.value().body)));
    Result<SnapshotChunk> decoded = decode_snapshot_chunk(*bodies.back());
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    got.push_back(std::move(decoded).value());
  }
  EXPECT_EQ(got, samples());
  EXPECT_EQ(decoder.buffered(), 0u);
}

}  // namespace
}  // namespace helios::wire
