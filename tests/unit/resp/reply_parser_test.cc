// ReplyParser: every RESP2 and RESP3 type, attributes, nesting, every error and limit,
// Value::to_string's redis-cli rendering, and a seeded random round trip Writer -> parser in
// both protocols.
#include "resp/reply_parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "base/prng.h"
#include "resp/writer.h"

namespace helios::resp {
namespace {

using Type = Value::Type;

Value bulk(std::string s) {
  return Value::scalar(Type::kBulk, std::move(s));
}
Value integer(std::int64_t n) {
  return Value::scalar(Type::kInteger, "", n);
}

// Every value in `bytes` (fed at once); EXPECTs the parse to end wanting more bytes.
std::vector<Value> parse_all(std::string_view bytes, ParserLimits limits = {}) {
  ReplyParser parser(limits);
  parser.feed(bytes);
  std::vector<Value> values;
  Value v;
  ParseStatus status;
  while ((status = parser.next(v)) == ParseStatus::kRequest) {
    values.push_back(v);
  }
  EXPECT_EQ(status, ParseStatus::kNeedMore) << parser.error();
  return values;
}

Value parse_one(std::string_view bytes) {
  const std::vector<Value> values = parse_all(bytes);
  EXPECT_EQ(values.size(), 1u) << bytes;
  return values.empty() ? Value{} : values.front();
}

std::string error_of(std::string_view bytes, ParserLimits limits = {}) {
  ReplyParser parser(limits);
  parser.feed(bytes);
  Value v;
  ParseStatus status;
  while ((status = parser.next(v)) == ParseStatus::kRequest) {
  }
  EXPECT_EQ(status, ParseStatus::kError) << bytes;
  return parser.error();
}

TEST(ReplyParserTest, next_resp2Types) {
  EXPECT_EQ(parse_one("+OK\r\n"), Value::scalar(Type::kSimple, "OK"));
  EXPECT_EQ(parse_one("-ERR no\r\n"), Value::scalar(Type::kError, "ERR no"));
  EXPECT_EQ(parse_one(":-12\r\n"), integer(-12));
  EXPECT_EQ(parse_one("$3\r\na\r\n\r\n"), bulk("a\r\n"));
  EXPECT_EQ(parse_one("$0\r\n\r\n"), bulk(""));
  EXPECT_EQ(parse_one("$-1\r\n"), Value{});
  EXPECT_EQ(parse_one("*-1\r\n"), Value{});
  EXPECT_EQ(parse_one("*0\r\n"), Value::aggregate(Type::kArray, {}));
  EXPECT_EQ(parse_one("*3\r\n:1\r\n*1\r\n+x\r\n$-1\r\n"),
            Value::aggregate(
                Type::kArray,
                {integer(1), Value::aggregate(Type::kArray, {Value::scalar(Type::kSimple, "x")}),
                 Value{}}));
}

TEST(ReplyParserTest, next_resp3Types) {
  EXPECT_EQ(parse_one("_\r\n"), Value{});
  EXPECT_EQ(parse_one("#t\r\n"), Value::scalar(Type::kBool, "", 1));
  EXPECT_EQ(parse_one("#f\r\n"), Value::scalar(Type::kBool, "", 0));
  EXPECT_EQ(parse_one(",3.25\r\n"), Value::scalar(Type::kDouble, "3.25"));
  EXPECT_EQ(parse_one(",-inf\r\n"), Value::scalar(Type::kDouble, "-inf"));
  EXPECT_EQ(parse_one(",nan\r\n"), Value::scalar(Type::kDouble, "nan"));
  EXPECT_EQ(parse_one(",+1e400\r\n"), Value::scalar(Type::kDouble, "+1e400"));
  EXPECT_EQ(parse_one("(-123456789012345678901234567890\r\n"),
            Value::scalar(Type::kBigNumber, "-123456789012345678901234567890"));
  EXPECT_EQ(parse_one("=9\r\ntxt:a\r\nbc\r\n"), Value::scalar(Type::kVerbatim, "a\r\nbc"));
  EXPECT_EQ(parse_one("=6\r\nmkd:**\r\n"), Value::scalar(Type::kVerbatim, "**"));
  EXPECT_EQ(parse_one("!8\r\nERR a\r\nb\r\n"), Value::scalar(Type::kError, "ERR a\r\nb"));
  EXPECT_EQ(parse_one("%2\r\n+a\r\n:1\r\n+b\r\n_\r\n"),
            Value::aggregate(Type::kMap, {Value::scalar(Type::kSimple, "a"), integer(1),
                                          Value::scalar(Type::kSimple, "b"), Value{}}));
  EXPECT_EQ(parse_one("~2\r\n:1\r\n:2\r\n"),
            Value::aggregate(Type::kSet, {integer(1), integer(2)}));
  EXPECT_EQ(parse_one(">2\r\n$7\r\nmessage\r\n#t\r\n"),
            Value::aggregate(Type::kPush, {bulk("message"), Value::scalar(Type::kBool, "", 1)}));
}

TEST(ReplyParserTest, next_attributesAreDropped) {
  EXPECT_EQ(parse_one("|1\r\n+ttl\r\n:3\r\n:42\r\n"), integer(42));
  EXPECT_EQ(parse_one("*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n|0\r\n:2\r\n"),
            Value::aggregate(Type::kArray, {integer(1), integer(2)}));
  EXPECT_EQ(parse_one("|1\r\n+a\r\n|1\r\n+b\r\n+c\r\n+d\r\n:7\r\n"), integer(7));
}

TEST(ReplyParserTest, next_pipelinedAndPieces) {
  EXPECT_EQ(parse_all("+OK\r\n:1\r\n$1\r\nx\r\n*0\r\n").size(), 4u);
  ReplyParser parser;
  Value v;
  EXPECT_TRUE(parser.idle());
  parser.feed("*2\r\n$5\r\nhel");
  EXPECT_EQ(parser.next(v), ParseStatus::kNeedMore);
  EXPECT_FALSE(parser.idle());
  parser.feed("lo\r\n:");
  EXPECT_EQ(parser.next(v), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.buffered(), 1u);
  parser.feed("5\r\n+P");
  ASSERT_EQ(parser.next(v), ParseStatus::kRequest);
  EXPECT_EQ(v, Value::aggregate(Type::kArray, {bulk("hello"), integer(5)}));
  EXPECT_EQ(parser.buffered(), 2u);
  EXPECT_EQ(parser.next(v), ParseStatus::kNeedMore);
  parser.feed("ONG\r\n");
  ASSERT_EQ(parser.next(v), ParseStatus::kRequest);
  EXPECT_EQ(v, Value::scalar(Type::kSimple, "PONG"));
  EXPECT_TRUE(parser.idle());
}

TEST(ReplyParserTest, error_malformed) {
  EXPECT_EQ(error_of("?x\r\n"), "Protocol error: invalid reply type byte \"?\"");
  EXPECT_EQ(error_of("\r\n"), "Protocol error: invalid reply type byte \"\\r\"");
  EXPECT_EQ(error_of("+OK\rX"), "Protocol error: CR not followed by LF in a reply line");
  EXPECT_EQ(error_of(":1.5\r\n"), "Protocol error: invalid integer reply");
  EXPECT_EQ(error_of(":\r\n"), "Protocol error: invalid integer reply");
  EXPECT_EQ(error_of("_x\r\n"), "Protocol error: invalid null reply");
  EXPECT_EQ(error_of("#x\r\n"), "Protocol error: invalid boolean reply");
  EXPECT_EQ(error_of(",1.5x\r\n"), "Protocol error: invalid double reply");
  EXPECT_EQ(error_of(",\r\n"), "Protocol error: invalid double reply");
  EXPECT_EQ(error_of(",+-1\r\n"), "Protocol error: invalid double reply");
  EXPECT_EQ(error_of("(12a\r\n"), "Protocol error: invalid big number reply");
  EXPECT_EQ(error_of("(\r\n"), "Protocol error: invalid big number reply");
  EXPECT_EQ(error_of("$-2\r\n"), "Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("!-1\r\n"), "Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("$x\r\n"), "Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("$?\r\n"), "Protocol error: streamed strings are not supported");
  EXPECT_EQ(error_of("*?\r\n"), "Protocol error: streamed aggregates are not supported");
  EXPECT_EQ(error_of("%-1\r\n"), "Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("*-2\r\n"), "Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("$1\r\nab\r\n"), "Protocol error: bulk data not followed by CRLF");
  EXPECT_EQ(error_of("=3\r\ntxt\r\n"), "Protocol error: invalid verbatim string");
  EXPECT_EQ(error_of("=4\r\ntxt;\r\n"), "Protocol error: invalid verbatim string");
}

TEST(ReplyParserTest, error_limits) {
  const ParserLimits limits{
      .max_bulk_bytes = 4, .max_args = 2, .max_inline_bytes = 8, .max_request_bytes = 6};
  EXPECT_EQ(parse_all("*2\r\n$4\r\nabcd\r\n$2\r\nef\r\n+1234567\r\n%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n",
                      limits)
                .size(),
            3u);
  EXPECT_EQ(error_of("$5\r\n", limits), "Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("*3\r\n", limits), "Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("%3\r\n", limits), "Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("+12345678\r\n", limits), "Protocol error: too big reply line");
  EXPECT_EQ(error_of("+123456789", limits), "Protocol error: too big reply line");
  EXPECT_EQ(error_of("*2\r\n$4\r\nabcd\r\n$3\r\n", limits), "Protocol error: reply too big");
}

TEST(ReplyParserTest, error_nestingDepth) {
  std::string deep;
  for (std::size_t i = 0; i < kMaxReplyDepth; ++i) {
    deep += "*1\r\n";
  }
  Value v = parse_one(deep + ":1\r\n");
  for (std::size_t i = 0; i < kMaxReplyDepth; ++i) {
    ASSERT_EQ(v.type, Type::kArray);
    ASSERT_EQ(v.elements.size(), 1u);
    Value inner = v.elements[0];
    v = std::move(inner);
  }
  EXPECT_EQ(v, integer(1));
  EXPECT_EQ(error_of(deep + "*1\r\n"), "Protocol error: replies nested more than 64 levels deep");
  EXPECT_EQ(error_of(deep + "*0\r\n"), "Protocol error: replies nested more than 64 levels deep");
}

TEST(ReplyParserTest, error_isSticky) {
  ReplyParser parser;
  parser.feed("+OK\r\n:x\r\n");
  Value v;
  ASSERT_EQ(parser.next(v), ParseStatus::kRequest);
  ASSERT_EQ(parser.next(v), ParseStatus::kError);
  parser.feed("+OK\r\n");
  EXPECT_EQ(parser.next(v), ParseStatus::kError);
  EXPECT_EQ(parser.error(), "Protocol error: invalid integer reply");
  EXPECT_FALSE(parser.idle());
}

TEST(ValueTest, toString_scalars) {
  EXPECT_EQ(Value::scalar(Type::kSimple, "OK").to_string(), "OK");
  EXPECT_EQ(Value::scalar(Type::kError, "ERR x").to_string(), "(error) ERR x");
  EXPECT_EQ(integer(3).to_string(), "(integer) 3");
  EXPECT_EQ(bulk("v").to_string(), "\"v\"");
  EXPECT_EQ(bulk(std::string("a\"\\\n\r\t\a\b\x01\xff\0", 11)).to_string(),
            "\"a\\\"\\\\\\n\\r\\t\\a\\b\\x01\\xff\\x00\"");
  EXPECT_EQ(Value{}.to_string(), "(nil)");
  EXPECT_EQ(Value::scalar(Type::kBool, "", 1).to_string(), "(true)");
  EXPECT_EQ(Value::scalar(Type::kBool, "", 0).to_string(), "(false)");
  EXPECT_EQ(Value::scalar(Type::kDouble, "1.5").to_string(), "(double) 1.5");
  EXPECT_EQ(Value::scalar(Type::kBigNumber, "12").to_string(), "(big number) 12");
  EXPECT_EQ(Value::scalar(Type::kVerbatim, "line1\nline2").to_string(), "line1\nline2");
}

TEST(ValueTest, toString_aggregates) {
  EXPECT_EQ(Value::aggregate(Type::kArray, {}).to_string(), "(empty array)");
  EXPECT_EQ(Value::aggregate(Type::kMap, {}).to_string(), "(empty hash)");
  EXPECT_EQ(Value::aggregate(Type::kSet, {}).to_string(), "(empty set)");
  EXPECT_EQ(Value::aggregate(Type::kPush, {}).to_string(), "(empty push)");
  EXPECT_EQ(Value::aggregate(Type::kArray, {bulk("a"), integer(2), Value{}}).to_string(),
            "1) \"a\"\n2) (integer) 2\n3) (nil)");
  EXPECT_EQ(Value::aggregate(Type::kArray,
                             {Value::aggregate(Type::kArray, {bulk("a"), bulk("b")}), integer(3)})
                .to_string(),
            "1) 1) \"a\"\n   2) \"b\"\n2) (integer) 3");
  EXPECT_EQ(Value::aggregate(Type::kMap, {bulk("k"), bulk("v"), bulk("n"),
                                          Value::aggregate(Type::kArray, {integer(1), integer(2)})})
                .to_string(),
            "1# \"k\" => \"v\"\n2# \"n\" => 1) (integer) 1\n   2) (integer) 2");
  EXPECT_EQ(Value::aggregate(Type::kSet, {bulk("x")}).to_string(), "1~ \"x\"");
  std::vector<Value> ten(10, integer(0));
  const std::string text = Value::aggregate(Type::kArray, ten).to_string();
  EXPECT_EQ(text.substr(0, 15), " 1) (integer) 0") << "indices right-aligned";
  EXPECT_NE(text.find("\n10) (integer) 0"), std::string::npos);
}

// Random values for the round trip: any type, aggregates up to `depth` levels.
class ValueGenerator {
 public:
  explicit ValueGenerator(std::uint64_t seed) : prng_(seed) {}

  // A value with aggregates nested at most `depth` deep. A kDouble holds format_double's
  // text of a random double (write() parses it back for Writer::dbl).
  Value next(int depth) {
    const std::uint64_t kinds = depth > 0 ? 13 : 9;
    switch (prng_.uniform(kinds)) {
      case 0:
        return Value::scalar(Type::kSimple, text(false));
      case 1:
        return Value::scalar(Type::kError, "ERR " + text(false));
      case 2:
        return integer(static_cast<std::int64_t>(prng_.next()) >> prng_.uniform(64));
      case 3:
        return bulk(text(true));
      case 4:
        return Value{};
      case 5:
        return Value::scalar(Type::kBool, "", static_cast<std::int64_t>(prng_.uniform(2)));
      case 6:
        return Value::scalar(Type::kDouble, format_double(random_double()));
      case 7:
        return Value::scalar(Type::kVerbatim, text(true));
      case 8:
        return Value::scalar(Type::kBigNumber, (prng_.chance(1, 2) ? "-" : "") +
                                                   std::to_string(prng_.next()) +
                                                   std::to_string(prng_.next()));
      default: {
        const Type types[] = {Type::kArray, Type::kMap, Type::kSet, Type::kPush};
        Value v;
        v.type = types[prng_.uniform(4)];
        const std::size_t n = prng_.uniform(5) * (v.type == Type::kMap ? 2 : 1);
        for (std::size_t i = 0; i < n; ++i) {
          v.elements.push_back(next(depth - 1));
        }
        return v;
      }
    }
  }

  double random_double() {
    switch (prng_.uniform(4)) {
      case 0:
        return static_cast<double>(static_cast<std::int64_t>(prng_.uniform(2000)) - 1000) / 8;
      case 1: {
        constexpr double kInf = std::numeric_limits<double>::infinity();
        const double specials[] = {0.0, -0.0, 0.1, 1e300, -2.5e-300, kInf, -kInf};
        return specials[prng_.uniform(7)];
      }
      default: {
        double d = 0;
        const std::uint64_t bits = prng_.next();
        std::memcpy(&d, &bits, sizeof(d));
        return std::isnan(d) ? 1.0 : d;
      }
    }
  }

  std::string text(bool binary) {
    std::string s(prng_.uniform(12), 'a');
    for (char& c : s) {
      c = binary ? static_cast<char>(prng_.uniform(256)) : static_cast<char>(prng_.range(' ', '~'));
    }
    return s;
  }

 private:
  base::Prng prng_;
};

void write(Writer& w, const Value& v) {
  switch (v.type) {
    case Type::kSimple:
      return w.simple(v.str);
    case Type::kError:
      return w.error(v.str);
    case Type::kInteger:
      return w.integer(v.integer);
    case Type::kBulk:
      return w.bulk(v.str);
    case Type::kNull:
      return w.null();
    case Type::kBool:
      return w.boolean(v.integer != 0);
    case Type::kDouble:
      return w.dbl(std::strtod(v.str.c_str(), nullptr));
    case Type::kBigNumber:
      return w.big_number(v.str);
    case Type::kVerbatim:
      return w.verbatim(v.str);
    case Type::kArray:
      w.array(v.elements.size());
      break;
    case Type::kMap:
      w.map(v.elements.size() / 2);
      break;
    case Type::kSet:
      w.set(v.elements.size());
      break;
    case Type::kPush:
      w.push(v.elements.size());
      break;
  }
  for (const Value& e : v.elements) {
    write(w, e);
  }
}

// What a RESP2 client reads for `v`: RESP3-only types degraded as Writer documents.
Value as_resp2(const Value& v) {
  switch (v.type) {
    case Type::kBool:
      return integer(v.integer);
    case Type::kDouble:
    case Type::kBigNumber:
    case Type::kVerbatim:
      return bulk(v.str);
    case Type::kMap:
    case Type::kSet:
    case Type::kPush: {
      Value out = Value::aggregate(Type::kArray, {});
      for (const Value& e : v.elements) {
        out.elements.push_back(as_resp2(e));
      }
      return out;
    }
    default: {
      Value out = v;
      for (Value& e : out.elements) {
        e = as_resp2(e);
      }
      return out;
    }
  }
}

TEST(ReplyParserTest, roundTrip_randomValuesThroughWriter) {
  for (const int protocol : {2, 3}) {
    ValueGenerator gen(7 + static_cast<std::uint64_t>(protocol));
    base::Prng split_prng(99);
    std::vector<Value> expected;
    std::string stream;
    Writer writer(stream, protocol);
    for (int i = 0; i < 2000; ++i) {
      const Value v = gen.next(3);
      write(writer, v);
      expected.push_back(protocol == 3 ? v : as_resp2(v));
    }
    // Fed in random pieces of 1 to 64 bytes.
    ReplyParser parser;
    std::vector<Value> got;
    Value v;
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t n = std::min<std::size_t>(split_prng.range(1, 64), stream.size() - at);
      parser.feed(std::string_view(stream).substr(at, n));
      at += n;
      ParseStatus status;
      while ((status = parser.next(v)) == ParseStatus::kRequest) {
        got.push_back(v);
      }
      ASSERT_EQ(status, ParseStatus::kNeedMore) << parser.error();
    }
    EXPECT_TRUE(parser.idle());
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i], expected[i]) << "protocol " << protocol << " value " << i << ":\n"
                                     << got[i].to_string() << "\nexpected:\n"
                                     << expected[i].to_string();
    }
  }
}

}  // namespace
}  // namespace helios::resp
