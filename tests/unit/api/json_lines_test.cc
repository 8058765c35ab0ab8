// JSON-lines translation (api/json_lines.h, docs/json-lines.md): every request form and every
// request error, every reply mapping, base64 (known vectors, round trips of every byte value
// at lengths 0..10, every kind of malformed text), and hostile input (deep nesting, huge
// numbers, random bytes) that must come back as an error, never as an exception.
#include "api/json_lines.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/prng.h"
#include "resp/reply_parser.h"

namespace helios::api {
namespace {

using resp::Value;
using Type = resp::Value::Type;

// ---- Helpers ------------------------------------------------------------------------------

Argv argv_of(std::string_view line) {
  Result<Argv> r = json_line_to_argv(line);
  EXPECT_TRUE(r.is_ok()) << line << " -> " << r.status().to_string();
  return r.is_ok() ? r.value() : Argv{};
}

// The error message `line` is refused with (kInvalidArgument), or "" if it was accepted.
std::string error_of(std::string_view line) {
  Result<Argv> r = json_line_to_argv(line);
  if (r.is_ok()) {
    ADD_FAILURE() << line << " was accepted";
    return "";
  }
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << line;
  return r.status().message();
}

Value scalar(Type type, std::string str = "", std::int64_t integer = 0) {
  Value v;
  v.type = type;
  v.str = std::move(str);
  v.integer = integer;
  return v;
}
Value aggregate(Type type, std::vector<Value> elements) {
  Value v;
  v.type = type;
  v.elements = std::move(elements);
  return v;
}
Value simple(std::string s) {
  return scalar(Type::kSimple, std::move(s));
}
Value error(std::string s) {
  return scalar(Type::kError, std::move(s));
}
Value bulk(std::string s) {
  return scalar(Type::kBulk, std::move(s));
}
Value integer(std::int64_t n) {
  return scalar(Type::kInteger, "", n);
}
Value null() {
  return scalar(Type::kNull);
}
Value array(std::vector<Value> e) {
  return aggregate(Type::kArray, std::move(e));
}
Value map(std::vector<Value> e) {
  return aggregate(Type::kMap, std::move(e));
}

// value_to_json_line's output, checked to be one valid JSON object ending in its only '\n'.
std::string line_of(const Value& v) {
  const std::string line = value_to_json_line(v);
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  return line;
}

// The value parsed from RESP `wire` by ReplyParser, as the session gets it.
Value parse_reply(std::string_view wire) {
  resp::ReplyParser parser;
  parser.feed(wire);
  Value v;
  EXPECT_EQ(parser.next(v), resp::ParseStatus::kRequest) << parser.error();
  return v;
}

// ---- Base64 -------------------------------------------------------------------------------

TEST(JsonLinesBase64, KnownVectors) {  // RFC 4648 section 10
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
      {std::string("\x00\xff", 2), "AP8="},
      {"\xfb\xff", "+/8="}};
  for (const auto& [bytes, text] : cases) {
    EXPECT_EQ(base64_encode(bytes), text);
    Result<std::string> d = base64_decode(text);
    ASSERT_TRUE(d.is_ok()) << text << ": " << d.status().to_string();
    EXPECT_EQ(d.value(), bytes);
  }
}

TEST(JsonLinesBase64, RoundTripsEveryByteAtLengthsZeroToTen) {
  for (std::size_t len = 0; len <= 10; ++len) {
    for (int b = 0; b < 256; ++b) {
      for (int stride : {0, 1, 37, 255}) {
        std::string bytes;
        for (std::size_t i = 0; i < len; ++i) {
          bytes.push_back(static_cast<char>((b + stride * static_cast<int>(i)) & 0xFF));
        }
        const std::string text = base64_encode(bytes);
        ASSERT_EQ(text.size(), (len + 2) / 3 * 4);
        Result<std::string> d = base64_decode(text);
        ASSERT_TRUE(d.is_ok()) << text << ": " << d.status().to_string();
        ASSERT_EQ(d.value(), bytes) << text;
      }
    }
  }
  std::string all;
  for (int b = 0; b < 256; ++b) {
    all.push_back(static_cast<char>(b));
  }
  Result<std::string> d = base64_decode(base64_encode(all));
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d.value(), all);
}

TEST(JsonLinesBase64, RefusesMalformedText) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Zg", "length 2 is not a multiple of 4"},
      {"Zm9vY", "length 5 is not a multiple of 4"},
      {"Zm9v\n", "length 5 is not a multiple of 4"},
      {"Zm 9", "invalid byte 0x20 at offset 2"},
      {"Zm9v!AAA", "invalid character '!' at offset 4"},
      {"Zm-_", "invalid character '-' at offset 2"},  // the URL-safe alphabet
      {"Zm\xc3\xa9", "invalid byte 0xC3 at offset 2"},
      {std::string("Zm\0v", 4), "invalid byte 0x00 at offset 2"},
      {"Z=9v", "misplaced '=' at offset 1"},
      {"====", "misplaced '=' at offset 0"},
      {"Zg==Zg==", "misplaced '=' at offset 2"},
      {"A===", "misplaced '=' at offset 1"},
      {"Zh==", "the character at offset 1 has non-zero bits that padding discards"},
      {"Zm9=", "the character at offset 2 has non-zero bits that padding discards"},
  };
  for (const auto& [text, message] : cases) {
    Result<std::string> d = base64_decode(text);
    ASSERT_FALSE(d.is_ok()) << text;
    EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(d.status().message(), message) << text;
  }
}

