// RequestParser: multibulk and inline requests, pipelining, skipped empty requests, every
// error with Redis's message, every limit at its boundary, stickiness, buffered() / idle().
// (Splitting at every byte and memory are in stream_split_test.cc; split_args's quoting
// rules in split_args_test.cc.)
#include "resp/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace helios::resp {
namespace {

using Args = std::vector<std::string>;

// Every request in `bytes` (fed at once), and the status that ended the parse.
struct Parsed {
  std::vector<Args> requests;
  ParseStatus last = ParseStatus::kNeedMore;
  std::string error;
};

Parsed parse(std::string_view bytes, ParserLimits limits = {}) {
  RequestParser parser(limits);
  parser.feed(bytes);
  Parsed out;
  Args argv;
  while ((out.last = parser.next(argv)) == ParseStatus::kRequest) {
    out.requests.push_back(argv);
  }
  out.error = parser.error();
  return out;
}

// The single request `bytes` holds.
Args one(std::string_view bytes, ParserLimits limits = {}) {
  const Parsed p = parse(bytes, limits);
  EXPECT_EQ(p.last, ParseStatus::kNeedMore) << p.error;
  EXPECT_EQ(p.requests.size(), 1u);
  return p.requests.empty() ? Args{} : p.requests.front();
}

// The error `bytes` leads to, after the requests before it.
std::string error_of(std::string_view bytes, ParserLimits limits = {}) {
  const Parsed p = parse(bytes, limits);
  EXPECT_EQ(p.last, ParseStatus::kError);
  return p.error;
}

TEST(RequestParserTest, next_multibulk) {
  EXPECT_EQ(one("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"), (Args{"SET", "k", "hello"}));
}

TEST(RequestParserTest, next_multibulkBinarySafe) {
  const std::string value("a\r\nb\0c$*", 8);
  EXPECT_EQ(one("*2\r\n$3\r\nSET\r\n$8\r\n" + value + "\r\n"), (Args{"SET", value}));
  EXPECT_EQ(one("*1\r\n$0\r\n\r\n"), (Args{""}));
}

TEST(RequestParserTest, next_pipelined) {
  const Parsed p = parse("*1\r\n$4\r\nPING\r\nECHO hi\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nQUIT\n");
  EXPECT_EQ(p.last, ParseStatus::kNeedMore);
  EXPECT_EQ(p.requests, (std::vector<Args>{{"PING"}, {"ECHO", "hi"}, {"GET", "k"}, {"QUIT"}}));
}

TEST(RequestParserTest, next_skipsEmptyRequests) {
  const Parsed p = parse("*0\r\n*-1\r\n*-7\r\n\r\n\n   \t\r\nPING\r\n*0\r\n");
  EXPECT_EQ(p.last, ParseStatus::kNeedMore);
  EXPECT_EQ(p.requests, (std::vector<Args>{{"PING"}}));
  RequestParser parser;
  parser.feed("*0\r\n\r\n");
  Args argv{"stale"};
  EXPECT_EQ(parser.next(argv), ParseStatus::kNeedMore);
  EXPECT_TRUE(parser.idle());
}

TEST(RequestParserTest, next_clearsArgv) {
  RequestParser parser;
  parser.feed("SET a b\r\nPING\r\n");
  Args argv{"x", "y", "z", "w"};
  ASSERT_EQ(parser.next(argv), ParseStatus::kRequest);
  EXPECT_EQ(argv, (Args{"SET", "a", "b"}));
  ASSERT_EQ(parser.next(argv), ParseStatus::kRequest);
  EXPECT_EQ(argv, (Args{"PING"}));
}

TEST(RequestParserTest, next_inline) {
  EXPECT_EQ(one("PING\r\n"), (Args{"PING"}));
  EXPECT_EQ(one("PING\n"), (Args{"PING"}));
  EXPECT_EQ(one("  SET   k\t v  \r\n"), (Args{"SET", "k", "v"}));
  EXPECT_EQ(one("SET \"a b\" 'c d'\r\n"), (Args{"SET", "a b", "c d"}));
  EXPECT_EQ(one("ECHO \"\\x41\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n"),
            (Args{"ECHO", "A\n\r\t\b\a\\\"q"}));
  EXPECT_EQ(one("ECHO 'it\\'s' \"\"\n"), (Args{"ECHO", "it's", ""}));
  // Only the CR right before the LF is part of the line end.
  EXPECT_EQ(one("a\rb\r\r\n"), (Args{"a", "b"}));
  // A '*' starts a multibulk only as the first byte of a request.
  EXPECT_EQ(one(" *1\r\n"), (Args{"*1"}));
}

TEST(RequestParserTest, next_inlineAndMultibulkInterleaved) {
  const Parsed p = parse("GET a\n*1\r\n$1\r\nb\r\nGET c\r\n");
  EXPECT_EQ(p.requests, (std::vector<Args>{{"GET", "a"}, {"b"}, {"GET", "c"}}));
}

TEST(RequestParserTest, next_needMoreInsideEveryPart) {
  for (const char* partial :
       {"*", "*2", "*2\r", "*2\r\n", "*2\r\n$", "*2\r\n$3", "*2\r\n$3\r", "*2\r\n$3\r\n",
        "*2\r\n$3\r\nGE", "*2\r\n$3\r\nGET", "*2\r\n$3\r\nGET\r", "*2\r\n$3\r\nGET\r\n", "PING",
        "PING\r", "\"unclosed"}) {
    const Parsed p = parse(partial);
    EXPECT_EQ(p.last, ParseStatus::kNeedMore) << partial;
    EXPECT_TRUE(p.requests.empty()) << partial;
  }
}

TEST(RequestParserTest, error_invalidMultibulkLength) {
  const std::string kMessage = "Protocol error: invalid multibulk length";
  for (const char* bad : {"*abc\r\n", "*\r\n", "*+1\r\n", "*01\r\n", "*-0\r\n", "* 1\r\n",
                          "*1 \r\n", "*99999999999999999999\r\n", "*3\rX", "*1048577\r\n"}) {
    EXPECT_EQ(error_of(bad), kMessage) << bad;
  }
  // A million arguments (the default max_args) are accepted: the parser waits for them.
  const Parsed million = parse("*1048576\r\n$1\r\na\r\n");
  EXPECT_EQ(million.last, ParseStatus::kNeedMore) << million.error;
}

TEST(RequestParserTest, error_expectedDollar) {
  EXPECT_EQ(error_of("*3\r\n:1\r\n"), "Protocol error: expected '$', got ':'");
  EXPECT_EQ(error_of("*1\r\nPING\r\n"), "Protocol error: expected '$', got 'P'");
  EXPECT_EQ(error_of("*2\r\n$1\r\na\r\n*1\r\n"), "Protocol error: expected '$', got '*'");
  EXPECT_EQ(error_of("*1\r\n\r\n"), "Protocol error: expected '$', got '\r'");
}

TEST(RequestParserTest, error_invalidBulkLength) {
  const std::string kMessage = "Protocol error: invalid bulk length";
  for (const char* bad :
       {"*1\r\n$-1\r\n", "*1\r\n$abc\r\n", "*1\r\n$\r\n", "*1\r\n$+3\r\n", "*1\r\n$03\r\n",
        "*1\r\n$3\rabc", "*1\r\n$33554433\r\n", "*1\r\n$99999999999999999999\r\n"}) {
    EXPECT_EQ(error_of(bad), kMessage) << bad;
  }
}

TEST(RequestParserTest, error_bulkNotFollowedByCrlf) {
  const std::string kMessage = "Protocol error: bulk data not followed by CRLF";
  EXPECT_EQ(error_of("*1\r\n$3\r\nabcd\r\n"), kMessage);
  EXPECT_EQ(error_of("*1\r\n$3\r\nabc\n\r"), kMessage);
  EXPECT_EQ(error_of("*1\r\n$3\r\nab\r\n\r\n"), kMessage);
}

TEST(RequestParserTest, error_tooBigCountStrings) {
  const std::string digits(64u << 10, '1');
  // No CR within 64 KiB: refused before the line ends.
  EXPECT_EQ(error_of("*" + digits), "Protocol error: too big mbulk count string");
  EXPECT_EQ(error_of("*1\r\n$" + digits), "Protocol error: too big bulk count string");
  // Exactly 64 KiB without the CR is not too big yet.
  EXPECT_EQ(parse("*" + digits.substr(1)).last, ParseStatus::kNeedMore);
  EXPECT_EQ(parse("*1\r\n$" + digits.substr(1)).last, ParseStatus::kNeedMore);
  // A line over the limit is refused whether or not its CR has arrived.
  EXPECT_EQ(error_of("*" + digits + "\r\n"), "Protocol error: too big mbulk count string");
}

TEST(RequestParserTest, error_tooBigInlineRequest) {
  const std::string line(64u << 10, 'a');
  EXPECT_EQ(parse(line).last, ParseStatus::kNeedMore);
  EXPECT_EQ(one(line + "\n"), (Args{line}));
  EXPECT_EQ(error_of(line + "b"), "Protocol error: too big inline request");
  EXPECT_EQ(error_of(line + "b\n"), "Protocol error: too big inline request");
  EXPECT_EQ(error_of("PING\r\n" + line + "bc"), "Protocol error: too big inline request");
}

TEST(RequestParserTest, error_unbalancedQuotes) {
  const std::string kMessage = "Protocol error: unbalanced quotes in request";
  for (const char* bad :
       {"SET \"a\r\n", "SET 'a\n", "SET \"a\"b\r\n", "SET 'a'b\n", "ECHO \"a\\\"\n"}) {
    EXPECT_EQ(error_of(bad), kMessage) << bad;
  }
}

TEST(RequestParserTest, error_requestTooBig) {
  const ParserLimits limits{.max_request_bytes = 10};
  EXPECT_EQ(one("*2\r\n$5\r\naaaaa\r\n$5\r\nbbbbb\r\n", limits), (Args{"aaaaa", "bbbbb"}));
  EXPECT_EQ(error_of("*2\r\n$5\r\naaaaa\r\n$6\r\n", limits), "Protocol error: request too big");
  EXPECT_EQ(error_of("*1\r\n$11\r\n", limits), "Protocol error: request too big");
  // The budget is per request.
  const Parsed p = parse("*1\r\n$10\r\n0123456789\r\n*1\r\n$10\r\n0123456789\r\n", limits);
  EXPECT_EQ(p.requests.size(), 2u);
}

TEST(RequestParserTest, limits_atTheBoundary) {
  const ParserLimits limits{.max_bulk_bytes = 4, .max_args = 2, .max_inline_bytes = 8};
  EXPECT_EQ(one("*2\r\n$4\r\nabcd\r\n$0\r\n\r\n", limits), (Args{"abcd", ""}));
  EXPECT_EQ(error_of("*3\r\n", limits), "Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("*1\r\n$5\r\n", limits), "Protocol error: invalid bulk length");
  EXPECT_EQ(one("12345678\n", limits), (Args{"12345678"}));
  EXPECT_EQ(one("1234567\r\n", limits), (Args{"1234567"}));
  EXPECT_EQ(error_of("123456789\n", limits), "Protocol error: too big inline request");
  EXPECT_EQ(error_of("*0000002\r\n", limits), "Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("*00000002\r\n", limits), "Protocol error: too big mbulk count string");
  EXPECT_EQ(error_of("*1\r\n$00000004\r\n", limits), "Protocol error: too big bulk count string");
}

TEST(RequestParserTest, error_isSticky) {
  RequestParser parser;
  parser.feed("PING\r\n*x\r\n");
  Args argv;
  ASSERT_EQ(parser.next(argv), ParseStatus::kRequest);
  ASSERT_EQ(parser.next(argv), ParseStatus::kError);
  EXPECT_EQ(parser.error(), "Protocol error: invalid multibulk length");
  parser.feed("PING\r\n");
  EXPECT_EQ(parser.next(argv), ParseStatus::kError);
  EXPECT_EQ(parser.next(argv), ParseStatus::kError);
  EXPECT_EQ(parser.error(), "Protocol error: invalid multibulk length");
  EXPECT_FALSE(parser.idle());
}

TEST(RequestParserTest, bufferedAndIdle) {
  RequestParser parser;
  Args argv;
  EXPECT_TRUE(parser.idle());
  EXPECT_EQ(parser.buffered(), 0u);
  parser.feed("*1\r\n$5\r\nhel");
  EXPECT_EQ(parser.buffered(), 11u);
  EXPECT_FALSE(parser.idle());
  ASSERT_EQ(parser.next(argv), ParseStatus::kNeedMore);
  // The header lines and the bulk bytes so far are taken; the request is still pending.
  EXPECT_EQ(parser.buffered(), 0u);
  EXPECT_FALSE(parser.idle());
  parser.feed("lo\r\nPI");
  ASSERT_EQ(parser.next(argv), ParseStatus::kRequest);
  EXPECT_EQ(argv, (Args{"hello"}));
  EXPECT_EQ(parser.buffered(), 2u);
  EXPECT_FALSE(parser.idle());
  ASSERT_EQ(parser.next(argv), ParseStatus::kNeedMore);
  parser.feed("NG\r\n");
  ASSERT_EQ(parser.next(argv), ParseStatus::kRequest);
  EXPECT_TRUE(parser.idle());
  EXPECT_EQ(parser.next(argv), ParseStatus::kNeedMore);
}

}  // namespace
}  // namespace helios::resp
