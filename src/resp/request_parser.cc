#include "resp/request_parser.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "base/assert.h"
#include "resp/split_args.h"

namespace helios::resp {

namespace {

using internal::LineEnd;
using internal::LineScan;

// At most this many argument slots are reserved ahead of their arrival (Redis: 1024), so a
// declared count costs memory only as its arguments come.
constexpr std::size_t kArgsReservedAhead = 1024;

}  // namespace

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {}

void RequestParser::feed(std::string_view bytes) {
  if (state_ != State::kError) {
    input_.append(bytes);
  }
}

ParseStatus RequestParser::next(std::vector<std::string>& argv) {
  // Each step consumes bytes or changes state, so the loop ends. A request of no arguments
  // ("*0", a blank line) is skipped.
  Step result = step();
  while (result == Step::kProgress || (result == Step::kDone && args_.empty())) {
    result = step();
  }
  if (result != Step::kDone) {
    HELIOS_ASSERT((result == Step::kError) == (state_ == State::kError));
    return result == Step::kError ? ParseStatus::kError : ParseStatus::kNeedMore;
  }
  HELIOS_ASSERT(state_ == State::kIdle);
  argv.swap(args_);
  args_.clear();
  return ParseStatus::kRequest;
}

RequestParser::Step RequestParser::step() {
  switch (state_) {
    case State::kIdle:
      if (input_.empty()) {
        return Step::kNeedMore;
      }
      return input_.pending().front() == '*' ? parse_count() : parse_inline();
    case State::kBulkHeader:
      return parse_bulk_header();
    case State::kBulk:
      return read_bulk();
    case State::kError:
      return Step::kError;
  }
  HELIOS_ASSERT(false);
  return Step::kError;
}

RequestParser::Step RequestParser::parse_inline() {
  const LineScan line = input_.find_line('\n', limits_.max_inline_bytes);
  if (line.end == LineEnd::kTooLong) {
    return fail("Protocol error: too big inline request");
  }
  if (line.end == LineEnd::kIncomplete) {
    return Step::kNeedMore;
  }
  HELIOS_ASSERT(line.end == LineEnd::kFound);
  std::string_view text = input_.pending().substr(0, line.length);
  if (!text.empty() && text.back() == '\r') {
    text.remove_suffix(1);
  }
  std::optional<std::vector<std::string>> args = split_args(text);
  if (!args.has_value()) {
    return fail("Protocol error: unbalanced quotes in request");
  }
  input_.consume(line.length + 1);
  args_ = std::move(*args);
  return Step::kDone;
}

RequestParser::Step RequestParser::parse_count() {
  const LineScan line = input_.find_crlf_line(limits_.max_inline_bytes);
  if (line.end == LineEnd::kTooLong) {
    return fail("Protocol error: too big mbulk count string");
  }
  if (line.end == LineEnd::kIncomplete) {
    return Step::kNeedMore;
  }
  HELIOS_ASSERT(line.length >= 1);  // the '*' is not a CR
  const std::optional<std::int64_t> count =
      internal::parse_int64(input_.pending().substr(1, line.length - 1));
  if (line.end == LineEnd::kBadEnd || !count.has_value() ||
      (*count > 0 && static_cast<std::uint64_t>(*count) > limits_.max_args)) {
    return fail("Protocol error: invalid multibulk length");
  }
  input_.consume(line.length + 2);
  HELIOS_ASSERT(args_.empty());
  if (*count <= 0) {
    return Step::kDone;  // an empty request, skipped like Redis
  }
  args_remaining_ = static_cast<std::size_t>(*count);
  args_.reserve(std::min(args_remaining_, kArgsReservedAhead));
  request_bytes_ = 0;
  state_ = State::kBulkHeader;
  return Step::kProgress;
}

RequestParser::Step RequestParser::parse_bulk_header() {
  const LineScan line = input_.find_crlf_line(limits_.max_inline_bytes);
  if (line.end == LineEnd::kTooLong) {
    return fail("Protocol error: too big bulk count string");
  }
  if (line.end == LineEnd::kIncomplete) {
    return Step::kNeedMore;
  }
  const char type = input_.pending().front();  // the CR itself when the line is empty
  if (type != '$') {
    return fail(std::string("Protocol error: expected '$', got '") + type + "'");
  }
  HELIOS_ASSERT(line.length >= 1);
  const internal::BulkLength length = internal::check_bulk_length(
      input_.pending().substr(1, line.length - 1), limits_, request_bytes_);
  if (line.end == LineEnd::kBadEnd || length.check == internal::BulkLengthCheck::kInvalid) {
    return fail("Protocol error: invalid bulk length");
  }
  if (length.check == internal::BulkLengthCheck::kOverTotal) {
    return fail("Protocol error: request too big");
  }
  input_.consume(line.length + 2);
  request_bytes_ += length.bytes;
  args_.emplace_back();
  bulk_.start(length.bytes);
  state_ = State::kBulk;
  return Step::kProgress;
}

RequestParser::Step RequestParser::read_bulk() {
  HELIOS_ASSERT(!args_.empty());
  const internal::BulkEnd end = bulk_.read(input_, args_.back());
  if (end != internal::BulkEnd::kComplete) {
    const bool broken = end == internal::BulkEnd::kMissingCrlf;
    return broken ? fail(std::string(internal::kBulkWithoutCrlf)) : Step::kNeedMore;
  }
  HELIOS_ASSERT(args_remaining_ > 0);
  args_remaining_ -= 1;
  state_ = args_remaining_ > 0 ? State::kBulkHeader : State::kIdle;
  return args_remaining_ > 0 ? Step::kProgress : Step::kDone;
}

RequestParser::Step RequestParser::fail(std::string message) {
  HELIOS_ASSERT(state_ != State::kError);
  state_ = State::kError;
  error_ = std::move(message);
  args_.clear();
  return Step::kError;
}

}  // namespace helios::resp
