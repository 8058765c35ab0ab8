// Frames: the header layout, decoding from a stream cut anywhere, and every rejection (bad
// magic, version, type, reserved fields, length over the limit, checksum), including a bit
// flipped anywhere in a frame.
#include "wire/frame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/prng.h"

namespace helios::wire {
namespace {

struct Sample {
  FrameType type;
  std::string body;
};

// Frames of every type, with empty, binary and larger bodies.
std::vector<Sample> samples() {
  std::string binary;
  for (int i = 0; i < 256; ++i) {
    binary.push_back(static_cast<char>(i));
  }
  return {
      {FrameType::kHello, "hello"},
      {FrameType::kRaft, ""},
      {FrameType::kHelloAck, std::string("\0\0\0", 3)},
      {FrameType::kRaft, binary},
      {FrameType::kForward, std::string(3000, 'x')},
      {FrameType::kForwardReply, "r"},
      {FrameType::kRaft, binary + binary},
  };
}

std::string stream_of(const std::vector<Sample>& frames) {
  std::string out;
  for (const Sample& s : frames) {
    out += encode_frame(s.type, s.body);
  }
  return out;
}

// Recomputes the checksum of an edited frame, so that a test fails for the field it edits.
void reseal(std::string& frame) {
  const std::string_view body = std::string_view(frame).substr(kFrameHeaderSize);
  base::store_u64(frame.data() + 16, base::checksum64(frame.substr(0, 16), body, 0));
}

// Takes frames until the decoder answers something other than a frame.
std::vector<Sample> drain(FrameDecoder& decoder) {
  std::vector<Sample> out;
  for (;;) {
    Result<Frame> f = decoder.next();
    if (!f.is_ok()) {
      EXPECT_EQ(f.status().code(), Code::kUnavailable) << f.status().to_string();
      return out;
    }
    out.push_back({f.value().type, f.value().body});
  }
}

void expect_same(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].type, want[i].type) << "frame " << i;
    EXPECT_EQ(got[i].body, want[i].body) << "frame " << i;
  }
}

Status decode_one(const std::string& bytes, std::uint32_t max_frame_bytes = 1 << 20) {
  FrameDecoder decoder(max_frame_bytes);
  decoder.feed(bytes);
  Result<Frame> f = decoder.next();
  return f.is_ok() ? Status::ok() : f.status();
}

TEST(FrameTest, encodeFrame_layoutIsTheDocumentedHeader) {
  const std::string body = "abc";
  const std::string f = encode_frame(FrameType::kRaft, body);
  ASSERT_EQ(f.size(), kFrameHeaderSize + 3);
  EXPECT_EQ(f.substr(0, 4), "HLXF");
  EXPECT_EQ(f.substr(4, 2), std::string("\x02\x00", 2));  // version 2, little-endian
  EXPECT_EQ(f[6], 3);                                     // kRaft
  EXPECT_EQ(f[7], 0);
  EXPECT_EQ(base::load_u32(f.data() + 8), 3u);
  EXPECT_EQ(base::load_u32(f.data() + 12), 0u);
  EXPECT_EQ(base::load_u64(f.data() + 16), base::checksum64(f.substr(0, 16), body, 0));
  EXPECT_EQ(f.substr(24), body);
}

// A frame sealed with spliced pieces is byte for byte the frame of its joined body.
TEST(FrameTest, sealFrame_withSplicesGivesTheSameBytesAsOneString) {
  base::GatherBuffer frame(std::string(kFrameHeaderSize, '\0'));
  frame.bytes() += "fixed part";
  frame.append(base::SharedBytes(std::string(5000, 'a')));  // spliced
  frame.bytes() += "between";
  frame.append(base::SharedBytes(std::string(700, 'b')));  // spliced
  frame.append(base::SharedBytes("small"));                // copied
  ASSERT_TRUE(frame.has_splices());
  const std::string body = frame.joined().substr(kFrameHeaderSize);
  seal_frame(FrameType::kRaft, frame);
  EXPECT_EQ(frame.joined(), encode_frame(FrameType::kRaft, body));
}

TEST(FrameDecoderTest, next_roundTripsEveryTypeAndBody) {
  for (const Sample& s : samples()) {
    FrameDecoder decoder;
    decoder.feed(encode_frame(s.type, s.body));
    Result<Frame> f = decoder.next();
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    EXPECT_EQ(f.value().type, s.type);
    EXPECT_EQ(f.value().body, s.body);
    EXPECT_EQ(decoder.buffered(), 0u);
    EXPECT_EQ(decoder.next().status().code(), Code::kUnavailable);
  }
}

TEST(FrameDecoderTest, next_severalFramesInOneFeed) {
  FrameDecoder decoder;
  decoder.feed(stream_of(samples()));
  expect_same(drain(decoder), samples());
  EXPECT_EQ(decoder.buffered(), 0u);
}