// ---- Requests: the forms ------------------------------------------------------------------

TEST(JsonLinesRequest, SetWithValueAndTtl) {
  EXPECT_EQ(argv_of(R"({"cmd":"SET","key":"k","value":"aGVsbG8=","ttl_ms":1000})"),
            (Argv{"SET", "k", "hello", "PX", "1000"}));
  EXPECT_EQ(argv_of(R"({"cmd":"SET","key":"k","value":"aGVsbG8=","ttl":10})"),
            (Argv{"SET", "k", "hello", "EX", "10"}));
  EXPECT_EQ(argv_of(R"({"cmd":"SET","key":"k","value":"aGVsbG8="})"), (Argv{"SET", "k", "hello"}));
  EXPECT_EQ(argv_of(R"({"cmd":"SET","key":"k","value":"","args":["GET"]})"),
            (Argv{"SET", "k", "", "GET"}));
  EXPECT_EQ(argv_of(R"({"cmd":"SET","key":"k","value":"AP8=","ttl":5,"args":["NX","GET"]})"),
            (Argv{"SET", "k", std::string("\x00\xff", 2), "EX", "5", "NX", "GET"}));
  // The generic form: a text value in "args".
  EXPECT_EQ(argv_of(R"({"cmd":"set","args":["k","v","XX"]})"), (Argv{"set", "k", "v", "XX"}));
}

TEST(JsonLinesRequest, CommandNameIsCaseInsensitiveAndKeptAsGiven) {
  EXPECT_EQ(argv_of(R"({"cmd":"sEt","key":"k","value":"aGk=","ttl_ms":7})"),
            (Argv{"sEt", "k", "hi", "PX", "7"}));
  EXPECT_EQ(argv_of(R"({"cmd":"incrby","key":"n","by":2})"), (Argv{"incrby", "n", "2"}));
}

TEST(JsonLinesRequest, KeyCommands) {
  EXPECT_EQ(argv_of(R"({"cmd":"GET","key":"k"})"), (Argv{"GET", "k"}));
  EXPECT_EQ(argv_of(R"({"cmd":"DEL","key":"k"})"), (Argv{"DEL", "k"}));
  EXPECT_EQ(argv_of(R"({"cmd":"DEL","keys":["a","b"]})"), (Argv{"DEL", "a", "b"}));
  EXPECT_EQ(argv_of(R"({"cmd":"DEL","key":"a","keys":["b","c"]})"), (Argv{"DEL", "a", "b", "c"}));
  EXPECT_EQ(argv_of(R"({"cmd":"MGET","keys":[]})"), (Argv{"MGET"}));
  EXPECT_EQ(argv_of(R"({"cmd":"EXISTS","keys":["x"],"args":["y"]})"), (Argv{"EXISTS", "x", "y"}));
  EXPECT_EQ(argv_of(R"({"cmd":"INCR","key":"k"})"), (Argv{"INCR", "k"}));
  EXPECT_EQ(argv_of(R"({"cmd":"TTL","key":"k"})"), (Argv{"TTL", "k"}));
  EXPECT_EQ(argv_of(R"({"cmd":"GET","key":""})"), (Argv{"GET", ""}));
}

TEST(JsonLinesRequest, NumberFields) {
  EXPECT_EQ(argv_of(R"({"cmd":"INCRBY","key":"k","by":5})"), (Argv{"INCRBY", "k", "5"}));
  EXPECT_EQ(argv_of(R"({"cmd":"INCRBY","key":"k","by":-5})"), (Argv{"INCRBY", "k", "-5"}));
  EXPECT_EQ(argv_of(R"({"cmd":"DECRBY","key":"k","by":3})"), (Argv{"DECRBY", "k", "3"}));
  EXPECT_EQ(argv_of(R"({"cmd":"INCRBYFLOAT","key":"k","by":2.5})"),
            (Argv{"INCRBYFLOAT", "k", "2.5"}));
  EXPECT_EQ(argv_of(R"({"cmd":"INCRBYFLOAT","key":"k","by":3})"), (Argv{"INCRBYFLOAT", "k", "3"}));
  EXPECT_EQ(argv_of(R"({"cmd":"INCRBYFLOAT","key":"k","by":0.1})"),
            (Argv{"INCRBYFLOAT", "k", "0.1"}));
  EXPECT_EQ(argv_of(R"({"cmd":"EXPIRE","key":"k","ttl":10})"), (Argv{"EXPIRE", "k", "10"}));
  EXPECT_EQ(argv_of(R"({"cmd":"EXPIRE","key":"k","ttl":10,"args":["NX"]})"),
            (Argv{"EXPIRE", "k", "10", "NX"}));
  EXPECT_EQ(argv_of(R"({"cmd":"PEXPIRE","key":"k","ttl_ms":1500})"),
            (Argv{"PEXPIRE", "k", "1500"}));
  EXPECT_EQ(argv_of(R"({"cmd":"SETEX","key":"k","ttl":10,"value":"aGk="})"),
            (Argv{"SETEX", "k", "10", "hi"}));
  EXPECT_EQ(argv_of(R"({"cmd":"PSETEX","key":"k","value":"aGk=","ttl_ms":10})"),
            (Argv{"PSETEX", "k", "10", "hi"}));
  EXPECT_EQ(argv_of(R"({"cmd":"GETEX","key":"k","ttl":3})"), (Argv{"GETEX", "k", "EX", "3"}));
  EXPECT_EQ(argv_of(R"({"cmd":"GETEX","key":"k","ttl_ms":3})"), (Argv{"GETEX", "k", "PX", "3"}));
  // Numbers are passed on as their text; the command judges them as Redis does.
  EXPECT_EQ(argv_of(R"({"cmd":"EXPIRE","key":"k","ttl":-1})"), (Argv{"EXPIRE", "k", "-1"}));
  EXPECT_EQ(argv_of(R"({"cmd":"EXPIRE","key":"k","ttl":18446744073709551615})"),
            (Argv{"EXPIRE", "k", "18446744073709551615"}));
  EXPECT_EQ(argv_of(R"({"cmd":"INCRBY","key":"k","by":-9223372036854775808})"),
            (Argv{"INCRBY", "k", "-9223372036854775808"}));
}

