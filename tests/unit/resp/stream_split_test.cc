// The parsers on streams fed in every possible way: representative streams split at every
// byte boundary and byte by byte give the same trace as fed at once; the fuzz target's body
// (fuzz/resp_fuzz_body.h) over seeded mutations; memory never follows a declared length
// (checked with a counting operator new); a 16 MiB bulk in 4 KiB pieces.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "base/prng.h"
#include "fuzz/resp_fuzz_body.h"

// The largest single allocation since the last reset, over the whole test binary.
namespace {
std::atomic<std::size_t> g_largest_allocation{0};
}  // namespace

void* operator new(std::size_t n) {
  std::size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
  while (n > seen && !g_largest_allocation.compare_exchange_weak(seen, n)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc();
}
// Not inlined: GCC would otherwise see free() applied to what operator new returned and warn
// (-Wmismatched-new-delete), not knowing that this operator new is malloc.
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace helios::resp {
namespace {

using Args = std::vector<std::string>;

constexpr int kMutations = 10'000;

const std::vector<std::string>& request_streams() {
  static const std::vector<std::string> streams = {
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n",
      "PING\r\nSET \"a b\" 'c\\'d' \"\\x41\\n\"\r\n\r\n*0\r\n*-1\r\nECHO x\n",
      "*1\r\n$0\r\n\r\nGET k\r\n*2\r\n$4\r\nECHO\r\n$10\r\n0123\r\n6789\r\n  \t\n",
      "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$3\r\nab",  // ends inside a bulk
      "*2\r\n$3\r\nGET\r\n:1\r\n",                     // expected '$'
      "SET k v\r\n*1\r\n$3\r\nabcXY",                  // no CRLF after the bulk
      "ECHO \"unbalanced\r\nPING\r\n",                 // unbalanced quotes
      "*1\r\n$4\r\nPING\r\n*x\r\n",                    // invalid multibulk length
  };
  return streams;
}

const std::vector<std::string>& reply_streams() {
  static const std::vector<std::string> streams = {
      "+OK\r\n-ERR x\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*2\r\n$1\r\na\r\n:1\r\n",
      "%2\r\n+k\r\n,1.5\r\n+n\r\n~2\r\n#t\r\n_\r\n>2\r\n+msg\r\n(123\r\n",
      "|1\r\n+ttl\r\n:3\r\n=8\r\ntxt:abcd\r\n!5\r\nERR x\r\n*1\r\n*1\r\n*0\r\n",
      "*3\r\n:1\r\n$4\r\nab",  // ends inside a bulk
      "+OK\r\n:1x\r\n",        // invalid integer
      "$3\r\nabcd\r\n",        // no CRLF after the bulk
  };
  return streams;
}

// Tiny limits on the streams above reach each limit somewhere.
const std::vector<ParserLimits>& limit_sets() {
  static const std::vector<ParserLimits> limits = {ParserLimits{}, kFuzzTinyLimits,
                                                   ParserLimits{.max_bulk_bytes = 4},
                                                   ParserLimits{.max_inline_bytes = 5}};
  return limits;
}

template <typename Parser, typename Item>
void expect_split_invariant(const std::string& stream, const ParserLimits& limits) {
  const ParseTrace<Item> whole = trace_stream<Parser, Item>({stream}, limits);
  for (std::size_t at = 0; at <= stream.size(); ++at) {
    ASSERT_TRUE((trace_stream<Parser, Item>(split_in_two(stream, at), limits) == whole))
        << "split at " << at << " of " << testing::PrintToString(stream);
  }
  // Every byte boundary at once: one byte per feed.
  ASSERT_TRUE((trace_stream<Parser, Item>(split_bytewise(stream), limits) == whole))
      << testing::PrintToString(stream);
}

TEST(StreamSplitTest, requests_sameAtEveryByteBoundary) {
  for (const std::string& stream : request_streams()) {
    for (const ParserLimits& limits : limit_sets()) {
      expect_split_invariant<RequestParser, Args>(stream, limits);
    }
  }
  // The traces themselves, fed at once with the default limits.
  const RequestTrace first = trace_requests({request_streams()[0]});
  EXPECT_EQ(first.items, (std::vector<Args>{{"SET", "key", "value"}, {"GET", "key"}}));
  EXPECT_TRUE(first.idle);
  const RequestTrace second = trace_requests({request_streams()[1]});
  EXPECT_EQ(second.items,
            (std::vector<Args>{{"PING"}, {"SET", "a b", "c'd", "A\n"}, {"ECHO", "x"}}));
  const RequestTrace partial = trace_requests({request_streams()[3]});
  EXPECT_EQ(partial.items.size(), 1u);
  EXPECT_EQ(partial.last, ParseStatus::kNeedMore);
  EXPECT_FALSE(partial.idle);
  EXPECT_EQ(trace_requests({request_streams()[4]}).error, "Protocol error: expected '$', got ':'");
}

// The requests (and error) of `stream` written into the parser's own buffer in pieces of
// `piece` bytes, each with more room prepared than it uses, requests taken after each piece.
std::pair<std::vector<Args>, std::string> read_in_place(const std::string& stream,
                                                        std::size_t piece,
                                                        const ParserLimits& limits) {
  RequestParser parser(limits);
  std::vector<Args> requests;
  Args argv;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    const std::size_t n = std::min(piece, stream.size() - at);
    char* room = parser.prepare(n + 5);
    std::memcpy(room, stream.data() + at, n);
    parser.commit(n);
    while (parser.next(argv) == ParseStatus::kRequest) {
      requests.push_back(argv);
    }
  }
  return {requests, parser.error()};
}

TEST(StreamSplitTest, requests_readInPlaceAreTheRequestsFed) {
  for (const std::string& stream : request_streams()) {
    for (const ParserLimits& limits : limit_sets()) {
      const RequestTrace fed = trace_stream<RequestParser, Args>({stream}, limits);
      for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
        const auto [requests, error] = read_in_place(stream, piece, limits);
        ASSERT_EQ(requests, fed.items)
            << "pieces of " << piece << " of " << testing::PrintToString(stream);
        ASSERT_EQ(error, fed.error);
      }
    }
  }
  // Many requests through one buffer: its bytes move to the front or to a larger buffer as
  // they are consumed, and the requests stay whole.
  std::string many;
  for (int i = 0; i < 3000; ++i) {
    const std::string v(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26));
    many += "*3\r\n$3\r\nSET\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" +
            std::to_string(i) + "\r\n$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
  }
  for (const std::size_t piece : {1000u, 4096u, 16384u}) {
    const auto [requests, error] = read_in_place(many, piece, ParserLimits{});
    ASSERT_EQ(requests.size(), 3000u);
    for (int i = 0; i < 3000; ++i) {
      ASSERT_EQ(requests[static_cast<std::size_t>(i)][1], std::to_string(i));
      ASSERT_EQ(requests[static_cast<std::size_t>(i)][2].size(), static_cast<std::size_t>(i % 97));
    }
    EXPECT_EQ(error, "");
  }
}