// next_view answers what next() answers, with the body as a view into the decoder's buffer
// that stays intact until the next call (a frame after it in the same feed included).
TEST(FrameDecoderTest, nextView_viewsStayValidUntilTheNextCall) {
  FrameDecoder decoder;
  decoder.feed(stream_of(samples()));
  for (const Sample& s : samples()) {
    Result<FrameView> f = decoder.next_view();
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    EXPECT_EQ(f.value().type, s.type);
    EXPECT_EQ(f.value().body, s.body);
  }
  EXPECT_EQ(decoder.buffered(), 0u);
  EXPECT_EQ(decoder.next_view().status().code(), Code::kUnavailable);
  // A frame split across feeds: incomplete, then whole; errors repeat as next()'s do.
  const std::string f = encode_frame(FrameType::kRaft, "0123456789");
  decoder.feed(f.substr(0, 30));
  EXPECT_EQ(decoder.next_view().status().code(), Code::kUnavailable);
  decoder.feed(f.substr(30));
  Result<FrameView> whole = decoder.next_view();
  ASSERT_TRUE(whole.is_ok());
  EXPECT_EQ(whole.value().body, "0123456789");
  std::string bad = f;
  bad[0] = 'X';
  decoder.feed(bad);
  EXPECT_EQ(decoder.next_view().status().code(), Code::kInvalidArgument);
  EXPECT_EQ(decoder.next_view().status().code(), Code::kInvalidArgument);
}

TEST(FrameDecoderTest, next_incompleteHeaderOrBodyIsUnavailableAndConsumesNothing) {
  const std::string f = encode_frame(FrameType::kRaft, "0123456789");
  for (std::size_t n = 0; n < f.size(); ++n) {
    FrameDecoder decoder;
    decoder.feed(f.substr(0, n));
    Result<Frame> r = decoder.next();
    ASSERT_FALSE(r.is_ok()) << n;
    EXPECT_EQ(r.status().code(), Code::kUnavailable) << n;
    EXPECT_EQ(decoder.buffered(), n);
    decoder.feed(f.substr(n));
    Result<Frame> whole = decoder.next();
    ASSERT_TRUE(whole.is_ok()) << n << ": " << whole.status().to_string();
    EXPECT_EQ(whole.value().body, "0123456789");
  }
}

TEST(FrameDecoderTest, next_oneByteAtATime) {
  const std::string stream = stream_of(samples());
  FrameDecoder decoder;
  std::vector<Sample> got;
  for (char c : stream) {
    decoder.feed(std::string_view(&c, 1));
    for (Sample& s : drain(decoder)) {
      got.push_back(std::move(s));
    }
  }
  expect_same(got, samples());
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FrameDecoderTest, next_splitAtEveryByteBoundary) {
  const std::string stream = stream_of(samples());
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    FrameDecoder decoder;
    decoder.feed(std::string_view(stream).substr(0, cut));
    std::vector<Sample> got = drain(decoder);
    decoder.feed(std::string_view(stream).substr(cut));
    for (Sample& s : drain(decoder)) {
      got.push_back(std::move(s));
    }
    expect_same(got, samples());
  }
}

TEST(FrameDecoderTest, next_randomChunkSizes) {
  const std::string stream = stream_of(samples());
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    base::Prng prng(seed);
    FrameDecoder decoder;
    std::vector<Sample> got;
    for (std::size_t pos = 0; pos < stream.size();) {
      const std::size_t n = prng.range(1, prng.chance(1, 4) ? 4000 : 40);
      decoder.feed(std::string_view(stream).substr(pos, n));
      pos += n;
      for (Sample& s : drain(decoder)) {
        got.push_back(std::move(s));
      }
    }
    expect_same(got, samples());
    EXPECT_EQ(decoder.buffered(), 0u) << "seed " << seed;
  }
}

// Many frames through one decoder, fed in large chunks so that each feed leaves a partial
// frame behind: the buffer is compacted between frames and nothing is lost or duplicated.
TEST(FrameDecoderTest, next_longStreamThroughOneDecoder) {
  base::Prng prng(7);
  std::vector<Sample> want;
  std::string stream;
  for (int i = 0; i < 5000; ++i) {
    Sample s{FrameType::kRaft, std::string(prng.uniform(300), static_cast<char>('a' + i % 26))};
    stream += encode_frame(s.type, s.body);
    want.push_back(std::move(s));
  }
  FrameDecoder decoder;
  std::vector<Sample> got;
  for (std::size_t pos = 0; pos < stream.size();) {
    const std::size_t n = prng.range(1, 100'000);
    decoder.feed(std::string_view(stream).substr(pos, n));
    pos += n;
    for (Sample& s : drain(decoder)) {
      got.push_back(std::move(s));
    }
  }
  expect_same(got, want);
}

TEST(FrameDecoderTest, next_badMagicIsInvalid) {
  std::string f = encode_frame(FrameType::kRaft, "x");
  f[0] = 'G';
  reseal(f);
  const Status s = decode_one(f);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("magic"), std::string::npos) << s.message();
}