TEST(JsonLinesRequest, ValueCommands) {
  EXPECT_EQ(argv_of(R"({"cmd":"SETNX","key":"k","value":"aGk="})"), (Argv{"SETNX", "k", "hi"}));
  EXPECT_EQ(argv_of(R"({"cmd":"GETSET","key":"k","value":"aGk="})"), (Argv{"GETSET", "k", "hi"}));
  EXPECT_EQ(argv_of(R"({"cmd":"APPEND","key":"k","value":"aGk="})"), (Argv{"APPEND", "k", "hi"}));
  EXPECT_EQ(argv_of(R"({"cmd":"ECHO","value":"aGk="})"), (Argv{"ECHO", "hi"}));
  EXPECT_EQ(argv_of(R"({"cmd":"PING"})"), (Argv{"PING"}));
  EXPECT_EQ(argv_of(R"({"cmd":"PING","value":"aGk="})"), (Argv{"PING", "hi"}));
  EXPECT_EQ(argv_of(R"({"cmd":"KEYS","pattern":"*"})"), (Argv{"KEYS", "*"}));
  EXPECT_EQ(argv_of(R"({"cmd":"KEYS","pattern":"user:[ab]*"})"), (Argv{"KEYS", "user:[ab]*"}));
}

TEST(JsonLinesRequest, GenericForm) {
  EXPECT_EQ(argv_of(R"({"cmd":"GETRANGE","args":["k","0","3"]})"),
            (Argv{"GETRANGE", "k", "0", "3"}));
  EXPECT_EQ(argv_of(R"({"cmd":"GETRANGE","key":"k","args":["0","3"]})"),
            (Argv{"GETRANGE", "k", "0", "3"}));
  EXPECT_EQ(argv_of(R"({"cmd":"DBSIZE","args":[]})"), (Argv{"DBSIZE"}));
  EXPECT_EQ(argv_of(R"({"cmd":"NOSUCHCOMMAND","args":["x"]})"), (Argv{"NOSUCHCOMMAND", "x"}));
  // Fields in any order; whitespace and a trailing CR around the object.
  EXPECT_EQ(argv_of(R"({"args":["0","3"],"key":"k","cmd":"GETRANGE"})"),
            (Argv{"GETRANGE", "k", "0", "3"}));
  EXPECT_EQ(argv_of(" {\t\"cmd\" : \"PING\" } \r"), (Argv{"PING"}));
}

TEST(JsonLinesRequest, StringsAreTheirUtf8Bytes) {
  EXPECT_EQ(argv_of(R"({"cmd":"GET","key":"h\u00e9llo"})"), (Argv{"GET", "h\xc3\xa9llo"}));
  EXPECT_EQ(argv_of("{\"cmd\":\"GET\",\"key\":\"h\xc3\xa9llo\"}"), (Argv{"GET", "h\xc3\xa9llo"}));
  EXPECT_EQ(argv_of(R"({"cmd":"GET","key":"\ud83d\ude00"})"), (Argv{"GET", "\xf0\x9f\x98\x80"}));
  EXPECT_EQ(argv_of(R"({"cmd":"GET","key":"a\u0000b"})"), (Argv{"GET", std::string("a\0b", 3)}));
  EXPECT_EQ(argv_of(R"({"cmd":"ECHO","args":["line\nbreak \"q\" \\"]})"),
            (Argv{"ECHO", "line\nbreak \"q\" \\"}));
}

// ---- Requests: the errors -----------------------------------------------------------------

TEST(JsonLinesRequestError, BadJson) {
  for (std::string_view line :
       {"", " ", "{", "}", "{\"cmd\":\"GET\",}", "{\"cmd\":\"GET\"} x", "{\"cmd\":\"GET\"}{}",
        "not json", "{cmd:\"GET\"}", "{'cmd':'GET'}", "{\"cmd\":\"GET\"\n}x", "{\"cmd\":\"G\xff\"}",
        "{\"cmd\":\"\\ud800\"}", "{\"cmd\":\"a\tb\"}", "{\"cmd\":01}", "{\"cmd\":NaN}",
        "{\"cmd\":\"GET\" // comment\n}"}) {
    EXPECT_EQ(error_of(line).rfind("invalid JSON: ", 0), 0u) << line;
  }
  // nlohmann-json's message, without its "[json.exception...]" prefix.
  EXPECT_EQ(error_of("{"),
            "invalid JSON: parse error at line 1, column 2: syntax error while "
            "parsing object key - unexpected end of input; expected string literal");
}

