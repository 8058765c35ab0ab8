#pragma once
// The named limits of the RESP parsers (architecture.md coding habit 7). One ParserLimits
// configures a RequestParser (server side) or a ReplyParser (client side); both refuse input beyond
// a limit with a protocol error as soon as the offending header or line is complete, and never size
// an allocation by a length the peer declares beyond what has arrived.

#include <cstddef>

namespace helios::resp {

struct ParserLimits {
  // One bulk string ("$<len>"): Redis's proto-max-bulk-len.
  std::size_t max_bulk_bytes = 32u << 20;
  // Elements of one multibulk request ("*<n>"); for replies, of one aggregate (a map counts
  // its pairs).
  std::size_t max_args = 1u << 20;
  // One line without its terminator: an inline command, a "*<n>" or "$<len>" header, a simple
  // string or error reply. Redis: PROTO_INLINE_MAX_SIZE (64 KiB).
  std::size_t max_inline_bytes = 64u << 10;
  // The bulk bytes of one request (or one reply value) together, counted as declared.
  std::size_t max_request_bytes = 64u << 20;
};

}  // namespace helios::resp
