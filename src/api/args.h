#pragma once
// Small helpers for parsing Redis command arguments and building Redis's error lines.

#include <string>
#include <string_view>

#include "atlas/reply.h"
#include "base/status.h"

namespace helios::api {

inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrTooLarge =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
using atlas::kErrNotInteger;

// A refused command: kInvalidArgument whose message is the whole Redis error line.
inline Status invalid(std::string_view line) {
  return Status(Code::kInvalidArgument, std::string(line));
}

// ASCII case conversion (command names and options are ASCII; other bytes pass unchanged).
std::string upper(std::string_view s);
std::string lower(std::string_view s);

// "ERR wrong number of arguments for 'get' command"
std::string wrong_args(std::string_view name);

// True if `text` is a number INCRBYFLOAT accepts: a finite long double, the whole text, no
// spaces, at most 64 bytes (atlas::validate_command applies the same rule).
bool is_float_text(std::string_view text);

}  // namespace helios::api
