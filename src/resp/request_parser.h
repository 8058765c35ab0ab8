#pragma once
// RequestParser: client requests taken out of a byte stream fed in arbitrary pieces, as
// Redis 7 reads them (networking.c, processMultibulkBuffer and processInlineBuffer).
//
// A request that starts with '*' is a multibulk: "*<n>\r\n", then n times
// "$<len>\r\n<len bytes>\r\n". Anything else is an inline command: one line ended by "\n"
// (a "\r" before it is dropped), split by split_args (split_args.h). Requests of no
// arguments ("*0", "*-1", a negative count, a blank line) are skipped, as Redis does.
//
// Errors (error() holds the text Redis sends after "-ERR "):
//   "Protocol error: invalid multibulk length"    count not a canonical integer, or over
//                                                  max_args
//   "Protocol error: expected '$', got 'X'"       an argument header not starting with '$'
//   "Protocol error: invalid bulk length"         length not a canonical integer, negative,
//                                                  or over max_bulk_bytes
//   "Protocol error: bulk data not followed by CRLF"  (Redis skips the two bytes unchecked)
//   "Protocol error: request too big"             the request's bulk lengths together over
//                                                  max_request_bytes
//   "Protocol error: too big mbulk count string"  a "*" line longer than max_inline_bytes
//   "Protocol error: too big bulk count string"   a "$" line longer than max_inline_bytes
//   "Protocol error: too big inline request"      an inline line longer than max_inline_bytes
//   "Protocol error: unbalanced quotes in request"
// A header line must end in "\r\n" (a CR followed by anything else is one of the "invalid
// ... length" errors). Every limit is decided from the bytes alone, as soon as the offending
// line is long enough to tell, so the outcome never depends on how the stream was split (a
// line with its terminator already in the buffer is held to the same limit as one still
// arriving; Redis checks the limit only in the second case).
//
// Incremental: state is kept between calls; a line is searched once however it arrives, and
// a bulk string's bytes are moved into its argument as they come, so the work is O(total
// bytes). Memory: an argument grows with its bytes received, never to a declared length
// ahead of them; the argument vector is reserved for at most 1024 entries ahead (as Redis).
// A caller that drains next() after each feed() holds at most one request within the limits
// plus one read's worth of bytes.
//
// One parser per connection; not thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "resp/input_buffer.h"
#include "resp/limits.h"

namespace helios::resp {

// The answer of next(), for RequestParser and ReplyParser alike.
enum class ParseStatus {
  kRequest,   // a whole request (ReplyParser: a whole value) was taken
  kNeedMore,  // what is buffered ends inside a request: feed more bytes
  kError,     // the stream is broken (error() says why); sticky: close the connection
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {});

  // Appends received bytes. After an error they are dropped (nothing more will be parsed).
  void feed(std::string_view bytes);
  // feed() without a copy: room for up to n bytes in the parser's own buffer, for a read to
  // write into, then commit(k) for the k bytes it wrote (as feed of them). Nothing else may
  // be called on the parser in between.
  char* prepare(std::size_t n) { return input_.prepare(n); }
  void commit(std::size_t n) { input_.commit(state_ == State::kError ? 0 : n); }

  // Takes the next whole request. kRequest: `argv` is cleared and filled with its arguments
  // (never zero of them); kNeedMore: feed more; kError: see error(), and every later call
  // answers kError again.
  ParseStatus next(std::vector<std::string>& argv);

  // Why the stream is broken, without the "-ERR " Redis puts before it; empty until kError.
  const std::string& error() const { return error_; }

  // Bytes received and not yet consumed (the bytes of a bulk being received count as
  // consumed once moved into its argument).
  std::size_t buffered() const { return input_.size(); }

  // No bytes pending and no request begun: the connection may close cleanly here.
  bool idle() const { return state_ == State::kIdle && input_.empty(); }

 private:
  enum class State {
    kIdle,        // between requests
    kBulkHeader,  // inside a multibulk, expecting "$<len>\r\n"
    kBulk,        // receiving args_.back() and the "\r\n" after it (bulk_)
    kError,
  };
  enum class Step {
    kNeedMore,  // nothing more can be done with the buffered bytes
    kProgress,  // a part of a request was taken; keep going
    kDone,      // a request ended: args_ holds it (empty for a skipped one); state_ is kIdle
    kError,     // state_ is kError and error_ says why
  };

  Step step();
  Step parse_inline();
  Step parse_count();
  Step parse_bulk_header();
  Step read_bulk();
  Step fail(std::string message);

  ParserLimits limits_;
  internal::InputBuffer input_;
  State state_ = State::kIdle;
  std::vector<std::string> args_;   // the request being taken
  std::size_t args_remaining_ = 0;  // arguments still to come, this one included
  internal::BulkReader bulk_;       // kBulk: args_.back() arriving
  std::size_t request_bytes_ = 0;   // bulk lengths declared so far in this request
  std::string error_;
};

}  // namespace helios::resp