TEST(JsonLinesRequestError, NotAnObject) {
  EXPECT_EQ(error_of("[\"GET\",\"k\"]"), "a request must be a JSON object, not an array");
  EXPECT_EQ(error_of("\"GET\""), "a request must be a JSON object, not a string");
  EXPECT_EQ(error_of("null"), "a request must be a JSON object, not null");
  EXPECT_EQ(error_of("5"), "a request must be a JSON object, not a number");
}

TEST(JsonLinesRequestError, MissingOrBadCmd) {
  EXPECT_EQ(error_of("{}"), "missing field 'cmd'");
  EXPECT_EQ(error_of(R"({"key":"k"})"), "missing field 'cmd'");
  EXPECT_EQ(error_of(R"({"cmd":5})"), "field 'cmd' must be a string, not a number");
  EXPECT_EQ(error_of(R"({"cmd":null})"), "field 'cmd' must be a string, not null");
  EXPECT_EQ(error_of(R"({"cmd":["GET"]})"), "field 'cmd' must be a string, not an array");
  EXPECT_EQ(error_of(R"({"cmd":true})"), "field 'cmd' must be a string, not a boolean");
  EXPECT_EQ(error_of(R"({"cmd":""})"), "field 'cmd' must not be empty");
}

TEST(JsonLinesRequestError, WrongTypes) {
  EXPECT_EQ(error_of(R"({"cmd":"GET","key":5})"), "field 'key' must be a string, not a number");
  EXPECT_EQ(error_of(R"({"cmd":"GET","key":{"a":1}})"),
            "field 'key' must be a string, not an object");
  EXPECT_EQ(error_of(R"({"cmd":"DEL","keys":"a"})"),
            "field 'keys' must be an array of strings, not a string");
  EXPECT_EQ(error_of(R"({"cmd":"DEL","keys":["a",1]})"),
            "field 'keys' must hold only strings: keys[1] is a number");
  EXPECT_EQ(error_of(R"({"cmd":"DEL","args":[null]})"),
            "field 'args' must hold only strings: args[0] is null");
  EXPECT_EQ(error_of(R"({"cmd":"GETRANGE","args":["k",0,3]})"),
            "field 'args' must hold only strings: args[1] is a number");
  EXPECT_EQ(error_of(R"({"cmd":"SET","key":"k","value":5})"),
            "field 'value' must be a string, not a number");
  EXPECT_EQ(error_of(R"({"cmd":"EXPIRE","key":"k","ttl":"10"})"),
            "field 'ttl' must be an integer, not a string");
  EXPECT_EQ(error_of(R"({"cmd":"EXPIRE","key":"k","ttl":1.5})"),
            "field 'ttl' must be an integer, not a number");
  EXPECT_EQ(error_of(R"({"cmd":"PEXPIRE","key":"k","ttl_ms":false})"),
            "field 'ttl_ms' must be an integer, not a boolean");
  EXPECT_EQ(error_of(R"({"cmd":"INCRBY","key":"k","by":"5"})"),
            "field 'by' must be a number, not a string");
  EXPECT_EQ(error_of(R"({"cmd":"INCRBY","key":"k","by":null})"),
            "field 'by' must be a number, not null");
  EXPECT_EQ(error_of(R"({"cmd":"INCRBY","key":"k","by":1.5})"),
            "field 'by' must be an integer for INCRBY");
  EXPECT_EQ(error_of(R"({"cmd":"decrby","key":"k","by":2.0})"),
            "field 'by' must be an integer for decrby");
  EXPECT_EQ(error_of(R"({"cmd":"KEYS","pattern":["*"]})"),
            "field 'pattern' must be a string, not an array");
}

TEST(JsonLinesRequestError, BadBase64) {
  EXPECT_EQ(error_of(R"({"cmd":"SET","key":"k","value":"aGVsbG8"})"),
            "field 'value' is not valid base64: length 7 is not a multiple of 4");
  EXPECT_EQ(error_of(R"({"cmd":"SET","key":"k","value":"hello!!!"})"),
            "field 'value' is not valid base64: invalid character '!' at offset 5");
  EXPECT_EQ(error_of(R"({"cmd":"SET","key":"k","value":"aGk=aGk="})"),
            "field 'value' is not valid base64: misplaced '=' at offset 3");
}