TEST(FrameDecoderTest, next_unsupportedVersionNamesBothVersions) {
  std::string f = encode_frame(FrameType::kRaft, "x");
  f[4] = 1;  // a node of wire 1 (builds before 2026-12-04)
  reseal(f);
  const Status s = decode_one(f);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("unsupported protocol version 1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("speaks version 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Upgrades"), std::string::npos) << s.message();
  f[4] = 3;  // a newer major
  reseal(f);
  EXPECT_NE(decode_one(f).message().find("version 3"), std::string::npos);

  f = encode_frame(FrameType::kRaft, "x");
  f[5] = 1;  // version 258
  reseal(f);
  EXPECT_NE(decode_one(f).message().find("version 258"), std::string::npos);
}

TEST(FrameDecoderTest, next_unknownFrameTypeIsInvalid) {
  for (int type : {0, 7, 8, 255}) {
    std::string f = encode_frame(FrameType::kRaft, "x");
    f[6] = static_cast<char>(type);
    reseal(f);
    const Status s = decode_one(f);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << type;
    EXPECT_NE(s.message().find("frame type " + std::to_string(type)), std::string::npos)
        << s.message();
  }
}

TEST(FrameDecoderTest, next_nonZeroReservedFieldIsInvalid) {
  for (std::size_t at : {7, 12, 13, 14, 15}) {
    std::string f = encode_frame(FrameType::kRaft, "x");
    f[at] = 1;
    reseal(f);
    const Status s = decode_one(f);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << at;
    EXPECT_NE(s.message().find("reserved"), std::string::npos) << s.message();
  }
}

TEST(FrameDecoderTest, next_lengthOverLimitIsRefusedFromTheHeaderAlone) {
  const std::string f = encode_frame(FrameType::kRaft, std::string(101, 'b'));
  FrameDecoder decoder(100);
  decoder.feed(f.substr(0, kFrameHeaderSize));  // no body yet: refused without waiting
  Result<Frame> r = decoder.next();
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("101"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("100"), std::string::npos) << r.status().message();
  EXPECT_EQ(decoder.buffered(), kFrameHeaderSize);

  // A length field of 4 GiB - 1 with the default limit: refused, nothing sized by it.
  std::string huge = encode_frame(FrameType::kRaft, "");
  base::store_u64(huge.data() + 8, 0xffffffffull);  // length u32 and reserved u32 = 0
  reseal(huge);
  EXPECT_EQ(decode_one(huge, kDefaultMaxFrameBytes).code(), Code::kInvalidArgument);
}

TEST(FrameDecoderTest, next_lengthAtLimitIsAccepted) {
  EXPECT_TRUE(decode_one(encode_frame(FrameType::kRaft, std::string(100, 'b')), 100).is_ok());
  EXPECT_TRUE(decode_one(encode_frame(FrameType::kRaft, ""), 0).is_ok());
  EXPECT_EQ(decode_one(encode_frame(FrameType::kRaft, "b"), 0).code(), Code::kInvalidArgument);
}

TEST(FrameDecoderTest, next_checksumMismatchIsCorruption) {
  std::string f = encode_frame(FrameType::kRaft, "payload");
  f.back() ^= 0x01;
  const Status s = decode_one(f);
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.message();

  // A frame whose type was changed to another valid one: the checksum covers the header.
  f = encode_frame(FrameType::kRaft, "payload");
  f[6] = static_cast<char>(FrameType::kHello);
  EXPECT_EQ(decode_one(f).code(), Code::kCorruption);
}

TEST(FrameDecoderTest, next_errorConsumesNothingAndRepeats) {
  const std::string good = encode_frame(FrameType::kHello, "a");
  std::string bad = encode_frame(FrameType::kRaft, "b");
  bad.back() ^= 0x40;
  FrameDecoder decoder;
  decoder.feed(good + bad + good);
  ASSERT_TRUE(decoder.next().is_ok());
  const std::size_t left = decoder.buffered();
  EXPECT_EQ(left, bad.size() + good.size());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(decoder.next().status().code(), Code::kCorruption);
    EXPECT_EQ(decoder.buffered(), left);
  }
}

// A single flipped bit anywhere is detected: an error, or (only for a flip in the length
// field that makes the frame look longer) kUnavailable. Never a frame, with or without
// another valid frame behind it.
TEST(FrameDecoderTest, next_flippedBitAnywhereIsDetected) {
  for (const Sample& s : samples()) {
    const std::string f = encode_frame(s.type, s.body);
    const std::string tail = encode_frame(FrameType::kRaft, std::string(40, 't'));
    for (std::size_t bit = 0; bit < f.size() * 8; ++bit) {
      std::string flipped = f;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      for (const std::string& stream : {flipped, flipped + tail}) {
        FrameDecoder decoder(1 << 20);
        decoder.feed(stream);
        Result<Frame> r = decoder.next();
        ASSERT_FALSE(r.is_ok()) << "bit " << bit << " of a " << f.size() << "-byte frame";
        if (r.status().code() == Code::kUnavailable) {
          EXPECT_GE(bit / 8, 8u) << bit;
          EXPECT_LT(bit / 8, 12u) << bit;
        }
      }
    }
  }
}

}  // namespace
}  // namespace helios::wire
