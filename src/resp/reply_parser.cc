#include "resp/reply_parser.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "base/assert.h"

namespace helios::resp {

namespace {

using internal::LineEnd;
using internal::LineScan;

// At most this many elements are reserved ahead of their arrival.
constexpr std::size_t kElementsReservedAhead = 1024;

// Text that parses fully as a floating-point number ("1.5", "-2e10", "inf", "nan"...), with
// the optional '+' RESP3 allows. An out-of-range magnitude still counts: it is a number.
bool is_double_text(std::string_view text) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && text.front() == '-') {
      return false;
    }
  }
  if (text.empty()) {
    return false;
  }
  double value = 0;
  const char* end = text.data() + text.size();
  const std::from_chars_result r =
      std::from_chars(text.data(), end, value, std::chars_format::general);
  return r.ptr == end && (r.ec == std::errc() || r.ec == std::errc::result_out_of_range);
}

// An optional '-' then at least one decimal digit.
bool is_big_number_text(std::string_view text) {
  if (!text.empty() && text.front() == '-') {
    text.remove_prefix(1);
  }
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Value::Type aggregate_type(char type) {
  switch (type) {
    case '%':
    case '|':  // an attribute: a map that is dropped
      return Value::Type::kMap;
    case '~':
      return Value::Type::kSet;
    case '>':
      return Value::Type::kPush;
    default:
      HELIOS_ASSERT(type == '*');
      return Value::Type::kArray;
  }
}

}  // namespace

ReplyParser::ReplyParser(ParserLimits limits) : limits_(limits) {}

void ReplyParser::feed(std::string_view bytes) {
  if (state_ != State::kError) {
    input_.append(bytes);
  }
}

ParseStatus ReplyParser::next(Value& out) {
  // Each step consumes bytes or changes state, so the loop ends.
  Step result = step();
  while (result == Step::kProgress) {
    result = step();
  }
  if (result == Step::kValue) {
    HELIOS_ASSERT(stack_.empty());
    out = std::exchange(result_, Value{});
    return ParseStatus::kRequest;
  }
  HELIOS_ASSERT((result == Step::kError) == (state_ == State::kError));
  return result == Step::kError ? ParseStatus::kError : ParseStatus::kNeedMore;
}

ReplyParser::Step ReplyParser::step() {
  if (state_ == State::kError) {
    return Step::kError;
  }
  return state_ == State::kHeader ? parse_header() : read_bulk();
}

ReplyParser::Step ReplyParser::parse_header() {
  const LineScan line = input_.find_crlf_line(limits_.max_inline_bytes);
  switch (line.end) {
    case LineEnd::kIncomplete:
      return Step::kNeedMore;
    case LineEnd::kTooLong:
      return fail("Protocol error: too big reply line");
    case LineEnd::kBadEnd:
      return fail("Protocol error: CR not followed by LF in a reply line");
    case LineEnd::kFound:
      break;
  }
  const std::string_view bytes = input_.pending();
  const char type = bytes.front();  // the CR itself when the line is empty
  const std::string_view text = line.length > 0 ? bytes.substr(1, line.length - 1) : "";
  Step result = Step::kError;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case '#':
    case ',':
    case '(':
      result = parse_line_value(type, text);
      break;
    case '$':
    case '!':
    case '=':
      result = start_bulk(type, text);
      break;
    case '*':
    case '%':
    case '~':
    case '>':
    case '|':
      result = start_aggregate(type, text);
      break;
    default:
      return fail("Protocol error: invalid reply type byte " + repr(std::string_view(&type, 1)));
  }
  // `text` views the buffer: the line is consumed only once it has been read.
  if (result != Step::kError) {
    input_.consume(line.length + 2);
  }
  return result;
}

ReplyParser::Step ReplyParser::parse_line_value(char type, std::string_view text) {
  Value v;
  switch (type) {
    case '+':
      v.type = Value::Type::kSimple;
      v.str = text;
      break;
    case '-':
      v.type = Value::Type::kError;
      v.str = text;
      break;
    case ':': {
      const std::optional<std::int64_t> n = internal::parse_int64(text);
      if (!n.has_value()) {
        return fail("Protocol error: invalid integer reply");
      }
      v.type = Value::Type::kInteger;
      v.integer = *n;
      break;
    }
    case '_':
      if (!text.empty()) {
        return fail("Protocol error: invalid null reply");
      }
      break;
    case '#':
      if (text != "t" && text != "f") {
        return fail("Protocol error: invalid boolean reply");
      }
      v.type = Value::Type::kBool;
      v.integer = text == "t" ? 1 : 0;
      break;
    case ',':
      if (!is_double_text(text)) {
        return fail("Protocol error: invalid double reply");
      }
      v.type = Value::Type::kDouble;
      v.str = text;
      break;
    default:
      HELIOS_ASSERT(type == '(');
      if (!is_big_number_text(text)) {
        return fail("Protocol error: invalid big number reply");
      }
      v.type = Value::Type::kBigNumber;
      v.str = text;
      break;
  }
  return complete(std::move(v));
}

