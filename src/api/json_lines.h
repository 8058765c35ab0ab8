#pragma once
// The ATLAS JSON-lines protocol (docs/json-lines.md): a client port connection whose first
// byte is '{' sends one JSON object per line and reads one JSON object per line back. This
// file is the pure translation layer; the session splits the lines, runs each command exactly
// as if it had come over RESP, parses the RESP reply it produced and renders it here.
//
//   json_line_to_argv   {"cmd":"SET","key":"k","value":"aGk=","ttl_ms":1000}
//                         -> SET k hi PX 1000
//   value_to_json_line  +OK -> {"ok":true,"result":"OK"}; $2 hi -> {"ok":true,"value":"aGk="}
//
// Requests: "cmd" (required, matched case-insensitively, kept as given in argv[0]), then
// "key", "keys", the fields a few commands give meaning to ("value" in base64, "ttl",
// "ttl_ms", "by", "pattern"), then "args"; every string is taken as its UTF-8 bytes. Field
// names are case-sensitive; an unknown field, a repeated field, a field of the wrong JSON type
// or one the command gives no meaning to is refused with an error naming it.
//
// Replies: an error -> {"ok":false,"error":"<line>"}; a bulk string -> "value" in base64, nil
// -> "value":null; anything else -> "result" (text, number, boolean, array, object). Strings
// that are not valid UTF-8 (simple strings, errors) have each bad sequence replaced by U+FFFD;
// bulk strings, being base64, are exact.
//
// Pure functions: no I/O, no state, thread-safe; no exception escapes (nlohmann-json's are
// caught and become errors).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "resp/reply_parser.h"

namespace helios::api {

using Argv = std::vector<std::string>;

// The most arguments (argv[0] included) one request line may produce; more is refused, as a
// RESP request with more than ParserLimits::max_args elements is.
inline constexpr std::size_t kMaxJsonLineArgs = std::size_t{1} << 20;

// The deepest JSON nesting a request line may have (a valid request needs 2: the object and
// an array in it); deeper lines are refused before any field is looked at.
inline constexpr int kMaxJsonRequestDepth = 16;

// One request line (without its '\n'; a trailing '\r' is whitespace) -> the Redis command's
// arguments, argv[0] the command name as the client spelled it. A malformed request is
// kInvalidArgument with a message to prefix with "ERR " ("invalid JSON: ...", "missing field
// 'cmd'", "unknown field 'foo'", "field 'ttl' must be an integer", "field 'value' is not
// valid base64: ..."...). Only the request's shape is checked: the command's arity, its
// options and its numbers are left to the command itself, which answers as Redis would.
Result<Argv> json_line_to_argv(std::string_view line);

// One reply -> one JSON object on one line, ending in '\n' (docs/json-lines.md has the
// mapping table). A value nested deeper than resp::kMaxReplyDepth (deeper than any parsed
// reply) becomes an error line.
std::string value_to_json_line(const resp::Value& v);

// Planted bug (simulator only; raft::PlantedBugs::json_ttl_seconds): a request's "ttl_ms"
// of a command with a TTL option (SET) becomes EX, seconds, instead of PX. Process-wide.
void plant_json_ttl_seconds(bool on);

// Base64 with the standard alphabet (RFC 4648 section 4) and padding.
std::string base64_encode(std::string_view bytes);
// The strict inverse of base64_encode: the length a multiple of 4, only the alphabet, '='
// only as the last one or two characters, the unused bits of the last group zero (so every
// byte string has exactly one accepted encoding); no whitespace. Otherwise kInvalidArgument
// saying what is wrong and where ("invalid character '!' at offset 3").
Result<std::string> base64_decode(std::string_view text);

}  // namespace helios::api