TEST(StreamSplitTest, replies_sameAtEveryByteBoundary) {
  for (const std::string& stream : reply_streams()) {
    for (const ParserLimits& limits : limit_sets()) {
      expect_split_invariant<ReplyParser, Value>(stream, limits);
    }
  }
  EXPECT_EQ(trace_replies({reply_streams()[0]}).items.size(), 7u);
  EXPECT_EQ(trace_replies({reply_streams()[1]}).items.size(), 2u);
  EXPECT_EQ(trace_replies({reply_streams()[2]}).items.size(), 3u);
  EXPECT_EQ(trace_replies({reply_streams()[4]}).error, "Protocol error: invalid integer reply");
}

// One to three edits aimed at RESP's structure: a protocol token inserted or written over
// the bytes, a range erased or repeated, or the stream cut short.
std::string mutate(base::Prng& prng, std::string s) {
  using namespace std::string_view_literals;
  // clang-format off
  static constexpr std::string_view kTokens[] = {
      "\r\n"sv, "\r"sv, "\n"sv, "*"sv, "$"sv, "*-1\r\n"sv, "$-1\r\n"sv, "*0\r\n"sv, "$0\r\n\r\n"sv,
      ":"sv, "+"sv, "-"sv, "%"sv, "~"sv, "|"sv, ">"sv, "_"sv, "#t"sv, ","sv, "("sv, "!"sv, "="sv,
      "?"sv, "\""sv, "'"sv, " "sv, "\\"sv, "\\x4"sv, "0"sv, "-1"sv, "99999999999999999999"sv,
      "\0"sv};
  // clang-format on
  constexpr std::size_t kTokenCount = sizeof(kTokens) / sizeof(kTokens[0]);
  const std::uint64_t edits = prng.range(1, 3);
  for (std::uint64_t i = 0; i < edits; ++i) {
    const std::size_t at = s.empty() ? 0 : prng.uniform(s.size() + 1);
    const std::string_view token = kTokens[prng.uniform(kTokenCount)];
    const std::uint64_t kind = prng.uniform(5);
    if (kind == 0) {
      s.insert(at, token);
    } else if (kind == 1) {
      s.replace(at, token.size(), token);
    } else if (kind == 2) {
      s.erase(at, prng.range(1, 8));
    } else if (kind == 3) {
      s.insert(at, s.substr(at, prng.range(1, 40)));
    } else {
      s.resize(at);
    }
  }
  return s;
}

