#pragma once
// Replies as a client reads them (helios-cli, tests): Value, one parsed RESP2 or RESP3
// reply, and ReplyParser, which takes whole values out of a byte stream fed in arbitrary
// pieces.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "resp/input_buffer.h"
#include "resp/limits.h"
#include "resp/request_parser.h"

namespace helios::resp {

// One reply. Only the fields of its type are meaningful; the others keep their defaults
// (so operator== compares parsed values meaningfully).
struct Value {
  enum class Type {
    kSimple,     // "+": str
    kError,      // "-" or RESP3 "!" (blob error): str, without the '-'
    kInteger,    // ":": integer
    kBulk,       // "$": str
    kNull,       // "$-1", "*-1" or RESP3 "_"
    kArray,      // "*": elements
    kMap,        // "%": elements as k1, v1, k2, v2...
    kSet,        // "~": elements
    kBool,       // "#": integer 0 or 1
    kDouble,     // ",": str, the text as received ("3.14", "inf", "nan"...)
    kBigNumber,  // "(": str, the digits as received
    kVerbatim,   // "=": str, the text without its "xxx:" format prefix
    kPush,       // ">": elements
  };
  Type type = Type::kNull;
  std::string str;
  std::int64_t integer = 0;
  std::vector<Value> elements;

  // redis-cli's rendering, for logs and tests: "OK", "(integer) 3", "\"v\"" (escaped like
  // repr()), "(nil)", "(error) ERR x", "(true)", "(double) 1.5", "(big number) 1", the
  // verbatim text as is, "(empty array)", and an aggregate's elements on numbered lines
  // ("1) ...", a set "1~ ...", a map "1# key => value"), nested ones indented. Lines are
  // joined by "\n", with no newline at the end.
  std::string to_string() const;

  // A value of `type` with the given fields (the others default): for tests, and for
  // building expected replies.
  static Value scalar(Type type, std::string str = "", std::int64_t number = 0);
  static Value aggregate(Type type, std::vector<Value> elements);

  bool operator==(const Value&) const = default;
};

// `bytes` quoted as redis-cli quotes a string: in double quotes, with \\ \" \n \r \t \a \b
// escaped and any other unprintable byte as \xHH.
std::string repr(std::string_view bytes);

// The deepest nesting of aggregates a ReplyParser accepts (an attribute counts as a level).
inline constexpr std::size_t kMaxReplyDepth = 64;

// Parses RESP2 and RESP3 as servers send them (what Redis 7 and Writer produce): every type
// of Value, RESP3 attributes ("|", parsed and dropped: the value after them is returned),
// and "!" blob errors. Not supported, and refused with an error: streamed strings and
// aggregates ("$?", "*?"). Lines must end in "\r\n".
//
// The limits: a line (simple string, error, header) of at most max_inline_bytes, a bulk
// of at most max_bulk_bytes, an aggregate of at most max_args elements (pairs for a map),
// the bulks of one value together at most max_request_bytes, and at most kMaxReplyDepth
// levels of nesting. As RequestParser (request_parser.h): incremental in O(total bytes),
// no allocation by a declared length ahead of the bytes, the same outcome however the input
// is split, errors sticky ("Protocol error: ..." in error()). One per connection; not
// thread-safe.
class ReplyParser {
 public:
  explicit ReplyParser(ParserLimits limits = {});

  // Appends received bytes; dropped after an error.
  void feed(std::string_view bytes);

  // kRequest: a whole value was taken into `out`; kNeedMore: feed more; kError: see error().
  // A "-ERR ..." reply is a value of type kError, not a parse error.
  ParseStatus next(Value& out);

  const std::string& error() const { return error_; }
  std::size_t buffered() const { return input_.size(); }
  // No bytes pending and no value begun.
  bool idle() const { return state_ == State::kHeader && stack_.empty() && input_.empty(); }

 private:
  enum class State {
    kHeader,  // expecting a type byte and its line
    kBulk,    // receiving bulk_.str and the "\r\n" after it (bulk_reader_)
    kError,
  };
  enum class Step { kNeedMore, kProgress, kValue, kError };

  // An aggregate being filled: `remaining` elements still to come (always > 0 on the stack).
  // An attribute's frame is dropped when complete instead of becoming an element.
  struct Frame {
    Value value;
    std::size_t remaining = 0;
    bool attribute = false;
  };

  Step step();
  Step parse_header();
  Step parse_line_value(char type, std::string_view text);
  Step start_bulk(char type, std::string_view text);
  Step start_aggregate(char type, std::string_view text);
  Step read_bulk();
  Step complete(Value v);
  Step fail(std::string message);

  ParserLimits limits_;
  internal::InputBuffer input_;
  State state_ = State::kHeader;
  std::vector<Frame> stack_;  // open aggregates, outermost first
  Value bulk_;                // kBulk: the string being received
  internal::BulkReader bulk_reader_;
  std::size_t value_bytes_ = 0;  // bulk lengths declared so far in this value
  Value result_;                 // the value complete() finished last
  std::string error_;
};

}  // namespace helios::resp
