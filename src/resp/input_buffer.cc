#include "resp/input_buffer.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "base/assert.h"

namespace helios::resp::internal {

namespace {

// The longest canonical int64, "-9223372036854775808".
constexpr std::size_t kMaxInt64Chars = 20;

// An emptied buffer keeps at most this much capacity: one large pipeline does not pin its
// size for the life of the connection.
constexpr std::size_t kRetainedCapacityBytes = 1u << 20;

}  // namespace

std::optional<std::int64_t> parse_int64(std::string_view text) {
  const std::size_t sign = !text.empty() && text.front() == '-' ? 1 : 0;
  if (text.size() == sign || text.size() > kMaxInt64Chars) {
    return std::nullopt;
  }
  // A leading zero is canonical only as the whole text "0" (so "-0" and "007" are refused).
  if (text[sign] == '0' && text.size() != 1) {
    return std::nullopt;
  }
  // from_chars refuses '+', spaces and out-of-range values; the whole text must be digits.
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const std::from_chars_result r = std::from_chars(text.data(), end, value);
  if (r.ec != std::errc() || r.ptr != end) {
    return std::nullopt;
  }
  return value;
}

void InputBuffer::append(std::string_view bytes) {
  reserve(bytes.size());
  if (!bytes.empty()) {
    std::memcpy(bytes_.get() + end_, bytes.data(), bytes.size());
  }
  end_ += bytes.size();
}

char* InputBuffer::prepare(std::size_t n) {
  reserve(n);
  prepared_ = n;
  return bytes_.get() + end_;
}

void InputBuffer::commit(std::size_t n) {
  HELIOS_ASSERT(n <= prepared_);
  end_ += n;
  prepared_ = 0;
}

void InputBuffer::reserve(std::size_t n) {
  HELIOS_ASSERT(end_ <= capacity_);
  if (capacity_ - end_ >= n) {
    return;
  }
  const std::size_t left = end_ - consumed_;
  if (capacity_ - left >= n && consumed_ >= left) {
    // Enough room once the consumed bytes are gone, and moving costs at most what they did.
    std::memmove(bytes_.get(), bytes_.get() + consumed_, left);
  } else {
    const std::size_t grown = std::max(left + n, 2 * capacity_);
    std::unique_ptr<char[]> bigger = std::make_unique_for_overwrite<char[]>(grown);
    if (left > 0) {
      std::memcpy(bigger.get(), bytes_.get() + consumed_, left);
    }
    bytes_ = std::move(bigger);
    capacity_ = grown;
  }
  consumed_ = 0;
  end_ = left;
}

void InputBuffer::consume(std::size_t n) {
  HELIOS_ASSERT(n <= size());
  consumed_ += n;
  scanned_ = 0;
  compact();
}

LineScan InputBuffer::find_line(char terminator, std::size_t max_length) {
  const std::string_view bytes = pending();
  if (terminator != scan_byte_) {
    scan_byte_ = terminator;
    scanned_ = 0;
  }
  HELIOS_ASSERT(scanned_ <= bytes.size());
  // (An emptied buffer holds no memory: its data() is null, which memchr must not see.)
  const void* hit = bytes.size() > scanned_
                        ? std::memchr(bytes.data() + scanned_, terminator, bytes.size() - scanned_)
                        : nullptr;
  if (hit == nullptr) {
    scanned_ = bytes.size();
    return {bytes.size() > max_length ? LineEnd::kTooLong : LineEnd::kIncomplete, 0};
  }
  const auto length = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes.data());
  scanned_ = length;  // found again at once by the next search, until consume()
  if (length > max_length) {
    return {LineEnd::kTooLong, 0};
  }
  return {LineEnd::kFound, length};
}

LineScan InputBuffer::find_crlf_line(std::size_t max_length) {
  LineScan line = find_line('\r', max_length);
  if (line.end != LineEnd::kFound) {
    return line;
  }
  const std::string_view bytes = pending();
  if (line.length + 1 >= bytes.size()) {
    return {LineEnd::kIncomplete, 0};
  }
  if (bytes[line.length + 1] != '\n') {
    line.end = LineEnd::kBadEnd;
  }
  return line;
}

std::size_t InputBuffer::take(std::string& dest, std::size_t remaining) {
  const std::size_t n = std::min(remaining, size());
  if (n == 0) {
    return 0;
  }
  const std::size_t final_size = dest.size() + remaining;
  if (dest.capacity() < dest.size() + n) {
    // std::string::reserve may round a growing capacity up to twice the old one, past
    // final_size: the bytes move to a new string reserved at exactly the capacity wanted.
    std::string grown;
    grown.reserve(std::min(final_size, std::max(dest.size() + n, 2 * dest.capacity())));
    grown.append(dest);
    dest.swap(grown);
  }
  dest.append(pending().substr(0, n));
  HELIOS_ASSERT(dest.capacity() >= dest.size());
  consume(n);
  return n;
}

CrlfEnd InputBuffer::take_crlf() {
  const std::string_view bytes = pending();
  if (bytes.size() < 2) {
    return CrlfEnd::kNeedMore;
  }
  if (bytes[0] != '\r' || bytes[1] != '\n') {
    return CrlfEnd::kMissing;
  }
  consume(2);
  return CrlfEnd::kPresent;
}

BulkLength check_bulk_length(std::string_view text, const ParserLimits& limits, std::size_t used) {
  HELIOS_ASSERT(used <= limits.max_request_bytes);
  const std::optional<std::int64_t> length = parse_int64(text);
  if (!length.has_value() || *length < 0 ||
      static_cast<std::uint64_t>(*length) > limits.max_bulk_bytes) {
    return {BulkLengthCheck::kInvalid, 0};
  }
  const auto bytes = static_cast<std::size_t>(*length);
  if (bytes > limits.max_request_bytes - used) {
    return {BulkLengthCheck::kOverTotal, 0};
  }
  return {BulkLengthCheck::kOk, bytes};
}

BulkEnd BulkReader::read(InputBuffer& input, std::string& dest) {
  remaining_ -= input.take(dest, remaining_);
  if (remaining_ > 0) {
    HELIOS_ASSERT(input.empty());
    return BulkEnd::kNeedMore;
  }
  switch (input.take_crlf()) {
    case CrlfEnd::kPresent:
      return BulkEnd::kComplete;
    case CrlfEnd::kMissing:
      return BulkEnd::kMissingCrlf;
    case CrlfEnd::kNeedMore:
      break;
  }
  return BulkEnd::kNeedMore;
}

// Releases the consumed prefix once it is at least half the buffer: memory stays within
// twice the pending bytes, and each byte is moved O(1) times on average.
void InputBuffer::compact() {
  HELIOS_ASSERT(consumed_ <= end_);
  const std::size_t left = end_ - consumed_;
  if (consumed_ < left) {
    return;
  }
  if (left == 0 && capacity_ > kRetainedCapacityBytes) {
    bytes_.reset();
    capacity_ = 0;
  } else if (left > 0) {
    std::memmove(bytes_.get(), bytes_.get() + consumed_, left);
  }
  consumed_ = 0;
  end_ = left;
}

}  // namespace helios::resp::internal