TEST(StreamSplitTest, fuzzBody_overSeededMutations) {
  base::Prng prng(0x5e5d);
  std::vector<std::string> seeds = request_streams();
  seeds.insert(seeds.end(), reply_streams().begin(), reply_streams().end());
  for (int i = 0; i < kMutations; ++i) {
    const std::string& seed = seeds[prng.uniform(seeds.size())];
    const std::string input =
        std::string(1, static_cast<char>(prng.uniform(256))) + mutate(prng, seed);
    resp_fuzz_one(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
}

TEST(StreamSplitTest, memory_declaredLengthsAreNotAllocated) {
  const ParserLimits huge{.max_bulk_bytes = std::size_t{4} << 30,
                          .max_args = std::size_t{1} << 31,
                          .max_request_bytes = std::size_t{8} << 30};
  const std::string tail(1000, 'x');
  const std::string request = "*2000000000\r\n$2000000000\r\n" + tail;
  const std::string reply = "*2000000000\r\n$2000000000\r\n" + tail;
  g_largest_allocation = 0;
  {
    RequestParser parser(huge);
    parser.feed(request);
    Args argv;
    EXPECT_EQ(parser.next(argv), ParseStatus::kNeedMore) << parser.error();
    ReplyParser replies(huge);
    replies.feed(reply);
    Value v;
    EXPECT_EQ(replies.next(v), ParseStatus::kNeedMore) << replies.error();
  }
  EXPECT_LT(g_largest_allocation.load(), std::size_t{256} << 10);
}

TEST(StreamSplitTest, incremental_16MiBBulkIn4KiBPieces) {
  constexpr std::size_t kBulkBytes = 16u << 20;
  constexpr std::size_t kPieceBytes = 4u << 10;
  std::string stream = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(kBulkBytes) + "\r\n";
  const std::size_t header_bytes = stream.size();
  stream.resize(header_bytes + kBulkBytes);
  for (std::size_t i = header_bytes; i < stream.size(); ++i) {
    stream[i] = static_cast<char>('a' + i % 26);
  }
  stream += "\r\nPING\r\n";
  g_largest_allocation = 0;
  RequestParser parser;
  Args argv;
  std::vector<Args> requests;
  std::size_t most_buffered = 0;
  for (std::size_t at = 0; at < stream.size(); at += kPieceBytes) {
    parser.feed(std::string_view(stream).substr(at, kPieceBytes));
    most_buffered = std::max(most_buffered, parser.buffered());
    ParseStatus status;
    while ((status = parser.next(argv)) == ParseStatus::kRequest) {
      requests.push_back(argv);
    }
    ASSERT_EQ(status, ParseStatus::kNeedMore) << parser.error();
  }
  const std::size_t largest_allocation = g_largest_allocation.load();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1], Args{"PING"});
  ASSERT_EQ(requests[0].size(), 3u);
  EXPECT_EQ(requests[0][2], stream.substr(header_bytes, kBulkBytes));
  EXPECT_TRUE(parser.idle());
  // The bulk is moved out of the input as it comes, and its string never grows past its
  // declared size (+1 for the terminator).
  EXPECT_LE(most_buffered, kPieceBytes);
  EXPECT_LE(largest_allocation, kBulkBytes + 1);
}

TEST(StreamSplitTest, incremental_longInlineLineByteByByte) {
  // A 64 KiB line fed one byte at a time is searched once, not once per byte (nothing to
  // assert on time: this completes quickly only if that holds).
  const std::string line(64u << 10, 'a');
  RequestParser parser;
  Args argv;
  for (const char c : line) {
    parser.feed(std::string_view(&c, 1));
    ASSERT_EQ(parser.next(argv), ParseStatus::kNeedMore);
  }
  parser.feed("\n");
  ASSERT_EQ(parser.next(argv), ParseStatus::kRequest);
  EXPECT_EQ(argv, Args{line});
}

}  // namespace
}  // namespace helios::resp