TEST(JsonLinesRequestError, UnknownAndRepeatedFields) {
  EXPECT_EQ(error_of(R"({"cmd":"GET","Key":"k"})"), "unknown field 'Key'");
  EXPECT_EQ(error_of(R"({"cmd":"GET","key":"k","px":5})"), "unknown field 'px'");
  EXPECT_EQ(error_of(R"({"cmd":"GET","":1})"), "unknown field ''");
  const std::string long_name(1000, 'x');
  EXPECT_EQ(error_of(R"({"cmd":"GET",")" + long_name + R"(":1})"),
            "unknown field '" + std::string(64, 'x') + "...'");
  // Clipped on a character boundary: 63 x's, then a 2-byte character at bytes 63 and 64.
  EXPECT_EQ(error_of(R"({"cmd":"GET",")" + std::string(63, 'x') + "\xc3\xa9" + R"(yy":1})"),
            "unknown field '" + std::string(63, 'x') + "...'");
  // The first unknown field in the line is named, before any other error but bad JSON.
  EXPECT_EQ(error_of(R"({"zzz":1,"aaa":2,"cmd":5})"), "unknown field 'zzz'");
  EXPECT_EQ(error_of(R"({"x":[1,[2]],"x":{}})"), "unknown field 'x'");
  EXPECT_EQ(error_of(R"({"cmd":"GET","key":"a","key":"b"})"), "duplicate field 'key'");
  EXPECT_EQ(error_of(R"({"cmd":"GET","cmd":"GET"})"), "duplicate field 'cmd'");
}

TEST(JsonLinesRequestError, FieldsThatDoNotApply) {
  EXPECT_EQ(error_of(R"({"cmd":"GET","key":"k","value":"aGk="})"),
            "field 'value' does not apply to GET");
  EXPECT_EQ(error_of(R"({"cmd":"GETRANGE","key":"k","ttl":1})"),
            "field 'ttl' does not apply to GETRANGE");
  EXPECT_EQ(error_of(R"({"cmd":"EXPIRE","key":"k","ttl_ms":5})"),
            "field 'ttl_ms' does not apply to EXPIRE");
  EXPECT_EQ(error_of(R"({"cmd":"PEXPIRE","key":"k","ttl":5})"),
            "field 'ttl' does not apply to PEXPIRE");
  EXPECT_EQ(error_of(R"({"cmd":"SETEX","key":"k","ttl_ms":5,"value":"aGk="})"),
            "field 'ttl_ms' does not apply to SETEX");
  EXPECT_EQ(error_of(R"({"cmd":"INCR","key":"k","by":5})"), "field 'by' does not apply to INCR");
  EXPECT_EQ(error_of(R"({"cmd":"SCAN","pattern":"*"})"), "field 'pattern' does not apply to SCAN");
  EXPECT_EQ(error_of(R"({"cmd":"SET","keys":["a"],"value":"aGk="})"),
            "field 'keys' does not apply to SET");
  EXPECT_EQ(error_of(R"({"cmd":"KEYS","key":"k","pattern":"*"})"),
            "field 'key' does not apply to KEYS");
  EXPECT_EQ(error_of(R"({"cmd":"PING","key":"k"})"), "field 'key' does not apply to PING");
}

TEST(JsonLinesRequestError, FieldsThatNeedOthers) {
  EXPECT_EQ(error_of(R"({"cmd":"SET","value":"aGk="})"), "field 'value' needs field 'key'");
  EXPECT_EQ(error_of(R"({"cmd":"INCRBY","by":1})"), "field 'by' needs field 'key'");
  EXPECT_EQ(error_of(R"({"cmd":"EXPIRE","ttl":1,"args":["k"]})"), "field 'ttl' needs field 'key'");
  EXPECT_EQ(error_of(R"({"cmd":"SET","key":"k","value":"aGk=","ttl":1,"ttl_ms":5})"),
            "fields 'ttl' and 'ttl_ms' exclude each other");
  EXPECT_EQ(error_of(R"({"cmd":"GETEX","key":"k","ttl":1,"ttl_ms":5})"),
            "fields 'ttl' and 'ttl_ms' exclude each other");
  EXPECT_EQ(error_of(R"({"cmd":"SET","key":"k","ttl":1,"args":["v"]})"),
            "field 'ttl' needs field 'value'");
  EXPECT_EQ(error_of(R"({"cmd":"SET","key":"k","ttl_ms":1})"),
            "field 'ttl_ms' needs field 'value'");
  EXPECT_EQ(error_of(R"({"cmd":"SETEX","key":"k","value":"aGk="})"),
            "field 'value' needs field 'ttl'");
  EXPECT_EQ(error_of(R"({"cmd":"PSETEX","key":"k","value":"aGk="})"),
            "field 'value' needs field 'ttl_ms'");
  EXPECT_EQ(error_of(R"({"cmd":"SETEX","key":"k","ttl":5})"), "field 'ttl' needs field 'value'");
}

// {"cmd":"DEL","args":["","",...]} with n empty strings.
std::string del_with_args(std::size_t n) {
  std::string line = R"({"cmd":"DEL","args":[)";
  line.reserve(line.size() + 3 * n + 2);
  for (std::size_t i = 0; i < n; ++i) {
    line.append(i == 0 ? "\"\"" : ",\"\"");
  }
  return line + "]}";
}

TEST(JsonLinesRequestError, TooManyArguments) {
  EXPECT_EQ(argv_of(del_with_args(kMaxJsonLineArgs - 1)).size(), kMaxJsonLineArgs);
  EXPECT_EQ(error_of(del_with_args(kMaxJsonLineArgs)), "too many arguments (more than 1048576)");
  // Far more: refused while parsing (the values past the limit are not kept).
  EXPECT_EQ(error_of(del_with_args(kMaxJsonLineArgs + 100)),
            "too many arguments (more than 1048576)");
}

// ---- Requests: hostile input --------------------------------------------------------------

