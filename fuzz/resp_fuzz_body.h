#pragma once
// The body of the RESP fuzz target, shared by fuzz/resp_fuzz.cc (libFuzzer, clang) and
// tests/unit/resp/stream_split_test.cc (gtest, any compiler), so that CI runs the same checks
// over seeded mutations of representative streams.
//
// resp_fuzz_one(data, size) parses the input as client requests (RequestParser) and as
// server replies (ReplyParser), each with the default limits and with tiny ones (so that
// every limit is reached), three ways: all at once, in two pieces split at a position taken
// from the input's first byte, and one byte at a time. The three must give the same trace:
// the same requests or values, the same final status and error, and without an error the
// same bytes left buffered. Every request taken re-encodes as a multibulk that parses back
// to itself, and every value renders (to_string). A broken check aborts (HELIOS_ASSERT);
// input never makes a parser assert or crash: that is what is being tested.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "resp/reply_parser.h"
#include "resp/request_parser.h"
#include "resp/writer.h"

namespace helios::resp {

// Limits small enough for a fuzzed input to cross each of them.
inline constexpr ParserLimits kFuzzTinyLimits{
    .max_bulk_bytes = 16, .max_args = 8, .max_inline_bytes = 32, .max_request_bytes = 40};

// What a parser made of a stream: the items taken, how it ended, and (when it did not end
// in an error) what was left.
template <typename Item>
struct ParseTrace {
  std::vector<Item> items;
  ParseStatus last = ParseStatus::kNeedMore;
  std::string error;
  std::size_t buffered = 0;
  bool idle = true;

  bool operator==(const ParseTrace&) const = default;
};

using RequestTrace = ParseTrace<std::vector<std::string>>;
using ReplyTrace = ParseTrace<Value>;

// Feeds `chunks` in order to a new Parser, taking every item after each feed, and stops at
// the first error (checking that it is sticky).
template <typename Parser, typename Item>
ParseTrace<Item> trace_stream(const std::vector<std::string_view>& chunks,
                              const ParserLimits& limits) {
  Parser parser(limits);
  ParseTrace<Item> trace;
  Item item{};
  for (const std::string_view chunk : chunks) {
    parser.feed(chunk);
    while ((trace.last = parser.next(item)) == ParseStatus::kRequest) {
      trace.items.push_back(item);
    }
    if (trace.last == ParseStatus::kError) {
      trace.error = parser.error();
      HELIOS_ASSERT(!trace.error.empty());
      parser.feed("*1\r\n$4\r\nPING\r\n");
      HELIOS_ASSERT(parser.next(item) == ParseStatus::kError);
      HELIOS_ASSERT(parser.error() == trace.error);
      HELIOS_ASSERT(!parser.idle());
      return trace;
    }
    HELIOS_ASSERT(parser.error().empty());
  }
  trace.buffered = parser.buffered();
  trace.idle = parser.idle();
  return trace;
}

inline RequestTrace trace_requests(const std::vector<std::string_view>& chunks,
                                   const ParserLimits& limits = {}) {
  return trace_stream<RequestParser, std::vector<std::string>>(chunks, limits);
}

inline ReplyTrace trace_replies(const std::vector<std::string_view>& chunks,
                                const ParserLimits& limits = {}) {
  return trace_stream<ReplyParser, Value>(chunks, limits);
}

// `bytes` in two pieces, the first of `at` bytes (at <= bytes.size()).
inline std::vector<std::string_view> split_in_two(std::string_view bytes, std::size_t at) {
  HELIOS_ASSERT(at <= bytes.size());
  return {bytes.substr(0, at), bytes.substr(at)};
}

// `bytes` one byte per piece.
inline std::vector<std::string_view> split_bytewise(std::string_view bytes) {
  std::vector<std::string_view> pieces;
  pieces.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    pieces.push_back(bytes.substr(i, 1));
  }
  return pieces;
}

// The trace of `bytes` fed at once; asserts that the split and bytewise feeds agree with it.
template <typename Parser, typename Item>
ParseTrace<Item> check_split_invariance(std::string_view bytes, std::size_t split_at,
                                        const ParserLimits& limits) {
  const ParseTrace<Item> whole = trace_stream<Parser, Item>({bytes}, limits);
  HELIOS_ASSERT_MSG((trace_stream<Parser, Item>(split_in_two(bytes, split_at), limits) == whole),
                    "feeding in two pieces changed the parse");
  HELIOS_ASSERT_MSG((trace_stream<Parser, Item>(split_bytewise(bytes), limits) == whole),
                    "feeding one byte at a time changed the parse");
  return whole;
}

// A request taken by a parser re-encodes as a multibulk that parses back to itself.
inline void check_request_round_trip(const std::vector<std::string>& argv) {
  HELIOS_ASSERT(!argv.empty());
  std::string encoded;
  Writer writer(encoded, 2);
  writer.array(argv.size());
  for (const std::string& arg : argv) {
    writer.bulk(arg);
  }
  RequestParser parser;
  parser.feed(encoded);
  std::vector<std::string> again;
  HELIOS_ASSERT(parser.next(again) == ParseStatus::kRequest);
  HELIOS_ASSERT(again == argv);
  HELIOS_ASSERT(parser.idle());
}

inline void resp_fuzz_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::size_t split_at = size == 0 ? 0 : data[0] * size / 255;
  for (const ParserLimits& limits : {ParserLimits{}, kFuzzTinyLimits}) {
    const RequestTrace requests =
        check_split_invariance<RequestParser, std::vector<std::string>>(bytes, split_at, limits);
    for (const std::vector<std::string>& argv : requests.items) {
      check_request_round_trip(argv);
    }
    const ReplyTrace replies = check_split_invariance<ReplyParser, Value>(bytes, split_at, limits);
    for (const Value& value : replies.items) {
      // Every element renders on a line of its own at least.
      const std::string text = value.to_string();
      HELIOS_ASSERT(text.size() >= value.elements.size());
    }
  }
}

}  // namespace helios::resp
