#pragma once
// Reply: the result of one operation of a Command, as Store::apply produces it on every
// replica alike (so any replica could answer the client). src/api/ turns it into RESP.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace helios::atlas {

// Redis's exact error lines (RESP adds the '-' and CRLF).
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrNanOrInfinity = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kErrStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kErrNoSuchKey = "ERR no such key";

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
  enum class Kind : std::uint8_t {
    kOk,       // +OK (SET that stored its value, RENAME, FLUSH)
    kNil,      // the null bulk string (GET of a missing key, SET NX/XX that did not store)
    kInteger,  // `integer` (DEL count, EXPIRE/PERSIST 0/1, INCRBY result, lengths...)
    kBulk,     // `text` is the value (SET ... GET of an existing key, INCRBYFLOAT result)
    kError,    // `text` is the whole error line, e.g. kErrNotInteger; the op changed nothing
  };

  Kind kind = Kind::kOk;
  std::int64_t integer = 0;  // kInteger only; 0 otherwise
  std::string text;          // kBulk and kError only; empty otherwise

  static Reply ok() { return Reply{}; }
  static Reply nil() { return Reply{Kind::kNil, 0, {}}; }
  static Reply of_integer(std::int64_t value) { return Reply{Kind::kInteger, value, {}}; }
  static Reply bulk(std::string value) { return Reply{Kind::kBulk, 0, std::move(value)}; }
  static Reply error(std::string_view line) { return Reply{Kind::kError, 0, std::string(line)}; }

  bool operator==(const Reply&) const = default;

  // For logs and test failures: "OK", "nil", "(integer) 3", "\"bulk\"" (escaped),
  // "(error) ERR ...".
  std::string to_string() const;
};

}  // namespace helios::atlas
