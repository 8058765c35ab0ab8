#include "resp/split_args.h"

#include "base/assert.h"

namespace helios::resp {

namespace {

// C's isspace in the "C" locale.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// The bytes that end an unquoted argument: sdssplitargs's list, which leaves out \v and \f
// (skipped between arguments but kept inside one).
bool ends_argument(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

char unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// A quoted part of an argument, from just after its opening quote. Appends the unquoted
// bytes to `arg` and returns the position just after the closing quote, or npos if the
// quote does not close, or closes with something other than whitespace or the end after it.
std::size_t take_quoted(std::string_view line, std::size_t i, char quote, std::string& arg) {
  HELIOS_ASSERT(quote == '"' || quote == '\'');
  while (i < line.size()) {
    const char c = line[i];
    const bool has_next = i + 1 < line.size();
    if (c == quote) {
      const bool closes_well = !has_next || is_space(line[i + 1]);
      return closes_well ? i + 1 : std::string_view::npos;
    }
    if (c == '\\' && quote == '\'' && has_next && line[i + 1] == '\'') {
      arg.push_back('\'');
      i += 2;
    } else if (c == '\\' && quote == '"' && i + 3 < line.size() && line[i + 1] == 'x' &&
               hex_value(line[i + 2]) >= 0 && hex_value(line[i + 3]) >= 0) {
      arg.push_back(static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
      i += 4;
    } else if (c == '\\' && quote == '"' && has_next) {
      arg.push_back(unescape(line[i + 1]));
      i += 2;
    } else {
      arg.push_back(c);
      i += 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::vector<std::string>> split_args(std::string_view line) {
  std::vector<std::string> args;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && is_space(line[i])) {
      i += 1;
    }
    if (i == line.size()) {
      return args;
    }
    std::string& arg = args.emplace_back();
    // One argument: unquoted bytes and quoted parts, up to whitespace or a closing quote.
    bool done = false;
    while (!done && i < line.size()) {
      const char c = line[i];
      if (c == '"' || c == '\'') {
        i = take_quoted(line, i + 1, c, arg);
        if (i == std::string_view::npos) {
          return std::nullopt;
        }
        done = true;
      } else if (ends_argument(c)) {
        done = true;
      } else {
        arg.push_back(c);
        i += 1;
      }
    }
  }
}

}  // namespace helios::resp
