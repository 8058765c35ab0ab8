#include "wire/frame.h"

#include <cstring>

#include "base/assert.h"
#include "base/bytes.h"
#include "base/checksum.h"

namespace helios::wire {

namespace {

// Offsets in the 24-byte header (frame.h).
constexpr std::size_t kVersionOffset = 4;
constexpr std::size_t kTypeOffset = 6;
constexpr std::size_t kReserved8Offset = 7;
constexpr std::size_t kLengthOffset = 8;
constexpr std::size_t kReserved32Offset = 12;
constexpr std::size_t kChecksumOffset = 16;
static_assert(kChecksumOffset + 8 == kFrameHeaderSize);

// The checksum's seed: zero, so the header's checksum is the plain XXH3-64 of bytes 0..15
// and the stored value is base::checksum64(head, body, 0) as frame.h documents.
constexpr std::uint64_t kFrameChecksumSeed = 0;

// An emptied buffer keeps at most this much capacity: one large frame does not pin its size
// for the life of the connection.
constexpr std::size_t kRetainedCapacityBytes = 1u << 20;

// The protocol's highest frame type; types above it are refused.
constexpr std::uint8_t kMaxFrameType = static_cast<std::uint8_t>(FrameType::kSnapshotChunk);

std::uint16_t load_u16(const char* p) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) |
                                    (static_cast<unsigned char>(p[1]) << 8));
}

std::uint64_t frame_checksum(std::string_view header, std::string_view body) {
  HELIOS_ASSERT(header.size() == kFrameHeaderSize);
  return base::checksum64(header.substr(0, kChecksumOffset), body, kFrameChecksumSeed);
}

Status invalid(std::string why) {
  return Status(Code::kInvalidArgument, std::move(why));
}

// Validates the header's fixed fields; returns the body length. Reads nothing but `header`.
Result<std::uint32_t> check_header(std::string_view header, std::uint32_t max_frame_bytes) {
  HELIOS_ASSERT(header.size() == kFrameHeaderSize);
  if (std::memcmp(header.data(), kFrameMagic, sizeof(kFrameMagic)) != 0) {
    return invalid("bad frame magic (not a Helios peer stream)");
  }
  // The version first: a later version may lay out the remaining fields differently.
  const std::uint16_t version = load_u16(header.data() + kVersionOffset);
  if (version != kProtocolVersion) {
    return invalid("unsupported protocol version " + std::to_string(version) +
                   " (this node speaks version " + std::to_string(kProtocolVersion) +
                   "; nodes of two wire major versions cannot talk: docs/operations.md, "
                   "\"Upgrades\")");
  }
  const auto type = static_cast<std::uint8_t>(header[kTypeOffset]);
  if (type == 0 || type > kMaxFrameType) {
    return invalid("unknown frame type " + std::to_string(type));
  }
  if (header[kReserved8Offset] != 0 || base::load_u32(header.data() + kReserved32Offset) != 0) {
    return invalid("non-zero reserved field in a frame header");
  }
  const std::uint32_t length = base::load_u32(header.data() + kLengthOffset);
  if (length > max_frame_bytes) {
    return invalid("frame body of " + std::to_string(length) + " bytes exceeds the limit of " +
                   std::to_string(max_frame_bytes) + " bytes");
  }
  return length;
}

}  // namespace

std::string encode_frame(FrameType type, std::string_view body) {
  std::string out;
  out.reserve(kFrameHeaderSize + body.size());
  out.resize(kFrameHeaderSize);
  out.append(body);
  seal_frame(type, out);
  return out;
}

