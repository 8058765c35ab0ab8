#pragma once
// Internal to src/resp: what both parsers share. InputBuffer holds the bytes received and
// not yet consumed, and remembers how far the line at its front has been searched, so that
// a line arriving in many small pieces is looked at once, not once per piece; BulkReader
// moves a bulk string's bytes out of it as they arrive (the parsers are O(total bytes)
// however the input is split); parse_int64 and check_bulk_length judge header lines.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "resp/limits.h"

namespace helios::resp::internal {

// The value of `text` if it is a canonical decimal int64 as Redis's string2ll decides (an
// optional '-', digits without a leading zero unless the text is "0", no "-0", no '+', no
// spaces, within int64); otherwise nullopt.
std::optional<std::int64_t> parse_int64(std::string_view text);

// What a search for the line at the front of the buffer found.
enum class LineEnd {
  kFound,       // the line is pending()[0, length); its terminator follows
  kIncomplete,  // no terminator yet, and the line is still within the limit: feed more
  kTooLong,     // the line is (or will be, whatever follows) longer than the limit
  kBadEnd,      // find_crlf_line only: the line's first CR is followed by a byte other than LF
};

struct LineScan {
  LineEnd end = LineEnd::kIncomplete;
  std::size_t length = 0;  // with kFound and kBadEnd: the bytes before the terminator
};

enum class CrlfEnd { kPresent, kMissing, kNeedMore };

// Not thread-safe; one per parser. Invariant: consumed_ <= end_ <= capacity_, and the first
// scanned_ pending bytes hold no scan_byte_. Memory: consumed bytes are released once they
// are at least half of the bytes held, so the buffer stays within twice the pending bytes
// plus the room last asked for by prepare() (an emptied buffer keeps at most 1 MiB).
class InputBuffer {
 public:
  void append(std::string_view bytes);
  // Room for up to n bytes after the pending ones, to be written in place (a socket read
  // straight into the buffer), then commit(k) for the k <= n written. Nothing else may be
  // called on the buffer in between.
  char* prepare(std::size_t n);
  void commit(std::size_t n);

  std::string_view pending() const {
    return std::string_view(bytes_.get() + consumed_, end_ - consumed_);
  }
  std::size_t size() const { return end_ - consumed_; }
  bool empty() const { return size() == 0; }

  // Drops the first n pending bytes (n <= size()) and starts a new line search.
  void consume(std::size_t n);

  // The line at the front, ended by the first `terminator` byte. kTooLong when more than
  // max_length bytes precede the terminator, decided from the bytes alone: with no
  // terminator yet it is kTooLong as soon as more than max_length bytes are pending, so the
  // answer never depends on how the input was split.
  LineScan find_line(char terminator, std::size_t max_length);

  // As find_line for a line ended by CR, then also needing the byte after the CR: kFound if
  // it is LF (length excludes the CR), kBadEnd if it is anything else.
  LineScan find_crlf_line(std::size_t max_length);

  // Moves min(remaining, size()) pending bytes to the end of `dest` and consumes them;
  // returns how many. `dest` is expected to reach dest.size() + remaining bytes: its capacity
  // grows geometrically with what has arrived, never beyond that final size, so a declared
  // length is never allocated before its bytes come.
  std::size_t take(std::string& dest, std::size_t remaining);

  // Consumes "\r\n" at the front if it is there.
  CrlfEnd take_crlf();

 private:
  void compact();
  // Makes room for n bytes after end_: moves the pending bytes to the front, or to a larger
  // buffer.
  void reserve(std::size_t n);

  // bytes_[consumed_, end_) are the pending bytes; allocated without being zeroed
  std::unique_ptr<char[]> bytes_;
  std::size_t capacity_ = 0;
  std::size_t end_ = 0;
  std::size_t prepared_ = 0;  // the room the last prepare() gave, until commit()
  std::size_t consumed_ = 0;
  std::size_t scanned_ = 0;  // pending()[0, scanned_) holds no scan_byte_
  char scan_byte_ = '\0';    // the terminator the current line search looks for
};

// What both parsers say when a bulk string's bytes are not followed by CRLF (Redis does not
// check: it skips two bytes, whatever they are).
inline constexpr std::string_view kBulkWithoutCrlf =
    "Protocol error: bulk data not followed by CRLF";

enum class BulkLengthCheck {
  kOk,
  kInvalid,    // not a canonical integer, negative, or over max_bulk_bytes
  kOverTotal,  // within max_bulk_bytes, but the request's (value's) bulks would pass
               // max_request_bytes
};

struct BulkLength {
  BulkLengthCheck check = BulkLengthCheck::kInvalid;
  std::size_t bytes = 0;  // with kOk: the length
};

// `text` (the digits of a "$<len>" line) as the length of a bulk string, `used` bulk bytes of
// the same request or value being declared already (used <= max_request_bytes).
BulkLength check_bulk_length(std::string_view text, const ParserLimits& limits, std::size_t used);

enum class BulkEnd { kComplete, kNeedMore, kMissingCrlf };

// One bulk string being received: its bytes, then the "\r\n" after them, over as many calls
// as they take to arrive.
class BulkReader {
 public:
  void start(std::size_t length) { remaining_ = length; }

  // Moves the bytes that have arrived to the end of `dest` (InputBuffer::take: `dest` grows
  // with them, never past its final size), then takes the CRLF once they are all in.
  BulkEnd read(InputBuffer& input, std::string& dest);

 private:
  std::size_t remaining_ = 0;  // bytes still to come before the CRLF
};

}  // namespace helios::resp::internal