TEST(JsonLinesHostile, DeepNestingIsRefused) {
  const std::size_t n = 100000;
  const std::string arrays = std::string(n, '[') + std::string(n, ']');
  EXPECT_EQ(error_of(arrays), "invalid JSON: nested deeper than 16 levels");
  std::string objects;
  for (std::size_t i = 0; i < n; ++i) {
    objects += "{\"a\":";
  }
  objects += "1" + std::string(n, '}');
  EXPECT_EQ(error_of(objects), "invalid JSON: nested deeper than 16 levels");
  EXPECT_EQ(error_of(R"({"cmd":"GET","key":)" + arrays + "}"),
            "invalid JSON: nested deeper than 16 levels");
  EXPECT_EQ(error_of(std::string(n, '[')).rfind("invalid JSON: ", 0), 0u);  // never closed
  // 16 levels are parsed (and then refused for what they are).
  const std::string fifteen = std::string(15, '[') + std::string(15, ']');
  EXPECT_EQ(error_of(R"({"cmd":"GET","key":)" + fifteen + "}"),
            "field 'key' must be a string, not an array");
}

TEST(JsonLinesHostile, HugeNumbers) {
  EXPECT_EQ(error_of(R"({"cmd":"EXPIRE","key":"k","ttl":1e400})"),
            "invalid JSON: number overflow parsing '1e400'");
  EXPECT_EQ(error_of(R"({"cmd":"EXPIRE","key":"k","ttl":-1e400})").rfind("invalid JSON", 0), 0u);
  EXPECT_EQ(error_of(R"({"cmd":"EXPIRE","key":"k","ttl":"1"})"),
            "field 'ttl' must be an integer, not a string");
  // Beyond 64 bits an integer is read as a double: not an integer any more.
  EXPECT_EQ(error_of(R"({"cmd":"EXPIRE","key":"k","ttl":99999999999999999999})"),
            "field 'ttl' must be an integer, not a number");
  EXPECT_EQ(error_of(R"({"cmd":"INCRBY","key":"k","by":-99999999999999999999})"),
            "field 'by' must be an integer for INCRBY");
  EXPECT_EQ(error_of(R"({"cmd":"EXPIRE","key":"k","ttl":1e-400})"),
            "field 'ttl' must be an integer, not a number");
  const std::string digits = "1" + std::string(100000, '0');
  const std::string message = error_of(R"({"cmd":"EXPIRE","key":"k","ttl":)" + digits + "}");
  EXPECT_EQ(message.rfind("invalid JSON: number overflow", 0), 0u);
  EXPECT_LE(message.size(), 220u);  // the quoted number is clipped
}