namespace {

// Writes the header of a frame of `type` with a body of `body_size` bytes over the first
// kFrameHeaderSize bytes at `at`; `body_checksum(header)` gives the body's checksum seeded
// by the header's first 16 bytes.
template <typename BodyChecksum>
void write_header(char* at, FrameType type, std::size_t body_size, BodyChecksum body_checksum) {
  const auto type_byte = static_cast<std::uint8_t>(type);
  HELIOS_ASSERT(type_byte >= 1);
  HELIOS_ASSERT(type_byte <= kMaxFrameType);
  HELIOS_ASSERT(body_size <= UINT32_MAX);
  // Built in place: no allocation per frame.
  std::memcpy(at, kFrameMagic, sizeof(kFrameMagic));
  at[4] = static_cast<char>(kProtocolVersion & 0xff);
  at[5] = static_cast<char>(kProtocolVersion >> 8);
  at[6] = static_cast<char>(type_byte);
  at[7] = 0;
  const auto length = static_cast<std::uint32_t>(body_size);
  for (int i = 0; i < 4; ++i) {
    at[8 + i] = static_cast<char>(length >> (8 * i));
    at[12 + i] = 0;
  }
  base::store_u64(at + kChecksumOffset, 0);  // stored below once the rest is in place
  base::store_u64(at + kChecksumOffset, body_checksum(std::string_view(at, kFrameHeaderSize)));
}

}  // namespace

void seal_frame(FrameType type, std::string& frame) {
  HELIOS_ASSERT(frame.size() >= kFrameHeaderSize);
  const std::string_view body = std::string_view(frame).substr(kFrameHeaderSize);
  write_header(frame.data(), type, body.size(),
               [body](std::string_view header) { return frame_checksum(header, body); });
}

void seal_frame(FrameType type, base::GatherBuffer& frame) {
  HELIOS_ASSERT(frame.bytes().size() >= kFrameHeaderSize);
  write_header(frame.bytes().data(), type, frame.size() - kFrameHeaderSize,
               [&frame](std::string_view header) {
                 // frame_checksum's value, over the body's pieces.
                 base::Checksum64Stream& sum = base::Checksum64Stream::for_this_thread(
                     base::checksum64(header.substr(0, kChecksumOffset), kFrameChecksumSeed));
                 frame.for_each_piece([&sum](std::string_view piece) { sum.update(piece); },
                                      kFrameHeaderSize);
                 return sum.digest();
               });
}

Result<Frame> FrameDecoder::next() {
  Result<FrameView> view = next_view();
  if (!view.is_ok()) {
    return view.status();
  }
  return Frame{view.value().type, std::string(view.value().body)};
}

Result<FrameView> FrameDecoder::next_view() {
  compact();  // what the previous frame consumed (its view ends here)
  HELIOS_ASSERT(consumed_ <= buffer_.size());
  const std::string_view pending = std::string_view(buffer_).substr(consumed_);
  if (pending.size() < kFrameHeaderSize) {
    return Status(Code::kUnavailable, "incomplete frame header");
  }
  const std::string_view header = pending.substr(0, kFrameHeaderSize);
  Result<std::uint32_t> length = check_header(header, max_frame_bytes_);
  if (!length.is_ok()) {
    return length.status();
  }
  if (pending.size() - kFrameHeaderSize < length.value()) {
    return Status(Code::kUnavailable, "incomplete frame body");
  }
  const std::string_view body = pending.substr(kFrameHeaderSize, length.value());
  if (frame_checksum(header, body) != base::load_u64(header.data() + kChecksumOffset)) {
    return Status(Code::kCorruption,
                  "frame checksum mismatch (" + std::to_string(body.size()) + "-byte body)");
  }

  const FrameView frame{static_cast<FrameType>(header[kTypeOffset]), body};
  consumed_ += kFrameHeaderSize + body.size();
  return frame;
}

// Releases the consumed prefix once it is at least half the buffer: memory stays within twice
// the unconsumed bytes, and each byte is moved O(1) times on average (a fixed threshold alone
// would move a large pending tail again after every few small frames).
void FrameDecoder::compact() {
  HELIOS_ASSERT(consumed_ <= buffer_.size());
  if (consumed_ == buffer_.size()) {
    if (buffer_.capacity() > kRetainedCapacityBytes) {
      std::string().swap(buffer_);
    }
    buffer_.clear();
    consumed_ = 0;
  } else if (consumed_ >= buffer_.size() - consumed_) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  HELIOS_ASSERT(consumed_ <= buffer_.size() - consumed_);
}

}  // namespace helios::wire