ReplyParser::Step ReplyParser::start_bulk(char type, std::string_view text) {
  if (text == "?") {
    return fail("Protocol error: streamed strings are not supported");
  }
  if (type == '$' && text == "-1") {
    return complete(Value{});  // RESP2's null bulk string
  }
  const internal::BulkLength length = internal::check_bulk_length(text, limits_, value_bytes_);
  if (length.check == internal::BulkLengthCheck::kInvalid) {
    return fail("Protocol error: invalid bulk length");
  }
  if (length.check == internal::BulkLengthCheck::kOverTotal) {
    return fail("Protocol error: reply too big");
  }
  value_bytes_ += length.bytes;
  bulk_ = Value{};
  bulk_.type = type == '$'   ? Value::Type::kBulk
               : type == '!' ? Value::Type::kError
                             : Value::Type::kVerbatim;
  bulk_reader_.start(length.bytes);
  state_ = State::kBulk;
  return Step::kProgress;
}

ReplyParser::Step ReplyParser::start_aggregate(char type, std::string_view text) {
  if (text == "?") {
    return fail("Protocol error: streamed aggregates are not supported");
  }
  const std::optional<std::int64_t> count = internal::parse_int64(text);
  if (count.has_value() && *count == -1 && type == '*') {
    return complete(Value{});  // RESP2's null array
  }
  if (!count.has_value() || *count < 0 || static_cast<std::uint64_t>(*count) > limits_.max_args) {
    return fail("Protocol error: invalid multibulk length");
  }
  if (stack_.size() >= kMaxReplyDepth) {
    return fail("Protocol error: replies nested more than " + std::to_string(kMaxReplyDepth) +
                " levels deep");
  }
  Frame frame;
  frame.value.type = aggregate_type(type);
  frame.attribute = type == '|';
  const bool pairs = type == '%' || type == '|';
  // A count within int64 doubled still fits in size_t (64 bits).
  frame.remaining = static_cast<std::size_t>(*count) * (pairs ? 2 : 1);
  if (frame.remaining == 0) {
    return frame.attribute ? Step::kProgress : complete(std::move(frame.value));
  }
  frame.value.elements.reserve(std::min(frame.remaining, kElementsReservedAhead));
  stack_.push_back(std::move(frame));
  return Step::kProgress;
}

ReplyParser::Step ReplyParser::read_bulk() {
  const internal::BulkEnd end = bulk_reader_.read(input_, bulk_.str);
  if (end != internal::BulkEnd::kComplete) {
    const bool broken = end == internal::BulkEnd::kMissingCrlf;
    return broken ? fail(std::string(internal::kBulkWithoutCrlf)) : Step::kNeedMore;
  }
  if (bulk_.type == Value::Type::kVerbatim) {
    // "xxx:" names the format (txt, mkd); the value keeps only the text.
    if (bulk_.str.size() < 4 || bulk_.str[3] != ':') {
      return fail("Protocol error: invalid verbatim string");
    }
    bulk_.str.erase(0, 4);
  }
  state_ = State::kHeader;
  return complete(std::exchange(bulk_, Value{}));
}

// A value is finished: it becomes the next element of the innermost open aggregate, which
// is finished in turn when that was its last element, and so on outwards.
ReplyParser::Step ReplyParser::complete(Value v) {
  while (!stack_.empty()) {
    Frame& top = stack_.back();
    HELIOS_ASSERT(top.remaining > 0);
    top.value.elements.push_back(std::move(v));
    top.remaining -= 1;
    if (top.remaining > 0) {
      return Step::kProgress;
    }
    Frame done = std::move(top);
    stack_.pop_back();
    if (done.attribute) {
      return Step::kProgress;  // dropped: the value it describes comes next
    }
    v = std::move(done.value);
  }
  result_ = std::move(v);
  value_bytes_ = 0;
  return Step::kValue;
}

ReplyParser::Step ReplyParser::fail(std::string message) {
  HELIOS_ASSERT(state_ != State::kError);
  state_ = State::kError;
  error_ = std::move(message);
  stack_.clear();
  return Step::kError;
}

}  // namespace helios::resp