TEST(JsonLinesHostile, RandomInputNeverThrows) {
  base::Prng prng(20240611);
  const std::string seed_line =
      R"({"cmd":"SET","key":"k","value":"aGk=","ttl":10,"keys":["a"],"args":["x",1.5e3]})";
  const std::string alphabet =
      "{}[]\",:\\u0123456789eE+-.tfnrl \xc3\xff\x80"
      "abc=";
  for (int round = 0; round < 5000; ++round) {
    std::string line = seed_line;
    const std::uint64_t edits = prng.range(1, 8);
    for (std::uint64_t e = 0; e < edits; ++e) {
      const std::size_t at = prng.uniform(line.size() + 1);
      const char c = round % 2 == 0 ? alphabet[prng.uniform(alphabet.size())]
                                    : static_cast<char>(prng.uniform(256));
      switch (prng.uniform(3)) {
        case 0:
          line.insert(line.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        case 1:
          if (at < line.size()) {
            line.erase(at, 1);
          }
          break;
        default:
          if (at < line.size()) {
            line[at] = c;
          }
          break;
      }
    }
    EXPECT_NO_THROW({
      Result<Argv> r = json_line_to_argv(line);
      if (!r.is_ok()) {
        EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
      }
    }) << line;
  }
}

// ---- Replies ------------------------------------------------------------------------------

TEST(JsonLinesReply, Scalars) {
  EXPECT_EQ(line_of(simple("OK")), "{\"ok\":true,\"result\":\"OK\"}\n");
  EXPECT_EQ(line_of(simple("PONG")), "{\"ok\":true,\"result\":\"PONG\"}\n");
  EXPECT_EQ(line_of(integer(5)), "{\"ok\":true,\"result\":5}\n");
  EXPECT_EQ(line_of(integer(-2)), "{\"ok\":true,\"result\":-2}\n");
  EXPECT_EQ(line_of(integer(std::numeric_limits<std::int64_t>::min())),
            "{\"ok\":true,\"result\":-9223372036854775808}\n");
  EXPECT_EQ(line_of(bulk("hello")), "{\"ok\":true,\"value\":\"aGVsbG8=\"}\n");
  EXPECT_EQ(line_of(bulk("")), "{\"ok\":true,\"value\":\"\"}\n");
  EXPECT_EQ(line_of(bulk(std::string("\x00\xff\n", 3))), "{\"ok\":true,\"value\":\"AP8K\"}\n");
  EXPECT_EQ(line_of(null()), "{\"ok\":true,\"value\":null}\n");
  EXPECT_EQ(line_of(scalar(Type::kBool, "", 1)), "{\"ok\":true,\"result\":true}\n");
  EXPECT_EQ(line_of(scalar(Type::kBool, "", 0)), "{\"ok\":true,\"result\":false}\n");
  EXPECT_EQ(line_of(scalar(Type::kDouble, "3.5")), "{\"ok\":true,\"result\":3.5}\n");
  EXPECT_EQ(line_of(scalar(Type::kBigNumber, "123456789012345678901234567890")),
            "{\"ok\":true,\"result\":\"123456789012345678901234567890\"}\n");
  EXPECT_EQ(line_of(scalar(Type::kVerbatim, "some text")),
            "{\"ok\":true,\"result\":\"some text\"}\n");
}

TEST(JsonLinesReply, Errors) {
  EXPECT_EQ(line_of(error("ERR syntax error")), "{\"ok\":false,\"error\":\"ERR syntax error\"}\n");
  EXPECT_EQ(line_of(error("TRYAGAIN the leader changed; retry")),
            "{\"ok\":false,\"error\":\"TRYAGAIN the leader changed; retry\"}\n");
  EXPECT_EQ(line_of(error("MOVED 0 127.0.0.1:7002")),
            "{\"ok\":false,\"error\":\"MOVED 0 127.0.0.1:7002\"}\n");
  EXPECT_EQ(line_of(error("ERR unknown command 'a\"b\\c'")),
            "{\"ok\":false,\"error\":\"ERR unknown command 'a\\\"b\\\\c'\"}\n");
}

TEST(JsonLinesReply, Doubles) {
  EXPECT_EQ(line_of(scalar(Type::kDouble, "0")), "{\"ok\":true,\"result\":0.0}\n");
  EXPECT_EQ(line_of(scalar(Type::kDouble, "-1.25")), "{\"ok\":true,\"result\":-1.25}\n");
  EXPECT_EQ(line_of(scalar(Type::kDouble, "1e+300")), "{\"ok\":true,\"result\":1e+300}\n");
  EXPECT_EQ(line_of(scalar(Type::kDouble, "0.1")), "{\"ok\":true,\"result\":0.1}\n");
  // JSON has no infinities or NaN: those keep their RESP text, as a string.
  EXPECT_EQ(line_of(scalar(Type::kDouble, "inf")), "{\"ok\":true,\"result\":\"inf\"}\n");
  EXPECT_EQ(line_of(scalar(Type::kDouble, "-inf")), "{\"ok\":true,\"result\":\"-inf\"}\n");
  EXPECT_EQ(line_of(scalar(Type::kDouble, "nan")), "{\"ok\":true,\"result\":\"nan\"}\n");
  EXPECT_EQ(line_of(scalar(Type::kDouble, "junk")), "{\"ok\":true,\"result\":\"junk\"}\n");
}

TEST(JsonLinesReply, Arrays) {
  EXPECT_EQ(line_of(array({})), "{\"ok\":true,\"result\":[]}\n");
  EXPECT_EQ(line_of(array({bulk("a"), null(), integer(3), array({bulk("b"), array({})}),
                           simple("OK"), error("ERR x"), scalar(Type::kBool, "", 1),
                           scalar(Type::kDouble, "2.5"), scalar(Type::kBigNumber, "7")})),
            "{\"ok\":true,\"result\":[\"YQ==\",null,3,[\"Yg==\",[]],\"OK\",{\"error\":\"ERR x\"},"
            "true,2.5,\"7\"]}\n");
  EXPECT_EQ(line_of(aggregate(Type::kSet, {bulk("a"), bulk("b")})),
            "{\"ok\":true,\"result\":[\"YQ==\",\"Yg==\"]}\n");
  EXPECT_EQ(line_of(aggregate(Type::kPush, {bulk("message"), integer(1)})),
            "{\"ok\":true,\"result\":[\"bWVzc2FnZQ==\",1]}\n");
}

TEST(JsonLinesReply, Maps) {
  EXPECT_EQ(line_of(map({})), "{\"ok\":true,\"result\":{}}\n");
  // String keys (as text, in the reply's order); values rendered as array elements.
  EXPECT_EQ(line_of(map({bulk("server"), bulk("helios"), simple("proto"), integer(3),
                         scalar(Type::kVerbatim, "modules"), array({})})),
            "{\"ok\":true,\"result\":{\"server\":\"aGVsaW9z\",\"proto\":3,\"modules\":[]}}\n");
  // A non-string key, a repeated key, or a key that is not UTF-8: an array of pairs.
  EXPECT_EQ(line_of(map({integer(1), bulk("a"), integer(2), null()})),
            "{\"ok\":true,\"result\":[[1,\"YQ==\"],[2,null]]}\n");
  EXPECT_EQ(line_of(map({bulk("k"), integer(1), bulk("k"), integer(2)})),
            "{\"ok\":true,\"result\":[[\"aw==\",1],[\"aw==\",2]]}\n");
  EXPECT_EQ(line_of(map({bulk("ok"), integer(1), bulk("\xff"), integer(2)})),
            "{\"ok\":true,\"result\":[[\"b2s=\",1],[\"/w==\",2]]}\n");
  EXPECT_EQ(line_of(array({map({bulk("a"), map({bulk("b"), bulk("c")})})})),
            "{\"ok\":true,\"result\":[{\"a\":{\"b\":\"Yw==\"}}]}\n");
  // Malformed (an odd count): the last key pairs with null.
  EXPECT_EQ(line_of(map({bulk("a")})), "{\"ok\":true,\"result\":[[\"YQ==\",null]]}\n");
  // UTF-8 keys stay objects; escapes are JSON's.
  EXPECT_EQ(line_of(map({bulk("h\xc3\xa9"), integer(1), bulk("a\"b\n"), integer(2)})),
            "{\"ok\":true,\"result\":{\"h\xc3\xa9\":1,\"a\\\"b\\n\":2}}\n");
}

TEST(JsonLinesReply, TextThatIsNotUtf8IsReplaced) {
  EXPECT_EQ(line_of(simple("a\xff"
                           "b")),
            "{\"ok\":true,\"result\":\"a\xef\xbf\xbd"
            "b\"}\n");
  EXPECT_EQ(line_of(error("ERR bad \xc3")), "{\"ok\":false,\"error\":\"ERR bad \xef\xbf\xbd\"}\n");
  EXPECT_EQ(line_of(array({simple("\x80")})), "{\"ok\":true,\"result\":[\"\xef\xbf\xbd\"]}\n");
  EXPECT_EQ(line_of(simple("tab\there")), "{\"ok\":true,\"result\":\"tab\\there\"}\n");
}

TEST(JsonLinesReply, FromTheWire) {
  EXPECT_EQ(line_of(parse_reply("+OK\r\n")), "{\"ok\":true,\"result\":\"OK\"}\n");
  EXPECT_EQ(line_of(parse_reply("$-1\r\n")), "{\"ok\":true,\"value\":null}\n");
  EXPECT_EQ(line_of(parse_reply("*-1\r\n")), "{\"ok\":true,\"value\":null}\n");
  EXPECT_EQ(line_of(parse_reply("-WRONGTYPE Operation against a key\r\n")),
            "{\"ok\":false,\"error\":\"WRONGTYPE Operation against a key\"}\n");
  EXPECT_EQ(line_of(parse_reply("*3\r\n$1\r\na\r\n:1\r\n$-1\r\n")),
            "{\"ok\":true,\"result\":[\"YQ==\",1,null]}\n");
  EXPECT_EQ(line_of(parse_reply("%2\r\n+a\r\n#t\r\n$1\r\nb\r\n,1.5\r\n")),
            "{\"ok\":true,\"result\":{\"a\":true,\"b\":1.5}}\n");
  EXPECT_EQ(line_of(parse_reply("!9\r\nERR oops!\r\n")),
            "{\"ok\":false,\"error\":\"ERR oops!\"}\n");
  EXPECT_EQ(line_of(parse_reply("=15\r\ntxt:hello world\r\n")),
            "{\"ok\":true,\"result\":\"hello world\"}\n");
}

TEST(JsonLinesReply, NestingAsDeepAsTheParserAllows) {
  // resp::kMaxReplyDepth nested arrays come through the parser and render.
  std::string wire;
  for (std::size_t i = 0; i < resp::kMaxReplyDepth; ++i) {
    wire += "*1\r\n";
  }
  wire += ":7\r\n";
  const std::string expected = "{\"ok\":true,\"result\":" + std::string(resp::kMaxReplyDepth, '[') +
                               "7" + std::string(resp::kMaxReplyDepth, ']') + "}\n";
  EXPECT_EQ(line_of(parse_reply(wire)), expected);
  // One more level (only a hand-built Value can have it) is an error line, not a crash.
  Value deep = integer(7);
  for (std::size_t i = 0; i <= resp::kMaxReplyDepth; ++i) {
    Value outer = array({});
    outer.elements.push_back(std::move(deep));
    deep = std::move(outer);
  }
  EXPECT_EQ(line_of(deep), "{\"ok\":false,\"error\":\"ERR reply nested deeper than 64 levels\"}\n");
  Value deep_map = integer(7);
  for (std::size_t i = 0; i < 1000; ++i) {
    Value outer = map({bulk("k")});
    outer.elements.push_back(std::move(deep_map));
    deep_map = std::move(outer);
  }
  EXPECT_EQ(line_of(deep_map),
            "{\"ok\":false,\"error\":\"ERR reply nested deeper than 64 levels\"}\n");
}

TEST(JsonLinesReply, LargeAggregates) {
  std::vector<Value> pairs;
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    pairs.push_back(bulk("k" + std::to_string(i)));
    pairs.push_back(integer(i));
  }
  const std::string line = line_of(map(std::move(pairs)));
  const nlohmann::json j = nlohmann::json::parse(line);
  ASSERT_TRUE(j["result"].is_object());
  EXPECT_EQ(j["result"].size(), static_cast<std::size_t>(n));
  EXPECT_EQ(j["result"]["k49999"], 49999);
}

TEST(JsonLinesRoundTrip, RequestValueComesBackAsTheReplyValue) {
  // What a SET stores from "value" is what a GET's "value" shows, for every byte value.
  for (int b = 0; b < 256; ++b) {
    const std::string bytes(static_cast<std::size_t>(b % 11), static_cast<char>(b));
    const std::string b64 = base64_encode(bytes);
    const Argv argv = argv_of(R"({"cmd":"SET","key":"k","value":")" + b64 + "\"}");
    ASSERT_EQ(argv.size(), 3u);
    EXPECT_EQ(argv[2], bytes);
    EXPECT_EQ(line_of(bulk(argv[2])), "{\"ok\":true,\"value\":\"" + b64 + "\"}\n");
  }
}

}  // namespace
}  // namespace helios::api
