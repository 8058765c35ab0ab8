#pragma once
// Reply: the result of one operation of a Command, as Store::apply produces it on every
// replica alike (so any replica could answer the client). src/api/ turns it into RESP.

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace helios::atlas {

// Redis's exact error lines (RESP adds the '-' and CRLF).
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrNanOrInfinity = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kErrStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kErrNoSuchKey = "ERR no such key";
inline constexpr std::string_view kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrIndexOutOfRange = "ERR index out of range";
inline constexpr std::string_view kErrHashNotInteger = "ERR hash value is not an integer";
inline constexpr std::string_view kErrHashNotFloat = "ERR hash value is not a float";
inline constexpr std::string_view kErrNotPositive = "ERR value is out of range, must be positive";
inline constexpr std::string_view kErrTooManyMembers =
    "ERR the collection would exceed kMaxMembers (a Helios limit)";

struct Reply {
  // Which op gives which kinds (atlas/command.h has the details):
  //   SET          OK, nil; with GET bulk or nil
  //   DEL, EXPIRE, PERSIST, DELETE_IF_EXPIRED, MSETNX: integer
  //   INCRBY       integer or error (kErrNotInteger, kErrOverflow)
  //   READ         by ReadKind: kGet bulk or nil, kGetRange bulk, the others integer
  //   APPEND, SETRANGE: integer (the new length) or error (kErrStringTooLong)
  //   INCRBYFLOAT  bulk (the new value) or error (kErrNotFloat, kErrNanOrInfinity)
  //   RENAME       OK, or integer (RENAMENX), or error (kErrNoSuchKey)
  //   FLUSH        OK
  //   OBJECT       by command (atlas/objects.h): any kind
  enum class Kind : std::uint8_t {
    kOk,       // +OK (SET that stored its value, RENAME, FLUSH)
    kNil,      // the null bulk string (GET of a missing key, SET NX/XX that did not store)
    kInteger,  // `integer` (DEL count, EXPIRE/PERSIST 0/1, INCRBY result, lengths...)
    kBulk,     // `text` is the value (SET ... GET of an existing key, INCRBYFLOAT result)
    kError,    // `text` is the whole error line, e.g. kErrNotInteger; the op changed nothing
    // Collections (the object commands, atlas/objects.h):
    kStatus,    // a simple string: `text` ("hash" for TYPE)
    kArray,     // `elements`, in order
    kMap,       // `elements`: key, value, key, value... (RESP3 map; RESP2 a flat array)
    kSet,       // `elements` (RESP3 set; RESP2 an array)
    kDouble,    // a score: `integer` holds the double's bits (RESP3 double; RESP2 its text)
    kNilArray,  // the null array (BLPOP's timeout, LMPOP on nothing): RESP2 "*-1"
    // `elements`: member, score, member, score... (ZRANGE WITHSCORES, HRANDFIELD
    // WITHVALUES): RESP2 a flat array, RESP3 an array of two-element arrays.
    kPairs,
  };
  static constexpr Kind kLastKind = Kind::kPairs;

  Kind kind = Kind::kOk;
  std::int64_t integer = 0;     // kInteger only; 0 otherwise
  std::string text;             // kBulk, kError and kStatus only; empty otherwise
  std::vector<Reply> elements;  // kArray, kMap and kSet only; empty otherwise

  static Reply ok() { return Reply{}; }
  static Reply nil() { return Reply{Kind::kNil, 0, {}}; }
  static Reply of_integer(std::int64_t value) { return Reply{Kind::kInteger, value, {}}; }
  static Reply bulk(std::string value) { return Reply{Kind::kBulk, 0, std::move(value)}; }
  static Reply error(std::string_view line) { return Reply{Kind::kError, 0, std::string(line)}; }
  static Reply status(std::string_view line) { return Reply{Kind::kStatus, 0, std::string(line)}; }
  static Reply array(std::vector<Reply> items) {
    return Reply{Kind::kArray, 0, {}, std::move(items)};
  }
  static Reply map(std::vector<Reply> pairs) { return Reply{Kind::kMap, 0, {}, std::move(pairs)}; }
  static Reply set(std::vector<Reply> items) { return Reply{Kind::kSet, 0, {}, std::move(items)}; }
  static Reply of_double(double d) {
    return Reply{Kind::kDouble, std::bit_cast<std::int64_t>(d), {}};
  }
  static Reply nil_array() { return Reply{Kind::kNilArray, 0, {}}; }
  static Reply pairs(std::vector<Reply> flat) {
    return Reply{Kind::kPairs, 0, {}, std::move(flat)};
  }
  double as_double() const { return std::bit_cast<double>(integer); }
  bool is_error() const { return kind == Kind::kError; }

  bool operator==(const Reply&) const = default;

  // For logs and test failures: "OK", "nil", "(integer) 3", "\"bulk\"" (escaped),
  // "(error) ERR ...".
  std::string to_string() const;
};

}  // namespace helios::atlas
