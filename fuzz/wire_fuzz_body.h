#pragma once
// The body of the wire fuzz target, shared by fuzz/wire_fuzz.cc (libFuzzer, clang) and
// tests/unit/wire/fuzz_corpus_test.cc (gtest, any compiler), so that CI runs the same checks
// over the corpus and over random mutations.
//
// wire_fuzz_one(data, size) treats the input two ways:
//   1. as a byte stream: fed to a FrameDecoder (limit kFuzzMaxFrameBytes) in two pieces split
//      at a position taken from the input's first byte; every frame taken is re-framed and
//      must decode to itself, and its body is decoded as its type says;
//   2. as a body: decoded directly as a message, a hello and a snapshot chunk. (A mutated frame
//   almost never
//      passes the checksum, so without this the body decoders would see only the seeds.)
// Every successful decode must re-encode to exactly the bytes it came from and decode again
// to an equal value; a broken check aborts (HELIOS_ASSERT), which both harnesses report.
// Input never makes a decoder assert or crash: that is what is being tested.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "base/gather_buffer.h"
#include "wire/frame.h"
#include "wire/raft_codec.h"
#include "wire/snapshot_chunk.h"

namespace helios::wire {

inline constexpr std::uint32_t kFuzzMaxFrameBytes = 1u << 20;

// Checks the round trip of a body that is meant to be a message; true if it decoded.
inline bool wire_fuzz_message(std::string_view body) {
  Result<raft::Message> m = decode_message(body);
  if (!m.is_ok()) {
    HELIOS_ASSERT(m.status().code() == Code::kInvalidArgument);
    return false;
  }
  const std::string again = encode_message(m.value());
  HELIOS_ASSERT_MSG(again == body, "decode_message then encode_message changed the bytes");
  // The transport's encoding (large entries' data spliced, not copied), sealed as a frame,
  // gives the same frame as the copied encoding.
  base::GatherBuffer spliced(std::string(kFrameHeaderSize, '\0'));
  append_message(spliced, m.value());
  seal_frame(FrameType::kRaft, spliced);
  HELIOS_ASSERT_MSG(spliced.joined() == encode_frame(FrameType::kRaft, body),
                    "the spliced encoding of a message differs from the copied one");
  Result<raft::Message> m2 = decode_message(again);
  HELIOS_ASSERT(m2.is_ok());
  HELIOS_ASSERT(m2.value() == m.value());
  return true;
}

// As wire_fuzz_message, for a hello body.
inline bool wire_fuzz_hello(std::string_view body) {
  Result<HelloBody> h = decode_hello(body);
  if (!h.is_ok()) {
    HELIOS_ASSERT(h.status().code() == Code::kInvalidArgument);
    return false;
  }
  const std::string again = encode_hello(h.value());
  HELIOS_ASSERT_MSG(again == body, "decode_hello then encode_hello changed the bytes");
  Result<HelloBody> h2 = decode_hello(again);
  HELIOS_ASSERT(h2.is_ok());
  HELIOS_ASSERT(h2.value() == h.value());
  return true;
}

// As wire_fuzz_message, for a snapshot chunk body.
inline bool wire_fuzz_snapshot_chunk(std::string_view body) {
  Result<SnapshotChunk> c = decode_snapshot_chunk(body);
  if (!c.is_ok()) {
    HELIOS_ASSERT(c.status().code() == Code::kInvalidArgument);
    return false;
  }
  const std::string again = encode_snapshot_chunk(c.value());
  HELIOS_ASSERT_MSG(again == body, "decode then encode of a snapshot chunk changed the bytes");
  Result<SnapshotChunk> c2 = decode_snapshot_chunk(again);
  HELIOS_ASSERT(c2.is_ok());
  HELIOS_ASSERT(c2.value() == c.value());
  return true;
}

// A frame taken from the stream: within the limit, re-framed it decodes to itself, and its
// body decodes as its type says.
inline void wire_fuzz_frame(const Frame& frame) {
  HELIOS_ASSERT(frame.body.size() <= kFuzzMaxFrameBytes);
  const std::string bytes = encode_frame(frame.type, frame.body);
  FrameDecoder again(kFuzzMaxFrameBytes);
  again.feed(bytes);
  Result<Frame> f = again.next();
  HELIOS_ASSERT(f.is_ok());
  HELIOS_ASSERT(f.value().type == frame.type);
  HELIOS_ASSERT(f.value().body == frame.body);
  HELIOS_ASSERT(again.buffered() == 0);
  switch (frame.type) {
    case FrameType::kRaft:
      wire_fuzz_message(frame.body);
      break;
    case FrameType::kHello:
    case FrameType::kHelloAck:
      wire_fuzz_hello(frame.body);
      break;
    case FrameType::kSnapshotChunk:
      wire_fuzz_snapshot_chunk(frame.body);
      break;
    case FrameType::kForward:
    case FrameType::kForwardReply:
      break;  // decoded by the API layer (tests/unit/api/forward_test.cc)
  }
}

// Takes frames until the decoder answers an error; false if the stream is broken.
inline bool wire_fuzz_drain(FrameDecoder& decoder) {
  for (;;) {
    const std::size_t before = decoder.buffered();
    Result<Frame> frame = decoder.next();
    if (frame.is_ok()) {
      HELIOS_ASSERT(decoder.buffered() == before - kFrameHeaderSize - frame.value().body.size());
      wire_fuzz_frame(frame.value());
      continue;
    }
    // An error consumes nothing.
    HELIOS_ASSERT(decoder.buffered() == before);
    const Code code = frame.status().code();
    if (code == Code::kUnavailable) {
      HELIOS_ASSERT(before < kFrameHeaderSize + kFuzzMaxFrameBytes);
      return true;
    }
    HELIOS_ASSERT(code == Code::kInvalidArgument || code == Code::kCorruption);
    // The error is sticky: asking again gives the same answer.
    HELIOS_ASSERT(decoder.next().status().code() == code);
    return false;
  }
}

inline void wire_fuzz_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  FrameDecoder decoder(kFuzzMaxFrameBytes);
  decoder.feed(input.substr(0, split));
  if (wire_fuzz_drain(decoder)) {
    decoder.feed(input.substr(split));
    wire_fuzz_drain(decoder);
  }
  wire_fuzz_message(input);
  wire_fuzz_hello(input);
  wire_fuzz_snapshot_chunk(input);
}

}  // namespace helios::wire
